package bench

import (
	"cmp"
	"context"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/metrics"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"gonum.org/v1/gonum/graph/network"
	"gonum.org/v1/gonum/graph/simple"

	"github.com/harkhq/hark/influence"
)

// The ranking benchmark: one directed power-law graph of rankNodes authors
// and rankEdges distinct interactions (no self-loops, no repeated pair, so
// gonum's simple graph and Hark's edge list describe the same graph),
// damping 0.85, the same tolerance for both.
const (
	rankNodes   = 1_000_000
	rankEdges   = 10_000_000
	rankDamping = 0.85
	// rankTol is the stopping tolerance given to both: Hark stops on the
	// L1 norm of the change, gonum on its L2 norm (never larger than L1).
	rankTol = 1e-6
)

// powerLawGraph generates n nodes and m distinct directed edges by the
// Chung-Lu model: the source of each edge is drawn with probability
// proportional to a Zipf out-weight, the target to a Zipf in-weight (heavier
// tailed: a few authors are amplified by very many). Node IDs are shuffled
// so that hubs are scattered, as in real data. Deterministic for a seed.
func powerLawGraph(n, m int, seed uint64) (from, to []uint32) {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	outW := make([]float64, n)
	inW := make([]float64, n)
	for i := range n {
		outW[i] = math.Pow(float64(i+1), -0.6)
		inW[i] = math.Pow(float64(i+1), -0.8)
	}
	perm := r.Perm(n)
	src, dst := newAlias(outW), newAlias(inW)
	type cand struct {
		key uint64
		idx int
	}
	var keys []uint64
	for factor := 1.15; ; factor += 0.1 {
		for len(keys) < int(float64(m)*factor) {
			u := uint32(perm[src.draw(r)])
			v := uint32(perm[dst.draw(r)])
			if u != v {
				keys = append(keys, uint64(u)<<32|uint64(v))
			}
		}
		cs := make([]cand, len(keys))
		for i, k := range keys {
			cs[i] = cand{k, i}
		}
		slices.SortFunc(cs, func(a, b cand) int {
			if c := cmp.Compare(a.key, b.key); c != 0 {
				return c
			}
			return cmp.Compare(a.idx, b.idx)
		})
		keep := make([]bool, len(keys))
		uniq := 0
		for i, c := range cs {
			if i == 0 || c.key != cs[i-1].key {
				keep[c.idx] = true
				uniq++
			}
		}
		if uniq < m {
			continue
		}
		from, to = make([]uint32, 0, m), make([]uint32, 0, m)
		for i, k := range keys {
			if keep[i] && len(from) < m {
				from = append(from, uint32(k>>32))
				to = append(to, uint32(k))
			}
		}
		return from, to
	}
}

// alias is Vose's alias table for drawing from a discrete distribution.
type alias struct {
	prob  []float64
	alias []int
}

func newAlias(w []float64) alias {
	n := len(w)
	var sum float64
	for _, x := range w {
		sum += x
	}
	a := alias{prob: make([]float64, n), alias: make([]int, n)}
	p := make([]float64, n)
	var small, large []int
	for i, x := range w {
		p[i] = x * float64(n) / sum
		if p[i] < 1 {
			small = append(small, i)
		} else {
			large = append(large, i)
		}
	}
	for len(small) > 0 && len(large) > 0 {
		s, l := small[len(small)-1], large[len(large)-1]
		small = small[:len(small)-1]
		a.prob[s], a.alias[s] = p[s], l
		p[l] += p[s] - 1
		if p[l] < 1 {
			large = large[:len(large)-1]
			small = append(small, l)
		}
	}
	for _, i := range append(small, large...) {
		a.prob[i] = 1
	}
	return a
}

func (a alias) draw(r *rand.Rand) int {
	i := r.IntN(len(a.prob))
	if r.Float64() < a.prob[i] {
		return i
	}
	return a.alias[i]
}

type rankGraph struct {
	n        int
	from, to []uint32
}

