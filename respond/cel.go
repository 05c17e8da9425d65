package respond

import (
	"fmt"
	"math"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/cost"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"
	"cel.dev/cel-go/interpreter"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/score"
)

// maxListLen is the most elements a list variable (post.mentions,
// post.tags, scores.reasons, surge.keys, ...) shows a condition. Longer
// lists are cut to their first maxListLen elements, so that every
// condition's worst-case cost can be bounded when the policy loads.
const maxListLen = 256

// A celVar is one variable a rule's condition may read. Its name is
// qualified ("scores.urgency"): CEL resolves the dotted name as one
// identifier, so reading it costs one lookup and no map or struct access.
type celVar struct {
	name string
	typ  *cel.Type
	doc  string
	// One getter gives the variable's value: b, i, f, s or l by its type,
	// get for timestamps and durations (and, derived, for every variable).
	b   func(e *evalCase) bool
	i   func(e *evalCase) int64
	f   func(e *evalCase) float64
	s   func(e *evalCase) string
	l   func(e *evalCase) []string
	get func(e *evalCase) ref.Val
	// For lint: the range of a numeric variable (lo <= v <= hi), and the
	// values a string variable can take (nil if any string).
	lo, hi float64
	ranged bool
	enum   []string
	// size bounds the length of a string or list variable (0: unbounded
	// by type, see sizeHint).
	size uint64
}

// evalCase is the case under evaluation with what is derived from it once.
type evalCase struct {
	c     *Case
	now   time.Time
	lower string
	low   bool
}

func (e *evalCase) textLower() string {
	if !e.low {
		e.lower = strings.ToLower(capText(e.c.Post.Text))
		e.low = true
	}
	return e.lower
}

// countLinks counts the words of s that are links (see isLink). Only the
// words around a '.', ':' or '@' (or their look-alikes) are looked at.
func countLinks(s string) int {
	n := 0
	for i := 0; i < len(s); {
		k := strings.IndexAny(s[i:], ".:@。．｡＠﹫")
		if k < 0 {
			break
		}
		k += i
		start := strings.LastIndexFunc(s[:k], unicode.IsSpace) + 1
		end := strings.IndexFunc(s[k:], unicode.IsSpace)
		if end < 0 {
			end = len(s)
		} else {
			end += k
		}
		if isLink(s[start:end]) {
			n++
		}
		i = end
	}
	return n
}

func capText(s string) string {
	if len(s) > hark.MaxTextBytes {
		return s[:hark.MaxTextBytes]
	}
	return s
}

func capList(l []string) []string {
	if len(l) > maxListLen {
		return l[:maxListLen]
	}
	return l
}

func strList(l []string) ref.Val {
	return types.NewStringList(types.DefaultTypeAdapter, capList(l))
}

func sinceDur(now, t time.Time) ref.Val {
	if t.IsZero() || t.After(now) {
		return types.Duration{Duration: 0}
	}
	return types.Duration{Duration: now.Sub(t)}
}

var (
	intents   = []string{"complaint", "question", "praise", "suggestion", "purchase_intent", "crisis", "spam", "other"}
	labels    = []string{"positive", "neutral", "negative", "unknown"}
	standings = []string{"advocate", "detractor", "neutral", ""}
)

// caseVars lists the variables of a policy's conditions, in the order
// documented in the package comment. The table is never modified.
func caseVars() []celVar {
	vars := rawCaseVars()
	for i := range vars {
		v := &vars[i]
		switch {
		case v.get != nil:
		case v.b != nil:
			b := v.b
			v.get = func(e *evalCase) ref.Val { return types.Bool(b(e)) }
		case v.i != nil:
			f := v.i
			v.get = func(e *evalCase) ref.Val { return types.Int(f(e)) }
		case v.f != nil:
			f := v.f
			v.get = func(e *evalCase) ref.Val { return types.Double(f(e)) }
		case v.s != nil:
			f := v.s
			v.get = func(e *evalCase) ref.Val { return types.String(f(e)) }
		case v.l != nil:
			f := v.l
			v.get = func(e *evalCase) ref.Val { return strList(f(e)) }
		}
	}
	return vars
}

