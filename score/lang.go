package score

import (
	"encoding/json"
	"math/bits"
	"strings"
	"unicode"
)

// SupportedLanguages returns the languages the scorer judges (ISO 639-1):
// English fully; Spanish, French, German and Portuguese with sentiment and
// urgency cues. Posts in any other language get LabelUnknown and a low
// confidence.
func SupportedLanguages() []string {
	return []string{langEN, langES, langFR, langDE, langPT}
}

func isSupported(lang string) bool {
	switch lang {
	case langEN, langES, langFR, langDE, langPT:
		return true
	}
	return false
}

// langUnd is the language of a post with too little evidence.
const langUnd = "und"

// A langID detects languages from function words, letters peculiar to a
// language, and writing systems.
type langID struct {
	codes []string          // index -> code
	words map[string]uint32 // word -> bit set of languages using it
}

func loadLangID() (*langID, error) {
	var raw map[string]string
	if err := json.Unmarshal(mustData("data/lang.json"), &raw); err != nil {
		return nil, err
	}
	li := &langID{words: map[string]uint32{}}
	order := []string{langEN, langES, langFR, langDE, langPT, "it", "nl", "pl", "tr", "id", "sv", "da", "ro"}
	for i, code := range order {
		li.codes = append(li.codes, code)
		for w := range strings.FieldsSeq(raw[code]) {
			li.words[w] |= 1 << i
		}
	}
	return li, nil
}

// detect returns the language of the tokens, and how sure it is (0..1).
// hint is the platform's declared language, if any.
func (li *langID) detect(sc *scratch, text string, lx *lexicon, hint string) (string, float64) {
	var score [16]float64
	// scripts
	var latin, other int
	var script string
	var scriptN int
	toks := sc.toks
	if !sc.nonASCII { // plain ASCII: Latin letters, no diacritics, counted by readWords
		latin, toks = sc.wordBytes, nil
	}
	for k := range toks {
		t := &toks[k]
		if t.kind != tkWord && t.kind != tkTagPart {
			continue
		}
		if t.flags&fASCII != 0 { // an ASCII word: its letters are Latin
			latin += int(t.nl)
			continue
		}
		for _, r := range text[t.s:t.e] {
			if r < 0x80 {
				if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
					latin++
				}
				continue
			}
			if !unicode.IsLetter(r) {
				continue
			}
			if r < 0x250 {
				latin++
				switch r {
				case 'ñ', '¿', '¡':
					score[1] += 1.5
				case 'ã', 'õ':
					score[4] += 1.5
				case 'ç':
					score[2] += 0.5
					score[4] += 0.5
				case 'è', 'ê', 'à', 'ù', 'û', 'ë', 'ï', 'î', 'œ':
					score[2] += 0.7
				case 'ä', 'ö', 'ü', 'ß':
					score[3] += 1.0
				case 'á', 'í', 'ó', 'ú':
					score[1] += 0.4
					score[4] += 0.4
				case 'é':
					score[1] += 0.2
					score[2] += 0.3
					score[4] += 0.2
				}
				continue
			}
			other++
			s := scriptOf(r)
			if s != "" {
				if s == script {
					scriptN++
				} else if scriptN == 0 {
					script, scriptN = s, 1
				} else {
					scriptN--
				}
			}
		}
	}
	if other > latin && script != "" {
		return script, 0.9
	}
	if latin == 0 {
		if isSupported(baseLang(hint)) {
			return baseLang(hint), 0.3
		}
		return langUnd, 0
	}
	// function words and, for English, lexicon words (readWords added up
	// those of a plain-ASCII post, whose letters add nothing above)
	if !sc.nonASCII {
		score = sc.langScore
	} else {
		for k := range sc.toks {
			if t := &sc.toks[k]; t.kind == tkWord && t.info >= 0 {
				lx.infos[t.info].addLangScore(&score)
			}
		}
	}
	if hl := baseLang(hint); hl != "" { // most posts declare no language
		for i, code := range li.codes {
			if code == hl {
				score[i] += 1.0
			}
		}
	}
	best, second := -1, -1
	for i := range li.codes {
		if best < 0 || score[i] > score[best] {
			best, second = i, best
		} else if second < 0 || score[i] > score[second] {
			second = i
		}
	}
	if score[best] < 0.5 {
		return langUnd, 0
	}
	// English is the common case: another language must show more evidence
	// than English does, and an unsupported one clearly so.
	if best != 0 {
		need := 0.5
		if best >= 5 {
			need = 1.5
		}
		if score[best]-score[0] < need {
			if score[0] > 0 {
				return langEN, 0.3
			}
			if best >= 5 && score[best] < 2 {
				return langUnd, 0.1
			}
		}
	}
	margin := score[best] - max(score[second], 0)
	conf := margin / (margin + 1.5)
	if margin < 0.25 {
		// a tie: English is the common case of short mixed posts
		if score[0] == score[best] {
			return langEN, 0.3
		}
		return langUnd, 0.1
	}
	return li.codes[best], conf
}

// addLangScore adds to score what word wi says of the languages: a share
// of one for each language it is a function word of, else one half for
// each language whose lexicon has it (only English when English does).
func (wi *wordInfo) addLangScore(score *[16]float64) {
	if b := uint32(wi.stop); b != 0 {
		share := 1 / float64(bits.OnesCount32(b))
		for ; b != 0; b &= b - 1 {
			score[bits.TrailingZeros32(b)] += share
		}
		return
	}
	if wi.has&1 != 0 {
		score[0] += 0.5
		return
	}
	for k := 1; k < 5; k++ {
		if wi.has&(1<<k) != 0 {
			score[k] += 0.5
		}
	}
}

func baseLang(tag string) string {
	if tag == "" { // most posts: no library code on the hot path
		return ""
	}
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	return strings.ToLower(tag)
}

// scriptOf names the language a non-Latin script most likely means (the
// scorer does not support any of them; the name is for routing).
func scriptOf(r rune) string {
	switch {
	case unicode.Is(unicode.Cyrillic, r):
		return "ru"
	case unicode.Is(unicode.Greek, r):
		return "el"
	case unicode.Is(unicode.Arabic, r):
		return "ar"
	case unicode.Is(unicode.Hebrew, r):
		return "he"
	case unicode.Is(unicode.Hiragana, r), unicode.Is(unicode.Katakana, r):
		return "ja"
	case unicode.Is(unicode.Han, r):
		return "zh"
	case unicode.Is(unicode.Hangul, r):
		return "ko"
	case unicode.Is(unicode.Devanagari, r):
		return "hi"
	case unicode.Is(unicode.Thai, r):
		return "th"
	}
	return "xx"
}
