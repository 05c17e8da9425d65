package score

import (
	"testing"

	"github.com/harkhq/hark"
)

// carePosts are the customer-care posts of testdata/care.
func carePosts(b *testing.B) []hark.Post {
	var out []hark.Post
	for _, row := range labelledTexts(b, "testdata/care/*.jsonl") {
		if row.Text != "" {
			out = append(out, hark.Post{ID: "b", Text: row.Text})
		}
	}
	return out
}

// BenchmarkScore scores the care posts, one op being the whole set, on one
// goroutine (post by post with Score, and all at once with ScoreAll) and
// on GOMAXPROCS goroutines.
func BenchmarkScore(b *testing.B) {
	posts := carePosts(b)
	s, err := New()
	if err != nil {
		b.Fatal(err)
	}
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		n := 0
		for b.Loop() {
			for _, p := range posts {
				n += s.Score(p).Urgency
			}
		}
		b.ReportMetric(float64(b.N*len(posts))/b.Elapsed().Seconds(), "posts/s")
	})
	b.Run("all", func(b *testing.B) {
		b.ReportAllocs()
		out := make([]Result, len(posts))
		for b.Loop() {
			s.ScoreAll(posts, out)
		}
		b.ReportMetric(float64(b.N*len(posts))/b.Elapsed().Seconds(), "posts/s")
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			n := 0
			for pb.Next() {
				for _, p := range posts {
					n += s.Score(p).Urgency
				}
			}
		})
		b.ReportMetric(float64(b.N*len(posts))/b.Elapsed().Seconds(), "posts/s")
	})
}
