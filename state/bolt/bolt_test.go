package bolt_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/harkhq/hark/state"
	"github.com/harkhq/hark/state/bolt"
	"github.com/harkhq/hark/state/statetest"
)

func TestMain(m *testing.M) {
	if crashChild() {
		return
	}
	goleak.VerifyTestMain(m)
}

func open(t *testing.T, path string, opts ...bolt.Option) *bolt.Store {
	t.Helper()
	s, err := bolt.Open(path, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	t.Parallel()
	statetest.Run(t, func(t *testing.T) state.KV {
		return open(t, filepath.Join(t.TempDir(), "hark.db"))
	})
}

func TestReopenKeepsState(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hark.db")
	s, err := bolt.Open(path)
	require.NoError(t, err)
	r, err := s.Put(ctx, "a.b", []byte("v"), 0)
	require.NoError(t, err)
	require.NoError(t, s.Close())

	s = open(t, path)
	e, err := s.Get(ctx, "a.b")
	require.NoError(t, err)
	assert.Equal(t, "v", string(e.Value))
	assert.Equal(t, r, e.Revision)
	r2, err := s.Put(ctx, "a.c", nil, 0)
	require.NoError(t, err)
	assert.Greater(t, r2, r, "revisions keep growing across reopen")
}

func TestSecondOpenWaitsForLock(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "hark.db")
	open(t, path)
	_, err := bolt.Open(path, bolt.WithLockTimeout(50*time.Millisecond))
	assert.Error(t, err)
}

func TestSweep(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := open(t, filepath.Join(t.TempDir(), "hark.db"), bolt.WithClock(func() time.Time { return now }))
	for i, ttl := range []time.Duration{time.Second, time.Hour, 0, time.Second, time.Second} {
		_, err := s.Put(ctx, state.Key("k", string(rune('a'+i))), []byte("x"), ttl)
		require.NoError(t, err)
	}
	n, err := s.Sweep(ctx)
	require.NoError(t, err)
	assert.Zero(t, n)
	now = now.Add(time.Minute)
	n, err = s.Sweep(ctx)
	require.NoError(t, err)
	assert.Equal(t, 3, n)
	keys, err := s.Keys(ctx, "")
	require.NoError(t, err)
	assert.Equal(t, []string{"k.b", "k.c"}, keys)
}

func TestSweepEvery(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	s := open(t, filepath.Join(t.TempDir(), "hark.db"))
	_, err := s.Put(ctx, "k.a", []byte("x"), time.Millisecond)
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- s.SweepEvery(ctx, 5*time.Millisecond) }()
	require.Equal(t, 1, bolt.StoredKeys(s))
	require.Eventually(t, func() bool { return bolt.StoredKeys(s) == 0 }, 10*time.Second, 5*time.Millisecond, "the expired key is swept from the file")
	cancel()
	assert.ErrorIs(t, <-done, context.Canceled)
}
