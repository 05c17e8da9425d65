package jetstream_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/respond"
	"github.com/harkhq/hark/state"
	"github.com/harkhq/hark/transport"
	hjs "github.com/harkhq/hark/transport/jetstream"
	"github.com/harkhq/hark/transport/natstest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func posts(source string, from, n int) []hark.Post {
	out := make([]hark.Post, n)
	for i := range out {
		out[i] = hark.Post{ID: fmt.Sprintf("%06d", from+i), Source: source,
			Text: fmt.Sprintf("post %d about @acme", from+i), ThreadID: fmt.Sprintf("t%d", (from+i)/3)}
	}
	return out
}

// newTransport connects a new client (a process of its own) to srv.
func newTransport(t *testing.T, srv *natstest.Server, cfg hjs.Config) (*hjs.Transport, jetstream.JetStream) {
	t.Helper()
	js, err := jetstream.New(srv.Connect())
	require.NoError(t, err)
	tr, err := hjs.New(context.Background(), js, cfg)
	require.NoError(t, err)
	return tr, js
}

// decisions is the effect of the test handlers: each post decided once in
// effect, whatever the deliveries.
type decisions struct {
	seen       *state.KVSeen
	effective  atomic.Int64
	deliveries atomic.Int64
	mu         sync.Mutex
	byWorker   map[string]int
}

func newDecisions() *decisions {
	return &decisions{seen: state.NewSeen(state.NewMemory(nil), ""), byWorker: map[string]int{}}
}

func (d *decisions) handler(worker string) transport.Handler {
	return func(ctx context.Context, p hark.Post) error {
		d.deliveries.Add(1)
		fresh, err := d.seen.Add(ctx, transport.MessageID(p), 0)
		if err != nil {
			return err
		}
		if fresh {
			d.effective.Add(1)
			d.mu.Lock()
			d.byWorker[worker]++
			d.mu.Unlock()
		}
		return nil
	}
}

func consumerInfo(t *testing.T, js jetstream.JetStream, cfg hjs.Config) *jetstream.ConsumerInfo {
	t.Helper()
	c, err := js.Consumer(context.Background(), cfg.Stream, cfg.Durable)
	require.NoError(t, err)
	ci, err := c.Info(context.Background())
	require.NoError(t, err)
	return ci
}

func streamMsgs(t *testing.T, js jetstream.JetStream, name string) uint64 {
	t.Helper()
	s, err := js.Stream(context.Background(), name)
	require.NoError(t, err)
	si, err := s.Info(context.Background())
	require.NoError(t, err)
	return si.State.Msgs
}

