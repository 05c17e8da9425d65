package listen

import (
	"bytes"
	"fmt"
	"math/bits"
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
	src      string
	root     *qnode
	pats     []pattern
	needText bool
	noText   matchState // read-only state for queries on fields alone
	pool     sync.Pool
}

type qkind uint8

const (
	qAnd qkind = iota
	qOr
	qNot
	qWord    // needle: the word
	qPattern // id: index in pats
	qPhrase  // needle: the words joined by single spaces
	qMention // needle: "@x", str: "x"
	qTag     // needle: "#x", str: "x"
	qLang
	qSource
	qAuthor
	qNever // a phrase with a word no text can hold
)

type qnode struct {
	kind   qkind
	kids   []*qnode
	id     int
	str    string
	needle []byte
	// hashes are the word hashes (see wordHash) of needle's words, all of
	// which must be in a text's bloom for needle to be there.
	hashes []uint32
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

// Error gives the column and what is wrong: "query: column 7: unmatched )".
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
	q.pool.New = func() any { return new(matchState) }
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
	src    string
	toks   []qtok
	i      int
	q      *Query
	parens []qtok
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
	n := &qnode{kind: qPhrase, needle: []byte(strings.Join(words, " "))}
	if len(words) == 1 {
		n.kind = qWord
	}
	for _, w := range words {
		n.hashes = append(n.hashes, wordHash(w))
	}
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
		return &qnode{kind: kind, needle: []byte(string(w[0]) + words[0]), str: words[0], hashes: []uint32{wordHash(words[0])}}, nil
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

// A pattern is a wildcard term; prefix is its literal start, searched for
// first.
type pattern struct {
	glob   string
	prefix []byte
	// onlyPrefix: the glob is prefix followed by a single *.
	onlyPrefix bool
}

func newPattern(glob string) pattern {
	i := strings.IndexAny(glob, "*?")
	return pattern{glob: glob, prefix: []byte(glob[:i]), onlyPrefix: glob[i:] == "*"}
}

// asciiWord maps an ASCII byte to its lower case if it is a word byte, to 0
// otherwise (and every byte of 0x80 and over to 0).
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

// normByte maps an ASCII byte to what the normalised text holds for it: a
// word byte lower-cased, '@' and '#' as themselves, anything else ' '.
var normByte = func() (t [utf8.RuneSelf]byte) {
	for c := range utf8.RuneSelf {
		switch {
		case asciiWord[c] != 0:
			t[c] = asciiWord[c]
		case c == '@' || c == '#':
			t[c] = byte(c)
		default:
			t[c] = ' '
		}
	}
	return t
}()

// normalize writes the text in the form the query searches: words
// lower-cased, every run of other characters one space (sigils @ and #
// kept), a space at each end. So a word of the text is a needle found with
// a boundary (space, @ or #) on both sides, and a phrase its words joined
// by single spaces.
func normalize(dst []byte, s string) []byte {
	if cap(dst) < len(s)+2 {
		dst = make([]byte, 0, len(s)+len(s)/2+16)
	}
	buf := dst[:cap(dst)]
	buf[0] = ' '
	j, prevSpace := 1, 1
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf && j < len(buf)-1 {
			// Branch-free: write the byte, advance unless it is a
			// second space in a row.
			b := normByte[c]
			space := int(normSpace[c])
			buf[j] = b
			j += 1 - space&prevSpace
			prevSpace = space
			i++
			continue
		}
		// Slow path: a non-ASCII rune, or a full buffer.
		out := buf[:j]
		if c < utf8.RuneSelf {
			if b := normByte[c]; b != ' ' || prevSpace == 0 {
				out = append(out, b)
				prevSpace = int(normSpace[c])
			}
			i++
		} else {
			r, size := utf8.DecodeRuneInString(s[i:])
			i += size
			if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) {
				out = utf8.AppendRune(out, unicode.ToLower(r))
				prevSpace = 0
			} else if prevSpace == 0 {
				out = append(out, ' ')
				prevSpace = 1
			}
		}
		if cap(out)-len(out) < 8 {
			out = append(out, make([]byte, len(s)-i+8)...)[:len(out)]
		}
		buf, j = out[:cap(out)], len(out)
	}
	if j >= len(buf) {
		buf = append(buf[:j], ' ')
		return buf
	}
	buf[j] = ' '
	return buf[:j+1]
}

