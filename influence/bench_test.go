package influence

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/score"
)

// BenchmarkObserve measures Observe on the generated week, replayed.
func BenchmarkObserve(b *testing.B) {
	w := genWeek(1)
	tr := NewTracker()
	n := 0
	for b.Loop() {
		x := w.posts[n%len(w.posts)]
		x.p.ID = x.p.ID + "/" + string(rune('a'+n/len(w.posts)%26))
		if err := tr.Observe(x.p, x.s); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "posts/s")
}

// BenchmarkTop measures ranking the generated week's graph and listing
// its authors.
func BenchmarkTop(b *testing.B) {
	w := genWeek(1)
	tr := NewTracker()
	for _, x := range w.posts {
		if err := tr.Observe(x.p, x.s); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		if _, err := tr.Rank(context.Background()); err != nil {
			b.Fatal(err)
		}
		if _, err := tr.Top(10); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTrackerMemory observes 1,000,000 posts by 100,000 authors, each
// a repost, reply or mention of another author's post (power-law
// choice of whom), and reports the heap the tracker holds: profiles, post
// index and graph.
func BenchmarkTrackerMemory(b *testing.B) {
	const authors, posts = 100_000, 1_000_000
	r := rand.New(rand.NewPCG(1, 2))
	keys := make([]hark.Author, authors)
	for i := range keys {
		keys[i] = hark.Author{ID: fmt.Sprint("a", i), Handle: fmt.Sprint("@a", i), Followers: int64(r.IntN(5000))}
	}
	pick := func() int { return min(int(r.ExpFloat64()*authors/20), authors-1) }
	res := score.Result{Label: score.LabelNeutral, Intent: score.IntentOther}
	for b.Loop() {
		runtime.GC()
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		tr := NewTracker()
		for i := range posts {
			p := hark.Post{ID: fmt.Sprint(i), Source: "bluesky", Text: "a post", Author: keys[r.IntN(authors)],
				Created: t0.Add(time.Duration(i) * time.Second)}
			switch i % 3 {
			case 0:
				p.RepostOf = fmt.Sprint(max(0, i-1-pick()))
			case 1:
				p.ParentID = fmt.Sprint(max(0, i-1-pick()))
			case 2:
				p.Mentions = []string{keys[pick()].Handle}
			}
			if err := tr.Observe(p, res); err != nil {
				b.Fatal(err)
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&m1)
		a, e, _ := tr.Stats()
		b.ReportMetric(float64(m1.HeapAlloc-m0.HeapAlloc)/(1<<20), "heap-MB")
		b.ReportMetric(float64(a), "authors")
		b.ReportMetric(float64(e), "interactions")
		runtime.KeepAlive(tr)
	}
}
