package score

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkhq/hark"
)

// FuzzReadBrand reads any brand file and, when it reads, builds a scorer
// from it and scores text with it: a bad file is an error, never a panic,
// and a scorer that builds gives results in range. Seeds are in
// testdata/fuzz/FuzzReadBrand.
func FuzzReadBrand(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte, text string) {
		br, err := ReadBrand(bytes.NewReader(data))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "score: brand: ") {
				t.Fatalf("error without its context: %v", err)
			}
			return
		}
		s, err := New(WithBrand(br), WithoutModel())
		if err != nil {
			return
		}
		checkFuzzResult(t, s.Score(hark.Post{ID: "f", Text: text}))
	})
}

// FuzzReadCues reads any cue file, in either form, and scores text with
// the cues it reads. Seeds are in testdata/fuzz/FuzzReadCues.
func FuzzReadCues(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte, text string) {
		cs, err := ReadCues(bytes.NewReader(data))
		if err != nil {
			return
		}
		s, err := New(WithBrand(Brand{Cues: cs}), WithoutModel())
		if err != nil {
			return
		}
		checkFuzzResult(t, s.Score(hark.Post{ID: "f", Text: text}))
	})
}

func checkFuzzResult(t *testing.T, r Result) {
	t.Helper()
	if r.Sentiment < -1 || r.Sentiment > 1 || r.Urgency < 0 || r.Urgency > 3 || r.Confidence < 0 || r.Confidence > 1 ||
		r.Spam < 0 || r.Spam > 1 || !validIntent(r.Intent) {
		t.Fatalf("out of range: %+v", r)
	}
	for _, x := range r.Reasons {
		if !utf8.ValidString(x.Span) {
			t.Fatalf("reason %s span %q is not valid UTF-8", x.Code, x.Span)
		}
	}
}

// A 10 MB post, ten times what hark.Post.Validate lets through, is read up
// to the scorer's limit and scored, with the cut said; the next post is
// scored as if it had not been there.
func TestTenMegabytePost(t *testing.T) {
	s := newScorer(t)
	want := s.Score(post("my card was charged twice, please help"))
	r := s.Score(post(strings.Repeat("my card was charged twice 😡 ", (10<<20)/30)))
	checkRanges(t, r)
	assert.True(t, hasReason(r, "input.truncated"))
	require.Equal(t, want, s.Score(post("my card was charged twice, please help")))
}
