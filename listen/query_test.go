package listen_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/listen"
)

func TestQueryMatch(t *testing.T) {
	post := hark.Post{
		ID: "1", Source: "reddit", Lang: "pt-BR",
		Text:     "Still no Refund from @AcmeAir after 3 weeks!! Wi-Fi was broken too. #fail naïve São",
		Mentions: []string{"@acmeair"}, Tags: []string{"#Fail", "#travel"},
		Author: hark.Author{Handle: "@Jane"},
	}
	tests := []struct {
		q    string
		want bool
	}{
		{"refund", true},
		{"REFUND", true},
		{"refunds", false},
		{"refund*", true},
		{"ref?nd", true},
		{"*und", true},
		{"r*d", true},
		{"x*", false},
		{`"no refund"`, true},
		{`"refund no"`, false},
		{`"no   refund from"`, true},
		{"refund AND weeks", true},
		{"refund weeks", true},
		{"refund AND nothing", false},
		{"refund OR nothing", true},
		{"nothing OR nowhere", false},
		{"refund NOT weeks", false},
		{"refund -weeks", false},
		{"refund -(nothing OR nowhere)", true},
		{"NOT nothing", true},
		{"(refund OR nothing) AND (broken OR fine)", true},
		{"refund AND (nothing OR fine)", false},
		{"a OR refund AND weeks", true},
		{"refund OR nothing AND fine", true},
		{"@acmeair", true},
		{"@AcmeAir", true},
		{"@other", false},
		{"acmeair", true},
		{"#fail", true},
		{"#travel", true},
		{"fail", true},
		{"#refund", false},
		{"wi-fi", true},
		{"wi-fi-max", false},
		{"lang:pt", true},
		{"lang:pt-br", true},
		{"lang:p", false},
		{"lang:en", false},
		{"source:reddit", true},
		{"source:hn", false},
		{"-source:hn", true},
		{"author:jane", true},
		{"author:@jane", true},
		{"author:bob", false},
		{"naïve", true},
		{"NAÏVE", true},
		{"são", true},
		{"sao", false},
		{"and", false}, // lower-case operators are words
		{"3", true},
		{"refund && weeks", true},
		{"nothing || weeks", true},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			q, err := listen.Compile(tt.q)
			require.NoError(t, err)
			assert.Equal(t, tt.want, q.Match(&post))
			assert.Equal(t, tt.q, q.String())
		})
	}
}

func TestQuerySyntaxErrors(t *testing.T) {
	tests := []struct {
		q      string
		column int
		msg    string
	}{
		{"", 1, "empty query"},
		{"   ", 1, "empty query"},
		{"refund AND", 8, "AND needs a term after it"},
		{"AND refund", 1, "AND needs a term before it"},
		{"refund OR", 8, "OR needs a term after it"},
		{"(refund OR late", 1, "unmatched ("},
		{"refund)", 7, "unmatched )"},
		{"()", 1, "empty parentheses"},
		{`refund "late`, 8, "unterminated quote"},
		{"*", 1, "a wildcard needs at least one letter"},
		{"foo:bar", 1, `unknown field "foo"`},
		{"lang:", 1, "lang: needs a value"},
		{"refund NOT", 8, "NOT needs a term after it"},
		{`"refund*"`, 1, "wildcards are not allowed in a quoted phrase"},
		{"@", 1, "@ must be followed by one word"},
		{"été AND", 5, "AND needs a term after it"},
		{"a OR OR b", 3, "OR needs a term after it"},
		{"!!!", 1, `"!!!" holds no word`},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			_, err := listen.Compile(tt.q)
			require.Error(t, err)
			var se *listen.SyntaxError
			require.True(t, errors.As(err, &se))
			assert.Equal(t, tt.column, se.Column(), err.Error())
			assert.Contains(t, se.Msg, tt.msg)
			assert.True(t, strings.HasPrefix(err.Error(), "query: column "))
		})
	}
	assert.Panics(t, func() { listen.MustCompile("(") })
}

func TestQueryConcurrent(t *testing.T) {
	q := listen.MustCompile(`refund* "never arrived" OR #fail`)
	posts := []hark.Post{{Text: "refunded but never arrived"}, {Text: "nothing"}, {Text: "#fail"}}
	done := make(chan [3]bool, 4)
	for range 4 {
		go func() {
			var r [3]bool
			for range 200 {
				for i := range posts {
					r[i] = q.Match(&posts[i])
				}
			}
			done <- r
		}()
	}
	for range 4 {
		assert.Equal(t, [3]bool{true, false, true}, <-done)
	}
}

func FuzzQuery(f *testing.F) {
	for _, s := range []string{"refund", `a AND (b OR "c d") NOT e*`, "@acme #x lang:en source:hn author:bob", "(((", `"`, "-a -b", "é* ?x", "a:b:c", "NOT NOT a"} {
		f.Add(s, "refund never arrived @acme #x é")
	}
	f.Fuzz(func(t *testing.T, query, text string) {
		q, err := listen.Compile(query)
		if err != nil {
			var se *listen.SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error of type %T", err)
			}
			if se.Offset < 0 || se.Offset > len(query) {
				t.Fatalf("offset %d outside query of %d bytes", se.Offset, len(query))
			}
			return
		}
		p := hark.Post{Text: text}
		a := q.Match(&p)
		if b := q.Match(&p); a != b {
			t.Fatal("Match is not deterministic")
		}
		// NOT inverts.
		if n, err := listen.Compile("NOT (" + query + ")"); err == nil && n.Match(&p) == a {
			t.Fatalf("NOT (%s) gave the same answer", query)
		}
	})
}
