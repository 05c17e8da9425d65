package replay_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/listen"
	"github.com/harkhq/hark/listen/listentest"
	"github.com/harkhq/hark/listen/replay"
	"github.com/harkhq/hark/sample"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fakeClock is a replay.Clock whose Sleep moves its time on at once.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	slept []time.Duration
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	c.slept = append(c.slept, d)
	return nil
}

// advance moves the clock on, as a slow consumer would.
func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// blockingClock is a replay.Clock whose Sleep reports the wait it was asked
// for and then waits for its context.
type blockingClock struct{ waiting chan time.Duration }

func (c *blockingClock) Now() time.Time { return t0 }

func (c *blockingClock) Sleep(ctx context.Context, d time.Duration) error {
	c.waiting <- d
	<-ctx.Done()
	return ctx.Err()
}

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func post(id string, after time.Duration) hark.Post {
	p := hark.Post{ID: id, Text: "text of " + id, Mentions: []string{"@kestrel"}}
	if after >= 0 {
		p.Created = t0.Add(after)
	}
	return p
}

func ids(posts []hark.Post) []string {
	out := make([]string, len(posts))
	for i, p := range posts {
		out[i] = p.ID
	}
	return out
}

// drain fetches until Done and returns the batches.
func drain(t *testing.T, src *replay.Source, cursor string) [][]hark.Post {
	t.Helper()
	var batches [][]hark.Post
	for range 100000 {
		b, err := src.Fetch(t.Context(), cursor)
		require.NoError(t, err)
		if len(b.Posts) > 0 {
			batches = append(batches, b.Posts)
			require.NotEmpty(t, b.Cursor)
		}
		cursor = b.Cursor
		if b.Done {
			return batches
		}
	}
	t.Fatal("replay never done")
	return nil
}

func flat(batches [][]hark.Post) []hark.Post {
	var out []hark.Post
	for _, b := range batches {
		out = append(out, b...)
	}
	return out
}

func TestOrder(t *testing.T) {
	// -1 means no Created: the post stays after the one before it.
	in := []hark.Post{post("x0", -1), post("a", 3*time.Minute), post("b", -1), post("c", time.Minute), post("d", time.Minute), post("e", 2*time.Minute)}
	src := replay.New(in)
	got := flat(drain(t, src, ""))
	// x0 goes with a, the first timed post; b stays after a.
	assert.Equal(t, []string{"c", "d", "e", "x0", "a", "b"}, ids(got))
	assert.True(t, got[3].Created.IsZero(), "a missing Created stays missing")
	assert.True(t, got[5].Created.IsZero())
	assert.Equal(t, 6, src.Len())

	// The source holds a copy: changing the input or a batch changes
	// nothing in the replay.
	in[1].Text = "changed"
	got[0].Mentions[0] = "@changed"
	again := flat(drain(t, src, ""))
	assert.Equal(t, "text of a", again[4].Text)
	assert.Equal(t, "@kestrel", again[0].Mentions[0])
	assert.Equal(t, "text of x0", again[3].Text)
}

func TestBatching(t *testing.T) {
	week := sample.Week()[:1000]
	tests := []struct{ size, want int }{{1, 1000}, {64, 16}, {100, 10}, {999, 2}, {1000, 1}, {5000, 1}, {0, 10}}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.size), func(t *testing.T) {
			src := replay.New(week, replay.WithBatchSize(tt.size))
			batches := drain(t, src, "")
			assert.Len(t, batches, tt.want)
			limit := tt.size
			if limit < 1 {
				limit = replay.DefaultBatchSize
			}
			for _, b := range batches {
				assert.LessOrEqual(t, len(b), limit)
			}
			assert.Equal(t, ids(week), ids(flat(batches)))
		})
	}
}

func TestDone(t *testing.T) {
	src := replay.New([]hark.Post{post("a", 0), post("b", time.Second), post("c", 2*time.Second)}, replay.WithBatchSize(2))
	b1, err := src.Fetch(t.Context(), "")
	require.NoError(t, err)
	assert.False(t, b1.Done)
	b2, err := src.Fetch(t.Context(), b1.Cursor)
	require.NoError(t, err)
	assert.True(t, b2.Done, "the batch that reaches the end is Done")
	assert.Equal(t, []string{"c"}, ids(b2.Posts))
	b3, err := src.Fetch(t.Context(), b2.Cursor)
	require.NoError(t, err)
	assert.True(t, b3.Done)
	assert.Empty(t, b3.Posts)
	assert.Equal(t, b2.Cursor, b3.Cursor)

	empty, err := replay.New(nil).Fetch(t.Context(), "")
	require.NoError(t, err)
	assert.True(t, empty.Done)
	assert.Empty(t, empty.Posts)
}

