// Command replay runs a response policy over posts and prints one decision
// per post: a backtest of a policy on what was heard.
//
//	go run ./examples/replay -policy policy.yaml [-now 2026-03-02T10:00:00Z] < posts.jsonl
//	go run ./examples/replay -policy new.yaml -diff old.yaml < posts.jsonl
//
// It reads posts as JSONL on stdin, scores each with the default scorer,
// judges its author with an influence tracker fed by the posts read so far,
// keeps what the stream tells of threads (replies seen before, the author's
// earlier complaints), watches it for surges of volume or negativity
// (overall, per intent, per product or place; see respond/surge), and
// decides with the policy. Each output line is
//
//	{"id", "priority": "P1".."P4" or "", "team", "queue", "respond_by": RFC 3339 or "",
//	 "actions": [...], "reply", "rules": [names of the rules that fired]}
//
// with "trace" added by -explain. A malformed input line is reported on
// stderr with its number and skipped, and the exit status is then 2. A
// policy that does not load is reported as file:line:column: problem, with
// exit status 1. Lint warnings about the policy go to stderr.
//
// The time of each decision is -now if given, else the post's creation
// time, else the latest creation time seen so far in the stream; only a
// stream with no times at all falls back to the clock. The same input and
// flags give the same output.
//
// With -lint, replay reads no posts: it prints every finding about the
// policy (load errors, lint warnings and notes) and exits 1 if one is an
// error.
//
// With -diff OTHER, both policies decide every post; the posts whose
// decision differs are printed as {"id", "changed": [fields], "before":
// decision by OTHER, "after": decision by -policy}, and a summary of the
// changes goes to stderr.
//
// With -report FILE, replay also writes the replay as one self-contained
// HTML page (see observe/report): volume and negative share over time with
// the surge alerts marked, the intent and priority mix, the SLA outcomes
// and the most influential authors. -brand names the company's own
// accounts (handles, comma-separated): their posts count as responses for
// the SLA outcomes and they are left out of the author ranking.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/influence"
	"github.com/harkhq/hark/internal/cli"
	"github.com/harkhq/hark/observe/report"
	"github.com/harkhq/hark/respond"
	"github.com/harkhq/hark/respond/surge"
	"github.com/harkhq/hark/score"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// output is one decision line.
type output struct {
	ID        string              `json:"id"`
	Priority  respond.Priority    `json:"priority"`
	Team      string              `json:"team"`
	Queue     string              `json:"queue,omitempty"`
	RespondBy string              `json:"respond_by"`
	Actions   []respond.Action    `json:"actions"`
	Reply     string              `json:"reply"`
	Rules     []string            `json:"rules"`
	Trace     []respond.RuleTrace `json:"trace,omitempty"`
	Error     string              `json:"error,omitempty"`
}

