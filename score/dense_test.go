package score

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestAddDense checks that addDense gives bit for bit the sums of the plain
// loop, zeros skipped, NaN carried, on random features and weights.
func TestAddDense(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := range 70 {
		dense := make([]float32, n)
		w := make([]float32, n*numOut)
		for i := range dense {
			switch rng.IntN(5) {
			case 0: // zero, skipped
			case 1:
				dense[i] = 1
			case 2:
				dense[i] = float32(math.Copysign(0, -1))
			default:
				dense[i] = float32(rng.NormFloat64())
			}
		}
		for i := range w {
			w[i] = float32(rng.NormFloat64() * math.Pow(10, float64(rng.IntN(7)-3)))
		}
		if n == 69 {
			dense[3] = float32(math.NaN())
		}
		var got, want [numOut]float32
		addDense(dense, w, &got)
		addDenseGeneric(dense, w, &want)
		for c := range numOut {
			require.Equal(t, math.Float32bits(want[c]), math.Float32bits(got[c]), "n %d output %d: %v != %v", n, c, got[c], want[c])
		}
	}
}

// TestSumRows checks that sumRows gives the sums of sumRowsGeneric, over
// more rows than a 16-bit lane holds at once.
func TestSumRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	m := &Model{Dense: 1, Buckets: 64}
	m.w = make([]float32, (m.Dense+m.Buckets)*numOut)
	for i := range m.w {
		m.w[i] = float32(rng.NormFloat64())
	}
	m.prepare()
	for _, n := range []int{0, 1, 7, 254, 255, 256, 600} {
		hashed := make([]uint32, n)
		for i := range hashed {
			hashed[i] = rng.Uint32()
		}
		var got, want [numOut]int32
		m.sumRows(hashed, &got)
		m.sumRowsGeneric(hashed, &want)
		require.Equal(t, want, got, "%d rows", n)
	}
}
