package respond_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/influence"
	"github.com/harkhq/hark/respond"
	"github.com/harkhq/hark/score"
)

var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// mkCase builds a case with the fields the tests vary.
func mkCase(id, text string, urgency int, intent score.Intent, lang string) respond.Case {
	return respond.Case{
		Post:   hark.Post{ID: id, Text: text, Created: t0.Add(-5 * time.Minute), Author: hark.Author{Handle: "@maya", Name: "Maya"}},
		Scores: score.Result{Urgency: urgency, Intent: intent, Language: lang, Confidence: 0.9, Label: score.LabelNegative},
		Now:    t0,
	}
}

func kinds(d respond.Decision) []respond.ActionKind {
	var out []respond.ActionKind
	for _, a := range d.Actions {
		out = append(out, a.Kind)
	}
	return out
}

const basePolicy = `
name: test
sla: {P1: 30m, P2: 2h, P3: 8h}
teams:
  care: [billing, general]
  comms: []
channels: [pager, leads]
templates:
  ack:
    en: "Hi {{.Name}}, sorry about that."
    question/en: "Hi {{.Name}}, good question."
    fr: "Bonjour {{.Name}}."
`

func mustParse(t *testing.T, src string, opts ...respond.PolicyOption) *respond.Policy {
	t.Helper()
	p, err := respond.ParsePolicy("test.yaml", []byte(src), opts...)
	require.NoError(t, err)
	return p
}

func TestDecideFirstMatch(t *testing.T) {
	p := mustParse(t, basePolicy+`
rules:
  - name: default
    when: "true"
    route: care/general
    continue: true
  - name: billing
    when: post.text_lower.containsAnyWord(["refund*", "charged"])
    route: care/billing
    continue: true
  - name: spam
    when: scores.intent == "spam"
    suppress: spam
  - name: critical
    when: scores.urgency >= 3
    priority: P1
    alert: [pager, leads]
    reply: ack
    hold: true
  - name: urgent
    when: scores.urgency == 2
    priority: P2
    reply: ack
  - name: rest
    when: "true"
    priority: P3
`)
	ctx := context.Background()
	tests := []struct {
		name      string
		c         respond.Case
		priority  respond.Priority
		team      string
		queue     string
		rules     []string
		kinds     []respond.ActionKind
		reply     string
		respondBy time.Time
	}{
		{
			name: "critical billing", c: mkCase("1", "I was charged twice and the app is down", 3, score.IntentComplaint, "en"),
			priority: respond.P1, team: "care", queue: "billing",
			rules:     []string{"default", "billing", "critical"},
			kinds:     []respond.ActionKind{respond.ActRoute, respond.ActAlert, respond.ActAlert, respond.ActHold, respond.ActReply},
			reply:     "Hi Maya, sorry about that.",
			respondBy: t0.Add(-5 * time.Minute).Add(30 * time.Minute),
		},
		{
			name: "urgent question uses the intent's text", c: mkCase("2", "how do I get my money back", 2, score.IntentQuestion, "en"),
			priority: respond.P2, team: "care", queue: "general",
			rules: []string{"default", "urgent"},
			kinds: []respond.ActionKind{respond.ActRoute, respond.ActReply},
			reply: "Hi Maya, good question.", respondBy: t0.Add(-5 * time.Minute).Add(2 * time.Hour),
		},
		{
			name: "spam is suppressed before anything replies", c: mkCase("3", "refund scam click here", 3, score.IntentSpam, "en"),
			team: "care", queue: "billing",
			rules: []string{"default", "billing", "spam"},
			kinds: []respond.ActionKind{respond.ActRoute, respond.ActSuppress},
		},
		{
			name: "a language without text is held, not answered", c: mkCase("4", "kaputt", 2, score.IntentComplaint, "de"),
			priority: respond.P2, team: "care", queue: "general",
			rules:     []string{"default", "urgent"},
			kinds:     []respond.ActionKind{respond.ActRoute, respond.ActHold},
			respondBy: t0.Add(-5 * time.Minute).Add(2 * time.Hour),
		},
		{
			name: "catch-all", c: mkCase("5", "nice weather", 0, score.IntentOther, "en"),
			priority: respond.P3, team: "care", queue: "general",
			rules:     []string{"default", "rest"},
			kinds:     []respond.ActionKind{respond.ActRoute},
			respondBy: t0.Add(-5 * time.Minute).Add(8 * time.Hour),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := p.Decide(ctx, tt.c)
			require.NoError(t, err)
			assert.Equal(t, tt.c.Post.ID, d.PostID)
			assert.Equal(t, tt.priority, d.Priority)
			assert.Equal(t, tt.team, d.Team)
			assert.Equal(t, tt.queue, d.Queue)
			assert.Equal(t, tt.rules, d.Rules)
			assert.Equal(t, tt.kinds, kinds(d))
			assert.Equal(t, tt.reply, d.Reply)
			assert.True(t, tt.respondBy.Equal(d.RespondBy), "respond_by %v, want %v", d.RespondBy, tt.respondBy)
			// The trace gives the rules that matched, with their conditions.
			var matched []string
			for _, tr := range d.Trace {
				assert.True(t, tr.Matched)
				assert.NotEmpty(t, tr.Why)
				matched = append(matched, tr.Rule)
			}
			assert.Equal(t, tt.rules, matched)
			// Explain's covers every rule tried, up to the deciding one.
			e, err := p.Explain(ctx, tt.c)
			require.NoError(t, err)
			assert.Equal(t, tt.rules[len(tt.rules)-1], e.Trace[len(e.Trace)-1].Rule, "evaluation stops at the deciding rule")
			assert.GreaterOrEqual(t, len(e.Trace), len(d.Trace))
			e.Trace = d.Trace
			assert.Equal(t, d, e, "Explain decides as Decide does")
		})
	}
}

