package respond

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/cost"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"
)

// Match says how a policy applies its rules.
type Match string

// Matching modes.
const (
	// MatchFirst: rules are tried in order and the first that matches
	// decides; a rule with Continue adds its actions and lets the next
	// rules be tried.
	MatchFirst Match = "first"
	// MatchAll: every rule that matches adds its actions, in order; a rule
	// with Stop ends the evaluation.
	MatchAll Match = "all"
)

// DefaultCostLimit is the cost limit of one condition's evaluation, in CEL
// cost units (about one unit per operation, a tenth of a unit per byte a
// string function reads), when PolicyOptions do not set one.
const DefaultCostLimit = 10_000_000

// A Spec describes a policy. A policy file (see [ParsePolicy]) is the YAML
// form of a Spec; a program can also build one in Go and compile it with
// [NewPolicy]. The two give the same policy.
type Spec struct {
	// Name names the policy in errors and traces.
	Name string
	// Description says what the policy is for.
	Description string
	// Match is MatchFirst (the default) or MatchAll.
	Match Match
	// SLA is the first-response time per priority. A priority without an
	// entry has no deadline unless a rule sets one.
	SLA map[Priority]time.Duration
	// Teams are the teams (and their queues) rules may route or escalate to.
	Teams []TeamSpec
	// Channels are the channels rules may alert.
	Channels []string
	// Templates are the reply templates rules may draft from.
	Templates []TemplateSpec
	// Rules are tried in order.
	Rules []RuleSpec
}

// A TeamSpec declares a team and the queues within it.
type TeamSpec struct {
	Name   string
	Queues []string
}

// A TemplateSpec declares a reply template: one text/template text per
// language, optionally per intent. Text is keyed by "LANG" ("en", "fr"),
// "INTENT/LANG" ("question/en"), "default" or "INTENT/default". For a case
// of intent I in language L the first of I/L, L, I/default, default that
// exists is used; if none does, no reply is drafted and the decision is
// held for a person (a reply is never sent in a language it was not
// written for). See [ReplyData] for what a text may use.
type TemplateSpec struct {
	Name string
	Text map[string]string
}

// A RuleSpec is one rule: a condition and what to do when it holds.
type RuleSpec struct {
	// Name is unique within the policy.
	Name string
	// Description says what the rule is for.
	Description string
	// When is the condition, a CEL expression of type bool over the case's
	// variables (see the package comment).
	When string
	// Priority sets the decision's priority (the most urgent of the rules
	// that fire wins).
	Priority Priority
	// Route hands the post to a team, "team" or "team/queue". When several
	// rules that fire route, the last one sets the decision's team: in a
	// first-match policy, continue rules can set a default route that the
	// deciding rule overrides.
	Route string
	// RespondWithin sets a first-response deadline this long after the
	// post was written, tighter than the SLA of the priority if it is.
	RespondWithin time.Duration
	// Alert notifies these channels.
	Alert []string
	// Reply drafts a reply from this template. When several rules that
	// fire reply, the last one chooses the template.
	Reply string
	// Hold holds the reply for a person's approval.
	Hold bool
	// Escalate hands the post up to this team.
	Escalate string
	// Tag adds these tags.
	Tag []string
	// Suppress, when not "", says why the author must get no reply (spam,
	// already answered, asked not to be contacted): the decision drafts
	// none and holds none, whatever the rules that fire ask, and no later
	// rule is tried. Actions of earlier rules that fired (routing, alerts,
	// tags) are kept. With Continue (in either matching mode) later rules
	// are still tried, for priority, routing and alerts, but still no reply
	// is drafted.
	Suppress string
	// Note is the reason given with hold and escalate actions.
	Note string
	// Continue, in a MatchFirst policy (or on a suppressing rule), lets the
	// rules after this one be tried when it fires.
	Continue bool
	// Stop, in a MatchAll policy, ends the evaluation when this rule fires.
	Stop bool
}

// PolicyOption configures a policy when it is built.
type PolicyOption func(*policyConfig)

type policyConfig struct {
	deadliner Deadliner
	costLimit uint64
	clock     func() time.Time
}

