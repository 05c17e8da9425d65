package respond

import (
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/influence"
	"github.com/harkhq/hark/score"
)

var nativeConds = []string{
	`scores.urgency >= 2 && scores.intent in ["complaint", "crisis"]`,
	`scores.sentiment < -0.3 || author.influence >= 70.0`,
	`!(scores.language in ["en", "fr"]) && scores.confidence < 0.4`,
	`scores.urgency_score >= 0.5 || post.likes > 2 || scores.urgency == 3`,
	`size(scores.products) >= 2 || size(post.text) > 40`,
	`"@acme" in post.mentions && !thread.opted_out`,
	`thread.opted_out == false && surge.active != true`,
	`scores.label != "negative" && author.standing == "advocate"`,
	`post.text_lower.containsAnyWord(["refund*", "charged twice", "app", "é", "ÉTÉ", "wi-fi"])`,
	`post.text.containsAny(["!!", "Refund", "ß", ""])`,
	`post.text.containsAnyWord(["", "*", "Help"]) || post.text_lower.containsAny(["x"])`,
	`post.engagement >= 1000 || author.followers >= 50000`,
	`scores.spam >= 0.8 || author.bot >= 0.9 || scores.intent == "spam"`,
	`true && !false`,
}

var words = []string{"refund", "Refunds", "REFUND", "charged", "twice", "app", "apple", "happy", "é", "été", "ÉTÉ",
	"wi-fi", "Wi-Fi", "help", "Help!", "ß", "SS", "!!", "@acme", "x", "xx", "İstanbul", "\xff", "😍", "x2", "charged-twice"}

func randCase(r *rand.Rand) Case {
	var sb strings.Builder
	for i := range r.IntN(12) {
		if i > 0 {
			sb.WriteString([]string{" ", "  ", ", ", "-", "\n", ""}[r.IntN(6)])
		}
		sb.WriteString(words[r.IntN(len(words))])
	}
	f := func() float64 {
		switch r.IntN(10) {
		case 0:
			return math.NaN()
		case 1:
			return 0
		}
		return r.Float64()*2 - 1
	}
	pick := func(ss ...string) string { return ss[r.IntN(len(ss))] }
	c := Case{
		Post: hark.Post{ID: "p", Text: sb.String(), Mentions: []string{pick("@acme", "@other", "")},
			Metrics: hark.Engagement{Likes: int64(r.IntN(5)), Reposts: int64(r.IntN(2000))},
			Author:  hark.Author{Followers: int64(r.IntN(100000))}},
		Scores: score.Result{
			Urgency: r.IntN(4), Sentiment: f(), Confidence: f(), Spam: f(),
			Intent:   score.Intent(pick("complaint", "crisis", "spam", "praise", "")),
			Label:    score.Label(pick("negative", "positive", "unknown")),
			Language: pick("en", "fr", "de", "und", ""),
			About:    []score.Entity{{Kind: "product", Name: "x2"}, {Kind: pick("product", "place"), Name: "pro"}},
		},
		Author: influence.AuthorScore{Influence: f() * 100, Bot: f(), Standing: influence.Standing(pick("advocate", "neutral", ""))},
		Thread: ThreadState{OptedOut: r.IntN(2) == 0},
		Surge:  SurgeState{Active: r.IntN(2) == 0},
		Now:    time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC),
	}
	return c
}

// TestNativeEqualsCEL checks that the native evaluator and the CEL
// interpreter agree on every condition it handles, on random cases and on
// the shipped policy.
func TestNativeEqualsCEL(t *testing.T) {
	var rules []RuleSpec
	for i, c := range nativeConds {
		rules = append(rules, RuleSpec{Name: "r" + string(rune('a'+i)), When: c, Continue: true, Tag: []string{"t"}})
	}
	p, err := NewPolicy(Spec{Name: "native", Rules: rules})
	require.NoError(t, err)
	src, err := os.ReadFile("../examples/replay/policy.yaml")
	require.NoError(t, err)
	shipped, err := ParsePolicy("policy.yaml", src)
	require.NoError(t, err)

	r := rand.New(rand.NewPCG(1, 2))
	for _, pol := range []*Policy{p, shipped} {
		nNative := 0
		for _, rl := range pol.rules {
			if rl.native != nil {
				nNative++
			}
		}
		require.Equal(t, len(pol.rules), nNative, "every condition of %s compiles natively", pol.name)
		for range 3000 {
			c := randCase(r)
			a := pol.env.pool.Get().(*caseActivation)
			a.reset(&c, c.Now)
			for _, rl := range pol.rules {
				nv, ok := rl.native(a)
				cv, err := rl.evalCEL(a)
				if !ok {
					continue // declined: CEL decides
				}
				require.NoError(t, err, "%s on %q", rl.When, c.Post.Text)
				require.Equal(t, cv, nv, "%s on %+v", rl.When, c)
			}
			pol.env.pool.Put(a)
		}
	}
}

