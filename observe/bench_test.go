package observe_test

import (
	"bufio"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/observe"
	"github.com/harkhq/hark/respond"
	"github.com/harkhq/hark/score"
)

// The overhead benchmarks score and decide the customer-care posts of
// score/testdata/care with the shipped policy three ways, side by side:
// bare (no observe at all), through observe with no provider installed
// (nil: otel's no-op), and through observe with an SDK provider and a
// manual reader (every instrument aggregating). Compare posts/s of "bare"
// and "sdk": the target is at most 5 % apart. On a shared, noisy machine
// the Interleaved benchmarks are the better measure: they alternate the
// three ways in chunks of 64 posts within one run, each going first in
// turn, so drift in the machine's load and warm caches favour none, and
// report each one's median ns per post and the ratios sdk/bare and
// noop/bare (see interleaved for how they are taken).

func carePosts(b *testing.B) []hark.Post {
	b.Helper()
	files, err := filepath.Glob("../score/testdata/care/*.jsonl")
	if err != nil || len(files) == 0 {
		b.Skip("no care posts at ../score/testdata/care")
	}
	sort.Strings(files)
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	var out []hark.Post
	for _, fn := range files {
		f, err := os.Open(fn)
		if err != nil {
			b.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var p struct{ ID, Text string }
			if json.Unmarshal(sc.Bytes(), &p) == nil && p.Text != "" {
				out = append(out, hark.Post{ID: p.ID, Text: p.Text, Created: now.Add(-time.Duration(len(out)) * time.Second),
					Author: hark.Author{Handle: "@user", Followers: int64(len(out) * 37 % 90000)}})
			}
		}
		f.Close()
	}
	return out
}

// careCases returns the shipped policy and the care posts as cases to
// decide, scored.
func careCases(b *testing.B) (*respond.Policy, []respond.Case) {
	b.Helper()
	posts := carePosts(b)
	s, err := score.New()
	if err != nil {
		b.Fatal(err)
	}
	p, err := respond.LoadPolicy("../examples/replay/policy.yaml")
	if err != nil {
		b.Fatal(err)
	}
	cases := make([]respond.Case, len(posts))
	for i, post := range posts {
		cases[i] = respond.Case{Post: post, Scores: s.Score(post), Now: post.Created.Add(time.Minute)}
	}
	return p, cases
}

func providers() []struct {
	name string
	mp   metric.MeterProvider
} {
	return []struct {
		name string
		mp   metric.MeterProvider
	}{
		{"bare", nil},
		{"noop", nil},
		{"sdk", sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))},
	}
}

func BenchmarkOverheadScore(b *testing.B) {
	posts := carePosts(b)
	s, err := score.New()
	if err != nil {
		b.Fatal(err)
	}
	for _, pv := range providers() {
		var sc observe.Scorer = s
		if pv.name != "bare" {
			in, err := observe.New(pv.mp)
			if err != nil {
				b.Fatal(err)
			}
			sc = in.Scorer(s)
		}
		b.Run(pv.name, func(b *testing.B) {
			n := 0
			for b.Loop() {
				sc.Score(posts[n%len(posts)])
				n++
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "posts/s")
		})
	}
}

func BenchmarkOverheadDecide(b *testing.B) {
	p, cases := careCases(b)
	ctx := context.Background()
	for _, pv := range providers() {
		decide := observe.DecideFunc(p.Decide)
		if pv.name != "bare" {
			in, err := observe.New(pv.mp)
			if err != nil {
				b.Fatal(err)
			}
			decide = in.Decider(p.Decide)
		}
		b.Run(pv.name, func(b *testing.B) {
			n := 0
			for b.Loop() {
				if _, err := decide(ctx, cases[n%len(cases)]); err != nil {
					b.Fatal(err)
				}
				n++
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "decisions/s")
		})
	}
}