func rawCaseVars() []celVar {
	textSize := uint64(hark.MaxTextBytes)
	return []celVar{
		// The post.
		{name: "post.id", typ: cel.StringType, doc: "the post's ID", size: textSize,
			s: func(e *evalCase) string { return e.c.Post.ID }},
		{name: "post.source", typ: cel.StringType, doc: "where the post was heard: bluesky, reddit, forum, ...", size: textSize,
			s: func(e *evalCase) string { return e.c.Post.Source }},
		{name: "post.url", typ: cel.StringType, doc: "where a person can read the post", size: textSize,
			s: func(e *evalCase) string { return e.c.Post.URL }},
		{name: "post.text", typ: cel.StringType, doc: "the post's text", size: textSize,
			s: func(e *evalCase) string { return capText(e.c.Post.Text) }},
		{name: "post.text_lower", typ: cel.StringType, doc: "the post's text in lower case", size: textSize,
			s: func(e *evalCase) string { return e.textLower() }},
		{name: "post.lang", typ: cel.StringType, doc: "the language the platform declared, if any", size: 64,
			s: func(e *evalCase) string { return e.c.Post.Lang }},
		{name: "post.created", typ: cel.TimestampType, doc: "when the post was written (zero time if unknown)",
			get: func(e *evalCase) ref.Val { return types.Timestamp{Time: e.c.Post.Created} }},
		{name: "post.age", typ: cel.DurationType, doc: "how long ago the post was written (0s if unknown)",
			get: func(e *evalCase) ref.Val { return sinceDur(e.now, e.c.Post.Created) }},
		{name: "post.is_reply", typ: cel.BoolType, doc: "the post replies to another",
			b: func(e *evalCase) bool { return e.c.Post.ParentID != "" }},
		{name: "post.is_repost", typ: cel.BoolType, doc: "the post reposts or quotes another",
			b: func(e *evalCase) bool { return e.c.Post.RepostOf != "" }},
		{name: "post.links", typ: cel.IntType, doc: "how many words of the text are links, domains or e-mail addresses", lo: 0, hi: math.Inf(1), ranged: true,
			i: func(e *evalCase) int64 { return int64(countLinks(capText(e.c.Post.Text))) }},
		{name: "post.mentions", typ: cel.ListType(cel.StringType), doc: "handles the post mentions, with their @", size: maxListLen,
			l: func(e *evalCase) []string { return e.c.Post.Mentions }},
		{name: "post.tags", typ: cel.ListType(cel.StringType), doc: "the post's hashtags, with their #", size: maxListLen,
			l: func(e *evalCase) []string { return e.c.Post.Tags }},
		{name: "post.likes", typ: cel.IntType, doc: "likes", lo: 0, hi: math.Inf(1), ranged: true,
			i: func(e *evalCase) int64 { return int64(e.c.Post.Metrics.Likes) }},
		{name: "post.reposts", typ: cel.IntType, doc: "reposts", lo: 0, hi: math.Inf(1), ranged: true,
			i: func(e *evalCase) int64 { return int64(e.c.Post.Metrics.Reposts) }},
		{name: "post.replies", typ: cel.IntType, doc: "replies", lo: 0, hi: math.Inf(1), ranged: true,
			i: func(e *evalCase) int64 { return int64(e.c.Post.Metrics.Replies) }},
		{name: "post.quotes", typ: cel.IntType, doc: "quotes", lo: 0, hi: math.Inf(1), ranged: true,
			i: func(e *evalCase) int64 { return int64(e.c.Post.Metrics.Quotes) }},
		{name: "post.views", typ: cel.IntType, doc: "views", lo: 0, hi: math.Inf(1), ranged: true,
			i: func(e *evalCase) int64 { return int64(e.c.Post.Metrics.Views) }},
		{name: "post.engagement", typ: cel.IntType, doc: "likes + reposts + replies + quotes", lo: 0, hi: math.Inf(1), ranged: true,
			i: func(e *evalCase) int64 {
				m := e.c.Post.Metrics
				return m.Likes + m.Reposts + m.Replies + m.Quotes
			}},

		// The author, as the source describes them and as influence judged them.
		{name: "author.id", typ: cel.StringType, doc: "the author's ID on the source", size: textSize,
			s: func(e *evalCase) string { return e.c.Post.Author.ID }},
		{name: "author.handle", typ: cel.StringType, doc: "the author's handle", size: textSize,
			s: func(e *evalCase) string { return e.c.Post.Author.Handle }},
		{name: "author.followers", typ: cel.IntType, doc: "followers", lo: 0, hi: math.Inf(1), ranged: true,
			i: func(e *evalCase) int64 { return int64(e.c.Post.Author.Followers) }},
		{name: "author.following", typ: cel.IntType, doc: "accounts the author follows", lo: 0, hi: math.Inf(1), ranged: true,
			i: func(e *evalCase) int64 { return int64(e.c.Post.Author.Following) }},
		{name: "author.verified", typ: cel.BoolType, doc: "the source verified the account",
			b: func(e *evalCase) bool { return e.c.Post.Author.Verified }},
		{name: "author.age", typ: cel.DurationType, doc: "the account's age (0s if unknown)",
			get: func(e *evalCase) ref.Val { return sinceDur(e.now, e.c.Post.Author.Created) }},
		{name: "author.influence", typ: cel.DoubleType, doc: "influence 0..100", lo: 0, hi: 100, ranged: true,
			f: func(e *evalCase) float64 { return e.c.Author.Influence }},
		{name: "author.reach", typ: cel.DoubleType, doc: "expected impressions of one post", lo: 0, hi: math.Inf(1), ranged: true,
			f: func(e *evalCase) float64 { return e.c.Author.Reach }},
		{name: "author.rank", typ: cel.IntType, doc: "graph rank, 1 = highest, 0 = unranked", lo: 0, hi: math.Inf(1), ranged: true,
			i: func(e *evalCase) int64 { return int64(e.c.Author.Rank) }},
		{name: "author.standing", typ: cel.StringType, doc: "advocate, detractor, neutral, or \"\" if unknown", enum: standings, size: 16,
			s: func(e *evalCase) string { return string(e.c.Author.Standing) }},
		{name: "author.helper", typ: cel.BoolType, doc: "the author answers other customers' questions",
			b: func(e *evalCase) bool { return e.c.Author.Helper }},
		{name: "author.bot", typ: cel.DoubleType, doc: "likelihood 0..1 that the account is a bot", lo: 0, hi: 1, ranged: true,
			f: func(e *evalCase) float64 { return e.c.Author.Bot }},

		// The scorer's judgement.
		{name: "scores.sentiment", typ: cel.DoubleType, doc: "-1 (most negative) .. 1", lo: -1, hi: 1, ranged: true,
			f: func(e *evalCase) float64 { return e.c.Scores.Sentiment }},
		{name: "scores.label", typ: cel.StringType, doc: "positive, neutral, negative, unknown", enum: labels, size: 16,
			s: func(e *evalCase) string { return string(e.c.Scores.Label) }},
		{name: "scores.confidence", typ: cel.DoubleType, doc: "confidence 0..1 in the label", lo: 0, hi: 1, ranged: true,
			f: func(e *evalCase) float64 { return e.c.Scores.Confidence }},
		{name: "scores.urgency", typ: cel.IntType, doc: "0 none, 1 low, 2 high, 3 critical", lo: 0, hi: 3, ranged: true,
			i: func(e *evalCase) int64 { return int64(e.c.Scores.Urgency) }},
		{name: "scores.urgency_score", typ: cel.DoubleType, doc: "urgency 0..1", lo: 0, hi: 1, ranged: true,
			f: func(e *evalCase) float64 { return e.c.Scores.UrgencyScore }},
		{name: "scores.intent", typ: cel.StringType, doc: "complaint, question, praise, suggestion, purchase_intent, crisis, spam, other", enum: intents, size: 32,
			s: func(e *evalCase) string { return string(e.c.Scores.Intent) }},
		{name: "scores.language", typ: cel.StringType, doc: "detected language (ISO 639-1) or und", size: 16,
			s: func(e *evalCase) string { return e.c.Scores.Language }},
		{name: "scores.spam", typ: cel.DoubleType, doc: "likelihood 0..1 of spam", lo: 0, hi: 1, ranged: true,
			f: func(e *evalCase) float64 { return e.c.Scores.Spam }},
		{name: "scores.products", typ: cel.ListType(cel.StringType), doc: "products the post is about", size: maxListLen,
			l: func(e *evalCase) []string { return aboutKind(e.c.Scores.About, "product") }},
		{name: "scores.places", typ: cel.ListType(cel.StringType), doc: "places the post is about", size: maxListLen,
			l: func(e *evalCase) []string { return aboutKind(e.c.Scores.About, "place") }},
		{name: "scores.about", typ: cel.ListType(cel.StringType), doc: "names of everything the post is about", size: maxListLen,
			l: func(e *evalCase) []string { return aboutKind(e.c.Scores.About, "") }},
		{name: "scores.reasons", typ: cel.ListType(cel.StringType), doc: "codes of the scorer's reasons", size: maxListLen,
			l: func(e *evalCase) []string {
				rs := e.c.Scores.Reasons
				if len(rs) > maxListLen {
					rs = rs[:maxListLen]
				}
				codes := make([]string, len(rs))
				for i, r := range rs {
					codes[i] = r.Code
				}
				return codes
			}},

		// The conversation.
		{name: "thread.replies", typ: cel.IntType, doc: "replies in the thread", lo: 0, hi: math.Inf(1), ranged: true,
			i: func(e *evalCase) int64 { return int64(e.c.Thread.Replies) }},
		{name: "thread.answered_by_brand", typ: cel.BoolType, doc: "the brand already replied in the thread",
			b: func(e *evalCase) bool { return e.c.Thread.AnsweredByBrand }},
		{name: "thread.answered_by_customer", typ: cel.BoolType, doc: "another customer already answered",
			b: func(e *evalCase) bool { return e.c.Thread.AnsweredByCustomer }},
		{name: "thread.opted_out", typ: cel.BoolType, doc: "the author asked not to be contacted",
			b: func(e *evalCase) bool { return e.c.Thread.OptedOut }},
		{name: "thread.prior_contacts", typ: cel.IntType, doc: "the author's earlier open posts on the same problem", lo: 0, hi: math.Inf(1), ranged: true,
			i: func(e *evalCase) int64 { return int64(e.c.Thread.PriorContacts) }},

		// Surges.
		{name: "surge.active", typ: cel.BoolType, doc: "a surge alert is open for one of the post's keys",
			b: func(e *evalCase) bool { return e.c.Surge.Active }},
		{name: "surge.keys", typ: cel.ListType(cel.StringType), doc: "keys with an open surge alert", size: maxListLen,
			l: func(e *evalCase) []string { return e.c.Surge.Keys }},
		{name: "surge.score", typ: cel.DoubleType, doc: "highest surge score 0..1", lo: 0, hi: 1, ranged: true,
			f: func(e *evalCase) float64 { return e.c.Surge.Score }},

		// Time.
		{name: "now", typ: cel.TimestampType, doc: "the time of the decision",
			get: func(e *evalCase) ref.Val { return types.Timestamp{Time: e.now} }},
	}
}