var (
	rankGraphOnce sync.Once
	rankGraphData rankGraph
)

// benchGraph returns the benchmark graph, generated once per process.
// HARK_RANK_NODES and HARK_RANK_EDGES shrink it for a quick run.
func benchGraph(tb testing.TB) rankGraph {
	rankGraphOnce.Do(func() {
		n, m := envInt("HARK_RANK_NODES", rankNodes), envInt("HARK_RANK_EDGES", rankEdges)
		start := time.Now()
		from, to := powerLawGraph(n, m, 42)
		tb.Logf("generated %d nodes, %d edges in %v", n, m, time.Since(start).Round(time.Millisecond))
		rankGraphData = rankGraph{n, from, to}
	})
	return rankGraphData
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func rankHark(tb testing.TB, g rankGraph) []float64 {
	r, st, err := influence.PageRank(context.Background(), g.n, g.from, g.to, nil,
		influence.RankOptions{Damping: rankDamping, Tolerance: rankTol})
	if err != nil {
		tb.Fatal(err)
	}
	if !st.Converged {
		tb.Fatalf("hark did not converge: %+v", st)
	}
	return r
}

func rankGonum(g rankGraph) []float64 {
	dg := simple.NewDirectedGraph()
	for i := range g.n {
		dg.AddNode(simple.Node(i))
	}
	for i, u := range g.from {
		dg.SetEdge(simple.Edge{F: simple.Node(u), T: simple.Node(g.to[i])})
	}
	pr := network.PageRankSparse(dg, rankDamping, rankTol)
	r := make([]float64, g.n)
	for id, v := range pr {
		r[id] = v
	}
	return r
}

// agreement returns how many of the top 100 of a are in the top 100 of b,
// and the L1 distance of the two rank vectors.
func agreement(a, b []float64) (overlap int, l1 float64) {
	top := func(r []float64) []int {
		idx := make([]int, len(r))
		for i := range idx {
			idx[i] = i
		}
		slices.SortStableFunc(idx, func(i, j int) int { return cmp.Compare(r[j], r[i]) })
		return idx[:min(100, len(idx))]
	}
	ta := top(a)
	in := map[int]bool{}
	for _, i := range top(b) {
		in[i] = true
	}
	for _, i := range ta {
		if in[i] {
			overlap++
		}
	}
	for i := range a {
		l1 += math.Abs(a[i] - b[i])
	}
	return overlap, l1
}

// peakHeap samples the bytes of live and not yet swept heap objects every
// few milliseconds until stopped, and reports the highest value seen.
type peakHeap struct {
	stop chan struct{}
	done chan uint64
}

func startPeakHeap() *peakHeap {
	p := &peakHeap{stop: make(chan struct{}), done: make(chan uint64)}
	go func() {
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		var peak uint64
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			peak = max(peak, s[0].Value.Uint64())
			select {
			case <-p.stop:
				p.done <- peak
				return
			case <-t.C:
			}
		}
	}()
	return p
}

func (p *peakHeap) Stop() uint64 { close(p.stop); return <-p.done }