// Three workers share 50,000 posts: each is decided once in effect, none is
// lost, and the duplicates an ingester publishes are dropped.
func TestThreeWorkersShareFiftyThousand(t *testing.T) {
	const n = 50_000
	srv := natstest.Start(t, "")
	pub, js := newTransport(t, srv, hjs.Config{})
	cfg := pub.Config()
	ctx := context.Background()

	all := posts("bluesky", 0, n)
	require.NoError(t, pub.Publish(ctx, all...), "published in one call")
	// A re-published stretch, as after an ingester's crash: dropped.
	require.NoError(t, pub.Publish(ctx, all[1000:3000]...))
	require.Equal(t, uint64(n), streamMsgs(t, js, cfg.Stream))

	d := newDecisions()
	wctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for w := range 3 {
		tr, _ := newTransport(t, srv, hjs.Config{})
		name := fmt.Sprintf("worker-%d", w)
		wg.Go(func() {
			err := tr.Worker(hjs.WithConcurrency(4), hjs.WithBatch(200)).Consume(wctx, d.handler(name))
			assert.ErrorIs(t, err, context.Canceled)
		})
	}
	require.Eventually(t, func() bool { return d.effective.Load() == n }, 2*time.Minute, 20*time.Millisecond)
	require.Eventually(t, func() bool {
		ci := consumerInfo(t, js, cfg)
		return ci.NumPending == 0 && ci.NumAckPending == 0
	}, 30*time.Second, 20*time.Millisecond, "every post acknowledged")
	cancel()
	wg.Wait()

	assert.Equal(t, int64(n), d.effective.Load(), "each post decided once in effect")
	assert.GreaterOrEqual(t, d.deliveries.Load(), int64(n))
	for i := range n {
		ok, err := d.seen.Contains(ctx, transport.MessageID(all[i]))
		require.NoError(t, err)
		require.True(t, ok, "post %d decided", i)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	assert.Len(t, d.byWorker, 3, "the work is shared by all three workers")
	t.Logf("per worker: %v, deliveries %d", d.byWorker, d.deliveries.Load())
}

// MaxAckPending holds back a group of workers: however many handlers they
// run, no more posts than that are out unacknowledged at once.
func TestBackpressureMaxAckPending(t *testing.T) {
	srv := natstest.Start(t, "")
	cfg := hjs.Config{MaxAckPending: 5}
	pub, _ := newTransport(t, srv, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	require.NoError(t, pub.Publish(ctx, posts("reviews", 0, 60)...))

	var inFlight, peak, handled atomic.Int32
	release := make(chan struct{})
	h := func(ctx context.Context, p hark.Post) error {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			m := peak.Load()
			if n <= m || peak.CompareAndSwap(m, n) {
				break
			}
		}
		select {
		case <-release:
		case <-ctx.Done():
			return ctx.Err()
		}
		handled.Add(1)
		return nil
	}
	var wg sync.WaitGroup
	for range 2 {
		tr, _ := newTransport(t, srv, cfg)
		wg.Go(func() { _ = tr.Worker(hjs.WithConcurrency(10)).Consume(ctx, h) })
	}
	require.Eventually(t, func() bool { return inFlight.Load() == 5 }, 10*time.Second, 5*time.Millisecond,
		"the workers fill the window")
	// Twenty handlers are idle, yet no sixth post arrives while five are
	// unacknowledged.
	require.Never(t, func() bool { return inFlight.Load() > 5 }, 300*time.Millisecond, 10*time.Millisecond)
	close(release)
	require.Eventually(t, func() bool { return handled.Load() == 60 }, 20*time.Second, 10*time.Millisecond)
	cancel()
	wg.Wait()
	assert.Equal(t, int32(5), peak.Load())
}

// A worker that stops (its context ends) gives back the posts it fetched
// and did not handle, so another takes them at once, long before AckWait.
func TestStoppedWorkerGivesPostsBack(t *testing.T) {
	const n = 200
	srv := natstest.Start(t, "")
	cfg := hjs.Config{AckWait: 10 * time.Minute}
	pub, js := newTransport(t, srv, cfg)
	ctx := context.Background()
	require.NoError(t, pub.Publish(ctx, posts("blog", 0, n)...))
	d := newDecisions()

	trA, _ := newTransport(t, srv, cfg)
	ctxA, stopA := context.WithCancel(ctx)
	var handledA atomic.Int32
	doneA := make(chan struct{})
	go func() {
		defer close(doneA)
		h := d.handler("A")
		_ = trA.Worker(hjs.WithConcurrency(2), hjs.WithBatch(100)).Consume(ctxA, func(ctx context.Context, p hark.Post) error {
			if handledA.Add(1) > 10 {
				stopA()
				<-ctx.Done()
				return ctx.Err() // interrupted
			}
			return h(ctx, p)
		})
	}()
	<-doneA

	trB, _ := newTransport(t, srv, cfg)
	ctxB, stopB := context.WithCancel(ctx)
	doneB := make(chan struct{})
	go func() { defer close(doneB); _ = trB.Worker(hjs.WithConcurrency(4)).Consume(ctxB, d.handler("B")) }()
	ok := assert.Eventually(t, func() bool { return d.effective.Load() == n }, 10*time.Second, 10*time.Millisecond,
		"B handles A's leftovers without waiting out the 10m AckWait")
	if !ok {
		ci := consumerInfo(t, js, pub.Config())
		t.Fatalf("effective %d, ack pending %d, pending %d, redelivered %d", d.effective.Load(), ci.NumAckPending, ci.NumPending, ci.NumRedelivered)
	}
	require.Eventually(t, func() bool {
		ci := consumerInfo(t, js, pub.Config())
		return ci.NumAckPending == 0
	}, 10*time.Second, 10*time.Millisecond)
	stopB()
	<-doneB
}

// Decisions go to their own subject per source, once per post even when a
// post is decided again after a redelivery.
func TestPublishDecision(t *testing.T) {
	srv := natstest.Start(t, "")
	tr, js := newTransport(t, srv, hjs.Config{})
	ctx := context.Background()
	d := respond.Decision{PostID: "42", Priority: respond.P2, Team: "care", Rules: []string{"late-order"},
		Actions: []respond.Action{{Kind: respond.ActRoute, Team: "care", Rule: "late-order"}}}
	require.NoError(t, tr.PublishDecision(ctx, "forum", d))
	require.NoError(t, tr.PublishDecision(ctx, "forum", d), "decided again after a redelivery")
	require.NoError(t, tr.PublishDecision(ctx, "did:plc/odd", respond.Decision{PostID: "42"}), "same ID, other source")
	require.Equal(t, uint64(2), streamMsgs(t, js, "HARK_DECISIONS"))

	c, err := js.OrderedConsumer(ctx, "HARK_DECISIONS", jetstream.OrderedConsumerConfig{})
	require.NoError(t, err)
	b, err := c.Fetch(2, jetstream.FetchMaxWait(5*time.Second))
	require.NoError(t, err)
	var subjects []string
	var first respond.Decision
	for m := range b.Messages() {
		subjects = append(subjects, m.Subject())
		if len(subjects) == 1 {
			require.NoError(t, jsonUnmarshal(m.Data(), &first))
		}
	}
	assert.Equal(t, []string{"hark.decisions.forum", "hark.decisions.=ZGlkOnBsYy9vZGQ"}, subjects)
	assert.Equal(t, "42", first.PostID)
	assert.Equal(t, "care", first.Team)
	assert.Equal(t, []string{"late-order"}, first.Rules)
}
