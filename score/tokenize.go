package score

import (
	"encoding/binary"
	"math/bits"
	"unicode"
	"unicode/utf8"
)

// tokKind is the kind of a token.
type tokKind uint8

const (
	tkWord     tokKind = iota // letters, digits inside, apostrophes
	tkNum                     // digits only
	tkHandle                  // @name
	tkTag                     // #Hashtag as a whole (its parts follow as tkTagPart)
	tkTagPart                 // one word of a split hashtag
	tkURL                     // http://..., www....
	tkEmoji                   // one emoji cluster (ZWJ sequence, skin tone, VS16)
	tkEmoticon                // :) <3 :-(
	tkPunct                   // ! ? . , ; : … and the like
)

// token flags.
const (
	fCaps   uint8 = 1 << iota // written in capitals (two letters or more)
	fElong                    // a letter repeated three times or more
	fMasked                   // part of a neutral term: carries no sentiment
	fNeg                      // a negator
	fBrand                    // part of a brand name
	fASCII                    // a word of ASCII bytes: nl counts its letters
)

// A token is a span of the post's text with its lower-case normal form in
// the scratch buffer.
type token struct {
	s, e   int32 // byte span in the (possibly truncated) text
	ls, le int32 // lower-case form in scratch.low
	kind   tokKind
	flags  uint8
	nl     uint16  // ASCII letters (a-z, A-Z) of an fASCII word, at most 65535
	sent   int32   // sentence index
	val    float32 // valence after rules (words, emoji, emoticons)
	info   int32   // index of the word's lexicon info, -1 if none
}

// maxTagLen bounds the hashtag length that is split into words.
const maxTagLen = 48

func isZeroWidth(r rune) bool {
	switch r {
	case 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD:
		return true
	}
	return false
}

// isEmojiRune reports whether r starts an emoji cluster.
func isEmojiRune(r rune) bool {
	switch {
	case r >= 0x1F000 && r <= 0x1FAFF: // pictographs, emoticons, transport, supplemental
		return true
	case r >= 0x2600 && r <= 0x27BF: // misc symbols, dingbats
		return true
	case r >= 0x2300 && r <= 0x23FF, r >= 0x2B00 && r <= 0x2BFF:
		return true
	case r == 0x00A9 || r == 0x00AE || r == 0x203C || r == 0x2049 || r == 0x2122 || r == 0x2139:
		return true
	case r >= 0x2190 && r <= 0x21FF:
		return true
	}
	return false
}

func isSkinTone(r rune) bool { return r >= 0x1F3FB && r <= 0x1F3FF }