func TestDecideAllMatch(t *testing.T) {
	p := mustParse(t, basePolicy+`
match: all
rules:
  - name: negative
    when: scores.label == "negative"
    priority: P3
    tag: negative
    route: care
  - name: critical
    when: scores.urgency >= 3
    priority: P1
    alert: pager
    tag: [critical, negative]
    route: comms
    respond_within: 10m
  - name: leads
    when: scores.urgency >= 2
    alert: [leads, pager]
    stop: true
  - name: never-reached
    when: "true"
    tag: after-stop
`)
	d, err := p.Decide(context.Background(), mkCase("1", "fire", 3, score.IntentCrisis, "en"))
	require.NoError(t, err)
	assert.Equal(t, []string{"negative", "critical", "leads"}, d.Rules)
	assert.Equal(t, respond.P1, d.Priority, "the most urgent priority wins")
	assert.Equal(t, "comms", d.Team, "the last route wins")
	var tags, channels []string
	routes := 0
	for _, a := range d.Actions {
		switch a.Kind {
		case respond.ActTag:
			tags = append(tags, a.Tag)
		case respond.ActAlert:
			channels = append(channels, a.Channel)
		case respond.ActRoute:
			routes++
		}
	}
	assert.Equal(t, []string{"negative", "critical"}, tags, "tags merged without repeats")
	assert.Equal(t, []string{"pager", "leads"}, channels, "alerts merged without repeats")
	assert.Equal(t, 1, routes, "one route action")
	assert.True(t, d.RespondBy.Equal(t0.Add(5*time.Minute)), "respond_within is tighter than the P1 SLA: %v", d.RespondBy)
}

func TestSuppressDropsEarlierReplyAndHold(t *testing.T) {
	p := mustParse(t, basePolicy+`
match: all
rules:
  - name: answer
    when: "true"
    reply: ack
    hold: true
    tag: seen
  - name: opted-out
    when: thread.opted_out
    suppress: author asked not to be contacted
`)
	c := mkCase("1", "hello", 1, score.IntentQuestion, "en")
	c.Thread.OptedOut = true
	d, err := p.Decide(context.Background(), c)
	require.NoError(t, err)
	assert.Empty(t, d.Reply)
	assert.Equal(t, []respond.ActionKind{respond.ActTag, respond.ActSuppress}, kinds(d))
}

