package observe_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/listen"
	"github.com/harkhq/hark/listen/listentest"
	"github.com/harkhq/hark/observe"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func posts(n int, created time.Time) []hark.Post {
	out := make([]hark.Post, n)
	for i := range out {
		out[i] = hark.Post{ID: string(rune('a' + i)), Text: "hello", Created: created.Add(time.Duration(i) * time.Minute)}
	}
	return out
}

func TestErrorKind(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{nil, ""},
		{context.Canceled, "canceled"},
		{&listen.RateLimitError{RetryAfter: time.Second}, "rate_limited"},
		{listen.Malformed(errors.New("eof")), "malformed"},
		{listen.Permanent(errors.New("401")), "permanent"},
		{&listen.StatusError{Status: 403}, "permanent"},
		{&listen.StatusError{Status: 502}, "transient"},
		{errors.New("reset"), "transient"},
		{listen.Transient(listen.ErrBodyTooLarge), "too_large"},
	} {
		assert.Equal(t, tc.want, observe.ErrorKind(tc.err), "%v", tc.err)
	}
}

func TestSourceThroughStream(t *testing.T) {
	reader, mp := newReader()
	clock := listentest.NewClock(t0)
	health := observe.NewHealth(observe.WithHealthClock(clock.Now), observe.WithFailureThreshold(2))
	in, err := observe.New(mp, observe.WithClock(clock.Now), observe.WithHealth(health))
	require.NoError(t, err)

	fake := listentest.NewFakeSource("fake", posts(5, t0.Add(-time.Hour))...)
	fake.PageSize = 3
	fake.Finite = true
	fake.Caps = listen.Capabilities{Replies: true}
	fake.FailNext(&listen.RateLimitError{RetryAfter: 90 * time.Second, Status: 429},
		listen.Malformed(errors.New("truncated")), errors.New("connection reset"))
	src := in.Source(fake)
	assert.Equal(t, "fake", src.Name())
	assert.Equal(t, fake.Caps, listen.CapabilitiesOf(src), "capabilities pass through")

	var wm listen.Watermarks
	reg, err := in.Watermarks(&wm)
	require.NoError(t, err)
	defer func() { require.NoError(t, reg.Unregister()) }()

	// Three failures in a row: unhealthy, backing off after the rate limit.
	var got, errs int
	for batch, err := range listen.Stream(context.Background(), src, listen.WithClock(clock.Now, clock.Sleep),
		listen.WithWatermarks(&wm), listen.WithDedupe(listen.NewDedupe(1000, 0))) {
		if err != nil {
			errs++
			if errs == 1 {
				_, comps := health.Check()
				require.Len(t, comps, 1)
				assert.True(t, comps[0].BackingOff, "a rate limit backs off")
				assert.Equal(t, clock.Now().Add(90*time.Second), comps[0].RetryAt)
			}
			if errs == 3 {
				ok, comps := health.Check()
				assert.False(t, ok)
				assert.Equal(t, 3, comps[0].Failures)
				assert.Contains(t, comps[0].Error, "connection reset")
			}
			continue
		}
		got += len(batch)
	}
	require.Equal(t, 3, errs)
	require.Equal(t, 5, got)
	ok, comps := health.Check()
	assert.True(t, ok, "a success ends the run of failures")
	assert.Equal(t, "source:fake", comps[0].Name)
	assert.Zero(t, comps[0].Failures)
	assert.Equal(t, clock.Now(), comps[0].LastSuccess)

	r := collect(t, reader)
	assert.Equal(t, 5.0, r["hark.source.posts"]["source=fake"])
	assert.Equal(t, 1.0, r["hark.source.errors"]["kind=rate_limited,source=fake"])
	assert.Equal(t, 1.0, r["hark.source.errors"]["kind=malformed,source=fake"])
	assert.Equal(t, 1.0, r["hark.source.errors"]["kind=transient,source=fake"])
	assert.Equal(t, 1.0, r["hark.source.rate_limit.waits"]["source=fake"])
	assert.Equal(t, 90.0, r["hark.source.rate_limit.wait"]["source=fake"])
	assert.Equal(t, 3.0, r["hark.source.fetches"]["result=error,source=fake"])
	assert.Equal(t, 2.0, r["hark.source.fetches"]["result=ok,source=fake"])
	assert.Equal(t, 5.0, r.total("hark.source.fetch.duration"))
	// The newest post was written 56 minutes before t0; the stream's waits
	// moved the clock on since.
	newest := t0.Add(-time.Hour + 4*time.Minute)
	assert.InDelta(t, clock.Now().Sub(newest).Seconds(), r["hark.source.lag"]["source=fake"], 1e-9)
	assert.GreaterOrEqual(t, r["hark.source.cursor.age"]["source=fake"], 0.0)
	assert.Equal(t, 5.0, r["hark.source.delivered"]["source=fake"])
	assert.Equal(t, 0.0, r["hark.source.duplicates"]["source=fake"])
}