// normSpace is 1 for the ASCII bytes normalised to a space.
var normSpace = func() (t [utf8.RuneSelf]byte) {
	for c := range utf8.RuneSelf {
		if normByte[c] == ' ' {
			t[c] = 1
		}
	}
	return t
}()

func isBoundary(b byte) bool { return b == ' ' || b == '@' || b == '#' }

// hasWord reports whether the normalised text holds needle between
// boundaries. A needle starting with a sigil needs no boundary before it.
func hasWord(text, needle []byte) bool {
	for off := 0; off < len(text); {
		i := bytes.Index(text[off:], needle)
		if i < 0 {
			return false
		}
		i += off
		if (isBoundary(needle[0]) || isBoundary(text[i-1])) && isBoundary(text[i+len(needle)]) {
			return true
		}
		off = i + 1
	}
	return false
}

// matchPattern reports whether a word of the normalised text matches p.
func matchPattern(text []byte, p *pattern) bool {
	if len(p.prefix) == 0 {
		for start := 0; start < len(text); {
			for start < len(text) && isBoundary(text[start]) {
				start++
			}
			end := start
			for end < len(text) && !isBoundary(text[end]) {
				end++
			}
			if end > start && globMatch(p.glob, text[start:end]) {
				return true
			}
			start = end
		}
		return false
	}
	for off := 0; off < len(text); {
		i := bytes.Index(text[off:], p.prefix)
		if i < 0 {
			return false
		}
		i += off
		off = i + 1
		if !isBoundary(text[i-1]) {
			continue
		}
		end := i + len(p.prefix)
		for !isBoundary(text[end]) {
			end++
		}
		if p.onlyPrefix || globMatch(p.glob, text[i:end]) {
			return true
		}
	}
	return false
}

// --- matching

type matchState struct {
	raw   string // the post's text
	text  []byte // raw normalised, once norm is set
	norm  bool
	ascii bool // raw is all ASCII: single words are searched in it as is
	bloom bloom
}

// hasWord reports whether the text holds the word (or sigil word) of n.
func (m *matchState) hasWord(n *qnode) bool {
	if m.ascii && !m.norm && n.kind != qPhrase {
		return hasWordRaw(m.raw, n.needle)
	}
	return hasWord(m.normalized(), n.needle)
}

// hasWordRaw is hasWord on an ASCII text that is not normalised: needle
// (lower-case word bytes after an optional sigil) is found ignoring case,
// between non-word bytes.
func hasWordRaw(s string, needle []byte) bool {
	n := len(needle)
	c0 := needle[0]
	up := c0
	if 'a' <= c0 && c0 <= 'z' {
		up = c0 - ('a' - 'A')
	}
	sigil := c0 == '@' || c0 == '#'
	for i := 0; i+n <= len(s); {
		j := strings.IndexByte(s[i:], c0)
		if up != c0 {
			lim := len(s) - i
			if j >= 0 {
				lim = j
			}
			if k := strings.IndexByte(s[i:i+lim], up); k >= 0 {
				j = k
			}
		}
		if j < 0 {
			return false
		}
		j += i
		if j+n > len(s) {
			return false
		}
		if (sigil || j == 0 || rawSep[s[j-1]] == 1) && (j+n == len(s) || rawSep[s[j+n]] == 1) && eqNorm(s[j:j+n], needle) {
			return true
		}
		i = j + 1
	}
	return false
}