func TestReplyEscapesUntrustedText(t *testing.T) {
	p := mustParse(t, `
name: t
templates:
  echo:
    default: "Hi {{.Name}} ({{.Handle}}), you said: {{.Quote}} about {{.Product}}"
rules:
  - name: r
    when: "true"
    reply: echo
`)
	c := respond.Case{
		Post: hark.Post{ID: "1",
			Text:   "@everyone visit evil.example.com/x or https://phish.io now #boycott <script>\u202e",
			Author: hark.Author{Handle: "@mallory@evil.social", Name: "Mal @support\nnew line"}},
		Scores: score.Result{Language: "en", About: []score.Entity{{Kind: "product", Name: "X2 <b>"}}},
		Now:    t0,
	}
	d, err := p.Decide(context.Background(), c)
	require.NoError(t, err)
	assert.Equal(t, "Hi Mal support new line (mallory), you said: everyone visit [link] or [link] now boycott ‹script› about X2 ‹b›", d.Reply)
	for _, bad := range []string{"@", "http", "evil", "#", "<", "\u202e", "\n"} {
		assert.NotContains(t, d.Reply, bad)
	}
}

func TestRuleErrorHoldsTheDecision(t *testing.T) {
	p := mustParse(t, basePolicy+`
rules:
  - name: ratio
    when: post.likes / post.replies > 2
    priority: P2
  - name: answer
    when: "true"
    reply: ack
`)
	d, err := p.Decide(context.Background(), mkCase("1", "x", 1, score.IntentQuestion, "en"))
	require.Error(t, err)
	var re *respond.RuleError
	require.True(t, errors.As(err, &re))
	assert.Equal(t, "ratio", re.Rule)
	assert.False(t, d.Trace[0].Matched)
	assert.Contains(t, d.Trace[0].Why, "error")
	assert.Equal(t, []string{"answer"}, d.Rules)
	assert.Contains(t, kinds(d), respond.ActHold, "a failed rule holds the decision for a person")
}

func TestCostLimit(t *testing.T) {
	src := basePolicy + `
rules:
  - name: heavy
    when: post.tags.exists(a, post.tags.exists(b, a + b == "nope"))
    priority: P1
  - name: rest
    when: "true"
    priority: P3
`
	p := mustParse(t, src, respond.WithCostLimit(2000))
	var metered bool
	for _, f := range p.Lint() {
		metered = metered || f.Code == "metered" && f.Rule == "heavy"
	}
	assert.True(t, metered, "the nested loop has no static bound within the limit")

	c := mkCase("1", "x", 1, score.IntentQuestion, "en")
	for i := range 200 {
		c.Post.Tags = append(c.Post.Tags, strings.Repeat("t", i%7+1))
	}
	d, err := p.Decide(context.Background(), c)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "cost")
	assert.Equal(t, respond.P3, d.Priority)

	c.Post.Tags = c.Post.Tags[:3] // cheap enough
	d, err = p.Decide(context.Background(), c)
	require.NoError(t, err)
	assert.Equal(t, respond.P3, d.Priority)
}

func TestDeterministicAndConcurrent(t *testing.T) {
	p, err := respond.LoadPolicy("../examples/replay/policy.yaml")
	require.NoError(t, err)
	cases := []respond.Case{
		mkCase("1", "my card was charged twice, refund now", 2, score.IntentComplaint, "en"),
		mkCase("2", "is the x2 better than the pro?", 1, score.IntentPurchase, "en"),
		mkCase("3", "smoke coming out of the charger", 3, score.IntentCrisis, "en"),
		mkCase("4", "love it", 0, score.IntentPraise, "en"),
	}
	cases[3].Scores.Sentiment = 0.8
	cases[3].Author = influence.AuthorScore{Standing: influence.StandingAdvocate}
	want := make([]respond.Decision, len(cases))
	for i, c := range cases {
		want[i], err = p.Decide(context.Background(), c)
		require.NoError(t, err)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 50 {
				for i, c := range cases {
					d, err := p.Decide(context.Background(), c)
					assert.NoError(t, err)
					assert.Equal(t, want[i], d)
				}
			}
		})
	}
	wg.Wait()
}

func TestExplainGivesValues(t *testing.T) {
	p := mustParse(t, basePolicy+`
rules:
  - name: r
    when: scores.urgency >= 2 && scores.intent in ["complaint", "crisis"]
    priority: P2
`)
	d, err := p.Explain(context.Background(), mkCase("1", "x", 3, score.IntentComplaint, "en"))
	require.NoError(t, err)
	assert.Equal(t, `scores.urgency >= 2 && scores.intent in ["complaint", "crisis"] [scores.urgency=3, scores.intent="complaint"]`, d.Trace[0].Why)
}