func TestCursorAgeAndDuplicates(t *testing.T) {
	reader, mp := newReader()
	clock := listentest.NewClock(t0)
	in, err := observe.New(mp, observe.WithClock(clock.Now))
	require.NoError(t, err)
	// A source that serves the same two posts again and again, its cursor
	// never moving after the first page; each fetch takes a minute, and
	// the fifth ends the stream.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	src := in.Source(&repeating{name: "loop", posts: posts(2, t0.Add(-10*time.Minute)), clock: clock, stop: cancel})
	var wm listen.Watermarks
	reg, err := in.Watermarks(&wm)
	require.NoError(t, err)
	defer func() { require.NoError(t, reg.Unregister()) }()
	for range listen.Stream(ctx, src, listen.WithClock(clock.Now, clock.Sleep),
		listen.WithWatermarks(&wm), listen.WithDedupe(listen.NewDedupe(1000, 0))) {
	}
	r := collect(t, reader)
	assert.Equal(t, 8.0, r["hark.source.posts"]["source=loop"], "four fetches of two posts")
	assert.Equal(t, 2.0, r["hark.source.delivered"]["source=loop"])
	assert.Equal(t, 6.0, r["hark.source.duplicates"]["source=loop"])
	assert.Equal(t, 1.0, r["hark.source.errors"]["kind=canceled,source=loop"])
	// The cursor "1" was first passed at the second fetch, t0+1m; the
	// clock reads t0+5m.
	assert.InDelta(t, (4 * time.Minute).Seconds(), r["hark.source.cursor.age"]["source=loop"], 1e-9)
	assert.InDelta(t, (14 * time.Minute).Seconds(), r["hark.source.lag"]["source=loop"], 1e-9)
}

// repeating serves the same posts at every fetch, with cursor "1"; each
// fetch moves the clock a minute, and the fifth calls stop.
type repeating struct {
	name  string
	posts []hark.Post
	clock *listentest.Clock
	stop  func()
	n     int
}

func (r *repeating) Name() string { return r.name }
func (r *repeating) Fetch(ctx context.Context, _ string) (listen.Batch, error) {
	r.n++
	_ = r.clock.Sleep(context.Background(), time.Minute)
	if r.n == 5 {
		r.stop()
	}
	return listen.Batch{Posts: append([]hark.Post(nil), r.posts...), Cursor: "1"}, ctx.Err()
}

func TestTransportCountsRateLimits(t *testing.T) {
	reader, mp := newReader()
	in, err := observe.New(mp, observe.WithClock(func() time.Time { return t0 }))
	require.NoError(t, err)
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n++
		switch n {
		case 1:
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(http.StatusTooManyRequests)
		case 2:
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.Header().Set("X-RateLimit-Reset", "30")
			w.WriteHeader(http.StatusForbidden)
		case 3:
			w.WriteHeader(http.StatusForbidden) // a plain refusal, not a quota
		default:
			_, _ = w.Write([]byte(`{}`))
		}
	}))
	defer srv.Close()
	hc := &http.Client{Transport: in.Transport("api", nil)}
	for range 4 {
		res, err := hc.Get(srv.URL)
		require.NoError(t, err)
		require.NoError(t, res.Body.Close())
	}
	r := collect(t, reader)
	assert.Equal(t, 2.0, r["hark.http.rate_limited"]["source=api"])
	assert.InDelta(t, 37.0, r["hark.http.retry_after"]["source=api"], 1e-9)
}

