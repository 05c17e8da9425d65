package listen_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/listen"
	"github.com/harkhq/hark/listen/listentest"
)

func mkPosts(prefix string, n int) []hark.Post {
	out := make([]hark.Post, n)
	for i := range out {
		out[i] = hark.Post{ID: fmt.Sprintf("%s%d", prefix, i), Text: "text", Created: t0.Add(time.Duration(i) * time.Minute)}
	}
	return out
}

// noWait is a Stream clock that never sleeps but counts the waits and ends
// the stream at the limit-th.
func noWait(limit int, waits *[]time.Duration) listen.Option {
	var mu sync.Mutex
	return listen.WithClock(nil, func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		defer mu.Unlock()
		*waits = append(*waits, d)
		if len(*waits) >= limit {
			return context.Canceled
		}
		return ctx.Err()
	})
}

func ids(posts []hark.Post) []string {
	out := make([]string, len(posts))
	for i, p := range posts {
		out[i] = p.ID
	}
	return out
}

func TestStreamAtLeastOnceOnBreak(t *testing.T) {
	src := listentest.NewFakeSource("fake", mkPosts("p", 25)...)
	src.PageSize, src.Finite = 10, true
	cp := &listen.MemoryCheckpoints{}
	var got []string
	for posts, err := range listen.Stream(t.Context(), src, listen.WithCheckpoints(cp)) {
		require.NoError(t, err)
		got = append(got, ids(posts)...)
		break // crash-like: the body never asks for the next batch
	}
	assert.Len(t, got, 10)
	c, _ := cp.Load(t.Context(), "fake")
	assert.Empty(t, c, "cursor not saved for a batch whose handling was interrupted")

	got = nil
	for posts, err := range listen.Stream(t.Context(), src, listen.WithCheckpoints(cp)) {
		require.NoError(t, err)
		got = append(got, ids(posts)...)
	}
	assert.Equal(t, ids(mkPosts("p", 25)), got, "the interrupted batch is redelivered, then the rest")
	c, _ = cp.Load(t.Context(), "fake")
	assert.Equal(t, "25", c)
}

func TestStreamDedupeAcrossPagesAndBackwardsCursor(t *testing.T) {
	posts := mkPosts("p", 6)
	// Pages overlap: p2 and p3 are served twice, p4 twice within one page.
	served := append(append([]hark.Post{}, posts[:4]...), posts[2], posts[3], posts[4], posts[4], posts[5])
	src := listentest.NewFakeSource("fake", served...)
	src.PageSize, src.Finite = 3, true
	wm := &listen.Watermarks{}
	var got []string
	for batch, err := range listen.Stream(t.Context(), src, listen.WithDedupe(listen.NewDedupe(100, 0)), listen.WithWatermarks(wm)) {
		require.NoError(t, err)
		got = append(got, ids(batch)...)
	}
	assert.Equal(t, ids(posts), got)
	w, ok := wm.Get("fake")
	require.True(t, ok)
	assert.Equal(t, int64(6), w.Delivered)
	assert.Equal(t, int64(3), w.Duplicates)
	assert.True(t, w.Done)
	assert.Equal(t, "9", w.Cursor)
	assert.True(t, w.Newest.Equal(t0.Add(5*time.Minute)))
}

func TestStreamDedupeRemembersOnlyCommitted(t *testing.T) {
	src := listentest.NewFakeSource("fake", mkPosts("p", 3)...)
	src.Finite = true
	d := listen.NewDedupe(100, 0)
	for range listen.Stream(t.Context(), src, listen.WithDedupe(d)) {
		break
	}
	assert.False(t, d.Seen("fake", "p0"), "a batch not handled is not remembered")
	var got []string
	for batch := range listen.Stream(t.Context(), src, listen.WithDedupe(d)) {
		got = append(got, ids(batch)...)
	}
	assert.Equal(t, []string{"p0", "p1", "p2"}, got)
	assert.True(t, d.Seen("fake", "p0"))
}

