package score

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/harkhq/hark"
)

// A Scorer judges posts. It is safe for concurrent use; its configuration
// is fixed at New. Identical posts and configuration give identical
// Results.
type Scorer struct {
	lx    *lexicon
	li    *langID
	m     *matcher
	model *Model
	cfg   config
	pool  sync.Pool // of *scratch, for Score
	// batches is a pool of *batch, for ScoreAll
	batches sync.Pool
}

// New returns a Scorer with the built-in lexicons, cues and learned layer,
// changed by opts. It fails when an option's data is not valid (a cue with
// an empty phrase, an urgency outside 0..3).
func New(opts ...Option) (*Scorer, error) {
	cfg := config{maxBytes: DefaultMaxBytes, maxReason: 12}
	for _, o := range opts {
		o(&cfg)
	}
	lx, err := loadLexicon()
	if err != nil {
		return nil, err
	}
	li, err := loadLangID()
	if err != nil {
		return nil, err
	}
	s := &Scorer{lx: lx, li: li, cfg: cfg, m: newMatcher()}
	if err := s.build(); err != nil {
		return nil, err
	}
	s.m.compact()
	lx.finish(li, s.m)
	switch {
	case cfg.noModel:
	case cfg.model != nil:
		s.model = cfg.model
	default:
		m, err := embeddedModel()
		if err != nil {
			return nil, err
		}
		s.model = m
	}
	if s.model != nil && s.model.Dense != numDense {
		return nil, fmt.Errorf("score: model has %d dense features, this version computes %d: re-fit it", s.model.Dense, numDense)
	}
	s.pool.New = func() any { return new(scratch) }
	s.batches.New = func() any { return new(batch) }
	return s, nil
}

// builtinNeutral are phrases whose words carry no sentiment in posts.
var builtinNeutral = []string{
	"thanks in advance", "thank you in advance", "thanks for listening", "kind regards", "best regards", "warm regards",
	"customer service|support|care", "help desk", "support team", "help center|centre", "please help", "pls help",
	"feel|feels|felt|look|looks|looked|seem|seems|seemed|sound|sounds like", "like 2|3|4|5|6|7|8|9|10|20|30|an|a hour|hours|minutes|days|weeks",
	"united states|kingdom|airlines|airline", "good morning|afternoon|evening|night", "happy hour", "fire station|alarm drill",
	"no idea", "no way to", "please advise", "let me know", "if you like", "would like", "i'd like", "want to know",
}

// sarcasmStrong and sarcasmWeak are phrases that mark positive words as
// meant the other way round (see analysis.sarcastic).
var sarcasmStrong = []string{
	"yeah right", "thanks for nothing", "thanks a lot", "thanks a bunch", "just what i needed", "just what i need",
	"oh great", "oh wonderful", "oh joy", "oh perfect", "oh good", "gotta love", "got to love", "you gotta love",
	"because that's what", "slow clap", "sure jan", "cool story", "said no one ever", "not like",
}

var sarcasmWeak = []string{
	"just great", "great job", "nice job", "good job", "way to go", "love how", "love that", "love it when", "so glad",
	"so happy that", "how lovely", "what a great", "what great", "brilliant service", "stellar", "wonderful service",
	"bravo", "clap clap", "living the dream", "love it", "fantastic job", "well done", "thanks so much", "amazing job",
	"really living", "just perfect", "perfect timing", "great timing", "lucky me", "my favourite|favorite", "fun times",
}

func (s *Scorer) build() error {
	lx := s.lx
	addTo := func(id int32, phr string) error { return s.m.add(phr, id, lx.negator) }
	add := func(e matchEntry, phr string) error {
		id := int32(len(s.m.entries))
		s.m.entries = append(s.m.entries, e)
		return addTo(id, phr)
	}
	replace := map[string]bool{}
	disable := map[string]bool{}
	for _, b := range s.cfg.brands {
		for _, c := range b.ReplaceCues {
			replace[c] = true
		}
		for _, c := range b.DisableCues {
			disable[strings.ToLower(c)] = true
		}
		for w, v := range b.Lexicon {
			if v < -4 || v > 4 || math.IsNaN(v) {
				return fmt.Errorf("score: brand %q: lexicon %q: valence %v outside -4..4", b.Name, w, v)
			}
			if len(strings.Fields(w)) != 1 {
				// words are looked up one by one: a phrase would never match
				return fmt.Errorf("score: brand %q: lexicon %q: want one word (a phrase's valence goes in a Cue)", b.Name, w)
			}
			lx.val[strings.ToLower(w)] = float32(v)
			for _, m := range lx.langVal {
				m[strings.ToLower(w)] = float32(v)
			}
		}
	}
	addCue := func(c Cue, builtin bool) error {
		if c.Urgency < 0 || c.Urgency > 3 {
			return fmt.Errorf("score: cue %q: urgency %d outside 0..3", c.Code, c.Urgency)
		}
		if c.Code == "" {
			return fmt.Errorf("score: cue without a code")
		}
		if c.Intent != "" && !validIntent(c.Intent) {
			return fmt.Errorf("score: cue %q: unknown intent %q", c.Code, c.Intent)
		}
		w := c.Weight
		if w == 0 {
			w = 1
		}
		e := matchEntry{kind: ekCue, code: c.Code, family: int8(familyIndex(c.Code)), urgency: int8(c.Urgency),
			intent: c.Intent, weight: float32(w), valence: float32(c.Valence), lang: c.Lang, weak: c.Weak, vulnerable: c.Code == "urgency.vulnerable",
			negCode: "negated." + c.Code, hypoCode: "hypothetical." + c.Code, weakCode: "weak." + c.Code}
		id := int32(len(s.m.entries))
		s.m.entries = append(s.m.entries, e)
		for _, p := range c.Phrases {
			if builtin && disable[strings.ToLower(p)] {
				continue
			}
			if err := addTo(id, p); err != nil {
				return fmt.Errorf("score: cue %q: %w", c.Code, err)
			}
		}
		return nil
	}
	builtin, err := parseCueFile(mustData("data/cues.json"))
	if err != nil {
		return err
	}
	if err := checkCueNames(s.cfg.brands, builtin); err != nil {
		return err
	}
	for _, c := range builtin {
		if replace[c.Code] || disable[strings.ToLower(c.Code)] {
			continue
		}
		if err := addCue(c, true); err != nil {
			return err
		}
	}
	for _, b := range s.cfg.brands {
		for _, c := range b.Cues {
			if err := addCue(c, false); err != nil {
				return err
			}
		}
	}
	for _, p := range builtinNeutral {
		if err := add(matchEntry{kind: ekNeutral, code: "neutral.phrase", family: -1}, p); err != nil {
			return err
		}
	}
	for _, p := range defaultIdioms() {
		if disable[strings.ToLower(p)] {
			continue
		}
		if err := add(matchEntry{kind: ekNeutral, code: "neutral.idiom", family: -1}, p); err != nil {
			return err
		}
	}
	for k, list := range [2][]string{sarcasmWeak, sarcasmStrong} {
		for _, p := range list {
			if err := add(matchEntry{kind: ekNeutral, code: "sarcasm", family: -1, sarcasm: int8(k + 1)}, p); err != nil {
				return err
			}
		}
	}
	for _, b := range s.cfg.brands {
		names := append([]string{b.Name}, b.Aliases...)
		for _, n := range names {
			if t := compileTerm(n); t != "" {
				if err := add(matchEntry{kind: ekEntity, code: "about.brand", family: -1, entity: Entity{Kind: "brand", Name: b.Name}}, t); err != nil {
					return err
				}
			}
		}
		for _, h := range b.Handles {
			if t := compileTerm(h); t != "" {
				name := b.Name
				if name == "" {
					name = h
				}
				if err := add(matchEntry{kind: ekEntity, code: "about.brand", family: -1, entity: Entity{Kind: "brand", Name: name}}, t); err != nil {
					return err
				}
			}
		}
		for _, n := range b.Neutral {
			if t := compileTerm(n); t != "" {
				if err := add(matchEntry{kind: ekNeutral, code: "neutral.term", family: -1}, t); err != nil {
					return err
				}
			}
		}
		for kind, list := range map[string][]string{"product": b.Products, "place": b.Places, "person": b.People} {
			for _, n := range list {
				if t := compileTerm(n); t != "" {
					if err := add(matchEntry{kind: ekEntity, code: "about." + kind, family: -1, entity: Entity{Kind: kind, Name: n}}, t); err != nil {
						return err
					}
				}
			}
		}
	}
	return s.buildAspects()
}

