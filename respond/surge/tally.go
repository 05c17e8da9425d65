package surge

import (
	"hash/maphash"
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A tally counts the names of one dimension of a key's posts (terms,
// entities or sources) at two time scales, in fixed memory: at most cap
// names are held (space-saving style: a new name replaces the one with the
// smallest recent count). fast decays within the hour, slow over days, so
// fast against slow says what rose against the baseline.
type tally struct {
	e []tallyEntry
}

type tallyEntry struct {
	h          uint64
	name       string
	fast, slow float32
}

func (t *tally) add(h uint64, name string, capacity int) {
	for i := range t.e {
		if t.e[i].h == h && t.e[i].name == name {
			t.e[i].fast++
			t.e[i].slow++
			return
		}
	}
	if len(t.e) < capacity {
		if t.e == nil {
			t.e = make([]tallyEntry, 0, capacity)
		}
		t.e = append(t.e, tallyEntry{h: h, name: name, fast: 1, slow: 1})
		return
	}
	m := 0
	for i := 1; i < len(t.e); i++ {
		if t.e[i].fast < t.e[m].fast || t.e[i].fast == t.e[m].fast && t.e[i].slow < t.e[m].slow {
			m = i
		}
	}
	t.e[m] = tallyEntry{h: h, name: name, fast: 1, slow: 1}
}

func (t *tally) decay(df, ds float32) {
	for i := range t.e {
		t.e[i].fast *= df
		t.e[i].slow *= ds
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

// drivers returns the names whose recent count rose most against the
// baseline mix: fastTotal and slowTotal are the key's post totals at the two
// time scales.
func (t *tally) drivers(fastTotal, slowTotal float64, n int) []Driver {
	if slowTotal <= 0 || fastTotal <= 0 {
		return nil
	}
	ratio := fastTotal / slowTotal
	var out []Driver
	for _, e := range t.e {
		f := float64(e.fast)
		// the baseline share of the name, without its recent rise
		base := math.Max(0, float64(e.slow)-f) / math.Max(slowTotal-fastTotal, 1)
		exp := base * fastTotal
		_ = ratio
		lift := (f + 0.5) / (exp + 1)
		if f < 2 || lift < 1.5 {
			continue
		}
		out = append(out, Driver{Name: e.name, Recent: round2(f), Expected: round2(exp), Lift: round2(lift)})
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

// hasher hashes names for the tallies; one seed per Detector.
type hasher struct{ seed maphash.Seed }

func (h hasher) sum(s string) uint64 { return maphash.String(h.seed, s) }
