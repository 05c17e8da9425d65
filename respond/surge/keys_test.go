package surge

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// A keyTable holds what a map would, through growth and removals, also
// when names' hashes collide in whole or in their low bits.
func TestKeyTable(t *testing.T) {
	for _, mask := range []uint64{3, 0xff, 1<<64 - 1} {
		var tab keyTable
		ref := map[string]*keyState{}
		h := hasher{seed: 1}
		rng := rand.New(rand.NewPCG(1, mask))
		for i := 0; i < 20_000; i++ {
			name := fmt.Sprintf("k%d", rng.IntN(600))
			hn := h.sum(name) & mask
			k := tab.find(name, hn)
			require.Same(t, ref[name], k, "find %s", name)
			switch {
			case k == nil:
				k = &keyState{name: name}
				tab.add(k, hn)
				ref[name] = k
			case rng.IntN(2) == 0:
				tab.remove(k, hn)
				delete(ref, name)
			}
			require.Equal(t, len(ref), tab.n)
		}
		for name, k := range ref {
			require.Same(t, k, tab.find(name, h.sum(name)&mask))
		}
	}
}