func TestBadCursor(t *testing.T) {
	src := replay.New([]hark.Post{post("a", 0), post("b", time.Second)})
	for _, c := range []string{"x", "1", "0:", "1:b", "2:a", "3:b", "-1:a", ":a"} {
		_, err := src.Fetch(t.Context(), c)
		require.Error(t, err, c)
		assert.ErrorIs(t, err, replay.ErrCursor, c)
		assert.True(t, listen.IsPermanent(err), c)
	}
	b, err := src.Fetch(t.Context(), "1:a")
	require.NoError(t, err)
	assert.Equal(t, []string{"b"}, ids(b.Posts))
}

func TestResume(t *testing.T) {
	week := sample.Week()[:1500]
	for _, stopAt := range []int{0, 1, 7, 23} {
		t.Run(fmt.Sprint(stopAt), func(t *testing.T) {
			cp := &listen.MemoryCheckpoints{}
			var handled []string
			n := 0
			for posts, err := range listen.Stream(t.Context(), replay.New(week, replay.WithBatchSize(64), replay.WithName("w")), listen.WithCheckpoints(cp)) {
				require.NoError(t, err)
				if n == stopAt {
					break // a crash before this batch was handled
				}
				n++
				handled = append(handled, ids(posts)...)
			}
			for posts, err := range listen.Stream(t.Context(), replay.New(week, replay.WithBatchSize(64), replay.WithName("w")), listen.WithCheckpoints(cp)) {
				require.NoError(t, err)
				handled = append(handled, ids(posts)...)
			}
			assert.Equal(t, ids(week), handled, "no gap, no duplicate")
			c, err := cp.Load(t.Context(), "w")
			require.NoError(t, err)
			assert.Equal(t, fmt.Sprintf("%d:%s", len(week), week[len(week)-1].ID), c)
		})
	}
}

func TestVirtualClock(t *testing.T) {
	clock := newFakeClock()
	start := clock.Now()
	in := []hark.Post{post("p0", 0), post("p1", time.Minute), post("p2", time.Minute), post("p3", 10*time.Minute), post("p4", time.Hour)}
	src := replay.New(in, replay.WithSpeed(60), replay.WithClock(clock))
	want := []struct {
		ids  []string
		wall time.Duration // since the first Fetch
	}{
		{[]string{"p0"}, 0},
		{[]string{"p1", "p2"}, time.Second},
		{[]string{"p3"}, 10 * time.Second},
		{[]string{"p4"}, time.Minute},
	}
	cursor := ""
	for i, w := range want {
		b, err := src.Fetch(t.Context(), cursor)
		require.NoError(t, err)
		assert.Equal(t, w.ids, ids(b.Posts), "fetch %d", i)
		assert.Equal(t, w.wall, clock.Now().Sub(start), "fetch %d released at the wrong time", i)
		assert.Equal(t, i == len(want)-1, b.Done)
		cursor = b.Cursor
	}
	assert.Equal(t, []time.Duration{time.Second, 9 * time.Second, 50 * time.Second}, clock.slept)
}

func TestStreamOnVirtualClock(t *testing.T) {
	// listen.Stream over a day of the sample week at 1440x: every post, in
	// order, the whole day in a minute of the fake clock.
	f := sample.Script()
	var day []hark.Post
	for _, p := range sample.Week() {
		if !p.Created.Before(f.Incident.Start.Truncate(24*time.Hour)) && p.Created.Before(f.Incident.Start.Truncate(24*time.Hour).Add(24*time.Hour)) {
			day = append(day, p)
		}
	}
	require.Greater(t, len(day), 500)
	clock := newFakeClock()
	start := clock.Now()
	var got []hark.Post
	for posts, err := range listen.Stream(t.Context(), replay.New(day, replay.WithSpeed(1440), replay.WithClock(clock))) {
		require.NoError(t, err)
		for _, p := range posts {
			// No post is released before its time.
			assert.False(t, clock.Now().Sub(start) < p.Created.Sub(day[0].Created)/1440, p.ID)
		}
		got = append(got, posts...)
	}
	assert.Equal(t, ids(day), ids(got))
	assert.LessOrEqual(t, clock.Now().Sub(start), time.Minute)
	assert.InDelta(t, float64(day[len(day)-1].Created.Sub(day[0].Created)/1440), float64(clock.Now().Sub(start)), float64(time.Millisecond))
}

