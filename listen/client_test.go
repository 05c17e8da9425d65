package listen_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/harkhq/hark/listen"
	"github.com/harkhq/hark/listen/listentest"
)

var t0 = time.Date(2026, 2, 16, 12, 0, 0, 0, time.UTC)

func TestRetryAfter(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"120", 120 * time.Second, true},
		{" 0 ", 0, true},
		{"Mon, 16 Feb 2026 12:00:30 GMT", 30 * time.Second, true},
		{"Mon, 16 Feb 2026 11:00:00 GMT", 0, true}, // in the past
		{"-5", 0, false},
		{"soon", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			d, ok := listen.RetryAfter(tt.in, t0)
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.want, d)
		})
	}
}

func TestRateLimitResetDialects(t *testing.T) {
	tests := []struct {
		name, header, value string
		want                time.Time
	}{
		{"reddit seconds to wait", "x-ratelimit-reset", "372", t0.Add(372 * time.Second)},
		{"github unix seconds", "X-RateLimit-Reset", "1771243260", time.Unix(1771243260, 0)},
		{"x unix seconds", "x-rate-limit-reset", "1771243260", time.Unix(1771243260, 0)},
		{"unix millis", "X-RateLimit-Reset", "1771243260500", time.UnixMilli(1771243260500)},
		{"mastodon iso 8601", "X-RateLimit-Reset", "2026-02-16T12:05:00.000Z", t0.Add(5 * time.Minute)},
		{"ietf delta", "RateLimit-Reset", "10", t0.Add(10 * time.Second)},
		{"http date", "X-RateLimit-Reset", "Mon, 16 Feb 2026 12:01:00 GMT", t0.Add(time.Minute)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			h.Set(tt.header, tt.value)
			got, ok := listen.RateLimitReset(h, t0)
			require.True(t, ok)
			assert.True(t, tt.want.Equal(got), "got %v want %v", got, tt.want)
		})
	}
	_, ok := listen.RateLimitReset(http.Header{"X-Ratelimit-Reset": {"later"}}, t0)
	assert.False(t, ok)
	rem, ok := listen.RateLimitRemaining(http.Header{"X-Ratelimit-Remaining": {"598.0"}})
	assert.True(t, ok)
	assert.Equal(t, 598.0, rem)
}

// fakeClock records the waits a Client asks for without sleeping.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	waits []time.Duration
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.waits = append(c.waits, d)
	c.now = c.now.Add(d)
	return ctx.Err()
}
func (c *fakeClock) Waits() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.waits...)
}

func newClient(clk *fakeClock) *listen.Client {
	return &listen.Client{Now: clk.Now, Sleep: clk.Sleep, Backoff: listen.Backoff{Base: time.Second, Max: 8 * time.Second}}
}

func TestClientRetryAfterBothForms(t *testing.T) {
	srv := listentest.NewServer(t)
	srv.Script("/a",
		listentest.Status(429, "Retry-After", "7"),
		listentest.Status(429, "Retry-After", t0.Add(20*time.Second).Format(http.TimeFormat)),
		listentest.JSON(`{"ok":true}`))
	clk := &fakeClock{now: t0}
	c := newClient(clk)
	var v struct{ OK bool }
	resp, err := c.GetJSON(t.Context(), srv.URL+"/a", nil, &v)
	require.NoError(t, err)
	assert.True(t, v.OK)
	assert.Equal(t, 3, resp.Attempts)
	assert.Equal(t, []time.Duration{7 * time.Second, 13 * time.Second}, clk.Waits(),
		"the date form is counted from the clock, which already advanced 7s")
	assert.Equal(t, 3, srv.Count("/a"))
}

func TestClientRateLimitPausesSharedQuota(t *testing.T) {
	srv := listentest.NewServer(t)
	srv.Script("/a", listentest.Status(429, "x-rate-limit-reset", "1771243260"), listentest.JSON(`{}`))
	srv.Script("/b", listentest.JSON(`{}`))
	clk := &fakeClock{now: time.Unix(1771243200, 0)}
	q := listen.NewQuota(rate.Inf, 1)
	a, b := newClient(clk), newClient(clk)
	a.Quota, b.Quota = q, q
	_, err := a.Get(t.Context(), srv.URL+"/a", nil)
	require.NoError(t, err)
	assert.Equal(t, []time.Duration{time.Minute}, clk.Waits(), "waited until the epoch reset, once")
	assert.True(t, q.PausedUntil().Equal(time.Unix(1771243260, 0)))
	// The reset time has passed on the shared clock: b does not wait.
	_, err = b.Get(t.Context(), srv.URL+"/b", nil)
	require.NoError(t, err)
	assert.Len(t, clk.Waits(), 1)
}

