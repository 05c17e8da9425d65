package listen

import (
	"fmt"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/harkhq/hark"
)

// A Query is a compiled Boolean filter over posts, in the language of the
// social-listening tools:
//
//	refund AND (late OR "never arrived") NOT #ad
//	@acme OR acme* lang:en -source:hn
//
// Terms:
//
//   - a word matches a whole word of the text, case-insensitively: refund
//     matches "Refund!" but not "refunded";
//   - a word with * or ? is a wildcard over one word: refund* matches
//     "refunded", colo?r "colour"; a lone * is an error;
//   - "a quoted phrase" matches its words in a row;
//   - @handle matches a post mentioning it (its Mentions or its text);
//     #tag a post tagged with it (its Tags or its text); a plain word also
//     matches its @ and # forms in the text;
//   - field terms: lang:pt (the post's language, pt matching pt-BR),
//     source:reddit, author:handle (the author's handle, without @).
//
// Operators, by precedence from tightest: NOT (or a leading -), AND (or
// nothing: juxtaposed terms are ANDed), OR; parentheses group. Operators
// are upper case: lower-case and, or, not are words. Words are runs of
// letters, digits, marks and underscores; a term with other characters
// (wi-fi) is the phrase of its words.
//
// A Query is immutable and safe for concurrent use. Match allocates
// nothing in the steady state.
type Query struct {
	src    string
	root   *qnode
	nwords int
	// byFirst lists the query's words by their first byte; sigils holds
	// the @ and # words (without the sigil).
	byFirst [256][]wordEntry
	sigils  []sigilEntry
	// lenMask has, for each lower-case first byte, bit min(len, 31) set
	// for the lengths of words that may match a word or pattern: a text
	// word failing it is skipped without being lower-cased.
	lenMask [256]uint32
	// pats are the wildcard terms, tested against every word of the
	// text; each owns a flag bit after the nwords word bits.
	pats     []pattern
	phrases  bool
	needText bool
	pool     sync.Pool
}

type qkind uint8

const (
	qAnd qkind = iota
	qOr
	qNot
	qWord    // id
	qPattern // id (bit nwords+id)
	qPhrase  // ids
	qMention // id of "@x" word, str = "x"
	qTag     // id of "#x" word, str = "x"
	qLang
	qSource
	qAuthor
	qNever // a phrase with a word no text can hold
)

type qnode struct {
	kind qkind
	kids []*qnode
	id   int
	ids  []int
	str  string
}

// A SyntaxError reports why a query did not compile and where.
type SyntaxError struct {
	Query  string
	Offset int // byte offset in Query of the fault
	Msg    string
}

// Column returns the 1-based column, in characters, of the fault.
func (e *SyntaxError) Column() int {
	return utf8.RuneCountInString(e.Query[:min(e.Offset, len(e.Query))]) + 1
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("query: column %d: %s", e.Column(), e.Msg)
}

// MustCompile is [Compile] that panics on error, for queries fixed in code.
func MustCompile(q string) *Query {
	c, err := Compile(q)
	if err != nil {
		panic(err)
	}
	return c
}

// String returns the query's source text.
func (q *Query) String() string { return q.src }

