package respond

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/parser"
)

// Lint reads a policy's conditions as a small logic: each condition is
// put in disjunctive normal form over atoms. An atom is a comparison of one
// variable with constants (a numeric range, a set of strings, a bool), or,
// for anything else, an opaque sub-condition known by its text. Knowing the
// range of numeric variables (urgency is 0..3, sentiment -1..1) and the
// values of enumerations (intent, label, standing), lint finds:
//
//   - conditions that are always false, or always true (other than the
//     literal "true" of a catch-all rule);
//   - rules that can never fire because an earlier rule that stops the
//     evaluation matches every case they match (the later condition implies
//     the earlier one, atom by atom, or the earlier one is always true);
//   - comparisons with values a variable never takes (scores.intent ==
//     "complain");
//   - rules without actions, and teams, channels and templates declared
//     but never used.
//
// The analysis is sound but not complete: what it reports is true, and it
// is silent about what it cannot prove.

type atomKind uint8

const (
	akRange atomKind = iota + 1
	akSet
	akBool
	akOpaque
	akContains // v.containsAny(set) (b false) or v.containsAnyWord(set) (b true)
)

// numRange is a range of numbers, bounds included unless open.
type numRange struct {
	lo, hi         float64
	loOpen, hiOpen bool
}

func (a numRange) empty() bool {
	return a.lo > a.hi || a.lo == a.hi && (a.loOpen || a.hiOpen)
}

func (a numRange) intersect(b numRange) numRange {
	out := a
	if b.lo > out.lo || b.lo == out.lo && b.loOpen {
		out.lo, out.loOpen = b.lo, b.loOpen
	}
	if b.hi < out.hi || b.hi == out.hi && b.hiOpen {
		out.hi, out.hiOpen = b.hi, b.hiOpen
	}
	return out
}

// within reports whether a ⊆ b.
func (a numRange) within(b numRange) bool {
	if a.empty() {
		return true
	}
	loOK := a.lo > b.lo || a.lo == b.lo && (!b.loOpen || a.loOpen)
	hiOK := a.hi < b.hi || a.hi == b.hi && (!b.hiOpen || a.hiOpen)
	return loOK && hiOK
}

// integral narrows an numRange to the integers it holds, as a closed one.
func (a numRange) integral() numRange {
	lo, hi := math.Ceil(a.lo), math.Floor(a.hi)
	if a.loOpen && lo == a.lo {
		lo++
	}
	if a.hiOpen && hi == a.hi {
		hi--
	}
	return numRange{lo: lo, hi: hi}
}

type atom struct {
	kind atomKind
	v    int // variable index; -1 for opaque
	iv   numRange
	set  []string
	neg  bool // set: value not in set; opaque: negated
	b    bool
	text string // opaque: the sub-condition
}

// conj is a conjunction of atoms; the empty conjunction is true.
type conj []atom

// dnf is a disjunction of conjunctions; the empty disjunction is false.
type dnf []conj

const maxConjs = 64

var (
	dnfTrue  = dnf{conj{}}
	dnfFalse = dnf{}
)

type analyzer struct {
	env  *caseEnv
	info *ast.SourceInfo
	// unknownValues collects comparisons with values a variable never takes.
	unknownValues []string
}

func (an *analyzer) opaque(e ast.Expr) dnf {
	text, err := parser.Unparse(e, an.info)
	if err != nil {
		text = fmt.Sprintf("#%d", e.ID())
	}
	return dnf{conj{{kind: akOpaque, v: -1, text: text}}}
}

