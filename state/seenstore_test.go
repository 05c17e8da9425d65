package state_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/listen"
	"github.com/harkhq/hark/listen/replay"
	"github.com/harkhq/hark/state"
)

// TestSeenStreamStore runs two streams, one after the other as a restarted
// process or another replica would, over the same KV and the same posts
// without a checkpoint: the second delivers only what the first did not
// commit.
func TestSeenStreamStore(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	kv := state.NewMemory(func() time.Time { return now })
	store := state.NewSeen(kv, "").StreamStore(time.Hour)
	posts := make([]hark.Post, 50)
	for i := range posts {
		posts[i] = hark.Post{ID: fmt.Sprintf("p%02d", i), Text: "x"}
	}
	posts[7].ID = posts[6].ID // a repeat within a batch
	ctx := context.Background()
	first := map[string]int{}
	batches := 0
	for b, err := range listen.Stream(ctx, replay.New(posts, replay.WithName("forum"), replay.WithBatchSize(10)),
		listen.WithSeenStore(store)) {
		require.NoError(t, err)
		batches++
		if batches == 3 {
			break // this batch is not committed
		}
		for _, p := range b {
			first[p.ID]++
		}
	}
	assert.Len(t, first, 19, "two batches of ten, one repeat dropped")
	second := map[string]int{}
	for b, err := range listen.Stream(ctx, replay.New(posts, replay.WithName("forum"), replay.WithBatchSize(10)),
		listen.WithSeenStore(store)) {
		require.NoError(t, err)
		for _, p := range b {
			second[p.ID]++
		}
	}
	assert.Len(t, second, 49-19)
	for id := range second {
		assert.Zero(t, first[id], "%s delivered twice", id)
	}
	// The keys are readable and expire.
	keys, err := kv.Keys(ctx, "seen.forum.")
	require.NoError(t, err)
	assert.Len(t, keys, 49)
	now = now.Add(time.Hour + time.Second)
	_, err = kv.Get(ctx, "seen.forum.p00")
	assert.ErrorIs(t, err, state.ErrNotFound, "remembered for the ttl only")
}
