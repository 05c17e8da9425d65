package surge

import (
	"math"
	"math/bits"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A tally counts the names of one dimension of a key's posts (terms,
// entities or sources) at two time scales, in fixed memory: at most cap
// names are held (space-saving style: a new name replaces the one with the
// smallest recent count). fast decays within the hour, slow over days, so
// fast against slow says what rose against the baseline. A name is found
// by a 32-bit fingerprint of its hash, all of which fit one cache line;
// the names themselves are read only when an alert is explained (two names
// of one key that share a fingerprint, about one chance in 2^28, would
// share a count). How many names it holds is kept by its owner, with what
// every post touches, so that the tally is whole cache lines (see
// keyState).
type tally struct {
	fp   [maxTopK]uint32
	c    [maxTopK]tallyCount
	err  [maxTopK]float32 // see add
	name [maxTopK]string
}

// A tallyCount holds a name's fast and slow counts: the fast one's bits
// above the slow one's. Counts are never negative, and the bits of
// non-negative floats order as the floats do, so comparing tallyCounts
// as integers orders them by fast count, then slow: the weakest name is
// found with one integer comparison per name.
type tallyCount uint64

func counts(fast, slow float32) tallyCount {
	return tallyCount(math.Float32bits(fast))<<32 | tallyCount(math.Float32bits(slow))
}

func (c tallyCount) fast() float32 { return math.Float32frombits(uint32(c >> 32)) }
func (c tallyCount) slow() float32 { return math.Float32frombits(uint32(c)) }

// maxTopK bounds Config.TopK: the tallies are fixed arrays, inline in the
// key's state, so that a post touches few cache lines.
const maxTopK = 16

// maxTopPosts bounds Config.TopPosts: the candidates are a fixed array,
// inline in the key's state.
const maxTopPosts = 4

func fingerprint(h uint64) uint32 { return uint32(h>>32) ^ uint32(h) }

// add counts the name with hash h. err[i] is the count the name held at i
// inherited when it replaced another (the space-saving overestimate);
// fast-err is a lower bound of its count.
//
// seen, if not nil, is a filter of the fingerprints held: every one held
// has its bit (seenBit) set, so a name whose bit is clear is not held and
// its search is skipped; most names of a large vocabulary are not held.
// The bits of names replaced stay set until too many are, and the filter
// is then made again from the names held.
func (t *tally) add(size *uint8, seen *uint64, h uint64, name string, capacity int) {
	f := fingerprint(h)
	n := int(*size)
	bit := seenBit(f)
	if seen == nil || *seen&bit != 0 {
		for i, x := range t.fp[:n] {
			if x == f {
				c := t.c[i]
				t.c[i] = counts(c.fast()+1, c.slow()+1)
				return
			}
		}
	}
	if n < capacity {
		t.fp[n], t.name[n], t.c[n], t.err[n] = f, name, counts(1, 1), 0
		*size++
		if seen != nil {
			*seen |= bit
		}
		return
	}
	m, mc := t.weakest(n)
	// the newcomer inherits the recent count of the name it replaces,
	// the smallest (space-saving), so that names that keep coming stay
	// even when many pass by; its own past is unknown here, and the
	// global baseline stands in for it
	mf := mc.fast()
	t.fp[m], t.name[m], t.c[m], t.err[m] = f, name, counts(mf+1, 1), mf
	if seen != nil {
		if *seen |= bit; bits.OnesCount64(*seen) > seenMax {
			*seen = t.seen(n)
		}
	}
}

// seenMax is how many bits a tally's filter may have set before it is made
// again: 16 names set about 14, and a filter is searched through for a
// name not held about as often as it has bits set, out of 64.
const seenMax = 24

// seenBit is the bit of fingerprint f in a tally's filter (see add).
func seenBit(f uint32) uint64 { return 1 << (f >> 26) }

// seen returns the filter of the first n fingerprints held.
func (t *tally) seen(n int) uint64 {
	var s uint64
	for _, f := range t.fp[:n] {
		s |= seenBit(f)
	}
	return s
}

// weakest returns the index of the smallest count among the first n (the
// first of equals) and the count.
func (t *tally) weakest(n int) (int, tallyCount) {
	m, mc := 0, t.c[0]
	if n == maxTopK {
		// a full tally, the usual case, unrolled: constant indexes, no
		// loop to keep
		c := &t.c
		pick := func(i int) {
			if c[i] < mc {
				m, mc = i, c[i]
			}
		}
		pick(1)
		pick(2)
		pick(3)
		pick(4)
		pick(5)
		pick(6)
		pick(7)
		pick(8)
		pick(9)
		pick(10)
		pick(11)
		pick(12)
		pick(13)
		pick(14)
		pick(15)
		return m, mc
	}
	for i, c := range t.c[1:n] {
		if c < mc {
			m, mc = i+1, c
		}
	}
	return m, mc
}

func (t *tally) decay(size uint8, df, ds float32) {
	for i, c := range t.c[:size] {
		t.c[i] = counts(c.fast()*df, c.slow()*ds)
	}
	for i := range t.err[:size] {
		t.err[i] *= df
	}
}

// A Driver is one name (a term, an entity, a source) that rose against the
// baseline of its key.
type Driver struct {
	Name string `json:"name"`
	// Recent is the name's count in the recent window (decayed, about the
	// last half hour); Expected is what the baseline mix predicted for it.
	Recent   float64 `json:"recent"`
	Expected float64 `json:"expected"`
	// Lift is Recent over Expected (with one pseudo-count).
	Lift float64 `json:"lift"`
}

// drivers returns, of the size names held, those whose recent count rose most against the
// baseline: fastTotal and slowTotal are the key's post totals at the two
// time scales, and global gives a name's share of all posts of the
// detector (a floor for the baseline, where the key's own past is short or
// unknown).
func (t *tally) drivers(size uint8, fastTotal, slowTotal float64, global func(name string) float64, n int) []Driver {
	if fastTotal <= 0 {
		return nil
	}
	var out []Driver
	for i, name := range t.name[:size] {
		cf, cs := t.c[i].fast(), t.c[i].slow()
		f := float64(cf - t.err[i])
		if f < 2 {
			continue
		}
		// the baseline share of the name: in the key's past, without its
		// recent rise, and no less than across all keys
		base := max(0, float64(cs-cf)) / max(slowTotal-fastTotal, 1)
		base = max(base, global(name))
		exp := base * fastTotal
		lift := (f + 0.5) / (exp + 1)
		// a driver rose in share, not only in count, and by more than
		// Poisson noise
		if lift < 1.5 || (f-exp)/math.Sqrt(exp+1) < 2 {
			continue
		}
		out = append(out, Driver{Name: name, Recent: round2(f), Expected: round2(exp), Lift: round2(lift)})
	}
	slices.SortFunc(out, func(a, b Driver) int {
		sa := (a.Recent - a.Expected) / math.Sqrt(a.Expected+1)
		sb := (b.Recent - b.Expected) / math.Sqrt(b.Expected+1)
		if sa != sb {
			if sa > sb {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Name, b.Name)
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// A globalTally estimates how often each name occurs across all posts, in
// fixed memory (a count-min sketch: the smaller of two hashed counters,
// an overestimate, so a conservative baseline). Counts decay with a
// two-day half-life, lazily: each addition weighs more than the last, and
// all are rescaled when the weights grow large.
type globalTally struct {
	c       [cmsDepth][cmsWidth]float32
	w       float32 // weight of an addition now
	total   float64 // weighted posts
	neg     float64 // weighted negative posts
	decay   float32 // per bucket
	buckets int64
}

const (
	cmsDepth = 2 // (add writes the rows by hand)
	cmsWidth = 1 << 15
)

func (g *globalTally) init(decay float32) { g.w, g.decay = 1, decay }

// tick moves to the next bucket: later additions weigh 1/decay more.
func (g *globalTally) tick() {
	g.w /= g.decay
	if g.w > 1e20 {
		for d := range g.c {
			for i := range g.c[d] {
				g.c[d][i] /= g.w
			}
		}
		g.total /= float64(g.w)
		g.neg /= float64(g.w)
		g.w = 1
	}
}

func (g *globalTally) add(h uint64) {
	// (the rows by hand: the compiler does not unroll the loop)
	w := g.w
	g.c[0][h&(cmsWidth-1)] += w
	g.c[1][(h>>32)&(cmsWidth-1)] += w
}

// post counts one post (the denominator of shares).
func (g *globalTally) post(neg bool) {
	g.total += float64(g.w)
	if neg {
		g.neg += float64(g.w)
	}
}

// negShare returns the share of negative posts across all keys, the prior
// of a key's own; 0.25 before any post.
func (g *globalTally) negShare() float64 {
	if g.total <= 0 {
		return 0.25
	}
	return g.neg / g.total
}

// share returns the estimated share of posts naming h.
func (g *globalTally) share(h uint64) float64 {
	if g.total <= 0 {
		return 0
	}
	m := float32(math.MaxFloat32)
	for d := 0; d < cmsDepth; d++ {
		m = min(m, g.c[d][(h>>(32*d))&(cmsWidth-1)])
	}
	return min(1, float64(m)/g.total)
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }

// Terms returns up to max distinct terms of text for an [Observation]: words
// of at least three letters, lower-cased, with hashtags and cashtags kept,
// and common function words and URLs left out. It is a cheap tokenizer for
// drivers, not a linguistic one.
func Terms(text string, max int) []string {
	var out []string
	for len(text) > 0 && len(out) < max {
		// skip to a word start
		i := 0
		for i < len(text) {
			r, sz := utf8.DecodeRuneInString(text[i:])
			if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '#' || r == '$' {
				break
			}
			i += sz
		}
		text = text[i:]
		j := 0
		for j < len(text) {
			r, sz := utf8.DecodeRuneInString(text[j:])
			if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '#' || r == '$' || r == '\'' || r == '-' || r == '_' || r == '/' || r == ':' || r == '.') {
				break
			}
			j += sz
		}
		w := strings.Trim(text[:j], "'-_/:.")
		text = text[j:]
		if strings.Contains(w, "://") || strings.HasPrefix(w, "www.") {
			continue
		}
		if utf8.RuneCountInString(w) < 3 {
			continue
		}
		w = strings.ToLower(w)
		if isStopword(w) || slices.Contains(out, w) {
			continue
		}
		out = append(out, w)
	}
	return out
}

// isStopword reports English function words too common to explain anything.
func isStopword(w string) bool {
	switch w {
	case "the", "and", "for", "are", "but", "not", "you", "your", "yours", "with", "this", "that",
		"these", "those", "was", "were", "has", "have", "had", "its", "it's", "our", "ours", "they",
		"them", "their", "there", "here", "what", "when", "where", "which", "who", "whom", "why", "how",
		"all", "any", "can", "could", "would", "should", "will", "just", "from", "into", "out", "about",
		"than", "then", "too", "very", "also", "been", "being", "some", "such", "only", "own", "same",
		"other", "more", "most", "much", "one", "two", "get", "got", "now", "off", "onto", "over",
		"under", "again", "i'm", "i've", "don't", "can't", "won't", "didn't", "doesn't", "isn't",
		"aren't", "wasn't", "did", "does", "doing", "done", "let", "let's", "because", "while", "who's",
		"what's", "she", "her", "hers", "him", "his", "himself", "herself", "myself", "yourself",
		"ourselves", "yet", "via", "per", "amp", "lol":
		return true
	}
	return false
}

// hasher hashes names for the tallies; one seed per Detector. Its seed is a
// number, unlike hash/maphash's, so that a snapshot can keep it: the
// tallies and the global sketch hold hashes, which must mean the same after
// a restore.
type hasher struct{ seed uint64 }

const (
	hashK0 = 0xa0761d6478bd642f
	hashK1 = 0xe7037ed1a0b428db
	hashK2 = 0x8ebc6af09c88c6e3
)

// mum multiplies a by b and folds the 128-bit product (wyhash's mixer).
func mum(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}

// sum hashes s: short strings (most names) in two loads of up to eight
// bytes each, longer ones eight bytes at a time with an overlapping last
// load.
func (h hasher) sum(s string) uint64 {
	n := len(s)
	x := h.seed ^ hashK0 ^ uint64(n)
	var a, b uint64
	switch {
	case n >= 8:
		for t := s; len(t) > 8; t = t[8:] {
			x = mum(le64(t)^hashK1, x^hashK2)
		}
		a, b = le64(s[n-8:]), hashK1
	case n >= 4:
		a = uint64(le32(s))<<32 | uint64(le32(s[n-4:]))
	case n > 0:
		a = uint64(s[0])<<16 | uint64(s[n>>1])<<8 | uint64(s[n-1])
	}
	x = mum(a^hashK1, x^b^hashK0)
	return mum(x^hashK2, x^hashK1)
}

func le64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

func le32(s string) uint32 {
	_ = s[3]
	return uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
}