// Compile parses a query once for fast matching. A malformed query gives a
// *[SyntaxError] naming the column.
func Compile(src string) (*Query, error) {
	toks, err := lexQuery(src)
	if err != nil {
		return nil, err
	}
	p := &qparser{src: src, toks: toks, q: &Query{src: src}}
	if len(toks) == 0 {
		return nil, &SyntaxError{Query: src, Offset: 0, Msg: "empty query"}
	}
	root, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.i < len(toks) {
		t := toks[p.i]
		if t.kind == tRParen {
			return nil, p.errAt(t, "unmatched )")
		}
		return nil, p.errAt(t, fmt.Sprintf("unexpected %s", t.describe()))
	}
	q := p.q
	q.root = root
	q.nwords = len(p.wordList)
	for id, w := range p.wordList {
		if w[0] == '@' || w[0] == '#' {
			q.sigils = append(q.sigils, sigilEntry{sigil: w[0], word: w[1:], id: int32(id)})
			continue
		}
		q.byFirst[w[0]] = append(q.byFirst[w[0]], wordEntry{word: w, id: int32(id)})
		q.lenMask[w[0]] |= lenBit(len(w))
	}
	for _, pat := range q.pats {
		firsts := []byte(pat.prefix[:min(1, len(pat.prefix))])
		if len(firsts) == 0 || firsts[0] >= utf8.RuneSelf {
			firsts = nil
			for c := range 256 {
				firsts = append(firsts, byte(c))
			}
		}
		var bits uint32
		for n := max(len(pat.prefix), 1); n <= 31; n++ {
			bits |= lenBit(n)
		}
		for _, c := range firsts {
			q.lenMask[c] |= bits
		}
	}
	nbits := q.nwords + len(q.pats)
	q.pool.New = func() any { return &matchState{bits: make([]uint64, (nbits+63)/64)} }
	return q, nil
}

// --- lexer

type qtokKind uint8

const (
	tWord qtokKind = iota
	tPhrase
	tAnd
	tOr
	tNot
	tMinus
	tLParen
	tRParen
)

type qtok struct {
	kind qtokKind
	off  int
	text string
}

func (t qtok) describe() string {
	switch t.kind {
	case tWord:
		return fmt.Sprintf("%q", t.text)
	case tPhrase:
		return fmt.Sprintf("phrase %q", t.text)
	case tAnd:
		return "AND"
	case tOr:
		return "OR"
	case tNot:
		return "NOT"
	case tMinus:
		return "-"
	case tLParen:
		return "("
	}
	return ")"
}

func lexQuery(src string) ([]qtok, error) {
	var toks []qtok
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(':
			toks = append(toks, qtok{kind: tLParen, off: i})
			i++
		case c == ')':
			toks = append(toks, qtok{kind: tRParen, off: i})
			i++
		case c == '"':
			end := strings.IndexByte(src[i+1:], '"')
			if end < 0 {
				return nil, &SyntaxError{Query: src, Offset: i, Msg: "unterminated quote"}
			}
			toks = append(toks, qtok{kind: tPhrase, off: i, text: src[i+1 : i+1+end]})
			i += end + 2
		case c == '-' && (len(toks) == 0 || i == 0 || isQuerySpace(src[i-1]) || src[i-1] == '('):
			toks = append(toks, qtok{kind: tMinus, off: i})
			i++
		default:
			j := i
			for j < len(src) && !isQuerySpace(src[j]) && src[j] != '(' && src[j] != ')' && src[j] != '"' {
				j++
			}
			if j < len(src) && src[j] == '"' && j > i && src[j-1] == ':' {
				// field:"quoted value"
				end := strings.IndexByte(src[j+1:], '"')
				if end < 0 {
					return nil, &SyntaxError{Query: src, Offset: j, Msg: "unterminated quote"}
				}
				toks = append(toks, qtok{kind: tWord, off: i, text: src[i:j] + src[j+1:j+1+end]})
				i = j + end + 2
				continue
			}
			w := src[i:j]
			t := qtok{kind: tWord, off: i, text: w}
			switch w {
			case "AND", "&&":
				t.kind = tAnd
			case "OR", "||":
				t.kind = tOr
			case "NOT":
				t.kind = tNot
			}
			toks = append(toks, t)
			i = j
		}
	}
	return toks, nil
}

func isQuerySpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// --- parser

type qparser struct {
	src      string
	toks     []qtok
	i        int
	q        *Query
	wordList []string
	wordIDs  map[string]int
	parens   []qtok
}

func (p *qparser) errAt(t qtok, msg string) error {
	return &SyntaxError{Query: p.src, Offset: t.off, Msg: msg}
}

