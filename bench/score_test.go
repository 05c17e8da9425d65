package bench

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

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
// (sentiment, urgency, intent, language, spam, aspects, reasons) and with
// govader (sentiment only), reporting posts/s and, for Hark, allocations
// per post. Hark scores the batch with Scorer.ScoreAll, which gives each
// post the Result Score gives it; hark-each calls Score once per post.
// The -parallel variants run the batch on all GOMAXPROCS goroutines.
//
// On a shared machine the rate of one sub-benchmark moves with the load;
// two figures are therefore measured within each op: hark-vs-govader
// scores the batch with ScoreAll, with Score post by post and with
// govader, in turn, and reports each rate and the ratios (x-govader for
// ScoreAll, x-govader-each for Score) and the ratio of the process CPU
// time each took (x-govader-cpu, which a machine busy with other work
// disturbs less); hark-scaling scores the batch on one goroutine and then
// split over GOMAXPROCS goroutines, and reports the speed-up, the cores the
// split run got (its CPU time over its wall time) and its CPU time per
// post over the single goroutine's (cpu-cost, 1 when running on several
// cores costs nothing extra: no lock, no shared write).
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
	// scoreAll scores posts into out with ScoreAll, scoreEach with Score;
	// both return the sum of the urgencies, which the caller adds to sink.
	scoreAll := func(posts []hark.Post, out []score.Result) int {
		s.ScoreAll(posts, out)
		n := 0
		for i := range posts {
			n += out[i].Urgency
		}
		return n
	}
	scoreEach := func(posts []hark.Post) int {
		n := 0
		for _, p := range posts {
			n += s.Score(p).Urgency
		}
		return n
	}

	report := func(b *testing.B, n int) {
		b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "posts/s")
	}
	allocs := func(b *testing.B, run func()) {
		var ms0, ms1 runtime.MemStats
		runtime.ReadMemStats(&ms0)
		b.ResetTimer()
		run()
		b.StopTimer()
		runtime.ReadMemStats(&ms1)
		report(b, b.N*len(posts))
		b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/float64(b.N*len(posts)), "allocs/post")
	}
	b.Run("hark", func(b *testing.B) {
		out := make([]score.Result, len(posts))
		allocs(b, func() {
			for b.Loop() {
				sink.Add(int64(scoreAll(posts, out)))
			}
		})
	})
	b.Run("hark-each", func(b *testing.B) {
		allocs(b, func() {
			for b.Loop() {
				sink.Add(int64(scoreEach(posts)))
			}
		})
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
	b.Run("hark-vs-govader", func(b *testing.B) {
		out := make([]score.Result, len(posts))
		var th, te, tg, ch, cg time.Duration
		timed := func(t, c *time.Duration, run func()) {
			t0, c0 := time.Now(), cpuTime()
			run()
			*t, *c = *t+time.Since(t0), *c+cpuTime()-c0
		}
		var unused time.Duration
		runs := [3]func(){
			func() { timed(&th, &ch, func() { sink.Add(int64(scoreAll(posts, out))) }) },
			func() { timed(&te, &unused, func() { sink.Add(int64(scoreEach(posts))) }) },
			func() {
				timed(&tg, &cg, func() {
					for _, t := range texts {
						if gv.PolarityScores(t).Compound > 2 {
							sink.Add(1)
						}
					}
				})
			},
		}
		k := 0
		for b.Loop() {
			for j := range runs { // each goes first in turn
				runs[(k+j)%len(runs)]()
			}
			k++
		}
		n := float64(b.N * len(posts))
		b.ReportMetric(n/th.Seconds(), "hark-posts/s")
		b.ReportMetric(n/te.Seconds(), "hark-each-posts/s")
		b.ReportMetric(n/tg.Seconds(), "govader-posts/s")
		b.ReportMetric(tg.Seconds()/th.Seconds(), "x-govader")
		b.ReportMetric(tg.Seconds()/te.Seconds(), "x-govader-each")
		if ch > 0 {
			b.ReportMetric(cg.Seconds()/ch.Seconds(), "x-govader-cpu")
		}
	})
	b.Run("hark-parallel", func(b *testing.B) {
		allocs(b, func() {
			b.RunParallel(func(pb *testing.PB) {
				out := make([]score.Result, len(posts))
				n := 0 // one shared write per goroutine, not per post
				for pb.Next() {
					n += scoreAll(posts, out)
				}
				sink.Add(int64(n))
			})
		})
	})
	b.Run("hark-scaling", func(b *testing.B) {
		procs := runtime.GOMAXPROCS(0)
		out := make([]score.Result, len(posts))
		// the split run deals out chunks of posts in turn, so that each
		// goroutine gets posts of every kind
		const chunk = 64
		var t1, tp, c1, cp time.Duration
		for b.Loop() {
			t0, c0 := time.Now(), cpuTime()
			sink.Add(int64(scoreAll(posts, out)))
			t1, c1 = t1+time.Since(t0), c1+cpuTime()-c0
			t0, c0 = time.Now(), cpuTime()
			var wg sync.WaitGroup
			for g := range procs {
				wg.Go(func() {
					n := 0
					for i := g * chunk; i < len(posts); i += procs * chunk {
						j := min(i+chunk, len(posts))
						n += scoreAll(posts[i:j], out[i:j])
					}
					sink.Add(int64(n))
				})
			}
			wg.Wait()
			tp, cp = tp+time.Since(t0), cp+cpuTime()-c0
		}
		b.ReportMetric(float64(b.N*len(posts))/tp.Seconds(), "posts/s")
		b.ReportMetric(t1.Seconds()/tp.Seconds(), "speedup")
		b.ReportMetric(float64(procs), "procs")
		if c1 > 0 {
			b.ReportMetric(cp.Seconds()/tp.Seconds(), "cores")
			b.ReportMetric(cp.Seconds()/c1.Seconds(), "cpu-cost")
		}
	})
	b.Run("govader-parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() { // writes sink only in the impossible case
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