// build turns a checked boolean expression into DNF.
func (an *analyzer) build(e ast.Expr) dnf {
	switch e.Kind() {
	case ast.LiteralKind:
		switch e.AsLiteral() {
		case types.True:
			return dnfTrue
		case types.False:
			return dnfFalse
		}
	case ast.IdentKind:
		if i, ok := an.env.index[e.AsIdent()]; ok && an.env.vars[i].typ == cel.BoolType {
			return dnf{conj{{kind: akBool, v: i, b: true}}}
		}
	case ast.CallKind:
		call := e.AsCall()
		args := call.Args()
		switch call.FunctionName() {
		case "_&&_":
			return dnfAnd(an.build(args[0]), an.build(args[1]), func() dnf { return an.opaque(e) })
		case "_||_":
			return dnfOr(an.build(args[0]), an.build(args[1]), func() dnf { return an.opaque(e) })
		case "!_":
			return dnfNot(an.build(args[0]), func() dnf { return an.opaque(e) })
		case "_==_", "_!=_", "_<_", "_<=_", "_>_", "_>=_":
			if a, ok := an.compare(call.FunctionName(), args[0], args[1]); ok {
				return a
			}
		case "@in":
			if a, ok := an.in(args[0], args[1]); ok {
				return a
			}
		case "containsAny", "containsAnyWord":
			if vi, ok := an.varOf(call.Target()); ok && call.IsMemberFunction() && len(args) == 1 {
				if set, ok := constStrings(args[0]); ok {
					return dnf{conj{{kind: akContains, v: vi, set: set, b: call.FunctionName() == "containsAnyWord"}}}
				}
			}
		}
	}
	return an.opaque(e)
}

func dnfAnd(a, b dnf, fallback func() dnf) dnf {
	if len(a)*len(b) > maxConjs {
		return fallback()
	}
	out := make(dnf, 0, len(a)*len(b))
	for _, x := range a {
		for _, y := range b {
			c := make(conj, 0, len(x)+len(y))
			c = append(append(c, x...), y...)
			out = append(out, c)
		}
	}
	return out
}

func dnfOr(a, b dnf, fallback func() dnf) dnf {
	if len(a)+len(b) > maxConjs {
		return fallback()
	}
	return append(append(make(dnf, 0, len(a)+len(b)), a...), b...)
}

// not negates a DNF by De Morgan: the conjunction, over its conjunctions,
// of the disjunction of its negated atoms.
func dnfNot(a dnf, fallback func() dnf) dnf {
	out := dnfTrue
	for _, c := range a {
		var d dnf
		for _, at := range c {
			for _, n := range at.negate() {
				d = append(d, conj{n})
			}
		}
		out = dnfAnd(out, d, fallback)
		if len(out) > maxConjs {
			return fallback()
		}
	}
	return out
}

func (a atom) negate() []atom {
	switch a.kind {
	case akRange:
		var out []atom
		if !math.IsInf(a.iv.lo, -1) {
			out = append(out, atom{kind: akRange, v: a.v, iv: numRange{lo: math.Inf(-1), hi: a.iv.lo, hiOpen: !a.iv.loOpen}})
		}
		if !math.IsInf(a.iv.hi, 1) {
			out = append(out, atom{kind: akRange, v: a.v, iv: numRange{lo: a.iv.hi, loOpen: !a.iv.hiOpen, hi: math.Inf(1)}})
		}
		return out
	case akSet:
		a.neg = !a.neg
	case akBool:
		a.b = !a.b
	case akOpaque, akContains:
		a.neg = !a.neg
	}
	return []atom{a}
}

func (an *analyzer) varOf(e ast.Expr) (int, bool) {
	if e.Kind() != ast.IdentKind {
		return 0, false
	}
	i, ok := an.env.index[e.AsIdent()]
	return i, ok
}

func flipOp(op string) string {
	switch op {
	case "_<_":
		return "_>_"
	case "_<=_":
		return "_>=_"
	case "_>_":
		return "_<_"
	case "_>=_":
		return "_<=_"
	}
	return op
}

