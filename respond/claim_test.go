package respond

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMemClaims(t *testing.T) {
	ctx := context.Background()
	var c MemClaims
	dispT0 := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	cl, err := c.Acquire(ctx, "conv", "alice", dispT0, time.Minute)
	require.NoError(t, err)
	assert.Equal(t, dispT0.Add(time.Minute), cl.Expires)

	_, err = c.Acquire(ctx, "conv", "bot", dispT0.Add(time.Second), time.Minute)
	var ce *ClaimedError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "alice", ce.Claim.Owner)
	assert.Contains(t, err.Error(), `claimed by "alice"`)

	cl, err = c.Acquire(ctx, "conv", "alice", dispT0.Add(30*time.Second), time.Minute)
	require.NoError(t, err, "the owner re-acquires")
	assert.Equal(t, dispT0.Add(90*time.Second), cl.Expires)
	cl, err = c.Renew(ctx, "conv", "alice", dispT0.Add(60*time.Second), time.Minute)
	require.NoError(t, err)
	assert.Equal(t, dispT0.Add(120*time.Second), cl.Expires)
	_, err = c.Renew(ctx, "conv", "bot", dispT0.Add(60*time.Second), time.Minute)
	assert.ErrorIs(t, err, ErrClaimLost)
	_, err = c.Renew(ctx, "conv", "alice", dispT0.Add(121*time.Second), time.Minute)
	assert.ErrorIs(t, err, ErrClaimLost, "a lapsed claim cannot be renewed")

	_, err = c.Acquire(ctx, "conv", "bot", dispT0.Add(121*time.Second), time.Minute)
	require.NoError(t, err, "a lapsed claim is free")
	require.NoError(t, c.Release(ctx, "conv", "alice"), "releasing another's claim does nothing")
	h, ok := c.Holder("conv", dispT0.Add(122*time.Second))
	require.True(t, ok)
	assert.Equal(t, "bot", h.Owner)
	require.NoError(t, c.Release(ctx, "conv", "bot"))
	_, ok = c.Holder("conv", dispT0.Add(122*time.Second))
	assert.False(t, ok)
}
