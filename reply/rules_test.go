package reply_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/reply"
	"github.com/harkhq/hark/score"
)

func TestRulesPrepare(t *testing.T) {
	post := hark.Post{ID: "1", Lang: "en", Author: hark.Author{ID: "bob@example.social", Handle: "@bob@example.social"}}
	tests := []struct {
		name  string
		rules reply.Rules
		text  string
		lang  string
		want  string
		err   error
	}{
		{name: "plain", text: "Thanks, we are on it.", want: "Thanks, we are on it."},
		{name: "author mention kept", text: "@bob@example.social thanks!", want: "@bob@example.social thanks!"},
		{name: "author local mention kept", text: "Hi @bob, sorry.", want: "Hi @bob, sorry."},
		{name: "others neutralised", text: "Hi @bob, @carol and ＠dave will help.", want: "Hi @bob, carol and dave will help."},
		{name: "reddit user neutralised", text: "ask u/carol or /u/dave", want: "ask carol or dave"},
		{name: "markup escaped", text: "<b>sorry</b> <!channel>", want: "‹b›sorry‹/b› ‹!channel›"},
		{name: "invisible removed", text: "sor\u200bry\u202e", want: "sorry"},
		{name: "lines kept", text: "Sorry.\n\nWe refunded you.", want: "Sorry.\n\nWe refunded you."},
		{name: "link refused", text: "see https://evil.example.com/x", err: reply.ErrLink},
		{name: "bare domain refused", text: "see evil.example.com", err: reply.ErrLink},
		{name: "email refused", text: "write to help@acme.com", err: reply.ErrLink},
		{name: "allowed link", rules: reply.Rules{LinkDomains: []string{"acme.com"}}, text: "see https://help.acme.com/refunds.", want: "see https://help.acme.com/refunds."},
		{name: "lookalike domain refused", rules: reply.Rules{LinkDomains: []string{"acme.com"}}, text: "see https://evilacme.com/x", err: reply.ErrLink},
		{name: "userinfo refused", rules: reply.Rules{LinkDomains: []string{"acme.com"}}, text: "see https://acme.com@evil.io/", err: reply.ErrLink},
		{name: "too long", rules: reply.Rules{MaxChars: 10}, text: "this is longer than ten", err: reply.ErrTooLong},
		{name: "empty", text: "\u200b  ", err: reply.ErrEmpty},
		{name: "language mismatch", rules: reply.Rules{Detect: fakeDetect}, text: "Lo sentimos", err: reply.ErrLanguage},
		{name: "language of the draft", rules: reply.Rules{Detect: fakeDetect}, text: "Lo sentimos", lang: "es", want: "Lo sentimos"},
		{name: "language region ok", rules: reply.Rules{Detect: fakeDetect}, text: "Sorry", lang: "en-GB", want: "Sorry"},
		{name: "language unsure", rules: reply.Rules{Detect: fakeDetect}, text: "ok", want: "ok"},
		{name: "any language", rules: reply.Rules{AnyLanguage: true, Detect: fakeDetect}, text: "Lo sentimos", want: "Lo sentimos"},
		{name: "mention author first", rules: reply.Rules{MentionAuthor: true}, text: "Sorry!", want: "@bob@example.social Sorry!"},
		{name: "mention author not twice", rules: reply.Rules{MentionAuthor: true}, text: "@bob sorry!", want: "@bob sorry!"},
		{name: "mention counts in length", rules: reply.Rules{MentionAuthor: true, MaxChars: 20}, text: "Sorry about it", err: reply.ErrTooLong},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.rules.Prepare(reply.Draft{Key: "k", Post: post, Text: tt.text, Lang: tt.lang})
			if tt.err != nil {
				require.ErrorIs(t, err, tt.err)
				assert.True(t, reply.Permanent(err))
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			again, err := tt.rules.Prepare(reply.Draft{Key: "k", Post: post, Text: got, Lang: tt.lang})
			require.NoError(t, err)
			assert.Equal(t, got, again, "idempotent")
		})
	}
}

// fakeDetect tells Spanish by one word, English by another.
func fakeDetect(s string) string {
	switch {
	case strings.Contains(s, "sentimos"):
		return "es"
	case strings.Contains(s, "Sorry"):
		return "en"
	}
	return "und"
}

