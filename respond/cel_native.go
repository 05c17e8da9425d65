package respond

import (
	"math"
	"unicode"
	"unicode/utf8"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/types"
)

// The native evaluator runs the common subset of conditions as Go closures
// compiled from the checked CEL expression: comparisons of variables with
// constants, &&, ||, !, "in" a list, size(), containsAny and
// containsAnyWord with a constant list. It reads the case's fields without
// boxing them, and matches every word list of a policy against the post's
// text in one pass (an Aho-Corasick automaton) the first time a decision
// asks. A condition with anything else runs on the CEL interpreter. The
// two give the same result (a differential test checks it); where a value
// would make CEL fail (NaN), the native closure declines and CEL decides.

// nativeBool evaluates a condition; ok is false when it declines.
type nativeBool func(a *caseActivation) (v, ok bool)

type numExpr struct {
	isInt bool
	i     func(a *caseActivation) int64
	f     func(a *caseActivation) float64
}

type strExpr func(a *caseActivation) string

// nativeCompiler compiles the conditions of one policy.
type nativeCompiler struct {
	env      *caseEnv
	matchers map[int]*textMatcher // by string variable
}

func (nc *nativeCompiler) compile(a *cel.Ast) nativeBool {
	f, ok := nc.boolExpr(a.NativeRep().Expr())
	if !ok {
		return nil
	}
	return f
}

func (nc *nativeCompiler) varOf(e ast.Expr) (*celVar, bool) {
	if e.Kind() != ast.IdentKind {
		return nil, false
	}
	i, ok := nc.env.index[e.AsIdent()]
	if !ok {
		return nil, false
	}
	return &nc.env.vars[i], true
}

func (nc *nativeCompiler) boolExpr(e ast.Expr) (nativeBool, bool) {
	switch e.Kind() {
	case ast.LiteralKind:
		if b, ok := e.AsLiteral().(types.Bool); ok {
			v := bool(b)
			return func(*caseActivation) (bool, bool) { return v, true }, true
		}
	case ast.IdentKind:
		if v, ok := nc.varOf(e); ok && v.b != nil {
			get := v.b
			return func(a *caseActivation) (bool, bool) { return get(&a.ec), true }, true
		}
	case ast.CallKind:
		call := e.AsCall()
		args := call.Args()
		switch fn := call.FunctionName(); fn {
		case "_&&_", "_||_":
			l, ok1 := nc.boolExpr(args[0])
			r, ok2 := nc.boolExpr(args[1])
			if !ok1 || !ok2 {
				return nil, false
			}
			if fn == "_&&_" {
				return func(a *caseActivation) (bool, bool) {
					lv, ok := l(a)
					if !ok {
						return false, false
					}
					if !lv {
						return false, true
					}
					return r(a)
				}, true
			}
			return func(a *caseActivation) (bool, bool) {
				lv, ok := l(a)
				if !ok {
					return false, false
				}
				if lv {
					return true, true
				}
				return r(a)
			}, true
		case "!_":
			x, ok := nc.boolExpr(args[0])
			if !ok {
				return nil, false
			}
			return func(a *caseActivation) (bool, bool) { v, ok := x(a); return !v, ok }, true
		case "_==_", "_!=_", "_<_", "_<=_", "_>_", "_>=_":
			return nc.compare(fn, args[0], args[1])
		case "@in":
			return nc.in(args[0], args[1])
		case "containsAny", "containsAnyWord":
			if !call.IsMemberFunction() || len(args) != 1 {
				return nil, false
			}
			return nc.contains(fn == "containsAnyWord", call.Target(), args[0])
		}
	}
	return nil, false
}

func (nc *nativeCompiler) numExpr(e ast.Expr) (numExpr, bool) {
	switch e.Kind() {
	case ast.LiteralKind:
		switch x := e.AsLiteral().(type) {
		case types.Int:
			v := int64(x)
			return numExpr{isInt: true, i: func(*caseActivation) int64 { return v }}, true
		case types.Double:
			v := float64(x)
			return numExpr{f: func(*caseActivation) float64 { return v }}, true
		}
	case ast.IdentKind:
		v, ok := nc.varOf(e)
		switch {
		case !ok:
		case v.i != nil:
			get := v.i
			return numExpr{isInt: true, i: func(a *caseActivation) int64 { return get(&a.ec) }}, true
		case v.f != nil:
			get := v.f
			return numExpr{f: func(a *caseActivation) float64 { return get(&a.ec) }}, true
		}
	case ast.CallKind:
		call := e.AsCall()
		if call.FunctionName() != "size" || len(call.Args()) != 1 || call.IsMemberFunction() {
			return numExpr{}, false
		}
		v, ok := nc.varOf(call.Args()[0])
		switch {
		case !ok:
		case v.l != nil:
			get := v.l
			return numExpr{isInt: true, i: func(a *caseActivation) int64 { return int64(len(capList(get(&a.ec)))) }}, true
		case v.s != nil:
			get := v.s
			return numExpr{isInt: true, i: func(a *caseActivation) int64 { return int64(utf8.RuneCountInString(get(&a.ec))) }}, true
		}
	}
	return numExpr{}, false
}

