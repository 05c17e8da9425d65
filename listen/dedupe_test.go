package listen_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkhq/hark/listen"
)

func TestDedupeBounded(t *testing.T) {
	d := listen.NewDedupe(3, 0)
	for _, id := range []string{"a", "b", "c"} {
		assert.True(t, d.Add("s", id))
	}
	assert.False(t, d.Add("s", "a"))
	assert.True(t, d.Add("other", "a"), "keys are per source")
	assert.Equal(t, 3, d.Len())
	assert.False(t, d.Seen("s", "a"), "oldest evicted at capacity")
	assert.True(t, d.Seen("s", "c"))
	for i := range 1000 {
		d.Add("s", fmt.Sprint(i))
	}
	assert.Equal(t, 3, d.Len())
}

func TestDedupeTTL(t *testing.T) {
	now := t0
	d := listen.NewDedupe(10, time.Minute, listen.WithDedupeClock(func() time.Time { return now }))
	require.True(t, d.Add("s", "a"))
	now = now.Add(30 * time.Second)
	require.True(t, d.Add("s", "b"))
	assert.True(t, d.Seen("s", "a"))
	now = now.Add(31 * time.Second)
	assert.False(t, d.Seen("s", "a"), "expired")
	assert.True(t, d.Seen("s", "b"))
	assert.True(t, d.Add("s", "a"), "re-added after expiry")
	assert.Equal(t, 2, d.Len(), "expired entries purged on add")
	now = now.Add(2 * time.Minute)
	assert.True(t, d.Add("s", "c"))
	assert.Equal(t, 1, d.Len())
}

func TestDedupeConcurrent(t *testing.T) {
	d := listen.NewDedupe(1000, time.Hour)
	var wg sync.WaitGroup
	news := make([]int, 4)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				if d.Add("s", fmt.Sprint(i)) {
					news[g]++
				}
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, 500, news[0]+news[1]+news[2]+news[3], "each key new exactly once")
}

func TestFileCheckpoints(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cursors.json")
	ctx := context.Background()
	c := listen.NewFileCheckpoints(path)
	got, err := c.Load(ctx, "hn")
	require.NoError(t, err)
	assert.Empty(t, got)
	require.NoError(t, c.Save(ctx, "hn", "1771243200"))
	require.NoError(t, c.Save(ctx, "rss", "etag\x00\"v1\""))
	require.NoError(t, c.Save(ctx, "hn", "1771243300"))

	again := listen.NewFileCheckpoints(path)
	got, err = again.Load(ctx, "hn")
	require.NoError(t, err)
	assert.Equal(t, "1771243300", got)
	got, _ = again.Load(ctx, "rss")
	assert.Equal(t, "etag\x00\"v1\"", got)

	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary file left behind")

	require.NoError(t, os.WriteFile(path, []byte("{torn"), 0o600))
	_, err = listen.NewFileCheckpoints(path).Load(ctx, "hn")
	assert.Error(t, err, "a corrupt file is an error, not an empty start")

	_, err = listen.NewFileCheckpoints(filepath.Join(dir, "missing", "c.json")).Load(ctx, "x")
	assert.NoError(t, err)
	err = listen.NewFileCheckpoints(filepath.Join(dir, "missing", "c.json")).Save(ctx, "x", "1")
	assert.Error(t, err, "the directory must exist")
}
