// Command eval measures the scorer on the development sets: Pearson r
// against the human mean and three-way macro-F1 on each VADER set, and on
// Hark's customer-care posts also urgency recall and precision and intent
// macro-F1. The learned layer is measured by k-fold cross-validation (each
// post is scored by a model that never saw it); the baseline is the rules
// alone (WithoutModel), a VADER-equivalent lexicon-and-rules scorer.
//
// Gold three-way labels: VADER sets, mean rating >= 0.5 positive, <= -0.5
// negative (on -4..4), else neutral; care posts, the set's own labels.
// The baseline's labels come from its compound with VADER's ±0.05.
//
//	go run ./score/internal/eval [-k 5] [-vader ../shared/data/vader] [-care score/testdata/care]
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/harkhq/hark/sample"
	"github.com/harkhq/hark/score"
	"github.com/harkhq/hark/score/internal/devdata"
)

func main() {
	k := flag.Int("k", 5, "folds")
	vdir := flag.String("vader", "../shared/data/vader", "directory of the VADER ground-truth files")
	cdir := flag.String("care", "score/testdata/care", "directory of the customer-care JSONL files")
	valdir := flag.String("validation", "score/testdata/validation", "with -holdout: the care posts that choose the held-out model's urgency thresholds, as train does (empty: keep cross-validation's)")
	holdout := flag.Bool("holdout", false, "also train on all but the care posts whose id ends in 0 or 5, and report on those")
	hoFrom := flag.String("ho-from", "", "report the held-out figures only on the held-out posts that a care directory (e.g. an older copy of the set) also has")
	errs := flag.Bool("errors", false, "list the care posts outside the held-out part that cross-validation within that part misjudges (urgency level or intent)")
	weights := flag.String("w", "", "training weights per set, e.g. tweets=1,care=2")
	flag.IntVar(&devdata.Options.Epochs, "epochs", devdata.Options.Epochs, "training epochs")
	flag.Float64Var(&devdata.Options.L2, "l2", 0, "L2 weight decay (0: default)")
	flag.Float64Var(&devdata.Options.Rate, "rate", 0, "learning rate (0: default)")
	flag.Float64Var(&devdata.Options.ValenceRate, "vrate", 0, "valence learning rate factor (0: default)")
	flag.BoolVar(&devdata.Options.Balance, "balance", devdata.Options.Balance, "weight the urgency and intent classes equally in training")
	blind := flag.String("blind", "", "only score the care posts of this directory with the embedded (shipped) scorer and the rules alone, and report: a set written after the scorer, never trained or tuned on")
	week := flag.Bool("sample", false, "only score the sample week's labelled texts (package sample, never trained on) with the shipped scorer and the rules alone, and report")
	flag.Parse()
	if *blind != "" || *week {
		items, err := sampleItems()
		if *blind != "" {
			items, err = devdata.LoadCare(*blind, 1)
		}
		if err != nil {
			log.Fatal(err)
		}
		if err := reportShipped(items); err != nil {
			log.Fatal(err)
		}
		return
	}
	for kv := range strings.SplitSeq(*weights, ",") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			f, _ := strconv.ParseFloat(v, 64)
			devdata.WeightOverride[k] = f
		}
	}
	start := time.Now()
	items, err := devdata.LoadAll(*vdir, *cdir, *k)
	if err != nil {
		log.Fatal(err)
	}
	base, err := score.New(score.WithoutModel())
	if err != nil {
		log.Fatal(err)
	}
	// baseline
	basePred := make([]score.Result, len(items))
	for i, it := range items {
		basePred[i] = base.Score(it.Post())
	}
	// cross-validation
	models, err := devdata.CrossVal(base, items, *k)
	if err != nil {
		log.Fatal(err)
	}
	dec, err := devdata.TuneUrgency(items, models)
	if err != nil {
		log.Fatal(err)
	}
	cvPred, err := devdata.Predict(items, models)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("gold labels: VADER sets |mean| < %.1f neutral (of ±4); care: the set's labels. %d-fold CV.\n", devdata.NeutralBand, *k)
	fmt.Printf("urgency decision tuned on the out-of-fold care predictions: %v\n\n", dec)
	fmt.Printf("%-8s %6s | %-22s | %-22s\n", "set", "n", "baseline (rules): r  F1", "hark (CV): r     F1")
	for _, set := range []string{"tweets", "amazon", "movie", "nyt", "care", "care-en", "care-intl"} {
		var gold, bp, cp []float64
		var gl, bl, cl []score.Label
		for i, it := range items {
			if !inSet(it, set) {
				continue
			}
			gold = append(gold, it.Sentiment)
			gl = append(gl, it.Label)
			bp = append(bp, basePred[i].Sentiment)
			bl = append(bl, basePred[i].Label)
			cp = append(cp, cvPred[i].Sentiment)
			cl = append(cl, cvPred[i].Label)
		}
		if len(gold) == 0 {
			continue
		}
		fmt.Printf("%-8s %6d | r %.3f  F1 %.3f        | r %.3f  F1 %.3f\n", set, len(gold),
			devdata.Pearson(gold, bp), devdata.MacroF1(gl, bl), devdata.Pearson(gold, cp), devdata.MacroF1(gl, cl))
	}
	fmt.Println()
	for _, set := range []string{"care", "care-en", "care-intl"} {
		report(set, items, basePred, "baseline")
		report(set, items, cvPred, "hark CV")
	}
	// the same folds at the embedded model's thresholds, which the
	// validation set chose for the model trained on everything
	if shipped, err := score.DefaultModel(); err == nil && shipped != nil {
		d := devdata.Decision{High: shipped.HighThreshold, Crit: shipped.CritThreshold, Veto: shipped.Veto, ModelDecides: shipped.ModelDecides}
		for _, m := range models {
			d.Apply(m)
		}
		atShipped, err := devdata.Predict(items, models)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("\nthe same folds at the shipped urgency decision (%v):\n", d)
		for _, set := range []string{"care", "care-en", "care-intl"} {
			report(set, items, atShipped, "CV@ship")
		}
	}
	if *errs {
		if err := listErrors(base, items, *k); err != nil {
			log.Fatal(err)
		}
	}
	if *holdout {
		// thresholds by CV within the training part, then one model on it
		var trainPart []devdata.Item
		for _, it := range items {
			if !devdata.HeldOut(it) {
				trainPart = append(trainPart, it)
			}
		}
		ms, err := devdata.CrossVal(base, trainPart, *k)
		if err != nil {
			log.Fatal(err)
		}
		dec, err := devdata.TuneUrgency(trainPart, ms)
		if err != nil {
			log.Fatal(err)
		}
		var train []score.Example
		for _, it := range trainPart {
			if devdata.Weight(it.Set) > 0 {
				train = append(train, it.Example(devdata.Weight(it.Set)))
			}
		}
		m, err := devdata.Fit(base, train)
		if err != nil {
			log.Fatal(err)
		}
		dec.Apply(m)
		how := "from CV on the rest"
		if *valdir != "" {
			val, err := devdata.LoadCare(*valdir, 1)
			if err != nil {
				log.Fatal(err)
			}
			if d, ok, err := devdata.TuneOnValidation(m, dec, val); err != nil {
				log.Fatal(err)
			} else if ok {
				dec, how = d, "thresholds from the validation set"
			}
		}
		s, _ := score.New(score.WithModel(m))
		var sub []devdata.Item
		var subP []score.Result
		only := map[string]bool{}
		if *hoFrom != "" {
			old, err := devdata.LoadCare(*hoFrom, *k)
			if err != nil {
				log.Fatal(err)
			}
			for _, it := range old {
				only[it.ID] = true
			}
		}
		for _, it := range items {
			if devdata.HeldOut(it) && (*hoFrom == "" || only[it.ID]) {
				sub = append(sub, it)
				subP = append(subP, s.Score(it.Post()))
			}
		}
		var g, p []score.Label
		var gv, pv []float64
		for i := range sub {
			g = append(g, sub[i].Label)
			p = append(p, subP[i].Label)
			gv = append(gv, sub[i].Sentiment)
			pv = append(pv, subP[i].Sentiment)
		}
		fmt.Printf("\ncare held-out (ids ending 0/5, n=%d, urgency %v, %s): sentiment r %.3f F1 %.3f\n", len(sub), dec, how, devdata.Pearson(gv, pv), devdata.MacroF1(g, p))
		var subB []score.Result
		for _, it := range sub {
			subB = append(subB, base.Score(it.Post()))
		}
		for _, set := range []string{"care", "care-en", "care-intl"} {
			report(set, sub, subB, "ho-base")
			report(set, sub, subP, "held-out")
		}
	}
	fmt.Fprintf(os.Stderr, "eval took %v\n", time.Since(start).Round(time.Second))
}

