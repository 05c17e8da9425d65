package jetstream_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/listen"
	"github.com/harkhq/hark/listen/listentest"
	"github.com/harkhq/hark/respond"
	"github.com/harkhq/hark/state"
	"github.com/harkhq/hark/state/natskv"
	"github.com/harkhq/hark/transport"
	hjs "github.com/harkhq/hark/transport/jetstream"
	"github.com/harkhq/hark/transport/natstest"
)

// sends counts, per idempotency key, the replies that went out.
type sends struct {
	mu sync.Mutex
	m  map[string]int
}

func (s *sends) notifier(block func(m respond.Message) bool) respond.Notifier {
	return respond.NotifierFunc(func(ctx context.Context, m respond.Message) error {
		if block != nil && block(m) {
			<-ctx.Done() // a send that hangs until the worker dies
			return ctx.Err()
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.m == nil {
			s.m = map[string]int{}
		}
		s.m[m.Key]++
		return nil
	})
}

func (s *sends) snapshot() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.m))
	for k, v := range s.m {
		out[k] = v
	}
	return out
}

// replyHandler decides to reply to every post and dispatches the decision
// through d; a dispatch that finds the key in flight elsewhere asks to be
// retried.
func replyHandler(d *respond.Dispatcher, dups *atomic.Int32, after func(p hark.Post) error) transport.Handler {
	return func(ctx context.Context, p hark.Post) error {
		dec := respond.Decision{PostID: p.ID, Priority: respond.P3, Team: "care",
			Actions: []respond.Action{{Kind: respond.ActReply, Template: "thanks", Rule: "reply-all"}},
			Reply:   "Thanks, we are on it.", Rules: []string{"reply-all"},
			Case: respond.Case{Post: p}}
		rep, err := d.Do(ctx, dec)
		if err != nil {
			return err
		}
		for _, r := range rep.Results {
			switch r.Outcome {
			case respond.OutInFlight, respond.OutFailed:
				return transport.Retry(200*time.Millisecond, fmt.Errorf("%s: %s", r.Outcome, r.Key))
			case respond.OutDuplicate:
				dups.Add(1)
			}
		}
		if after != nil {
			return after(p)
		}
		return nil
	}
}