func (an *analyzer) compare(op string, l, r ast.Expr) (dnf, bool) {
	vi, ok := an.varOf(l)
	lit := r
	if !ok {
		if vi, ok = an.varOf(r); !ok {
			return nil, false
		}
		lit, op = l, flipOp(op)
	}
	if lit.Kind() != ast.LiteralKind {
		return nil, false
	}
	v := an.env.vars[vi]
	switch x := lit.AsLiteral().(type) {
	case types.Int, types.Uint, types.Double:
		f := toFloat(x)
		var iv numRange
		switch op {
		case "_==_":
			iv = numRange{lo: f, hi: f}
		case "_!=_":
			ne := atom{kind: akRange, v: vi, iv: numRange{lo: f, hi: f}}.negate()
			out := make(dnf, len(ne))
			for i, a := range ne {
				out[i] = conj{a}
			}
			return out, true
		case "_<_":
			iv = numRange{lo: math.Inf(-1), hi: f, hiOpen: true}
		case "_<=_":
			iv = numRange{lo: math.Inf(-1), hi: f}
		case "_>_":
			iv = numRange{lo: f, loOpen: true, hi: math.Inf(1)}
		case "_>=_":
			iv = numRange{lo: f, hi: math.Inf(1)}
		}
		return dnf{conj{{kind: akRange, v: vi, iv: iv}}}, true
	case types.String:
		if op != "_==_" && op != "_!=_" {
			return nil, false
		}
		an.checkValue(v, string(x))
		return dnf{conj{{kind: akSet, v: vi, set: []string{string(x)}, neg: op == "_!=_"}}}, true
	case types.Bool:
		if op != "_==_" && op != "_!=_" {
			return nil, false
		}
		return dnf{conj{{kind: akBool, v: vi, b: bool(x) == (op == "_==_")}}}, true
	}
	return nil, false
}

func toFloat(v any) float64 {
	switch x := v.(type) {
	case types.Int:
		return float64(x)
	case types.Uint:
		return float64(x)
	case types.Double:
		return float64(x)
	}
	return math.NaN()
}

func (an *analyzer) in(l, r ast.Expr) (dnf, bool) {
	vi, ok := an.varOf(l)
	if !ok || r.Kind() != ast.ListKind || an.env.vars[vi].typ != cel.StringType {
		return nil, false
	}
	var set []string
	for _, el := range r.AsList().Elements() {
		if el.Kind() != ast.LiteralKind {
			return nil, false
		}
		s, ok := el.AsLiteral().(types.String)
		if !ok {
			return nil, false
		}
		an.checkValue(an.env.vars[vi], string(s))
		set = append(set, string(s))
	}
	return dnf{conj{{kind: akSet, v: vi, set: set}}}, true
}

func (an *analyzer) checkValue(v celVar, s string) {
	switch {
	case v.enum != nil && !slices.Contains(v.enum, s):
		an.unknownValues = append(an.unknownValues, fmt.Sprintf("%s is never %q (it is one of %s)", v.name, s, quoteAll(v.enum)))
	case v.name == "scores.language" && s != "und" && !validLang(s):
		an.unknownValues = append(an.unknownValues, fmt.Sprintf("scores.language is never %q (it is a language code such as \"en\", or \"und\")", s))
	}
}

func quoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

// truth is the known value of an atom, conjunction or condition.
type truth int8

const (
	truthUnknown truth = iota
	truthTrue
	truthFalse
)

// domain returns the range of a numeric variable.
func (an *analyzer) domain(v int) numRange {
	cv := an.env.vars[v]
	if cv.ranged {
		return numRange{lo: cv.lo, hi: cv.hi}
	}
	return numRange{lo: math.Inf(-1), hi: math.Inf(1)}
}

func (an *analyzer) isInt(v int) bool { return an.env.vars[v].typ == cel.IntType }

// norm intersects a conjunction's atoms per variable, with the variable's
// domain, and tells whether the result is always false. Atoms that are
// always true are dropped.
func (an *analyzer) norm(c conj) (conj, bool) {
	out := make(conj, 0, len(c))
	idx := map[int]int{}
	for _, a := range c {
		if a.kind == akOpaque {
			for _, b := range out {
				if b.kind == akOpaque && b.text == a.text && b.neg != a.neg {
					return nil, false
				}
			}
			out = append(out, a)
			continue
		}
		if a.kind == akRange {
			a.iv = a.iv.intersect(an.domain(a.v))
			if an.isInt(a.v) {
				a.iv = a.iv.integral()
			}
		}
		j, seen := idx[a.v]
		if !seen {
			idx[a.v] = len(out)
			out = append(out, a)
			continue
		}
		b := &out[j]
		switch {
		case a.kind == akRange && b.kind == akRange:
			b.iv = b.iv.intersect(a.iv)
		case a.kind == akBool && b.kind == akBool:
			if a.b != b.b {
				return nil, false
			}
		case a.kind == akSet && b.kind == akSet:
			*b = intersectSets(*b, a)
		default:
			out = append(out, a)
		}
	}
	// Drop atoms always true; fail on atoms always false.
	kept := out[:0]
	for _, a := range out {
		switch an.atomTruth(a) {
		case truthFalse:
			return nil, false
		case truthTrue:
			continue
		}
		kept = append(kept, a)
	}
	return kept, true
}