// Indices of cue families the rules read by name.
var (
	famSpam   = familyIndex("intent.spam")
	famPraise = familyIndex("intent.praise")
)

func validIntent(i Intent) bool {
	switch i {
	case IntentComplaint, IntentQuestion, IntentPraise, IntentSuggestion, IntentPurchase, IntentCrisis, IntentSpam, IntentOther:
		return true
	}
	return false
}

// scratch is the per-call working memory, pooled.
type scratch struct {
	toks  []token
	low   []byte
	words []int32    // token index of each word taking part in matching
	wspan [][2]int32 // lower form start, end (in low)
	wid   [][2]int32 // phrase-word IDs of each word's stem and lower form
	wsent []int32    // sentence of each word
	negs  []int32    // tokens that negate in some language (see wordInfo.negIn)
	// whash holds, by token, the feature hash of a word, hashBytes(1, its
	// lower form): that of its info (wordInfo.hash), noted while the info
	// is at hand, or made then; the features read it in order
	whash []uint32

	nonASCII  bool // the text has a byte >= 0x80
	wordBytes int  // the bytes of its word and hashtag-part tokens
	// langScore is what the words of a plain-ASCII text say of its
	// language (see langID.detect)
	langScore [16]float64
	hits      []hit
	sent      []sentAcc
	reasons   []hark.Reason
	top       []hark.Reason // the Result's reasons, until copied out
	about     []Entity      // the Result's About, until copied out
	contrasts []int32       // tokens of contrast words, for sentiment
	valued    []int32       // tokens given a valence by sentiment, in order
	hashed    []uint32
	dense     [numDense]float32
	probs     [8]float64
}

type sentAcc struct {
	sum         float64
	excl, quest int
	hasVal      bool
}

func (sc *scratch) lowOf(i int) []byte {
	w := sc.wspan[i]
	return sc.low[w[0]:w[1]]
}

// Score judges one post.
func (s *Scorer) Score(p hark.Post) Result {
	sc := s.pool.Get().(*scratch)
	r := s.score(sc, &p)
	r.own(make([]hark.Reason, len(r.Reasons)), make([]Entity, len(r.About)))
	s.pool.Put(sc)
	return r
}

// own copies r's Reasons and About, which decide leaves in a scratch's
// memory, into reasons and about (of their lengths), so that r no longer
// uses the scratch. A nil About stays nil.
func (r *Result) own(reasons []hark.Reason, about []Entity) {
	copy(reasons, r.Reasons)
	r.Reasons = reasons
	if r.About != nil {
		copy(about, r.About)
		r.About = about
	}
}

// analysis carries what the rules found to the learned layer and the
// output stage.
type analysis struct {
	text        string
	truncated   bool
	lang        string
	langConf    float64
	compound    float64 // whole text
	compoundS   float64 // sentence by sentence
	ruleSent    float64
	total       float64 // valence sum
	minSent     float64 // most negative sentence compound
	maxSent     float64
	lastSent    float64 // compound of the last sentence with valence
	adjSent     float64
	posSum      float64
	negSum      float64
	nPos, nNeg  int
	nWords      int
	upperWords  int // words in capitals
	negations   int
	contrast    bool
	caps, elong bool
	sarcasm     bool // a strong sarcasm marker
	sarcasmWeak bool // a weak one
	emoPos      float64
	emoNeg      float64
	quest, excl int
	qStart      bool
	first, you  bool
	handles     int
	urls        int
	tags        int
	family      [len(cueFamilies)]float64
	cueUrg      int
	weakUrg     int // the highest level of weak cues the post does not support
	cueVal      float64
	spam        float64
	evidence    float64
}

func (s *Scorer) score(sc *scratch, p *hark.Post) Result {
	var a analysis
	s.analyze(sc, p, &a)
	return s.decide(sc, &a, p)
}

// analyze runs the rules: tokens, language, phrases, sentiment, cues,
// spam. a is the zero analysis, filled in place (it is large).
func (s *Scorer) analyze(sc *scratch, p *hark.Post, a *analysis) {
	s.readWords(sc, p, a)
	s.language(sc, p, a)
	s.rules(sc, p, a)
}

