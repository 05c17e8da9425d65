package observe_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/observe"
	"github.com/harkhq/hark/respond"
	"github.com/harkhq/hark/respond/surge"
	"github.com/harkhq/hark/score"
)

// fixedScorer answers by the post's language.
type fixedScorer struct{}

func (fixedScorer) Score(p hark.Post) score.Result {
	if p.Lang == "" {
		return score.Result{Language: "und", Label: score.LabelUnknown}
	}
	return score.Result{Language: p.Lang, Label: score.LabelNeutral}
}

func TestScorer(t *testing.T) {
	reader, mp := newReader()
	in, err := observe.New(mp)
	require.NoError(t, err)
	s := in.Scorer(fixedScorer{})
	for _, lang := range []string{"en", "en", "fr", "", ""} {
		r := s.Score(hark.Post{ID: "1", Text: "x", Lang: lang})
		assert.Equal(t, fixedScorer{}.Score(hark.Post{Lang: lang}), r, "results pass through")
	}
	r := collect(t, reader)
	assert.Equal(t, map[string]float64{"language=en": 2, "language=fr": 1, "language=und": 2}, r["hark.score.posts"])
	assert.Equal(t, 2.0, r.total("hark.score.unknown_language"))
	assert.Equal(t, 1.0, r.total("hark.score.duration"), "one post in 8 is timed, the first among them")
}

func TestDecisions(t *testing.T) {
	reader, mp := newReader()
	in, err := observe.New(mp, observe.WithMaxValues(2))
	require.NoError(t, err)
	decide := in.Decider(func(_ context.Context, c respond.Case) (respond.Decision, error) {
		if c.Post.ID == "bad" {
			return respond.Decision{}, errors.New("no")
		}
		team, _ := strings.CutPrefix(c.Post.Text, "team:")
		return respond.Decision{PostID: c.Post.ID, Priority: respond.Priority(c.Post.Lang), Team: team,
			Rules: []string{"r-" + team, "always"}}, nil
	})
	for i, tc := range []struct{ team, prio string }{
		{"billing", "P1"}, {"billing", "P2"}, {"", ""}, {"ops", "P9"}, {"legal", "P3"},
	} {
		_, err := decide(context.Background(), respond.Case{Post: hark.Post{ID: fmt.Sprint(i), Text: "team:" + tc.team, Lang: tc.prio}})
		require.NoError(t, err)
	}
	_, err = decide(context.Background(), respond.Case{Post: hark.Post{ID: "bad"}})
	require.Error(t, err)
	r := collect(t, reader)
	// Teams past the limit of two fold into "other"; an unknown priority too.
	assert.Equal(t, map[string]float64{
		"priority=P1,team=billing": 1, "priority=P2,team=billing": 1, "priority=none,team=none": 1,
		"priority=other,team=other": 1, "priority=P3,team=other": 1,
	}, r["hark.decisions"])
	assert.Equal(t, map[string]float64{"rule=r-billing": 2, "rule=always": 5, "rule=other": 3}, r["hark.decision.rules"])
	assert.Equal(t, 1.0, r.total("hark.decision.errors"))
	assert.Equal(t, 1.0, r.total("hark.decision.duration"), "one decision in 16 is timed, the first among them")
}

func TestSLAAndAlerts(t *testing.T) {
	reader, mp := newReader()
	in, err := observe.New(mp)
	require.NoError(t, err)
	var handled []respond.SLAEventKind
	h := in.SLAHandler(func(_ context.Context, e respond.SLAEvent) error { handled = append(handled, e.Kind); return nil })
	ctx := context.Background()
	require.NoError(t, h(ctx, respond.SLAEvent{Kind: respond.SLAWarn, Priority: respond.P1}))
	require.NoError(t, h(ctx, respond.SLAEvent{Kind: respond.SLABreach, Priority: respond.P1}))
	require.NoError(t, h(ctx, respond.SLAEvent{Kind: respond.SLABreach, Priority: respond.P2}))
	assert.Equal(t, []respond.SLAEventKind{"warn", "breach", "breach"}, handled)
	got := in.Alerts(ctx, []surge.Alert{{Kind: surge.KindVolume}, {Kind: surge.KindVolume, Escalation: true},
		{Kind: surge.KindSilence}, {Kind: surge.KindNegativity}})
	assert.Len(t, got, 4)
	r := collect(t, reader)
	assert.Equal(t, map[string]float64{"kind=warn,priority=P1": 1, "kind=breach,priority=P1": 1, "kind=breach,priority=P2": 1}, r["hark.sla.events"])
	assert.Equal(t, map[string]float64{"escalation=false,kind=volume": 1, "escalation=true,kind=volume": 1,
		"escalation=false,kind=silence": 1, "escalation=false,kind=negativity": 1}, r["hark.surge.alerts"])
}

