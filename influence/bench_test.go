package influence

import (
	"context"
	"testing"
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
