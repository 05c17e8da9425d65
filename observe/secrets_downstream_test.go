package observe_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/smtp"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkhq/hark/listen"
	"github.com/harkhq/hark/listen/listentest"
	"github.com/harkhq/hark/listen/webhook"
	"github.com/harkhq/hark/observe"
	"github.com/harkhq/hark/reply"
	"github.com/harkhq/hark/respond"
)

// refusingSMTP is an SMTP server on loopback that offers AUTH PLAIN and
// refuses every credential, as a server with a changed password would.
type refusingSMTP struct {
	ln    net.Listener
	wg    sync.WaitGroup
	auths int
	mu    sync.Mutex
}

func newRefusingSMTP(t *testing.T) *refusingSMTP {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s := &refusingSMTP{ln: ln}
	s.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.wg.Go(func() { s.serve(c) })
		}
	})
	t.Cleanup(func() { ln.Close(); s.wg.Wait() })
	return s
}

func (s *refusingSMTP) serve(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	fmt.Fprint(c, "220 localhost ESMTP\r\n")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		switch cmd := strings.ToUpper(strings.Fields(line + " x")[0]); cmd {
		case "EHLO", "HELO":
			fmt.Fprint(c, "250-localhost\r\n250 AUTH PLAIN\r\n")
		case "AUTH":
			s.mu.Lock()
			s.auths++
			s.mu.Unlock()
			fmt.Fprint(c, "535 5.7.8 Authentication credentials invalid\r\n")
		case "QUIT":
			fmt.Fprint(c, "221 bye\r\n")
			return
		default:
			fmt.Fprint(c, "503 bad sequence\r\n")
		}
	}
}