// readWords truncates the text, splits it into tokens, looks their words
// up, marks the negators, counts the words, notes what they say of the
// language (of a plain-ASCII text), of the speaker and the addressee and of
// questions, and lists those that take part in phrase matching with their
// phrase-word IDs: the first phase of analyze, in one pass over the
// tokens.
func (s *Scorer) readWords(sc *scratch, p *hark.Post, a *analysis) {
	text := p.Text
	if len(text) > s.cfg.maxBytes {
		cut := s.cfg.maxBytes
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut]
		a.truncated = true
	}
	a.text = text
	sc.reasons = sc.reasons[:0]
	sc.tokenize(text, s.lx)
	lx := s.lx
	if n := len(sc.toks); cap(sc.words) < n {
		n = max(n, 2*cap(sc.words))
		sc.words = make([]int32, n)
		sc.wspan = make([][2]int32, n)
		sc.wid = make([][2]int32, n)
		sc.wsent = make([]int32, n)
		sc.whash = make([]uint32, n)
	}
	whash := sc.whash[:len(sc.toks)]
	words, wspan := sc.words[:len(sc.toks)], sc.wspan[:len(sc.toks)]
	wid, wsent := sc.wid[:len(sc.toks)], sc.wsent[:len(sc.toks)]
	nw, nWords, upper, wordBytes := 0, 0, 0, 0
	sc.negs = sc.negs[:0]
	sc.langScore = [16]float64{}
	for i := range sc.toks {
		t := &sc.toks[i]
		t.info = -1
		ls, le := t.ls, t.le
		var id0, id1 int32 // phrase-word IDs of the stem and the lower form
		switch t.kind {
		case tkWord, tkTagPart:
			t.info = lx.lookup(sc.low[ls:le])
			wordBytes += int(t.e - t.s)
			if t.kind == tkWord {
				nWords++
				if t.flags&fCaps != 0 {
					upper++
				}
				// a word ending in "n't", or a negator of some language:
				// whether it negates in this post's language is settled
				// once the language is known (sentiment)
				if le-ls > 3 && sc.low[le-3] == 'n' && sc.low[le-2] == '\'' && sc.low[le-1] == 't' {
					t.flags |= fNeg
				} else if t.info >= 0 && lx.infos[t.info].negIn != 0 {
					t.flags |= fNeg
					sc.negs = append(sc.negs, int32(i))
				}
				if t.info >= 0 {
					wi := &lx.infos[t.info]
					if !sc.nonASCII {
						wi.addLangScore(&sc.langScore)
					}
					// who speaks, to whom, and whether a sentence opens
					// with a question word
					a.first = a.first || wi.role&wFirst != 0
					a.you = a.you || wi.role&wYou != 0
					if wi.role&wQStart != 0 && (i == 0 || sc.toks[i-1].sent != t.sent || sc.toks[i-1].kind == tkHandle) {
						a.qStart = true
					}
				}
			}
			if t.info >= 0 {
				wi := &lx.infos[t.info]
				id0, id1 = wi.spid, wi.pid
				whash[i] = wi.hash
			} else {
				whash[i] = hashBytes(1, sc.low[ls:le])
				// not in the lexicon, so no phrase word; its stem may be
				id0, id1 = -1, -1
				if lw, st := sc.low[ls:le], stem(sc.low[ls:le]); len(lw) != len(st) && s.m.mayHave(st) {
					id0 = lx.phraseID(st)
				}
			}
		case tkNum, tkHandle:
			if t.kind == tkHandle {
				ls++
			}
			lw := sc.low[ls:le]
			st := stem(lw)
			id0 = -1
			if s.m.mayHave(st) {
				id0 = lx.phraseID(st)
			}
			id1 = id0
			if len(lw) != len(st) {
				id1 = -1
				if s.m.mayHave(lw) {
					id1 = lx.phraseID(lw)
				}
			}
		default:
			continue
		}
		words[nw], wspan[nw], wsent[nw], wid[nw] = int32(i), [2]int32{ls, le}, t.sent, [2]int32{id0, id1}
		nw++
	}
	sc.words, sc.wspan, sc.wid, sc.wsent = words[:nw], wspan[:nw], wid[:nw], wsent[:nw]
	a.nWords, a.upperWords, sc.wordBytes = nWords, upper, wordBytes
}

// language detects the post's language: the second phase of analyze.
func (s *Scorer) language(sc *scratch, p *hark.Post, a *analysis) {
	a.lang, a.langConf = s.li.detect(sc, a.text, s.lx, p.Lang)
}

// rules runs the phrase matcher, the sentiment rules, the cues and the
// spam estimate: the last phase of analyze.
func (s *Scorer) rules(sc *scratch, p *hark.Post, a *analysis) {
	slang := a.lang
	if slang == langUnd {
		slang = langEN
	}
	s.findPhrases(sc, slang)
	s.sentiment(sc, a, slang)
	s.cueSignals(sc, a)
	s.spamSignals(sc, a, p)
}

// findPhrases runs the phrase matcher over the words readWords listed;
// neutral terms mask their tokens.
func (s *Scorer) findPhrases(sc *scratch, lang string) {
	sc.hits = sc.hits[:0]
	s.m.run(sc, lang)
	for _, h := range sc.hits {
		e := &s.m.entries[h.entry]
		if e.kind == ekCue || e.kind == ekAspect {
			continue
		}
		if e.sarcasm != 0 {
			continue
		}
		for w := h.from; w < h.to; w++ {
			sc.toks[sc.words[w]].flags |= fMasked
		}
	}
}

// nextHasValence reports whether the word after token i carries valence
// (so that a booster such as "pretty" modifies it rather than counting).
func (s *Scorer) nextHasValence(sc *scratch, i int, lang string, lk int, sure bool) bool {
	if i+1 >= len(sc.toks) {
		return false
	}
	t := &sc.toks[i+1]
	if t.kind != tkWord && t.kind != tkTagPart || t.sent != sc.toks[i].sent {
		return false
	}
	if t.info >= 0 && s.lx.infos[t.info].isBoost() {
		return true
	}
	v, ok := s.valence(sc, t, lang, lk, sure)
	return ok && v != 0
}

