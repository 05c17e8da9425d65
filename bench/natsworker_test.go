package bench

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/listen"
	"github.com/harkhq/hark/respond"
	"github.com/harkhq/hark/score"
	"github.com/harkhq/hark/state"
	"github.com/harkhq/hark/state/bolt"
	"github.com/harkhq/hark/state/natskv"
	"github.com/harkhq/hark/transport"
	hjs "github.com/harkhq/hark/transport/jetstream"
	"github.com/harkhq/hark/transport/natstest"
)

var natsTexts = []string{
	"@acme my card was charged twice and nobody answers, this is a scam",
	"Love the new @acme app, checkout is so fast now",
	"does @acme ship to Canada?",
	"@acme outage again, can't log in for 3 hours, I'm switching providers",
	"just had coffee with friends, lovely morning",
	"@acme your driver left my parcel in the rain, soaked. Order 88812",
	"Anyone know if the @acme premium plan is worth it vs the basic one?",
	"@acme thank you Maria from support, sorted in five minutes!",
}

// BenchmarkNATSPipeline measures posts per second end to end on loopback:
// an ingester publishes b.N posts to the stream (batches of 500, message
// IDs set), and 1 or 2 workers, each with its own connection and 16
// handlers, score each
// post, decide with the example policy, and acknowledge it. With
// "+dispatch", each decision is also dispatched through a reply ledger and
// conversation claims in a JetStream key-value bucket (notifiers that do
// nothing), which is what a real worker does before acknowledging. The
// clock runs from the first publish to the last acknowledgement.
func BenchmarkNATSPipeline(b *testing.B) {
	policy, err := respond.LoadPolicy("../examples/replay/policy.yaml")
	if err != nil {
		b.Fatal(err)
	}
	scorer, err := score.New()
	if err != nil {
		b.Fatal(err)
	}
	for _, dispatch := range []bool{false, true} {
		for _, workers := range []int{1, 2} {
			name := fmt.Sprintf("workers=%d", workers)
			if dispatch {
				name += "+dispatch"
			}
			b.Run(name, func(b *testing.B) { benchPipeline(b, policy, scorer, workers, dispatch) })
		}
	}
}

func benchPipeline(b *testing.B, policy *respond.Policy, scorer *score.Scorer, workers int, dispatch bool) {
	srv := natstest.Start(b, "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	open := func() (*hjs.Transport, *natskv.Store) {
		js, err := jetstream.New(srv.Connect())
		if err != nil {
			b.Fatal(err)
		}
		tr, err := hjs.New(ctx, js, hjs.Config{})
		if err != nil {
			b.Fatal(err)
		}
		kv, err := natskv.Open(ctx, js, natskv.Config{Bucket: "state"})
		if err != nil {
			b.Fatal(err)
		}
		return tr, kv
	}
	pub, _ := open()
	posts := make([]hark.Post, b.N)
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for i := range posts {
		posts[i] = hark.Post{ID: fmt.Sprintf("p%09d", i), Source: "bench", Text: natsTexts[i%len(natsTexts)],
			Created: t0.Add(time.Duration(i) * time.Second), ThreadID: fmt.Sprintf("t%09d", i),
			Author: hark.Author{ID: fmt.Sprintf("u%d", i%1000), Followers: int64(i % 5000)}}
	}
	var done atomic.Int64
	finished := make(chan struct{})
	var once sync.Once
	nop := respond.NotifierFunc(func(context.Context, respond.Message) error { return nil })
	var wg sync.WaitGroup
	wctx, stop := context.WithCancel(ctx)
	for w := range workers {
		tr, kv := open()
		var d *respond.Dispatcher
		if dispatch {
			d = respond.NewDispatcher(respond.Routes{"*": nop}, respond.WithLedger(state.NewLedger(kv, "")),
				respond.WithClaims(state.NewClaims(kv, "")), respond.WithWorker(fmt.Sprintf("w%d", w)))
		}
		h := func(ctx context.Context, p hark.Post) error {
			dec, err := policy.Decide(ctx, respond.Case{Post: p, Scores: scorer.Score(p), Now: p.Created})
			if err != nil {
				return err
			}
			if d != nil {
				if _, err := d.Do(ctx, dec); err != nil {
					return err
				}
			}
			if done.Add(1) == int64(b.N) {
				once.Do(func() { close(finished) })
			}
			return nil
		}
		wg.Go(func() { _ = tr.Worker(hjs.WithConcurrency(16), hjs.WithBatch(200)).Consume(wctx, h) })
	}
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < len(posts); i += 500 {
		if err := pub.Publish(ctx, posts[i:min(i+500, len(posts))]...); err != nil {
			b.Fatal(err)
		}
	}
	<-finished
	el := time.Since(start)
	b.StopTimer()
	stop()
	wg.Wait()
	b.ReportMetric(float64(b.N)/el.Seconds(), "posts/s")
}

