package surge

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// The names' hash spreads names of every length over the sketch's cells
// and the tallies' fingerprints, and depends on the seed.
func TestHasherSpreads(t *testing.T) {
	h := hasher{seed: 42}
	seen := map[uint64]string{}
	fps := map[uint32]bool{}
	var cells [cmsDepth][cmsWidth]int
	const n = 100_000
	for i := range n {
		// lengths 1 to 24, from short words to phrases
		name := strings.Repeat("w", i%20) + fmt.Sprint(i)
		if x, dup := seen[h.sum(name)]; dup {
			t.Fatalf("%q and %q collide", name, x)
		}
		x := h.sum(name)
		seen[x] = name
		fps[fingerprint(x)] = true
		for d := range cmsDepth {
			cells[d][(x>>(32*d))&(cmsWidth-1)]++
		}
	}
	assert.Greater(t, len(fps), len(seen)-3, "fingerprints rarely collide")
	for d := range cmsDepth {
		used := 0
		for _, c := range cells[d] {
			if c > 0 {
				used++
			}
		}
		// n balls in cmsWidth bins fill 1-exp(-n/cmsWidth) of them
		assert.InDelta(t, 0.953, float64(used)/cmsWidth, 0.01, "row %d", d)
	}
	assert.NotEqual(t, h.sum("outage"), hasher{seed: 43}.sum("outage"))
	assert.NotEqual(t, h.sum("abc"), h.sum("abd"))
	assert.NotEqual(t, h.sum(""), h.sum("\x00"))
}