// valence is a word's lexicon valence in the post's language lang (of
// index lk, see langIndex), falling back to English, except, when the post
// is clearly in its language (sure), for that language's own function
// words: German "die" is an article, not a death. Elongated words are
// looked up shortened.
func (s *Scorer) valence(sc *scratch, t *token, lang string, lk int, sure bool) (float32, bool) {
	if t.info >= 0 {
		wi := &s.lx.infos[t.info]
		if wi.has&(1<<lk) != 0 {
			if lk == 0 {
				return wi.val, true
			}
			return s.lx.langVals[t.info][lk-1], true
		}
		if wi.has&1 != 0 && (!sure || lk == 0 || wi.stop&(1<<lk) == 0 || wi.stop&1 != 0) {
			return wi.val, true
		}
	}
	if t.flags&fElong != 0 {
		return s.lx.wordVal(sc.low[t.ls:t.le], lang, true)
	}
	return 0, false
}

// sentiment applies the lexicon and the rules: intensifiers, downtoners,
// negation, contrast, capitals, elongation, punctuation, emoji, sentence
// by sentence.
func (s *Scorer) sentiment(sc *scratch, a *analysis, lang string) {
	lx := s.lx
	lk := langIndex(lang)
	sure := a.langConf >= 0.5
	toks := sc.toks
	for _, i := range sc.negs {
		if t := &toks[i]; !lx.infos[t.info].negates(lk, sure) {
			t.flags &^= fNeg
		}
	}
	// is the post in mixed case? (capitals only emphasise then)
	mixed := a.upperWords > 0 && a.upperWords < a.nWords
	nsent := 0
	if len(toks) > 0 {
		nsent = int(toks[len(toks)-1].sent) + 1
	}
	if cap(sc.sent) < nsent {
		sc.sent = make([]sentAcc, nsent)
	}
	sc.sent = sc.sent[:nsent]
	clear(sc.sent)
	contrasts := sc.contrasts[:0]
	valued := sc.valued[:0]
	// first pass: raw valences with booster, negation, caps
	for i := range toks {
		t := &toks[i]
		t.val = 0
		var v float32
		switch t.kind {
		case tkPunct:
			switch sc.low[t.ls] {
			case '!':
				sc.sent[t.sent].excl++
				a.excl++
			case '?':
				sc.sent[t.sent].quest++
				a.quest++
			}
			continue
		case tkEmoji:
			ev, ok := lx.emoji[string(sc.low[t.ls:t.le])]
			if !ok { // ZWJ sequence or with a modifier: its first emoji
				_, sz := utf8.DecodeRune(sc.low[t.ls:t.le])
				ev = lx.emoji[string(sc.low[t.ls:t.ls+int32(sz)])]
			}
			if ev > 0 {
				a.emoPos += float64(ev)
			} else {
				a.emoNeg -= float64(ev)
			}
			t.val = ev
			if ev != 0 {
				sc.sent[t.sent].hasVal = true
				valued = append(valued, int32(i))
			}
			// sarcasm marker (see below): an eye-roll
			if w := sc.low[t.ls:t.le]; string(w) == "🙄" || string(w) == "🙃" {
				a.sarcasm = true
			}
			continue
		case tkEmoticon:
			t.val = lx.emoticon[a.text[t.s:t.e]]
			if t.val == 0 {
				t.val = lx.emoticon[string(sc.low[t.ls:t.le])]
			}
			if t.val > 0 {
				a.emoPos += float64(t.val)
			} else {
				a.emoNeg -= float64(t.val)
			}
			if t.val != 0 {
				sc.sent[t.sent].hasVal = true
				valued = append(valued, int32(i))
			}
			continue
		case tkHandle:
			a.handles++
			continue
		case tkURL:
			a.urls++
			continue
		case tkTag:
			a.tags++
			continue
		case tkWord, tkTagPart:
		default:
			continue
		}
		if t.flags&fMasked != 0 {
			continue
		}
		if t.kind == tkWord && t.info >= 0 && lx.infos[t.info].contrastKind(lk, sure) != 0 {
			contrasts = append(contrasts, int32(i)) // for the contrast pass below
		}
		if t.info >= 0 && lx.infos[t.info].isBoost() && s.nextHasValence(sc, i, lang, lk, sure) {
			continue
		}
		val, ok := s.valence(sc, t, lang, lk, sure)
		if !ok || val == 0 {
			continue
		}
		v = val
		if t.flags&fCaps != 0 && mixed {
			a.caps = true
			v += sign32(v) * capsInc
		}
		if t.flags&fElong != 0 {
			a.elong = true
			v += sign32(v) * 0.3
		}
		// look back up to three words within the clause
		k := 0
		negated := false
		for j := i - 1; j >= 0 && k < 3; j-- {
			pj := &toks[j]
			if pj.sent != t.sent {
				break
			}
			if pj.kind == tkPunct {
				c := sc.low[pj.ls]
				if c == ',' || c == ';' || c == ':' || c == '(' || c == ')' {
					break
				}
				continue
			}
			if pj.kind != tkWord && pj.kind != tkTagPart {
				continue
			}
			k++
			pw := sc.low[pj.ls:pj.le]
			var pinfo *wordInfo
			if pj.info >= 0 {
				pinfo = &lx.infos[pj.info]
			}
			if pinfo != nil && pinfo.isBoost() && pj.flags&fMasked == 0 {
				inc := pinfo.boostBy()
				if v < 0 {
					inc = -inc
				}
				if pj.flags&fCaps != 0 && mixed {
					inc += sign32(v) * capsInc
				}
				if pj.flags&fElong != 0 {
					inc += sign32(v) * 0.2
				}
				switch k {
				case 2:
					inc *= 0.95
				case 3:
					inc *= 0.9
				}
				v += inc
			}
			if pj.flags&fNeg != 0 {
				// "no" directly before a word it modifies, or any negator
				negated = true
			}
			if string(pw) == "least" && !(j > 0 && string(sc.low[toks[j-1].ls:toks[j-1].le]) == "at") {
				negated = true
			}
			if pinfo != nil && pinfo.contrastKind(lk, sure) != 0 {
				break
			}
		}
		if negated {
			v *= negScale
			a.negations++
		}
		t.val = v
		sc.sent[t.sent].hasVal = true
		valued = append(valued, int32(i))
		// sarcasm marker (see below): a sentence opened by a positive
		// interjection set off by punctuation ("Great, ...")
		if t.kind == tkWord && v > 1 && (i == 0 || toks[i-1].sent != t.sent || toks[i-1].kind == tkHandle) &&
			i+1 < len(toks) && toks[i+1].kind == tkPunct && toks[i+1].sent == t.sent {
			if c := sc.low[toks[i+1].ls]; c == ',' || c == 0xe2 { // "Great, ..." "Perfect… "
				a.sarcasmWeak = true
			}
		}
	}
	// sarcasm: a marker plus complaint evidence turns positive words down.
	// A marker is a sarcasm phrase, an eye-roll, or a sentence opened by a
	// positive interjection set off by punctuation ("Great, ..."); the last
	// two are found in the pass above.
	if slashS(a.text) {
		a.sarcasm = true
	}
	for _, h := range sc.hits {
		if k := s.m.entries[h.entry].sarcasm; k == 2 {
			a.sarcasm = true
		} else if k == 1 {
			a.sarcasmWeak = true
		}
	}
	// contrast within each sentence: its first contrast word only (which
	// also keeps the work linear)
	lastContrast := int32(-1)
	for _, ci := range contrasts { // the words, not masked, with a contrast
		i := int(ci)
		t := &toks[i]
		if t.sent == lastContrast {
			continue
		}
		c := lx.infos[t.info].contrastKind(lk, sure)
		lastContrast = t.sent
		if c == 1 {
			a.contrast = true
			for j := i - 1; j >= 0 && toks[j].sent == t.sent; j-- {
				toks[j].val *= 0.5
			}
			for j := i + 1; j < len(toks) && toks[j].sent == t.sent; j++ {
				toks[j].val *= 1.5
			}
		} else if i == 0 || toks[i-1].sent != t.sent || (toks[i-1].kind == tkPunct) {
			// "Although X, Y": X counts less
			a.contrast = true
			j := i + 1
			for ; j < len(toks) && toks[j].sent == t.sent; j++ {
				if toks[j].kind == tkPunct && sc.low[toks[j].ls] == ',' {
					break
				}
				toks[j].val *= 0.5
			}
		}
	}
	sc.contrasts, sc.valued = contrasts, valued
	// sums (the contrast rules change no valence to or from zero)
	var total float64
	for _, i := range valued {
		v := float64(toks[i].val)
		if v == 0 {
			continue
		}
		sc.sent[toks[i].sent].sum += v
		total += v
		if v > 0 {
			a.posSum += v
			a.nPos++
		} else {
			a.negSum -= v
			a.nNeg++
		}
	}
	a.compound = normalize(total + punctEmph(total, a.excl, a.quest))
	// sentence by sentence, the last counting a little more
	var ws, sum float64
	for k, st := range sc.sent {
		if !st.hasVal {
			continue
		}
		c := normalize(st.sum + punctEmph(st.sum, st.excl, st.quest))
		w := 1.0
		if k == len(sc.sent)-1 {
			w = 1.5
		}
		sum += c * w
		ws += w
		a.minSent = min(a.minSent, c)
		a.maxSent = max(a.maxSent, c)
		a.lastSent = c
	}
	a.total = total
	if ws > 0 {
		a.compoundS = sum / ws
	}
	if nsent >= 6 {
		a.ruleSent = (a.compoundS + a.compound) / 2
	} else {
		a.ruleSent = a.compound
	}
	a.evidence = float64(a.nPos + a.nNeg)
}