func TestSilence(t *testing.T) {
	reader, mp := newReader()
	in, err := observe.New(mp)
	require.NoError(t, err)
	in.Silence(listen.Silence{Source: "rss", For: time.Hour})
	in.Silence(listen.Silence{Source: "rss", For: 2 * time.Hour})
	assert.Equal(t, 2.0, collect(t, reader)["hark.source.silences"]["source=rss"])
}

func TestWaitsOfClientAndStream(t *testing.T) {
	reader, mp := newReader()
	clock := listentest.NewClock(t0)
	health := observe.NewHealth(observe.WithHealthClock(clock.Now))
	in, err := observe.New(mp, observe.WithHealth(health), observe.WithClock(clock.Now))
	require.NoError(t, err)
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n++
		switch n {
		case 1:
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(http.StatusTooManyRequests)
		case 2:
			w.WriteHeader(http.StatusBadGateway)
		default:
			_, _ = w.Write([]byte(`{}`))
		}
	}))
	defer srv.Close()
	c := clock.Client()
	c.Backoff = listen.Backoff{Base: time.Second, Max: time.Second}
	c.OnWait = in.Waits("api")
	// A Sleep that does not move the clock, so the backoff is still on
	// when health is read.
	c.Sleep = func(ctx context.Context, d time.Duration) error { return ctx.Err() }
	_, err = c.Get(t.Context(), srv.URL, nil)
	require.NoError(t, err)

	stream := in.Waits("")
	stream(t.Context(), listen.Wait{Reason: listen.WaitRetry, Duration: 4 * time.Second, Source: "rss"})
	stream(t.Context(), listen.Wait{Reason: "odd", Duration: time.Second, Source: "rss"})

	r := collect(t, reader)
	assert.Equal(t, map[string]float64{"reason=rate_limit,source=api": 1, "reason=retry,source=api": 1,
		"reason=retry,source=rss": 1, "reason=other,source=rss": 1}, r["hark.source.waits"])
	assert.InDelta(t, 7.0, r["hark.source.waited"]["reason=rate_limit,source=api"], 1e-9)
	assert.InDelta(t, 4.0, r["hark.source.waited"]["reason=retry,source=rss"], 1e-9)
	_, comps := health.Check()
	require.Len(t, comps, 1)
	assert.Equal(t, "source:api", comps[0].Name)
	assert.True(t, comps[0].BackingOff, "the rate limit's wait is a backoff")
	assert.Equal(t, t0.Add(7*time.Second), comps[0].RetryAt)
	assert.Zero(t, comps[0].Failures, "a wait is not a failure")
}

// skippingSource answers one batch with a post and two unreadable items.
type skippingSource struct{}

func (skippingSource) Name() string { return "skipping" }

func (skippingSource) Fetch(context.Context, string) (listen.Batch, error) {
	return listen.Batch{
		Posts:   []hark.Post{{ID: "a", Text: "x", Created: t0}},
		Cursor:  "1",
		Done:    true,
		Skipped: []error{&listen.ItemError{Index: 1, Err: errors.New("bad")}, &listen.ItemError{Index: 2, Err: errors.New("bad")}},
	}, nil
}

func TestSourceCountsSkippedItems(t *testing.T) {
	reader, mp := newReader()
	in, err := observe.New(mp)
	require.NoError(t, err)
	b, err := in.Source(skippingSource{}).Fetch(t.Context(), "")
	require.NoError(t, err)
	assert.Len(t, b.Skipped, 2, "the batch passes through whole")
	r := collect(t, reader)
	assert.Equal(t, 2.0, r["hark.source.errors"]["kind=malformed,source=skipping"])
	assert.Equal(t, 1.0, r["hark.source.fetches"]["result=ok,source=skipping"])
}
