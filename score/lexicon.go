package score

import (
	"bufio"
	"embed"
	"encoding/binary"
	"fmt"
	"maps"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

//go:embed data/vader/vader_lexicon.txt data/vader/emoji_utf8_lexicon.txt data/lexicon.tsv data/cues.json data/lang.json data/vocab.txt data/model.bin
var dataFS embed.FS

// Languages with sentiment and urgency support.
const (
	langEN = "en"
	langES = "es"
	langFR = "fr"
	langDE = "de"
	langPT = "pt"
)

// A lexicon holds everything word-level the rules use. It is built once by
// New and read concurrently afterwards.
type lexicon struct {
	val        map[string]float32            // English and language-neutral valences
	langVal    map[string]map[string]float32 // per supported non-English language
	emoji      map[string]float32
	emoticon   map[string]float32
	booster    map[string]float32 // intensifiers (>0) and downtoners (<0)
	negator    map[string]uint8   // bit per language index (langIndex) in which the word negates
	contrast   map[string]int8    // 1: but-like (after counts more), 2: although-like (its clause counts less)
	contrastIn map[string]uint8   // bit per language index in which the word is a contrast
	vocab      map[string]bool    // known words for hashtag splitting
	vocabT     wordTable          // the same set as a table for the hot path (built by finish)
	maxEmoLen  int
	emoStart   [256]bool // first bytes of emoticons

	// info gathers, per word, everything the hot path asks of the maps
	// above, so that a word costs one lookup (built by finish); words is
	// the same index as a table for the hot path.
	info  map[string]int32
	infos []wordInfo
	words wordTable
	// langVals holds, by info index, a word's valences in the languages
	// of index 1..4 (es fr de pt), apart from the hot wordInfo: most posts
	// are English.
	langVals [][4]float32
}

// wordInfo is what the scorer knows of one word. It is small (24 bytes),
// so that the infos of a post's words share few cache lines.
type wordInfo struct {
	val        float32 // English (and language-neutral) valence
	pid        int32   // phrase-word ID of the word, -1 if none
	spid       int32   // phrase-word ID of its stem, -1 if none
	stop       uint16  // language detector: bit per language using it
	has        uint8   // bit per language index: the valence is set (val, langVals)
	boost      int8    // 1 for an intensifier (boostInc), -1 for a downtoner (boostDec), 0 for neither
	negIn      uint8   // bit per language index: the word negates in that language
	contrast   int8    // its kind (see lexicon.contrast) in the languages of contrastIn
	contrastIn uint8   // bit per language index: the word is a contrast in that language
	role       uint8   // wFirst, wYou, wQStart, wService: what the cue rules ask of a word
	hash       uint32  // the word's feature hash for the learned layer, hashBytes(1, word)
}

// Word roles read by the cue rules (wordInfo.role).
const (
	wFirst   uint8 = 1 << iota // first person: "i", "my", "we"
	wYou                       // second person: "you", "ur"
	wQStart                    // opens a question: "how", "can", "wie"
	wService                   // what a customer can be left without: "signal", "luz"
	wAnd                       // joins clauses: "and", "et", "und"
)

// Words of each role, matched exactly against a word's lower form.
var (
	firstPersonWords = []string{"i", "my", "me", "i'm", "im", "mine", "we", "our", "us"}
	youWords         = []string{"you", "your", "u", "ur", "you're", "y'all"}
	qStartWords      = []string{"how", "why", "what", "when", "where", "which", "who", "is", "are", "can", "could", "does", "do", "did", "will", "would", "should", "any", "anyone",
		"cómo", "como", "qué", "dónde", "cuándo", "pourquoi", "comment", "quand", "où", "wie", "warum", "wann", "wo", "onde", "quando", "porque", "por"}
	andWords     = []string{"and", "y", "et", "und", "e"}
	serviceWords = []string{"signal", "service", "power", "electricity", "internet", "wifi", "broadband", "data", "water", "heating", "gas",
		"network", "connection", "coverage", "phone", "lights",
		"señal", "servicio", "luz", "agua", "datos", "red", "cobertura",
		"réseau", "courant", "électricité", "eau", "connexion",
		"netz", "strom", "wasser", "empfang", "verbindung",
		"sinal", "energia", "água", "rede", "conexão"}
)

// langIndex is the index of a supported language in wordInfo.val; other
// languages read the English lexicon.
func langIndex(lang string) int {
	switch lang {
	case langES:
		return 1
	case langFR:
		return 2
	case langDE:
		return 3
	case langPT:
		return 4
	}
	return 0
}

// isBoost reports whether the word is an intensifier or a downtoner.
func (wi *wordInfo) isBoost() bool { return wi.boost != 0 }

// boostBy is the increment of an intensifier (boostInc) or a downtoner
// (boostDec), the only two the lexicon has.
func (wi *wordInfo) boostBy() float32 {
	if wi.boost > 0 {
		return boostInc
	}
	return boostDec
}

// negates reports whether a word is a negator in a post of language index
// lk, sure when the language is known with confidence. A word negates in
// the languages that list it; in a post surely in another language, an
// English negator still does ("not working" said in a Spanish post) unless
// it is one of that language's function words: Portuguese "no" is "in
// the" ("saiu no jornal"), not "no".
func (wi *wordInfo) negates(lk int, sure bool) bool { return wi.holdsIn(wi.negIn, lk, sure) }

// holdsIn reports whether a role the word has in the languages of bits
// (bit per language index) holds in a post of language index lk, sure when
// the language is known with confidence: in the languages listed, in any
// post when the language is unsure, and, for an English role, in a post
// surely in another language unless the word is one of its function words.
func (wi *wordInfo) holdsIn(bits uint8, lk int, sure bool) bool {
	if bits == 0 {
		return false
	}
	return !sure || bits&(1<<lk) != 0 || bits&1 != 0 && wi.stop&(1<<lk) == 0
}

// contrastKind is the word's contrast kind (see lexicon.contrast) in a post
// of language index lk, 0 if it is none there: by the rule of negates, a
// word is a contrast in the languages that list it, and an English one in
// any post but where it is that language's function word. Portuguese "mas"
// is "but"; typed in Spanish without its accent it is "más", "more".
func (wi *wordInfo) contrastKind(lk int, sure bool) int8 {
	if wi.holdsIn(wi.contrastIn, lk, sure) {
		return wi.contrast
	}
	return 0
}

// finish builds the per-word index from the maps and the detector's
// function words.
func (lx *lexicon) finish(li *langID, m *matcher) {
	lx.info = make(map[string]int32, len(lx.val)+4000)
	lx.infos = lx.infos[:0]
	lx.langVals = lx.langVals[:0]
	get := func(w string) *wordInfo {
		i, ok := lx.info[w]
		if !ok {
			i = int32(len(lx.infos))
			lx.infos = append(lx.infos, wordInfo{pid: -1, spid: -1})
			lx.langVals = append(lx.langVals, [4]float32{})
			lx.info[w] = i
		}
		return &lx.infos[i]
	}
	// function words first: they are most of any post's words, and so
	// their infos share a few cache lines
	for w := range li.words {
		get(w)
	}
	for w := range m.ids {
		get(w)
	}
	for w, v := range lx.val {
		wi := get(w)
		wi.val, wi.has = v, wi.has|1
	}
	for lang, m := range lx.langVal {
		k := langIndex(lang)
		for w, v := range m {
			wi := get(w)
			wi.has |= 1 << k
			if k == 0 {
				wi.val = v
				continue
			}
			lx.langVals[lx.info[w]][k-1] = v
		}
	}
	for w, b := range lx.booster {
		get(w).boost = int8(sign32(b))
	}
	for w, bits := range lx.negator {
		get(w).negIn = bits
	}
	for w, c := range lx.contrast {
		get(w).contrast = c
		get(w).contrastIn = lx.contrastIn[w]
	}
	for w, bits := range li.words {
		get(w).stop = uint16(bits)
	}
	for role, list := range map[uint8][]string{wFirst: firstPersonWords, wYou: youWords, wQStart: qStartWords, wService: serviceWords, wAnd: andWords} {
		for _, w := range list {
			get(w).role |= role
		}
	}
	for w, i := range lx.info {
		wi := &lx.infos[i]
		if id, ok := m.ids[w]; ok {
			wi.pid = id
		}
		if id, ok := m.ids[string(stem([]byte(w)))]; ok {
			wi.spid = id
		}
	}
	for w, i := range lx.info {
		lx.infos[i].hash = hashBytes(1, []byte(w))
	}
	lx.words.build(lx.info, len(lx.infos))
	vi := make(map[string]int32, len(lx.vocab))
	for w, ok := range lx.vocab {
		if ok {
			vi[w] = int32(len(vi))
		}
	}
	lx.vocabT.build(vi, len(vi))
}

// lookup returns the index of a word's info, -1 if it has none.
func (lx *lexicon) lookup(w []byte) int32 { return lx.words.find(w) }

// phraseID is the phrase-word ID of w, -1 if no phrase uses it.
func (lx *lexicon) phraseID(w []byte) int32 {
	if i := lx.words.find(w); i >= 0 {
		return lx.infos[i].pid
	}
	return -1
}

// A wordTable maps words to their info index. It is an open-addressing
// table whose slots hold a word's first eight bytes and its length, so
// that a lookup usually reads one cache line and no key elsewhere. A
// Bloom filter in front of it (two bits of one 64-bit word per key, about
// 12 bits per key) answers most words that are not in the table from a
// small array that stays in cache: about a third of a post's words are
// not, and each would otherwise read a random line of the table.
type wordTable struct {
	slots  []wordSlot
	shift  uint8    // 64 - log2(len(slots))
	rest   []string // info index -> word, for the bytes past the eighth
	maxLen int
	bloom  []uint64
	bshift uint8 // 64 - log2(len(bloom))
}

// bloomBits are the two bits of the filter word that a word of hash h
// (wordHash) sets; the word is bloom[h>>bshift]. They are taken from the
// hash's upper half, which the multiplication mixes best.
func bloomBits(h uint64) uint64 {
	return 1<<(h>>47&63) | 1<<(h>>41&63)
}

type wordSlot struct {
	head uint64 // the word's first eight bytes, little-endian, zero-padded
	n    uint32 // its length; 0 marks an empty slot
	info int32
}

// head8 packs the first eight bytes of w, zero-padded.
func head8(w []byte) uint64 {
	if cap(w) >= 8 {
		// one load of eight bytes, those past the word masked off (they
		// are within w's capacity, and so readable): the words a post
		// looks up lie in the scratch buffer, and their lengths vary too
		// much for the branches of head8Short to be predicted
		return binary.LittleEndian.Uint64(w[:8]) & lowBytes[min(len(w), 8)]
	}
	return head8Short(w)
}

// lowBytes[n] has the low n bytes of a word set.
var lowBytes = [9]uint64{0, 0xFF, 0xFFFF, 0xFFFFFF, 0xFFFFFFFF, 0xFFFFFFFFFF, 0xFFFFFFFFFFFF, 0xFFFFFFFFFFFFFF, 0xFFFFFFFFFFFFFFFF}

// head8Short is head8 of a word in a buffer shorter than eight bytes
// (rare). It is kept out of line so that head8 is inlined.
//
//go:noinline
func head8Short(w []byte) uint64 {
	n := len(w)
	switch {
	case n >= 8:
		return binary.LittleEndian.Uint64(w)
	case n >= 4: // two overlapping loads; the shared bytes are equal
		return uint64(binary.LittleEndian.Uint32(w)) | uint64(binary.LittleEndian.Uint32(w[n-4:]))<<(8*(n-4))
	case n > 0:
		return uint64(w[0]) | uint64(w[n/2])<<(8*(n/2)) | uint64(w[n-1])<<(8*(n-1))
	}
	return 0
}

// wordHash is the table's hash of w, whose first eight bytes are head.
// Most words are eight bytes or shorter: their hash is made inline.
func wordHash(head uint64, w []byte) uint64 {
	if len(w) > 8 {
		return wordHashLong(head, w)
	}
	return (head ^ uint64(len(w))) * wordHashK
}

const wordHashK = 0x9E3779B97F4A7C15

// wordHashLong is wordHash of a word longer than eight bytes.
func wordHashLong(head uint64, w []byte) uint64 {
	h := (head ^ uint64(len(w))) * wordHashK
	for i := 8; i < len(w); i += 8 {
		h = (h ^ h>>29 ^ head8(w[i:])) * wordHashK
	}
	return h
}

// build fills the table from word -> info index.
func (t *wordTable) build(index map[string]int32, n int) {
	size := 16
	for size < len(index)+len(index)/2 {
		size *= 2
	}
	t.slots = make([]wordSlot, size)
	t.shift = uint8(64 - bits.TrailingZeros(uint(size)))
	t.rest = make([]string, n)
	t.maxLen = 0
	nb := 1
	for nb*64 < 8*len(index) {
		nb *= 2
	}
	t.bloom = make([]uint64, nb)
	t.bshift = uint8(64 - bits.TrailingZeros(uint(nb)))
	for w, i := range index {
		if w == "" {
			continue
		}
		b := []byte(w)
		head := head8(b)
		h := wordHash(head, b)
		t.bloom[h>>t.bshift] |= bloomBits(h)
		j := int(h >> t.shift)
		for t.slots[j].n != 0 {
			j = (j + 1) & (size - 1)
		}
		t.slots[j] = wordSlot{head: head, n: uint32(len(b)), info: i}
		t.rest[i] = w
		t.maxLen = max(t.maxLen, len(b))
	}
}

// find returns the info index of w, -1 if it has none.
func (t *wordTable) find(w []byte) int32 {
	n := len(w)
	if n == 0 || n > t.maxLen {
		return -1
	}
	head := head8(w)
	h := wordHash(head, w)
	if b := bloomBits(h); t.bloom[h>>t.bshift]&b != b {
		return -1
	}
	mask := len(t.slots) - 1
	for j := int(h >> t.shift); ; j = (j + 1) & mask {
		s := &t.slots[j]
		if s.n == 0 {
			return -1
		}
		if s.head == head && int(s.n) == n && (n <= 8 || t.rest[s.info][8:] == string(w[8:])) {
			return s.info
		}
	}
}

// Booster increments, as in the VADER paper's empirically derived scalar.
const (
	boostInc = 0.293
	boostDec = -0.293
	capsInc  = 0.733
	negScale = -0.74
)

func loadLexicon() (*lexicon, error) {
	lx := &lexicon{
		val:        make(map[string]float32, 9000),
		langVal:    map[string]map[string]float32{},
		emoji:      make(map[string]float32, 4000),
		emoticon:   make(map[string]float32, 256),
		booster:    map[string]float32{},
		negator:    map[string]uint8{},
		contrast:   map[string]int8{},
		contrastIn: map[string]uint8{},
		vocab:      make(map[string]bool, 20000),
	}
	b, err := dataFS.ReadFile("data/vader/vader_lexicon.txt")
	if err != nil {
		return nil, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		f := strings.Split(line, "\t")
		if len(f) < 2 {
			continue
		}
		v, err := strconv.ParseFloat(f[1], 32)
		if err != nil {
			return nil, fmt.Errorf("score: vader lexicon: %q: %v", line, err)
		}
		tok := f[0]
		if isEmoticonKey(tok) {
			lx.emoticon[tok] = float32(v)
			lx.maxEmoLen = max(lx.maxEmoLen, len(tok))
			lx.emoStart[tok[0]] = true
			continue
		}
		if _, dup := lx.val[tok]; !dup {
			lx.val[tok] = float32(v)
		}
		lx.vocab[tok] = true
	}
	// Our own additions and overrides: language, token, valence or role.
	b, err = dataFS.ReadFile("data/lexicon.tsv")
	if err != nil {
		return nil, err
	}
	for n, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 3 {
			return nil, fmt.Errorf("score: data/lexicon.tsv:%d: want lang token value", n+1)
		}
		if len(f) > 3 || strings.Contains(f[1], "_") {
			// words are looked up one by one: a phrase would never match
			return nil, fmt.Errorf("score: data/lexicon.tsv:%d: %q: want a single word", n+1, f[1])
		}
		lang, tok, v := f[0], f[1], f[2]
		switch v {
		case "neg":
			lx.negator[tok] |= 1 << langIndex(lang)
			continue
		case "but", "though":
			kind := int8(1)
			if v == "though" {
				kind = 2
			}
			if c, ok := lx.contrast[tok]; ok && c != kind {
				return nil, fmt.Errorf("score: data/lexicon.tsv:%d: %q is a contrast of both kinds", n+1, tok)
			}
			lx.contrast[tok] = kind
			lx.contrastIn[tok] |= 1 << langIndex(lang)
			continue
		case "inc":
			lx.booster[tok] = boostInc
			continue
		case "dec":
			lx.booster[tok] = boostDec
			continue
		}
		fv, err := strconv.ParseFloat(v, 32)
		if err != nil {
			return nil, fmt.Errorf("score: data/lexicon.tsv:%d: %v", n+1, err)
		}
		if lang == langEN || lang == "*" {
			lx.val[tok] = float32(fv)
			lx.vocab[tok] = true
			continue
		}
		m := lx.langVal[lang]
		if m == nil {
			m = map[string]float32{}
			lx.langVal[lang] = m
		}
		m[tok] = float32(fv)
	}
	addPlainSpellings(lx)
	// Emoji: the valence of an emoji is read from its English description
	// with the word lexicon, the strongest word deciding.
	b, err = dataFS.ReadFile("data/vader/emoji_utf8_lexicon.txt")
	if err != nil {
		return nil, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		emo, desc, ok := strings.Cut(line, "\t")
		if !ok {
			continue
		}
		key := strings.Map(func(r rune) rune {
			if r == 0xFE0F || r == 0xFE0E || isSkinTone(r) {
				return -1
			}
			return r
		}, emo)
		var sum float32
		neg := false
		for w := range strings.FieldsSeq(strings.ToLower(desc)) {
			w = strings.Trim(w, ":,.()")
			if w == "not" || w == "no" || w == "without" || w == "prohibited" {
				neg = true
			}
			if v, ok := lx.val[w]; ok && abs32(v) > abs32(sum) {
				sum = v
			}
		}
		if neg {
			sum = 0
		}
		if sum != 0 {
			lx.emoji[key] = sum
		}
	}
	// A few emoji whose descriptions do not say what they convey in posts.
	for k, v := range map[string]float32{
		"😍": 3.0, "🥰": 3.0, "😘": 2.4, "❤": 3.0, "💕": 2.8, "💖": 2.8, "💯": 1.8, "👍": 1.8, "👏": 1.8, "🙌": 2.0,
		"🔥": 1.2, "🎉": 2.2, "✨": 1.2, "🙏": 1.0, "😂": 1.2, "🤣": 1.2, "😭": -1.4, "😡": -2.8, "🤬": -3.0,
		"👎": -2.0, "🙄": -1.6, "😤": -2.0, "💔": -2.6, "🤮": -2.8, "🤢": -2.2, "😒": -1.8, "😩": -2.0, "😫": -2.0,
		"😞": -2.0, "😔": -1.6, "😢": -2.0, "😠": -2.6, "🤦": -1.6, "😑": -1.0, "😐": -0.4, "🙃": -0.6, "💀": 0.2,
		"🚨": -1.0, "⚠": -1.0, "😱": -1.6, "🤡": -1.6, "💩": -2.2, "🖕": -3.0, "😊": 2.4, "🙂": 1.4, "😀": 2.2,
		"😁": 2.2, "😃": 2.2, "😄": 2.4, "🥳": 2.6, "🤩": 2.8, "🥺": -0.6, "😬": -1.0, "😕": -1.4, "😟": -1.6,
		"👌": 1.6, "✅": 1.0, "❌": -1.2, "⭐": 1.6, "🌟": 1.8, "💪": 1.6, "😎": 1.8, "🤔": -0.2, "😴": -0.6,
	} {
		lx.emoji[k] = v
	}
	// Vocabulary for hashtag splitting: the lexicon words plus a frequency
	// list of ordinary words.
	b, err = dataFS.ReadFile("data/vocab.txt")
	if err != nil {
		return nil, err
	}
	sc := bufio.NewScanner(strings.NewReader(string(b)))
	for sc.Scan() {
		if w := strings.TrimSpace(sc.Text()); w != "" {
			lx.vocab[w] = true
		}
	}
	for w := range lx.booster {
		lx.vocab[w] = true
	}
	for w := range lx.negator {
		lx.vocab[w] = true
	}
	return lx, nil
}