func aboutKind(about []score.Entity, kind string) []string {
	var n int
	for _, a := range about {
		if kind == "" || a.Kind == kind {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	out := make([]string, 0, n)
	for _, a := range about {
		if kind == "" || a.Kind == kind {
			out = append(out, a.Name)
		}
	}
	return out
}

// caseEnv is the compiled vocabulary of conditions, shared by the rules of
// one policy: the CEL environment, the variables and their index.
type caseEnv struct {
	env      *cel.Env
	vars     []celVar
	index    map[string]int
	matchers []*textMatcher // by id, built with the policy
	// textLowerIdx is the index of post.text_lower.
	textLowerIdx int
	pool         sync.Pool // *caseActivation
}

// Overloads of the functions a policy adds to CEL.
const (
	// string.containsAny(list(string)): the string contains one of the list's.
	containsAnyID = "string_contains_any_list"
	// string.containsAnyWord(list(string)): the string contains one of the
	// list's as whole words; a trailing '*' matches any word ending.
	containsAnyWordID = "string_contains_any_word_list"
)

func newCaseEnv() (*caseEnv, error) {
	vars := caseVars()
	ce := &caseEnv{vars: vars, index: make(map[string]int, len(vars))}
	opts := make([]cel.EnvOption, 0, len(vars)+2)
	for i, v := range vars {
		ce.index[v.name] = i
		opts = append(opts, cel.Variable(v.name, v.typ))
	}
	opts = append(opts,
		cel.Function("containsAny",
			cel.MemberOverload(containsAnyID, []*cel.Type{cel.StringType, cel.ListType(cel.StringType)}, cel.BoolType,
				cel.BinaryBinding(containsAny))),
		cel.Function("containsAnyWord",
			cel.MemberOverload(containsAnyWordID, []*cel.Type{cel.StringType, cel.ListType(cel.StringType)}, cel.BoolType,
				cel.BinaryBinding(containsAnyWord))),
	)
	env, err := cel.NewEnv(opts...)
	if err != nil {
		return nil, fmt.Errorf("respond: condition environment: %w", err)
	}
	ce.textLowerIdx = ce.index["post.text_lower"]
	ce.env = env
	n := len(vars)
	ce.pool.New = func() any {
		a := &caseActivation{env: ce, vals: make([]ref.Val, n), done: make([]bool, len(ce.matchers)), bits: make([][]uint64, len(ce.matchers))}
		for i, m := range ce.matchers {
			a.bits[i] = make([]uint64, (len(m.pats)+63)/64)
		}
		return a
	}
	return ce, nil
}

// containsAny reports whether the string contains any of the list's strings.
func containsAny(s, l ref.Val) ref.Val {
	str, ok := s.(types.String)
	if !ok {
		return types.MaybeNoSuchOverloadErr(s)
	}
	switch list := l.(type) {
	case traits.Lister:
		for i := range int(list.Size().(types.Int)) {
			if sub, ok := list.Get(types.Int(i)).(types.String); ok && strings.Contains(string(str), string(sub)) {
				return types.True
			}
		}
		return types.False
	}
	return types.MaybeNoSuchOverloadErr(l)
}

// containsAnyWord reports whether the string contains any of the list's
// strings as whole words: not preceded or followed by a letter or digit.
// A trailing '*' in a list element lifts the check at its end, so
// "overcharg*" matches "overcharged" and "overcharging".
func containsAnyWord(s, l ref.Val) ref.Val {
	str, ok := s.(types.String)
	if !ok {
		return types.MaybeNoSuchOverloadErr(s)
	}
	list, ok := l.(traits.Lister)
	if !ok {
		return types.MaybeNoSuchOverloadErr(l)
	}
	for i := range int(list.Size().(types.Int)) {
		if w, ok := list.Get(types.Int(i)).(types.String); ok && hasWord(string(str), string(w)) {
			return types.True
		}
	}
	return types.False
}

func hasWord(s, w string) bool {
	w, prefix := strings.CutSuffix(w, "*")
	if w == "" {
		return false
	}
	for from := 0; from <= len(s)-len(w); {
		i := strings.Index(s[from:], w)
		if i < 0 {
			return false
		}
		i += from
		end := i + len(w)
		before, _ := utf8.DecodeLastRuneInString(s[:i])
		after, _ := utf8.DecodeRuneInString(s[end:])
		if (i == 0 || !isWordChar(before)) && (prefix || end == len(s) || !isWordChar(after)) {
			return true
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		from = i + size
	}
	return false
}

func isWordChar(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// caseActivation resolves a condition's variables from one case, computing each
// at most once per decision.
type caseActivation struct {
	env   *caseEnv
	c     Case
	ec    evalCase
	vals  []ref.Val
	dirty bool       // some vals are set
	done  []bool     // per text matcher: scanned for this case
	bits  [][]uint64 // per text matcher: the patterns found
}

// reset readies the activation for a case, which it copies (so that the
// caller's case does not escape to the heap).
func (a *caseActivation) reset(c *Case, now time.Time) {
	a.c = *c
	a.ec = evalCase{c: &a.c, now: now}
	if a.dirty {
		clear(a.vals)
		a.dirty = false
	}
	clear(a.done)
}

// matches returns the patterns of text matcher id found in the case,
// scanning its text the first time.
func (a *caseActivation) matches(id int) []uint64 {
	bits := a.bits[id]
	if !a.done[id] {
		clear(bits)
		m := a.env.matchers[id]
		// Lower case by folding while scanning, with no copy of the text,
		// unless the text has characters folding does not lower.
		if m.varIdx != a.env.textLowerIdx || a.ec.low || !m.scan(capText(a.ec.c.Post.Text), bits, true) {
			clear(bits)
			m.scan(a.env.vars[m.varIdx].s(&a.ec), bits, false)
		}
		a.done[id] = true
	}
	return bits
}

// ResolveName implements interpreter.Activation.
func (a *caseActivation) ResolveName(name string) (any, bool) {
	i, ok := a.env.index[name]
	if !ok {
		return nil, false
	}
	return a.value(i), true
}

func (a *caseActivation) value(i int) ref.Val {
	v := a.vals[i]
	if v == nil {
		v = a.env.vars[i].get(&a.ec)
		a.vals[i] = v
		a.dirty = true
	}
	return v
}

// Parent implements interpreter.Activation.
func (a *caseActivation) Parent() interpreter.Activation { return nil }

// sizeEstimator bounds the size of the case's variables for the static
// cost estimate of a condition.
type sizeEstimator struct{ env *caseEnv }

// EstimateSize bounds the variables' sizes (cost.Estimator).
func (s sizeEstimator) EstimateSize(n cost.AstNode) *cost.SizeEstimate {
	p := n.Path()
	if len(p) != 1 {
		return nil
	}
	i, ok := s.env.index[p[0]]
	if !ok || s.env.vars[i].size == 0 {
		return nil
	}
	v := s.env.vars[i]
	if v.typ.Kind() == cel.ListType(cel.StringType).Kind() {
		elem := cost.RangedSizeEstimate(0, uint64(hark.MaxTextBytes))
		est := cost.ListSizeEstimate(cost.RangedSizeEstimate(0, v.size), elem)
		return &est
	}
	est := cost.RangedSizeEstimate(0, v.size)
	return &est
}

// EstimateCallCost prices containsAny and containsAnyWord (cost.Estimator).
func (s sizeEstimator) EstimateCallCost(function, overloadID string, target *cost.AstNode, args []cost.AstNode) *cost.CallEstimate {
	if overloadID != containsAnyID && overloadID != containsAnyWordID || target == nil || len(args) != 1 {
		return nil
	}
	// One substring search of the target per element of the list: the
	// standard model charges a tenth of the target's length for contains.
	str := s.sizeOf(*target)
	list := s.sizeOf(args[0])
	c := cost.RangedCostEstimate(1, cost.SafeMultiply(list.Max, cost.SafeAdd(1, str.Max/10)))
	return cost.NewCallEstimate(c, nil)
}

func (s sizeEstimator) sizeOf(n cost.AstNode) cost.SizeEstimate {
	if e := s.EstimateSize(n); e != nil {
		return *e
	}
	if cs := n.ComputedSize(); cs != nil {
		return *cs
	}
	return cost.UnknownSizeEstimate()
}

// containsAnyCost is the runtime cost of containsAny, consistent with the
// static estimate.
func containsAnyCost(args []ref.Val, _ ref.Val) *uint64 {
	var c uint64 = 1
	if len(args) == 2 {
		s, _ := args[0].(types.String)
		if l, ok := args[1].(traits.Lister); ok {
			n := uint64(l.Size().(types.Int))
			c = cost.SafeAdd(c, cost.SafeMultiply(n, cost.SafeAdd(1, uint64(len(s))/10)))
		}
	}
	return &c
}