// FuzzTextMatcher checks the automaton against the plain functions.
func FuzzTextMatcher(f *testing.F) {
	f.Add("my refund was charged twice", "refund*", "charged twice")
	f.Add("Été à Paris, ÉTÉ", "été", "é")
	f.Add("aaa", "aa", "a*")
	f.Add("x\xffy", "y", "x")
	f.Fuzz(func(t *testing.T, text, p1, p2 string) {
		for _, words := range []bool{false, true} {
			m := &textMatcher{}
			var ids []int
			for _, p := range []string{p1, p2} {
				pat := acPattern{text: p}
				if words {
					pat.text, pat.prefix = cutStar(p)
					pat.word = true
				}
				if pat.text == "" {
					ids = append(ids, -1)
					continue
				}
				ids = append(ids, m.add(pat))
			}
			m.build()
			bits := make([]uint64, 1)
			m.scan(text, bits, false)
			for i, p := range []string{p1, p2} {
				var want bool
				if words {
					want = hasWord(text, p)
				} else {
					want = strings.Contains(text, p)
				}
				got := ids[i] >= 0 && bits[0]&(1<<ids[i]) != 0
				if ids[i] < 0 {
					got = !words // "" is in every string, and no word
				}
				if got != want {
					t.Fatalf("words=%v pattern %q in %q: got %v, want %v", words, p, text, got, want)
				}
			}
			// Folding ASCII case while scanning equals scanning the lower case.
			if lowerIsASCIIFold(text) {
				b1, b2 := make([]uint64, 1), make([]uint64, 1)
				require.True(t, m.scan(text, b1, true))
				m.scan(strings.ToLower(text), b2, false)
				if b1[0] != b2[0] {
					t.Fatalf("fold scan of %q differs from scan of its lower case", text)
				}
			}
		}
	})
}

// TestFastTemplateEqualsTextTemplate checks the reflection-free renderer
// against text/template.
func TestFastTemplateEqualsTextTemplate(t *testing.T) {
	texts := []string{
		"Hi {{.Name}}, sorry about this{{if .Product}} with your {{.Product}}{{end}}.",
		"{{.Handle}}|{{.Quote}}|{{.Place}}|{{.Source}}|{{.Intent}}|{{.Language}}|{{.Priority}}|{{.Team}}",
		"{{if .Place}}in {{.Place}}{{else}}nowhere{{end}} {{if .Team}}{{if .Product}}both{{end}}{{end}}",
		"plain text only",
	}
	b := &policyBuilder{pos: &positions{file: "t"}}
	r := rand.New(rand.NewPCG(3, 4))
	for _, text := range texts {
		rt := b.template(TemplateSpec{Name: "t", Text: map[string]string{"default": text}}, "templates[0]")
		require.Empty(t, b.errs)
		tpl := rt.texts["default"]
		f := rt.fast[tpl]
		require.NotNil(t, f, text)
		for range 200 {
			c := randCase(r)
			c.Post.Author = hark.Author{Handle: "@" + words[r.IntN(len(words))], Name: words[r.IntN(len(words))]}
			c.Post.Source = words[r.IntN(len(words))]
			d := &Decision{Priority: P2, Team: []string{"", "care"}[r.IntN(2)]}
			data := replyData(&c, d)
			var fast, slow strings.Builder
			f.render(&fast, &data)
			require.NoError(t, tpl.Execute(&slow, &data))
			require.Equal(t, slow.String(), fast.String())
		}
	}
	// Beyond the subset, text/template renders.
	rt := b.template(TemplateSpec{Name: "u", Text: map[string]string{"default": `{{.RespondBy.Format "15:04"}} {{printf "%s" .Name}}`}}, "templates[1]")
	require.Empty(t, b.errs)
	require.Nil(t, rt.fast[rt.texts["default"]])
}

// lowerIsASCIIFold reports whether strings.ToLower(s) only lowers s's
// ASCII letters: s is valid UTF-8 and its other characters have no lower
// case of their own (emoji, digits, lower-case letters of any script).
func lowerIsASCIIFold(s string) bool {
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || unicode.ToLower(r) != r {
			return false
		}
		i += size
	}
	return true
}

func TestCountLinks(t *testing.T) {
	for _, tt := range []struct {
		text string
		want int
	}{
		{"", 0},
		{"no links here.", 0},
		{"see evil.com and https://x.io/a, mail a@b.org", 3},
		{"e.g. 3.50 @acme: fine", 0},
		{"www.x.y\tfoo.co.uk\nbar", 2},
		{"@maya@mastodon.social hi", 1},
	} {
		if got := countLinks(tt.text); got != tt.want {
			t.Errorf("countLinks(%q) = %d, want %d", tt.text, got, tt.want)
		}
		// The same as judging every word.
		n := 0
		for w := range strings.FieldsSeq(tt.text) {
			if isLink(w) {
				n++
			}
		}
		if n != tt.want {
			t.Errorf("word by word %q: %d", tt.text, n)
		}
	}
}

func FuzzCountLinks(f *testing.F) {
	f.Add("see evil.com and https://x.io/a, mail a@b.org")
	f.Add("a\u00a0b.com\u2028c.io")
	f.Fuzz(func(t *testing.T, s string) {
		n := 0
		for w := range strings.FieldsSeq(s) {
			if isLink(w) {
				n++
			}
		}
		if got := countLinks(s); got != n {
			t.Fatalf("countLinks(%q) = %d, word by word %d", s, got, n)
		}
	})
}