// processCPU returns the CPU time (user and system) the process used so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkRank builds and ranks the power-law graph. One op = build the
// graph from the edge list and rank it. peak-heap-MB is the highest heap
// in use during the ops above what was in use before (the edge list);
// cores is the CPU time of the process over the wall time of the ops (on a
// shared machine, less than 2 says the process did not get both cores), and
// cpu-ms/op the CPU time of one op.
// The gonum run also reports its agreement with Hark.
func BenchmarkRank(b *testing.B) {
	g := benchGraph(b)
	var ref []float64
	run := func(b *testing.B, rank func() []float64) []float64 {
		runtime.GC()
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		metrics.Read(s)
		base := s[0].Value.Uint64()
		ph := startPeakHeap()
		var r []float64
		cpu0 := processCPU()
		b.ResetTimer()
		for b.Loop() {
			r = rank()
		}
		b.StopTimer()
		cpu := processCPU() - cpu0
		peak := ph.Stop()
		b.ReportMetric(cpu.Seconds()/b.Elapsed().Seconds(), "cores")
		b.ReportMetric(cpu.Seconds()*1000/float64(b.N), "cpu-ms/op")
		b.ReportMetric(float64(peak-min(base, peak))/(1<<20), "peak-heap-MB")
		b.ReportMetric(float64(len(g.from))*float64(b.N)/b.Elapsed().Seconds(), "edges/s")
		return r
	}
	b.Run("hark", func(b *testing.B) {
		ref = run(b, func() []float64 { return rankHark(b, g) })
	})
	b.Run("gonum", func(b *testing.B) {
		r := run(b, func() []float64 { return rankGonum(g) })
		if ref == nil {
			ref = rankHark(b, g)
		}
		ov, l1 := agreement(ref, r)
		b.ReportMetric(float64(ov), "top100-overlap")
		b.ReportMetric(l1, "L1-diff")
	})
}

// TestRankAgreesWithGonum checks Hark's PageRank against gonum's on a
// power-law graph: 100,000 nodes and 1,000,000 edges by default (the full
// benchmark graph with HARK_RANK_NODES/HARK_RANK_EDGES).
func TestRankAgreesWithGonum(t *testing.T) {
	n, m := envInt("HARK_RANK_NODES", 100_000), envInt("HARK_RANK_EDGES", 1_000_000)
	if testing.Short() {
		n, m = 20_000, 200_000
	}
	from, to := powerLawGraph(n, m, 7)
	g := rankGraph{n, from, to}
	h, gn := rankHark(t, g), rankGonum(g)
	ov, l1 := agreement(h, gn)
	t.Logf("%d nodes, %d edges: top-100 overlap %d, L1 %.3g", n, m, ov, l1)
	if ov < 99 || l1 >= 1e-3 {
		t.Errorf("top-100 overlap %d (want >= 99), L1 %.3g (want < 1e-3)", ov, l1)
	}
	// Deterministic, whatever the number of workers.
	one, _, err := influence.PageRank(context.Background(), n, from, to, nil,
		influence.RankOptions{Damping: rankDamping, Tolerance: rankTol, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(one, h) {
		t.Error("one worker and many give different ranks")
	}
}

// BenchmarkGraphMemory builds Hark's interaction graph of rankNodes authors
// (string keys) and rankEdges interactions through Graph.Add, and ranks it
// with time decay. peak-heap-MB is the most heap the graph and its ranking
// held at once, keys included; graph-MB what the graph holds after.
func BenchmarkGraphMemory(b *testing.B) {
	g := benchGraph(b)
	for b.Loop() {
		b.StopTimer()
		runtime.GC()
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		metrics.Read(s)
		base := s[0].Value.Uint64()
		ph := startPeakHeap()
		b.StartTimer()
		keys := make([]string, g.n)
		for i := range keys {
			keys[i] = "author-" + strconv.Itoa(i)
		}
		t0 := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
		gr := influence.NewGraph(0)
		for i, u := range g.from {
			gr.Add(keys[u], keys[g.to[i]], influence.Kind(i%3), t0.Add(time.Duration(i)*time.Second/16))
		}
		keys = nil
		runtime.GC()
		metrics.Read(s)
		held := s[0].Value.Uint64() - base
		now := t0.Add(time.Duration(len(g.from)) * time.Second / 16)
		r, st, err := gr.Rank(context.Background(), now, influence.RankOptions{})
		if err != nil || !st.Converged {
			b.Fatal(err, st)
		}
		b.StopTimer()
		peak := ph.Stop()
		b.ReportMetric(float64(held)/(1<<20), "graph-MB")
		b.ReportMetric(float64(peak-min(base, peak))/(1<<20), "peak-heap-MB")
		b.ReportMetric(float64(st.Iterations), "iterations")
		runtime.KeepAlive(gr)
		runtime.KeepAlive(r)
		b.StartTimer()
	}
}