func TestClientQuotaSpentPausesBeforeRefusal(t *testing.T) {
	srv := listentest.NewServer(t)
	srv.Script("/a", listentest.Reply{Header: http.Header{"X-Ratelimit-Remaining": {"0.0"}, "X-Ratelimit-Reset": {"30"}}, Body: []byte("{}")})
	clk := &fakeClock{now: t0}
	c := newClient(clk)
	c.Quota = listen.NewQuota(rate.Inf, 1)
	_, err := c.Get(t.Context(), srv.URL+"/a", nil)
	require.NoError(t, err)
	assert.Empty(t, clk.Waits())
	_, err = c.Get(t.Context(), srv.URL+"/a", nil)
	require.NoError(t, err)
	assert.Equal(t, []time.Duration{30 * time.Second}, clk.Waits(), "the second call waits for the reset")
}

func TestClientLongRetryAfterIsReturned(t *testing.T) {
	srv := listentest.NewServer(t)
	srv.Script("/a", listentest.Status(429, "Retry-After", "3600"))
	clk := &fakeClock{now: t0}
	c := newClient(clk)
	_, err := c.Get(t.Context(), srv.URL+"/a", nil)
	require.Error(t, err)
	assert.ErrorIs(t, err, listen.ErrRateLimited)
	assert.Equal(t, time.Hour, listen.RetryAfterOf(err))
	assert.Equal(t, 429, listen.StatusOf(err))
	assert.False(t, listen.IsPermanent(err))
	assert.Empty(t, clk.Waits())
	assert.Equal(t, 1, srv.Count("/a"))
}

func TestClientRetriesTransientNotPermanent(t *testing.T) {
	srv := listentest.NewServer(t)
	srv.Script("/flaky", listentest.Status(503), listentest.Status(502), listentest.JSON(`[1]`))
	srv.Script("/gone", listentest.Status(404))
	srv.Script("/down", listentest.Status(500))
	clk := &fakeClock{now: t0}
	c := newClient(clk)

	_, err := c.Get(t.Context(), srv.URL+"/flaky", nil)
	require.NoError(t, err)
	assert.Equal(t, []time.Duration{time.Second, 2 * time.Second}, clk.Waits(), "exponential, no jitter")

	_, err = c.Get(t.Context(), srv.URL+"/gone", nil)
	assert.True(t, listen.IsPermanent(err))
	assert.Equal(t, 404, listen.StatusOf(err))
	assert.Equal(t, 1, srv.Count("/gone"))

	_, err = c.Get(t.Context(), srv.URL+"/down", nil)
	assert.ErrorIs(t, err, listen.ErrTransient)
	assert.Equal(t, listen.DefaultMaxAttempts, srv.Count("/down"))
}

func TestClientBodyLimitAndMalformed(t *testing.T) {
	srv := listentest.NewServer(t)
	big := `{"x":"` + strings.Repeat("a", 2000) + `"}`
	srv.Script("/big", listentest.JSON(big), listentest.JSON(`{"x":"ok"}`))
	srv.Script("/trunc", listentest.Reply{Body: []byte(`{"x":"ok"}`), Truncate: 5})
	srv.Script("/bad", listentest.JSON(`{"x":`))
	clk := &fakeClock{now: t0}
	c := newClient(clk)
	c.MaxBody = 1000
	c.MaxAttempts = 3
	var v struct{ X string }
	_, err := c.GetJSON(t.Context(), srv.URL+"/big", nil, &v)
	require.NoError(t, err)
	assert.Equal(t, "ok", v.X)
	assert.Equal(t, 2, srv.Count("/big"))

	_, err = c.GetJSON(t.Context(), srv.URL+"/trunc", nil, &v)
	assert.ErrorIs(t, err, listen.ErrTransient)

	_, err = c.GetJSON(t.Context(), srv.URL+"/bad", nil, &v)
	assert.ErrorIs(t, err, listen.ErrMalformed)
	assert.Equal(t, 3, srv.Count("/bad"))

	c.MaxAttempts = 1
	_, err = c.Get(t.Context(), srv.URL+"/big", nil)
	require.NoError(t, err, "script's last reply repeats")
	srv.Script("/big", listentest.JSON(big))
	_, err = c.Get(t.Context(), srv.URL+"/big", nil)
	assert.ErrorIs(t, err, listen.ErrBodyTooLarge)
}