func intersectSets(a, b atom) atom {
	switch {
	case !a.neg && !b.neg:
		a.set = slices.DeleteFunc(slices.Clone(a.set), func(s string) bool { return !slices.Contains(b.set, s) })
	case a.neg && b.neg:
		a.set = append(slices.Clone(a.set), b.set...)
	case !a.neg && b.neg:
		a.set = slices.DeleteFunc(slices.Clone(a.set), func(s string) bool { return slices.Contains(b.set, s) })
	default: // a.neg && !b.neg
		b.set = slices.DeleteFunc(slices.Clone(b.set), func(s string) bool { return slices.Contains(a.set, s) })
		return b
	}
	return a
}

func (an *analyzer) atomTruth(a atom) truth {
	switch a.kind {
	case akContains:
		if len(a.set) == 0 {
			if a.neg {
				return truthTrue
			}
			return truthFalse
		}
	case akRange:
		iv := a.iv.intersect(an.domain(a.v))
		if an.isInt(a.v) {
			iv = iv.integral()
		}
		if iv.empty() {
			return truthFalse
		}
		if an.domain(a.v).within(a.iv) {
			return truthTrue
		}
	case akSet:
		enum := an.env.vars[a.v].enum
		if !a.neg && len(a.set) == 0 {
			return truthFalse
		}
		if enum == nil {
			return truthUnknown
		}
		in := 0
		for _, e := range enum {
			if slices.Contains(a.set, e) {
				in++
			}
		}
		switch {
		case !a.neg && in == 0, a.neg && in == len(enum):
			return truthFalse
		case !a.neg && in == len(enum), a.neg && in == 0:
			return truthTrue
		}
	}
	return truthUnknown
}

// normDNF normalises every conjunction, dropping those always false.
func (an *analyzer) normDNF(d dnf) dnf {
	out := make(dnf, 0, len(d))
	for _, c := range d {
		if n, ok := an.norm(c); ok {
			out = append(out, n)
		}
	}
	return out
}

// truthOf tells whether a normalised condition is always true or false.
func (an *analyzer) truthOf(d dnf) truth {
	if len(d) == 0 {
		return truthFalse
	}
	for _, c := range d {
		if len(c) == 0 {
			return truthTrue
		}
	}
	// A disjunction of single atoms on one variable that together cover
	// its domain ("x > 1 || x <= 1").
	v, ok := -1, true
	for _, c := range d {
		if len(c) != 1 || c[0].kind == akOpaque || (v >= 0 && c[0].v != v) {
			ok = false
			break
		}
		v = c[0].v
	}
	if ok && an.covers(d, v) {
		return truthTrue
	}
	return truthUnknown
}

