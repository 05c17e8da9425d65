package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkhq/hark"
)

// FuzzFileSource reads any file through the file source, a page at a
// time: no panic, only valid posts, and the cursor moves forward to the
// end. Seeds are in testdata/fuzz/FuzzFileSource.
func FuzzFileSource(f *testing.F) {
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte, page uint8) {
		path := filepath.Join(dir, "f.jsonl")
		require.NoError(t, os.WriteFile(path, data, 0o600))
		src := &fileSource{name: "f", path: path, page: int(page%8) + 1, log: slog.New(slog.DiscardHandler)}
		cursor := ""
		for range len(data) + 2 {
			b, err := src.Fetch(context.Background(), cursor)
			require.NoError(t, err)
			for _, p := range b.Posts {
				require.NoError(t, p.Validate())
			}
			if b.Done {
				assert.Equal(t, len(data), atoi(t, b.Cursor), "done at the end of the file")
				return
			}
			require.Greater(t, atoi(t, b.Cursor), atoi(t, cursor), "the cursor moves forward")
			cursor = b.Cursor
		}
		t.Fatal("never done")
	})
}

func atoi(t *testing.T, s string) int {
	if s == "" {
		return 0
	}
	var n int
	for _, c := range s {
		require.True(t, c >= '0' && c <= '9', s)
		n = n*10 + int(c-'0')
	}
	return n
}

// A line far over hark.MaxLineBytes is skipped with a warning, without
// being held in memory, and the posts after it are read.
func TestFileSourceSkipsAnEndlessLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.jsonl")
	huge := `{"id":"0","text":"` + strings.Repeat("a", 12*hark.MaxLineBytes) + `"}` + "\n"
	require.NoError(t, os.WriteFile(path, []byte(huge+`{"id":"1","text":"after"}`+"\n"), 0o600))
	var logged bytes.Buffer
	src := &fileSource{name: "f", path: path, page: 10, log: slog.New(slog.NewTextHandler(&logged, nil))}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b, err := src.Fetch(context.Background(), "")
	runtime.ReadMemStats(&after)
	require.NoError(t, err)
	require.Len(t, b.Posts, 1)
	assert.Equal(t, "1", b.Posts[0].ID)
	assert.True(t, b.Done)
	assert.Contains(t, logged.String(), "skipped line too long")
	// Keeping the first MaxLineBytes costs about five times that in
	// allocations (append grows by a quarter); reading the line whole
	// would cost twice its size.
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(6*hark.MaxLineBytes),
		"a %d-byte line is not held whole", len(huge))
}

func TestReadLine(t *testing.T) {
	r := bufio.NewReaderSize(strings.NewReader("short\n"+strings.Repeat("x", 100)+"\nlast"), 16)
	line, n, err := readLine(r, 50)
	require.NoError(t, err)
	assert.Equal(t, "short\n", string(line))
	assert.Equal(t, int64(6), n)
	line, n, err = readLine(r, 50)
	require.NoError(t, err)
	assert.Nil(t, line)
	assert.Equal(t, int64(101), n)
	line, n, err = readLine(r, 50)
	assert.ErrorIs(t, err, io.EOF)
	assert.Equal(t, "last", string(line))
	assert.Equal(t, int64(4), n)
}