func TestStreamErrors(t *testing.T) {
	src := listentest.NewFakeSource("fake", mkPosts("p", 2)...)
	src.Finite = true
	src.FailNext(listen.Transient(errors.New("reset")), &listen.RateLimitError{RetryAfter: time.Minute}, errors.New("odd"))
	var waits []time.Duration
	var errs []error
	var got []string
	for batch, err := range listen.Stream(t.Context(), src, noWait(100, &waits),
		listen.WithBackoff(listen.Backoff{Base: time.Second, Max: 4 * time.Second})) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		got = append(got, ids(batch)...)
	}
	assert.Len(t, errs, 3)
	assert.ErrorIs(t, errs[1], listen.ErrRateLimited)
	assert.Equal(t, []time.Duration{time.Second, time.Minute, 4 * time.Second}, waits, "backoff, Retry-After when longer")
	assert.Equal(t, []string{"p0", "p1"}, got)

	perm := listentest.NewFakeSource("perm", mkPosts("p", 2)...)
	perm.FailNext(listen.Permanent(errors.New("401")))
	n := 0
	for _, err := range listen.Stream(t.Context(), perm) {
		n++
		assert.True(t, listen.IsPermanent(err))
	}
	assert.Equal(t, 1, n, "a permanent error ends the stream")
}

func TestStreamRepairsAndDropsInvalid(t *testing.T) {
	src := listentest.NewFakeSource("fake", hark.Post{ID: "a", Text: "bad \xff byte"}, hark.Post{Text: "no id"}, hark.Post{ID: "b", Text: "fine"})
	src.Finite = true
	wm := &listen.Watermarks{}
	var got []hark.Post
	for batch := range listen.Stream(t.Context(), src, listen.WithWatermarks(wm)) {
		got = append(got, batch...)
	}
	require.Len(t, got, 2)
	assert.Equal(t, "bad \uFFFD byte", got[0].Text)
	assert.Equal(t, "fake", got[0].Source, "source defaults to the stream's")
	w, _ := wm.Get("fake")
	assert.Equal(t, int64(1), w.Invalid)
}

func TestStreamSilence(t *testing.T) {
	now := t0
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	src := listentest.NewFakeSource("quiet", mkPosts("p", 1)...)
	var silences []listen.Silence
	polls := 0
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	wm := &listen.Watermarks{}
	sleep := func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		now = now.Add(d)
		mu.Unlock()
		if polls++; polls == 10 {
			src.Add(mkPosts("q", 1)...)
		}
		if polls == 20 {
			cancel()
		}
		return ctx.Err()
	}
	for range listen.Stream(ctx, src, listen.WithClock(clock, sleep), listen.WithPollInterval(time.Minute), listen.WithWatermarks(wm),
		listen.WithSilence(5*time.Minute, func(s listen.Silence) { silences = append(silences, s) })) {
	}
	require.Len(t, silences, 2, "once per silent stretch")
	assert.Equal(t, "quiet", silences[0].Source)
	assert.Equal(t, 5*time.Minute, silences[0].For)
	assert.True(t, silences[1].Since.Equal(t0.Add(10*time.Minute)))
	w, _ := wm.Get("quiet")
	assert.True(t, w.Silent)
}

func TestRunFanIn(t *testing.T) {
	a := listentest.NewFakeSource("a", mkPosts("a", 25)...)
	b := listentest.NewFakeSource("b", mkPosts("b", 7)...)
	a.Finite, b.Finite = true, true
	cp := &listen.MemoryCheckpoints{}
	got := map[string][]string{}
	err := listen.Run(t.Context(), []listen.Source{a, b}, func(_ context.Context, src string, posts []hark.Post) error {
		got[src] = append(got[src], ids(posts)...)
		return nil
	}, listen.WithCheckpoints(cp))
	require.NoError(t, err)
	assert.Equal(t, ids(mkPosts("a", 25)), got["a"])
	assert.Equal(t, ids(mkPosts("b", 7)), got["b"])
	ca, _ := cp.Load(t.Context(), "a")
	assert.Equal(t, "25", ca)
}

func TestRunHandlerErrorStopsWithoutCommit(t *testing.T) {
	a := listentest.NewFakeSource("a", mkPosts("a", 30)...)
	b := listentest.NewFakeSource("b", mkPosts("b", 30)...) // live: never done
	cp := &listen.MemoryCheckpoints{}
	boom := errors.New("boom")
	calls := 0
	err := listen.Run(t.Context(), []listen.Source{a, b}, func(_ context.Context, src string, posts []hark.Post) error {
		if calls++; calls == 3 {
			return boom
		}
		return nil
	}, listen.WithCheckpoints(cp), listen.WithPollInterval(time.Millisecond))
	assert.ErrorIs(t, err, boom)
	ca, _ := cp.Load(t.Context(), "a")
	cb, _ := cp.Load(t.Context(), "b")
	assert.Equal(t, 20, atoi(ca)+atoi(cb), "two batches of 10 committed, the failed third not")
}