// interleaved runs the three ways of f in alternating chunks and reports
// each way's median ns/item over the rounds (one chunk of each way on the
// same items) and its ratio to bare.
//
// The rounds cycle through the six orders of the ways: the ways that come
// later in a round meet the items in warm caches, and a way can be slowed
// by what the one before it left in the caches. A ratio is first taken
// per round, then its median over the rounds of each order, and the
// geometric mean of the six medians is reported: every way holds each
// place, and follows each other way, as often as any other, so neither
// advantage leans the result.
// Medians keep a round in which the machine took the CPU away (a shared,
// noisy machine does, for milliseconds) from weighing on the result: a sum
// over all rounds would carry every such pause whole into one way.
func interleaved(b *testing.B, f [3]func(i int)) {
	const chunk = 64
	var rounds [][3]time.Duration
	i := 0
	orders := [6][3]int{{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}}
	for b.Loop() {
		var spent [3]time.Duration
		for _, w := range orders[len(rounds)%len(orders)] {
			start := time.Now()
			for k := range chunk {
				f[w](i + k)
			}
			spent[w] = time.Since(start)
		}
		rounds = append(rounds, spent)
		i += chunk
	}
	median := func(order int, x func(r [3]time.Duration) float64) float64 {
		var v []float64
		for j, r := range rounds {
			if order < 0 || j%len(orders) == order {
				v = append(v, x(r))
			}
		}
		if len(v) == 0 {
			return math.NaN()
		}
		sort.Float64s(v)
		if len(v)%2 == 1 {
			return v[len(v)/2]
		}
		return (v[len(v)/2-1] + v[len(v)/2]) / 2
	}
	ratio := func(w int) float64 {
		logSum := 0.0
		for order := range orders {
			logSum += math.Log(median(order, func(r [3]time.Duration) float64 { return float64(r[w]) / float64(r[0]) }))
		}
		return math.Exp(logSum / float64(len(orders)))
	}
	for w, name := range []string{"bare", "noop", "sdk"} {
		b.ReportMetric(median(-1, func(r [3]time.Duration) float64 { return float64(r[w].Nanoseconds()) / chunk }), name+"-ns/item")
	}
	b.ReportMetric(ratio(2), "sdk/bare")
	b.ReportMetric(ratio(1), "noop/bare")
}

func BenchmarkOverheadInterleavedScore(b *testing.B) {
	posts := carePosts(b)
	s, err := score.New()
	if err != nil {
		b.Fatal(err)
	}
	var sc [3]observe.Scorer
	for w, pv := range providers() {
		sc[w] = s
		if pv.name != "bare" {
			in, err := observe.New(pv.mp)
			if err != nil {
				b.Fatal(err)
			}
			sc[w] = in.Scorer(s)
		}
	}
	var f [3]func(int)
	for w := range f {
		f[w] = func(i int) { sc[w].Score(posts[i%len(posts)]) }
	}
	interleaved(b, f)
}

func BenchmarkOverheadInterleavedDecide(b *testing.B) {
	p, cases := careCases(b)
	ctx := context.Background()
	sink := 0 // both ways keep the decision
	var f [3]func(int)
	for w, pv := range providers() {
		if pv.name == "bare" {
			f[w] = func(i int) {
				d, err := p.Decide(ctx, cases[i%len(cases)])
				if err != nil {
					b.Fatal(err)
				}
				sink += len(d.Rules)
			}
			continue
		}
		in, err := observe.New(pv.mp)
		if err != nil {
			b.Fatal(err)
		}
		f[w] = func(i int) {
			d, err := p.Decide(ctx, cases[i%len(cases)])
			if err != nil {
				b.Fatal(err)
			}
			in.Decision(ctx, &d)
			sink += len(d.Rules)
		}
	}
	interleaved(b, f)
	if sink < 0 {
		b.Log(sink)
	}
}

// BenchmarkOverheadInterleavedDecider is BenchmarkOverheadInterleavedDecide
// through the [observe.Instruments.Decider] wrapper, as a program that
// wraps policy.Decide uses it, rather than with a call of Decision.
func BenchmarkOverheadInterleavedDecider(b *testing.B) {
	p, cases := careCases(b)
	ctx := context.Background()
	sink := 0
	var f [3]func(int)
	for w, pv := range providers() {
		decide := observe.DecideFunc(p.Decide)
		if pv.name != "bare" {
			in, err := observe.New(pv.mp)
			if err != nil {
				b.Fatal(err)
			}
			decide = in.Decider(p.Decide)
		}
		f[w] = func(i int) {
			d, err := decide(ctx, cases[i%len(cases)])
			if err != nil {
				b.Fatal(err)
			}
			sink += len(d.Rules)
		}
	}
	interleaved(b, f)
	if sink < 0 {
		b.Log(sink)
	}
}