func TestVirtualClockUntimed(t *testing.T) {
	// Posts without Created are released with their neighbours; the ones
	// before any timed post with the first timed one.
	clock := newFakeClock()
	start := clock.Now()
	in := []hark.Post{post("u0", -1), post("a", time.Hour), post("u1", -1), post("b", 2*time.Hour)}
	src := replay.New(in, replay.WithSpeed(3600), replay.WithClock(clock))
	b, err := src.Fetch(t.Context(), "")
	require.NoError(t, err)
	assert.Equal(t, []string{"u0", "a", "u1"}, ids(b.Posts))
	assert.Equal(t, time.Duration(0), clock.Now().Sub(start))
	b, err = src.Fetch(t.Context(), b.Cursor)
	require.NoError(t, err)
	assert.Equal(t, []string{"b"}, ids(b.Posts))
	assert.Equal(t, time.Second, clock.Now().Sub(start))
}

func TestVirtualClockSlowConsumer(t *testing.T) {
	// A consumer slower than the replay gets what fell due meanwhile, in
	// batches of at most the batch size.
	clock := newFakeClock()
	var in []hark.Post
	for i := range 50 {
		in = append(in, post(fmt.Sprint(i), time.Duration(i)*time.Minute))
	}
	src := replay.New(in, replay.WithSpeed(60), replay.WithClock(clock), replay.WithBatchSize(8))
	b, err := src.Fetch(t.Context(), "")
	require.NoError(t, err)
	require.Len(t, b.Posts, 1)
	clock.advance(20 * time.Second) // 20 virtual minutes
	b, err = src.Fetch(t.Context(), b.Cursor)
	require.NoError(t, err)
	assert.Len(t, b.Posts, 8)
	b, err = src.Fetch(t.Context(), b.Cursor)
	require.NoError(t, err)
	assert.Len(t, b.Posts, 8)
	b, err = src.Fetch(t.Context(), b.Cursor)
	require.NoError(t, err)
	assert.Equal(t, []string{"17", "18", "19", "20"}, ids(b.Posts))
	assert.Empty(t, clock.slept)
}

func TestSpeedFactor(t *testing.T) {
	week := sample.Week()
	span := week[len(week)-1].Created.Sub(week[0].Created)
	for _, speed := range []float64{1440, 10080, 100000} {
		t.Run(fmt.Sprint(speed), func(t *testing.T) {
			clock := newFakeClock()
			start := clock.Now()
			src := replay.New(week, replay.WithSpeed(speed), replay.WithClock(clock), replay.WithBatchSize(1000))
			got := flat(drain(t, src, ""))
			assert.Equal(t, ids(week), ids(got))
			assert.InDelta(t, float64(span)/speed, float64(clock.Now().Sub(start)), float64(time.Millisecond),
				"a week at %vx takes %v", speed, time.Duration(float64(span)/speed))
		})
	}
}

func TestVirtualClockResume(t *testing.T) {
	// A resumed replay continues at the time of the last post delivered:
	// the next post is due after the gap between the two.
	in := []hark.Post{post("a", 0), post("b", time.Hour), post("c", 3*time.Hour)}
	first := replay.New(in, replay.WithSpeed(3600), replay.WithClock(newFakeClock()), replay.WithBatchSize(1))
	b, err := first.Fetch(t.Context(), "")
	require.NoError(t, err)
	b, err = first.Fetch(t.Context(), b.Cursor)
	require.NoError(t, err)
	require.Equal(t, []string{"b"}, ids(b.Posts))

	clock := newFakeClock()
	second := replay.New(in, replay.WithSpeed(3600), replay.WithClock(clock), replay.WithBatchSize(1))
	b, err = second.Fetch(t.Context(), b.Cursor)
	require.NoError(t, err)
	assert.Equal(t, []string{"c"}, ids(b.Posts))
	assert.Equal(t, []time.Duration{2 * time.Second}, clock.slept)
}

func TestCancel(t *testing.T) {
	in := []hark.Post{post("a", 0), post("b", time.Hour)}
	t.Run("before", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		for _, src := range []*replay.Source{replay.New(in), replay.New(in, replay.WithSpeed(1))} {
			b, err := src.Fetch(ctx, "")
			assert.ErrorIs(t, err, context.Canceled)
			assert.Empty(t, b.Posts)
		}
	})
	t.Run("while waiting", func(t *testing.T) {
		clock := &blockingClock{waiting: make(chan time.Duration, 1)}
		src := replay.New(in, replay.WithSpeed(1), replay.WithClock(clock))
		b, err := src.Fetch(t.Context(), "")
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() {
			defer close(done)
			b, err := src.Fetch(ctx, b.Cursor)
			assert.ErrorIs(t, err, context.Canceled)
			assert.Empty(t, b.Posts)
		}()
		assert.Equal(t, time.Hour, <-clock.waiting, "b is due in an hour")
		cancel()
		<-done
	})
	t.Run("stream", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		n := 0
		for posts, err := range listen.Stream(ctx, replay.New(in, replay.WithSpeed(1))) {
			require.NoError(t, err)
			n += len(posts)
			cancel() // the stream ends while the replay waits for b
		}
		assert.Equal(t, 1, n)
	})
}

