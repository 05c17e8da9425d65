package score

import (
	"encoding/json"
	"fmt"
	"io"
	"math/bits"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A Cue is a piece of customer-care knowledge: phrases that, when a post
// says them, support an urgency level, vote for an intent and move the
// sentiment. The built-in cues are data (score/data/cues.json); a user adds
// to them, replaces them or switches them off per brand with [Brand].
//
// A phrase is words separated by spaces. A word may list alternatives with
// "|" ("charged twice|double"), end in "*" to match any ending ("refund*"),
// or be "~", which skips up to three words ("~~" up to six). Words are compared after
// lower-casing and a light suffix strip, so "charge" also matches "charged"
// and "charges"; and as posts typed on a phone spell them, so "didn't"
// also matches "didnt", and "account" "acct".
type Cue struct {
	// Code names the cue in reasons, e.g. "urgency.money". Cues sharing a
	// code are one family: a brand may replace or disable it by code.
	// The code "urgency.vulnerable" names people at particular risk (the
	// elderly, a baby, a medical need): such a cue supports no level of its
	// own, but a high-urgency post that also says the author is blocked
	// from a service, or hints at a critical hazard, becomes critical.
	Code string `json:"code"`
	// Phrases are what the post must say (any one of them).
	Phrases []string `json:"phrases"`
	// Urgency is the level 0..3 a match supports.
	Urgency int `json:"urgency"`
	// Intent is the intent a match votes for, "" for none; Weight is the
	// strength of the vote (1 is typical).
	Intent Intent  `json:"intent,omitempty"`
	Weight float64 `json:"weight,omitempty"`
	// Valence moves the sentiment on the lexicon's -4..4 scale.
	Valence float64 `json:"valence,omitempty"`
	// Lang limits the cue to posts in one language ("" for all).
	Lang string `json:"lang,omitempty"`
	// Weak marks phrases that are ambiguous on their own: "fire", "3am",
	// "died" or "SIM swap" are said harmlessly as often as not ("laptop
	// died", "how do I do a SIM swap?"). A weak match supports the cue's
	// urgency level only when the post agrees: a cue that is not weak
	// supports that level too, or the post is not positive and another weak
	// cue of that level matches elsewhere in it, or (below level 3) the
	// post complains, with more negative than positive words (a complaint
	// alone does not make "my laptop died" a safety matter). Otherwise it
	// sets no level, moves no sentiment, counts half in the learned layer's
	// features and is reported with the code "weak." + Code.
	Weak bool `json:"weak,omitempty"`
}

// Cue families by code, in the order of the learned layer's features.
var cueFamilies = [...]string{
	"urgency.safety", "urgency.outage", "urgency.breach", "urgency.legal", "urgency.stranded", "urgency.viral",
	"urgency.blocked", "urgency.money", "urgency.churn", "urgency.repeat", "urgency.deadline",
	"urgency.delivery", "urgency.problem", "urgency.many",
	"intent.question", "intent.request", "intent.suggestion", "intent.purchase", "intent.praise", "intent.spam",
	"intent.other",
}

// Indices of families the rules read directly.
const (
	famOutage  = 1
	famViral   = 5
	famBlocked = 6
	famMany    = 13
)

func familyIndex(code string) int {
	for i, c := range cueFamilies {
		if c == code {
			return i
		}
	}
	return -1
}

// DefaultCues returns a copy of the built-in cues.
func DefaultCues() []Cue {
	cs, err := parseCueFile(mustData("data/cues.json"))
	if err != nil {
		panic(err) // embedded data is checked by the tests
	}
	return cs
}

func mustData(name string) []byte {
	b, err := dataFS.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return b
}

// defaultIdioms returns the built-in idioms: phrases such as "killing
// time" or "to die for" whose words are not meant as they stand. An idiom
// carries no sentiment, and a cue inside it does not count, as with a
// brand's neutral terms and catalogue names.
func defaultIdioms() []string {
	var f struct {
		Idioms []string `json:"idioms"`
	}
	if err := json.Unmarshal(mustData("data/cues.json"), &f); err != nil {
		panic(err) // embedded data is checked by the tests
	}
	return f.Idioms
}

func parseCueFile(b []byte) ([]Cue, error) {
	var f struct {
		Cues []Cue `json:"cues"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("score: cues: %w", err)
	}
	return f.Cues, nil
}

// ReadCues reads cues from JSON: either {"cues": [...]} or a bare array.
func ReadCues(r io.Reader) ([]Cue, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	t := strings.TrimSpace(string(b))
	if strings.HasPrefix(t, "[") {
		var cs []Cue
		if err := json.Unmarshal(b, &cs); err != nil {
			return nil, fmt.Errorf("score: cues: %w", err)
		}
		return cs, nil
	}
	return parseCueFile(b)
}

// entry kinds of the phrase matcher.
const (
	ekCue     uint8 = iota
	ekNeutral       // a term that carries no sentiment (brand names, "War Zone")
	ekEntity        // a catalogue term: product, place, person, brand
	ekAspect        // an aspect term (see Aspect): reported, never masks words
)

// A matchEntry is what a phrase stands for.
type matchEntry struct {
	kind    uint8
	code    string
	family  int8 // index in cueFamilies, -1 if none
	urgency int8
	sarcasm int8 // 1 for a weak sarcasm marker, 2 for a strong one
	intent  Intent
	weight  float32
	valence float32
	lang    string
	weak    bool
	// vulnerable marks a cue of the code "urgency.vulnerable": it supports
	// no level of its own, but makes a high-urgency problem critical
	vulnerable bool
	entity     Entity
	// the reason codes of a cue match that does not count, made once so
	// that reasons cost no allocation: "negated.", "hypothetical." and
	// "weak." + code
	negCode, hypoCode, weakCode string
}

// A pword is one word of a compiled phrase. It is small, so that the
// words of the phrases tried for a post share few cache lines.
type pword struct {
	off, n int32 // literal alternatives, interned (stemmed): matcher.wids[off:off+n]
	px     int32 // alternatives that match any ending: matcher.pxs[px], -1 if none
	gap    bool  // "~": skip up to three words
}

// A srcWord is a word of a phrase being compiled.
type srcWord struct {
	ids      []int32
	prefixes []string
	gap      bool
}

// It is small, so that the phrases tried for a post share few cache lines.
type phrase struct {
	off, n int32 // its words are matcher.words[off:off+n]
	entry  int32
	lang   int16 // its entry's language as an index in matcher.langs, 0 for all
	hasNeg bool  // the phrase itself contains a negator: do not negate it
}

// A matcher finds phrases in a token sequence.
type matcher struct {
	entries []matchEntry
	phrases []phrase
	words   []pword            // the words of all phrases
	wids    []int32            // their literal alternatives
	pxs     [][]string         // their prefix alternatives
	ids     map[string]int32   // phrase words (stemmed) -> ID
	byFirst [][]firstEntry     // word ID -> phrases starting with it, until compact
	first   []firstEntry       // byFirst in one array: word ID a's are first[lists[a].at:lists[a].end] (see firstList)
	lists   []firstList        // by word ID
	seconds []int32            // second-word alternatives of the firstEntries
	langs   []string           // languages of phrases, langs[0] = "" (all)
	firstPx map[uint32][]int32 // phrases whose first word is a prefix, by its first three bytes (px3)
	pxTab   []pxSlot           // firstPx as an open-addressing table
	pxShift uint8              // 32 - log2(len(pxTab))
	pxBits  [64]uint64         // a bit per key of pxTab (by hash): most words start no prefix
	shortPx []int32            // those whose prefix is shorter than three bytes
	shortB  [256]bool          // first bytes of those prefixes
	bloom   [1024]uint64       // hashes of the keys of first and firstPx: most words start no phrase
}

// A pxSlot is one key of firstPx in pxTab; key 0 marks an empty slot.
type pxSlot struct {
	key uint32 // px3 | 1<<24
	ids []int32
}

// buildPx rebuilds pxTab from firstPx.
func (m *matcher) buildPx() {
	size := 64
	for size < 2*len(m.firstPx) {
		size *= 2
	}
	m.pxTab = make([]pxSlot, size)
	m.pxShift = uint8(32 - bits.TrailingZeros(uint(size)))
	m.pxBits = [64]uint64{}
	for k, ids := range m.firstPx {
		key := k | 1<<24
		h := key * 0x9E3779B1
		m.pxBits[h>>26] |= 1 << (h >> 20 & 63)
		j := int(h >> m.pxShift)
		for m.pxTab[j].key != 0 {
			j = (j + 1) & (size - 1)
		}
		m.pxTab[j] = pxSlot{key: key, ids: ids}
	}
}

// prefixPhrases returns the phrases whose first word is a prefix that
// shares the first three bytes of w (len(w) >= 3).
func (m *matcher) prefixPhrases(w []byte) []int32 {
	if len(m.pxTab) == 0 {
		return nil
	}
	key := px3(w) | 1<<24
	h := key * 0x9E3779B1
	if m.pxBits[h>>26]&(1<<(h>>20&63)) == 0 {
		return nil
	}
	mask := len(m.pxTab) - 1
	for j := int(h >> m.pxShift); ; j = (j + 1) & mask {
		s := &m.pxTab[j]
		if s.key == key {
			return s.ids
		}
		if s.key == 0 {
			return nil
		}
	}
}

// mayStartPrefix reports whether w (len(w) >= 3) may start a phrase whose
// first word is a prefix (see prefixPhrases): most words do not, and are
// told so inline.
func (m *matcher) mayStartPrefix(w []byte) bool {
	h := (px3(w) | 1<<24) * 0x9E3779B1
	return m.pxBits[h>>26]&(1<<(h>>20&63)) != 0
}

func bloomHash(b []byte) uint32 {
	h := uint32(2166136261)
	for _, c := range b {
		h ^= uint32(c)
		h *= 16777619
	}
	return h & (1<<16 - 1)
}

func (m *matcher) bloomAdd(key string) {
	h := bloomHash([]byte(key))
	m.bloom[h>>6] |= 1 << (h & 63)
}

func (m *matcher) mayHave(b []byte) bool {
	h := bloomHash(b)
	return m.bloom[h>>6]&(1<<(h&63)) != 0
}

func newMatcher() *matcher {
	return &matcher{ids: map[string]int32{}, firstPx: map[uint32][]int32{}}
}

// add compiles a phrase for entry e.
func (m *matcher) add(text string, e int32, neg map[string]uint8) error {
	var words []srcWord
	hasNeg := false
	for w := range strings.FieldsSeq(strings.ToLower(text)) {
		if w == "~" || w == "~~" {
			if len(words) == 0 {
				return fmt.Errorf("phrase %q starts with ~", text)
			}
			words = append(words, srcWord{gap: true})
			if w == "~~" {
				words = append(words, srcWord{gap: true})
			}
			continue
		}
		var pw srcWord
		for a := range strings.SplitSeq(w, "|") {
			if a == "" {
				continue
			}
			a = normApos(a)
			if neg[a] != 0 || strings.HasSuffix(a, "n't") {
				hasNeg = true
			}
			for _, a := range spellings(a) {
				if p, ok := strings.CutSuffix(a, "*"); ok {
					if p == "" {
						continue
					}
					pw.prefixes = append(pw.prefixes, p)
				} else if id := m.intern(string(stem([]byte(a)))); !slices.Contains(pw.ids, id) {
					pw.ids = append(pw.ids, id)
				}
			}
		}
		if len(pw.ids)+len(pw.prefixes) == 0 {
			return fmt.Errorf("phrase %q has an empty word", text)
		}
		words = append(words, pw)
	}
	if len(words) == 0 {
		return fmt.Errorf("empty phrase")
	}
	if words[len(words)-1].gap {
		return fmt.Errorf("phrase %q ends with ~", text)
	}
	id := int32(len(m.phrases))
	lang := m.langIndex(m.entries[e].lang, true)
	m.phrases = append(m.phrases, phrase{off: int32(len(m.words)), n: int32(len(words)), entry: e, hasNeg: hasNeg, lang: int16(lang)})
	for _, w := range words {
		pw := pword{off: int32(len(m.wids)), n: int32(len(w.ids)), px: -1, gap: w.gap}
		m.wids = append(m.wids, w.ids...)
		if len(w.prefixes) > 0 {
			pw.px = int32(len(m.pxs))
			m.pxs = append(m.pxs, w.prefixes)
		}
		m.words = append(m.words, pw)
	}
	for _, p := range words[0].prefixes {
		if len(p) < 3 {
			m.shortPx = append(m.shortPx, id)
			m.shortB[p[0]] = true
			continue
		}
		m.firstPx[px3([]byte(p))] = append(m.firstPx[px3([]byte(p))], id)
		m.bloomAdd(p[:3])
		m.buildPx()
	}
	fe := firstEntry{phrase: id, s0: -1, lang: lang}
	// the next plain word after the first, and how far it may be: gaps
	// before it skip up to three words each
	g := 1
	for g < len(words) && words[g].gap {
		g++
	}
	if g < len(words) && len(words[g].prefixes) == 0 {
		fe.s0 = words[g].ids[0]
		fe.off, fe.n = int32(len(m.seconds)), int32(len(words[g].ids))
		fe.win = int32(3*(g-1) + 1)
		m.seconds = append(m.seconds, words[g].ids...)
	}
	for _, a := range words[0].ids {
		m.byFirst[a] = append(m.byFirst[a], fe)
	}
	return nil
}

// compact moves the lists of phrases by first word into one array, so
// that matching reads few cache lines. It is called once, after the last
// add.
func (m *matcher) compact() {
	n := 0
	for _, l := range m.byFirst {
		n += len(l)
		for _, fe := range l {
			if fe.s0 < 0 {
				n++
			}
		}
	}
	m.first = make([]firstEntry, 0, n)
	m.lists = make([]firstList, len(m.byFirst))
	for a, l := range m.byFirst {
		fl := &m.lists[a]
		fl.at = int32(len(m.first))
		m.first = append(m.first, l...)
		fl.end = int32(len(m.first))
		for _, fe := range l {
			if fe.s0 < 0 {
				m.first = append(m.first, fe) // the list of those, after the whole
				continue
			}
			for _, id := range m.seconds[fe.off : fe.off+fe.n] {
				fl.next |= idBit(id)
			}
			fl.win = max(fl.win, fe.win)
		}
		fl.bare = int32(len(m.first))
	}
	m.byFirst = nil
	m.words = slices.Clip(m.words)
	m.wids = slices.Clip(m.wids)
}

// langIndex returns the index of lang in m.langs, adding it if add is
// set; -1 if it is not there.
func (m *matcher) langIndex(lang string, add bool) int32 {
	if len(m.langs) == 0 && add {
		m.langs = append(m.langs, "")
	}
	for i, l := range m.langs {
		if l == lang {
			return int32(i)
		}
	}
	if !add {
		return -1
	}
	m.langs = append(m.langs, lang)
	return int32(len(m.langs) - 1)
}

// intern returns the ID of a phrase word.
func (m *matcher) intern(w string) int32 {
	if id, ok := m.ids[w]; ok {
		return id
	}
	id := int32(len(m.ids))
	m.ids[w] = id
	m.byFirst = append(m.byFirst, nil)
	m.bloomAdd(w)
	return id
}

func normApos(s string) string { return strings.ReplaceAll(s, "’", "'") }

// spellings returns w and the other ways posts typed on a phone spell
// it: without its apostrophe ("didnt", "im", "aujourdhui"; not where that
// spells another word, as "we'll" would), without its accents ("debite",
// "nao consigo"; see [plainSpellings]), and the usual shortenings of the
// words cues are made of ("acct", "tmrw", "pls").
func spellings(w string) []string {
	out := []string{w}
	if bare := strings.ReplaceAll(w, "'", ""); bare != w && bare != "" && !otherWord[bare] {
		out = append(out, bare)
	}
	out = append(out, plainSpellings(w)...)
	return append(out, shortenings[w]...)
}

// plainSpellings returns the ways w is typed without its diacritics: with
// the bare letters ("débité" -> "debite", "für" -> "fur") and, for German
// umlauts, as German writes them without ("fuer"). It returns none where
// the bare word is another word ("é" -> "e", "où" -> "ou", "más" -> "mas").
func plainSpellings(w string) []string {
	bare := bareLetters.Replace(w)
	if bare == w || otherBareWord[bare] {
		return nil
	}
	out := []string{bare}
	if german := bareLetters.Replace(umlautsSpelt.Replace(w)); german != bare {
		out = append(out, german)
	}
	return out
}

// bareLetters takes the diacritics off the lower-case Latin letters of
// Spanish, French, German and Portuguese.
var bareLetters = strings.NewReplacer(
	"á", "a", "à", "a", "â", "a", "ä", "a", "ã", "a",
	"é", "e", "è", "e", "ê", "e", "ë", "e",
	"í", "i", "ì", "i", "î", "i", "ï", "i",
	"ó", "o", "ò", "o", "ô", "o", "ö", "o", "õ", "o",
	"ú", "u", "ù", "u", "û", "u", "ü", "u",
	"ñ", "n", "ç", "c", "ß", "ss", "œ", "oe",
)

// otherBareWord holds the short words that accented words of the
// supported languages become without their accents.
var otherBareWord = map[string]bool{
	"a": true, "e": true, "o": true, "ou": true, "du": true, "la": true, "ca": true,
	"el": true, "si": true, "mas": true, "tu": true, "mi": true, "se": true, "te": true,
	"de": true, "esta": true, "estas": true, "ja": true, "so": true, "ha": true,
	"ate": true, "nos": true, "pe": true, "da": true, "por": true, "pais": true,
}

// umlautsSpelt spells umlauts as German does without them.
var umlautsSpelt = strings.NewReplacer("ä", "ae", "ö", "oe", "ü", "ue")

// otherWord holds the words that contractions become without their
// apostrophe.
var otherWord = map[string]bool{"well": true, "were": true, "ill": true, "hell": true, "shell": true, "shed": true, "wed": true, "id": true, "hed": true, "lets": true}

// shortenings are the phone spellings of words the cues use.
var shortenings = map[string][]string{
	"account": {"acct", "acc"}, "accounts": {"accts"},
	"hour": {"hr"}, "hours": {"hrs"}, "minute": {"min"}, "minutes": {"mins"},
	"week": {"wk"}, "weeks": {"wks"},
	"today": {"2day"}, "tonight": {"tonite", "2nite", "2night"},
	"tomorrow": {"tmrw", "tmr", "tmrow", "tomoz", "2moro", "2morrow"},
	"please":   {"pls", "plz"}, "thanks": {"thx", "thnx"},
	"you": {"u"}, "your": {"ur"}, "you're": {"ur"},
	"people": {"ppl"}, "because": {"bc", "cuz", "coz"},
	"message": {"msg"}, "messages": {"msgs"}, "password": {"pwd"},
	"someone": {"some1"}, "anyone": {"any1"}, "everyone": {"every1"},
}

// stem strips a few English inflections; it only ever shortens, so the
// result is a prefix of w and costs no allocation.
func stem(w []byte) []byte {
	n := len(w)
	if n > 0 && w[n-1] == 's' { // the words kept whole all end in s
		switch string(w) {
		case "news", "series", "species", "lens", "means", "always", "perhaps", "sometimes", "towards", "whereas", "chaos", "this", "thus", "yes", "bus", "gas", "plus", "its", "his", "hers", "ours", "yours":
			return w
		}
	}
	if n > 2 && w[n-2] == '\'' && w[n-1] == 's' {
		w = w[:n-2]
		n -= 2
	}
	switch {
	case n > 5 && string(w[n-3:]) == "ing":
		w = w[:n-3]
	case n > 4 && string(w[n-2:]) == "ed":
		w = w[:n-2]
	case n > 4 && string(w[n-2:]) == "es" && (w[n-3] == 's' || w[n-3] == 'x' || w[n-3] == 'z' || w[n-3] == 'h'):
		w = w[:n-2]
	case n > 3 && w[n-1] == 's' && w[n-2] != 's' && w[n-2] != 'u' && w[n-2] != 'i':
		w = w[:n-1]
	}
	n = len(w)
	if n > 4 && w[n-1] == 'e' {
		w = w[:n-1]
	}
	return w
}

// A firstEntry is a phrase listed under its first word, with the IDs its
// next plain word (after any gaps) may have, so that most candidates are
// rejected without a call: the first inline in s0 (-1 when that word is a
// prefix), all of them in matcher.seconds[off:off+n]. That word is one of
// the win words after the first (1 when the second word is plain).
type firstEntry struct {
	phrase int32
	s0     int32
	off, n int32
	lang   int32 // index of the phrase's language in matcher.langs; 0 for all
	win    int32
}

// A firstList is where the phrases listed under one first word are in
// matcher.first, with a summary of what may follow that word in them, so
// that a word is most often seen to start none of them without reading
// the list (see phrases).
type firstList struct {
	// the phrases are matcher.first[at:end]; those with no plain next
	// word (a second word that is a prefix, or one word only) follow
	// again, in the same order, in matcher.first[end:bare]
	at, end, bare int32
	// next has the bit idBit(id) of each ID the next plain word of a
	// phrase may have, which the win words after the first must show
	win  int32
	next uint64
}

// idBit is the bit of phrase-word ID id in firstList.next; no bit for the
// IDs of no word (negative).
func idBit(id int32) uint64 {
	bit := uint64(1) << (id & 63)
	if id < 0 { // a conditional move: whether a word has an ID is not predictable
		bit = 0
	}
	return bit
}

// phrases returns the phrases of fl that tryFirst is to be given at word
// i, whose next word (if in the sentence) has the ID bits nb: all of them
// when a word that fl.win allows after the first may have an ID a
// phrase's next plain word needs, else only those with no plain next
// word, as tryFirst would refuse the others. Either way tryFirst tries the
// same phrases in the same order.
func (fl *firstList) phrases(m *matcher, sc *scratch, i int, nb uint64) []firstEntry {
	if fl.next&nb != 0 {
		return m.first[fl.at:fl.end]
	}
	end := min(len(sc.wid), i+1+int(fl.win))
	for p := i + 2; p < end && sc.wsent[p] == sc.wsent[i]; p++ {
		if fl.next&(idBit(sc.wid[p][0])|idBit(sc.wid[p][1])) != 0 {
			return m.first[fl.at:fl.end]
		}
	}
	return m.first[fl.end:fl.bare]
}

// px3 packs the first three bytes of w (len(w) >= 3), the key of
// matcher.firstPx.
func px3(w []byte) uint32 { return uint32(w[2])<<16 | uint32(w[1])<<8 | uint32(w[0]) }

// A hit is one phrase match: words [from, to) of scratch.words.
type hit struct {
	entry    int32
	from, to int32
	negated  bool
	hasNeg   bool
	hypo     bool // a cue in an if-clause ("if my flight is cancelled")
	named    bool // a cue inside an idiom, neutral term or catalogue name
	weak     bool // a weak cue the post does not support
}

// run finds all phrase matches in the scratch's words (their phrase-word
// IDs in sc.wid) (one per entry and
// start position), appending to sc.hits. Phrases do not cross sentences.
func (m *matcher) run(sc *scratch, lang string) {
	wid, wsent := sc.wid, sc.wsent[:len(sc.wid)]
	cur := m.langIndex(lang, false)
	for i := range wid {
		a, b := wid[i][0], wid[i][1]
		n0, n1 := int32(-2), int32(-2) // the next word's IDs, if in the sentence
		var nb uint64                  // and their bits (idBit)
		if i+1 < len(wid) && wsent[i+1] == wsent[i] {
			n0, n1 = wid[i+1][0], wid[i+1][1]
			nb = idBit(n0) | idBit(n1)
		}
		// many phrase words start no phrase, and most that do are not
		// followed by what their phrases need: no call for them
		if a >= 0 {
			if fl := &m.lists[a]; fl.at < fl.end {
				if fes := fl.phrases(m, sc, i, nb); len(fes) > 0 {
					m.tryFirst(sc, fes, i, n0, n1, cur)
				}
			}
		}
		if b >= 0 && b != a {
			if fl := &m.lists[b]; fl.at < fl.end {
				if fes := fl.phrases(m, sc, i, nb); len(fes) > 0 {
					m.tryFirst(sc, fes, i, n0, n1, cur)
				}
			}
		}
		lw := sc.lowOf(i)
		if len(lw) >= 3 && m.mayStartPrefix(lw) {
			for _, id := range m.prefixPhrases(lw) {
				m.try(sc, id, i, cur, 0)
			}
		}
		// a short prefix can only match a word starting with its first
		// byte; a word matching the first word's literals was tried above
		if len(lw) > 0 && m.shortB[lw[0]] {
			for _, id := range m.shortPx {
				if w0 := &m.words[m.phrases[id].off]; m.wordMatches(sc, w0, i) {
					m.try(sc, id, i, cur, 1)
				}
			}
		}
	}
}

// tryFirst tries the phrases fes, listed under the first word, at word i
// whose next word has the IDs n0 and n1, in the language with index cur
// in m.langs.
func (m *matcher) tryFirst(sc *scratch, fes []firstEntry, i int, n0, n1 int32, cur int32) {
	for k := range fes {
		fe := &fes[k]
		if fe.lang != 0 && fe.lang != cur {
			continue // the phrase's language is not the post's: try would refuse it
		}
		if fe.s0 >= 0 && fe.s0 != n0 && fe.s0 != n1 && (fe.n == 1 || !hasID(m.seconds[fe.off+1:fe.off+fe.n], n0, n1)) &&
			(fe.win == 1 || !m.near(sc, fe, i)) {
			continue
		}
		m.try(sc, fe.phrase, i, cur, 1)
	}
}

// near reports whether one of the words after the next, up to fe.win
// words after word i and in its sentence, has an ID of fe's plain word
// (the next word is checked by the caller).
func (m *matcher) near(sc *scratch, fe *firstEntry, i int) bool {
	ids := m.seconds[fe.off : fe.off+fe.n]
	end := min(len(sc.wid), i+1+int(fe.win))
	for p := i + 2; p < end && sc.wsent[p] == sc.wsent[i]; p++ {
		if hasID(ids, sc.wid[p][0], sc.wid[p][1]) {
			return true
		}
	}
	return false
}

func hasID(ids []int32, a, b int32) bool {
	for _, id := range ids {
		if id == a || id == b {
			return true
		}
	}
	return false
}

// try matches phrase id at word i; its first k words are known to match.
// The post's language has index cur in m.langs (-1 if it has none).
func (m *matcher) try(sc *scratch, id int32, i int, cur int32, k int) {
	p := &m.phrases[id]
	if p.lang != 0 && int32(p.lang) != cur {
		return
	}
	end, ok := m.matchFrom(sc, m.words[p.off:p.off+p.n], k, i+k, sc.wsent[i])
	if !ok {
		return
	}
	// one hit per entry and stretch of text; hits come in order of their
	// start, so an overlapping one is among the last few
	for k := max(0, len(sc.hits)-16); k < len(sc.hits); k++ {
		h := &sc.hits[k]
		if h.entry == p.entry && int(h.from) <= i && i < int(h.to) || h.entry == p.entry && int(h.from) == i {
			if int32(end) > h.to {
				h.to = int32(end)
			}
			return
		}
	}
	sc.hits = append(sc.hits, hit{entry: p.entry, from: int32(i), to: int32(end), hasNeg: p.hasNeg})
}

// matchFrom matches words[k:] at word position i, returning the end
// position.
func (m *matcher) matchFrom(sc *scratch, words []pword, k, i int, sent int32) (int, bool) {
	if k == len(words) {
		return i, true
	}
	w := &words[k]
	if w.gap {
		for skip := 0; skip <= 3; skip++ {
			if end, ok := m.matchFrom(sc, words, k+1, i+skip, sent); ok {
				return end, true
			}
			if i+skip >= len(sc.words) {
				break
			}
		}
		return 0, false
	}
	if i >= len(sc.wsent) || sc.wsent[i] != sent {
		return 0, false
	}
	if !m.wordMatches(sc, w, i) {
		return 0, false
	}
	return m.matchFrom(sc, words, k+1, i+1, sent)
}

func (m *matcher) wordMatches(sc *scratch, w *pword, i int) bool {
	a, b := sc.wid[i][0], sc.wid[i][1]
	for _, id := range m.wids[w.off : w.off+w.n] {
		if id == a || id == b {
			return true
		}
	}
	if w.px >= 0 {
		lw := sc.lowOf(i)
		for _, p := range m.pxs[w.px] {
			if len(lw) >= len(p) && string(lw[:len(p)]) == p {
				return true
			}
		}
	}
	return false
}

// compileTerm turns a free-text term (a brand name, a product) into a
// phrase of literal words.
func compileTerm(term string) string {
	var b strings.Builder
	prev := false
	for _, r := range strings.ToLower(term) {
		ok := unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'' || r == '_' || r == '’'
		if ok {
			if !prev && b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteRune(r)
		}
		prev = ok
	}
	return b.String()
}

// firstRuneUpper is used for entity names in output.
func firstRuneUpper(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsUpper(r)
}

// Cue families the screening reads.
const (
	famLegal       = 3
	famChurn       = 8
	famDeadline    = 10
	numUrgencyFams = 14 // families before this index are urgency families
)

// screenCues marks the cue matches that do not count as they stand: those
// inside an idiom, a neutral term or a catalogue name ("killing time", a
// product "Fire Stick"), negated ones ("no outage"), urgency cues in an
// if-clause ("what happens if my flight is cancelled?"), and weak cues the
// post does not support (see [Cue.Weak]). It runs after the sentiment
// rules, whose word counts it reads.
func (s *Scorer) screenCues(sc *scratch, a *analysis) {
	names := false
	for k := range sc.hits {
		e := &s.m.entries[sc.hits[k].entry]
		if e.kind == ekEntity || e.kind == ekNeutral && (e.code == "neutral.idiom" || e.code == "neutral.term") {
			names = true
			break
		}
	}
	strong := 0 // the highest level a counted, not weak, urgency cue supports
	weak := false
	for k := range sc.hits {
		h := &sc.hits[k]
		e := &s.m.entries[h.entry]
		if e.kind != ekCue {
			continue
		}
		switch {
		case names && s.insideName(sc, h):
			h.named = true
		case !h.hasNeg && e.urgency >= 1 && s.negatedBefore(sc, h, threat(e.family)):
			h.negated = true
		case e.urgency >= 1 && e.family >= 0 && e.family < numUrgencyFams && !threat(e.family) && inIfClause(sc, h):
			h.hypo = true
		case e.weak:
			weak = true
		case e.family >= 0 && e.family < numUrgencyFams && e.family != famDeadline:
			strong = max(strong, int(e.urgency))
		}
	}
	if !weak {
		return
	}
	// two weak cues agree in a post that is not positive
	complains := a.ruleSent < 0.05
	for k := range sc.hits {
		h := &sc.hits[k]
		e := &s.m.entries[h.entry]
		if e.kind != ekCue || !e.weak || h.named || h.negated || h.hypo || int(e.urgency) <= strong {
			continue
		}
		// below critical, a complaint is context enough: "still waiting",
		// "not working" or "cancelling" in a post of more negative than
		// positive words
		agreed := e.urgency < 3 && a.negSum > a.posSum
		if complains && !agreed {
			for j := range sc.hits {
				o := &sc.hits[j]
				f := &s.m.entries[o.entry]
				if j == k || f.kind != ekCue || !f.weak || o.named || o.negated || o.hypo ||
					f.family < 0 || f.family >= numUrgencyFams || f.family == famDeadline ||
					f.urgency < e.urgency || o.from < h.to && h.from < o.to {
					continue
				}
				agreed = true
				break
			}
		}
		h.weak = !agreed
	}
}

// insideName reports whether hit h starts within an idiom, a neutral term
// or a catalogue name: a cue anchored on words not meant as they stand
// ("can't wait to order") does not count.
func (s *Scorer) insideName(sc *scratch, h *hit) bool {
	for k := range sc.hits {
		n := &sc.hits[k]
		e := &s.m.entries[n.entry]
		if e.kind == ekEntity || e.kind == ekNeutral && (e.code == "neutral.idiom" || e.code == "neutral.term") {
			if n.from <= h.from && h.from < n.to {
				return true
			}
		}
	}
	return false
}

// threat reports whether a family is a threat (legal action, leaving):
// threats come as conditions ("if it's not fixed by Friday, my lawyer
// ..."), so an if-clause does not make them hypothetical, and only a
// negator right before denies them.
func threat(fam int8) bool { return fam == famLegal || fam == famChurn }

// hasRole reports whether t is a word of the given role (wService, wAnd...).
func (s *Scorer) hasRole(t *token, role uint8) bool {
	return t.kind == tkWord && t.info >= 0 && s.lx.infos[t.info].role&role != 0
}

// negatedBefore reports whether one of the three words before hit h (two
// for a threat), in its clause, is a negator ("not a scam", "no fire",
// "never had an outage"). A negator that denies a service ("no signal in
// the whole town", "no tengo señal en toda la colonia") states the
// problem, so it does not deny a cue after it; nor does a negator before
// an "and" that opens another clause ("nobody answers and the press is
// onto it").
func (s *Scorer) negatedBefore(sc *scratch, h *hit, threat bool) bool {
	first := sc.words[h.from]
	win := 3
	if threat {
		win = 2
	}
	service := s.hasRole(&sc.toks[first], wService)
	for j, n := int(first)-1, 0; j >= 0 && n < win; j-- {
		t := &sc.toks[j]
		if t.sent != sc.toks[first].sent || t.kind == tkPunct {
			return false
		}
		n++
		if t.flags&fNeg != 0 {
			return !service
		}
		if s.hasRole(t, wAnd) {
			return false
		}
		service = service || s.hasRole(t, wService)
	}
	return false
}

// inIfClause reports whether hit h is in a conditional clause: "if",
// "whether", "unless", "in case" (or "si", "falls") among the six words
// before it, with no clause break or main-clause opener ("then", "I'll")
// between. A threat's condition is not its consequence: in "if it's not
// fixed I'll call my lawyer" the lawyer still counts.
func inIfClause(sc *scratch, h *hit) bool {
	first := sc.words[h.from]
	sent := sc.toks[first].sent
	for j, n := int(first)-1, 0; j >= 0 && n < 6; j-- {
		t := &sc.toks[j]
		if t.sent != sent {
			return false
		}
		if t.kind == tkPunct {
			switch sc.low[t.ls] {
			case ',', ';', ':', '(', ')', '.', '!', '?':
				return false
			}
			continue
		}
		if t.kind != tkWord {
			continue
		}
		n++
		switch string(sc.low[t.ls:t.le]) {
		case "then", "i'll", "ill", "i'm", "im", "we'll", "i’ll", "i’m", "we’ll", "will", "gonna", "going":
			return false
		case "if", "whether", "unless", "incase", "supposing", "hypothetically", "si", "falls":
			return true
		case "case":
			if j > 0 && sc.toks[j-1].kind == tkWord && string(sc.low[sc.toks[j-1].ls:sc.toks[j-1].le]) == "in" {
				return true
			}
		}
	}
	return false
}