// TestSecretsNeverLoggedDownstream runs, with every logger at debug level
// into one buffer, the components that hold the other secrets of a
// deployment: a signed Meta webhook inbox (app secret, verify token) read
// by a stream, a dispatcher whose Slack webhook URL, SMTP password and
// signing (HMAC) key are refused by their receivers, the SLA tracker
// alerting through that Slack webhook, and the reply queue and poster
// answering through the Graph API with a page token that is refused; the
// caller logs every error it is handed, and /healthz and /metrics are
// read. None of it holds a secret.
func TestSecretsNeverLoggedDownstream(t *testing.T) {
	const (
		appSecret   = "APPSECRET-0c9d8e"
		verifyToken = "VERIFYTOKEN-4f4f"
		slackPath   = "T0SECRET/B0SECRET/SLACKSECRET-77"
		smtpPass    = "SMTPPASS-31d2"
		hmacKey     = "HMACKEY-aa19"
		pageToken   = "PAGETOKEN-e5e5"
	)
	secrets := []string{appSecret, verifyToken, "SLACKSECRET-77", "T0SECRET", smtpPass, hmacKey, pageToken}
	var logs bytes.Buffer
	var logMu sync.Mutex
	logger := slog.New(slog.NewJSONHandler(lockedWriter{&logs, &logMu}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx := context.Background()
	clock := listentest.NewClock(time.Date(2026, 2, 17, 9, 0, 0, 0, time.UTC))

	prom, err := observe.NewPrometheus()
	require.NoError(t, err)
	defer func() { require.NoError(t, prom.Shutdown(ctx)) }()
	health := observe.NewHealth(observe.WithHealthLogger(logger), observe.WithHealthClock(clock.Now))
	in, err := observe.New(prom.Provider, observe.WithLogger(logger), observe.WithHealth(health), observe.WithClock(clock.Now))
	require.NoError(t, err)

	// A Meta webhook inbox: a challenge with the right token and with a
	// wrong one, a delivery with a bad signature and a signed one.
	inbox, err := webhook.New(webhook.Config{Secret: []byte(appSecret), VerifyToken: verifyToken, Logger: logger, Wait: -1})
	require.NoError(t, err)
	hooks := httptest.NewServer(inbox)
	defer hooks.Close()
	for _, tok := range []string{verifyToken, "wrong"} {
		q := url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {tok}, "hub.challenge": {"c123"}}
		res, err := http.Get(hooks.URL + "/?" + q.Encode())
		require.NoError(t, err)
		res.Body.Close()
	}
	feed, err := os.ReadFile("../listen/webhook/testdata/page_feed.json")
	require.NoError(t, err)
	mac := hmac.New(sha256.New, []byte(appSecret))
	mac.Write(feed)
	for _, sig := range []string{"sha256=00", "sha256=" + hex.EncodeToString(mac.Sum(nil))} {
		req, err := http.NewRequest(http.MethodPost, hooks.URL, bytes.NewReader(feed))
		require.NoError(t, err)
		req.Header.Set("X-Hub-Signature-256", sig)
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		res.Body.Close()
	}
	require.EqualValues(t, 1, inbox.Stats().Accepted)
	require.EqualValues(t, 1, inbox.Stats().BadSig)

	// Receivers that refuse: Slack answers 500 then 404, the signed
	// webhook 401 (echoing what it was sent), the SMTP server 535.
	slackCalls := 0
	receivers := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		switch {
		case strings.HasPrefix(r.URL.Path, "/services/"):
			slackCalls++
			if slackCalls%2 == 1 {
				http.Error(w, "internal_error", http.StatusInternalServerError)
				return
			}
			http.Error(w, "no_service", http.StatusNotFound)
		default:
			http.Error(w, "bad signature "+r.Header.Get("X-Hark-Signature")+" for "+string(body[:min(len(body), 40)]),
				http.StatusUnauthorized)
		}
	}))
	defer receivers.Close()
	smtpSrv := newRefusingSMTP(t)
	slack := &respond.Slack{URL: receivers.URL + "/services/" + slackPath, Clock: respond.ClockFunc(clock.Now)}
	email := &respond.Email{Addr: smtpSrv.ln.Addr().String(), From: "hark@example.com", To: []string{"oncall@example.com"},
		Auth: smtp.PlainAuth("", "hark", smtpPass, "127.0.0.1")}
	signed := &respond.Webhook{URL: receivers.URL + "/hooks/ops", Secret: []byte(hmacKey), Clock: respond.ClockFunc(clock.Now)}
	routes := respond.Routes{
		"alert:slack":   in.Notifier("slack", slack),
		"alert:email":   in.Notifier("email", email),
		"alert:webhook": in.Notifier("webhook", signed),
	}
	tracker := respond.NewTracker(respond.BusinessSLA{Targets: map[respond.Priority]respond.Target{
		respond.P1: {Within: time.Hour, AllHours: true}}}, nil, respond.ClockFunc(clock.Now), respond.WithTrackerLogger(logger))
	disp := in.Dispatcher("dispatcher", respond.NewDispatcher(routes, respond.WithLogger(logger),
		respond.WithSleep(clock.Sleep), respond.WithDispatchClock(respond.ClockFunc(clock.Now)),
		respond.WithRetry(respond.Retry{Attempts: 2}), respond.WithTracker(tracker)))

	// The Graph API refuses the page token.
	graph := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"error":{"message":"Invalid OAuth access token - Cannot parse access token","type":"OAuthException","code":190}}`)
	}))
	defer graph.Close()
	gclient := clock.Client()
	gclient.Logger = logger
	gclient.MaxAttempts = 1
	replier, err := webhook.NewReplier(webhook.ReplyConfig{AccessToken: pageToken, AccountID: "104512345678901",
		GraphURL: graph.URL, Client: gclient})
	require.NoError(t, err)
	queue := reply.NewQueue(reply.WithQueueLogger(logger), reply.WithQueueClock(respond.ClockFunc(clock.Now)))
	poster := reply.NewPoster(replier, reply.WithLogger(logger), reply.WithSleep(clock.Sleep),
		reply.WithClock(respond.ClockFunc(clock.Now)), reply.WithRetry(respond.Retry{Attempts: 2}))

	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	handled := 0
	for posts, err := range listen.Stream(sctx, in.Source(inbox), listen.WithLogger(logger),
		listen.WithClock(clock.Now, clock.Sleep), listen.WithOnWait(in.Waits(""))) {
		if err != nil {
			logger.Warn("source failed", "err", err)
			continue
		}
		for _, p := range posts {
			handled++
			d := respond.Decision{PostID: p.ID, Case: respond.Case{Post: p}, Priority: respond.P1, Reply: "Sorry, we are on it.",
				Actions: []respond.Action{{Kind: respond.ActAlert, Channel: "slack", Rule: "r"},
					{Kind: respond.ActAlert, Channel: "email", Rule: "r"}, {Kind: respond.ActAlert, Channel: "webhook", Rule: "r"}}}
			rep, err := disp.Do(ctx, d)
			if err != nil {
				logger.Warn("dispatch failed", "err", err)
			}
			for _, r := range rep.Results {
				logger.Info("action", "outcome", r.Outcome, "err", r.Err, "detail", fmt.Sprintf("%#v", r.Err))
			}
			dr := reply.Draft{Key: "k-" + p.ID, Post: p, Text: "Sorry, we are on it."}
			if _, err := queue.Hold(ctx, dr, 1, "test"); err != nil {
				logger.Warn("hold failed", "err", err)
			}
			if _, err := queue.Approve(ctx, dr.Key, "ops@example.com"); err != nil {
				logger.Warn("approve failed", "err", err)
			}
		}
		cancel()
	}
	require.Positive(t, handled)
	results, err := queue.PostApproved(ctx, poster)
	if err != nil {
		logger.Warn("post approved failed", "err", err, "detail", fmt.Sprintf("%+v", err))
	}
	for _, r := range results {
		logger.Info("reply", "outcome", r.Outcome, "err", r.Err)
	}
	// The SLA runs out; the tracker alerts through the refusing Slack.
	_ = clock.Sleep(ctx, 2*time.Hour)
	if err := tracker.Check(ctx, in.SLAHandler(respond.SLANotifier(slack))); err != nil {
		logger.Warn("sla check failed", "err", err)
	}

	var out strings.Builder
	logMu.Lock()
	out.Write(logs.Bytes())
	logMu.Unlock()
	for _, path := range []string{"/healthz", "/metrics"} {
		rec := httptest.NewRecorder()
		observe.Mux(health, prom).ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		out.WriteString(rec.Body.String())
	}
	text := out.String()
	// The run went through the failures, so the test can fail.
	require.Positive(t, smtpSrv.auths, "the password was offered")
	require.GreaterOrEqual(t, slackCalls, 2)
	for _, want := range []string{"webhook: request refused", "webhook: subscription verified", "535", "no_service",
		"bad signature", "OAuthException", "respond: SLA event", "respond: SLA check failed", "reply: queue", "hark_notifier_failures_total"} {
		require.Contains(t, text, want)
	}
	for _, s := range secrets {
		assert.NotContains(t, text, s)
	}
}

// lockedWriter serialises writes to w.
type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
