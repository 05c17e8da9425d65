package influence

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"
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

// buildCSR builds the in-edge CSR. Each worker owns a range of nodes and
// scans every edge, counting and placing only the edges of its nodes; so
// each node's sums are taken in edge order whatever the number of workers.
func buildCSR(n int, es *edgeChunks, workers int) (*csr, error) {
	m := 0
	for c := range es.from {
		if len(es.from[c]) != len(es.to[c]) {
			return nil, ErrBadEdges
		}
		m += len(es.from[c])
	}
	if m > math.MaxUint32 {
		return nil, fmt.Errorf("%w: %d edges", ErrBadEdges, m)
	}
	g := &csr{n: n, off: make([]uint32, n+1), outW: make([]float64, n)}
	bounds := split(n, workers)
	k := len(bounds) - 1
	errs := make([]error, k)
	// Pass 1: in-degrees (into off[v+1]) and out-weights.
	parallel(k, func(w int) {
		lo, hi := uint32(bounds[w]), uint32(bounds[w+1])
		deg := g.off[1:]
		for c := range es.from {
			from, to := es.from[c], es.to[c]
			for i, u := range from {
				v := to[i]
				if u >= uint32(n) || v >= uint32(n) {
					if errs[w] == nil {
						errs[w] = fmt.Errorf("%w: edge %d->%d with %d nodes", ErrNodeRange, u, v, n)
					}
					continue
				}
				if v >= lo && v < hi {
					deg[v]++
				}
				if u >= lo && u < hi {
					if es.mode == weightNone {
						g.outW[u]++
					} else {
						wt := float64(float32(es.weight(c, i)))
						if !(wt >= 0) || math.IsInf(wt, 0) {
							if errs[w] == nil {
								errs[w] = fmt.Errorf("%w: edge %d->%d has weight %v", ErrBadEdges, u, v, wt)
							}
							continue
						}
						g.outW[u] += wt
					}
				}
			}
		}
	})
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	for v := range n {
		g.off[v+1] += g.off[v]
	}
	g.src = make([]uint32, m)
	if es.mode != weightNone {
		g.w = make([]float32, m)
	}
	// Pass 2: place each edge under its target, in edge order.
	parallel(k, func(w int) {
		lo, hi := uint32(bounds[w]), uint32(bounds[w+1])
		if lo == hi {
			return
		}
		pos := make([]uint32, hi-lo)
		copy(pos, g.off[lo:hi])
		for c := range es.from {
			from, to := es.from[c], es.to[c]
			for i, v := range to {
				if v < lo || v >= hi {
					continue
				}
				p := pos[v-lo]
				pos[v-lo]++
				g.src[p] = from[i]
				if g.w != nil {
					g.w[p] = float32(es.weight(c, i))
				}
			}
		}
	})
	return g, nil
}

// rankBlock is the size of the node blocks whose partial sums are combined
// in order; it makes the sums independent of the number of workers.
const rankBlock = 1 << 12

func (g *csr) rank(ctx context.Context, opts RankOptions, minOut float64) ([]float64, RankStats, error) {
	n := g.n
	st := RankStats{Nodes: n, Edges: len(g.src)}
	if n == 0 {
		st.Converged = true
		return []float64{}, st, nil
	}
	x := make([]float64, n)
	nx := make([]float64, n)
	// y[u] = x[u] / outW[u]: what u gives along one unit of out-weight.
	y := make([]float64, n)
	ny := make([]float64, n)
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
	// Blocks are handed to workers in contiguous runs of about equal edges.
	workers := min(opts.Workers, nb)
	wb := make([]int, workers+1)
	{
		per := (len(g.src) + n) / workers
		b, acc := 0, 0
		for w := 1; w < workers; w++ {
			for b < nb && acc < per*w {
				hi := min((b+1)*rankBlock, n)
				acc += int(g.off[hi]-g.off[b*rankBlock]) + (hi - b*rankBlock)
				b++
			}
			wb[w] = b
		}
		wb[workers] = nb
	}
	x0 := 1 / float64(n)
	for i := range x {
		x[i] = x0
		y[i] = x0 * inv[i]
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
		parallel(workers, func(w int) {
			for b := wb[w]; b < wb[w+1]; b++ {
				lo, hi := b*rankBlock, min((b+1)*rankBlock, n)
				var dl, dg float64
				for v := lo; v < hi; v++ {
					s0, s1 := g.off[v], g.off[v+1]
					var s float64
					if g.w == nil {
						for _, u := range g.src[s0:s1] {
							s += y[u]
						}
					} else {
						ws := g.w[s0:s1]
						for j, u := range g.src[s0:s1] {
							s += y[u] * float64(ws[j])
						}
					}
					r := base + d*s
					nx[v] = r
					ny[v] = r * inv[v]
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