// WithDeadliner makes the policy compute first-response deadlines with d
// (an SLA clock with business hours, say) instead of the fixed durations of
// Spec.SLA.
func WithDeadliner(d Deadliner) PolicyOption {
	return func(c *policyConfig) { c.deadliner = d }
}

// WithCostLimit sets the most a condition may cost in one evaluation, in
// CEL cost units. A condition whose worst case is proved within the limit
// when the policy loads runs unmetered; any other runs metered and stops
// with an error at the limit.
func WithCostLimit(units uint64) PolicyOption {
	return func(c *policyConfig) { c.costLimit = units }
}

// WithNow sets the clock used when a case's Now is zero (time.Now by
// default).
func WithNow(now func() time.Time) PolicyOption {
	return func(c *policyConfig) { c.clock = now }
}

// FixedSLA is a Deadliner with a fixed first-response time per priority.
type FixedSLA map[Priority]time.Duration

// Due implements Deadliner: start plus the priority's duration, or the
// zero time if the priority has none.
func (s FixedSLA) Due(start time.Time, p Priority) time.Time {
	d, ok := s[p]
	if !ok || d <= 0 {
		return time.Time{}
	}
	return start.Add(d)
}

// A Policy decides what to do about cases. It is built once (conditions
// parsed, type-checked, cost-bounded and compiled, templates parsed) and is
// then safe for concurrent use by many goroutines. Identical cases give
// identical decisions.
type Policy struct {
	name      string
	match     Match
	rules     []*rule
	teams     map[string][]string
	channels  map[string]bool
	templates map[string]*replyTemplate
	deadliner Deadliner
	clock     func() time.Time
	env       *caseEnv
	findings  []Finding // warnings and notes from lint
	spec      Spec
}

type rule struct {
	RuleSpec
	index    int
	pos      Position
	prg      cel.Program
	ast      *cel.Ast
	vars     []int // indexes of the variables the condition reads
	terminal bool
	metered  bool
	maxCost  uint64
	native   nativeBool // nil if the condition runs on CEL only
	team     string
	queue    string
	actions  []Action // the rule's actions but reply, in order
}

// Name returns the policy's name.
func (p *Policy) Name() string { return p.name }

// Match returns the policy's matching mode.
func (p *Policy) Match() Match { return p.match }

// Rules returns the names of the policy's rules, in order.
func (p *Policy) Rules() []string {
	out := make([]string, len(p.rules))
	for i, r := range p.rules {
		out[i] = r.Name
	}
	return out
}

// Spec returns a copy of the specification the policy was built from.
func (p *Policy) Spec() Spec { return cloneSpec(p.spec) }

// Lint returns what lint found in the policy that does not stop it from
// loading (unreachable or shadowed rules, conditions that are always true
// or always false, declarations nothing uses), in file order.
func (p *Policy) Lint() []Finding { return slices.Clone(p.findings) }

// NewPolicy builds a policy from a specification. Errors are returned as a
// *PolicyError listing every problem found, each with its place in the
// specification ("rules[2].when:1:9").
func NewPolicy(spec Spec, opts ...PolicyOption) (*Policy, error) {
	return compile(spec, nil, opts)
}

