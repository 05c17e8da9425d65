package observe_test

import (
	"context"
	"testing"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/observe"
	"github.com/harkhq/hark/respond"
)

// BenchmarkMicroDecision is the cost of recording one decision with three
// rules, without the decision itself.
func BenchmarkMicroDecision(b *testing.B) {
	d := respond.Decision{Priority: respond.P2, Team: "billing", Rules: []string{"complaint", "route-billing", "reply"}}
	for _, name := range []string{"noop", "sdk"} {
		var in *observe.Instruments
		if name == "noop" {
			in, _ = observe.New(nil)
		} else {
			in, _ = observe.New(sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader())))
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			ctx := context.Background()
			for b.Loop() {
				in.Decision(ctx, &d)
			}
		})
	}
}

// BenchmarkMicroScore is the cost of the Scorer wrapper around a scorer
// that does nothing.
func BenchmarkMicroScore(b *testing.B) {
	p := hark.Post{ID: "1", Text: "x", Lang: "en"}
	for _, name := range []string{"bare", "noop", "sdk"} {
		var s observe.Scorer = fixedScorer{}
		switch name {
		case "noop":
			in, _ := observe.New(nil)
			s = in.Scorer(s)
		case "sdk":
			in, _ := observe.New(sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader())))
			s = in.Scorer(s)
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				s.Score(p)
			}
		})
	}
}

// BenchmarkMicroDecider is the cost of the Decider wrapper around a decide
// that does nothing: mostly copying the Decision through one more call.
func BenchmarkMicroDecider(b *testing.B) {
	ctx := context.Background()
	rules := []string{"complaint", "route-billing", "reply"}
	bare := func(_ context.Context, c respond.Case) (respond.Decision, error) {
		return respond.Decision{Priority: respond.P2, Team: "billing", Rules: rules, Case: c}, nil
	}
	c := respond.Case{Post: hark.Post{ID: "1", Text: "x"}}
	for _, name := range []string{"bare", "noop", "sdk"} {
		decide := observe.DecideFunc(bare)
		switch name {
		case "noop":
			in, _ := observe.New(nil)
			decide = in.Decider(bare)
		case "sdk":
			in, _ := observe.New(sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader())))
			decide = in.Decider(bare)
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				_, _ = decide(ctx, c)
			}
		})
	}
}