// slashS reports whether text has the sarcasm tag "/s" as a word: at the
// start or after a space, not followed by a letter or digit.
func slashS(text string) bool {
	for i := 0; ; i++ {
		k := strings.IndexByte(text[i:], '/')
		if k < 0 {
			return false
		}
		i += k
		end := i + 2
		if end <= len(text) && text[i+1] == 's' && (i == 0 || text[i-1] == ' ') && (end == len(text) || !isASCIIAlnum(text[end])) {
			return true
		}
	}
}

func sign32(v float32) float32 {
	if v < 0 {
		return -1
	}
	return 1
}

// normalize maps a valence sum to -1..1 as VADER's compound does.
func normalize(x float64) float64 {
	n := x / math.Sqrt(x*x+15)
	return max(-1, min(1, n))
}

// punctEmph is the emphasis of exclamation and question marks, in the
// direction of the sum.
func punctEmph(sum float64, excl, quest int) float64 {
	if sum == 0 {
		return 0
	}
	e := float64(min(excl, 4)) * 0.292
	if quest > 1 {
		e += min(float64(quest)*0.18, 0.96)
	}
	if sum < 0 {
		return -e
	}
	return e
}

// cueSignals collects what the cues say, dropping negated matches.
func (s *Scorer) cueSignals(sc *scratch, a *analysis) {
	deadline := 0
	blocked := false // a counted cue says the author is blocked from a service
	many := false    // a cue, weak or not, says others are affected too
	vulnerable := false
	s.screenCues(sc, a)
	for k := range sc.hits {
		h := &sc.hits[k]
		e := &s.m.entries[h.entry]
		if e.kind != ekCue || h.negated || h.hypo || h.named {
			continue
		}
		many = many || e.family == famMany
		vulnerable = vulnerable || e.vulnerable
		if h.weak {
			if e.family >= 0 {
				a.family[e.family] += float64(e.weight) / 2
			}
			a.weakUrg = max(a.weakUrg, int(e.urgency))
			continue
		}
		if e.family >= 0 {
			a.family[e.family] += float64(e.weight)
		}
		blocked = blocked || e.family == famBlocked
		if e.code == "urgency.deadline" {
			deadline = max(deadline, int(e.urgency))
		} else if int(e.urgency) > a.cueUrg {
			a.cueUrg = int(e.urgency)
		}
		a.cueVal += float64(e.valence)
	}
	// a deadline is urgent only with a problem, and not in a clearly happy
	// post ("fixed my transfer in 4 mins 🔥")
	if deadline > a.cueUrg && a.cueUrg >= 1 && a.ruleSent < 0.5 {
		a.cueUrg = deadline
	}
	// blocked, and many others too ("our whole street lost internet",
	// "anyone else locked out?"): an outage for many is critical
	if blocked && a.cueUrg == 2 && many {
		a.cueUrg = 3
	}
	// a vulnerable person (elderly, a baby, a medical need) blocked from a
	// service, or in a hazard the post only hints at ("I'm 79 and live
	// alone", "with two kids on the hard shoulder"): care teams treat it
	// as critical
	if vulnerable && a.cueUrg == 2 && (blocked || a.weakUrg == 3) {
		a.cueUrg = 3
	}
}

