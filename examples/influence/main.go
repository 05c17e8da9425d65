// Command influence reads posts as JSONL on stdin, judges every author and
// writes one object per author as JSONL on stdout, most influential first:
//
//	{"author", "influence": 0..100, "reach", "rank",
//	 "standing": "advocate|detractor|neutral", "helper", "bot": 0..1,
//	 "reasons": [{"code","span","weight"}], "components": {...}}
//
// Each post is scored with package score (sentiment and intent feed the
// author's standing), observed by an influence.Tracker, and the interaction
// graph is ranked once at the end. A malformed line is reported on stderr
// with its line number and skipped; the exit status is then 2.
//
// With -brand FILE (as score.ReadBrand reads it), the brand's names,
// aliases and products are the topics of its field and its handles are its
// own accounts (left out of the list). -topics adds topics; -top limits the
// list. With -reach, the output is instead one object per post, in input
// order, with its expected impressions and amplification velocity as of the
// last post's time:
//
//	{"id", "author", "impressions", "reposts", "velocity", "viral", "reasons"}
//
//	go run ./examples/influence -top 20 < posts.jsonl
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/influence"
	"github.com/harkhq/hark/internal/cli"
	"github.com/harkhq/hark/score"
)

func main() {
	os.Exit(run())
}

func run() int {
	brandFile := flag.String("brand", "", "file with the brand's names, handles and products (score.Brand)")
	topics := flag.String("topics", "", "comma-separated words of the brand's field")
	top := flag.Int("top", 0, "list only the n most influential authors (0: all)")
	reach := flag.Bool("reach", false, "write the reach of each post instead of the authors")
	flag.Parse()

	var sopts []score.Option
	var iopts []influence.Option
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
		sopts = append(sopts, score.WithBrand(b))
		terms := append([]string{b.Name}, b.Aliases...)
		terms = append(terms, b.Products...)
		terms = append(terms, b.Handles...)
		iopts = append(iopts, influence.WithTopics(terms...), influence.WithBrandAccounts(b.Handles...))
	}
	if *topics != "" {
		iopts = append(iopts, influence.WithTopics(strings.Split(*topics, ",")...))
	}
	scorer, err := score.New(sopts...)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	t := influence.NewTracker(iopts...)
	skipped := 0
	var posts []hark.Post
	for p := range cli.Posts(os.Stdin, os.Stderr, &skipped) {
		if err := t.Observe(p, scorer.Score(p)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		if *reach {
			posts = append(posts, p)
		}
	}
	w := bufio.NewWriter(os.Stdout)
	enc := cli.Encoder(w)
	if *reach {
		for _, p := range posts {
			if err := enc.Encode(t.Reach(p)); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
		}
		return finish(w, skipped)
	}
	if _, err := t.Rank(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	authors, err := t.Top(*top)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	for _, a := range authors {
		if err := enc.Encode(a); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	return finish(w, skipped)
}

func finish(w *bufio.Writer, skipped int) int {
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if skipped > 0 {
		return cli.ExitSkipped
	}
	return 0
}
