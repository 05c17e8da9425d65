package respond_test

import (
	"context"
	"testing"
	"time"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/respond"
	"github.com/harkhq/hark/score"
)

// benchCases scores the labelled care posts once, so that the benchmark
// measures the policy alone.
func benchCases(b *testing.B) []respond.Case {
	b.Helper()
	posts := readCare(b)
	sc, err := score.New()
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	cases := make([]respond.Case, len(posts))
	for i, cp := range posts {
		p := hark.Post{ID: cp.ID, Text: cp.Text, Created: now.Add(-time.Duration(i) * time.Second),
			Author: hark.Author{Handle: "@user", Name: "User", Followers: int64(i * 37 % 90000)}}
		cases[i] = respond.Case{Post: p, Scores: sc.Score(p), Now: now}
	}
	return cases
}

// BenchmarkDecideShipped measures decisions per second of the shipped
// policy on pre-scored customer-care posts, replies drafted included.
func BenchmarkDecideShipped(b *testing.B) { benchDecide(b, false) }

// BenchmarkDecideShippedInterpreter is the same with every condition on
// the CEL interpreter (with the custom activation), to measure the native
// evaluator.
func BenchmarkDecideShippedInterpreter(b *testing.B) { benchDecide(b, true) }

func benchDecide(b *testing.B, interpreter bool) {
	cases := benchCases(b)
	p, err := respond.LoadPolicy("../examples/replay/policy.yaml")
	if err != nil {
		b.Fatal(err)
	}
	if interpreter {
		respond.InterpreterOnly(p)
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	cpu0 := cpuTime()
	for b.Loop() {
		if _, err := p.Decide(ctx, cases[i%len(cases)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	reportRates(b, cpuTime()-cpu0)
}

// reportRates reports decisions per second of wall time, and per second of
// the process's CPU time (which, on a busy shared machine, is the better
// measure of what one core does).
func reportRates(b *testing.B, cpu time.Duration) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "decisions/s")
	if cpu > 0 {
		b.ReportMetric(float64(b.N)/cpu.Seconds(), "decisions/cpu-s")
	}
}