func (p *qparser) peek() (qtok, bool) {
	if p.i < len(p.toks) {
		return p.toks[p.i], true
	}
	return qtok{}, false
}

func (p *qparser) or() (*qnode, error) {
	left, err := p.and()
	if err != nil {
		return nil, err
	}
	kids := []*qnode{left}
	for {
		t, ok := p.peek()
		if !ok || t.kind != tOr {
			break
		}
		p.i++
		if n, ok := p.peek(); !ok || !startsOperand(n.kind) {
			return nil, p.errAt(t, "OR needs a term after it")
		}
		right, err := p.and()
		if err != nil {
			return nil, err
		}
		kids = append(kids, right)
	}
	if len(kids) == 1 {
		return left, nil
	}
	return &qnode{kind: qOr, kids: kids}, nil
}

func startsOperand(k qtokKind) bool {
	return k == tWord || k == tPhrase || k == tNot || k == tMinus || k == tLParen
}

func (p *qparser) and() (*qnode, error) {
	t, ok := p.peek()
	if ok && (t.kind == tAnd || t.kind == tOr) {
		return nil, p.errAt(t, t.describe()+" needs a term before it")
	}
	if !ok {
		return nil, &SyntaxError{Query: p.src, Offset: len(p.src), Msg: "query ends where a term was expected"}
	}
	left, err := p.unary()
	if err != nil {
		return nil, err
	}
	kids := []*qnode{left}
	for {
		t, ok := p.peek()
		if !ok {
			break
		}
		if t.kind == tAnd {
			p.i++
			if n, ok := p.peek(); !ok || !startsOperand(n.kind) {
				return nil, p.errAt(t, "AND needs a term after it")
			}
		} else if !startsOperand(t.kind) {
			break
		}
		right, err := p.unary()
		if err != nil {
			return nil, err
		}
		kids = append(kids, right)
	}
	if len(kids) == 1 {
		return left, nil
	}
	return &qnode{kind: qAnd, kids: kids}, nil
}

func (p *qparser) unary() (*qnode, error) {
	t, ok := p.peek()
	if !ok {
		return nil, &SyntaxError{Query: p.src, Offset: len(p.src), Msg: "query ends where a term was expected"}
	}
	switch t.kind {
	case tNot, tMinus:
		p.i++
		if n, ok := p.peek(); !ok || !startsOperand(n.kind) || n.kind == tNot && t.kind == tMinus {
			return nil, p.errAt(t, t.describe()+" needs a term after it")
		}
		kid, err := p.unary()
		if err != nil {
			return nil, err
		}
		return &qnode{kind: qNot, kids: []*qnode{kid}}, nil
	case tLParen:
		p.i++
		if n, ok := p.peek(); ok && n.kind == tRParen {
			return nil, p.errAt(t, "empty parentheses")
		}
		if _, ok := p.peek(); !ok {
			return nil, p.errAt(t, "unmatched (")
		}
		inner, err := p.or()
		if err != nil {
			return nil, err
		}
		if n, ok := p.peek(); !ok || n.kind != tRParen {
			return nil, p.errAt(t, "unmatched (")
		}
		p.i++
		return inner, nil
	case tRParen:
		return nil, p.errAt(t, "unmatched )")
	case tPhrase:
		p.i++
		return p.phrase(t)
	case tWord:
		p.i++
		return p.term(t)
	}
	return nil, p.errAt(t, "unexpected "+t.describe())
}

func (p *qparser) word(w string) int {
	if id, ok := p.wordIDs[w]; ok {
		return id
	}
	if p.wordIDs == nil {
		p.wordIDs = map[string]int{}
	}
	id := len(p.wordList)
	p.wordList = append(p.wordList, w)
	p.wordIDs[w] = id
	return id
}

func (p *qparser) phrase(t qtok) (*qnode, error) {
	if strings.ContainsAny(t.text, "*?") {
		return nil, p.errAt(t, "wildcards are not allowed in a quoted phrase")
	}
	words := appendWords(nil, t.text)
	if len(words) == 0 {
		return nil, p.errAt(t, "empty phrase")
	}
	return p.wordsNode(words), nil
}

