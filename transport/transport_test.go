package transport_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/listen"
	"github.com/harkhq/hark/listen/listentest"
	"github.com/harkhq/hark/respond"
	"github.com/harkhq/hark/state"
	"github.com/harkhq/hark/state/bolt"
	"github.com/harkhq/hark/transport"
)

func TestMain(m *testing.M) {
	if killChild() {
		return
	}
	goleak.VerifyTestMain(m)
}

func posts(source string, n int) []hark.Post {
	out := make([]hark.Post, n)
	for i := range out {
		out[i] = hark.Post{ID: fmt.Sprintf("%04d", i), Source: source, Text: fmt.Sprintf("post %d", i),
			ThreadID: fmt.Sprintf("t%04d", i)}
	}
	return out
}

type replies struct {
	mu   sync.Mutex
	sent map[string]int // by post ID
}

func (r *replies) count() (posts, total int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.sent {
		total += c
	}
	return len(r.sent), total
}

// run is one life of a single-machine Hark process: it opens the store,
// ingests src straight into a reply pipeline, and dies at crash (returning
// what it handled), or runs to the source's end.
func run(t *testing.T, path string, conc int, src listen.Source, out *replies,
	crash func(p hark.Post, kill context.CancelFunc) (hang bool)) error {
	t.Helper()
	kv, err := bolt.Open(path)
	require.NoError(t, err)
	defer func() { require.NoError(t, kv.Close()) }()
	ctx, kill := context.WithCancel(context.Background())
	defer kill()
	notify := respond.NotifierFunc(func(ctx context.Context, m respond.Message) error {
		if crash != nil && crash(hark.Post{ID: m.PostID}, kill) {
			<-ctx.Done()
			return ctx.Err()
		}
		out.mu.Lock()
		defer out.mu.Unlock()
		out.sent[m.PostID]++
		return nil
	})
	d := respond.NewDispatcher(respond.Routes{"reply": notify}, respond.WithLedger(state.NewLedger(kv, "")),
		respond.WithClaims(state.NewClaims(kv, "")), respond.WithLeaseTTL(time.Second),
		respond.WithRetry(respond.Retry{Attempts: 1}))
	h := func(ctx context.Context, p hark.Post) error {
		rep, err := d.Do(ctx, respond.Decision{PostID: p.ID, Team: "care", Reply: "On it.",
			Actions: []respond.Action{{Kind: respond.ActReply, Template: "ack", Rule: "all"}}, Case: respond.Case{Post: p}})
		if err != nil {
			return err
		}
		if n := rep.Count(respond.OutInFlight) + rep.Count(respond.OutFailed); n > 0 {
			return fmt.Errorf("%d actions not settled", n)
		}
		return nil
	}
	return transport.Ingest(ctx, src, transport.Direct{Handler: h, Concurrency: conc}, nil,
		listen.WithCheckpoints(state.NewCheckpoints(kv, "")), listen.WithPollInterval(time.Millisecond))
}

// The single-machine default (bolt store, Direct transport) keeps the same
// promises through crashes: a process killed after replying but before its
// batch's checkpoint, and one killed with a reply hanging, are restarted;
// the source is read on from the checkpoint, and every post gets its reply
// once.
func TestDirectOnBoltSurvivesCrashes(t *testing.T) {
	for _, conc := range []int{1, 4} {
		t.Run(fmt.Sprintf("concurrency=%d", conc), func(t *testing.T) {
			t.Parallel()
			testDirectOnBolt(t, conc)
		})
	}
}

func testDirectOnBolt(t *testing.T, conc int) {
	const n = 200
	path := filepath.Join(t.TempDir(), "hark.db")
	src := listentest.NewFakeSource("forum", posts("forum", n)...)
	src.PageSize = 17
	src.Finite = true
	out := &replies{sent: map[string]int{}}

	// Life 1 dies right after the reply to post 60 (in the middle of the
	// batch 51..67), before that batch's cursor is saved.
	err := run(t, path, conc, src, out, func(p hark.Post, kill context.CancelFunc) bool {
		if p.ID == "0060" {
			kill()
		}
		return false
	})
	require.ErrorIs(t, err, context.Canceled)
	got, _ := run0(out)
	require.GreaterOrEqual(t, got, 51)

	// Life 2 dies with the reply to post 130 hanging in the notifier.
	err = run(t, path, conc, src, out, func(p hark.Post, kill context.CancelFunc) bool {
		if p.ID == "0130" {
			kill()
			return true
		}
		return false
	})
	require.ErrorIs(t, err, context.Canceled)

	// Life 3 runs to the end.
	require.NoError(t, run(t, path, conc, src, out, nil))

	postsReplied, total := out.count()
	assert.Equal(t, n, postsReplied, "every post got a reply")
	assert.Equal(t, n, total, "no reply went out twice")
	cursors := src.Cursors()
	// Each life resumed where the last checkpoint left off: the source was
	// read from the start only once.
	starts := 0
	for _, c := range cursors {
		if c == "" {
			starts++
		}
	}
	assert.Equal(t, 1, starts)
	assert.Contains(t, cursors, "51", "life 2 resumed at the interrupted batch")

	kv, err := bolt.Open(path)
	require.NoError(t, err)
	defer kv.Close()
	cur, err := state.NewCheckpoints(kv, "").Load(context.Background(), "forum")
	require.NoError(t, err)
	assert.Equal(t, fmt.Sprint(n), cur)
}