// compile builds a policy. pos, if not nil, maps the places of the
// specification to a file.
func compile(spec Spec, pos *positions, opts []PolicyOption) (*Policy, error) {
	cfg := policyConfig{costLimit: DefaultCostLimit, clock: time.Now}
	for _, o := range opts {
		o(&cfg)
	}
	if pos == nil {
		pos = &positions{file: spec.Name}
		if pos.file == "" {
			pos.file = "policy"
		}
	}
	env, err := newCaseEnv()
	if err != nil {
		return nil, err
	}
	b := &policyBuilder{pos: pos}
	p := &Policy{
		name:      spec.Name,
		match:     spec.Match,
		teams:     map[string][]string{},
		channels:  map[string]bool{},
		templates: map[string]*replyTemplate{},
		clock:     cfg.clock,
		env:       env,
		spec:      cloneSpec(spec),
	}
	switch p.match {
	case "":
		p.match = MatchFirst
	case MatchFirst, MatchAll:
	default:
		b.errorf(pos.at("match"), "", "bad-match", "match is %q: want %q or %q", spec.Match, MatchFirst, MatchAll)
	}
	for pr, d := range spec.SLA {
		if !pr.Valid() || pr == "" {
			b.errorf(pos.at("sla."+string(pr)), "", "bad-priority", "sla: unknown priority %q: want P1, P2, P3 or P4", pr)
		}
		if d < 0 {
			b.errorf(pos.at("sla."+string(pr)), "", "bad-duration", "sla: %s: negative duration %v", pr, d)
		}
	}
	p.deadliner = cfg.deadliner
	if p.deadliner == nil {
		p.deadliner = FixedSLA(cloneSLA(spec.SLA))
	}
	for i, t := range spec.Teams {
		at := pos.at(fmt.Sprintf("teams[%d]", i))
		if !validName(t.Name) {
			b.errorf(at, "", "bad-name", "team name %q: want letters, digits, '-', '_' or '.'", t.Name)
			continue
		}
		if _, dup := p.teams[t.Name]; dup {
			b.errorf(at, "", "duplicate", "team %q declared twice", t.Name)
		}
		for _, q := range t.Queues {
			if !validName(q) {
				b.errorf(at, "", "bad-name", "team %q: queue name %q: want letters, digits, '-', '_' or '.'", t.Name, q)
			}
		}
		p.teams[t.Name] = t.Queues
	}
	for i, c := range spec.Channels {
		at := pos.at(fmt.Sprintf("channels[%d]", i))
		if !validName(c) {
			b.errorf(at, "", "bad-name", "channel name %q: want letters, digits, '-', '_' or '.'", c)
			continue
		}
		if p.channels[c] {
			b.errorf(at, "", "duplicate", "channel %q declared twice", c)
		}
		p.channels[c] = true
	}
	for i, ts := range spec.Templates {
		at := fmt.Sprintf("templates[%d]", i)
		if !validName(ts.Name) {
			b.errorf(pos.at(at), "", "bad-name", "template name %q: want letters, digits, '-', '_' or '.'", ts.Name)
			continue
		}
		if _, dup := p.templates[ts.Name]; dup {
			b.errorf(pos.at(at), "", "duplicate", "template %q declared twice", ts.Name)
		}
		p.templates[ts.Name] = b.template(ts, at)
	}
	names := map[string]int{}
	b.native = &nativeCompiler{env: env, matchers: map[int]*textMatcher{}}
	for i, rs := range spec.Rules {
		r := b.rule(p, env, rs, i, cfg.costLimit)
		if r == nil {
			continue
		}
		if j, dup := names[rs.Name]; dup {
			b.errorf(r.pos, rs.Name, "duplicate", "rule %q is also rule %d", rs.Name, j+1)
		}
		names[rs.Name] = i
		p.rules = append(p.rules, r)
	}
	if len(spec.Rules) == 0 {
		b.errorf(pos.at("rules"), "", "no-rules", "the policy has no rules")
	}
	if len(b.errs) > 0 {
		return nil, &PolicyError{Findings: b.errs}
	}
	env.matchers = make([]*textMatcher, len(b.native.matchers))
	for _, m := range b.native.matchers {
		m.build()
		env.matchers[m.id] = m
	}
	p.findings = lint(p, pos)
	return p, nil
}