func isEmojiMod(r rune) bool {
	return r == 0xFE0F || r == 0xFE0E || r == 0x20E3 || isSkinTone(r) || (r >= 0xE0020 && r <= 0xE007F)
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// tokenize splits text into tokens appended to sc.toks, lower-case forms
// in sc.low. It runs in time linear in len(text).
func (sc *scratch) tokenize(text string, lx *lexicon) {
	sc.nonASCII = !isASCII(text)
	sc.toks = sc.toks[:0]
	sc.low = sc.low[:0]
	sent := int32(0)
	boundary := false // a sentence ends before the next non-punctuation token
	n := len(text)
	for i := 0; i < n; {
		c := text[i]
		if c < utf8.RuneSelf {
			if isASCIIAlnum(c) { // the common case, asked first
				if (c == 'h' || c == 'H' || c == 'w' || c == 'W') && isURLStart(text[i:]) {
					j := i
					for j < n && !isSpaceByte(text[j]) {
						j++
					}
					sc.toks = append(sc.toks, token{s: int32(i), e: int32(j), kind: tkURL, sent: sent})
					i = j
					continue
				}
				// words may start with letters or digits: no rune decoding
				if boundary {
					sent++
					boundary = false
				}
				if j := sc.scanASCIIWord(text, i, sent); j >= 0 {
					i = j
				} else {
					i = sc.scanWord(text, i, sent)
				}
				continue
			}
			switch {
			case c == '\n':
				boundary = true
				i++
				continue
			case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
				i++
				continue
			case c == '@' && i+1 < n && isHandleByte(text[i+1]):
				j := i + 1
				for j < n && (isHandleByte(text[j]) || (text[j] == '.' && j+1 < n && isHandleByte(text[j+1]))) {
					j++
				}
				if boundary {
					sent++
					boundary = false
				}
				sc.addLower(text, i, j, tkHandle, sent)
				i = j
				continue
			case c == '#' && i+1 < n && startsWord(text[i+1:]):
				j := i + 1
				for j < n {
					r, sz := utf8.DecodeRuneInString(text[j:])
					if !isWordRune(r) && r != '_' {
						break
					}
					j += sz
				}
				if boundary {
					sent++
					boundary = false
				}
				sc.addLower(text, i, j, tkTag, sent)
				sc.splitTag(text, i+1, j, sent, lx)
				i = j
				continue
			case c == '&':
				if l, heart := entityLen(text[i:]); l > 0 {
					if heart {
						if boundary {
							sent++
							boundary = false
						}
						ls := int32(len(sc.low))
						sc.low = append(sc.low, "<3"...)
						sc.toks = append(sc.toks, token{s: int32(i), e: int32(i + l), ls: ls, le: int32(len(sc.low)), kind: tkEmoticon, sent: sent})
					}
					i += l
					continue
				}
			}
			// emoticon?
			if l := lx.emoticonAt(text[i:]); l > 0 {
				if boundary {
					sent++
					boundary = false
				}
				sc.addLower(text, i, i+l, tkEmoticon, sent)
				i += l
				continue
			}
			switch c {
			case '!', '?', '.', ',', ';', ':', '(', ')', '"':
				if boundary && c != '!' && c != '?' && c != '.' {
					sent++
					boundary = false
				}
				sc.addLower(text, i, i+1, tkPunct, sent)
				if c == '.' || c == '!' || c == '?' {
					boundary = true
				}
			}
			i++
			continue
		}
		r, sz := utf8.DecodeRuneInString(text[i:])
		switch {
		case r == utf8.RuneError && sz <= 1:
			i += sz
			continue
		case isZeroWidth(r) || isEmojiMod(r):
			i += sz
			continue
		case r == 0x2026: // …
			sc.addLower(text, i, i+sz, tkPunct, sent)
			boundary = true
			i += sz
			continue
		case r == 0xA1 || r == 0xBF: // ¡ ¿
			i += sz
			continue
		case unicode.IsSpace(r):
			if r == 0x2028 || r == 0x2029 || r == 0x85 {
				boundary = true
			}
			i += sz
			continue
		case isEmojiRune(r):
			j := emojiEnd(text, i, r, sz)
			if boundary {
				sent++
				boundary = false
			}
			sc.addEmoji(text, i, j, sent)
			i = j
			continue
		case isWordRune(r):
			// fall through to word scanning below
		default:
			i += sz
			continue
		}
		if boundary {
			sent++
			boundary = false
		}
		i = sc.scanWord(text, i, sent)
	}
}

// scanASCIIWord adds the word of ASCII letters and digits that starts at
// text[i], copying, lower-casing and counting it in one pass (as
// addWordASCII does), and returns its end. It adds nothing and returns -1
// when the word may go on past an apostrophe or a byte >= 0x80: scanWord
// decides those.
func (sc *scratch) scanASCIIWord(text string, i int, sent int32) int {
	low := sc.low
	ls := len(low)
	upper, letters, digits := 0, 0, 0
	var prev byte // no word byte is 0
	run := 0
	var flags uint8
	j := i
	// eight bytes at a time while eight remain: most words end within the
	// first eight, found without a branch per byte
	var last uint64 // the eight bytes before, lower-cased (none: zeros)
	for j+8 <= len(text) {
		b := text[j : j+8] // one bounds check: the loads below combine into one
		x := uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
			uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
		// high bit of each byte: a letter (either case), a digit; never a
		// byte >= 0x80 (whose carries reach only the bytes after it)
		letter := inRange(x|0x2020202020202020, 'a', 'z') &^ x
		digit := inRange(x, '0', '9') &^ x
		n := 8
		keep := uint64(hiBits)
		if stop := ^(letter | digit) & hiBits; stop != 0 {
			n = bits.TrailingZeros64(stop) >> 3
			keep = (1<<(8*n) - 1) & hiBits
		}
		letter, digit = letter&keep, digit&keep
		letters += bits.OnesCount64(letter)
		digits += bits.OnesCount64(digit)
		upper += bits.OnesCount64(letter &^ (x << 2)) // bit 5 clear: upper case
		lower := x | letter>>2
		// a letter equal to the two before it
		if eq(lower, lower<<8|last>>56)&eq(lower, lower<<16|last>>48)&letter != 0 {
			flags |= fElong
		}
		low = binary.LittleEndian.AppendUint64(low, lower)
		low = low[:len(low)-8+n]
		j += n
		if n < 8 {
			if j < len(text) && (text[j] == '\'' || text[j] >= utf8.RuneSelf) {
				return -1
			}
			sc.low = low
			sc.pushASCIIWord(i, j, ls, letters, upper, digits, flags, sent)
			return j
		}
		last = lower
	}
	if j > i { // the byte loop goes on from the run the chunks ended with
		prev, run = byte(last>>56), 1
		if byte(last>>48) == prev {
			run = 2
		}
	}
scan:
	for ; j < len(text); j++ {
		c := text[j]
		cl := asciiClass[c]
		switch cl {
		case cLower:
			letters++
		case cUpper:
			letters++
			upper++
			c += 'a' - 'A'
		case cDigit:
			digits++
		default:
			break scan
		}
		if c == prev {
			run++
			if run >= 3 && cl != cDigit {
				flags |= fElong
			}
		} else {
			run = 1
		}
		prev = c
		low = append(low, c)
	}
	if j < len(text) && (text[j] == '\'' || text[j] >= utf8.RuneSelf) {
		return -1
	}
	sc.low = low
	sc.pushASCIIWord(i, j, ls, letters, upper, digits, flags, sent)
	return j
}

// hiBits has the high bit of each byte of a word.
const hiBits = 0x8080808080808080

// inRange sets the high bit of each byte of x (below 0x80) that is in lo..hi,
// and clears the other bits.
func inRange(x uint64, lo, hi byte) uint64 {
	const ones = 0x0101010101010101
	ge := (x | hiBits) - ones*uint64(lo)
	le := ^(x + ones*uint64(0x7F-hi))
	return ge & le & hiBits
}

// eq sets the high bit of each byte where x and y are equal, and clears
// the other bits.
func eq(x, y uint64) uint64 {
	const low7 = 0x7F7F7F7F7F7F7F7F
	z := x ^ y
	return ^((z&low7 + low7) | z | low7)
}

// scanWord adds the word that starts at text[i], ASCII letters and digits
// and what wordExt lets in, and returns its end.
func (sc *scratch) scanWord(text string, i int, sent int32) int {
	n := len(text)
	j := i
	ascii := true // the word has no byte >= 0x80
	for j < n {
		c := text[j]
		if isASCIIAlnum(c) {
			j++
			continue
		}
		if c < utf8.RuneSelf && c != '\'' {
			break
		}
		k := wordExt(text, j)
		if k == j {
			break
		}
		if c >= utf8.RuneSelf {
			ascii = false
		}
		j = k
	}
	if ascii {
		sc.addWordASCII(text, i, j, sent)
	} else {
		sc.addWord(text, i, j, sent)
	}
	return j
}

// isASCII reports whether s has no byte >= 0x80, eight bytes at a time.
func isASCII(s string) bool {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		b := s[i : i+8] // one bounds check: the loads below combine into one
		x := uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
			uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
		if x&0x8080808080808080 != 0 {
			return false
		}
	}
	for ; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// emojiEnd returns the end of the emoji cluster that starts at i with
// rune r of size sz: modifiers, ZWJ sequences, a flag's second letter.
func emojiEnd(text string, i int, r rune, sz int) int {
	n := len(text)
	j := i + sz
	for j < n {
		r2, sz2 := utf8.DecodeRuneInString(text[j:])
		if isEmojiMod(r2) {
			j += sz2
			continue
		}
		if r2 == 0x200D && j+sz2 < n {
			r3, sz3 := utf8.DecodeRuneInString(text[j+sz2:])
			if isEmojiRune(r3) {
				j += sz2 + sz3
				continue
			}
		}
		break
	}
	if r >= 0x1F1E6 && r <= 0x1F1FF && j < n { // regional indicator pair: a flag
		r2, sz2 := utf8.DecodeRuneInString(text[j:])
		if r2 >= 0x1F1E6 && r2 <= 0x1F1FF {
			j += sz2
		}
	}
	return j
}

// wordExt returns where a word goes on at text[j], an apostrophe or a
// byte >= 0x80: past a letter, digit or mark, past a zero-width character
// or an apostrophe inside a word ("g\u200bood", "don't"); j if it ends
// there.
func wordExt(text string, j int) int {
	n := len(text)
	r, sz := utf8.DecodeRuneInString(text[j:])
	if isWordRune(r) {
		return j + sz
	}
	if isZeroWidth(r) && j+sz < n {
		if r2, _ := utf8.DecodeRuneInString(text[j+sz:]); isWordRune(r2) {
			return j + sz
		}
	}
	if (r == '\'' || r == 0x2019) && j+sz < n {
		if r2, _ := utf8.DecodeRuneInString(text[j+sz:]); unicode.IsLetter(r2) {
			return j + sz
		}
	}
	return j
}

func isHandleByte(c byte) bool {
	return c == '_' || isASCIIAlnum(c)
}

func isASCIIAlnum(c byte) bool { return asciiClass[c]&(cLower|cUpper|cDigit) != 0 }

// Classes of ASCII bytes (asciiClass).
const (
	cLower uint8 = 1 << iota
	cUpper
	cDigit
)

var asciiClass = func() (t [256]uint8) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = cLower
		t[c-'a'+'A'] = cUpper
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = cDigit
	}
	return t
}()

