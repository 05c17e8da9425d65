package listen_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/listen"
	"github.com/harkhq/hark/listen/listentest"
)

// waitLog collects the waits an observer is told of.
type waitLog struct {
	mu    sync.Mutex
	waits []listen.Wait
}

func (l *waitLog) add(_ context.Context, w listen.Wait) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.waits = append(l.waits, w)
}

func (l *waitLog) all() []listen.Wait {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]listen.Wait(nil), l.waits...)
}

// flaky answers a 429 with Retry-After: 7, then a 503, then 200.
func flaky(t *testing.T) *httptest.Server {
	t.Helper()
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n++
		switch n {
		case 1:
			w.Header().Set("Retry-After", "7")
			http.Error(w, "slow down", http.StatusTooManyRequests)
		case 2:
			http.Error(w, "down", http.StatusServiceUnavailable)
		default:
			_, _ = w.Write([]byte(`{}`))
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestClientOnWaitReportsEachWait(t *testing.T) {
	srv := flaky(t)
	host := must(url.Parse(srv.URL)).Host
	clk := listentest.NewClock(t0)
	var log waitLog
	c := clk.Client()
	c.OnWait = log.add
	c.Backoff = listen.Backoff{Base: time.Second, Max: time.Second}
	_, err := c.Get(t.Context(), srv.URL+"/search?token=SECRET", nil)
	require.NoError(t, err)
	got := log.all()
	require.Len(t, got, 2)
	assert.Equal(t, listen.Wait{Reason: listen.WaitRateLimit, Duration: 7 * time.Second, Host: host, Attempt: 1, Status: 429}, got[0])
	assert.Equal(t, listen.Wait{Reason: listen.WaitRetry, Duration: time.Second, Host: host, Attempt: 2, Status: 503}, got[1])
	assert.Equal(t, []time.Duration{7 * time.Second, time.Second}, clk.Waits(), "what was reported is what was slept")
}

func TestClientOnWaitReportsQuotaPause(t *testing.T) {
	srv := flaky(t)
	clk := listentest.NewClock(t0)
	var log waitLog
	c := clk.Client()
	c.OnWait = log.add
	c.Quota = listen.NewQuota(1000, 1000)
	c.Backoff = listen.Backoff{Base: time.Second, Max: time.Second}
	_, err := c.Get(t.Context(), srv.URL, nil)
	require.NoError(t, err)
	got := log.all()
	require.Len(t, got, 2)
	// The 429 paused the Quota: the wait is the Quota's, reported once.
	assert.Equal(t, listen.WaitPaused, got[0].Reason)
	assert.Equal(t, 7*time.Second, got[0].Duration)
	assert.Equal(t, 1, got[0].Attempt)
	assert.Equal(t, listen.WaitRetry, got[1].Reason)
}

func TestStreamOnWaitReportsBackoffAndRateLimits(t *testing.T) {
	errs := []error{&listen.RateLimitError{RetryAfter: 30 * time.Second, Status: 429, Err: errors.New("slow down")},
		listen.Transient(errors.New("reset"))}
	calls := 0
	src := fetchFunc(func(ctx context.Context, cursor string) (listen.Batch, error) {
		calls++
		if calls <= len(errs) {
			return listen.Batch{}, errs[calls-1]
		}
		return listen.Batch{Posts: []hark.Post{{ID: "1", Text: "x"}}, Done: true}, nil
	})
	clk := listentest.NewClock(t0)
	var log waitLog
	for range listen.Stream(t.Context(), src, listen.WithClock(clk.Now, clk.Sleep), listen.WithOnWait(log.add),
		listen.WithBackoff(listen.Backoff{Base: time.Second, Max: time.Second})) {
	}
	got := log.all()
	require.Len(t, got, 2)
	assert.Equal(t, listen.Wait{Reason: listen.WaitRateLimit, Duration: 30 * time.Second, Source: "s", Attempt: 1, Status: 429}, got[0])
	assert.Equal(t, listen.Wait{Reason: listen.WaitRetry, Duration: time.Second, Source: "s", Attempt: 2}, got[1])
}

// fetchFunc is a source called "s".
type fetchFunc func(ctx context.Context, cursor string) (listen.Batch, error)

func (f fetchFunc) Name() string { return "s" }
func (f fetchFunc) Fetch(ctx context.Context, cursor string) (listen.Batch, error) {
	return f(ctx, cursor)
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestClientOnWaitReportsTokenBucket(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	var log waitLog
	c := &listen.Client{Quota: listen.NewQuota(1, 1), OnWait: log.add}
	for range 2 {
		_, err := c.Get(t.Context(), srv.URL, nil)
		require.NoError(t, err)
	}
	got := log.all()
	require.Len(t, got, 1, "the second request waited for a token")
	assert.Equal(t, listen.WaitBudget, got[0].Reason)
	assert.Greater(t, got[0].Duration, time.Duration(0))
	assert.LessOrEqual(t, got[0].Duration, time.Second)
}