// spamSignals estimates how likely the post is spam or from a bot.
func (s *Scorer) spamSignals(sc *scratch, a *analysis, p *hark.Post) {
	z := -3.2
	z += 1.6 * min(a.family[famSpam], 3)
	z += 0.7 * float64(min(a.urls, 3))
	z += 0.35 * float64(max(0, min(a.tags, 12)-3))
	z += 0.3 * float64(max(0, min(a.handles, 12)-3))
	au := &p.Author
	if au.Followers < 20 && au.Following > 500 {
		z += 1.0
	}
	if !au.Created.IsZero() && !p.Created.IsZero() {
		age := p.Created.Sub(au.Created).Hours() / 24
		if age >= 0 && age < 14 {
			z += 0.8
		}
		if age > 0 && float64(au.Posts)/age > 150 {
			z += 1.0
		}
	}
	if a.nWords > 0 && a.nWords <= 3 && a.urls > 0 {
		z += 0.6
	}
	a.spam = 1 / (1 + math.Exp(-z))
}

// decide turns the analysis into a Result, with the learned layer when
// there is one.
func (s *Scorer) decide(sc *scratch, a *analysis, p *hark.Post) Result {
	res := Result{Language: a.lang, Spam: round3(a.spam)}
	supported := isSupported(a.lang)
	und := a.lang == langUnd
	// sentiment
	sent := s.adjusted(a)
	a.adjSent = sent
	if a.sarcastic() {
		sc.addReason("sarcasm", "", round3(sent-a.ruleSent))
	}
	label, conf := labelOf(sent)
	urg, urgScore := s.ruleUrgency(a, sent)
	intent := s.ruleIntent(a, sent, urg)
	if s.model != nil && (supported || und) {
		s.features(sc, a)
		m := s.model
		var raw [numOut]float32
		m.outputs(sc.dense[:], sc.hashed, &raw)
		if m.has(headSentiment) {
			pr := softmax(&raw, headSentiment, sc.probs[:3])
			label = [3]Label{LabelNegative, LabelNeutral, LabelPositive}[argmax(pr)]
			conf = pr[argmax(pr)]
		}
		if m.has(headValence) {
			v := float64(raw[headOff[headValence]])
			sc.addReason("model.sentiment", "", round3(v-sent))
			sent = max(-1, min(1, v))
		}
		if m.has(headUrgency) {
			pr := softmax(&raw, headUrgency, sc.probs[:4])
			ev := pr[1]*1 + pr[2]*2 + pr[3]*3
			urgScore = ev / 3
			// With ModelDecides the thresholds alone set the level.
			// Otherwise the cues propose, the model may veto: a rule level stands
			// unless the model finds it unlikely (below the threshold's
			// fraction Veto), and the model alone may raise the level.
			// A jump of two levels or more over the rules needs twice the
			// probability: the model alone does not make "a chime at 3am"
			// critical on the strength of a word.
			// Nor does it make urgent a post in which the rules found
			// nothing to act on: no cue, not even a weak one, and nothing
			// negative. On such a post the model has little to go on, and
			// its doubt is not urgency.
			lvl := 0
			p3, p23 := pr[3], pr[2]+pr[3]
			grounds := urg >= 1 || a.weakUrg >= 2
			switch {
			case m.ModelDecides:
				if p23 >= m.HighThreshold {
					lvl = 2
					if p3 >= m.CritThreshold {
						lvl = 3
					}
				} else if pr[1]+p23 >= 0.5 {
					lvl = 1
				}
			case grounds && p3 >= m.CritThreshold && (urg >= 2 || p3 >= 2*m.CritThreshold), urg == 3 && p3 >= m.CritThreshold*m.Veto:
				lvl = 3
			case grounds && p23 >= m.HighThreshold && (urg >= 1 || p23 >= 2*m.HighThreshold), urg >= 2 && p23 >= m.HighThreshold*m.Veto:
				lvl = 2
			case pr[1]+p23 >= 0.5:
				lvl = 1
			}
			if lvl != urg {
				sc.addReason("model.urgency", "", float64(lvl-urg))
			}
			urg = lvl
		}
		if m.has(headIntent) {
			intent = intents[intentOf(&raw, sc.probs[:len(intents)])]
		}
	}
	// sentiment sign agrees with the label
	switch label {
	case LabelPositive:
		sent = max(sent, 0.05)
	case LabelNegative:
		sent = min(sent, -0.05)
	case LabelNeutral:
		sent = max(-0.3, min(0.3, sent))
	}
	switch {
	case !supported && !und:
		label, conf = LabelUnknown, 0.1
		sent = normalize((a.emoPos - a.emoNeg) * 0.5)
		if urg > 1 && a.cueUrg < 3 {
			urg = 1
		}
		intent = IntentOther
		if a.spam >= 0.6 {
			intent = IntentSpam
		}
		sc.addReason("language.unsupported", a.lang, 0)
	case und:
		if a.evidence == 0 && a.nWords > 0 {
			label, conf = LabelUnknown, 0.15
		} else {
			conf = min(conf, 0.5)
		}
		sc.addReason("language.undetermined", "", 0)
	default:
		if a.lang != langEN {
			conf *= 0.8
		}
		if a.evidence == 0 && a.cueVal == 0 {
			conf = min(conf, 0.7)
		}
	}
	if a.spam >= 0.7 {
		intent = IntentSpam
		urg = UrgencyNone
		urgScore = min(urgScore, 0.1)
	}
	// viral: a negative post that is spreading
	if sent < -0.2 && (p.Metrics.Reposts+p.Metrics.Quotes >= 500 || p.Metrics.Views >= 200000) {
		sc.addReason("urgency.viral", "", 1)
		urg = UrgencyCritical
		urgScore = max(urgScore, 0.9)
	}
	if s.model == nil && urg == UrgencyCritical && intent != IntentSpam && a.cueUrg == 3 {
		// a crisis is public: many affected, or attention spreading; one
		// person's serious incident is a complaint
		if a.family[famOutage]+a.family[famViral]+a.family[famMany] > 0 {
			intent = IntentCrisis
		} else if intent == IntentCrisis {
			intent = IntentComplaint
		}
	}
	// The levels promise that a crisis is critical and spam never urgent;
	// the urgency and intent heads decide apart and may disagree. The score
	// follows the level, as where the viral and spam findings set it.
	switch {
	case intent == IntentCrisis && urg < UrgencyCritical:
		sc.addReason("urgency.crisis", "", float64(UrgencyCritical-urg))
		urg = UrgencyCritical
		urgScore = max(urgScore, 0.9)
	case intent == IntentSpam && urg > UrgencyNone:
		sc.addReason("urgency.spam", "", float64(UrgencyNone-urg))
		urg = UrgencyNone
		urgScore = min(urgScore, 0.1)
	}
	if a.truncated {
		sc.addReason("input.truncated", "", 0)
	}
	res.Sentiment = round3(sent)
	res.Label = label
	res.Confidence = round3(max(0, min(1, conf)))
	res.Urgency = urg
	res.UrgencyScore = round3(max(0, min(1, urgScore)))
	res.Intent = intent
	// both in sc's memory: the caller copies them out (see own)
	res.About = s.about(sc)
	res.Reasons = s.reasons(sc, a)
	return res
}

