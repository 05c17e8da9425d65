package observe_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/listen"
	"github.com/harkhq/hark/listen/listentest"
	"github.com/harkhq/hark/observe"
	"github.com/harkhq/hark/respond"
)

// Wrap a source and a decider, stream, and read the counters back with the
// SDK's manual reader (a real program installs an exporter instead, such as
// [observe.NewPrometheus]).
func Example() {
	reader := sdkmetric.NewManualReader()
	in, err := observe.New(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)))
	if err != nil {
		panic(err)
	}
	fake := listentest.NewFakeSource("forum",
		hark.Post{ID: "1", Text: "checkout is down"}, hark.Post{ID: "2", Text: "love the app"})
	fake.Finite = true
	decide := in.Decider(func(_ context.Context, c respond.Case) (respond.Decision, error) {
		if c.Post.ID == "1" {
			return respond.Decision{Priority: respond.P1, Team: "ops", Rules: []string{"outage"}}, nil
		}
		return respond.Decision{}, nil
	})
	ctx := context.Background()
	for posts, err := range listen.Stream(ctx, in.Source(fake)) {
		if err != nil {
			continue
		}
		for _, p := range posts {
			_, _ = decide(ctx, respond.Case{Post: p})
		}
	}

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(ctx, &rm); err != nil {
		panic(err)
	}
	for _, m := range rm.ScopeMetrics[0].Metrics {
		switch m.Name {
		case "hark.source.posts", "hark.decisions":
			for _, p := range m.Data.(metricdata.Sum[int64]).DataPoints {
				fmt.Println(m.Name, p.Attributes.Encoded(attribute.DefaultEncoder()), p.Value)
			}
		}
	}
	// Unordered output:
	// hark.source.posts source=forum 2
	// hark.decisions priority=P1,team=ops 1
	// hark.decisions priority=none,team=none 1
}

// A component reports successes and failures; /healthz answers 503 once
// it has failed three times in a row.
func ExampleHealth() {
	h := observe.NewHealth()
	worker := h.Register("worker")
	srv := httptest.NewServer(h.Handler())
	defer srv.Close()

	worker.Success()
	for range 3 {
		worker.Failure(errors.New("nats: timeout"), 2*time.Second)
	}
	ok, comps := h.Check()
	fmt.Println(ok, comps[0].Name, comps[0].Failures, comps[0].Error, comps[0].BackingOff)
	// Output: false worker 3 nats: timeout true
}