func TestRunPermanentAndCancel(t *testing.T) {
	bad := listentest.NewFakeSource("bad")
	bad.FailNext(listen.Permanent(errors.New("revoked")))
	live := listentest.NewFakeSource("live", mkPosts("p", 3)...)
	ctx, cancel := context.WithCancel(t.Context())
	n := 0
	err := listen.Run(ctx, []listen.Source{bad, live}, func(context.Context, string, []hark.Post) error {
		n++
		cancel()
		return nil
	}, listen.WithPollInterval(time.Millisecond))
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 1, n)

	err = listen.Run(t.Context(), []listen.Source{bad, bad}, nil)
	assert.ErrorContains(t, err, "two sources named")
}

func atoi(s string) int {
	var n int
	fmt.Sscan(s, &n)
	return n
}

// mapStore is a SeenStore kept outside the process's streams, as a
// durable one would be; fail makes its next call fail.
type mapStore struct {
	mu   sync.Mutex
	m    map[string]bool
	fail int
}

func (s *mapStore) Contains(_ context.Context, source string, ids []string) ([]bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail > 0 {
		s.fail--
		return nil, errors.New("store down")
	}
	out := make([]bool, len(ids))
	for i, id := range ids {
		out[i] = s.m[source+"/"+id]
	}
	return out, nil
}

func (s *mapStore) Remember(_ context.Context, source string, ids []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		s.m[source+"/"+id] = true
	}
	return nil
}

// crashingCheckpoints fails every Save: the process "dies" after the
// batch was handled and remembered, before its cursor was saved.
type crashingCheckpoints struct{ listen.MemoryCheckpoints }

func (c *crashingCheckpoints) Save(context.Context, string, string) error {
	return errors.New("crashed before the cursor was saved")
}

func TestSeenStoreMakesEffectOnceAcrossRestarts(t *testing.T) {
	store := &mapStore{m: map[string]bool{}}
	src := listentest.NewFakeSource("fake", mkPosts("p", 5)...)
	src.Finite = true
	delivered := map[string]int{}
	// First run: handles everything, but no cursor is ever saved.
	for posts := range listen.Stream(t.Context(), src, listen.WithSeenStore(store), listen.WithCheckpoints(&crashingCheckpoints{})) {
		for _, p := range posts {
			delivered[p.ID]++
		}
	}
	// Restart from no cursor: the source serves everything again.
	store.fail = 1
	var waits []time.Duration
	errs := 0
	for posts, err := range listen.Stream(t.Context(), src, listen.WithSeenStore(store), noWait(100, &waits)) {
		if err != nil {
			errs++
			continue
		}
		for _, p := range posts {
			delivered[p.ID]++
		}
	}
	assert.Equal(t, 1, errs, "the store's failure is yielded, then the batch fetched again")
	assert.Len(t, delivered, 5)
	for id, n := range delivered {
		assert.Equal(t, 1, n, id)
	}
}

func TestDedupeAsSeenStore(t *testing.T) {
	d := listen.NewDedupe(10, 0)
	require.NoError(t, d.Remember(t.Context(), "s", []string{"a", "b"}))
	got, err := d.Contains(t.Context(), "s", []string{"a", "c", "b"})
	require.NoError(t, err)
	assert.Equal(t, []bool{true, false, true}, got)
	src := listentest.NewFakeSource("s", hark.Post{ID: "a", Text: "x"}, hark.Post{ID: "c", Text: "y"})
	src.Finite = true
	var ids []string
	for posts := range listen.Stream(t.Context(), src, listen.WithSeenStore(d)) {
		for _, p := range posts {
			ids = append(ids, p.ID)
		}
	}
	assert.Equal(t, []string{"c"}, ids)
}

// waitingSource answers empty batches that say they waited, then one post.
type waitingSource struct{ n int }

func (w *waitingSource) Name() string { return "waiting" }
func (w *waitingSource) Fetch(context.Context, string) (listen.Batch, error) {
	if w.n++; w.n < 4 {
		return listen.Batch{Cursor: "0", Waited: true}, nil
	}
	return listen.Batch{Posts: []hark.Post{{ID: "1", Text: "x"}}, Cursor: "1", Done: true}, nil
}

func TestStreamDoesNotSleepAfterWaitedBatch(t *testing.T) {
	var waits []time.Duration
	n := 0
	for posts := range listen.Stream(t.Context(), &waitingSource{}, noWait(100, &waits)) {
		n += len(posts)
	}
	assert.Equal(t, 1, n)
	assert.Empty(t, waits, "the source waited itself")
}