// finiteSource serves posts in pages and is done at their end.
type finiteSource struct {
	posts []hark.Post
	page  int
}

func (s *finiteSource) Name() string { return "bench" }

func (s *finiteSource) Fetch(_ context.Context, cursor string) (listen.Batch, error) {
	off := 0
	if cursor != "" {
		_, _ = fmt.Sscan(cursor, &off)
	}
	end := min(off+s.page, len(s.posts))
	return listen.Batch{Posts: s.posts[off:end], Cursor: fmt.Sprint(end), Done: end == len(s.posts)}, nil
}

// BenchmarkLocalPipeline is the one-machine default for comparison: the
// source is read with checkpoints in a bbolt file (synced on every commit)
// and each post is scored and decided in the ingester's loop; with
// "+dispatch", decisions go through the reply ledger and claims in the
// same file, each post in turn or eight at a time (their writes then
// share disk syncs).
func BenchmarkLocalPipeline(b *testing.B) {
	policy, err := respond.LoadPolicy("../examples/replay/policy.yaml")
	if err != nil {
		b.Fatal(err)
	}
	scorer, err := score.New()
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		dispatch    bool
		concurrency int
	}{{false, 1}, {true, 1}, {true, 8}} {
		dispatch := c.dispatch
		name := "decide"
		if dispatch {
			name = "decide+dispatch"
		}
		name += fmt.Sprintf("/concurrency=%d", c.concurrency)
		b.Run(name, func(b *testing.B) {
			kv, err := bolt.Open(b.TempDir() + "/hark.db")
			if err != nil {
				b.Fatal(err)
			}
			defer kv.Close()
			var d *respond.Dispatcher
			if dispatch {
				nop := respond.NotifierFunc(func(context.Context, respond.Message) error { return nil })
				d = respond.NewDispatcher(respond.Routes{"*": nop}, respond.WithLedger(state.NewLedger(kv, "")),
					respond.WithClaims(state.NewClaims(kv, "")))
			}
			t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
			src := &finiteSource{page: 200, posts: make([]hark.Post, b.N)}
			for i := range src.posts {
				src.posts[i] = hark.Post{ID: fmt.Sprintf("p%09d", i), Source: "bench", Text: natsTexts[i%len(natsTexts)],
					Created: t0.Add(time.Duration(i) * time.Second), ThreadID: fmt.Sprintf("t%09d", i),
					Author: hark.Author{ID: fmt.Sprintf("u%d", i%1000), Followers: int64(i % 5000)}}
			}
			h := func(ctx context.Context, p hark.Post) error {
				dec, err := policy.Decide(ctx, respond.Case{Post: p, Scores: scorer.Score(p), Now: p.Created})
				if err != nil || d == nil {
					return err
				}
				_, err = d.Do(ctx, dec)
				return err
			}
			b.ResetTimer()
			start := time.Now()
			if err := transport.Ingest(context.Background(), src, transport.Direct{Handler: h, Concurrency: c.concurrency}, nil,
				listen.WithCheckpoints(state.NewCheckpoints(kv, ""))); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "posts/s")
		})
	}
}
