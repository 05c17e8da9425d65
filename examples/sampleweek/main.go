// Command sampleweek writes Hark's embedded sample week as JSONL: about
// 4,400 posts about the fictional retailer Kestrel over one week, with a
// payment outage on day 5. It needs no network.
//
//	go run ./examples/sampleweek > week.jsonl          # the posts, hark.Post wire form
//	go run ./examples/sampleweek -labels > labels.jsonl # each post's hand-written labels
//	go run ./examples/sampleweek -texts > texts.jsonl   # the labelled texts: a scorer dev set
//	go run ./examples/sampleweek -facts                 # the script: brand, incident, personas
//
// With -o FILE it writes to FILE instead of stdout.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/internal/cli"
	"github.com/harkhq/hark/sample"
)

func main() {
	labels := flag.Bool("labels", false, "write each post's labels ({\"id\", ...}) instead of the posts")
	texts := flag.Bool("texts", false, "write the hand-written labelled texts instead of the posts")
	facts := flag.Bool("facts", false, "write the week's script as one JSON object instead of the posts")
	out := flag.String("o", "", "write to this file instead of stdout")
	flag.Parse()
	if err := run(os.Stdout, *out, *labels, *texts, *facts); err != nil {
		fmt.Fprintln(os.Stderr, "sampleweek:", err)
		os.Exit(1)
	}
}

func run(stdout io.Writer, out string, labels, texts, facts bool) (err error) {
	w := stdout
	if out != "" {
		f, err := os.Create(out)
		if err != nil {
			return err
		}
		defer func() {
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}()
		w = f
	}
	return write(w, labels, texts, facts)
}

// write writes the chosen view of the sample to w.
func write(w io.Writer, labels, texts, facts bool) error {
	switch {
	case facts:
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(sample.Script())
	case texts:
		enc := cli.Encoder(w)
		for _, t := range sample.Texts() {
			if err := enc.Encode(t); err != nil {
				return err
			}
		}
		return nil
	case labels:
		enc := cli.Encoder(w)
		ls := sample.Labels()
		for _, p := range sample.Week() {
			if err := enc.Encode(struct {
				ID string `json:"id"`
				sample.Label
			}{p.ID, ls[p.ID]}); err != nil {
				return err
			}
		}
		return nil
	}
	jw := hark.NewWriter(w)
	for _, p := range sample.Week() {
		if err := jw.Write(p); err != nil {
			return err
		}
	}
	return jw.Flush()
}