// reportShipped scores items with the scorer as shipped (its embedded
// model) and with the rules alone.
func reportShipped(items []devdata.Item) error {
	shipped, err := score.New()
	if err != nil {
		return err
	}
	base, err := score.New(score.WithoutModel())
	if err != nil {
		return err
	}
	sp := make([]score.Result, len(items))
	bp := make([]score.Result, len(items))
	for i, it := range items {
		sp[i], bp[i] = shipped.Score(it.Post()), base.Score(it.Post())
	}
	fmt.Printf("%d posts never trained on, scored as shipped\n", len(items))
	for _, set := range []string{"care", "care-en", "care-intl"} {
		report(set, items, bp, "rules")
		report(set, items, sp, "shipped")
	}
	return nil
}

// sampleItems returns one post of the sample week per hand-labelled text
// (not reposts), with the text's labels.
func sampleItems() ([]devdata.Item, error) {
	labels := sample.Labels()
	seen := map[string]bool{}
	var out []devdata.Item
	for _, p := range sample.Week() {
		l, ok := labels[p.ID]
		if !ok || l.Repost || seen[l.TextID] {
			continue
		}
		seen[l.TextID] = true
		out = append(out, devdata.Item{Set: "care", ID: l.TextID, Text: p.Text, Lang: l.Lang, Sentiment: l.Sentiment,
			Label: score.Label(l.Label), Urgency: l.Urgency, Intent: score.Intent(l.Intent)})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("the sample week has no labelled posts")
	}
	return out, nil
}