func abs32(v float32) float32 {
	if v < 0 {
		return -v
	}
	return v
}

// isEmoticonKey reports whether a lexicon entry is an emoticon (it has a
// character that is neither a letter, a digit, an apostrophe nor a hyphen)
// rather than a word.
func isEmoticonKey(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '\'' || r == '-') {
			return true
		}
	}
	return false
}

func (lx *lexicon) isWord(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	if len(b) == 1 {
		return b[0] == 'a' || b[0] == 'i'
	}
	return lx.vocabT.find(b) >= 0
}

// emoticonAt returns the length of an emoticon at the start of s that ends
// at a space, the end of the text, or a letter boundary; 0 if none.
func (lx *lexicon) emoticonAt(s string) int {
	if len(s) < 2 || !lx.emoStart[s[0]] || isSpaceByte(s[1]) {
		return 0
	}
	lim := min(len(s), 8)
	for l := lim; l >= 2; l-- {
		if !utf8.RuneStart(s[l-1]) && l < len(s) && !utf8.RuneStart(s[l]) {
			continue
		}
		if _, ok := lx.emoticon[s[:l]]; ok {
			// the emoticon must end the chunk or be followed by a space or
			// punctuation, not run into a word (":Downtime")
			if l == len(s) || isSpaceByte(s[l]) || !isASCIIAlnum(s[l]) {
				return l
			}
		}
	}
	return 0
}