func (n numExpr) float() func(a *caseActivation) float64 {
	if n.isInt {
		i := n.i
		return func(a *caseActivation) float64 { return float64(i(a)) }
	}
	return n.f
}

func (nc *nativeCompiler) strExpr(e ast.Expr) (strExpr, bool) {
	switch e.Kind() {
	case ast.LiteralKind:
		if s, ok := e.AsLiteral().(types.String); ok {
			v := string(s)
			return func(*caseActivation) string { return v }, true
		}
	case ast.IdentKind:
		if v, ok := nc.varOf(e); ok && v.s != nil {
			get := v.s
			return func(a *caseActivation) string { return get(&a.ec) }, true
		}
	}
	return nil, false
}

func cmpResult[T int64 | float64 | string](op string, l, r T) bool {
	switch op {
	case "_==_":
		return l == r
	case "_!=_":
		return l != r
	case "_<_":
		return l < r
	case "_<=_":
		return l <= r
	case "_>_":
		return l > r
	}
	return l >= r
}

func (nc *nativeCompiler) compare(op string, le, re ast.Expr) (nativeBool, bool) {
	if l, ok := nc.numExpr(le); ok {
		r, ok := nc.numExpr(re)
		if !ok {
			return nil, false
		}
		if l.isInt && r.isInt {
			li, ri := l.i, r.i
			return func(a *caseActivation) (bool, bool) { return cmpResult(op, li(a), ri(a)), true }, true
		}
		lf, rf := l.float(), r.float()
		return func(a *caseActivation) (bool, bool) {
			x, y := lf(a), rf(a)
			if math.IsNaN(x) || math.IsNaN(y) {
				return false, false // CEL's own rules for NaN apply
			}
			return cmpResult(op, x, y), true
		}, true
	}
	if op != "_==_" && op != "_!=_" {
		return nil, false
	}
	if l, ok := nc.strExpr(le); ok {
		r, ok := nc.strExpr(re)
		if !ok {
			return nil, false
		}
		return func(a *caseActivation) (bool, bool) { return cmpResult(op, l(a), r(a)), true }, true
	}
	l, ok1 := nc.boolExpr(le)
	r, ok2 := nc.boolExpr(re)
	if !ok1 || !ok2 {
		return nil, false
	}
	eq := op == "_==_"
	return func(a *caseActivation) (bool, bool) {
		x, ok := l(a)
		if !ok {
			return false, false
		}
		y, ok := r(a)
		return (x == y) == eq, ok
	}, true
}

func constStrings(e ast.Expr) ([]string, bool) {
	if e.Kind() != ast.ListKind {
		return nil, false
	}
	var out []string
	for _, el := range e.AsList().Elements() {
		if el.Kind() != ast.LiteralKind {
			return nil, false
		}
		s, ok := el.AsLiteral().(types.String)
		if !ok {
			return nil, false
		}
		out = append(out, string(s))
	}
	return out, true
}

func (nc *nativeCompiler) in(le, re ast.Expr) (nativeBool, bool) {
	l, ok := nc.strExpr(le)
	if !ok {
		return nil, false
	}
	if set, ok := constStrings(re); ok {
		return func(a *caseActivation) (bool, bool) {
			x := l(a)
			for _, s := range set {
				if s == x {
					return true, true
				}
			}
			return false, true
		}, true
	}
	if v, ok := nc.varOf(re); ok && v.l != nil {
		get := v.l
		return func(a *caseActivation) (bool, bool) {
			x := l(a)
			for _, s := range capList(get(&a.ec)) {
				if s == x {
					return true, true
				}
			}
			return false, true
		}, true
	}
	return nil, false
}

func (nc *nativeCompiler) contains(words bool, target, list ast.Expr) (nativeBool, bool) {
	v, ok := nc.varOf(target)
	if !ok || v.s == nil {
		return nil, false
	}
	pats, ok := constStrings(list)
	if !ok {
		return nil, false
	}
	vi := nc.env.index[v.name]
	m := nc.matchers[vi]
	if m == nil {
		m = &textMatcher{varIdx: vi, id: len(nc.matchers)}
		nc.matchers[vi] = m
	}
	var ids []int
	for _, p := range pats {
		pat := acPattern{text: p}
		if words {
			var star bool
			pat.text, star = cutStar(p)
			pat.word, pat.prefix = true, star
			if pat.text == "" {
				continue // matches nothing, as in hasWord
			}
		} else if p == "" {
			return func(*caseActivation) (bool, bool) { return true, true }, true // strings.Contains(s, "")
		}
		ids = append(ids, m.add(pat))
	}
	if len(ids) == 0 {
		return func(*caseActivation) (bool, bool) { return false, true }, true
	}
	mid := m.id
	return func(a *caseActivation) (bool, bool) {
		bits := a.matches(mid)
		for _, id := range ids {
			if bits[id>>6]&(1<<(id&63)) != 0 {
				return true, true
			}
		}
		return false, true
	}, true
}