// A worker killed in the middle of a batch (its connection dropped while it
// holds unacknowledged posts, some replied to, one reply hanging) has its
// posts redelivered to the other worker, and no reply goes out twice.
func TestKilledWorkerPostsRedeliveredNoReplyTwice(t *testing.T) {
	const n = 300
	srv := natstest.Start(t, "")
	cfg := hjs.Config{AckWait: time.Second, NakDelay: func(int) time.Duration { return 100 * time.Millisecond }, MaxDeliver: 50}
	pub, js := newTransport(t, srv, cfg)
	ctx := context.Background()
	ps := posts("mastodon", 0, n)
	for i := range ps {
		ps[i].ThreadID = "t" + ps[i].ID // one conversation per post
	}
	require.NoError(t, pub.Publish(ctx, ps...))
	var out sends

	// Worker A: its own connection. It replies, then "crashes" before
	// acknowledging: after its 40th post it stops acknowledging anything,
	// and the reply of one post hangs.
	ncA := srv.Connect()
	jsA, err := jetstream.New(ncA)
	require.NoError(t, err)
	trA, err := hjs.New(ctx, jsA, cfg)
	require.NoError(t, err)
	kvA, err := natskv.Open(ctx, jsA, natskv.Config{Bucket: "state"})
	require.NoError(t, err)
	// A is killed once all four of its handlers are parked: three after
	// replying (the reply recorded, the post not acknowledged), one in the
	// middle of a send that hangs. None is half-way through the ledger, so
	// no reply may go out twice.
	var handledA, parked atomic.Int32
	crashed := make(chan struct{})
	park := func() {
		if parked.Add(1) == 4 {
			close(crashed)
		}
	}
	ctxA, killA := context.WithCancel(ctx)
	hang := func(m respond.Message) bool {
		if m.PostID == "000042" {
			park()
			return true
		}
		return false
	}
	dA := respond.NewDispatcher(respond.Routes{"reply": out.notifier(hang)},
		respond.WithLedger(state.NewLedger(kvA, "")), respond.WithClaims(state.NewClaims(kvA, "")), respond.WithWorker("A"),
		respond.WithLeaseTTL(2*time.Second), respond.WithClaimTTL(100*time.Millisecond), respond.WithRetry(respond.Retry{Attempts: 1}))
	doneA := make(chan struct{})
	go func() {
		defer close(doneA)
		_ = trA.Worker(hjs.WithConcurrency(4), hjs.WithBatch(50)).Consume(ctxA, replyHandler(dA, new(atomic.Int32), func(hark.Post) error {
			if handledA.Add(1) > 40 {
				park()
				<-ctxA.Done() // replied, never acknowledged
				return ctxA.Err()
			}
			return nil
		}))
	}()
	<-crashed
	// kill -9: the connection goes away without a goodbye, then the
	// process's goroutines stop.
	ncA.Close()
	killA()
	<-doneA
	repliedByA := len(out.snapshot())
	require.Equal(t, 43, repliedByA, "A acknowledged 40 posts and replied to 3 more")

	// Worker B takes everything that is left, A's unacknowledged posts
	// included once their AckWait lapses.
	trB, jsB := newTransport(t, srv, cfg)
	kvB, err := natskv.Open(ctx, jsB, natskv.Config{Bucket: "state"})
	require.NoError(t, err)
	dB := respond.NewDispatcher(respond.Routes{"reply": out.notifier(nil)},
		respond.WithLedger(state.NewLedger(kvB, "")), respond.WithClaims(state.NewClaims(kvB, "")), respond.WithWorker("B"),
		respond.WithLeaseTTL(2*time.Second))
	var dupsB atomic.Int32
	ctxB, stopB := context.WithCancel(ctx)
	doneB := make(chan struct{})
	go func() {
		defer close(doneB)
		_ = trB.Worker(hjs.WithConcurrency(4)).Consume(ctxB, replyHandler(dB, &dupsB, nil))
	}()
	require.Eventually(t, func() bool {
		ci := consumerInfo(t, js, pub.Config())
		return ci.NumPending == 0 && ci.NumAckPending == 0 && len(out.snapshot()) == n
	}, 30*time.Second, 50*time.Millisecond, "every post replied to and acknowledged (%d replied)", len(out.snapshot()))
	stopB()
	<-doneB

	got := out.snapshot()
	assert.Len(t, got, n, "every post got its reply")
	for k, c := range got {
		assert.Equal(t, 1, c, "reply %s sent once", k)
	}
	assert.GreaterOrEqual(t, int(dupsB.Load()), repliedByA-40,
		"A's replied but unacknowledged posts came back to B, which found their replies sent")
}

// countingPublisher publishes through p and, once it has published limit
// posts, publishes only the first half of the next batch and fails, as an
// ingester killed in the middle of publishing a batch.
type crashingPublisher struct {
	p       transport.Publisher
	limit   int
	n       int
	crashed chan struct{}
}

func (c *crashingPublisher) Publish(ctx context.Context, ps ...hark.Post) error {
	if c.limit > 0 && c.n+len(ps) > c.limit {
		if err := c.p.Publish(ctx, ps[:len(ps)/2]...); err != nil {
			return err
		}
		close(c.crashed)
		<-ctx.Done()
		return ctx.Err()
	}
	c.n += len(ps)
	return c.p.Publish(ctx, ps...)
}

// readStream returns the IDs of the posts in the stream, in stream order.
func readStream(t *testing.T, js jetstream.JetStream, stream string, want int) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := js.OrderedConsumer(ctx, stream, jetstream.OrderedConsumerConfig{})
	require.NoError(t, err)
	var ids []string
	for len(ids) < want {
		b, err := c.Fetch(want-len(ids), jetstream.FetchMaxWait(time.Second))
		require.NoError(t, err)
		for m := range b.Messages() {
			var p struct{ ID string }
			require.NoError(t, jsonUnmarshal(m.Data(), &p))
			ids = append(ids, p.ID)
		}
		require.NoError(t, ctx.Err())
	}
	return ids
}