func isSpaceByte(c byte) bool {
	return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v'
}

func startsWord(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

func isURLStart(s string) bool {
	return hasPrefixFold(s, "http://") || hasPrefixFold(s, "https://") || hasPrefixFold(s, "www.")
}

func hasPrefixFold(s, p string) bool {
	if len(s) < len(p) {
		return false
	}
	for i := 0; i < len(p); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != p[i] {
			return false
		}
	}
	return true
}

// entityLen returns the length of an HTML entity at the start of s (0 if
// none) and whether it is "&lt;3", a heart.
func entityLen(s string) (int, bool) {
	if len(s) < 3 {
		return 0, false
	}
	end := -1
	for k := 1; k < len(s) && k < 10; k++ {
		c := s[k]
		if c == ';' {
			end = k
			break
		}
		if !isASCIIAlnum(c) && c != '#' {
			return 0, false
		}
	}
	if end < 2 {
		return 0, false
	}
	name := s[1:end]
	if name == "lt" && end+1 < len(s) && s[end+1] == '3' {
		return end + 2, true
	}
	switch name {
	case "amp", "lt", "gt", "quot", "apos", "nbsp", "hellip", "mdash", "ndash", "rsquo", "lsquo", "ldquo", "rdquo":
		return end + 1, false
	}
	if name[0] == '#' {
		return end + 1, false
	}
	return 0, false
}

