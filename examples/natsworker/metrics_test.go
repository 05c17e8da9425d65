package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/observe/observetest"
	"github.com/harkhq/hark/transport"
	"github.com/harkhq/hark/transport/natstest"
)

var metricsURL = regexp.MustCompile(`msg="serving health and metrics" url=http://(\S+)/healthz`)

// metricsBase waits for a role to log the address it serves /metrics on.
func metricsBase(t *testing.T, errs *syncBuffer) string {
	t.Helper()
	var base string
	require.Eventually(t, func() bool {
		m := metricsURL.FindStringSubmatch(errs.String())
		if m == nil {
			return false
		}
		base = "http://" + m[1]
		return true
	}, 20*time.Second, 10*time.Millisecond, "the role serves its metrics")
	return base
}

func fetch(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

type healthBody struct {
	Status     string
	Components []struct {
		Name        string
		Healthy     bool
		LastSuccess time.Time `json:"last_success"`
		LastError   time.Time `json:"last_error"`
		Error       string
		Failures    int
	}
}

func healthOf(t *testing.T, base string) (int, map[string]int, healthBody) {
	t.Helper()
	code, body := fetch(t, base+"/healthz")
	var h healthBody
	require.NoError(t, json.Unmarshal([]byte(body), &h), body)
	idx := map[string]int{}
	for i, c := range h.Components {
		idx[c.Name] = i
	}
	return code, idx, h
}

func TestIngestAndWorkServeHealthAndMetrics(t *testing.T) {
	const n = 30
	srv := natstest.Start(t, "")
	in := writePosts(t, n)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	// The ingester follows the file, so it is still running when scraped.
	var ierrs syncBuffer
	ingested := make(chan int, 1)
	go func() {
		ingested <- run(ctx, []string{"-role", "ingest", "-nats", srv.URL(), "-in", in, "-source", "forum", "-follow",
			"-worker", "i1", "-metrics-addr", "127.0.0.1:0"}, &bytes.Buffer{}, &ierrs)
	}()
	base := metricsBase(t, &ierrs)
	var body string
	require.Eventually(t, func() bool {
		_, body = fetch(t, base+"/metrics")
		return observetest.Metric(t, body, "hark_source_delivered_total", `source="forum"`) == n
	}, 20*time.Second, 20*time.Millisecond, "the ingester delivers every post: %s", &ierrs)
	assert.EqualValues(t, n, observetest.Metric(t, body, "hark_source_posts_total", `source="forum"`), body)
	assert.Positive(t, observetest.Metric(t, body, "hark_source_fetches_total", `result="ok",source="forum"`), body)
	assert.Positive(t, observetest.Metric(t, body, "hark_source_lag_seconds", `source="forum"`), body)
	code, idx, h := healthOf(t, base)
	assert.Equal(t, http.StatusOK, code)
	for _, name := range []string{"source:forum", "publisher"} {
		require.Contains(t, idx, name)
		c := h.Components[idx[name]]
		assert.True(t, c.Healthy, name)
		assert.False(t, c.LastSuccess.IsZero(), "%s reports its last success", name)
	}

	var werrs syncBuffer
	var out syncBuffer
	worked := make(chan int, 1)
	go func() {
		worked <- run(ctx, []string{"-role", "work", "-nats", srv.URL(), "-policy", policy, "-worker", "w1",
			"-metrics-addr", "127.0.0.1:0"}, &out, &werrs)
	}()
	base = metricsBase(t, &werrs)
	// a decision is counted when made, and written once dispatched
	require.Eventually(t, func() bool {
		_, body = fetch(t, base+"/metrics")
		return observetest.Metric(t, body, "hark_decisions_total", ``) == n && strings.Count(out.String(), "\n") == n
	}, 30*time.Second, 20*time.Millisecond, "the worker decides every post: %s", &werrs)
	assert.EqualValues(t, n, observetest.Metric(t, body, "hark_score_posts_total", ``), body)
	assert.Positive(t, observetest.Metric(t, body, "hark_decisions_total", `priority="P1"`), body)
	assert.Positive(t, observetest.Metric(t, body, "hark_decision_rules_total", ``), body)
	assert.Positive(t, observetest.Metric(t, body, "hark_dispatch_actions_total", `outcome="sent"`), body)
	assert.Positive(t, observetest.Metric(t, body, "hark_notifier_sends_total", `notifier="log".*result="ok"`), body)
	code, idx, h = healthOf(t, base)
	assert.Equal(t, http.StatusOK, code)
	for _, name := range []string{"worker", "dispatcher"} {
		require.Contains(t, idx, name)
		c := h.Components[idx[name]]
		assert.True(t, c.Healthy, name)
		assert.False(t, c.LastSuccess.IsZero(), "%s reports its last success", name)
	}
	cancel()
	assert.Equal(t, 0, <-ingested, ierrs.String())
	assert.Equal(t, 0, <-worked, werrs.String())
	assert.Len(t, decisionIDs(t, out.String()), n)
}

// TestTrackReportsHealth checks what the worker's health says of its
// handler's outcomes.
func TestTrackReportsHealth(t *testing.T) {
	obs, err := newObservability(discard())
	require.NoError(t, err)
	fail := errors.New("store down")
	results := []error{nil, fail, transport.Retry(time.Minute, errors.New("in flight")), fail, fail}
	i := 0
	h := track(obs.health.Register("worker"), func(context.Context, hark.Post) error {
		err := results[i]
		i++
		return err
	})
	base := httptest.NewServer(obs.handler())
	defer base.Close()
	for range 2 {
		_ = h(context.Background(), hark.Post{ID: "1"})
	}
	code, idx, hb := healthOf(t, base.URL)
	assert.Equal(t, http.StatusOK, code)
	c := hb.Components[idx["worker"]]
	assert.False(t, c.LastSuccess.IsZero())
	assert.False(t, c.LastError.IsZero())
	assert.Equal(t, "store down", c.Error)
	assert.Equal(t, 1, c.Failures)

	_ = h(context.Background(), hark.Post{ID: "1"}) // a retry is not a failure
	_, idx, hb = healthOf(t, base.URL)
	assert.Equal(t, 1, hb.Components[idx["worker"]].Failures)

	for range 2 {
		_ = h(context.Background(), hark.Post{ID: "1"})
	}
	code, idx, hb = healthOf(t, base.URL)
	assert.Equal(t, http.StatusServiceUnavailable, code, "three failures in a row")
	assert.Equal(t, "failing", hb.Status)
	assert.False(t, hb.Components[idx["worker"]].Healthy)
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

// TestConsumeErrorsReportOnce checks that an error the handler returned,
// which the worker's error handler is handed again, is not counted twice,
// and that a retry stays a backoff, while an error of the consumer itself
// (an acknowledgement lost) is a failure.
func TestConsumeErrorsReportOnce(t *testing.T) {
	obs, err := newObservability(discard())
	require.NoError(t, err)
	comp := obs.health.Register("worker")
	onErr := consumeErrors(comp, discard())
	results := []error{transport.Permanent(errors.New("no policy")), transport.Retry(time.Minute, errors.New("in flight"))}
	i := 0
	h := track(comp, func(context.Context, hark.Post) error {
		err := results[i]
		i++
		return err
	})
	var errs []error
	for range results {
		err := h(context.Background(), hark.Post{ID: "1"})
		require.Error(t, err)
		errs = append(errs, err)
		onErr(fmt.Errorf("transport/jetstream: forum/1: %w", err)) // as the worker wraps it
	}
	assert.True(t, transport.IsPermanent(errs[0]), "the worker still sees the permanent error")
	d, retry := transport.RetryAfter(errs[1])
	assert.True(t, retry, "and the retry")
	assert.Equal(t, time.Minute, d)
	st := comp.Status()
	assert.Equal(t, 1, st.Failures, "the permanent error counted once, the retry not at all")
	assert.True(t, st.BackingOff)

	onErr(errors.New("transport/jetstream: ack forum/2: nats: timeout"))
	assert.Equal(t, 2, comp.Status().Failures)
}