// wordsNode matches one word, or several in a row.
func (p *qparser) wordsNode(words []string) *qnode {
	p.q.needText = true
	if len(words) == 1 {
		return &qnode{kind: qWord, id: p.word(words[0])}
	}
	n := &qnode{kind: qPhrase}
	for _, w := range words {
		n.ids = append(n.ids, p.word(w))
	}
	p.q.phrases = true
	return n
}

func (p *qparser) term(t qtok) (*qnode, error) {
	w := t.text
	if field, val, ok := strings.Cut(w, ":"); ok && isFieldName(field) {
		if val == "" {
			return nil, p.errAt(t, fmt.Sprintf("%s: needs a value", field))
		}
		val = strings.ToLower(val)
		switch strings.ToLower(field) {
		case "lang":
			return &qnode{kind: qLang, str: val}, nil
		case "source":
			return &qnode{kind: qSource, str: val}, nil
		case "author":
			return &qnode{kind: qAuthor, str: strings.TrimPrefix(val, "@")}, nil
		case "http", "https":
			// a URL: the phrase of its words
		default:
			return nil, p.errAt(t, fmt.Sprintf("unknown field %q (want lang:, source: or author:)", field))
		}
	}
	if w[0] == '@' || w[0] == '#' {
		words := appendWords(nil, w[1:])
		if len(words) != 1 || strings.ContainsAny(w[1:], "*?") {
			return nil, p.errAt(t, fmt.Sprintf("%c must be followed by one word", w[0]))
		}
		kind := qMention
		if w[0] == '#' {
			kind = qTag
		}
		p.q.needText = true
		return &qnode{kind: kind, id: p.word(string(w[0]) + words[0]), str: words[0]}, nil
	}
	if strings.ContainsAny(w, "*?") {
		pat := strings.ToLower(w)
		for _, r := range pat {
			if r != '*' && r != '?' && !isWordRune(r) {
				return nil, p.errAt(t, fmt.Sprintf("a wildcard term must be one word: %q", w))
			}
		}
		if strings.Trim(pat, "*?") == "" {
			return nil, p.errAt(t, "a wildcard needs at least one letter")
		}
		p.q.needText = true
		p.q.pats = append(p.q.pats, newPattern(pat))
		return &qnode{kind: qPattern, id: len(p.q.pats) - 1}, nil
	}
	words := appendWords(nil, w)
	if len(words) == 0 {
		return nil, p.errAt(t, fmt.Sprintf("%q holds no word", w))
	}
	return p.wordsNode(words), nil
}

// --- words

// isFieldName reports whether s looks like a field name (letters only), so
// that "10:30" stays a pair of words.
func isFieldName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i] | 0x20; c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

// appendWords appends the lower-case words of s, split as Match splits a
// post's text (sigils dropped).
func appendWords(dst []string, s string) []string {
	var b []byte
	flush := func() {
		if len(b) > 0 {
			dst = append(dst, string(b))
			b = b[:0]
		}
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			if l := asciiWord[c]; l != 0 {
				b = append(b, l)
			} else {
				flush()
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) {
			b = utf8.AppendRune(b, unicode.ToLower(r))
		} else {
			flush()
		}
	}
	flush()
	return dst
}

type wordEntry struct {
	word string
	id   int32
}

type sigilEntry struct {
	sigil byte
	word  string
	id    int32
}

// A pattern is a wildcard term; prefix is its literal start, tested first.
type pattern struct {
	glob   string
	prefix string
	// onlyPrefix: the glob is prefix followed by a single *.
	onlyPrefix bool
}

func newPattern(glob string) pattern {
	i := strings.IndexAny(glob, "*?")
	return pattern{glob: glob, prefix: glob[:i], onlyPrefix: glob[i:] == "*"}
}