func TestDetectWithScorer(t *testing.T) {
	s, err := score.New()
	require.NoError(t, err)
	detect := reply.DetectWith(s)
	assert.Equal(t, "es", detect("Lo sentimos mucho, ya hemos enviado el reembolso y el pedido llega mañana."))
	assert.Equal(t, "en", detect("We are so sorry, the refund is on its way and the order arrives tomorrow."))
	post := hark.Post{ID: "1", Lang: "es", Author: hark.Author{Handle: "@bob"}}
	_, err = reply.Rules{Detect: detect}.Prepare(reply.Draft{Key: "k", Post: post,
		Text: "We are so sorry, the refund is on its way and the order arrives tomorrow."})
	require.ErrorIs(t, err, reply.ErrLanguage)
}

func TestCountX(t *testing.T) {
	assert.Equal(t, 5, reply.CountX("hello"))
	assert.Equal(t, 4, reply.CountX("日本"))
	assert.Equal(t, 23+1+2, reply.CountX("https://example.com/"+strings.Repeat("a", 100)+" hi"))
	assert.Equal(t, 280, reply.CountX(strings.Repeat("a", 280)))
	assert.Equal(t, 280, reply.CountX(strings.Repeat("日", 140)))
}

func TestSameText(t *testing.T) {
	assert.True(t, reply.SameText("@bob@example.social Sorry,  we\nare on it.", "@bob Sorry, we are on it."))
	assert.False(t, reply.SameText("Sorry, we are on it.", "Sorry, we are on it!"))
}

func FuzzPrepare(f *testing.F) {
	for _, s := range []string{"hi @bob", "see https://acme.com/x", "<b>x</b>", "a@b.co", "u/x y", "\u202e\u200b", "Sorry.\n\nx"} {
		f.Add(s)
	}
	post := hark.Post{ID: "1", Author: hark.Author{Handle: "@bob@example.social"}}
	rules := reply.Rules{LinkDomains: []string{"acme.com"}}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := rules.Prepare(reply.Draft{Key: "k", Post: post, Text: s})
		if err != nil {
			return
		}
		again, err := rules.Prepare(reply.Draft{Key: "k", Post: post, Text: got})
		if err != nil || again != got {
			t.Fatalf("not idempotent: %q -> %q -> %q (%v)", s, got, again, err)
		}
		for w := range strings.FieldsSeq(got) {
			if strings.ContainsAny(w, "<>") {
				t.Fatalf("markup left in %q", got)
			}
			if strings.ContainsAny(w, "@＠﹫") && !strings.HasPrefix(strings.ToLower(strings.Trim(w, "([{\"'.,!?:;)]}")), "@bob") {
				t.Fatalf("mention of another left in %q", got)
			}
		}
	})
}

func TestRulesParts(t *testing.T) {
	post := hark.Post{ID: "1", Author: hark.Author{Handle: "@bob@example.social"}}
	r := reply.Rules{Platform: "mastodon", MaxChars: 60, MentionAuthor: true, Thread: true}
	text := "We are sorry about the double charge on your card. The refund of both payments went out today and reaches you within three days."
	parts, err := r.Parts(reply.Draft{Key: "k", Post: post, Text: text})
	require.NoError(t, err)
	require.Greater(t, len(parts), 1)
	var words []string
	for i, p := range parts {
		assert.LessOrEqual(t, len([]rune(p)), 60, p)
		assert.True(t, strings.HasPrefix(p, "@bob@example.social "), "each part mentions the author: %q", p)
		suffix := fmt.Sprintf(" (%d/%d)", i+1, len(parts))
		require.True(t, strings.HasSuffix(p, suffix), p)
		words = append(words, strings.Fields(strings.TrimSuffix(strings.TrimPrefix(p, "@bob@example.social "), suffix))...)
	}
	assert.Equal(t, strings.Fields(text), words, "nothing lost, nothing added")

	one, err := r.Parts(reply.Draft{Key: "k", Post: post, Text: "Sorry!"})
	require.NoError(t, err)
	assert.Equal(t, []string{"@bob@example.social Sorry!"}, one)

	r.Thread = false
	_, err = r.Parts(reply.Draft{Key: "k", Post: post, Text: text})
	require.ErrorIs(t, err, reply.ErrTooLong)
	r.Thread = true
	_, err = r.Parts(reply.Draft{Key: "k", Post: post, Text: strings.Repeat("x", 61)})
	require.ErrorIs(t, err, reply.ErrTooLong, "a word longer than a part")
	_, err = r.Parts(reply.Draft{Key: "k", Post: post, Text: strings.Repeat("word ", 400)})
	require.ErrorIs(t, err, reply.ErrTooLong, "too many parts")
}
