// Command quickstart runs the embedded sample week through the whole Hark
// pipeline (listen → score → influence → surge → respond → reply) and prints
// a report: volume by source, sentiment and intent; the most urgent posts
// with their priority, team, deadline, scores, reasons and draft reply; the
// surge alerts with what drove them, the day-5 incident's first; the most
// influential authors with their standing; and the replies that went out to
// a local stand-in platform, after a (simulated) care team approved those
// the policy holds, posted once however often the posting step runs.
//
//	go run ./examples/quickstart
//
// It needs no network and no accounts: the stand-in platform is a server
// on the loopback interface that lives as long as the run. Run it from the
// repository's root, or give -policy the path of a policy file.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
	_ "time/tzdata" // the company's zone, on machines without a zone database

	"github.com/harkhq/hark/listen"
	"github.com/harkhq/hark/listen/replay"
	"github.com/harkhq/hark/sample"
)

type config struct {
	policy string // path of the response policy
	top    int    // how many posts, alerts and authors to list
	zone   string // the company's time zone, for every time printed
}

func main() {
	var cfg config
	flag.StringVar(&cfg.policy, "policy", "examples/replay/policy.yaml", "response policy (YAML)")
	flag.IntVar(&cfg.top, "top", 10, "how many posts, alerts and authors to list")
	// Kestrel, the sample's company, is run from London.
	flag.StringVar(&cfg.zone, "tz", "Europe/London", "the company's time zone (IANA name)")
	flag.Parse()
	if err := run(context.Background(), os.Stdout, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer, cfg config) error {
	started := time.Now()
	p, err := simulate(ctx, cfg)
	if err != nil {
		return err
	}
	defer p.replies.close()
	var buf bytes.Buffer
	if err := p.report(&buf, cfg.top, time.Since(started)); err != nil {
		return err
	}
	// Aligned columns leave trailing blanks; a reader has no use for them.
	for line := range strings.Lines(buf.String()) {
		if _, err := io.WriteString(out, strings.TrimRight(line, " \n")+"\n"); err != nil {
			return err
		}
	}
	return nil
}

// simulate runs the week through the pipeline and posts the replies; the
// caller closes p.replies.
func simulate(ctx context.Context, cfg config) (_ *pipeline, err error) {
	loc, err := time.LoadLocation(cfg.zone)
	if err != nil {
		return nil, err
	}
	facts := sample.Script()
	p, err := newPipeline(facts, cfg.policy, loc)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			p.replies.close()
		}
	}()
	src := replay.New(sample.Week(), replay.WithName("sample-week"))
	for posts, err := range listen.Stream(ctx, src, listen.WithPollInterval(time.Millisecond)) {
		if err != nil {
			return nil, err
		}
		for _, post := range posts {
			if err := p.handle(ctx, post); err != nil {
				return nil, err
			}
		}
	}
	// The week ends: the last reviews, and the posting step run again as a
	// restarted worker would.
	if err := p.replies.advance(ctx, facts.End); err != nil {
		return nil, err
	}
	if err := p.replies.again(ctx); err != nil {
		return nil, err
	}
	if _, err := p.authors.Rank(ctx); err != nil {
		return nil, fmt.Errorf("rank authors: %w", err)
	}
	return p, nil
}
