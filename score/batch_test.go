package score

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/harkhq/hark"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// batchPosts are the labelled posts of testdata (with their declared
// languages on every other post) and a few that take the rarer paths:
// empty and odd texts, a truncated one, spam by its author, a viral one.
func batchPosts(t *testing.T) []hark.Post {
	t.Helper()
	var out []hark.Post
	for _, row := range labelledTexts(t, "testdata/*/*.jsonl") {
		p := post(row.Text)
		if len(out)%2 == 1 {
			p.Lang = row.Lang
		}
		out = append(out, p)
	}
	require.Greater(t, len(out), 1000)
	created := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	spam := post("FREE followers!! click here http://x.co/a")
	spam.Created = created
	spam.Author = hark.Author{Followers: 3, Following: 4000, Posts: 9000, Created: created.Add(-48 * time.Hour)}
	viral := post("this airline lost my bag and laughed at me, disgusting service")
	viral.Metrics.Reposts = 4000
	for _, x := range []string{"", " ", "\x00\xff\xfe", "😀", "@a @b @c", "#", "&amp;&lt;&#39;", "\u200b\u200d\ufe0f"} {
		out = append(out, post(x))
	}
	return append(out, spam, viral, post(strings.Repeat("my card was charged twice 😡 ", 2000)))
}

// ScoreAll gives what Score gives, post by post, whatever the number of
// posts and the configuration.
func TestScoreAllEqualsScore(t *testing.T) {
	posts := batchPosts(t)
	for _, opts := range [][]Option{
		nil,
		{WithoutModel()},
		{WithBrand(Brand{Name: "Acme", Handles: []string{"@acme"}, Neutral: []string{"War Zone"}, Products: []string{"Fire Stick"},
			Cues: []Cue{{Code: "urgency.custom", Phrases: []string{"store closed"}, Urgency: 2}}}), WithMaxBytes(100), WithMaxReasons(3)},
	} {
		s := newScorer(t, opts...)
		want := make([]Result, len(posts))
		for i, p := range posts {
			want[i] = s.Score(p)
		}
		for _, n := range []int{0, 1, batchSize - 1, batchSize, batchSize + 1, 3*batchSize + 5, len(posts)} {
			got := make([]Result, n+1)
			got[n] = Result{Intent: "untouched"}
			s.ScoreAll(posts[:n], got)
			require.Equal(t, want[:n], got[:n], "%d posts", n)
			assert.Equal(t, Intent("untouched"), got[n].Intent, "out past len(posts) is left alone")
		}
	}
}

// The Results of one call share memory, but appending to one's Reasons or
// About leaves the others alone.
func TestScoreAllResultsApart(t *testing.T) {
	s := newScorer(t)
	posts := []hark.Post{post("my card was charged twice, refund please @acme"), post("the delivery app keeps crashing at checkout 😡")}
	out := make([]Result, 2)
	s.ScoreAll(posts, out)
	want := s.Score(posts[1])
	require.NotEmpty(t, out[0].Reasons)
	require.NotEmpty(t, out[0].About)
	_ = append(out[0].Reasons, hark.Reason{Code: "x"})
	_ = append(out[0].About, Entity{Kind: "x"})
	assert.Equal(t, want, out[1])
}

func TestScoreAllShortOut(t *testing.T) {
	s := newScorer(t)
	assert.Panics(t, func() { s.ScoreAll(make([]hark.Post, 3), make([]Result, 2)) })
}

// ScoreAll and Score share a Scorer safely.
func TestScoreAllConcurrent(t *testing.T) {
	s := newScorer(t)
	posts := batchPosts(t)[:200]
	want := make([]Result, len(posts))
	for i, p := range posts {
		want[i] = s.Score(p)
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			got := make([]Result, len(posts))
			for n := range 5 {
				if (g+n)%2 == 0 {
					s.ScoreAll(posts, got)
				} else {
					for i, p := range posts {
						got[i] = s.Score(p)
					}
				}
				assert.Equal(t, want, got)
			}
		})
	}
	wg.Wait()
}