func TestMalformedLines(t *testing.T) {
	in := strings.Join([]string{
		`{"id":"1","text":"first","created":"2026-03-02T10:00:00Z"}`,
		`not json at all`,
		`{"id":"2","text":"second","created":"2026-03-02T09:00:00Z"}`,
		`{"id":"3"}`,
		``,
		`{"id":"4","text":"fourth","created":"2026-03-02T11:00:00Z"}`,
	}, "\n")
	var reported []error
	src, err := replay.FromReader(strings.NewReader(in), replay.WithOnError(func(err error) { reported = append(reported, err) }))
	require.NoError(t, err)
	assert.Equal(t, []string{"2", "1", "4"}, ids(flat(drain(t, src, ""))), "the rest replays, in time order")
	require.Len(t, reported, 2)
	assert.Equal(t, reported, src.Errors())
	var le *hark.LineError
	require.ErrorAs(t, reported[0], &le)
	assert.Equal(t, 2, le.Line)
	require.ErrorAs(t, reported[1], &le)
	assert.Equal(t, 4, le.Line)
	assert.ErrorIs(t, le, hark.ErrMissingText)
}

type failingReader struct{ n int }

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n > 0 {
		r.n--
		return copy(p, `{"id":"1","text":"ok"}`+"\n"), nil
	}
	return 0, errors.New("disk on fire")
}

func TestReadError(t *testing.T) {
	_, err := replay.FromReader(&failingReader{n: 1})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "disk on fire")
}

func TestOpen(t *testing.T) {
	path := t.TempDir() + "/week.jsonl"
	var buf bytes.Buffer
	w := hark.NewWriter(&buf)
	for _, p := range sample.Week()[:200] {
		require.NoError(t, w.Write(p))
	}
	require.NoError(t, w.Flush())
	require.NoError(t, writeFile(path, buf.Bytes()))
	src, err := replay.Open(path)
	require.NoError(t, err)
	assert.Equal(t, "replay:"+path, src.Name())
	assert.Equal(t, 200, src.Len())
	assert.Empty(t, src.Errors())
	named, err := replay.Open(path, replay.WithName("week"))
	require.NoError(t, err)
	assert.Equal(t, "week", named.Name())
	_, err = replay.Open(path + ".missing")
	assert.Error(t, err)
}

func TestCapabilities(t *testing.T) {
	caps := replay.New(sample.Week()).Capabilities()
	assert.Equal(t, listen.Capabilities{AuthorMetrics: true, Engagement: true, Backfill: true, Replies: true}, caps)
	assert.Equal(t, listen.Capabilities{Backfill: true}, replay.New([]hark.Post{post("a", 0)}).Capabilities())
}

func TestConformance(t *testing.T) {
	week := sample.Week()[:300]
	listentest.RunConformance(t, listentest.Conformance{
		New:      func(*testing.T) listen.Source { return replay.New(week, replay.WithBatchSize(40)) },
		MinPosts: 300,
	})
}

func FuzzFromReader(f *testing.F) {
	f.Add([]byte(`{"id":"1","text":"a","created":"2026-03-02T10:00:00Z"}` + "\n" + `{"id":"2","text":"b"}`))
	f.Add([]byte("{\"id\":\"1\",\"text\":\"\xff\"}\n{bad\n\n"))
	f.Add([]byte(`{"id":"1","text":"a","created":"not a time"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		src, err := replay.FromReader(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("a bytes.Reader cannot fail: %v", err)
		}
		lines := bytes.Count(data, []byte("\n")) + 1
		if src.Len()+len(src.Errors()) > lines {
			t.Fatalf("%d posts and %d errors from %d lines", src.Len(), len(src.Errors()), lines)
		}
		cursor := ""
		n := 0
		for {
			b, err := src.Fetch(context.Background(), cursor)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range b.Posts {
				if err := p.Validate(); err != nil {
					t.Fatal(err)
				}
			}
			n += len(b.Posts)
			cursor = b.Cursor
			if b.Done {
				break
			}
		}
		if n != src.Len() {
			t.Fatalf("replayed %d of %d", n, src.Len())
		}
	})
}
