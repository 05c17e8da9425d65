package respond

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMemLedgerLease(t *testing.T) {
	ctx := context.Background()
	var l MemLedger
	dispT0 := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	ttl := time.Minute

	e, ok, err := l.Reserve(ctx, "k", "a", dispT0, ttl)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, LedgerPending, e.State)
	assert.Equal(t, 1, e.Reservations)

	e, ok, _ = l.Reserve(ctx, "k", "b", dispT0.Add(30*time.Second), ttl)
	assert.False(t, ok, "a live lease of another owner blocks")
	assert.Equal(t, "a", e.Owner)

	_, ok, _ = l.Reserve(ctx, "k", "a", dispT0.Add(30*time.Second), ttl)
	assert.True(t, ok, "the owner renews")

	e, ok, _ = l.Reserve(ctx, "k", "b", dispT0.Add(91*time.Second), ttl)
	assert.True(t, ok, "a lapsed lease is taken over")
	assert.Equal(t, 3, e.Reservations)

	require.NoError(t, l.Release(ctx, "k", "a"), "releasing a lease one lost does nothing")
	_, ok, _ = l.Reserve(ctx, "k", "c", dispT0.Add(92*time.Second), ttl)
	assert.False(t, ok)

	require.NoError(t, l.Release(ctx, "k", "b"))
	_, ok, _ = l.Reserve(ctx, "k", "c", dispT0.Add(92*time.Second), ttl)
	assert.True(t, ok, "a released key is free")

	require.NoError(t, l.MarkSent(ctx, "k", "c", dispT0.Add(93*time.Second)))
	e, ok, _ = l.Reserve(ctx, "k", "c", dispT0.Add(time.Hour), ttl)
	assert.False(t, ok, "a sent key is never reserved again, even by its sender")
	assert.Equal(t, LedgerSent, e.State)
	require.NoError(t, l.Release(ctx, "k", "c"))
	got, _ := l.Get("k")
	assert.Equal(t, LedgerSent, got.State, "release does not undo a send")

	assert.ErrorIs(t, l.MarkSent(ctx, "missing", "a", dispT0), ErrNotReserved)

	assert.Equal(t, 0, l.Forget(dispT0))
	assert.Equal(t, 1, l.Forget(dispT0.Add(2*time.Hour)))
	_, ok = l.Get("k")
	assert.False(t, ok)
}

func TestMemLedgerReserveIsAtomic(t *testing.T) {
	ctx := context.Background()
	var l MemLedger
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	var wins atomic.Int32
	var wg sync.WaitGroup
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, ok, _ := l.Reserve(ctx, "k", string(rune('a'+i%26))+string(rune('0'+i/26)), now, time.Minute); ok {
				wins.Add(1)
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, int32(1), wins.Load())
}
