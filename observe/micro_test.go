package observe_test

import (
	"context"
	"testing"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/observe"
	"github.com/harkhq/hark/respond"
)

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
				in.Decision(ctx, d)
			}
		})
	}
}

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