func cutStar(s string) (string, bool) {
	if len(s) > 0 && s[len(s)-1] == '*' {
		return s[:len(s)-1], true
	}
	return s, false
}

// acPattern is one string a text matcher looks for.
type acPattern struct {
	text   string
	word   bool // only at word boundaries
	prefix bool // with word: any word ending allowed
}

// textMatcher finds, in one pass over one string variable, which of a
// policy's patterns occur in it: an Aho-Corasick automaton over bytes, its
// transitions a dense table over the classes of bytes the patterns use.
type textMatcher struct {
	varIdx int
	id     int
	pats   []acPattern
	index  map[acPattern]int

	classes [256]uint8
	fold    [256]uint8 // classes with ASCII upper case folded to lower
	nclass  int
	next    []int32   // state*nclass + class
	out     [][]int32 // patterns ending at each state
	// row is the scanning form of next: the entry for (state, class) at
	// state*nclass+class is the next state's row offset (its number times
	// nclass), negated minus one when patterns end there.
	row []int32
}

func (m *textMatcher) add(p acPattern) int {
	if m.index == nil {
		m.index = map[acPattern]int{}
	}
	if id, ok := m.index[p]; ok {
		return id
	}
	m.pats = append(m.pats, p)
	m.index[p] = len(m.pats) - 1
	return len(m.pats) - 1
}

func (m *textMatcher) build() {
	// Byte classes: 0 for bytes no pattern uses.
	m.nclass = 1
	for _, p := range m.pats {
		for i := 0; i < len(p.text); i++ {
			if m.classes[p.text[i]] == 0 {
				m.classes[p.text[i]] = uint8(m.nclass)
				m.nclass++
			}
		}
	}
	m.fold = m.classes
	for c := 'A'; c <= 'Z'; c++ {
		m.fold[c] = m.classes[c+'a'-'A']
	}
	// The trie.
	type node struct {
		child map[uint8]int32
		out   []int32
	}
	nodes := []node{{child: map[uint8]int32{}}}
	for id, p := range m.pats {
		s := int32(0)
		for i := 0; i < len(p.text); i++ {
			c := m.classes[p.text[i]]
			nx, ok := nodes[s].child[c]
			if !ok {
				nx = int32(len(nodes))
				nodes = append(nodes, node{child: map[uint8]int32{}})
				nodes[s].child[c] = nx
			}
			s = nx
		}
		nodes[s].out = append(nodes[s].out, int32(id))
	}
	// Breadth first: failure links resolved into a full transition table.
	n := len(nodes)
	m.next = make([]int32, n*m.nclass)
	m.out = make([][]int32, n)
	fail := make([]int32, n)
	queue := make([]int32, 0, n)
	for c := 0; c < m.nclass; c++ {
		if nx, ok := nodes[0].child[uint8(c)]; ok && c != 0 {
			m.next[c] = nx
			queue = append(queue, nx)
		}
	}
	m.out[0] = nodes[0].out
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		m.out[s] = append(append([]int32(nil), nodes[s].out...), m.out[fail[s]]...)
		for c := 0; c < m.nclass; c++ {
			nx, ok := nodes[s].child[uint8(c)]
			if ok && c != 0 {
				fail[nx] = m.next[int(fail[s])*m.nclass+c]
				m.next[int(s)*m.nclass+c] = nx
				queue = append(queue, nx)
			} else {
				m.next[int(s)*m.nclass+c] = m.next[int(fail[s])*m.nclass+c]
			}
		}
	}
	m.buildRows()
}

func (m *textMatcher) buildRows() {
	m.row = make([]int32, len(m.next))
	for i, st := range m.next {
		off := st * int32(m.nclass)
		if len(m.out[st]) > 0 {
			off = -off - 1
		}
		m.row[i] = off
	}
}

// scan sets, in bits, the patterns found in s. With fold, s is read as if
// its ASCII letters were in lower case; scan then gives up, reporting
// false, at the first character for which that is not what strings.ToLower
// does (invalid UTF-8, or a character with a lower case of its own).
func (m *textMatcher) scan(s string, bits []uint64, fold bool) bool {
	classes := &m.classes
	if fold {
		classes = &m.fold
	}
	row := int32(0)
	checked := 0 // with fold: s[:checked] is known to lower by folding
	for i := 0; i < len(s); i++ {
		if fold && s[i] >= utf8.RuneSelf && i >= checked {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 || unicode.ToLower(r) != r {
				return false
			}
			checked = i + size
		}
		row = m.row[row+int32(classes[s[i]])]
		if row >= 0 {
			continue
		}
		row = -row - 1
		for _, id := range m.out[row/int32(m.nclass)] {
			if bits[id>>6]&(1<<(id&63)) != 0 {
				continue
			}
			p := &m.pats[id]
			if p.word {
				start, end := i+1-len(p.text), i+1
				before, _ := utf8.DecodeLastRuneInString(s[:start])
				after, _ := utf8.DecodeRuneInString(s[end:])
				if start > 0 && isWordChar(before) || !p.prefix && end < len(s) && isWordChar(after) {
					continue
				}
			}
			bits[id>>6] |= 1 << (id & 63)
		}
	}
	return true
}