func (p *pattern) match(word []byte) bool {
	if len(word) < len(p.prefix) || string(word[:len(p.prefix)]) != p.prefix {
		return false
	}
	return p.onlyPrefix || globMatch(p.glob, word)
}

// asciiWord maps an ASCII byte to its lower case if it is a word byte, to 0
// otherwise.
var asciiWord = func() (t [256]byte) {
	for c := range utf8.RuneSelf {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '_':
			t[c] = byte(c)
		case c >= 'A' && c <= 'Z':
			t[c] = byte(c) + 'a' - 'A'
		}
	}
	return t
}()

// --- matching

type matchState struct {
	bits []uint64
	buf  []byte
	seq  []int32 // word id per word of the text, for phrases
	sig  []byte
}

func (m *matchState) set(i int)      { m.bits[i>>6] |= 1 << (uint(i) & 63) }
func (m *matchState) has(i int) bool { return m.bits[i>>6]&(1<<(uint(i)&63)) != 0 }

// Match reports whether p matches the query.
func (q *Query) Match(p *hark.Post) bool {
	if !q.needText {
		return q.eval(q.root, p, nil)
	}
	m := q.pool.Get().(*matchState)
	clear(m.bits)
	m.seq = m.seq[:0]
	q.scan(m, p.Text)
	ok := q.eval(q.root, p, m)
	q.pool.Put(m)
	return ok
}

func lenBit(n int) uint32 { return 1 << min(n, 31) }

// scan marks in m the query words and patterns found in text. It splits
// words as appendWords does. ASCII words are found without copying; a word
// is lower-cased only if its first byte and length may match.
func (q *Query) scan(m *matchState, s string) {
	var pending byte
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf && asciiWord[c] == 0 {
			i++
			pending = 0
			if c == '@' || c == '#' {
				pending = c
			}
			continue
		}
		// A word starts at i.
		start, ascii := i, true
		for i < len(s) {
			c := s[i]
			if c < utf8.RuneSelf {
				if asciiWord[c] == 0 {
					break
				}
				i++
				continue
			}
			r, size := utf8.DecodeRuneInString(s[i:])
			if !(unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)) {
				break
			}
			ascii = false
			i += size
		}
		if i == start {
			// A non-ASCII byte that is no word rune.
			_, size := utf8.DecodeRuneInString(s[i:])
			i += size
			pending = 0
			continue
		}
		sigil := pending
		pending = 0
		w := s[start:i]
		if ascii {
			if q.lenMask[asciiWord[w[0]]]&lenBit(len(w)) == 0 && (sigil == 0 || len(q.sigils) == 0) {
				if q.phrases {
					m.seq = append(m.seq, -1)
				}
				continue
			}
			q.asciiWord(m, w, sigil)
			continue
		}
		b := m.buf[:0]
		for _, r := range w {
			b = utf8.AppendRune(b, unicode.ToLower(r))
		}
		m.buf = b
		q.word(m, b, sigil)
	}
}

// asciiWord is word for an ASCII word of the text as written: it compares
// ignoring case instead of lower-casing first.
func (q *Query) asciiWord(m *matchState, w string, sigil byte) {
	id := int32(-1)
	for _, e := range q.byFirst[asciiWord[w[0]]] {
		if len(e.word) == len(w) && eqLowerASCII(w, e.word) {
			id = e.id
			m.set(int(id))
			break
		}
	}
	if sigil != 0 {
		for _, e := range q.sigils {
			if e.sigil == sigil && len(e.word) == len(w) && eqLowerASCII(w, e.word) {
				m.set(int(e.id))
			}
		}
	}
	if q.phrases {
		m.seq = append(m.seq, id)
	}
	for i := range q.pats {
		p := &q.pats[i]
		if len(w) < len(p.prefix) || !eqLowerASCII(w[:len(p.prefix)], p.prefix) {
			continue
		}
		if !p.onlyPrefix {
			b := m.buf[:0]
			for j := 0; j < len(w); j++ {
				b = append(b, asciiWord[w[j]])
			}
			m.buf = b
			if !globMatch(p.glob, b) {
				continue
			}
		}
		m.set(q.nwords + i)
	}
}