func inSet(it devdata.Item, set string) bool {
	switch set {
	case "care-en":
		return it.Set == "care" && it.Lang == "en"
	case "care-intl":
		return it.Set == "care" && it.Lang != "en"
	}
	return it.Set == set
}

func report(set string, items []devdata.Item, pred []score.Result, name string) {
	var gu2, pu2, gu3, pu3 []bool
	var gi, pi []score.Intent
	var gl, pl []score.Label
	exact := 0
	n := 0
	for i, it := range items {
		if !inSet(it, set) || it.Urgency < 0 {
			continue
		}
		n++
		gu2 = append(gu2, it.Urgency >= 2)
		pu2 = append(pu2, pred[i].Urgency >= 2)
		gu3 = append(gu3, it.Urgency == 3)
		pu3 = append(pu3, pred[i].Urgency == 3)
		gi = append(gi, it.Intent)
		pi = append(pi, pred[i].Intent)
		gl = append(gl, it.Label)
		pl = append(pl, pred[i].Label)
		if it.Urgency == pred[i].Urgency {
			exact++
		}
	}
	if n == 0 {
		return
	}
	r2, p2 := devdata.RecallPrecision(gu2, pu2)
	r3, p3 := devdata.RecallPrecision(gu3, pu3)
	if os.Getenv("CONFUSION") != "" && name == "hark CV" && set == "care" {
		conf := map[[2]score.Intent]int{}
		for i := range gi {
			conf[[2]score.Intent{gi[i], pi[i]}]++
		}
		for _, g := range []score.Intent{"complaint", "question", "praise", "suggestion", "purchase_intent", "crisis", "spam", "other"} {
			fmt.Printf("%16s:", g)
			for _, p := range []score.Intent{"complaint", "question", "praise", "suggestion", "purchase_intent", "crisis", "spam", "other"} {
				fmt.Printf(" %4d", conf[[2]score.Intent{g, p}])
			}
			fmt.Println()
		}
	}
	if name == "hark CV" || name == "held-out" || name == "train CV" || name == "shipped" {
		fmt.Printf("%-9s %-9s per-intent F1:", set, name)
		for _, c := range intentOrder {
			fmt.Printf(" %s %.2f", c, devdata.F1(gi, pi, c))
		}
		fmt.Println()
	}
	fmt.Printf("%-9s %-9s n=%4d  urgent(2-3) recall %.3f precision %.3f | critical recall %.3f precision %.3f | level exact %.3f | intent macro-F1 %.3f | label F1 %.3f\n",
		set, name, n, r2, p2, r3, p3, float64(exact)/float64(n), devdata.MacroF1(gi, pi), devdata.MacroF1(gl, pl))
}

var intentOrder = []score.Intent{"complaint", "question", "praise", "suggestion", "purchase_intent", "crisis", "spam", "other"}

// listErrors cross-validates on everything but the held-out care posts
// and prints the care posts of that part whose urgency level or intent
// comes out wrong, with the reasons: what rule work may look at without
// seeing the held-out part.
func listErrors(base *score.Scorer, items []devdata.Item, k int) error {
	var part []devdata.Item
	for _, it := range items {
		if !devdata.HeldOut(it) {
			part = append(part, it)
		}
	}
	ms, err := devdata.CrossVal(base, part, k)
	if err != nil {
		return err
	}
	if _, err := devdata.TuneUrgency(part, ms); err != nil {
		return err
	}
	pred, err := devdata.Predict(part, ms)
	if err != nil {
		return err
	}
	report("care", part, pred, "train CV")
	report("care-en", part, pred, "train CV")
	report("care-intl", part, pred, "train CV")
	for i, it := range part {
		p := pred[i]
		if it.Set != "care" || p.Urgency == it.Urgency && p.Intent == it.Intent {
			continue
		}
		fmt.Printf("ERR %s u%d->%d %s->%s %s->%s %q\n   ", it.ID, it.Urgency, p.Urgency, it.Intent, p.Intent, it.Label, p.Label, it.Text)
		for _, r := range p.Reasons {
			if r.Code != "lexicon" && r.Code != "emoji" {
				fmt.Printf(" %s[%s]", r.Code, r.Span)
			}
		}
		fmt.Println()
	}
	return nil
}
