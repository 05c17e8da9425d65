// Package devdata loads the development sets of the score package (the
// VADER human-rated sets and Hark's labelled customer-care posts), splits
// them into folds, and computes the figures the evaluation reports.
package devdata

import (
	"bufio"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/score"
)

// VaderSets are the VADER ground-truth files, by short name.
var VaderSets = []struct{ Name, File string }{
	{"tweets", "tweets_GroundTruth.txt"},
	{"amazon", "amazonReviewSnippets_GroundTruth.txt"},
	{"movie", "movieReviewSnippets_GroundTruth.txt"},
	{"nyt", "nytEditorialSnippets_GroundTruth.txt"},
}

// NeutralBand is the half-width of the neutral band on VADER's -4..4 mean
// rating used to derive gold three-way labels: |mean| < 0.5 is neutral.
const NeutralBand = 0.5

// An Item is one labelled post of any set.
type Item struct {
	Set       string
	ID        string
	Text      string
	Lang      string
	Sentiment float64 // -1..1
	Label     score.Label
	Urgency   int // -1 if not labelled
	Intent    score.Intent
	Fold      int
}

// LoadVader reads one VADER ground-truth file ("id\tmean\ttext").
func LoadVader(dir, set, file string, k int) ([]Item, error) {
	f, err := os.Open(filepath.Join(dir, file))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Item
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		p := strings.SplitN(sc.Text(), "\t", 3)
		if len(p) < 3 {
			continue
		}
		m, err := strconv.ParseFloat(p[1], 64)
		if err != nil {
			continue
		}
		it := Item{Set: set, ID: p[0], Text: strings.ToValidUTF8(p[2], "\uFFFD"), Sentiment: max(-1, min(1, m/4)), Urgency: -1, Lang: ""}
		switch {
		case m >= NeutralBand:
			it.Label = score.LabelPositive
		case m <= -NeutralBand:
			it.Label = score.LabelNegative
		default:
			it.Label = score.LabelNeutral
		}
		it.Fold = len(out) % k
		out = append(out, it)
	}
	return out, sc.Err()
}

// LoadCare reads the customer-care JSONL files of dir.
func LoadCare(dir string, k int) ([]Item, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var out []Item
	for _, fn := range files {
		f, err := os.Open(fn)
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var r struct {
				ID        string  `json:"id"`
				Text      string  `json:"text"`
				Sentiment float64 `json:"sentiment"`
				Label     string  `json:"label"`
				Urgency   int     `json:"urgency"`
				Intent    string  `json:"intent"`
				Lang      string  `json:"lang"`
			}
			if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
				f.Close()
				return nil, fmt.Errorf("%s: %v", fn, err)
			}
			h := fnv.New32a()
			h.Write([]byte(r.ID))
			out = append(out, Item{Set: "care", ID: r.ID, Text: r.Text, Lang: r.Lang, Sentiment: r.Sentiment,
				Label: score.Label(r.Label), Urgency: r.Urgency, Intent: score.Intent(r.Intent), Fold: int(h.Sum32() % uint32(k))})
		}
		f.Close()
		if err := sc.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// HeldOut reports whether a care item is in the held-out part the set's
// README proposes: ids whose number ends in 0 or 5.
func HeldOut(it Item) bool {
	if it.Set != "care" || it.ID == "" {
		return false
	}
	c := it.ID[len(it.ID)-1]
	return c == '0' || c == '5'
}

// Post is the item as a post (the declared language is not passed: the
// scorer detects it).
func (it Item) Post() hark.Post { return hark.Post{ID: it.ID, Text: it.Text} }

// Example is the item as a training example, weighted by w.
func (it Item) Example(w float64) score.Example {
	ex := score.Example{Post: it.Post(), Label: it.Label, Intent: it.Intent, Weight: w}
	s := it.Sentiment
	ex.Sentiment = &s
	if it.Urgency >= 0 {
		u := it.Urgency
		ex.Urgency = &u
	}
	return ex
}

// Pearson is the correlation of x and y.
func Pearson(x, y []float64) float64 {
	n := float64(len(x))
	var sx, sy float64
	for i := range x {
		sx += x[i]
		sy += y[i]
	}
	mx, my := sx/n, sy/n
	var cxy, cxx, cyy float64
	for i := range x {
		dx, dy := x[i]-mx, y[i]-my
		cxy += dx * dy
		cxx += dx * dx
		cyy += dy * dy
	}
	return cxy / math.Sqrt(cxx*cyy)
}

// MacroF1 is the mean F1 over the classes that occur in gold.
func MacroF1[T comparable](gold, pred []T) float64 {
	classes := map[T]bool{}
	for _, g := range gold {
		classes[g] = true
	}
	var sum float64
	for c := range classes {
		sum += F1(gold, pred, c)
	}
	return sum / float64(len(classes))
}