func TestDecideCancelled(t *testing.T) {
	p := mustParse(t, basePolicy+"rules: [{name: r, when: \"true\", priority: P3}]\n")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := p.Decide(ctx, mkCase("1", "x", 0, score.IntentOther, "en"))
	assert.ErrorIs(t, err, context.Canceled)
}

func TestWithDeadliner(t *testing.T) {
	// A deadliner of business hours replaces the fixed SLA.
	type nextMorning struct{}
	p := mustParse(t, basePolicy+"rules: [{name: r, when: \"true\", priority: P2}]\n",
		respond.WithDeadliner(deadlinerFunc(func(start time.Time, pr respond.Priority) time.Time {
			return time.Date(start.Year(), start.Month(), start.Day()+1, 9, 0, 0, 0, time.UTC)
		})))
	d, err := p.Decide(context.Background(), mkCase("1", "x", 0, score.IntentOther, "en"))
	require.NoError(t, err)
	assert.Equal(t, time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC), d.RespondBy)
	_ = nextMorning{}
}

type deadlinerFunc func(time.Time, respond.Priority) time.Time

func (f deadlinerFunc) Due(start time.Time, p respond.Priority) time.Time { return f(start, p) }

func TestGoSpecEqualsYAML(t *testing.T) {
	spec := respond.Spec{
		Name:      "test",
		SLA:       map[respond.Priority]time.Duration{respond.P1: 30 * time.Minute, respond.P2: 2 * time.Hour, respond.P3: 8 * time.Hour},
		Teams:     []respond.TeamSpec{{Name: "care", Queues: []string{"billing", "general"}}, {Name: "comms"}},
		Channels:  []string{"pager", "leads"},
		Templates: []respond.TemplateSpec{{Name: "ack", Text: map[string]string{"en": "Hi {{.Name}}, sorry about that.", "question/en": "Hi {{.Name}}, good question.", "fr": "Bonjour {{.Name}}."}}},
		Rules: []respond.RuleSpec{
			{Name: "critical", When: "scores.urgency >= 3", Priority: respond.P1, Route: "comms", Alert: []string{"pager"}, Reply: "ack", Hold: true},
			{Name: "question", When: `scores.intent == "question"`, Priority: respond.P3, Route: "care/general", Reply: "ack"},
		},
	}
	fromGo, err := respond.NewPolicy(spec)
	require.NoError(t, err)
	fromYAML := mustParse(t, basePolicy+`
rules:
  - name: critical
    when: scores.urgency >= 3
    priority: P1
    route: comms
    alert: pager
    reply: ack
    hold: true
  - name: question
    when: scores.intent == "question"
    priority: P3
    route: care/general
    reply: ack
`)
	for _, c := range []respond.Case{
		mkCase("1", "fire", 3, score.IntentCrisis, "en"),
		mkCase("2", "how?", 1, score.IntentQuestion, "en"),
		mkCase("3", "comment?", 1, score.IntentQuestion, "fr"),
		mkCase("4", "meh", 0, score.IntentOther, "en"),
	} {
		a, err := fromGo.Decide(context.Background(), c)
		require.NoError(t, err)
		b, err := fromYAML.Decide(context.Background(), c)
		require.NoError(t, err)
		assert.Equal(t, a, b, c.Post.ID)
	}
	assert.Equal(t, fromGo.Rules(), fromYAML.Rules())
}

func TestSuppressWithContinue(t *testing.T) {
	for _, match := range []string{"first", "all"} {
		p := mustParse(t, basePolicy+"match: "+match+`
rules:
  - name: do-not-contact
    when: thread.opted_out
    suppress: asked not to be contacted
    continue: true
  - name: critical
    when: scores.urgency >= 3
    priority: P1
    alert: pager
    reply: ack
    hold: true
`)
		c := mkCase("1", "fire", 3, score.IntentCrisis, "en")
		c.Thread.OptedOut = true
		d, err := p.Decide(context.Background(), c)
		require.NoError(t, err)
		assert.Equal(t, []string{"do-not-contact", "critical"}, d.Rules, match)
		assert.Equal(t, respond.P1, d.Priority, match)
		assert.Empty(t, d.Reply, match)
		assert.Equal(t, []respond.ActionKind{respond.ActSuppress, respond.ActAlert}, kinds(d), match)
	}
}