func toOutput(d respond.Decision, err error, explain bool) output {
	o := output{
		ID: d.PostID, Priority: d.Priority, Team: d.Team, Queue: d.Queue,
		Actions: d.Actions, Reply: d.Reply, Rules: d.Rules,
	}
	if !d.RespondBy.IsZero() {
		o.RespondBy = d.RespondBy.UTC().Format(time.RFC3339)
	}
	if o.Actions == nil {
		o.Actions = []respond.Action{}
	}
	if o.Rules == nil {
		o.Rules = []string{}
	}
	if explain {
		o.Trace = d.Trace
	}
	if err != nil {
		o.Error = err.Error()
	}
	return o
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	policyPath := fs.String("policy", "", "policy file (YAML)")
	nowFlag := fs.String("now", "", "time of every decision, RFC 3339 (default: each post's creation time)")
	diffPath := fs.String("diff", "", "another policy file: print the posts whose decision changes from it to -policy")
	explain := fs.Bool("explain", false, "add each decision's trace, with the values the conditions read")
	reportPath := fs.String("report", "", "also write an HTML report of the replay (charts, SLA outcomes, authors) to this file")
	brand := fs.String("brand", "", "the company's own accounts, comma-separated handles (responses for the report's SLA outcomes)")
	lintOnly := fs.Bool("lint", false, "only check the policy: print every finding (errors, warnings, notes) and exit 1 on an error")
	if err := fs.Parse(args); err != nil {
		return 1
	}
	if *policyPath == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: replay -policy FILE [-now RFC3339] [-diff OTHER_POLICY] [-explain] [-lint] [-report FILE.html [-brand HANDLES]] < posts.jsonl")
		return 1
	}
	if *lintOnly {
		return lint(*policyPath, stdout, stderr)
	}
	var now time.Time
	if *nowFlag != "" {
		t, err := time.Parse(time.RFC3339, *nowFlag)
		if err != nil {
			fmt.Fprintf(stderr, "replay: -now: %v\n", err)
			return 1
		}
		now = t
	}
	policy, ok := load(*policyPath, stderr)
	if !ok {
		return 1
	}
	var before *respond.Policy
	if *diffPath != "" {
		if before, ok = load(*diffPath, stderr); !ok {
			return 1
		}
	}
	scorer, err := score.New()
	if err != nil {
		fmt.Fprintf(stderr, "replay: scorer: %v\n", err)
		return 1
	}
	r := &replayer{
		scorer:  scorer,
		authors: influence.NewTracker(influence.WithBrandAccounts(splitList(*brand)...)),
		surges:  surge.New(surge.Config{}),
		threads: map[string]int{},
		opened:  map[string]int{},
		now:     now,
	}
	ctx := context.Background()
	enc := cli.Encoder(stdout)
	var (
		skipped int
		sum     = newSummary()
		rep     *report.Builder
	)
	if *reportPath != "" {
		rep = report.New(report.WithTitle("Hark replay of " + *policyPath))
	}
	for p := range cli.Posts(stdin, stderr, &skipped) {
		c := r.next(p)
		decide := policy.Decide
		if *explain {
			decide = policy.Explain
		}
		d, derr := decide(ctx, c)
		if rep != nil && derr == nil {
			rep.Add(c, d)
		}
		after := toOutput(d, derr, *explain)
		if before == nil {
			if err := enc.Encode(after); err != nil {
				fmt.Fprintf(stderr, "replay: %v\n", err)
				return 1
			}
			continue
		}
		bd, berr := before.Decide(ctx, c)
		prev := toOutput(bd, berr, *explain)
		changed := sum.add(prev, after)
		if len(changed) > 0 {
			if err := enc.Encode(diffLine{ID: p.ID, Changed: changed, Before: prev, After: after}); err != nil {
				fmt.Fprintf(stderr, "replay: %v\n", err)
				return 1
			}
		}
	}
	if before != nil {
		sum.write(stderr, *diffPath, *policyPath)
	}
	if rep != nil {
		rep.Alerts(r.alerts...)
		if err := writeReport(*reportPath, rep); err != nil {
			fmt.Fprintf(stderr, "replay: -report: %v\n", err)
			return 1
		}
	}
	if skipped > 0 {
		return cli.ExitSkipped
	}
	return 0
}

// lint prints every finding about a policy file.
func lint(path string, stdout, stderr io.Writer) int {
	data, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintf(stderr, "replay: %v\n", err)
		return 1
	}
	code := 0
	for _, f := range respond.LintPolicy(path, data) {
		fmt.Fprintln(stdout, f)
		if f.Severity == respond.SeverityError {
			code = 1
		}
	}
	return code
}

// load loads a policy, printing why it does not load, or its lint warnings.
func load(path string, stderr io.Writer) (*respond.Policy, bool) {
	p, err := respond.LoadPolicy(path)
	if err != nil {
		var pe *respond.PolicyError
		if errors.As(err, &pe) {
			fmt.Fprintln(stderr, pe.Error())
		} else {
			fmt.Fprintf(stderr, "replay: %v\n", err)
		}
		return nil, false
	}
	for _, f := range p.Lint() {
		if f.Severity <= respond.SeverityWarning {
			fmt.Fprintln(stderr, f)
		}
	}
	return p, true
}

// replayer turns a stream of posts into cases, remembering what the stream
// told so far.
type replayer struct {
	scorer  *score.Scorer
	authors *influence.Tracker
	surges  *surge.Detector
	threads map[string]int // posts seen per thread
	opened  map[string]int // complaints seen per author
	now     time.Time
	latest  time.Time
	alerts  []surge.Alert // raised so far, for -report
}

func (r *replayer) next(p hark.Post) respond.Case {
	s := r.scorer.Score(p)
	_ = r.authors.Observe(p, s) // an error only means the author is judged on less
	c := respond.Case{Post: p, Scores: s, Author: r.authors.Score(p.Author)}
	if p.Created.After(r.latest) {
		r.latest = p.Created
	}
	switch {
	case !r.now.IsZero():
		c.Now = r.now
	case !p.Created.IsZero():
		c.Now = p.Created
	case !r.latest.IsZero():
		c.Now = r.latest
	}
	thread := p.ThreadID
	if thread == "" {
		thread = p.ParentID
	}
	if thread != "" {
		c.Thread.Replies = r.threads[thread]
		r.threads[thread]++
	}
	if key := p.Author.Key(); key != "" {
		c.Thread.PriorContacts = r.opened[key]
		if s.Intent == score.IntentComplaint || s.Label == score.LabelNegative && s.Urgency >= score.UrgencyHigh {
			r.opened[key]++
		}
	}
	c.Surge = r.surge(p, s, c.Now)
	return c
}