// addLower appends a token whose lower form is the lower-cased span.
func (sc *scratch) addLower(text string, s, e int, kind tokKind, sent int32) {
	ls := int32(len(sc.low))
	if isASCII(text[s:e]) {
		sc.low = append(sc.low, text[s:e]...)
		for k := int(ls); k < len(sc.low); k++ {
			if asciiClass[sc.low[k]]&cUpper != 0 {
				sc.low[k] += 'a' - 'A'
			}
		}
	} else {
		for _, r := range text[s:e] {
			sc.low = utf8.AppendRune(sc.low, unicode.ToLower(r))
		}
	}
	sc.toks = append(sc.toks, token{s: int32(s), e: int32(e), ls: ls, le: int32(len(sc.low)), kind: kind, sent: sent})
}

// addWord appends a word token with its case and elongation flags; curly
// apostrophes are normalised.
func (sc *scratch) addWord(text string, s, e int, sent int32) {
	ls := int32(len(sc.low))
	upper, letters, digits := 0, 0, 0
	var prev rune
	run := 0
	var flags uint8
	for _, r := range text[s:e] {
		if r < utf8.RuneSelf {
			c := byte(r)
			switch {
			case c >= 'a' && c <= 'z':
				letters++
			case c >= 'A' && c <= 'Z':
				letters++
				upper++
				c += 'a' - 'A'
			case c >= '0' && c <= '9':
				digits++
			}
			lr := rune(c)
			if lr == prev {
				run++
				if run >= 3 && c >= 'a' && c <= 'z' {
					flags |= fElong
				}
			} else {
				run = 1
			}
			prev = lr
			sc.low = append(sc.low, c)
			continue
		}
		if r == 0x2019 {
			r = '\''
		}
		if isZeroWidth(r) {
			continue
		}
		if unicode.IsLetter(r) {
			letters++
			if unicode.IsUpper(r) {
				upper++
			}
		} else if unicode.IsDigit(r) {
			digits++
		}
		lr := unicode.ToLower(r)
		if lr == prev {
			run++
			if run >= 3 && unicode.IsLetter(lr) {
				flags |= fElong
			}
		} else {
			run = 1
		}
		prev = lr
		sc.low = utf8.AppendRune(sc.low, lr)
	}
	if letters >= 2 && upper == letters {
		flags |= fCaps
	}
	kind := tkWord
	if letters == 0 && digits > 0 {
		kind = tkNum
	}
	sc.toks = append(sc.toks, token{s: int32(s), e: int32(e), ls: ls, le: int32(len(sc.low)), kind: kind, flags: flags, sent: sent})
}

