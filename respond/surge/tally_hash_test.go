package surge

import (
	"fmt"
	"math/bits"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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

// A tally with a filter of the names it holds counts as one without: the
// filter only skips searches that would find nothing, also once names
// replaced have left their bits behind and the filter is made again.
func TestTallyFilter(t *testing.T) {
	h := hasher{seed: 7}
	var with, without tally
	var nWith, nWithout uint8
	var seen uint64
	rebuilt := 0
	for i := range 20_000 {
		// a few names that keep coming, and a long tail
		name := fmt.Sprintf("t%d", i%7)
		if i%3 != 0 {
			name = fmt.Sprintf("w%d", (i*7919)%5000)
		}
		before := seen
		with.add(&nWith, &seen, h.sum(name), name, maxTopK)
		without.add(&nWithout, nil, h.sum(name), name, maxTopK)
		if bits.OnesCount64(seen) < bits.OnesCount64(before) {
			rebuilt++
		}
		if i%100 == 99 {
			with.decay(nWith, 0.9, 0.99)
			without.decay(nWithout, 0.9, 0.99)
		}
		require.Equal(t, without, with, "after %d names", i+1)
		for _, f := range with.fp[:nWith] {
			require.NotZero(t, seen&seenBit(f), "a name held is not in the filter")
		}
	}
	assert.Equal(t, with.seen(int(nWith)), seen&with.seen(int(nWith)))
	assert.Greater(t, rebuilt, 10, "the filter is made again now and then")
}