func (an *analyzer) covers(d dnf, v int) bool {
	switch d[0][0].kind {
	case akBool:
		seen := [2]bool{}
		for _, c := range d {
			if c[0].kind != akBool {
				return false
			}
			if c[0].b {
				seen[1] = true
			} else {
				seen[0] = true
			}
		}
		return seen[0] && seen[1]
	case akRange:
		ivs := make([]numRange, 0, len(d))
		for _, c := range d {
			if c[0].kind != akRange {
				return false
			}
			ivs = append(ivs, c[0].iv)
		}
		slices.SortFunc(ivs, func(a, b numRange) int {
			switch {
			case a.lo < b.lo:
				return -1
			case a.lo > b.lo:
				return 1
			}
			return 0
		})
		dom := an.domain(v)
		reach, open := dom.lo, dom.loOpen
		for _, iv := range ivs {
			gap := iv.lo > reach || iv.lo == reach && iv.loOpen && !open
			if an.isInt(v) && iv.lo <= reach+1 && !math.IsInf(reach, 0) {
				gap = false
			}
			if gap {
				return false
			}
			if iv.hi > reach || iv.hi == reach && !iv.hiOpen {
				reach, open = iv.hi, iv.hiOpen
			}
		}
		return reach > dom.hi || reach == dom.hi && !open
	case akSet:
		// Uncovered values are those in no positive set and in every
		// negative one (a negative set covers every value outside it).
		var pos []string
		var negs [][]string
		for _, c := range d {
			if c[0].kind != akSet {
				return false
			}
			if c[0].neg {
				negs = append(negs, c[0].set)
			} else {
				pos = append(pos, c[0].set...)
			}
		}
		uncovered := func(x string) bool {
			if slices.Contains(pos, x) {
				return false
			}
			for _, n := range negs {
				if !slices.Contains(n, x) {
					return false
				}
			}
			return true
		}
		if enum := an.env.vars[v].enum; enum != nil {
			return !slices.ContainsFunc(enum, uncovered)
		}
		if len(negs) == 0 {
			return false
		}
		return !slices.ContainsFunc(negs[0], uncovered)
	}
	return false
}

// implies reports whether every case that satisfies a satisfies b (both
// normalised).
func (an *analyzer) implies(a, b dnf) bool {
	for _, ca := range a {
		if !slices.ContainsFunc(b, func(cb conj) bool { return an.conjImplies(ca, cb) }) {
			return false
		}
	}
	return true
}

func (an *analyzer) conjImplies(a, b conj) bool {
	for _, y := range b {
		if !slices.ContainsFunc(a, func(x atom) bool { return an.atomImplies(x, y) }) {
			return false
		}
	}
	return true
}

func (an *analyzer) atomImplies(x, y atom) bool {
	if x.kind != y.kind || x.v != y.v {
		return false
	}
	switch x.kind {
	case akRange:
		return x.iv.within(y.iv)
	case akBool:
		return x.b == y.b
	case akOpaque:
		return x.text == y.text && x.neg == y.neg
	case akContains:
		// Finding one of fewer strings implies finding one of more.
		if x.b != y.b || x.neg != y.neg {
			return false
		}
		if x.neg {
			return setSubset(y.set, x.set)
		}
		return setSubset(x.set, y.set)
	case akSet:
		xs := x.set
		if enum := an.env.vars[x.v].enum; enum != nil && !x.neg {
			xs = slices.DeleteFunc(slices.Clone(xs), func(s string) bool { return !slices.Contains(enum, s) })
		}
		switch {
		case !x.neg && !y.neg:
			return setSubset(xs, y.set)
		case x.neg && y.neg:
			return setSubset(y.set, x.set)
		case !x.neg && y.neg:
			return !slices.ContainsFunc(xs, func(s string) bool { return slices.Contains(y.set, s) })
		}
	}
	return false
}

func setSubset(a, b []string) bool {
	for _, s := range a {
		if !slices.Contains(b, s) {
			return false
		}
	}
	return true
}

