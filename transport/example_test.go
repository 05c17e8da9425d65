package transport_test

import (
	"context"
	"fmt"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/listen"
	"github.com/harkhq/hark/listen/listentest"
	"github.com/harkhq/hark/state"
	"github.com/harkhq/hark/transport"
)

// One machine: a source is read with durable checkpoints and each post is
// handled in the ingester's loop. A second run resumes at the checkpoint.
func ExampleDirect() {
	ctx := context.Background()
	kv := state.NewMemory(nil) // bolt.Open("hark.db") to survive restarts
	src := listentest.NewFakeSource("forum",
		hark.Post{ID: "1", Text: "my order is late"},
		hark.Post{ID: "2", Text: "love it"},
		hark.Post{ID: "3", Text: "how do I return this?"})
	src.PageSize = 2
	src.Finite = true
	h := func(_ context.Context, p hark.Post) error {
		fmt.Println("decide", p.ID, p.Text)
		return nil
	}
	err := transport.Ingest(ctx, src, transport.Direct{Handler: h}, nil,
		listen.WithCheckpoints(state.NewCheckpoints(kv, "")))
	fmt.Println("done:", err)

	src.Add(hark.Post{ID: "4", Text: "still waiting"})
	err = transport.Ingest(ctx, src, transport.Direct{Handler: h}, nil,
		listen.WithCheckpoints(state.NewCheckpoints(kv, "")))
	fmt.Println("done:", err)
	// Output:
	// decide 1 my order is late
	// decide 2 love it
	// decide 3 how do I return this?
	// done: <nil>
	// decide 4 still waiting
	// done: <nil>
}
