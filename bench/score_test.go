package bench

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"sync/atomic"
	"testing"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/score"
	"github.com/jonreiter/govader"
)

// careTexts are the customer-care posts of score/testdata/care: real-length
// social posts in several languages, with emoji, hashtags and handles.
func careTexts(b *testing.B) []string {
	b.Helper()
	files, err := filepath.Glob("../score/testdata/care/*.jsonl")
	if err != nil || len(files) == 0 {
		b.Skip("no care set")
	}
	sort.Strings(files)
	var out []string
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
				out = append(out, r.Text)
			}
		}
		f.Close()
	}
	return out
}

// BenchmarkScore scores the same batch of posts per op with Hark's scorer
// (sentiment, urgency, intent, language, spam, reasons) and with govader
// (sentiment only), reporting posts/s and, for Hark, allocations per post.
// The -parallel variants run the batch on all GOMAXPROCS goroutines.
func BenchmarkScore(b *testing.B) {
	texts := careTexts(b)
	posts := make([]hark.Post, len(texts))
	for i, t := range texts {
		posts[i] = hark.Post{ID: "b", Text: t}
	}
	s, err := score.New()
	if err != nil {
		b.Fatal(err)
	}
	gv := govader.NewSentimentIntensityAnalyzer()
	var sink atomic.Int64

	report := func(b *testing.B, n int) {
		b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "posts/s")
	}
	b.Run("hark", func(b *testing.B) {
		var ms0, ms1 runtime.MemStats
		runtime.ReadMemStats(&ms0)
		b.ResetTimer()
		for b.Loop() {
			for _, p := range posts {
				sink.Add(int64(s.Score(p).Urgency))
			}
		}
		b.StopTimer()
		runtime.ReadMemStats(&ms1)
		report(b, b.N*len(posts))
		b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/float64(b.N*len(posts)), "allocs/post")
	})
	b.Run("govader", func(b *testing.B) {
		for b.Loop() {
			for _, t := range texts {
				if gv.PolarityScores(t).Compound > 2 {
					sink.Add(1)
				}
			}
		}
		report(b, b.N*len(posts))
	})
	b.Run("hark-parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				for _, p := range posts {
					sink.Add(int64(s.Score(p).Urgency))
				}
			}
		})
		report(b, b.N*len(posts))
	})
	b.Run("govader-parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				for _, t := range texts {
					if gv.PolarityScores(t).Compound > 2 {
						sink.Add(1)
					}
				}
			}
		})
		report(b, b.N*len(posts))
	})
}