func TestDispatcherAndNotifier(t *testing.T) {
	reader, mp := newReader()
	health := observe.NewHealth(observe.WithFailureThreshold(1))
	in, err := observe.New(mp, observe.WithHealth(health))
	require.NoError(t, err)
	calls := 0
	flaky := respond.NotifierFunc(func(context.Context, respond.Message) error {
		calls++
		if calls == 1 {
			return errors.New("timeout")
		}
		return nil
	})
	broken := respond.NotifierFunc(func(context.Context, respond.Message) error {
		return respond.Permanent(errors.New("410 gone"))
	})
	limited := respond.NotifierFunc(func(context.Context, respond.Message) error {
		return &respond.RateLimitError{RetryAfter: time.Hour}
	})
	routes := respond.Routes{"route:ops": in.Notifier("slack", flaky), "alert:pager": in.Notifier("pager", broken),
		"alert:later": in.Notifier("email", limited)}
	d := in.Dispatcher("dispatcher", respond.NewDispatcher(routes,
		respond.WithSleep(func(context.Context, time.Duration) error { return nil })))
	ctx := context.Background()
	rep, err := d.Do(ctx, respond.Decision{PostID: "p1", Priority: respond.P2, Team: "ops",
		Actions: []respond.Action{{Kind: respond.ActRoute, Team: "ops", Rule: "r"}}})
	require.NoError(t, err)
	require.Equal(t, 1, rep.Count(respond.OutSent))
	_, comps := health.Check()
	require.Len(t, comps, 1)
	assert.True(t, comps[0].Healthy)

	rep, err = d.Do(ctx, respond.Decision{PostID: "p2", Priority: respond.P1,
		Actions: []respond.Action{{Kind: respond.ActAlert, Channel: "pager", Rule: "r"},
			{Kind: respond.ActAlert, Channel: "later", Rule: "r"}}})
	require.ErrorContains(t, err, "410 gone", "a dead letter is reported")
	require.Equal(t, 1, rep.Count(respond.OutDeadLettered), "%+v", rep)
	ok, comps := health.Check()
	assert.False(t, ok, "a dead letter is a failure")
	assert.Contains(t, comps[0].Error, "410 gone")

	r := collect(t, reader)
	assert.Equal(t, 1.0, r["hark.dispatch.actions"]["kind=route,outcome=sent"])
	assert.Equal(t, 1.0, r["hark.dispatch.actions"]["kind=alert,outcome=dead_lettered"])
	assert.Equal(t, 1.0, r["hark.dispatch.actions"]["kind=alert,outcome=deferred"])
	assert.Equal(t, 1.0, r["hark.dispatch.retries"]["kind=route"])
	assert.Equal(t, 1.0, r["hark.dispatch.dead_letters"]["kind=alert"])
	assert.Equal(t, map[string]float64{"notifier=slack,result=ok": 1, "notifier=slack,result=error": 1,
		"notifier=pager,result=permanent": 1, "notifier=email,result=rate_limited": 1}, r["hark.notifier.sends"])
	assert.Equal(t, 3.0, r.total("hark.notifier.failures"))
	assert.Equal(t, 4.0, r.total("hark.notifier.duration"))
}

