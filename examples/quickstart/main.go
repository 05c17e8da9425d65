// Command quickstart runs the embedded sample week through the whole Hark
// pipeline (listen → score → influence → surge → respond) and prints a report:
// volume by source, sentiment and intent; the most urgent posts with their
// priority, team, deadline, reasons and draft reply; the surge alerts with
// what drove them; and the most influential authors with their standing.
//
//	go run ./examples/quickstart
//
// It needs no network and no accounts. Run it from the repository's root, or
// give -policy the path of a policy file.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/harkhq/hark/listen"
	"github.com/harkhq/hark/listen/replay"
	"github.com/harkhq/hark/sample"
)

func main() {
	policyPath := flag.String("policy", "examples/replay/policy.yaml", "response policy (YAML)")
	top := flag.Int("top", 10, "how many posts and authors to list")
	flag.Parse()
	if err := run(context.Background(), os.Stdout, *policyPath, *top); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer, policyPath string, top int) error {
	started := time.Now()
	facts := sample.Script()
	p, err := newPipeline(facts, policyPath)
	if err != nil {
		return err
	}
	src := replay.New(sample.Week(), replay.WithName("sample-week"))
	for posts, err := range listen.Stream(ctx, src, listen.WithPollInterval(time.Millisecond)) {
		if err != nil {
			return err
		}
		for _, post := range posts {
			if err := p.handle(ctx, post); err != nil {
				return err
			}
		}
	}
	if _, err := p.authors.Rank(ctx); err != nil {
		return fmt.Errorf("rank authors: %w", err)
	}
	return p.report(out, facts, top, time.Since(started))
}
