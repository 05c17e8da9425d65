package observe_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkhq/hark/listen"
	"github.com/harkhq/hark/listen/listentest"
	"github.com/harkhq/hark/listen/x"
	"github.com/harkhq/hark/observe"
	"github.com/harkhq/hark/respond"
)

// TestSecretsNeverLogged runs the real X adapter with a bearer token and
// respond's webhooks with secret URLs and a signing key, through failures
// of every kind (a rate limit, a 5xx, a refused webhook, a dead one), with
// every logger of the run (client, stream, dispatcher, instruments,
// health) writing JSON at debug level into one buffer, the caller logging
// every error it is handed as a user would, and then serves /healthz and
// /metrics: none of it holds a secret.
func TestSecretsNeverLogged(t *testing.T) {
	const (
		token   = "XTOKEN-9f8e7d6c5b4a"
		hook    = "HOOKSECRET-1a2b3c"
		signKey = "SIGNKEY-77aa"
		qsecret = "QSECRET-55cc"
	)
	secrets := []string{token, hook, signKey, qsecret}
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))

	fixture, err := os.ReadFile("../examples/listen/demo/x.json")
	require.NoError(t, err)
	searches := 0
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+token {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		searches++
		switch searches {
		case 1:
			w.Header().Set("Retry-After", "2")
			http.Error(w, `{"title":"Too Many Requests"}`, http.StatusTooManyRequests)
		case 2, 3, 4, 5, 6:
			http.Error(w, `{"title":"Service Unavailable"}`, http.StatusServiceUnavailable)
		default:
			_, _ = w.Write(fixture)
		}
	}))
	defer api.Close()
	hooks := 0
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/hooks/"+hook {
			http.NotFound(w, r)
			return
		}
		hooks++
		if hooks == 1 {
			http.Error(w, "busy", http.StatusBadGateway)
			return
		}
		_, _ = io.Copy(io.Discard, r.Body)
	}))
	defer receiver.Close()
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL + "/hooks/" + hook + "?token=" + qsecret
	dead.Close() // connection refused from now on

	clock := listentest.NewClock(time.Date(2026, 2, 17, 0, 0, 0, 0, time.UTC))
	reader, mp := newReader()
	prom, err := observe.NewPrometheus()
	require.NoError(t, err)
	defer func() { require.NoError(t, prom.Shutdown(context.Background())) }()
	health := observe.NewHealth(observe.WithHealthLogger(logger), observe.WithHealthClock(clock.Now))
	in, err := observe.New(mp, observe.WithLogger(logger), observe.WithHealth(health), observe.WithClock(clock.Now))
	require.NoError(t, err)
	pin, err := observe.New(prom.Provider)
	require.NoError(t, err)

	client := clock.Client()
	client.Logger = logger
	client.MaxAttempts = 2
	client.HTTP = &http.Client{Transport: in.Transport("x", nil)}
	src, err := x.New(x.Config{BearerToken: token, Query: "acme", Client: client, Pages: 1, BaseURL: api.URL})
	require.NoError(t, err)

	notifiers := respond.Routes{
		"alert:ok":     in.Notifier("webhook-ok", &respond.Webhook{URL: receiver.URL + "/hooks/" + hook, Secret: []byte(signKey)}),
		"alert:wrong":  in.Notifier("webhook-404", &respond.Webhook{URL: receiver.URL + "/hooks/" + hook + "x", Secret: []byte(signKey)}),
		"alert:refuse": pin.Notifier("webhook-dead", &respond.Webhook{URL: deadURL, Secret: []byte(signKey)}),
	}
	disp := in.Dispatcher("dispatcher", respond.NewDispatcher(notifiers, respond.WithLogger(logger),
		respond.WithSleep(clock.Sleep), respond.WithDispatchClock(respond.ClockFunc(clock.Now)),
		respond.WithRetry(respond.Retry{Attempts: 2})))

	ctx := context.Background()
	delivered := 0
	for posts, err := range listen.Stream(ctx, in.Source(src), listen.WithLogger(logger),
		listen.WithClock(clock.Now, clock.Sleep)) {
		if err != nil {
			logger.Warn("source failed", "err", err, "detail", fmt.Sprintf("%+v", err))
			continue
		}
		for _, p := range posts {
			delivered++
			rep, err := disp.Do(ctx, respond.Decision{PostID: p.ID, Priority: respond.P1, Actions: []respond.Action{
				{Kind: respond.ActAlert, Channel: "ok", Rule: "r"}, {Kind: respond.ActAlert, Channel: "wrong", Rule: "r"},
				{Kind: respond.ActAlert, Channel: "refuse", Rule: "r"}}})
			if err != nil {
				logger.Warn("dispatch failed", "err", err)
			}
			for _, r := range rep.Results {
				logger.Info("action", "outcome", r.Outcome, "err", r.Err, "detail", fmt.Sprintf("%#v", r.Err))
			}
		}
		break
	}
	require.Positive(t, delivered, "the stream got through its failures")
	require.GreaterOrEqual(t, searches, 7)
	require.GreaterOrEqual(t, hooks, 2)

	var out strings.Builder
	out.Write(logs.Bytes())
	for _, h := range []http.Handler{observe.Mux(health, prom)} {
		for _, path := range []string{"/healthz", "/metrics"} {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
			out.WriteString(rec.Body.String())
		}
	}
	r := collect(t, reader)
	out.WriteString(fmt.Sprint(r))
	text := out.String()
	// The run did log the failures, so the test can fail.
	require.Contains(t, text, "listen: fetch failed")
	require.Contains(t, text, "dead_lettered")
	require.Contains(t, text, "HTTP 503")
	for _, s := range secrets {
		assert.NotContains(t, text, s)
	}
	assert.Equal(t, 1.0, r["hark.http.rate_limited"]["source=x"], "%v", r["hark.http.rate_limited"])
}