func TestDispatchContentionAndReplies(t *testing.T) {
	reader, mp := newReader()
	in, err := observe.New(mp)
	require.NoError(t, err)
	ctx := context.Background()
	in.Dispatch(ctx, respond.Report{PostID: "p", Results: []respond.Result{
		{Action: respond.Action{Kind: respond.ActReply}, Outcome: respond.OutClaimed},
		{Action: respond.Action{Kind: respond.ActReply}, Outcome: respond.OutInFlight},
		{Action: respond.Action{Kind: "weird"}, Outcome: "odd"},
	}})
	in.Reply(ctx, respond.OutSent, 1)
	in.Reply(ctx, "found", 3)
	in.Reply(ctx, respond.OutDeadLettered, 5)
	in.Reply(ctx, "", 0)
	r := collect(t, reader)
	assert.Equal(t, map[string]float64{"outcome=claimed": 1, "outcome=in_flight": 1}, r["hark.dispatch.claim_contention"])
	assert.Equal(t, 1.0, r["hark.dispatch.actions"]["kind=other,outcome=other"])
	assert.Equal(t, map[string]float64{"outcome=sent": 1, "outcome=found": 1, "outcome=dead_lettered": 1, "outcome=failed": 1}, r["hark.reply.posts"])
	assert.Equal(t, 6.0, r.total("hark.reply.retries"))
	assert.Equal(t, 1.0, r["hark.dispatch.dead_letters"]["kind=reply"])
}

func TestNoopProvider(t *testing.T) {
	in, err := observe.New(nil)
	require.NoError(t, err)
	in.Decision(context.Background(), &respond.Decision{Priority: respond.P1, Rules: []string{"x"}})
	assert.Equal(t, "en", in.Scorer(fixedScorer{}).Score(hark.Post{Lang: "en"}).Language)
}

func TestHealthHandler(t *testing.T) {
	now := t0
	h := observe.NewHealth(observe.WithHealthClock(func() time.Time { return now }))
	srv := httptest.NewServer(observe.Mux(h, nil))
	defer srv.Close()
	get := func() (int, string) {
		res, err := http.Get(srv.URL + "/healthz")
		require.NoError(t, err)
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		assert.Equal(t, "application/json", res.Header.Get("Content-Type"))
		return res.StatusCode, string(b)
	}
	code, body := get()
	assert.Equal(t, 200, code)
	assert.JSONEq(t, `{"status":"ok","components":[]}`, body)

	w := h.Register("worker")
	assert.Same(t, w, h.Register("worker"))
	w.Success()
	for range 2 {
		w.Failure(errors.New("nats: no responders"), time.Minute)
	}
	code, _ = get()
	assert.Equal(t, 200, code, "two failures stay under the threshold of three")
	w.Failure(errors.New("nats: no responders"), time.Minute)
	code, body = get()
	assert.Equal(t, 503, code)
	assert.JSONEq(t, `{"status":"failing","components":[{"name":"worker","healthy":false,
		"last_success":"2026-03-02T09:00:00Z","last_error":"2026-03-02T09:00:00Z","error":"nats: no responders",
		"failures":3,"backing_off":true,"retry_at":"2026-03-02T09:01:00Z"}]}`, body)
	now = now.Add(2 * time.Minute)
	w.Success()
	code, body = get()
	assert.Equal(t, 200, code)
	assert.Contains(t, body, `"backing_off":false`)

	res, err := http.Post(srv.URL+"/healthz", "text/plain", nil)
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, res.StatusCode)
}

func TestPrometheusMetrics(t *testing.T) {
	p, err := observe.NewPrometheus()
	require.NoError(t, err)
	defer func() { require.NoError(t, p.Shutdown(context.Background())) }()
	in, err := observe.New(p.Provider)
	require.NoError(t, err)
	in.Decision(context.Background(), &respond.Decision{Priority: respond.P1, Team: "billing", Rules: []string{"outage"}})
	srv := httptest.NewServer(observe.Mux(observe.NewHealth(), p))
	defer srv.Close()
	res, err := http.Get(srv.URL + "/metrics")
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	assert.Equal(t, 200, res.StatusCode)
	assert.Regexp(t, `hark_decisions_total\{[^}]*priority="P1"[^}]*team="billing"[^}]*\} 1`, string(b))
	assert.Regexp(t, `hark_decision_rules_total\{[^}]*rule="outage"[^}]*\} 1`, string(b))
}