// surge watches the stream for surges of volume or negativity, overall,
// per intent and per product, and gives the state of the post's keys.
func (r *replayer) surge(p hark.Post, s score.Result, now time.Time) respond.SurgeState {
	at := p.Created
	if at.IsZero() {
		at = now
	}
	if at.IsZero() {
		return respond.SurgeState{}
	}
	keys := []string{"all", "intent:" + string(s.Intent)}
	var entities []string
	for _, e := range s.About {
		keys = append(keys, e.Kind+":"+strings.ToLower(e.Name))
		entities = append(entities, e.Name)
	}
	alerts := r.surges.Observe(surge.Observation{Keys: keys, Time: at, Negative: s.Label == score.LabelNegative,
		Source: p.Source, PostID: p.ID, Entities: entities})
	r.alerts = append(r.alerts, alerts...)
	var st respond.SurgeState
	for _, k := range keys {
		ks := r.surges.Status(k)
		if ks.Active {
			st.Active = true
			st.Keys = append(st.Keys, k)
		}
		st.Score = max(st.Score, ks.Score)
	}
	return st
}

type diffLine struct {
	ID      string   `json:"id"`
	Changed []string `json:"changed"`
	Before  output   `json:"before"`
	After   output   `json:"after"`
}

// summary counts how decisions changed between two policies.
type summary struct {
	posts, changed int
	fields         map[string]int
	priority       map[string]int // "P3→P1"
	fired, unfired map[string]int // rules that fire only after, or only before
}

func newSummary() *summary {
	return &summary{fields: map[string]int{}, priority: map[string]int{}, fired: map[string]int{}, unfired: map[string]int{}}
}

func (s *summary) add(before, after output) []string {
	s.posts++
	var changed []string
	if before.Priority != after.Priority {
		changed = append(changed, "priority")
		s.priority[prio(before.Priority)+"→"+prio(after.Priority)]++
	}
	if before.Team != after.Team || before.Queue != after.Queue {
		changed = append(changed, "team")
	}
	if before.RespondBy != after.RespondBy {
		changed = append(changed, "respond_by")
	}
	if !slices.Equal(before.Actions, after.Actions) {
		changed = append(changed, "actions")
	}
	if before.Reply != after.Reply {
		changed = append(changed, "reply")
	}
	if !slices.Equal(before.Rules, after.Rules) {
		changed = append(changed, "rules")
		for _, r := range after.Rules {
			if !slices.Contains(before.Rules, r) {
				s.fired[r]++
			}
		}
		for _, r := range before.Rules {
			if !slices.Contains(after.Rules, r) {
				s.unfired[r]++
			}
		}
	}
	if len(changed) > 0 {
		s.changed++
	}
	for _, f := range changed {
		s.fields[f]++
	}
	return changed
}

func prio(p respond.Priority) string {
	if p == "" {
		return "none"
	}
	return string(p)
}

func (s *summary) write(w io.Writer, beforePath, afterPath string) {
	pct := 0.0
	if s.posts > 0 {
		pct = 100 * float64(s.changed) / float64(s.posts)
	}
	fmt.Fprintf(w, "diff %s -> %s: %d posts, %d decisions changed (%.1f%%)\n", beforePath, afterPath, s.posts, s.changed, pct)
	for _, f := range []string{"priority", "team", "respond_by", "actions", "reply", "rules"} {
		if n := s.fields[f]; n > 0 {
			fmt.Fprintf(w, "  %-10s %d\n", f, n)
		}
	}
	writeCounts(w, "priority moves", s.priority)
	writeCounts(w, "rules now firing", s.fired)
	writeCounts(w, "rules no longer firing", s.unfired)
}

func writeCounts(w io.Writer, title string, m map[string]int) {
	if len(m) == 0 {
		return
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	fmt.Fprintf(w, "  %s: %s\n", title, strings.Join(parts, ", "))
}

// writeReport writes the HTML report to path.
func writeReport(path string, rep *report.Builder) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := rep.Write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}
