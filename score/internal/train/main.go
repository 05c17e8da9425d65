// Command train fits the learned layer embedded in the score package and
// writes it to score/data/model.bin; with -vocab it also rewrites
// score/data/vocab.txt, the word list used to split hashtags. Anyone can
// re-run it; training is deterministic.
//
// Training data: the four VADER human-rated sets (MIT, ../shared/data/vader)
// and Hark's labelled customer-care posts (score/testdata/care). The kind
// of urgency decision (the model alone, or the rules' findings as gates)
// is chosen by k-fold cross-validation on the care posts before the final
// fit on everything; the final model's thresholds are then chosen on the
// validation set (score/testdata/validation), care posts written as an
// inbox and never trained on.
//
//	go run ./score/internal/train [-vader ../shared/data/vader] [-care score/testdata/care] [-validation score/testdata/validation] [-out score/data/model.bin] [-vocab]
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode"

	"github.com/harkhq/hark/score"
	"github.com/harkhq/hark/score/internal/devdata"
)

func main() {
	vdir := flag.String("vader", "../shared/data/vader", "directory of the VADER ground-truth files")
	cdir := flag.String("care", "score/testdata/care", "directory of the customer-care JSONL files")
	out := flag.String("out", "score/data/model.bin", "where to write the model")
	vocab := flag.Bool("vocab", false, "also rewrite score/data/vocab.txt from the VADER sets")
	k := flag.Int("k", 5, "folds for choosing the kind of urgency decision")
	valdir := flag.String("validation", "score/testdata/validation", "directory of the care posts that choose the urgency thresholds (empty: keep cross-validation's)")
	flag.BoolVar(&devdata.Options.Balance, "balance", devdata.Options.Balance, "weight the urgency and intent classes equally in training")
	flag.Parse()
	if *vocab {
		if err := writeVocab(*vdir, filepath.Join(filepath.Dir(*out), "vocab.txt")); err != nil {
			log.Fatal(err)
		}
	}
	items, err := devdata.LoadAll(*vdir, *cdir, *k)
	if err != nil {
		log.Fatal(err)
	}
	base, err := score.New(score.WithoutModel())
	if err != nil {
		log.Fatal(err)
	}
	models, err := devdata.CrossVal(base, items, *k)
	if err != nil {
		log.Fatal(err)
	}
	dec, err := devdata.TuneUrgency(items, models)
	if err != nil {
		log.Fatal(err)
	}
	var train []score.Example
	for _, it := range items {
		if w := devdata.Weight(it.Set); w > 0 {
			train = append(train, it.Example(w))
		}
	}
	m, err := devdata.Fit(base, train)
	if err != nil {
		log.Fatal(err)
	}
	dec.Apply(m)
	if *valdir != "" {
		val, err := devdata.LoadCare(*valdir, 1)
		if err != nil {
			log.Fatal(err)
		}
		if len(val) == 0 {
			log.Fatalf("no validation posts in %s", *valdir)
		}
		cv := dec
		var ok bool
		if dec, ok, err = devdata.TuneOnValidation(m, cv, val); err != nil {
			log.Fatal(err)
		}
		if !ok {
			log.Fatalf("no thresholds reach urgent precision %.2f on the %d validation posts", devdata.ValidationPrecision, len(val))
		}
		fmt.Printf("cross-validation chose %v; the %d validation posts chose %v\n", cv, len(val), dec)
	}
	f, err := os.Create(*out)
	if err != nil {
		log.Fatal(err)
	}
	if err := m.Save(f); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("trained on %d posts; urgency %v; wrote %s\n", len(train), dec, *out)
}

// writeVocab writes the words seen at least three times in the VADER sets,
// the dictionary for splitting one-case hashtags.
func writeVocab(dir, out string) error {
	counts := map[string]int{}
	for _, vs := range devdata.VaderSets {
		items, err := devdata.LoadVader(dir, vs.Name, vs.File, 1)
		if err != nil {
			return err
		}
		for _, it := range items {
			for w := range strings.FieldsFuncSeq(strings.ToLower(it.Text), func(r rune) bool { return r < 'a' || r > 'z' }) {
				counts[w]++
			}
		}
	}
	short := map[string]bool{}
	for _, w := range strings.Fields("an at be by do go he if in is it me my no of on or so to up us we") {
		short[w] = true
	}
	var ws []string
	for w, n := range counts {
		if n >= 3 && (len(w) > 2 || short[w]) && strings.IndexFunc(w, func(r rune) bool { return !unicode.IsLetter(r) }) < 0 {
			ws = append(ws, w)
		}
	}
	sort.Strings(ws)
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(f)
	for _, w := range ws {
		fmt.Fprintln(bw, w)
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return f.Close()
}