func cloneSLA(m map[Priority]time.Duration) map[Priority]time.Duration {
	out := make(map[Priority]time.Duration, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Valid reports whether p is P1, P2, P3, P4 or "".
func (p Priority) Valid() bool {
	switch p {
	case "", P1, P2, P3, P4:
		return true
	}
	return false
}

// rank orders priorities: 1 for P1 ... 4 for P4, 5 for none.
func (p Priority) rank() int {
	switch p {
	case P1:
		return 1
	case P2:
		return 2
	case P3:
		return 3
	case P4:
		return 4
	}
	return 5
}

func validName(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

// policyBuilder collects the errors found while compiling.
type policyBuilder struct {
	pos    *positions
	errs   []Finding
	native *nativeCompiler
}

func (b *policyBuilder) errorf(at Position, rule, code, format string, args ...any) {
	b.errs = append(b.errs, Finding{Pos: at, Rule: rule, Severity: SeverityError, Code: code, Msg: fmt.Sprintf(format, args...)})
}

func (b *policyBuilder) rule(p *Policy, env *caseEnv, rs RuleSpec, i int, limit uint64) *rule {
	base := fmt.Sprintf("rules[%d]", i)
	r := &rule{RuleSpec: rs, index: i, pos: b.pos.at(base)}
	if !validName(rs.Name) {
		b.errorf(b.pos.at(base+".name"), rs.Name, "bad-name", "rule name %q: want letters, digits, '-', '_' or '.'", rs.Name)
	}
	name := rs.Name
	switch p.match {
	case MatchAll:
		r.terminal = rs.Stop
		if rs.Continue && rs.Suppress == "" {
			b.errorf(b.pos.at(base+".continue"), name, "bad-flag", "continue is for match: first policies (and suppressing rules); this one is match: all (use stop to end evaluation)")
		}
	default:
		r.terminal = !rs.Continue
		if rs.Stop {
			b.errorf(b.pos.at(base+".stop"), name, "bad-flag", "stop is for match: all policies; in match: first the first rule that fires stops")
		}
	}
	if rs.Suppress != "" && !rs.Continue {
		r.terminal = true
	}
	if !rs.Priority.Valid() {
		b.errorf(b.pos.at(base+".priority"), name, "bad-priority", "priority %q: want P1, P2, P3 or P4", rs.Priority)
	}
	if rs.RespondWithin < 0 {
		b.errorf(b.pos.at(base+".respond_within"), name, "bad-duration", "respond_within is negative (%v)", rs.RespondWithin)
	}
	// References.
	if rs.Route != "" {
		team, queue, _ := strings.Cut(rs.Route, "/")
		r.team, r.queue = team, queue
		queues, ok := p.teams[team]
		switch {
		case !ok:
			b.errorf(b.pos.at(base+".route"), name, "unknown-team", "route: unknown team %q%s", team, declaredList(sortedKeys(p.teams)))
		case queue != "" && !slices.Contains(queues, queue):
			b.errorf(b.pos.at(base+".route"), name, "unknown-queue", "route: team %q has no queue %q%s", team, queue, declaredList(queues))
		}
	}
	if rs.Escalate != "" {
		if _, ok := p.teams[rs.Escalate]; !ok {
			b.errorf(b.pos.at(base+".escalate"), name, "unknown-team", "escalate: unknown team %q%s", rs.Escalate, declaredList(sortedKeys(p.teams)))
		}
	}
	for j, c := range rs.Alert {
		if !p.channels[c] {
			b.errorf(b.pos.at(fmt.Sprintf("%s.alert[%d]", base, j)), name, "unknown-channel", "alert: unknown channel %q%s", c, declaredList(sortedKeys(p.channels)))
		}
	}
	if rs.Reply != "" {
		if _, ok := p.templates[rs.Reply]; !ok {
			b.errorf(b.pos.at(base+".reply"), name, "unknown-template", "reply: unknown template %q%s", rs.Reply, declaredList(sortedKeys(p.templates)))
		}
		if rs.Suppress != "" {
			b.errorf(b.pos.at(base+".reply"), name, "conflict", "a rule cannot both reply and suppress")
		}
	}
	for j, t := range rs.Tag {
		if strings.TrimSpace(t) == "" {
			b.errorf(b.pos.at(fmt.Sprintf("%s.tag[%d]", base, j)), name, "bad-tag", "empty tag")
		}
	}
	// The rule's fixed actions, in the order a reader expects them.
	if rs.Route != "" {
		r.actions = append(r.actions, Action{Kind: ActRoute, Team: r.team, Queue: r.queue, Rule: name})
	}
	if rs.Escalate != "" {
		r.actions = append(r.actions, Action{Kind: ActEscalate, Team: rs.Escalate, Reason: rs.Note, Rule: name})
	}
	for _, c := range rs.Alert {
		r.actions = append(r.actions, Action{Kind: ActAlert, Channel: c, Rule: name})
	}
	for _, t := range rs.Tag {
		r.actions = append(r.actions, Action{Kind: ActTag, Tag: t, Rule: name})
	}
	if rs.Hold {
		r.actions = append(r.actions, Action{Kind: ActHold, Reason: rs.Note, Rule: name})
	}
	if rs.Suppress != "" {
		r.actions = append(r.actions, Action{Kind: ActSuppress, Reason: rs.Suppress, Rule: name})
	}

	// The condition.
	whenAt := base + ".when"
	if strings.TrimSpace(rs.When) == "" {
		b.errorf(b.pos.at(base), name, "no-when", "rule %q has no when condition (write when: \"true\" for a rule that always applies)", name)
		return r
	}
	checked, iss := env.env.Compile(rs.When)
	if iss != nil && iss.Err() != nil {
		for _, e := range iss.Errors() {
			b.errs = append(b.errs, Finding{
				Pos:      b.pos.expr(whenAt, rs.When, e.Location.Line(), e.Location.Column()),
				Rule:     name,
				Severity: SeverityError,
				Code:     "cel",
				Msg:      "when: " + e.Message,
			})
		}
		return r
	}
	if !checked.OutputType().IsExactType(cel.BoolType) {
		b.errorf(b.pos.expr(whenAt, rs.When, 1, 0), name, "not-bool", "when: condition is of type %s, want bool", checked.OutputType())
		return r
	}
	r.ast = checked
	r.vars = referencedVars(env, checked)
	est, err := env.env.EstimateCost(checked, sizeEstimator{env})
	progOpts := []cel.ProgramOption{cel.EvalOptions(cel.OptOptimize)}
	if err != nil || est.Max > limit {
		r.metered = true
		r.maxCost = limit
		progOpts = append(progOpts, cel.CostLimit(limit),
			cel.CostTrackerOptions(cost.OverloadTracker(containsAnyID, containsAnyCost),
				cost.OverloadTracker(containsAnyWordID, containsAnyCost)))
	} else {
		r.maxCost = est.Max
	}
	prg, err := env.env.Program(checked, progOpts...)
	if err != nil {
		b.errorf(b.pos.expr(whenAt, rs.When, 1, 0), name, "cel", "when: %v", err)
		return r
	}
	r.prg = prg
	if !r.metered {
		r.native = b.native.compile(checked)
	}
	return r
}

// referencedVars lists the indexes of the case variables a condition reads,
// in the order they first appear in it.
func referencedVars(env *caseEnv, a *cel.Ast) []int {
	first := map[int]int64{}
	for id, ref := range a.NativeRep().ReferenceMap() {
		if ref == nil || ref.Name == "" {
			continue
		}
		if i, ok := env.index[ref.Name]; ok {
			if at, seen := first[i]; !seen || id < at {
				first[i] = id
			}
		}
	}
	out := make([]int, 0, len(first))
	for i := range first {
		out = append(out, i)
	}
	slices.SortFunc(out, func(x, y int) int { return int(first[x] - first[y]) })
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func declaredList(names []string) string {
	if len(names) == 0 {
		return " (none declared)"
	}
	if len(names) > 12 {
		names = append(names[:12:12], "...")
	}
	return " (declared: " + strings.Join(names, ", ") + ")"
}

// Decide applies the policy to one case. The returned decision lists the
// actions of the rules that fired, in rule order, and a trace of the rules
// whose condition matched (or failed), each with its condition; Explain
// traces every rule tried, with the values its condition read.
//
// Evaluation of rules is what [Spec.Match] says. When several rules fire,
// the decision's priority is the most urgent they set; its team and queue
// are those of the last that routes (the only route action kept); its reply
// is drafted from the template of the last that replies; tags and alerts
// are merged without repeats; its deadline (RespondBy) is the
// earliest of the priority's SLA and the rules' RespondWithin, counted from
// when the post was written (or from the case's Now if that is unknown or
// later). When a suppressing rule fires, no reply is drafted or held, and,
// unless it has Continue, the evaluation ends.
//
// If a condition fails to evaluate (cost limit, or an error such as a
// division by zero), the rule counts as not matched, its trace says why,
// the decision is held for a person (so nothing goes out unreviewed), and
// Decide returns the decision together with an error describing each
// failure. Decide returns ctx's error, and no decision, only if ctx is done
// before it starts.
func (p *Policy) Decide(ctx context.Context, c Case) (Decision, error) {
	return p.decide(ctx, c, false)
}

// Explain is Decide with a full trace: every rule tried, matched or not, in
// order, each RuleTrace.Why giving the condition and the values it read, as
// in `scores.urgency >= 2 [scores.urgency=3]`: what to read when a rule did
// not fire as expected. It is slower than Decide.
func (p *Policy) Explain(ctx context.Context, c Case) (Decision, error) {
	return p.decide(ctx, c, true)
}

func (p *Policy) decide(ctx context.Context, c Case, explain bool) (Decision, error) {
	if err := ctx.Err(); err != nil {
		return Decision{}, err
	}
	if c.Now.IsZero() {
		c.Now = p.clock()
	}
	act := p.env.pool.Get().(*caseActivation)
	// The pooled activation keeps its copy of the case until its next use;
	// the pool drops idle activations at garbage collection.
	defer p.env.pool.Put(act)
	act.reset(&c, c.Now)

	d := Decision{PostID: c.Post.ID}
	var (
		errs      []error
		reply     *rule
		suppress  bool
		within    time.Duration
		hasWithin bool
		nActions  int
		// What each rule tried gave, kept on the stack until the trace is
		// made, so that the trace is allocated once at its size.
		stackTried [64]tried
		firedBuf   [16]*rule
	)
	triedRules := stackTried[:0]
	fired := firedBuf[:0]
	for _, r := range p.rules {
		ok, err := r.eval(act)
		tr := tried{ok: ok}
		if err != nil {
			tr.why = fmt.Sprintf("%s: error: %v", r.When, err)
			errs = append(errs, &RuleError{Rule: r.Name, Err: err})
		} else if explain {
			tr.why = r.When + " [" + r.values(act) + "]"
		}
		triedRules = append(triedRules, tr)
		if !ok {
			continue
		}
		fired = append(fired, r)
		nActions += len(r.actions)
		if r.Reply != "" {
			nActions++
		}
		if r.Route != "" {
			nActions-- // only the winning route is kept
		}
		if r.Suppress != "" {
			suppress = true
		}
		if r.terminal {
			break
		}
	}
	// Decide traces the rules that matched or failed; Explain every rule
	// tried.
	n := len(triedRules)
	if !explain {
		n = len(fired) + len(errs)
	}
	d.Trace = make([]RuleTrace, 0, n)
	for i, tr := range triedRules {
		if !explain && !tr.ok && tr.why == "" {
			continue
		}
		why := tr.why
		if why == "" {
			why = p.rules[i].When
		}
		d.Trace = append(d.Trace, RuleTrace{Rule: p.rules[i].Name, Matched: tr.ok, Why: why})
	}
	// Single-valued outcomes: the last rule that fired with a route (or a
	// reply) wins, so that in a first-match policy the deciding rule
	// overrides the defaults of the continue rules before it, and in an
	// all-match policy later rules refine earlier ones.
	var router *rule
	for _, r := range fired {
		if r.Route != "" {
			router = r
		}
		if r.Reply != "" && !suppress {
			reply = r
		}
	}
	if router != nil {
		d.Team, d.Queue = router.team, router.queue
	}
	d.Rules = make([]string, len(fired))
	if router != nil {
		nActions++
	}
	if len(errs) > 0 {
		nActions++
	}
	d.Actions = make([]Action, 0, nActions)
	for i, r := range fired {
		d.Rules[i] = r.Name
		if r.Priority != "" && r.Priority.rank() < d.Priority.rank() {
			d.Priority = r.Priority
		}
		if r.RespondWithin > 0 && (!hasWithin || r.RespondWithin < within) {
			within, hasWithin = r.RespondWithin, true
		}
		for _, a := range r.actions {
			switch {
			case a.Kind == ActRoute && r != router:
				continue
			case a.Kind == ActHold && suppress:
				continue
			case a.Kind == ActTag || a.Kind == ActAlert || a.Kind == ActHold:
				if hasAction(d.Actions, a) {
					continue
				}
			}
			d.Actions = append(d.Actions, a)
		}
		if r == reply {
			d.Actions = append(d.Actions, Action{Kind: ActReply, Template: r.Reply, Rule: r.Name})
		}
	}

	start := c.Now
	if cr := c.Post.Created; !cr.IsZero() && !cr.After(c.Now) {
		start = cr
	}
	if d.Priority != "" {
		d.RespondBy = p.deadliner.Due(start, d.Priority)
	}
	if hasWithin {
		if t := start.Add(within); d.RespondBy.IsZero() || t.Before(d.RespondBy) {
			d.RespondBy = t
		}
	}
	if reply != nil {
		text, err := p.templates[reply.Reply].render(&act.c, &d)
		if err != nil {
			// No text for the case's language (or a template failure): hold
			// for a person rather than reply in the wrong words.
			d.Actions = slices.DeleteFunc(d.Actions, func(a Action) bool { return a.Kind == ActReply })
			d.Actions = append(d.Actions, Action{Kind: ActHold, Reason: err.Error(), Rule: reply.Name})
		} else {
			d.Reply = text
		}
	}
	if len(errs) > 0 {
		d.Actions = append(d.Actions, Action{Kind: ActHold, Reason: "a rule failed to evaluate", Rule: errs[0].(*RuleError).Rule})
	}
	d.Case = c
	return d, errors.Join(errs...)
}

// tried is what one rule's condition gave in a decision.
type tried struct {
	ok  bool
	why string // set for errors and explanations
}

func hasAction(as []Action, a Action) bool {
	for _, b := range as {
		if b.Kind == a.Kind && b.Tag == a.Tag && b.Channel == a.Channel && (a.Kind != ActHold || b.Reason == a.Reason) {
			return true
		}
	}
	return false
}

// eval evaluates the rule's condition.
func (r *rule) eval(act *caseActivation) (bool, error) {
	if r.native != nil {
		if v, ok := r.native(act); ok {
			return v, nil
		}
	}
	return r.evalCEL(act)
}

// evalCEL evaluates the rule's condition on the CEL interpreter.
func (r *rule) evalCEL(act *caseActivation) (bool, error) {
	v, _, err := r.prg.Eval(act)
	if err != nil {
		return false, err
	}
	switch v {
	case types.True:
		return true, nil
	case types.False:
		return false, nil
	}
	if types.IsError(v) {
		return false, v.(*types.Err)
	}
	return false, fmt.Errorf("condition gave %v, not a bool", v)
}

// values formats the variables the rule's condition read, as name=value.
func (r *rule) values(act *caseActivation) string {
	var sb strings.Builder
	for i, vi := range r.vars {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(act.env.vars[vi].name)
		sb.WriteByte('=')
		sb.WriteString(formatVal(act.value(vi)))
	}
	return sb.String()
}

func formatVal(v ref.Val) string {
	switch x := v.(type) {
	case types.String:
		return fmt.Sprintf("%q", string(x))
	case types.Double:
		return fmt.Sprintf("%.3g", float64(x))
	case types.Timestamp:
		return x.Time.UTC().Format(time.RFC3339)
	case types.Duration:
		return x.Duration.String()
	}
	if l, ok := v.(traits.Lister); ok {
		if n, ok := l.Size().(types.Int); ok && n > 5 {
			return fmt.Sprintf("[%d elements]", int64(n))
		}
		if nv, err := l.ConvertToNative(reflect.TypeFor[[]string]()); err == nil {
			return fmt.Sprintf("%q", nv)
		}
	}
	return fmt.Sprint(v.Value())
}

// A RuleError is the failure of one rule's condition in a decision.
type RuleError struct {
	Rule string
	Err  error
}

// Error names the rule and what went wrong.
func (e *RuleError) Error() string { return fmt.Sprintf("rule %q: %v", e.Rule, e.Err) }

// Unwrap returns the evaluation error.
func (e *RuleError) Unwrap() error { return e.Err }

func cloneSpec(s Spec) Spec {
	out := s
	out.SLA = cloneSLA(s.SLA)
	out.Teams = slices.Clone(s.Teams)
	for i := range out.Teams {
		out.Teams[i].Queues = slices.Clone(out.Teams[i].Queues)
	}
	out.Channels = slices.Clone(s.Channels)
	out.Templates = slices.Clone(s.Templates)
	for i := range out.Templates {
		m := make(map[string]string, len(out.Templates[i].Text))
		for k, v := range out.Templates[i].Text {
			m[k] = v
		}
		out.Templates[i].Text = m
	}
	out.Rules = slices.Clone(s.Rules)
	for i := range out.Rules {
		out.Rules[i].Alert = slices.Clone(out.Rules[i].Alert)
		out.Rules[i].Tag = slices.Clone(out.Rules[i].Tag)
	}
	return out
}