func TestClientTimeoutAndCancel(t *testing.T) {
	srv := listentest.NewServer(t)
	srv.Script("/slow", listentest.Reply{Delay: time.Hour, Body: []byte("{}")})
	clk := &fakeClock{now: t0}
	c := newClient(clk)
	c.Timeout = 20 * time.Millisecond
	c.MaxAttempts = 2
	_, err := c.Get(t.Context(), srv.URL+"/slow", nil)
	require.Error(t, err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.ErrorIs(t, err, listen.ErrTransient)
	assert.Equal(t, 2, srv.Count("/slow"))

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err = c.Get(ctx, srv.URL+"/slow", nil)
	assert.True(t, errors.Is(err, context.Canceled), "%v", err)
}

func TestClientHeaders(t *testing.T) {
	srv := listentest.NewServer(t)
	srv.Script("/a", listentest.JSON(`{}`))
	c := &listen.Client{UserAgent: "hark-test/1", Header: http.Header{"Authorization": {"Bearer t"}}}
	_, err := c.Get(t.Context(), srv.URL+"/a", http.Header{"If-None-Match": {`"v1"`}})
	require.NoError(t, err)
	r := srv.Requests()[0]
	assert.Equal(t, "hark-test/1", r.Header.Get("User-Agent"))
	assert.Equal(t, "Bearer t", r.Header.Get("Authorization"))
	assert.Equal(t, `"v1"`, r.Header.Get("If-None-Match"))
}

func TestErrorClasses(t *testing.T) {
	base := errors.New("x")
	tests := []struct {
		name                 string
		err                  error
		permanent, transient bool
	}{
		{"permanent", listen.Permanent(base), true, false},
		{"transient", listen.Transient(base), false, true},
		{"malformed", listen.Malformed(base), false, true},
		{"401", &listen.StatusError{Status: 401}, true, false},
		{"503", &listen.StatusError{Status: 503}, false, true},
		{"rate limited 403", &listen.RateLimitError{Status: 403, Err: &listen.StatusError{Status: 403}}, false, false},
		{"plain", base, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.permanent, listen.IsPermanent(tt.err))
			assert.Equal(t, tt.transient, errors.Is(tt.err, listen.ErrTransient))
		})
	}
	assert.ErrorIs(t, listen.Permanent(base), base)
	assert.Nil(t, listen.Permanent(nil))
}

func TestBackoff(t *testing.T) {
	b := listen.Backoff{Base: 100 * time.Millisecond, Max: time.Second}
	var got []time.Duration
	for i := range 6 {
		got = append(got, b.Delay(i, nil))
	}
	assert.Equal(t, []time.Duration{100e6, 200e6, 400e6, 800e6, 1e9, 1e9}, got)
	j := listen.Backoff{Base: time.Second, Max: time.Second, Jitter: 1}
	for range 100 {
		d := j.Delay(3, nil)
		assert.True(t, d >= 0 && d <= time.Second, "%v", d)
	}
}

func TestClient503RetryAfter(t *testing.T) {
	srv := listentest.NewServer(t)
	srv.Script("/a", listentest.Status(503, "Retry-After", "12"), listentest.JSON(`{}`))
	clk := &fakeClock{now: t0}
	c := newClient(clk)
	c.Quota = listen.NewQuota(rate.Inf, 1)
	_, err := c.Get(t.Context(), srv.URL+"/a", nil)
	require.NoError(t, err)
	assert.Equal(t, []time.Duration{12 * time.Second}, clk.Waits(), "a 503's Retry-After is honoured")

	srv.Script("/b", listentest.Status(503, "Retry-After", "7200"))
	c.MaxAttempts = 1
	_, err = c.Get(t.Context(), srv.URL+"/b", nil)
	assert.Equal(t, 2*time.Hour, listen.RetryAfterOf(err), "for Stream to wait out")
	assert.NotErrorIs(t, err, listen.ErrRateLimited)
}

func TestClient403QuotaSpentIsRateLimit(t *testing.T) {
	srv := listentest.NewServer(t)
	// GitHub-style: 403 with the quota at zero and an epoch reset.
	srv.Script("/a", listentest.Status(403, "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "1771243230"), listentest.JSON(`{}`))
	clk := &fakeClock{now: time.Unix(1771243200, 0)}
	c := newClient(clk)
	_, err := c.Get(t.Context(), srv.URL+"/a", nil)
	require.NoError(t, err)
	assert.Equal(t, []time.Duration{30 * time.Second}, clk.Waits())

	srv.Script("/b", listentest.Status(403))
	_, err = c.Get(t.Context(), srv.URL+"/b", nil)
	assert.True(t, listen.IsPermanent(err), "a plain 403 is permanent")
}