func run0(r *replies) (int, int) { return r.count() }

func TestPermanentAndRetry(t *testing.T) {
	var dead []string
	calls := 0
	d := transport.Direct{
		Handler: func(_ context.Context, p hark.Post) error {
			calls++
			if p.ID == "b" {
				return transport.Permanent(errors.New("poison"))
			}
			return nil
		},
		Dead: func(p hark.Post, err error) { dead = append(dead, p.ID+": "+err.Error()) },
	}
	require.NoError(t, d.Publish(context.Background(), hark.Post{ID: "a"}, hark.Post{ID: "b"}, hark.Post{ID: "c"}))
	assert.Equal(t, []string{"b: poison"}, dead)
	assert.Equal(t, 3, calls)

	// A failing post is retried alone until it succeeds; the others are
	// handled once.
	boom := errors.New("boom")
	handled := map[string]int{}
	var retried []string
	err := transport.Direct{
		Handler: func(_ context.Context, p hark.Post) error {
			handled[p.ID]++
			if p.ID == "b" && handled[p.ID] < 3 {
				return transport.Retry(time.Millisecond, boom)
			}
			return nil
		},
		OnRetry: func(p hark.Post, err error) { retried = append(retried, p.ID+": "+err.Error()) },
	}.Publish(context.Background(), hark.Post{ID: "a"}, hark.Post{ID: "b"}, hark.Post{ID: "c"})
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"a": 1, "b": 3, "c": 1}, handled)
	assert.Len(t, retried, 2)

	// A post that keeps failing holds the batch until ctx ends.
	ctx, cancel := context.WithCancel(context.Background())
	err = transport.Direct{Handler: func(context.Context, hark.Post) error { return boom },
		OnRetry: func(hark.Post, error) { cancel() }}.Publish(ctx, hark.Post{ID: "a"})
	assert.ErrorIs(t, err, context.Canceled)

	r := transport.Retry(3*time.Second, boom)
	after, ok := transport.RetryAfter(fmt.Errorf("wrapped: %w", r))
	assert.True(t, ok)
	assert.Equal(t, 3*time.Second, after)
	assert.ErrorIs(t, r, boom)
	_, ok = transport.RetryAfter(boom)
	assert.False(t, ok)
	assert.Nil(t, transport.Permanent(nil))
	assert.Equal(t, "bluesky/42", transport.MessageID(hark.Post{Source: "bluesky", ID: "42"}))
}

func TestDirectConcurrent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ps := posts("x", 50)
	var mu sync.Mutex
	seen := map[string]int{}
	var dead []string
	d := transport.Direct{Concurrency: 4,
		Handler: func(_ context.Context, p hark.Post) error {
			mu.Lock()
			defer mu.Unlock()
			seen[p.ID]++
			if p.ID == "0007" {
				return transport.Permanent(errors.New("poison"))
			}
			return nil
		},
		Dead: func(p hark.Post, _ error) { mu.Lock(); dead = append(dead, p.ID); mu.Unlock() },
	}
	require.NoError(t, d.Publish(ctx, ps...))
	assert.Len(t, seen, 50)
	assert.Equal(t, []string{"0007"}, dead)

	var mu2 sync.Mutex
	tries := map[string]int{}
	d.Handler = func(_ context.Context, p hark.Post) error {
		mu2.Lock()
		defer mu2.Unlock()
		tries[p.ID]++
		if p.ID == "0003" && tries[p.ID] == 1 {
			return transport.Retry(time.Millisecond, errors.New("boom"))
		}
		return nil
	}
	require.NoError(t, d.Publish(ctx, ps...))
	assert.Equal(t, 2, tries["0003"], "a failed post is retried alone")
	assert.Equal(t, 1, tries["0004"], "the others are handled once")

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	d.Handler = func(context.Context, hark.Post) error { return nil }
	assert.ErrorIs(t, d.Publish(cctx, ps...), context.Canceled, "an ended context fails the batch")
}

// failingCheckpoints cannot load: the store is down.
type failingCheckpoints struct{}

func (failingCheckpoints) Load(context.Context, string) (string, error) {
	return "", errors.New("store down")
}
func (failingCheckpoints) Save(context.Context, string, string) error { return nil }

func TestIngestReportsAStreamThatGaveUp(t *testing.T) {
	t.Parallel()
	src := listentest.NewFakeSource("x", posts("x", 3)...)
	err := transport.Ingest(context.Background(), src, transport.Direct{Handler: func(context.Context, hark.Post) error { return nil }},
		nil, listen.WithCheckpoints(failingCheckpoints{}))
	require.Error(t, err, "not done: the checkpoint could not be loaded")
	assert.ErrorContains(t, err, "store down")
}
