// Command score reads posts as JSONL on stdin and writes one judgement per
// post as JSONL on stdout, in the same order:
//
//	{"id", "sentiment", "label", "confidence", "urgency", "urgency_score",
//	 "intent", "language", "spam", "about", "reasons": [{"code","span","weight"}]}
//
// A malformed line is reported on stderr with its line number and skipped;
// the exit status is then 2. With -brand FILE, a brand's knowledge (JSON,
// see score.Brand) is loaded: its names are neutral, its cues added; with
// -model FILE, a model saved by score.Model.Save replaces the embedded one.
//
//	go run ./examples/score < posts.jsonl
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"

	"github.com/harkhq/hark/internal/cli"
	"github.com/harkhq/hark/score"
)

type output struct {
	ID string `json:"id"`
	score.Result
}

func main() {
	os.Exit(run())
}

func run() int {
	brandFile := flag.String("brand", "", "JSON file with a brand's names, neutral terms and cues (score.Brand)")
	modelFile := flag.String("model", "", "a model saved by score.Model.Save, instead of the embedded one")
	flag.Parse()
	var opts []score.Option
	if *brandFile != "" {
		f, err := os.Open(*brandFile)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		b, err := score.ReadBrand(f)
		f.Close()
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", *brandFile, err)
			return 1
		}
		opts = append(opts, score.WithBrand(b))
	}
	if *modelFile != "" {
		f, err := os.Open(*modelFile)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		m, err := score.LoadModel(f)
		f.Close()
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", *modelFile, err)
			return 1
		}
		opts = append(opts, score.WithModel(m))
	}
	s, err := score.New(opts...)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	w := bufio.NewWriter(os.Stdout)
	enc := cli.Encoder(w)
	skipped := 0
	for p := range cli.Posts(os.Stdin, os.Stderr, &skipped) {
		if err := enc.Encode(output{ID: p.ID, Result: s.Score(p)}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if skipped > 0 {
		return cli.ExitSkipped
	}
	return 0
}