// A restarted ingester resumes from its checkpoint with no gap and no
// duplicate; a lease lets one ingester poll the source at a time, and the
// one waiting takes over when the first dies.
func TestIngesterRestartResumesFromCheckpoint(t *testing.T) {
	const n = 1000
	srv := natstest.Start(t, "")
	pub, js := newTransport(t, srv, hjs.Config{})
	ctx := context.Background()
	kv, err := natskv.Open(ctx, js, natskv.Config{Bucket: "state"})
	require.NoError(t, err)
	src := listentest.NewFakeSource("reddit", posts("reddit", 0, n)...)
	src.PageSize = 37
	src.Finite = true
	leases := state.NewClaims(kv, "lease")
	var polling, maxPolling atomic.Int32

	ingester := func(ctx context.Context, name string, p transport.Publisher) error {
		l := state.NewLease(leases, "ingest.reddit", name, 2*time.Second, nil)
		return l.Hold(ctx, func(ctx context.Context) error {
			if v := polling.Add(1); v > maxPolling.Load() {
				maxPolling.Store(v)
			}
			defer polling.Add(-1)
			return transport.Ingest(ctx, src, p, nil,
				listen.WithCheckpoints(state.NewCheckpoints(kv, "")), listen.WithPollInterval(10*time.Millisecond))
		})
	}

	// The first ingester dies in the middle of its 10th batch.
	first := &crashingPublisher{p: pub, limit: 9 * 37, crashed: make(chan struct{})}
	ctx1, kill1 := context.WithCancel(ctx)
	done1 := make(chan error, 1)
	go func() { done1 <- ingester(ctx1, "ingester-1", first) }()
	<-first.crashed
	// A second replica is already waiting on the lease.
	done2 := make(chan error, 1)
	go func() { done2 <- ingester(ctx, "ingester-2", pub) }()
	kill1()
	require.ErrorIs(t, <-done1, context.Canceled)
	require.NoError(t, <-done2, "the second replica reads the source to its end")

	assert.Equal(t, int32(1), maxPolling.Load(), "one replica polls at a time")
	cur, err := state.NewCheckpoints(kv, "").Load(ctx, "reddit")
	require.NoError(t, err)
	assert.Equal(t, strconv.Itoa(n), cur)
	require.Equal(t, uint64(n), streamMsgs(t, js, pub.Config().Stream), "no duplicate in the stream")
	ids := readStream(t, js, pub.Config().Stream, n)
	for i, id := range ids {
		require.Equal(t, fmt.Sprintf("%06d", i), id, "no gap, in order")
	}
	// The source was asked again for the batch that was cut short, and not
	// from the start.
	cursors := src.Cursors()
	assert.Equal(t, "", cursors[0])
	assert.NotContains(t, cursors[1:], "", "the second ingester did not start over")
}

