package respondtest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/respond"
	"github.com/harkhq/hark/score"
)

// A Scorer judges posts; *score.Scorer is one.
type Scorer interface {
	Score(p hark.Post) score.Result
}

// defaultNow is the time of the decisions of a Tester without WithNow, so
// that tests are deterministic.
var defaultNow = time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)

// A Tester decides cases with a policy, checks the decisions, and counts
// the rules they fire. It is safe for concurrent use by parallel tests.
type Tester struct {
	policy *respond.Policy
	scorer Scorer
	now    time.Time

	mu      sync.Mutex
	fired   map[string]int
	matched map[string]int
	cases   int
}

// An Option configures a Tester.
type Option func(*Tester)

// WithScorer scores the posts of cases given as posts (Case.Post).
func WithScorer(s Scorer) Option { return func(t *Tester) { t.scorer = s } }

// WithNow sets the time of decisions whose case has none (by default
// 2026-01-05T10:00:00Z, so that tests are deterministic).
func WithNow(now time.Time) Option { return func(t *Tester) { t.now = now } }

// New returns a Tester of p.
func New(p *respond.Policy, opts ...Option) *Tester {
	t := &Tester{policy: p, now: defaultNow, fired: map[string]int{}, matched: map[string]int{}}
	for _, o := range opts {
		o(t)
	}
	return t
}

// Decide decides a case, records the rules it fires, and fails t if the
// policy returns an error.
func (tr *Tester) Decide(t testing.TB, c respond.Case) respond.Decision {
	t.Helper()
	if c.Now.IsZero() {
		c.Now = tr.now
	}
	d, err := tr.policy.Decide(context.Background(), c)
	if err != nil {
		t.Errorf("decide %q: %v", c.Post.ID, err)
	}
	tr.record(d)
	return d
}

// DecidePost scores a post with the Tester's scorer and decides it. It
// fails t if the Tester has no scorer.
func (tr *Tester) DecidePost(t testing.TB, p hark.Post) respond.Decision {
	t.Helper()
	if tr.scorer == nil {
		t.Fatalf("respondtest: deciding post %q needs a scorer (WithScorer)", p.ID)
	}
	return tr.Decide(t, respond.Case{Post: p, Scores: tr.scorer.Score(p)})
}

func (tr *Tester) record(d respond.Decision) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.cases++
	for _, r := range d.Rules {
		tr.fired[r]++
	}
	for _, tc := range d.Trace {
		if tc.Matched {
			tr.matched[tc.Rule]++
		}
	}
}

// A Case is one policy test: a case to decide, or a post to score and
// decide, and what is expected of the decision.
type Case struct {
	Name string
	// Case is decided as it is, unless it is the zero case, and Post is
	// scored (WithScorer) and decided instead.
	Case respond.Case
	Post hark.Post
	Want Want

	// context is the rest of the case (author, thread, surge, time) of a
	// post to be scored, for cases loaded from a file.
	context *respond.Case
}

// Want is what a test expects of a decision. Zero fields are not checked.
type Want struct {
	// Priority, Team and Queue, when not "", must be the decision's.
	Priority respond.Priority
	Team     string
	Queue    string
	// NoPriority expects a decision without priority.
	NoPriority bool
	// Rules, when not nil, must be exactly the rules that fired, in order.
	Rules []string
	// Fired must be among the rules that fired; NotFired must not be.
	Fired    []string
	NotFired []string
	// Actions must each be among the decision's action kinds; NoActions
	// must not be.
	Actions   []respond.ActionKind
	NoActions []respond.ActionKind
	// Tags and Alerts must be among the decision's tags and alerted
	// channels.
	Tags   []string
	Alerts []string
	// Reply must be in the drafted reply; NoReply expects none.
	Reply   string
	NoReply bool
	// Held expects a hold action (a reply waits for approval).
	Held bool
	// Suppressed expects a suppress action.
	Suppressed bool
	// Within, when not 0, is the first-response time expected: RespondBy
	// minus the post's creation time (or the case's Now).
	Within time.Duration
}

// Run decides each case in a subtest named after it and checks it.
func (tr *Tester) Run(t *testing.T, cases []Case) {
	t.Helper()
	for i, c := range cases {
		name := c.Name
		if name == "" {
			name = fmt.Sprintf("case%d", i+1)
		}
		t.Run(name, func(t *testing.T) {
			var d respond.Decision
			switch {
			case !isZeroCase(c.Case):
				d = tr.Decide(t, c.Case)
			case c.context != nil:
				if tr.scorer == nil {
					t.Fatalf("respondtest: case %q has no scores and the Tester no scorer (WithScorer)", name)
				}
				rc := *c.context
				rc.Scores = tr.scorer.Score(rc.Post)
				d = tr.Decide(t, rc)
			default:
				d = tr.DecidePost(t, c.Post)
			}
			Check(t, d, c.Want)
		})
	}
}

func isZeroCase(c respond.Case) bool {
	return c.Post.ID == "" && c.Post.Text == "" && c.Now.IsZero()
}

