// Package transporttest checks an implementation of the transport
// interfaces (a Publisher and the Consumers of one group) against their
// contract, as package state/statetest checks a state.KV: the suite every
// broker behind Hark (JetStream now, Kafka next) must pass.
package transporttest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/transport"
)

// A Group is what the suite runs against: a fresh, empty transport with a
// publisher and a way to make consumers that share its posts (workers of
// one group, each as if in a process of its own).
type Group struct {
	Publisher   transport.Publisher
	NewConsumer func() transport.Consumer
}

// Open returns a new Group for one subtest; it registers its own cleanup.
// The transport must redeliver a failed post within a few seconds.
type Open func(t *testing.T) Group

// Run runs the suite.
func Run(t *testing.T, open Open) {
	t.Run("EachPostOnce", func(t *testing.T) { testEachPostOnce(t, open(t)) })
	t.Run("FailedPostsComeBack", func(t *testing.T) { testRedelivery(t, open(t)) })
	t.Run("PermanentNotRedelivered", func(t *testing.T) { testPermanent(t, open(t)) })
}

func mkPosts(sources []string, n int) []hark.Post {
	out := make([]hark.Post, 0, n)
	for i := range n {
		src := sources[i%len(sources)]
		out = append(out, hark.Post{ID: fmt.Sprintf("%05d", i), Source: src, Text: fmt.Sprintf("post %d", i)})
	}
	return out
}

// collector counts deliveries per message ID.
type collector struct {
	mu    sync.Mutex
	count map[string]int
	total atomic.Int64
}

func (c *collector) add(p hark.Post) int {
	c.total.Add(1)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.count == nil {
		c.count = map[string]int{}
	}
	c.count[transport.MessageID(p)]++
	return c.count[transport.MessageID(p)]
}

func (c *collector) distinct() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.count)
}

// consume runs n consumers of g with h until stop is closed.
func consume(t *testing.T, g Group, n int, h transport.Handler) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range n {
		c := g.NewConsumer()
		wg.Go(func() {
			err := c.Consume(ctx, h)
			assert.ErrorIs(t, err, context.Canceled, "Consume returns ctx's error")
		})
	}
	return func() { cancel(); wg.Wait() }
}

func testEachPostOnce(t *testing.T, g Group) {
	const n = 300
	ctx := context.Background()
	ps := mkPosts([]string{"bluesky", "reddit", "a.b/c d"}, n)
	require.NoError(t, g.Publisher.Publish(ctx, ps[:200]...))
	require.NoError(t, g.Publisher.Publish(ctx, ps[100:]...), "a stretch published twice")
	require.NoError(t, g.Publisher.Publish(ctx, ps[7]), "one post published again alone")
	var c collector
	var mu sync.Mutex
	got := map[string]hark.Post{}
	stop := consume(t, g, 2, func(_ context.Context, p hark.Post) error {
		c.add(p)
		mu.Lock()
		got[transport.MessageID(p)] = p
		mu.Unlock()
		return nil
	})
	require.Eventually(t, func() bool { return c.distinct() == n }, 30*time.Second, 10*time.Millisecond, "every post delivered")
	// Give duplicates, if any, the time to show up.
	time.Sleep(200 * time.Millisecond)
	stop()
	assert.Equal(t, int64(n), c.total.Load(), "no post delivered twice when every handling succeeds")
	for _, p := range ps {
		assert.Equal(t, p, got[transport.MessageID(p)], "post %s arrives as published", transport.MessageID(p))
	}
}

func testRedelivery(t *testing.T, g Group) {
	const n = 30
	ctx := context.Background()
	require.NoError(t, g.Publisher.Publish(ctx, mkPosts([]string{"forum"}, n)...))
	var c collector
	var ok atomic.Int32
	stop := consume(t, g, 2, func(_ context.Context, p hark.Post) error {
		if c.add(p) < 3 && p.ID[4]%3 == 0 { // every third post fails twice
			return errors.New("transient")
		}
		ok.Add(1)
		return nil
	})
	require.Eventually(t, func() bool { return ok.Load() == n }, 30*time.Second, 10*time.Millisecond,
		"failed posts come back until handled")
	stop()
	c.mu.Lock()
	defer c.mu.Unlock()
	for id, k := range c.count {
		if id[len(id)-1]%3 == 0 {
			assert.Equal(t, 3, k, "%s: two failures, then success", id)
		} else {
			assert.Equal(t, 1, k, "%s", id)
		}
	}
}

func testPermanent(t *testing.T, g Group) {
	ctx := context.Background()
	require.NoError(t, g.Publisher.Publish(ctx, mkPosts([]string{"hn"}, 5)...))
	var c collector
	stop := consume(t, g, 1, func(_ context.Context, p hark.Post) error {
		c.add(p)
		if p.ID == "00002" {
			return transport.Permanent(errors.New("poison"))
		}
		return nil
	})
	require.Eventually(t, func() bool { return c.distinct() == 5 }, 30*time.Second, 10*time.Millisecond)
	time.Sleep(300 * time.Millisecond)
	stop()
	assert.Equal(t, int64(5), c.total.Load(), "a permanent failure is not delivered again")
}