// addWordASCII is addWord for a span of ASCII bytes.
func (sc *scratch) addWordASCII(text string, s, e int, sent int32) {
	ls := len(sc.low)
	sc.low = append(sc.low, text[s:e]...)
	w := sc.low[ls:]
	upper, letters, digits := 0, 0, 0
	var prev byte // no word byte is 0
	run := 0
	var flags uint8
	for k, c := range w {
		switch cl := asciiClass[c]; cl {
		case cLower:
			letters++
		case cUpper:
			letters++
			upper++
			c += 'a' - 'A'
			w[k] = c
		case cDigit:
			digits++
		}
		if c == prev {
			run++
			if run >= 3 && asciiClass[c] == cLower {
				flags |= fElong
			}
		} else {
			run = 1
		}
		prev = c
	}
	sc.pushASCIIWord(s, e, ls, letters, upper, digits, flags, sent)
}

// pushASCIIWord appends the token of the ASCII word text[s:e], lower-cased
// at the end of sc.low from ls, from the counts its scan made.
func (sc *scratch) pushASCIIWord(s, e, ls, letters, upper, digits int, flags uint8, sent int32) {
	if letters >= 2 && upper == letters {
		flags |= fCaps
	}
	kind := tkWord
	if letters == 0 && digits > 0 {
		kind = tkNum
	}
	if letters <= 0xFFFF {
		flags |= fASCII
	}
	sc.toks = append(sc.toks, token{s: int32(s), e: int32(e), ls: int32(ls), le: int32(len(sc.low)), kind: kind, flags: flags, nl: uint16(letters), sent: sent})
}