// wordVal looks a lower-case word up: the detected language's lexicon
// first, then the English one; elongated words are tried with their runs
// shortened to two letters and then one.
func (lx *lexicon) wordVal(w []byte, lang string, elong bool) (float32, bool) {
	if lang != langEN && lang != "" {
		if m := lx.langVal[lang]; m != nil {
			if v, ok := m[string(w)]; ok {
				return v, true
			}
		}
	}
	if v, ok := lx.val[string(w)]; ok {
		return v, true
	}
	if !elong || len(w) > 64 {
		return 0, false
	}
	var buf [64]byte
	for _, keep := range [2]int{2, 1} {
		k := 0
		run := 0
		for i := 0; i < len(w); i++ {
			if i > 0 && w[i] == w[i-1] {
				run++
			} else {
				run = 1
			}
			if run <= keep {
				buf[k] = w[i]
				k++
			}
		}
		if lang != langEN && lang != "" {
			if m := lx.langVal[lang]; m != nil {
				if v, ok := m[string(buf[:k])]; ok {
					return v, true
				}
			}
		}
		if v, ok := lx.val[string(buf[:k])]; ok {
			return v, true
		}
	}
	return 0, false
}

// addPlainSpellings lets the words of lexicon.tsv be found as posts typed
// on a phone spell them, without their accents ("pessimo", "decu"), where
// the list has no word of that spelling already.
func addPlainSpellings(lx *lexicon) {
	for _, m := range lx.langVal {
		addPlain(m)
	}
	addPlain(lx.negator)
	addPlain(lx.booster)
	addPlain(lx.contrast)
	addPlain(lx.contrastIn)
}

// addPlain adds the plain spellings of m's words to m, in sorted order so
// that two words with one plain spelling always give the same result.
func addPlain[V any](m map[string]V) {
	for _, tok := range slices.Sorted(maps.Keys(m)) {
		for _, p := range plainSpellings(tok) {
			if _, ok := m[p]; !ok {
				m[p] = m[tok]
			}
		}
	}
}
