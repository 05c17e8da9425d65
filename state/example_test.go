package state_test

import (
	"context"
	"fmt"
	"time"

	"github.com/harkhq/hark/respond"
	"github.com/harkhq/hark/state"
)

// Two workers share one store: the reply ledger lets one of them send, and
// a checkpoint written by one fences off the other.
func Example() {
	ctx := context.Background()
	kv := state.NewMemory(nil) // or bolt.Open("hark.db"), or natskv.Open(ctx, js, cfg)
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

	ledger := state.NewLedger(kv, "")
	key := respond.IdempotencyKey("post-1", respond.Action{Kind: respond.ActReply, Template: "thanks", Rule: "praise"})
	_, first, _ := ledger.Reserve(ctx, key, "worker-a", now, time.Minute)
	_, second, _ := ledger.Reserve(ctx, key, "worker-b", now, time.Minute)
	fmt.Println("worker-a may send:", first, "worker-b may send:", second)
	_ = ledger.MarkSent(ctx, key, "worker-a", now)
	e, _, _ := ledger.Get(ctx, key)
	fmt.Println("state:", e.State)

	a, b := state.NewCheckpoints(kv, ""), state.NewCheckpoints(kv, "")
	_, _ = a.Load(ctx, "forum")
	_, _ = b.Load(ctx, "forum")
	fmt.Println("a saves:", a.Save(ctx, "forum", "100"))
	fmt.Println("b saves:", b.Save(ctx, "forum", "50"))
	// Output:
	// worker-a may send: true worker-b may send: false
	// state: sent
	// a saves: <nil>
	// b saves: state: checkpoint moved by another writer: forum
}

func ExampleKeyPart() {
	fmt.Println(state.Key("checkpoint", "bluesky"))
	fmt.Println(state.Key("author", "did:plc:abc"))
	// Output:
	// checkpoint.bluesky
	// author.=ZGlkOnBsYzphYmM
}
