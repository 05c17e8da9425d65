package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/listen"
	"github.com/harkhq/hark/listen/listentest"
	"github.com/harkhq/hark/observe/observetest"
)

// get returns the status and body of GET base+path.
func get(t *testing.T, base, path string) (int, string) {
	t.Helper()
	resp, err := http.Get(base + path)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

func TestHealthzAndMetrics(t *testing.T) {
	checkLeaks(t)
	srv := quietServer(t)
	s := state(t, srv.url)
	require.Positive(t, s.Posts)

	code, body := get(t, srv.url, "/metrics")
	require.Equal(t, http.StatusOK, code)
	delivered := observetest.Metric(t, body, "hark_source_delivered_total", `source="sample-week"`)
	assert.EqualValues(t, s.Posts, delivered, "every post the page counts was delivered:\n%s", body)
	assert.EqualValues(t, s.Posts, observetest.Metric(t, body, "hark_source_posts_total", `source="sample-week"`))
	assert.EqualValues(t, s.Posts, observetest.Metric(t, body, "hark_score_posts_total", ``), "every post scored")
	assert.EqualValues(t, s.Posts, observetest.Metric(t, body, "hark_decisions_total", ``), "every post decided")
	assert.Positive(t, observetest.Metric(t, body, "hark_decisions_total", `priority="P1"`), "some P1 decisions")
	assert.Positive(t, observetest.Metric(t, body, "hark_decision_rules_total", `rule="`))
	assert.Positive(t, observetest.Metric(t, body, "hark_dispatch_actions_total", `outcome="sent"`))
	assert.Positive(t, observetest.Metric(t, body, "hark_score_duration_seconds_count", ``))

	code, body = get(t, srv.url, "/healthz")
	require.Equal(t, http.StatusOK, code, body)
	var h struct {
		Status     string
		Components []struct {
			Name        string
			Healthy     bool
			LastSuccess time.Time `json:"last_success"`
			Failures    int
		}
	}
	require.NoError(t, json.Unmarshal([]byte(body), &h), body)
	assert.Equal(t, "ok", h.Status)
	names := map[string]bool{}
	for _, c := range h.Components {
		names[c.Name] = true
		assert.True(t, c.Healthy, c.Name)
		assert.False(t, c.LastSuccess.IsZero(), "%s reports its last success", c.Name)
	}
	assert.True(t, names["source:sample-week"] && names["dispatcher"], "%v", names)

	// Only GET.
	resp, err := http.Post(srv.url+"/metrics", "text/plain", nil)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
}

func TestFeedHealthAndWaits(t *testing.T) {
	obs, err := newObservability(discard(), new(listen.Watermarks))
	require.NoError(t, err)
	src := listentest.NewFakeSource("fake", hark.Post{ID: "1", Text: "a"})
	src.Finite = true
	src.FailNext(listen.Transient(errors.New("connection reset")))
	f := &feed{name: "fake", src: src, obs: obs.in}
	f.stream(context.Background(), func(context.Context, hark.Post) error { return nil }, discard(),
		listen.WithPollInterval(time.Millisecond), listen.WithBackoff(listen.Backoff{Base: time.Millisecond, Max: time.Millisecond}))

	_, comps := obs.health.Check()
	require.Len(t, comps, 1)
	c := comps[0]
	assert.Equal(t, "source:fake", c.Name)
	assert.False(t, c.LastError.IsZero(), "the failure is remembered")
	assert.False(t, c.LastSuccess.IsZero())
	assert.True(t, c.LastSuccess.After(c.LastError) || c.LastSuccess.Equal(c.LastError))
	assert.Zero(t, c.Failures, "a success ended the run of failures")

	rec := httptest.NewRecorder()
	obs.prom.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body := rec.Body.String()
	assert.EqualValues(t, 1, observetest.Metric(t, body, "hark_source_errors_total", `kind="transient".*source="fake"`), body)
	assert.EqualValues(t, 1, observetest.Metric(t, body, "hark_source_waits_total", `reason="retry".*source="fake"`), body)
	assert.EqualValues(t, 1, observetest.Metric(t, body, "hark_source_posts_total", `source="fake"`), body)
}

// TestFeedClientWaits checks that a live feed's HTTP client reports its
// rate-limit waits to the page's counters and to the metrics.
func TestFeedClientWaits(t *testing.T) {
	obs, err := newObservability(discard(), new(listen.Watermarks))
	require.NoError(t, err)
	n := 0
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n++
		if n == 1 {
			w.Header().Set("X-RateLimit-Reset", "0.05") // seconds to wait
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		_, _ = w.Write([]byte(`{}`))
	}))
	defer api.Close()
	f := &feed{name: "api", obs: obs.in}
	c := f.client(listen.NewQuota(1000, 10))
	_, err = c.Get(context.Background(), api.URL, nil)
	require.NoError(t, err)
	assert.EqualValues(t, 1, f.rateLimits.Load())
	assert.Positive(t, f.waited.Load())

	rec := httptest.NewRecorder()
	obs.prom.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body := rec.Body.String()
	assert.EqualValues(t, 1, observetest.Metric(t, body, "hark_source_waits_total", `reason="paused".*source="api"`), body)
}
