package respond_test

import (
	"context"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkhq/hark/respond"
	"github.com/harkhq/hark/score"
)

func TestEscapeText(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"plain words, fine", 0, "plain words, fine"},
		{"@acme help", 0, "acme help"},
		{"hey ＠support and ﹫x", 0, "hey support and x"},
		{"meet @ 5pm", 0, "meet 5pm"},
		{"#boycott #1 fan # alone", 0, "boycott 1 fan # alone"},
		{"$ACME to the moon, $5 off", 0, "ACME to the moon, $5 off"},
		{"see https://evil.example/x now", 0, "see [link] now"},
		{"go to www.evil.com", 0, "go to [link]"},
		{"evil.com/path?x=1.", 0, "[link]"},
		{"mail me: bob@example.org", 0, "mail me: [link]"},
		{"fediverse @bob@mastodon.social", 0, "fediverse [link]"},
		{"e.g. v2.0 costs 3.50, i.e. cheap", 0, "e.g. v2.0 costs 3.50, i.e. cheap"},
		{"<script>alert(1)</script>", 0, "‹script›alert(1)‹/script›"},
		{"<!channel> ping", 0, "‹!channel› ping"},
		{"line\nbreak\r\n\ttab  spaces", 0, "line break tab spaces"},
		{"zero\u200bwidth\u202eRTL\ufeffbom\x07bell", 0, "zerowidthRTLbombell"},
		{"bad \xff utf8", 0, "bad \uFFFD utf8"},
		{"  leading and trailing  ", 0, "leading and trailing"},
		{"a long sentence that goes on", 10, "a long se…"},
		{"ünïcödé wörds hère", 8, "ünïcödé…"},
		{"exactly ten", 11, "exactly ten"},
		{"", 5, ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := respond.EscapeText(tt.in, tt.max)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, got, respond.EscapeText(got, tt.max), "idempotent")
		})
	}
}

// FuzzEscapeText checks EscapeText's promises on arbitrary text.
func FuzzEscapeText(f *testing.F) {
	for _, s := range []string{
		"@acme my #card at evil.com <b>", "https://x.io/a?b=c", "a@b.co", "\u202e\u200b\x00", "＠x ＃y",
		"e.g. 3.50", "$ACME $5", "www.x.y", "mailto:x", "hi\nthere", "é.fr", "\xff\xfe",
	} {
		f.Add(s, 40)
	}
	f.Fuzz(func(t *testing.T, s string, max int) {
		if max < 0 || max > 1000 {
			max = 40
		}
		out := respond.EscapeText(s, max)
		if !utf8.ValidString(out) {
			t.Fatalf("invalid UTF-8: %q", out)
		}
		if max > 0 && utf8.RuneCountInString(out) > max {
			t.Fatalf("%d characters, max %d: %q", utf8.RuneCountInString(out), max, out)
		}
		if strings.ContainsAny(out, "@＠﹫<>\n\r\t") {
			t.Fatalf("mention or markup left: %q", out)
		}
		lo := strings.ToLower(out)
		if strings.Contains(lo, "://") || strings.Contains(lo, "www.") {
			t.Fatalf("link left: %q", out)
		}
		rs := []rune(out)
		for i, r := range rs {
			if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
				t.Fatalf("invisible character %U left: %q", r, out)
			}
			if (r == '#' || r == '＃' || r == '﹟') && i+1 < len(rs) && (unicode.IsLetter(rs[i+1]) || unicode.IsDigit(rs[i+1]) || rs[i+1] == '_') {
				t.Fatalf("hashtag left: %q", out)
			}
		}
		if again := respond.EscapeText(out, max); again != out {
			t.Fatalf("not idempotent: %q then %q", out, again)
		}
	})
}

func TestTemplateLanguageChoice(t *testing.T) {
	p := mustParse(t, `
name: t
templates:
  ack:
    en: "en"
    pt: "pt"
    question/en: "question en"
    question/default: "question any"
    default: "any"
rules: [{name: r, when: "true", reply: ack}]
`)
	for _, tt := range []struct {
		intent score.Intent
		lang   string
		want   string
	}{
		{score.IntentComplaint, "en", "en"},
		{score.IntentQuestion, "en", "question en"},
		{score.IntentQuestion, "pt-BR", "pt"},
		{score.IntentQuestion, "de", "question any"},
		{score.IntentComplaint, "de", "any"},
		{score.IntentComplaint, "pt-BR", "pt"},
	} {
		d, err := p.Decide(context.Background(), mkCase("1", "x", 1, tt.intent, tt.lang))
		require.NoError(t, err)
		assert.Equal(t, tt.want, d.Reply, "%s %s", tt.intent, tt.lang)
	}
}

func TestReplyDataFields(t *testing.T) {
	p := mustParse(t, `
name: t
sla: {P2: 2h}
teams: [care]
templates:
  all:
    default: "{{.Name}}|{{.Handle}}|{{.Product}}|{{.Place}}|{{.Quote}}|{{.Source}}|{{.Intent}}|{{.Language}}|{{.Priority}}|{{.Team}}|{{.RespondBy.Format \"15:04\"}}"
rules: [{name: r, when: "true", reply: all, priority: P2, route: care}]
`)
	c := mkCase("1", "the x2 in Lyon broke", 2, score.IntentComplaint, "en")
	c.Post.Source = "bluesky"
	c.Scores.About = []score.Entity{{Kind: "place", Name: "Lyon"}, {Kind: "product", Name: "X2"}}
	d, err := p.Decide(context.Background(), c)
	require.NoError(t, err)
	assert.Equal(t, "Maya|maya|X2|Lyon|the x2 in Lyon broke|bluesky|complaint|en|P2|care|11:55", d.Reply)
}