// F1 is the F1 of class c: 0 when no prediction of c is right.
func F1[T comparable](gold, pred []T, c T) float64 {
	var tp, fp, fn float64
	for i := range gold {
		switch {
		case gold[i] == c && pred[i] == c:
			tp++
		case gold[i] != c && pred[i] == c:
			fp++
		case gold[i] == c && pred[i] != c:
			fn++
		}
	}
	if tp == 0 {
		return 0
	}
	return 2 * tp / (2*tp + fp + fn)
}

// RecallPrecision of "positive" decisions.
func RecallPrecision(gold, pred []bool) (recall, precision float64) {
	return recallPrecisionAt(nil, gold, pred, 1)
}

// recallPrecisionAt is RecallPrecision with the posts that are not urgent
// (urgent[i] false; all posts if urgent is nil) weighing w.
func recallPrecisionAt(urgent, gold, pred []bool, w float64) (recall, precision float64) {
	var tp, fp, fn float64
	for i := range gold {
		switch {
		case gold[i] && pred[i]:
			tp++
		case !gold[i] && pred[i] && urgent != nil && !urgent[i]:
			fp += w
		case !gold[i] && pred[i]:
			fp++
		case gold[i] && !pred[i]:
			fn++
		}
	}
	if tp+fn > 0 {
		recall = tp / (tp + fn)
	}
	if tp+fp > 0 {
		precision = tp / (tp + fp)
	}
	return recall, precision
}

// LoadAll loads the four VADER sets and the care set.
func LoadAll(vaderDir, careDir string, k int) ([]Item, error) {
	var all []Item
	for _, vs := range VaderSets {
		its, err := LoadVader(vaderDir, vs.Name, vs.File, k)
		if err != nil {
			return nil, err
		}
		all = append(all, its...)
	}
	care, err := LoadCare(careDir, k)
	if err != nil {
		return nil, err
	}
	return append(all, care...), nil
}

// Weight is how much a set's posts pull in training: the social sets, like
// the posts Hark is judged on, count most.
func Weight(set string) float64 {
	if w, ok := WeightOverride[set]; ok {
		return w
	}
	switch set {
	case "tweets":
		return 18 // keeps tweets r at 0.88 as the care set grows (12 with 11,419 care posts, 17 with 16,539)
	case "care":
		return 3
	case "amazon":
		return 0.6
	}
	return 0.3
}

// WeightOverride and Options let the evaluation try other settings.
var (
	WeightOverride = map[string]float64{}
	Options        = score.FitOptions{Epochs: 8, Balance: true, Seed: 1}
)

// Fit trains the learned layer the way score/internal/train does.
func Fit(s *score.Scorer, train []score.Example) (*score.Model, error) {
	o := Options
	o.Note = "trained by score/internal/train on the VADER sets (MIT) and Hark's customer-care posts"
	return s.Fit(train, o)
}

// CrossVal fits one model per fold on the items outside it (sets of weight
// 0 left out) and returns the models.
func CrossVal(base *score.Scorer, items []Item, k int) ([]*score.Model, error) {
	models := make([]*score.Model, k)
	for f := 0; f < k; f++ {
		var train []score.Example
		for _, it := range items {
			if it.Fold != f && Weight(it.Set) > 0 {
				train = append(train, it.Example(Weight(it.Set)))
			}
		}
		m, err := Fit(base, train)
		if err != nil {
			return nil, err
		}
		models[f] = m
	}
	return models, nil
}

// Predict scores each item with the model of its fold.
func Predict(items []Item, models []*score.Model) ([]score.Result, error) {
	out := make([]score.Result, len(items))
	for f, m := range models {
		s, err := score.New(score.WithModel(m))
		if err != nil {
			return nil, err
		}
		for i, it := range items {
			if it.Fold == f {
				out[i] = s.Score(it.Post())
			}
		}
	}
	return out, nil
}

// UrgentShare is the share of urgent (level 2-3) posts at which TuneUrgency
// judges precision. The care set has about a third urgent posts, written
// to teach urgency; a care team's inbox has far fewer, and there every
// false alarm weighs more. Posts that are not urgent count as if they were
// (1-UrgentShare)/UrgentShare times as many as the urgent ones.
var UrgentShare = 0.2

// A Decision is how a model's urgency head turns its probabilities into
// levels: the fields of score.Model that TuneUrgency chooses.
type Decision struct {
	High, Crit, Veto float64
	ModelDecides     bool
}

// Apply sets d on m.
func (d Decision) Apply(m *score.Model) {
	m.HighThreshold, m.CritThreshold, m.Veto, m.ModelDecides = d.High, d.Crit, d.Veto, d.ModelDecides
}

func (d Decision) String() string {
	if d.ModelDecides {
		return fmt.Sprintf("high %.2f critical %.2f, the model decides alone", d.High, d.Crit)
	}
	return fmt.Sprintf("high %.2f critical %.2f veto %.1f, the rules' findings gate the model", d.High, d.Crit, d.Veto)
}