// addEmoji appends an emoji cluster; its lower form is the cluster without
// variation selectors and skin tones, the key of the emoji lexicon.
func (sc *scratch) addEmoji(text string, s, e int, sent int32) {
	ls := int32(len(sc.low))
	for _, r := range text[s:e] {
		if r == 0xFE0F || r == 0xFE0E || isSkinTone(r) {
			continue
		}
		sc.low = utf8.AppendRune(sc.low, r)
	}
	sc.toks = append(sc.toks, token{s: int32(s), e: int32(e), ls: ls, le: int32(len(sc.low)), kind: tkEmoji, sent: sent})
}

// splitTag splits the hashtag body text[s:e] into words: at case changes
// and digits (#NeverFlyingAgain), or, when it is in one case, by the
// dictionary (#neverflyingagain).
func (sc *scratch) splitTag(text string, s, e int, sent int32, lx *lexicon) {
	if e-s > maxTagLen {
		return
	}
	body := text[s:e]
	hasUpper, hasLower := false, false
	for _, r := range body {
		if unicode.IsUpper(r) {
			hasUpper = true
		} else if unicode.IsLower(r) {
			hasLower = true
		}
	}
	if hasUpper && hasLower {
		// camel case: a new word starts at an upper-case letter that follows
		// a lower-case one, or that precedes a lower-case one after capitals.
		start := s
		var prev rune
		for k, r := range body {
			pos := s + k
			if pos > start {
				next, _ := utf8.DecodeRuneInString(text[pos+utf8.RuneLen(r):])
				split := (unicode.IsUpper(r) && (unicode.IsLower(prev) || unicode.IsDigit(prev))) ||
					(unicode.IsUpper(r) && unicode.IsUpper(prev) && unicode.IsLower(next) && pos+utf8.RuneLen(r) < e) ||
					(unicode.IsDigit(r) != unicode.IsDigit(prev)) || r == '_'
				if split {
					sc.addTagPart(text, start, pos, sent)
					start = pos
					if r == '_' {
						start = pos + 1
					}
				}
			}
			prev = r
		}
		sc.addTagPart(text, start, e, sent)
		return
	}
	// one case: if the whole tag is a known word, keep it; else segment.
	ls := len(sc.low)
	for _, r := range body {
		sc.low = utf8.AppendRune(sc.low, unicode.ToLower(r))
	}
	whole := sc.low[ls:]
	sc.low = sc.low[:ls]
	if lx.isWord(whole) || len(whole) != len(body) {
		sc.addTagPart(text, s, e, sent)
		return
	}
	// dynamic programming over byte positions (ASCII body): fewest words,
	// preferring known words; unknown stretches cost more.
	m := len(whole)
	var cost [maxTagLen + 1]int
	var back [maxTagLen + 1]int
	for k := 1; k <= m; k++ {
		cost[k] = 1 << 30
		for j := max(0, k-20); j < k; j++ {
			c := cost[j]
			if c >= 1<<30 {
				continue
			}
			if lx.isWord(whole[j:k]) {
				c += 1
			} else {
				c += 3 * (k - j)
			}
			if c < cost[k] {
				cost[k] = c
				back[k] = j
			}
		}
	}
	var cuts [maxTagLen + 1]int
	nc := 0
	for k := m; k > 0; k = back[k] {
		cuts[nc] = k
		nc++
	}
	start := 0
	for q := nc - 1; q >= 0; q-- {
		sc.addTagPart(text, s+start, s+cuts[q], sent)
		start = cuts[q]
	}
}

func (sc *scratch) addTagPart(text string, s, e int, sent int32) {
	if e <= s {
		return
	}
	sc.addWord(text, s, e, sent)
	t := &sc.toks[len(sc.toks)-1]
	t.kind = tkTagPart
	t.flags &^= fCaps
}