// adjusted is the rules' sentiment after sarcasm and the cues' valence.
func (s *Scorer) adjusted(a *analysis) float64 {
	if a.sarcastic() {
		// positive words in a complaint with a sarcasm marker
		return normalize(-(a.posSum*0.5 + a.negSum) + a.cueVal)
	}
	if a.cueVal != 0 {
		// cues that carry valence shift the compound: "charged twice" is
		// negative however politely asked
		return normalize(atanhc(a.ruleSent) + a.cueVal)
	}
	return a.ruleSent
}

// sarcastic reports whether praise words are meant the other way round: a
// strong marker (an eye-roll, "/s", "yeah right") with negative evidence, or
// a weak one ("Great, ...", "love how") in a post that complains.
func (a *analysis) sarcastic() bool {
	if a.posSum == 0 {
		return false
	}
	return a.sarcasm && (a.negSum > 0 || a.cueVal < 0) || a.sarcasmWeak && a.cueVal <= -1
}

// atanhc inverts normalize: the valence sum that gives compound c.
func atanhc(c float64) float64 {
	c = max(-0.999, min(0.999, c))
	return math.Sqrt(15) * c / math.Sqrt(1-c*c) // x/sqrt(x^2+15) = c

}

func labelOf(c float64) (Label, float64) {
	switch {
	case c >= 0.05:
		return LabelPositive, 0.5 + min(c, 1)/2
	case c <= -0.05:
		return LabelNegative, 0.5 - max(c, -1)/2
	}
	return LabelNeutral, 0.6
}

var intents = [8]Intent{IntentComplaint, IntentQuestion, IntentPraise, IntentSuggestion, IntentPurchase, IntentCrisis, IntentSpam, IntentOther}

func intentIndex(i Intent) int {
	for k, x := range intents {
		if x == i {
			return k
		}
	}
	return 7
}

func argmax(p []float64) int {
	b := 0
	for i := range p {
		if p[i] > p[b] {
			b = i
		}
	}
	return b
}