// eqLowerASCII reports whether the ASCII word w, lower-cased, equals lower.
// len(w) must equal len(lower).
func eqLowerASCII(w, lower string) bool {
	for j := 0; j < len(w); j++ {
		if asciiWord[w[j]] != lower[j] {
			return false
		}
	}
	return true
}

// word records one lower-cased word of the text.
func (q *Query) word(m *matchState, w []byte, sigil byte) {
	id := int32(-1)
	for _, e := range q.byFirst[w[0]] {
		if len(e.word) == len(w) && e.word == string(w) {
			id = e.id
			m.set(int(id))
			break
		}
	}
	if sigil != 0 {
		for _, e := range q.sigils {
			if e.sigil == sigil && e.word == string(w) {
				m.set(int(e.id))
			}
		}
	}
	if q.phrases {
		m.seq = append(m.seq, id)
	}
	for i := range q.pats {
		if q.pats[i].match(w) {
			m.set(q.nwords + i)
		}
	}
}

func (q *Query) eval(n *qnode, p *hark.Post, m *matchState) bool {
	switch n.kind {
	case qAnd:
		for _, k := range n.kids {
			if !q.eval(k, p, m) {
				return false
			}
		}
		return true
	case qOr:
		for _, k := range n.kids {
			if q.eval(k, p, m) {
				return true
			}
		}
		return false
	case qNot:
		return !q.eval(n.kids[0], p, m)
	case qWord:
		return m.has(n.id)
	case qPattern:
		return m.has(q.nwords + n.id)
	case qPhrase:
		for _, id := range n.ids {
			if !m.has(id) {
				return false
			}
		}
		return hasRun(m.seq, n.ids)
	case qMention:
		return m.has(n.id) || hasFold(p.Mentions, n.str)
	case qTag:
		return m.has(n.id) || hasFold(p.Tags, n.str)
	case qLang:
		l := p.Lang
		return len(l) >= len(n.str) && strings.EqualFold(l[:len(n.str)], n.str) &&
			(len(l) == len(n.str) || l[len(n.str)] == '-' || l[len(n.str)] == '_')
	case qSource:
		return strings.EqualFold(p.Source, n.str)
	case qAuthor:
		return strings.EqualFold(strings.TrimPrefix(p.Author.Handle, "@"), n.str)
	}
	return false
}

// hasFold reports whether list holds want, ignoring case and a leading @
// or #.
func hasFold(list []string, want string) bool {
	for _, s := range list {
		s = strings.TrimLeft(s, "@#")
		if strings.EqualFold(s, want) {
			return true
		}
	}
	return false
}

func hasRun(seq []int32, ids []int) bool {
outer:
	for i := 0; i+len(ids) <= len(seq); i++ {
		for j, id := range ids {
			if int(seq[i+j]) != id {
				continue outer
			}
		}
		return true
	}
	return false
}

// globMatch matches a lower-case word against a pattern of literal runes,
// * (any run) and ? (one rune).
func globMatch(pat string, word []byte) bool {
	px, wx := 0, 0
	nextPx, nextWx := -1, -1
	for px < len(pat) || wx < len(word) {
		if px < len(pat) {
			switch c := pat[px]; c {
			case '*':
				nextPx, nextWx = px, wx+1
				px++
				continue
			case '?':
				if wx < len(word) {
					_, n := utf8.DecodeRune(word[wx:])
					px++
					wx += n
					continue
				}
			default:
				if wx < len(word) && word[wx] == c {
					px++
					wx++
					continue
				}
			}
		}
		if nextWx > 0 && nextWx <= len(word) {
			px, wx = nextPx, nextWx
			continue
		}
		return false
	}
	return true
}
