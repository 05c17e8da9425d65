package influence

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
)

// RankOptions configure [PageRank]. The zero value asks for the defaults.
type RankOptions struct {
	// Damping is the probability of following an edge rather than jumping
	// to a random node; 0 means 0.85.
	Damping float64
	// Tolerance ends the iteration when the L1 norm of the change of the
	// rank vector (which sums to 1) falls below it; 0 means 1e-6.
	Tolerance float64
	// MaxIterations bounds the work; 0 means 200. Reaching it is not an
	// error: [RankStats.Converged] says so.
	MaxIterations int
	// With a Tolerance of 5e-7 or more, the shares the iteration reads at
	// random are held in float32, halving the memory it touches; the ranks
	// themselves are float64 either way.
	//
	// Workers is how many goroutines share the work; 0 means
	// runtime.GOMAXPROCS(0). The result does not depend on it: every sum
	// is taken in the same order whatever the split.
	Workers int
}

func (o RankOptions) withDefaults() RankOptions {
	if o.Damping == 0 {
		o.Damping = 0.85
	}
	if o.Tolerance == 0 {
		o.Tolerance = 1e-6
	}
	if o.MaxIterations == 0 {
		o.MaxIterations = 200
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	return o
}

// RankStats describe one ranking run.
type RankStats struct {
	Nodes      int
	Edges      int
	Iterations int
	// Delta is the L1 change of the last iteration.
	Delta     float64
	Converged bool
}

// Errors of [PageRank].
var (
	ErrBadEdges   = errors.New("influence: edge lists of different lengths")
	ErrNodeRange  = errors.New("influence: edge endpoint out of range")
	ErrBadOptions = errors.New("influence: bad rank options")
)

// PageRank returns the PageRank of the n nodes of the directed graph whose
// i-th edge goes from from[i] to to[i], with weight weight[i] (nil: every
// edge weighs 1; several edges between two nodes add up). A node spreads its
// rank over its out-edges in proportion to their weights; the rank of nodes
// without out-edges (dangling) is spread evenly over all nodes, as gonum's
// network.PageRank does. The returned vector sums to 1.
//
// The graph is put in compressed sparse row form (in-edges by target) and
// ranked by power iteration split over opts.Workers goroutines. The result
// is identical for identical input and options, whatever the number of
// workers. It stops early with ctx's error if ctx is done.
func PageRank(ctx context.Context, n int, from, to []uint32, weight []float32, opts RankOptions) ([]float64, RankStats, error) {
	if len(from) != len(to) || (weight != nil && len(weight) != len(from)) {
		return nil, RankStats{}, ErrBadEdges
	}
	es := edgeChunks{from: [][]uint32{from}, to: [][]uint32{to}}
	if weight != nil {
		es.w = [][]float32{weight}
		es.mode = weightLinear
	}
	return pageRank(ctx, n, es, opts)
}

type weightMode uint8

const (
	weightNone   weightMode = iota // every edge weighs 1
	weightLinear                   // w[i]
	weightExp2                     // 2^(w[i]-shift): log2 weights, for time decay
)

// edgeChunks is an edge list held in chunks, so that a growing graph need
// not copy it into one slice to rank it.
type edgeChunks struct {
	from, to [][]uint32
	w        [][]float32
	mode     weightMode
	shift    float32
	// minOut, if positive, is the least total out-weight a node is
	// normalised by: a node whose edges weigh less in all (decayed ones)
	// passes only that share along them, and the rest is spread evenly,
	// as a dangling node's is.
	minOut float64
}

func (es *edgeChunks) weight(c, i int) float64 {
	switch es.mode {
	case weightLinear:
		return float64(es.w[c][i])
	case weightExp2:
		return math.Exp2(float64(es.w[c][i] - es.shift))
	}
	return 1
}

// csr is a graph in compressed sparse row form by target: the in-edges of
// node v are src[off[v]:off[v+1]] with weights w[...] (nil: all 1).
type csr struct {
	n    int
	off  []uint32
	src  []uint32
	w    []float32
	outW []float64 // total out-weight per node
}

func pageRank(ctx context.Context, n int, es edgeChunks, opts RankOptions) ([]float64, RankStats, error) {
	opts = opts.withDefaults()
	if !(opts.Damping > 0 && opts.Damping < 1) || !(opts.Tolerance > 0) || opts.MaxIterations < 0 {
		return nil, RankStats{}, fmt.Errorf("%w: damping %v, tolerance %v", ErrBadOptions, opts.Damping, opts.Tolerance)
	}
	if n < 0 || n > math.MaxUint32 {
		return nil, RankStats{}, fmt.Errorf("%w: %d nodes", ErrNodeRange, n)
	}
	g, err := buildCSR(n, &es, opts.Workers)
	if err != nil {
		return nil, RankStats{}, err
	}
	if err := ctx.Err(); err != nil {
		return nil, RankStats{}, err
	}
	return g.rank(ctx, opts, es.minOut)
}

// split returns workers+1 bounds splitting [0,n) into contiguous ranges.
func split(n, workers int) []int {
	if workers > n {
		workers = max(n, 1)
	}
	b := make([]int, workers+1)
	for i := range b {
		b[i] = int(int64(n) * int64(i) / int64(workers))
	}
	return b
}

// parallel runs f(w) for w in [0,k) on k goroutines and waits.
func parallel(k int, f func(w int)) {
	if k == 1 {
		f(0)
		return
	}
	var wg sync.WaitGroup
	for w := range k {
		wg.Go(func() { f(w) })
	}
	wg.Wait()
}

// buildCSR builds the in-edge CSR. The edges are split among the workers
// in contiguous runs; each counts and then places its own, at positions
// that put a node's in-edges in edge order whatever the number of workers.
func buildCSR(n int, es *edgeChunks, workers int) (*csr, error) {
	m := 0
	starts := make([]int, len(es.from)+1) // global index of each chunk's first edge
	for c := range es.from {
		if len(es.from[c]) != len(es.to[c]) || (es.mode != weightNone && len(es.w[c]) != len(es.from[c])) {
			return nil, ErrBadEdges
		}
		m += len(es.from[c])
		starts[c+1] = m
	}
	if m > math.MaxUint32 {
		return nil, fmt.Errorf("%w: %d edges", ErrBadEdges, m)
	}
	g := &csr{n: n, off: make([]uint32, n+1), outW: make([]float64, n)}
	k := max(1, min(workers, m/(1<<16)))
	eb := split(m, k)
	k = len(eb) - 1
	// each calls f(c, lo, hi) for the parts of chunks in the edge range of
	// worker w.
	each := func(w int, f func(c, lo, hi int)) {
		for c := range es.from {
			lo, hi := max(eb[w], starts[c]), min(eb[w+1], starts[c+1])
			if lo < hi {
				f(c, lo-starts[c], hi-starts[c])
			}
		}
	}
	errs := make([]error, k)
	// Pass 1: each worker counts the in-degrees (and, unweighted, the
	// out-degrees) of its edges.
	cnt := make([][]uint32, k)
	var outc [][]uint32
	if es.mode == weightNone {
		outc = make([][]uint32, k)
	}
	parallel(k, func(w int) {
		cw := make([]uint32, n)
		cnt[w] = cw
		var ow []uint32
		if outc != nil {
			ow = make([]uint32, n)
			outc[w] = ow
		}
		each(w, func(c, lo, hi int) {
			from, to := es.from[c][lo:hi], es.to[c][lo:hi]
			for i, u := range from {
				v := to[i]
				if u >= uint32(n) || v >= uint32(n) {
					if errs[w] == nil {
						errs[w] = fmt.Errorf("%w: edge %d->%d with %d nodes", ErrNodeRange, u, v, n)
					}
					continue
				}
				cw[v]++
				if ow != nil {
					ow[u]++
				}
			}
		})
	})
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	// Merge: in-degrees into off, out-degrees into outW, and each
	// worker's count turned into its first position relative to off[v].
	nb := split(n, k)
	parallel(k, func(w int) {
		for v := nb[w]; v < nb[w+1]; v++ {
			var sum, out uint32
			for x := range k {
				c := cnt[x][v]
				cnt[x][v] = sum
				sum += c
				if outc != nil {
					out += outc[x][v]
				}
			}
			g.off[v+1] = sum
			g.outW[v] = float64(out)
		}
	})
	outc = nil
	for v := range n {
		g.off[v+1] += g.off[v]
	}
	g.src = make([]uint32, m)
	if es.mode != weightNone {
		g.w = make([]float32, m)
	}
	// Pass 2: each worker places its edges.
	parallel(k, func(w int) {
		pos := cnt[w]
		each(w, func(c, lo, hi int) {
			from, to := es.from[c], es.to[c]
			for i := lo; i < hi; i++ {
				v := to[i]
				p := g.off[v] + pos[v]
				pos[v]++
				g.src[p] = from[i]
				if g.w != nil {
					wt := float32(es.weight(c, i))
					if !(wt >= 0) || math.IsInf(float64(wt), 0) {
						if errs[w] == nil {
							errs[w] = fmt.Errorf("%w: edge %d->%d has weight %v", ErrBadEdges, from[i], v, wt)
						}
						wt = 0
					}
					g.w[p] = wt
				}
			}
		})
	})
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if g.w != nil {
		// Out-weights, summed in CSR order: the same whatever the split.
		for v := range n {
			for p := g.off[v]; p < g.off[v+1]; p++ {
				g.outW[g.src[p]] += float64(g.w[p])
			}
		}
	}
	return g, nil
}

// rankBlock is the size of the node blocks whose partial sums are combined
// in order; it makes the sums independent of the number of workers.
const rankBlock = 1 << 12

// float32Tolerance is the least tolerance for which the iteration keeps
// the shares it reads at random (x[u]/outW[u]) in float32: their rounding
// (a relative 6e-8) stays well under such a tolerance.
const float32Tolerance = 5e-7

func (g *csr) rank(ctx context.Context, opts RankOptions, minOut float64) ([]float64, RankStats, error) {
	if opts.Tolerance >= float32Tolerance {
		return rankWith[float32](ctx, g, opts, minOut)
	}
	return rankWith[float64](ctx, g, opts, minOut)
}

func rankWith[T float32 | float64](ctx context.Context, g *csr, opts RankOptions, minOut float64) ([]float64, RankStats, error) {
	n := g.n
	st := RankStats{Nodes: n, Edges: len(g.src)}
	if n == 0 {
		st.Converged = true
		return []float64{}, st, nil
	}
	x := make([]float64, n)
	nx := make([]float64, n)
	// y[u] = x[u] / outW[u]: what u gives along one unit of out-weight.
	y := make([]T, n)
	ny := make([]T, n)
	inv := make([]float64, n)
	// leak[u] is the share of u's rank spread evenly: 1 for dangling
	// nodes, and with minOut the share its decayed edges do not carry.
	var leak []float64
	if minOut > 0 {
		leak = make([]float64, n)
	}
	for u, w := range g.outW {
		if w > 0 {
			inv[u] = 1 / max(w, minOut)
		}
		if leak != nil {
			leak[u] = 1 - w*inv[u]
		}
	}
	nb := (n + rankBlock - 1) / rankBlock
	dang := make([]float64, nb)  // dangling mass per block
	delta := make([]float64, nb) // L1 change per block
	// Workers take runs of blocks from a shared counter, so that a worker
	// the system holds back does not hold the others.
	workers := min(opts.Workers, nb)
	const run = 8
	x0 := 1 / float64(n)
	for i := range x {
		x[i] = x0
		y[i] = T(x0 * inv[i])
		switch {
		case leak != nil:
			dang[i/rankBlock] += x0 * leak[i]
		case inv[i] == 0:
			dang[i/rankBlock] += x0
		}
	}
	d := opts.Damping
	for st.Iterations < opts.MaxIterations {
		if err := ctx.Err(); err != nil {
			return nil, st, err
		}
		var dm float64
		for _, v := range dang {
			dm += v
		}
		base := (d*dm + (1 - d)) / float64(n)
		var next atomic.Int64
		parallel(workers, func(int) {
			for {
				b0 := int(next.Add(run)) - run
				if b0 >= nb {
					return
				}
				for b := b0; b < min(b0+run, nb); b++ {
					lo, hi := b*rankBlock, min((b+1)*rankBlock, n)
					var dl, dg float64
					for v := lo; v < hi; v++ {
						s0, s1 := g.off[v], g.off[v+1]
						var s float64
						if g.w == nil {
							for _, u := range g.src[s0:s1] {
								s += float64(y[u])
							}
						} else {
							ws := g.w[s0:s1]
							for j, u := range g.src[s0:s1] {
								s += float64(y[u]) * float64(ws[j])
							}
						}
						r := base + d*s
						nx[v] = r
						ny[v] = T(r * inv[v])
						switch {
						case leak != nil:
							dg += r * leak[v]
						case inv[v] == 0:
							dg += r
						}
						dl += math.Abs(r - x[v])
					}
					dang[b], delta[b] = dg, dl
				}
			}
		})
		x, nx = nx, x
		y, ny = ny, y
		st.Iterations++
		st.Delta = 0
		for _, v := range delta {
			st.Delta += v
		}
		if st.Delta < opts.Tolerance {
			st.Converged = true
			break
		}
	}
	// Renormalise away the rounding drift of the iterations.
	var sum float64
	for _, v := range x {
		sum += v
	}
	if sum > 0 {
		for i := range x {
			x[i] /= sum
		}
	}
	return x, st, nil
}