// TuneUrgency chooses the urgency head's decision on the out-of-fold
// predictions of the care items (see bestDecision), at urgent precision
// >= 0.70 judged at UrgentShare, which is the margin: out-of-fold
// precision on the care set flatters a real inbox. It tries the rules'
// findings as gates (at four veto fractions) and the model deciding
// alone, and applies the decision to every model.
func TuneUrgency(items []Item, models []*score.Model) (Decision, error) {
	var care []Item
	for _, it := range items {
		if it.Set == "care" {
			care = append(care, it)
		}
	}
	// one scorer per fold: a model's thresholds are read when a post is
	// scored, so the scorers stay valid as they change
	scorers := make([]*score.Scorer, len(models))
	for f, m := range models {
		var err error
		if scorers[f], err = score.New(score.WithModel(m)); err != nil {
			return Decision{}, err
		}
	}
	urgent := 0
	for _, it := range care {
		if it.Urgency >= 2 {
			urgent++
		}
	}
	w := 1.0 // the weight of a post that is not urgent
	if urgent > 0 && urgent < len(care) {
		w = float64(urgent) * (1 - UrgentShare) / UrgentShare / float64(len(care)-urgent)
	}
	var kinds []Decision
	for _, v := range []float64{0, 0.3, 0.6, 1} {
		kinds = append(kinds, Decision{Veto: v})
	}
	kinds = append(kinds, Decision{ModelDecides: true})
	chosen, ok := bestDecision(kinds, care, func(d Decision, levels []int) {
		for _, m := range models {
			d.Apply(m)
		}
		for i, it := range care {
			levels[i] = scorers[it.Fold].Score(it.Post()).Urgency
		}
	}, w, 0.7)
	if !ok {
		chosen = Decision{High: 0.5, Crit: 0.5, Veto: 1}
	}
	for _, m := range models {
		chosen.Apply(m)
	}
	return chosen, nil
}

// ValidationPrecision is the urgent precision TuneOnValidation asks of
// the validation set: the target's 0.70 and a margin of about two
// standard errors of a precision measured on some 300 urgent posts.
const ValidationPrecision = 0.75

// TuneOnValidation chooses the thresholds of m's urgency decision, of the
// kind of kind (ModelDecides and Veto as TuneUrgency chose them), on val:
// labelled care posts written as a care team's inbox and never trained
// on, whose urgent share is an inbox's, so precision needs no reweighting
// there (see bestDecision), only the margin of ValidationPrecision. It
// applies the decision to m if one qualifies, and says whether one did.
func TuneOnValidation(m *score.Model, kind Decision, val []Item) (Decision, bool, error) {
	s, err := score.New(score.WithModel(m))
	if err != nil {
		return Decision{}, false, err
	}
	d, ok := bestDecision([]Decision{kind}, val, func(d Decision, levels []int) {
		d.Apply(m)
		for i, it := range val {
			levels[i] = s.Score(it.Post()).Urgency
		}
	}, 1, ValidationPrecision)
	if !ok {
		d = kind
	}
	d.Apply(m)
	return d, ok, nil
}

// bestDecision returns the decision, of the kinds given and with
// thresholds on a grid from 0.1 to 0.6 (steps of 0.05; 0.025 when the
// model decides alone), that finds the most urgent (2-3) plus critical
// (3) posts of items, a twentieth of their precision breaking ties, at
// urgent precision >= minUrgent and critical precision >= 0.6. Precision
// counts a false alarm on a post that is not urgent w times. levels
// applies a decision and fills the levels it gives items; ok is false if
// no decision qualifies.
func bestDecision(kinds []Decision, items []Item, levels func(Decision, []int), w, minUrgent float64) (chosen Decision, ok bool) {
	g2 := make([]bool, len(items))
	g3 := make([]bool, len(items))
	for i, it := range items {
		g2[i], g3[i] = it.Urgency >= 2, it.Urgency == 3
	}
	lv := make([]int, len(items))
	p2 := make([]bool, len(items))
	p3 := make([]bool, len(items))
	best := -1.0
	for _, d := range kinds {
		// the model alone sets levels by its thresholds only, so they get
		// a finer grid (the gated kinds would cost four times as much)
		steps := 10
		if d.ModelDecides {
			steps = 20
		}
		for hs := 0; hs <= steps; hs++ {
			for cs := 0; cs <= steps; cs++ {
				d.High, d.Crit = 0.1+0.5*float64(hs)/float64(steps), 0.1+0.5*float64(cs)/float64(steps)
				levels(d, lv)
				for i, l := range lv {
					p2[i], p3[i] = l >= 2, l == 3
				}
				r2, pr2 := recallPrecisionAt(g2, g2, p2, w)
				r3, pr3 := recallPrecisionAt(g2, g3, p3, w)
				if pr2 < minUrgent || pr3 < 0.6 {
					continue
				}
				if x := r2 + r3 + 0.05*(pr2+pr3); x > best {
					best, chosen, ok = x, d, true
				}
			}
		}
	}
	return chosen, ok
}
