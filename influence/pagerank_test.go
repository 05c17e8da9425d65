package influence

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// densePageRank is the textbook definition, computed the slow way: the
// Google matrix built in full and iterated to a fixed point.
func densePageRank(n int, from, to []uint32, w []float32, d float64) []float64 {
	out := make([]float64, n)
	m := make([][]float64, n) // m[v][u]: share of u's rank going to v
	for i := range m {
		m[i] = make([]float64, n)
	}
	for i := range from {
		x := 1.0
		if w != nil {
			x = float64(w[i])
		}
		out[from[i]] += x
		m[to[i]][from[i]] += x
	}
	for u := range n {
		for v := range n {
			if out[u] > 0 {
				m[v][u] = d*m[v][u]/out[u] + (1-d)/float64(n)
			} else {
				m[v][u] = 1 / float64(n) // dangling: jump anywhere
			}
		}
	}
	x := make([]float64, n)
	for i := range x {
		x[i] = 1 / float64(n)
	}
	for range 2000 {
		y := make([]float64, n)
		for v := range n {
			for u := range n {
				y[v] += m[v][u] * x[u]
			}
		}
		x = y
	}
	return x
}

func randomGraph(r *rand.Rand, n, m int, weighted bool) (from, to []uint32, w []float32) {
	for range m {
		u, v := uint32(r.IntN(n)), uint32(r.IntN(n))
		from = append(from, u)
		to = append(to, v)
		if weighted {
			w = append(w, float32(0.1+r.Float64()))
		}
	}
	return from, to, w
}

func TestPageRankMatchesDefinition(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		name     string
		n, m     int
		weighted bool
	}{
		{"sparse with dangling nodes", 30, 40, false},
		{"dense", 20, 300, false},
		{"weighted", 25, 120, true},
		{"one node", 1, 0, false},
		{"self loops and repeats", 5, 40, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			from, to, w := randomGraph(r, tc.n, tc.m, tc.weighted)
			want := densePageRank(tc.n, from, to, w, 0.85)
			for _, workers := range []int{1, 2, 7} {
				got, st, err := PageRank(context.Background(), tc.n, from, to, w, RankOptions{Tolerance: 1e-12, Workers: workers})
				require.NoError(t, err)
				assert.True(t, st.Converged)
				var sum float64
				for i := range want {
					assert.InDelta(t, want[i], got[i], 1e-9, "node %d", i)
					sum += got[i]
				}
				assert.InDelta(t, 1, sum, 1e-12)
			}
		})
	}
}

func TestPageRankErrors(t *testing.T) {
	ctx := context.Background()
	_, _, err := PageRank(ctx, 2, []uint32{0}, []uint32{0, 1}, nil, RankOptions{})
	assert.ErrorIs(t, err, ErrBadEdges)
	_, _, err = PageRank(ctx, 2, []uint32{0}, []uint32{2}, nil, RankOptions{})
	assert.ErrorIs(t, err, ErrNodeRange)
	_, _, err = PageRank(ctx, 2, []uint32{0}, []uint32{1}, []float32{-1}, RankOptions{})
	assert.ErrorIs(t, err, ErrBadEdges)
	_, _, err = PageRank(ctx, 2, []uint32{0}, []uint32{1}, []float32{float32(math.NaN())}, RankOptions{})
	assert.ErrorIs(t, err, ErrBadEdges)
	_, _, err = PageRank(ctx, 2, nil, nil, nil, RankOptions{Damping: 1})
	assert.ErrorIs(t, err, ErrBadOptions)
	c, cancel := context.WithCancel(ctx)
	cancel()
	_, _, err = PageRank(c, 2, []uint32{0}, []uint32{1}, nil, RankOptions{})
	assert.ErrorIs(t, err, context.Canceled)
	r, st, err := PageRank(ctx, 0, nil, nil, nil, RankOptions{})
	require.NoError(t, err)
	assert.Empty(t, r)
	assert.True(t, st.Converged)
}

func TestPageRankMaxIterations(t *testing.T) {
	from, to, _ := randomGraph(rand.New(rand.NewPCG(3, 3)), 50, 200, false)
	_, st, err := PageRank(context.Background(), 50, from, to, nil, RankOptions{Tolerance: 1e-15, MaxIterations: 3})
	require.NoError(t, err)
	assert.False(t, st.Converged)
	assert.Equal(t, 3, st.Iterations)
}

func TestGraphDecay(t *testing.T) {
	// b was reposted long ago by many; c recently by a few. With a short
	// half-life, c leads; with a long one, b does.
	rank := func(hl time.Duration) (b, c float64) {
		g := NewGraph(hl)
		for i := range 10 {
			g.Add(string(rune('k'+i)), "b", KindRepost, t0)
		}
		for i := range 3 {
			g.Add(string(rune('k'+i)), "c", KindRepost, t0.Add(60*24*time.Hour))
		}
		g.Add("b", "b", KindRepost, t0) // self edges are ignored
		r, _, err := g.Rank(context.Background(), t0.Add(60*24*time.Hour), RankOptions{})
		require.NoError(t, err)
		for i, v := range r {
			switch g.Key(i) {
			case "b":
				b = v
			case "c":
				c = v
			}
		}
		return b, c
	}
	b, c := rank(5 * 24 * time.Hour)
	assert.Greater(t, c, b)
	b, c = rank(10 * 365 * 24 * time.Hour)
	assert.Greater(t, b, c)
}