// eqNorm reports whether the ASCII bytes w, normalised, equal needle.
func eqNorm(w string, needle []byte) bool {
	for k := 0; k < len(w); k++ {
		if normByte[w[k]] != needle[k] {
			return false
		}
	}
	return true
}

// normalized returns the normalised text, making it on first use.
func (m *matchState) normalized() []byte {
	if !m.norm {
		m.text = normalize(m.text, m.raw)
		m.norm = true
	}
	return m.text
}

// A bloom holds the hashes of a normalised text's words (sigils are
// separators here), so a query word absent from the text is ruled out
// without a search. 1024 bits keep false positives near 2% for a post of
// 25 words.
type bloom [16]uint64

func (b *bloom) has(h uint32) bool { return b[(h>>6)&15]&(1<<(h&63)) != 0 }

func (b *bloom) hasAll(hs []uint32) bool {
	for _, h := range hs {
		if !b.has(h) {
			return false
		}
	}
	return true
}

// wordHash hashes one lower-cased word as fill does.
func wordHash(w string) uint32 {
	var h uint32
	for i := 0; i < len(w); i++ {
		h = bits.RotateLeft32(h, 5) ^ uint32(w[i])
	}
	return h
}

// fill sets b to the word hashes of the normalised text, without a branch
// per byte: a separator (space, @, #) adds the hash of the word it ends
// and resets it; runs of separators add the empty word's hash, harmless.
func (b *bloom) fill(text []byte) {
	*b = bloom{}
	var h uint32
	for _, c := range text {
		sep := uint32(isSep[c])
		b[(h>>6)&15] |= uint64(sep) << (h & 63)
		h = (bits.RotateLeft32(h, 5) ^ uint32(c)) & (sep - 1)
	}
	b[(h>>6)&15] |= 1 << (h & 63)
}

// fillASCII fills b from a raw text as fill would from its normalised
// form, and reports false (b then undefined) if the text is not all ASCII:
// word bytes are folded to lower case by table, every other byte is a
// separator. Most posts that match no query word never need normalising.
func (b *bloom) fillASCII(s string) bool {
	*b = bloom{}
	var h uint32
	var high byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		high |= c
		w := asciiWord[c]
		sep := uint32(rawSep[c])
		b[(h>>6)&15] |= uint64(sep) << (h & 63)
		h = (bits.RotateLeft32(h, 5) ^ uint32(w)) & (sep - 1)
	}
	b[(h>>6)&15] |= 1 << (h & 63)
	return high < utf8.RuneSelf
}

// rawSep is 1 for the ASCII bytes that are not word bytes.
var rawSep = func() (t [256]byte) {
	for c := range utf8.RuneSelf {
		if asciiWord[c] == 0 {
			t[c] = 1
		}
	}
	return t
}()

// isSep is 1 for the bytes that separate words in a normalised text.
var isSep = func() (t [256]byte) {
	t[' '], t['@'], t['#'] = 1, 1, 1
	return t
}()

// Match reports whether p matches the query.
func (q *Query) Match(p *hark.Post) bool {
	if !q.needText {
		return q.eval(q.root, p, &q.noText)
	}
	m := q.pool.Get().(*matchState)
	m.raw, m.norm = p.Text, false
	m.ascii = m.bloom.fillASCII(p.Text)
	if !m.ascii {
		m.bloom.fill(m.normalized())
	}
	ok := q.eval(q.root, p, m)
	m.raw = ""
	q.pool.Put(m)
	return ok
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
	case qWord, qPhrase:
		return m.bloom.hasAll(n.hashes) && m.hasWord(n)
	case qPattern:
		return matchPattern(m.normalized(), &q.pats[n.id])
	case qMention:
		return hasFold(p.Mentions, n.str) || m.bloom.hasAll(n.hashes) && m.hasWord(n)
	case qTag:
		return hasFold(p.Tags, n.str) || m.bloom.hasAll(n.hashes) && m.hasWord(n)
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