// Check reports, on t, every way d differs from w.
func Check(t testing.TB, d respond.Decision, w Want) {
	t.Helper()
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if w.Priority != "" && d.Priority != w.Priority {
		bad("priority %q, want %q", d.Priority, w.Priority)
	}
	if w.NoPriority && d.Priority != "" {
		bad("priority %q, want none", d.Priority)
	}
	if w.Team != "" && d.Team != w.Team {
		bad("team %q, want %q", d.Team, w.Team)
	}
	if w.Queue != "" && d.Queue != w.Queue {
		bad("queue %q, want %q", d.Queue, w.Queue)
	}
	if w.Rules != nil && !slices.Equal(d.Rules, w.Rules) {
		bad("rules fired %q, want %q", d.Rules, w.Rules)
	}
	for _, r := range w.Fired {
		if !slices.Contains(d.Rules, r) {
			bad("rule %q did not fire (fired: %q)", r, d.Rules)
		}
	}
	for _, r := range w.NotFired {
		if slices.Contains(d.Rules, r) {
			bad("rule %q fired", r)
		}
	}
	kinds := map[respond.ActionKind]bool{}
	var tags, alerts []string
	for _, a := range d.Actions {
		kinds[a.Kind] = true
		switch a.Kind {
		case respond.ActTag:
			tags = append(tags, a.Tag)
		case respond.ActAlert:
			alerts = append(alerts, a.Channel)
		}
	}
	for _, k := range w.Actions {
		if !kinds[k] {
			bad("no %s action (actions: %s)", k, actionList(d))
		}
	}
	for _, k := range w.NoActions {
		if kinds[k] {
			bad("a %s action (actions: %s)", k, actionList(d))
		}
	}
	for _, tag := range w.Tags {
		if !slices.Contains(tags, tag) {
			bad("no tag %q (tags: %q)", tag, tags)
		}
	}
	for _, c := range w.Alerts {
		if !slices.Contains(alerts, c) {
			bad("no alert to %q (alerts: %q)", c, alerts)
		}
	}
	if w.Reply != "" && !strings.Contains(d.Reply, w.Reply) {
		bad("reply %q does not contain %q", d.Reply, w.Reply)
	}
	if w.NoReply && d.Reply != "" {
		bad("a reply was drafted: %q", d.Reply)
	}
	if w.Held && !kinds[respond.ActHold] {
		bad("not held (actions: %s)", actionList(d))
	}
	if w.Suppressed && !kinds[respond.ActSuppress] {
		bad("not suppressed (actions: %s)", actionList(d))
	}
	if w.Within != 0 {
		start := d.Case.Post.Created
		if start.IsZero() || start.After(d.Case.Now) {
			start = d.Case.Now
		}
		if got := d.RespondBy.Sub(start); d.RespondBy.IsZero() || got != w.Within {
			bad("respond within %v, want %v", got, w.Within)
		}
	}
	if len(problems) > 0 {
		t.Errorf("decision on %q:\n\t%s\n\ttrace: %s", d.PostID, strings.Join(problems, "\n\t"), traceLine(d))
	}
}

func actionList(d respond.Decision) string {
	parts := make([]string, len(d.Actions))
	for i, a := range d.Actions {
		parts[i] = string(a.Kind)
		if v := a.Team + a.Channel + a.Template + a.Tag; v != "" {
			parts[i] += ":" + v
		}
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func traceLine(d respond.Decision) string {
	parts := make([]string, len(d.Trace))
	for i, tc := range d.Trace {
		mark := "-"
		if tc.Matched {
			mark = "+"
		}
		parts[i] = mark + tc.Rule
	}
	return strings.Join(parts, " ")
}

// RuleCoverage is how often one rule was seen in the decisions of a Tester.
type RuleCoverage struct {
	Rule string
	// Fired counts decisions in which the rule fired; Matched those in
	// which its condition held (a rule can match and not fire only if
	// evaluation stopped before it).
	Fired   int
	Matched int
}

// Coverage is the rule coverage of a Tester's decisions.
type Coverage struct {
	Cases int
	Rules []RuleCoverage // in policy order
}

// Coverage returns how often each of the policy's rules fired so far.
func (tr *Tester) Coverage() Coverage {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	c := Coverage{Cases: tr.cases}
	for _, r := range tr.policy.Rules() {
		c.Rules = append(c.Rules, RuleCoverage{Rule: r, Fired: tr.fired[r], Matched: tr.matched[r]})
	}
	return c
}

// Unexercised lists the rules that fired in no decision, in policy order.
func (c Coverage) Unexercised() []string {
	var out []string
	for _, r := range c.Rules {
		if r.Fired == 0 {
			out = append(out, r.Rule)
		}
	}
	return out
}

// String formats the coverage as a report, one rule a line.
func (c Coverage) String() string {
	var sb strings.Builder
	fired := len(c.Rules) - len(c.Unexercised())
	fmt.Fprintf(&sb, "rule coverage: %d of %d rules fired over %d cases\n", fired, len(c.Rules), c.Cases)
	for _, r := range c.Rules {
		mark := " "
		if r.Fired == 0 {
			mark = "!"
		}
		fmt.Fprintf(&sb, "%s %-32s fired %5d\n", mark, r.Rule, r.Fired)
	}
	return sb.String()
}

// RequireCoverage fails t, listing them, if some rules (other than those
// in except) fired in no decision of the Tester.
func (tr *Tester) RequireCoverage(t testing.TB, except ...string) {
	t.Helper()
	cov := tr.Coverage()
	var missing []string
	for _, r := range cov.Unexercised() {
		if !slices.Contains(except, r) {
			missing = append(missing, r)
		}
	}
	if len(missing) > 0 {
		t.Errorf("no test exercises rules %q\n%s", missing, cov)
	}
}
