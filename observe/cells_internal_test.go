package observe

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCellMapIdentityCache checks that the identity cache in front of a
// cellMap never confuses two values: equal bytes at different addresses
// reach one cell, and a prefix sharing a string's address does not reach
// the string's.
func TestCellMapIdentityCache(t *testing.T) {
	in, err := New(nil)
	require.NoError(t, err)
	c := in.rulesBy
	base := "route-billing"
	prefix := base[:5] // "route", same data pointer
	a := c.get(base)
	for range 3 {
		assert.Same(t, a, c.get(base), "cached")
	}
	b := c.get(prefix)
	assert.NotSame(t, a, b)
	assert.Same(t, b, c.get(prefix))
	assert.Same(t, a, c.get(base))
	built := strings.Clone(base) // same bytes, another address
	assert.Same(t, a, c.get(built))
	// Strings built anew for every call still reach their cell, however
	// many there are, and the cache stops taking slots for them.
	for i := range 4 * maxTaken {
		s := strings.Clone(base)
		assert.Same(t, a, c.get(s), "%d", i)
	}
	clones := make([]string, 512)
	for i := range clones {
		clones[i] = strings.Clone(base)
	}
	i := 0
	allocs := testing.AllocsPerRun(len(clones)-1, func() {
		c.get(clones[i])
		i++
	})
	assert.Zero(t, allocs, "no entry allocated once the slots were taken often enough")
}
