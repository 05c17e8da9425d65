package score

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/harkhq/hark"
)

// carePosts are the customer-care posts of testdata/care.
func carePosts(b *testing.B) []hark.Post {
	b.Helper()
	files, err := filepath.Glob("testdata/care/*.jsonl")
	if err != nil || len(files) == 0 {
		b.Skip("no care set")
	}
	sort.Strings(files)
	var out []hark.Post
	for _, fn := range files {
		f, err := os.Open(fn)
		if err != nil {
			b.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var r struct {
				Text string `json:"text"`
			}
			if json.Unmarshal(sc.Bytes(), &r) == nil && r.Text != "" {
				out = append(out, hark.Post{ID: "b", Text: r.Text})
			}
		}
		f.Close()
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