// lint analyses a compiled policy.
func lint(p *Policy, pos *positions) []Finding {
	var out []Finding
	warn := func(at Position, rule, code, format string, args ...any) {
		out = append(out, Finding{Pos: at, Rule: rule, Severity: SeverityWarning, Code: code, Msg: fmt.Sprintf(format, args...)})
	}
	info := func(at Position, rule, code, format string, args ...any) {
		out = append(out, Finding{Pos: at, Rule: rule, Severity: SeverityInfo, Code: code, Msg: fmt.Sprintf(format, args...)})
	}
	conds := make([]dnf, len(p.rules))
	truths := make([]truth, len(p.rules))
	for i, r := range p.rules {
		base := fmt.Sprintf("rules[%d]", r.index)
		whenAt := pos.expr(base+".when", r.When, 1, 0)
		an := &analyzer{env: p.env, info: r.ast.NativeRep().SourceInfo()}
		d := an.normDNF(an.build(r.ast.NativeRep().Expr()))
		conds[i] = d
		// Constant folding of the checked expression catches what the atom
		// logic does not model ("1 + 1 == 2").
		t := an.truthOf(d)
		if t == truthUnknown {
			t = folded(p.env, r.ast)
		}
		truths[i] = t
		for _, u := range slices.Compact(an.unknownValues) {
			warn(whenAt, r.Name, "unknown-value", "when: %s", u)
		}
		switch {
		case t == truthFalse:
			warn(whenAt, r.Name, "always-false", "when: condition is always false: the rule never fires")
		case t == truthTrue && strings.TrimSpace(r.When) != "true":
			warn(whenAt, r.Name, "always-true", "when: condition is always true (write when: \"true\" if that is meant)")
		}
		if len(r.actions) == 0 && r.Reply == "" && r.Priority == "" && r.RespondWithin == 0 {
			warn(pos.at(base), r.Name, "no-action", "the rule has no action (to say that a post needs nothing, use suppress)")
		}
		if r.metered {
			info(whenAt, r.Name, "metered", "when: no static bound on the condition's cost within the limit (%d): it is evaluated metered, which is slower", r.maxCost)
		}
		if t == truthFalse {
			continue
		}
		for j := range i {
			e := p.rules[j]
			if !e.terminal || truths[j] == truthFalse {
				continue
			}
			if truths[j] == truthTrue || an.implies(d, conds[j]) {
				why := "every case it matches is matched first by rule %q (%s)"
				if truths[j] == truthTrue {
					why = "rule %q before it always fires (%s)"
				}
				stop := "which stops the evaluation"
				if e.Suppress != "" {
					stop = "which suppresses"
				}
				warn(pos.at(base), r.Name, "unreachable", "unreachable: "+why+", "+stop, e.Name, pos.at(fmt.Sprintf("rules[%d]", e.index)))
				break
			}
		}
	}
	// Declarations nothing uses.
	used := map[string]bool{}
	for _, r := range p.rules {
		used["team:"+r.team] = true
		used["team:"+r.Escalate] = true
		used["template:"+r.Reply] = true
		for _, c := range r.Alert {
			used["channel:"+c] = true
		}
	}
	for i, t := range p.spec.Teams {
		if !used["team:"+t.Name] {
			info(pos.at(fmt.Sprintf("teams[%d]", i)), "", "unused", "team %q is declared but no rule routes or escalates to it", t.Name)
		}
	}
	for i, c := range p.spec.Channels {
		if !used["channel:"+c] {
			info(pos.at(fmt.Sprintf("channels[%d]", i)), "", "unused", "channel %q is declared but no rule alerts it", c)
		}
	}
	for i, t := range p.spec.Templates {
		if !used["template:"+t.Name] {
			info(pos.at(fmt.Sprintf("templates[%d]", i)), "", "unused", "template %q is declared but no rule replies with it", t.Name)
		}
	}
	slices.SortStableFunc(out, func(a, b Finding) int {
		if a.Pos.Line != b.Pos.Line {
			return a.Pos.Line - b.Pos.Line
		}
		return a.Pos.Column - b.Pos.Column
	})
	return out
}

// folded constant-folds a checked condition and reports a literal result.
func folded(env *caseEnv, a *cel.Ast) truth {
	f, err := cel.NewConstantFoldingOptimizer()
	if err != nil {
		return truthUnknown
	}
	opt, err := cel.NewStaticOptimizer(f)
	if err != nil {
		return truthUnknown
	}
	out, iss := opt.Optimize(env.env, a)
	if iss != nil && iss.Err() != nil {
		return truthUnknown
	}
	e := out.NativeRep().Expr()
	if e.Kind() == ast.LiteralKind {
		switch e.AsLiteral() {
		case types.True:
			return truthTrue
		case types.False:
			return truthFalse
		}
	}
	return truthUnknown
}