// The server itself restarts while posts are ingested and decided: the
// ingester and workers ride it out, and every post is decided once in
// effect, none lost.
func TestServerRestartWorkContinues(t *testing.T) {
	const n = 3000
	srv := natstest.Start(t, "")
	cfg := hjs.Config{AckWait: 2 * time.Second, NakDelay: func(int) time.Duration { return 100 * time.Millisecond }, MaxDeliver: 100}
	pub, js := newTransport(t, srv, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	kv, err := natskv.Open(ctx, js, natskv.Config{Bucket: "state"})
	require.NoError(t, err)
	src := listentest.NewFakeSource("hn", posts("hn", 0, n)...)
	src.PageSize = 20
	d := newDecisions()
	var wg sync.WaitGroup
	var ingestErrs atomic.Int32
	wg.Go(func() {
		err := transport.Ingest(ctx, src, slowPublisher{pub, 2 * time.Millisecond}, func(error) { ingestErrs.Add(1) },
			listen.WithCheckpoints(state.NewCheckpoints(kv, "")), listen.WithPollInterval(10*time.Millisecond),
			listen.WithBackoff(listen.Backoff{Base: 50 * time.Millisecond, Max: 200 * time.Millisecond}))
		assert.ErrorIs(t, err, context.Canceled)
	})
	for w := range 2 {
		tr, _ := newTransport(t, srv, cfg)
		wg.Go(func() {
			_ = tr.Worker(hjs.WithConcurrency(2)).Consume(ctx, d.handler(strconv.Itoa(w)))
		})
	}
	require.Eventually(t, func() bool { return d.effective.Load() >= n/3 }, 30*time.Second, 10*time.Millisecond)
	srv.Restart()
	require.Eventually(t, func() bool { return d.effective.Load() == n }, 45*time.Second, 20*time.Millisecond,
		"all decided after the restart")
	require.Eventually(t, func() bool {
		ci := consumerInfo(t, js, pub.Config())
		return ci.NumPending == 0 && ci.NumAckPending == 0
	}, 30*time.Second, 20*time.Millisecond)
	cancel()
	wg.Wait()
	assert.Equal(t, uint64(n), streamMsgs(t, js, "HARK_POSTS"), "no post published twice, none lost")
	t.Logf("deliveries %d for %d posts; ingest errors ridden out: %d", d.deliveries.Load(), n, ingestErrs.Load())
}

// slowPublisher spaces batches out so a restart falls in the middle of
// ingestion.
type slowPublisher struct {
	p     transport.Publisher
	pause time.Duration
}

func (s slowPublisher) Publish(ctx context.Context, ps ...hark.Post) error {
	time.Sleep(s.pause)
	return s.p.Publish(ctx, ps...)
}

// Poison messages (not a post, a permanent handler error, too many
// failures) end in the dead letter with their reason; transient errors
// come back after a delay and then succeed.
func TestDeadLetterAndRetry(t *testing.T) {
	srv := natstest.Start(t, "")
	cfg := hjs.Config{MaxDeliver: 3, NakDelay: func(int) time.Duration { return 50 * time.Millisecond }}
	pub, js := newTransport(t, srv, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	require.NoError(t, pub.Publish(ctx, posts("forum", 0, 4)...))
	_, err := js.Publish(ctx, pub.Subject("forum"), []byte("{not json"))
	require.NoError(t, err)

	var attempts sync.Map
	var ok atomic.Int32
	h := func(ctx context.Context, p hark.Post) error {
		v, _ := attempts.LoadOrStore(p.ID, new(atomic.Int32))
		a := v.(*atomic.Int32).Add(1)
		switch p.ID {
		case "000001":
			return transport.Permanent(errors.New("cannot parse"))
		case "000002":
			return errors.New("always failing")
		case "000003":
			if a < 3 {
				return errors.New("transient")
			}
		}
		ok.Add(1)
		return nil
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = pub.Consume(ctx, h) }()
	require.Eventually(t, func() bool { return streamMsgs(t, js, "HARK_DEAD") == 3 && ok.Load() == 2 },
		20*time.Second, 20*time.Millisecond)
	cancel()
	<-done

	c, err := js.OrderedConsumer(context.Background(), "HARK_DEAD", jetstream.OrderedConsumerConfig{})
	require.NoError(t, err)
	b, err := c.Fetch(3, jetstream.FetchMaxWait(5*time.Second))
	require.NoError(t, err)
	reasons := map[string]string{}
	for m := range b.Messages() {
		var p struct{ ID string }
		_ = jsonUnmarshal(m.Data(), &p)
		reasons[p.ID] = m.Headers().Get(hjs.HeaderReason)
		assert.Equal(t, "hark.dead.forum", m.Subject())
		assert.NotEmpty(t, m.Headers().Get(hjs.HeaderStreamSeq))
	}
	assert.Contains(t, reasons["000001"], "cannot parse")
	assert.Contains(t, reasons["000002"], "failed 3 times")
	assert.Contains(t, reasons[""], "not a post")
	v, _ := attempts.Load("000003")
	assert.Equal(t, int32(3), v.(*atomic.Int32).Load(), "a transient failure is retried")
	v, _ = attempts.Load("000001")
	assert.Equal(t, int32(1), v.(*atomic.Int32).Load(), "a permanent failure is not")
	ci := consumerInfo(t, js, pub.Config())
	assert.Zero(t, ci.NumAckPending)
}

var _ = nats.ErrTimeout