// intentOf returns the index of the most probable intent, as the argmax of
// the intent head's softmax (computed in p) would. The softmax keeps the
// order of the outputs, so the largest output is that intent, and no
// exponential is needed; only when another output is so close to it that
// their probabilities could round to the same value does the softmax
// decide, as it does when the outputs are not all finite.
func intentOf(raw *[numOut]float32, p []float64) int {
	out := raw[headOff[headIntent]:][:len(p)]
	b := 0
	for i := range out {
		if out[i] > out[b] {
			b = i
		}
	}
	for i := range out {
		if i != b && !(out[b]-out[i] > 1e-6*(1+abs32(out[b]))) { // NaN and Inf too
			return argmax(softmax(raw, headIntent, p))
		}
	}
	return b
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// ruleUrgency is the urgency the cues and the sentiment support.
func (s *Scorer) ruleUrgency(a *analysis, sent float64) (int, float64) {
	lvl := a.cueUrg
	if lvl == 3 && sent > 0.3 && a.negSum == 0 {
		lvl = 1 // "this song is on fire": no complaint
	}
	if lvl < 1 && (sent < -0.3 || a.quest > 0 && a.you) {
		lvl = 1
	}
	if a.family[famPraise] > 0 && sent > 0.3 && lvl < 2 {
		lvl = 0
	}
	score := float64(lvl) / 3
	if lvl > 0 {
		extra := 0.0
		for _, f := range a.family[:14] {
			if f > 0 {
				extra += 0.05
			}
		}
		score = min(1, score+extra+max(0, -sent)*0.1-0.1)
	}
	return lvl, max(0, score)
}

// ruleIntent votes for an intent from the cues, the sentiment and the
// question form.
func (s *Scorer) ruleIntent(a *analysis, sent float64, urg int) Intent {
	var v [8]float64
	fam := a.family
	v[0] += fam[6] + fam[7] + fam[8] + fam[9] + fam[10]*0.5 + fam[11] + fam[12]*0.8
	v[5] += fam[1] + fam[5] + fam[13]*0.5
	v[0] += fam[0] + fam[2] + fam[3] + fam[4]
	v[0] += fam[13] * 0.5
	v[1] += fam[14] + fam[15]*0.6
	v[3] += fam[16]
	v[4] += fam[17]
	v[2] += fam[18]
	v[6] += fam[19]
	v[7] += fam[20] * 0.8
	if a.quest > 0 {
		v[1] += 0.8
	}
	if a.qStart {
		v[1] += 0.4
	}
	if sent < -0.2 {
		v[0] += -sent * 1.2
		v[2] -= 1
	}
	if sent > 0.3 {
		v[2] += sent
	}
	switch {
	case urg == 3 && a.cueUrg == 3:
		v[5] += 1
	case urg < 3:
		// a crisis is critical: below that, its signs are a complaint's
		v[0] += v[5]
		v[5] = 0
	}
	b := argmax(v[:])
	if v[b] < 0.5 {
		return IntentOther
	}
	return intents[b]
}

// about lists the catalogue terms, brands and aspects the post names,
// each once, in the order of their first mention, in sc.about (nil if
// none).
func (s *Scorer) about(sc *scratch) []Entity {
	out := sc.about[:0]
	for _, h := range sc.hits {
		e := &s.m.entries[h.entry]
		if e.kind != ekEntity && (e.kind != ekAspect || s.insideName(sc, &h)) {
			continue
		}
		if slices.Contains(out, e.entity) {
			continue
		}
		out = append(out, e.entity)
	}
	sc.about = out
	if len(out) == 0 {
		return nil
	}
	return out
}

// reasons gathers the evidence, strongest first, into sc.top.
func (s *Scorer) reasons(sc *scratch, a *analysis) []hark.Reason {
	text := a.text
	for k := range sc.hits {
		h := &sc.hits[k]
		e := &s.m.entries[h.entry]
		span := text[sc.toks[sc.words[h.from]].s:sc.toks[sc.words[h.to-1]].e]
		switch {
		case e.kind == ekCue && h.named:
		case e.kind == ekCue && h.negated:
			sc.addReason(e.negCode, span, 0)
		case e.kind == ekCue && h.hypo:
			sc.addReason(e.hypoCode, span, 0)
		case e.kind == ekCue && h.weak:
			sc.addReason(e.weakCode, span, 0)
		case e.kind == ekCue:
			w := float64(e.urgency) / 3
			if e.urgency == 0 {
				w = float64(e.weight) / 3
			}
			sc.addReason(e.code, span, round3(w))
		case e.kind == ekNeutral && e.sarcasm != 0:
			if a.sarcastic() {
				sc.addReason("sarcasm.cue", span, 0)
			}
		case e.kind == ekNeutral && e.code == "neutral.term":
			sc.addReason("neutral.term", span, 0)
		}
	}
	for _, i := range sc.valued {
		t := &sc.toks[i]
		if t.val == 0 {
			continue
		}
		code := "lexicon"
		switch {
		case t.kind == tkEmoji:
			code = "emoji"
		case t.kind == tkEmoticon:
			code = "emoticon"
		case t.kind == tkTagPart:
			code = "hashtag"
		case t.flags&fCaps != 0:
			code = "lexicon.caps"
		case t.flags&fElong != 0:
			code = "lexicon.elongated"
		}
		sc.addReason(code, text[t.s:t.e], round3(float64(t.val)/4))
	}
	if a.negations > 0 {
		sc.addReason("negation", "", float64(a.negations))
	}
	if a.contrast {
		sc.addReason("contrast", "", 0)
	}
	if a.excl >= 2 || a.quest >= 2 {
		sc.addReason("punctuation.emphasis", "", round3(punctEmph(a.compound, a.excl, a.quest)/4))
	}
	if a.spam >= 0.5 {
		sc.addReason("spam", "", round3(a.spam))
	}
	rs := sc.reasons
	sc.reasons = rs[:0]
	sc.top = topReasons(sc.top[:0], rs, s.cfg.maxReason)
	return sc.top
}

// addReason appends a reason to sc.reasons. It is kept out of line: the
// scorer appends reasons at many places, and one call each keeps its hot
// code small.
//
//go:noinline
func (sc *scratch) addReason(code, span string, w float64) {
	sc.reasons = append(sc.reasons, hark.Reason{Code: code, Span: span, Weight: w})
}

// topReasons appends to dst the first k reasons of rs in a stable sort
// that puts the meta reasons (truncation, language) first, then the
// strongest. It keeps the best k seen so far in order, each new reason
// placed after those that rank as high, so the work is linear in len(rs).
func topReasons(dst, rs []hark.Reason, k int) []hark.Reason {
	k = min(len(rs), k)
	// Rank indices rather than Reasons: shifting small integers is cheaper
	// than shifting structs that hold strings.
	var keyBuf [16]reasonKey
	var idxBuf [16]int32
	keys, idx := keyBuf[:0], idxBuf[:0]
	for i := range rs {
		r := &rs[i]
		key := reasonKey{meta: isMeta(r.Code), abs: math.Abs(r.Weight)}
		p := len(idx)
		for p > 0 && key.before(keys[p-1]) {
			p--
		}
		if p == k {
			continue
		}
		if len(idx) < k {
			idx = append(idx, 0)
			keys = append(keys, reasonKey{})
		}
		for q := len(idx) - 1; q > p; q-- { // a few elements: no memmove call
			idx[q], keys[q] = idx[q-1], keys[q-1]
		}
		idx[p], keys[p] = int32(i), key
	}
	for _, j := range idx {
		dst = append(dst, rs[j])
	}
	return dst
}

// A reasonKey is what orders reasons.
type reasonKey struct {
	meta bool
	abs  float64
}

// before reports whether a reason with key x goes before one with key y.
func (x reasonKey) before(y reasonKey) bool {
	if x.meta != y.meta {
		return x.meta
	}
	return x.abs > y.abs
}

func isMeta(code string) bool {
	// compares with constants, which compile to a few loads
	return code == "input.truncated" || len(code) >= 9 && code[:9] == "language."
}

// checkCueNames fails when a brand replaces or disables a cue that is not
// built in: a typo would otherwise leave the built-in cue working, silently.
func checkCueNames(brands []Brand, builtin []Cue) error {
	codes := map[string]bool{}
	phrases := map[string]bool{}
	for _, c := range builtin {
		codes[strings.ToLower(c.Code)] = true
		for _, p := range c.Phrases {
			phrases[strings.ToLower(p)] = true
		}
	}
	for _, p := range defaultIdioms() {
		phrases[strings.ToLower(p)] = true
	}
	for _, b := range brands {
		for _, c := range b.ReplaceCues {
			if !codes[strings.ToLower(c)] {
				return fmt.Errorf("score: brand %q: replace_cues %q is not a built-in cue code%s", b.Name, c, suggest(c, codes))
			}
		}
		for _, c := range b.DisableCues {
			if k := strings.ToLower(c); !codes[k] && !phrases[k] {
				return fmt.Errorf("score: brand %q: disable_cues %q is neither a built-in cue code nor a built-in phrase%s", b.Name, c, suggest(c, codes))
			}
		}
	}
	return nil
}

// suggest names the known code closest to s, when one is close.
func suggest(s string, known map[string]bool) string {
	best, bestD := "", 4
	for k := range known {
		if d := editDistance(strings.ToLower(s), k); d < bestD || d == bestD && k < best {
			best, bestD = k, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			sub := prev[j-1]
			if a[i-1] != b[j-1] {
				sub++
			}
			cur[j] = min(sub, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
