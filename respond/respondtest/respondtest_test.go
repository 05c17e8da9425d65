package respondtest_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/respond"
	"github.com/harkhq/hark/respond/respondtest"
	"github.com/harkhq/hark/score"
)

const policy = `
name: t
sla: {P1: 30m, P3: 8h}
teams: {care: [billing], comms: []}
channels: [pager]
templates:
  sorry: {en: "Sorry {{.Name}}."}
rules:
  - name: spam
    when: scores.intent == "spam"
    suppress: spam
  - name: critical
    when: scores.urgency >= 3
    priority: P1
    route: comms
    alert: pager
    tag: critical
    reply: sorry
    hold: true
  - name: complaint
    when: scores.intent == "complaint"
    priority: P3
    route: care/billing
    reply: sorry
  - name: never
    when: post.likes > 1000000
    priority: P1
`

// fakeScorer judges a post by words in it.
type fakeScorer struct{}

func (fakeScorer) Score(p hark.Post) score.Result {
	r := score.Result{Language: "en", Intent: score.IntentOther}
	switch {
	case strings.Contains(p.Text, "FREE"):
		r.Intent = score.IntentSpam
	case strings.Contains(p.Text, "fire"):
		r.Urgency, r.Intent = 3, score.IntentCrisis
	case strings.Contains(p.Text, "broken"):
		r.Urgency, r.Intent = 1, score.IntentComplaint
	}
	return r
}

func mustPolicy(t *testing.T) *respond.Policy {
	p, err := respond.ParsePolicy("t.yaml", []byte(policy))
	require.NoError(t, err)
	return p
}

// recorder captures what a check reports.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Helper()                   {}
func (r *recorder) Errorf(f string, a ...any) { r.errs = append(r.errs, fmt.Sprintf(f, a...)) }
func (r *recorder) Fatalf(f string, a ...any) { r.errs = append(r.errs, fmt.Sprintf(f, a...)) }

func TestRunAndCoverage(t *testing.T) {
	pt := respondtest.New(mustPolicy(t), respondtest.WithScorer(fakeScorer{}))
	pt.Run(t, []respondtest.Case{
		{Name: "fire", Post: hark.Post{ID: "1", Text: "my charger caught fire", Author: hark.Author{Name: "Ron"}},
			Want: respondtest.Want{Priority: respond.P1, Team: "comms", Rules: []string{"critical"},
				Actions: []respond.ActionKind{respond.ActAlert}, Tags: []string{"critical"}, Alerts: []string{"pager"},
				Reply: "Sorry Ron", Held: true, Within: 30 * time.Minute}},
		{Name: "spam", Post: hark.Post{ID: "2", Text: "FREE stuff"},
			Want: respondtest.Want{Suppressed: true, NoReply: true, NoPriority: true, NotFired: []string{"critical"}}},
		{Name: "as a case", Case: respond.Case{Post: hark.Post{ID: "3", Text: "x"},
			Scores: score.Result{Intent: score.IntentComplaint, Language: "en"}},
			Want: respondtest.Want{Priority: respond.P3, Team: "care", Queue: "billing", Fired: []string{"complaint"},
				NoActions: []respond.ActionKind{respond.ActHold}}},
	})
	cov := pt.Coverage()
	assert.Equal(t, 3, cov.Cases)
	assert.Equal(t, []string{"never"}, cov.Unexercised())
	assert.Contains(t, cov.String(), "rule coverage: 3 of 4 rules fired over 3 cases")

	rec := &recorder{TB: t}
	pt.RequireCoverage(rec)
	require.Len(t, rec.errs, 1)
	assert.Contains(t, rec.errs[0], `no test exercises rules ["never"]`)
	rec.errs = nil
	pt.RequireCoverage(rec, "never")
	assert.Empty(t, rec.errs)
}

func TestCheckReportsEveryMismatch(t *testing.T) {
	pt := respondtest.New(mustPolicy(t), respondtest.WithScorer(fakeScorer{}))
	d := pt.DecidePost(t, hark.Post{ID: "1", Text: "it is broken"})
	rec := &recorder{TB: t}
	respondtest.Check(rec, d, respondtest.Want{
		Priority: respond.P1, Team: "comms", Rules: []string{"critical"}, Tags: []string{"x"},
		Reply: "thanks", Held: true, Suppressed: true, Within: time.Hour, NoReply: true,
	})
	require.Len(t, rec.errs, 1)
	msg := rec.errs[0]
	for _, want := range []string{`priority "P3", want "P1"`, `team "care", want "comms"`, `rules fired ["complaint"], want ["critical"]`,
		`no tag "x"`, `does not contain "thanks"`, "not held", "not suppressed", "respond within 8h0m0s, want 1h0m0s",
		"a reply was drafted", "trace: +complaint"} {
		assert.Contains(t, msg, want)
	}
	// A decision that meets the expectations reports nothing.
	rec.errs = nil
	respondtest.Check(rec, d, respondtest.Want{Priority: respond.P3, Fired: []string{"complaint"}, Within: 8 * time.Hour})
	assert.Empty(t, rec.errs)
}

func TestGolden(t *testing.T) {
	pt := respondtest.New(mustPolicy(t), respondtest.WithScorer(fakeScorer{}))
	var ds []respond.Decision
	for i, text := range []string{"fire!", "FREE", "broken", "hello"} {
		ds = append(ds, pt.DecidePost(t, hark.Post{ID: fmt.Sprint(i + 1), Text: text}))
	}
	path := filepath.Join(t.TempDir(), "testdata", "decisions.golden")

	rec := &recorder{TB: t}
	respondtest.Golden(rec, path, ds, respondtest.Update(false))
	require.Len(t, rec.errs, 1, "no golden file yet")
	assert.Contains(t, rec.errs[0], "-update")

	respondtest.Golden(t, path, ds, respondtest.Update(true))
	respondtest.Golden(t, path, ds, respondtest.Update(false)) // equal now

	ds[2].Priority = respond.P1
	rec.errs = nil
	respondtest.Golden(rec, path, ds, respondtest.Update(false))
	require.Len(t, rec.errs, 1)
	assert.Contains(t, rec.errs[0], "line 3:")
	assert.Contains(t, rec.errs[0], `"priority":"P1"`)

	assert.Equal(t, `{"id":"3","priority":"P1","team":"care","queue":"billing","respond_by":"2026-01-05T18:00:00Z","actions":[{"kind":"route","team":"care","queue":"billing","rule":"complaint"},{"kind":"reply","template":"sorry","rule":"complaint"}],"reply":"Sorry .","rules":["complaint"]}`+"\n",
		string(respondtest.FormatGolden(ds[2:3])))
}

func TestRunFile(t *testing.T) {
	pt := respondtest.New(mustPolicy(t), respondtest.WithScorer(fakeScorer{}))
	pt.RunFile(t, "testdata/cases.yaml")
	assert.Equal(t, []string{"never"}, pt.Coverage().Unexercised())

	cases, err := respondtest.LoadCases("testdata/cases.yaml")
	require.NoError(t, err)
	require.Len(t, cases, 3)
	assert.Equal(t, "testdata/cases.yaml:3 fire is P1 and pages", cases[0].Name)
	assert.Equal(t, 30*time.Minute, cases[0].Want.Within)

	bad := filepath.Join(t.TempDir(), "bad.yaml")
	require.NoError(t, os.WriteFile(bad, []byte("cases:\n  - name: x\n    want: {within: soon}\n"), 0o600))
	_, err = respondtest.LoadCases(bad)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "bad.yaml:2: want.within")
}
