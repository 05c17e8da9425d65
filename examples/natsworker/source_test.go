package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFileSourceFollowsAGrowingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.jsonl")
	require.NoError(t, os.WriteFile(path, []byte(`{"id":"1","text":"a"}`+"\n"+`{"id":"2","te`), 0o600))
	src := &fileSource{name: "f", path: path, follow: true, page: 10, log: slog.New(slog.DiscardHandler)}
	ctx := context.Background()
	b, err := src.Fetch(ctx, "")
	require.NoError(t, err)
	require.Len(t, b.Posts, 1, "a line still being written is left for later")
	assert.Equal(t, "f", b.Posts[0].Source, "the source's name for posts without one")
	assert.False(t, b.Done)

	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteString(`xt":"b"}` + "\n" + "not json\n" + `{"id":"3","text":"c","source":"x"}` + "\n")
	require.NoError(t, err)
	require.NoError(t, f.Close())
	b2, err := src.Fetch(ctx, b.Cursor)
	require.NoError(t, err)
	require.Len(t, b2.Posts, 2, "the finished line, the malformed one skipped")
	assert.Equal(t, "2", b2.Posts[0].ID)
	assert.Equal(t, "x", b2.Posts[1].Source)

	b3, err := src.Fetch(ctx, b2.Cursor)
	require.NoError(t, err)
	assert.Empty(t, b3.Posts)
	assert.Equal(t, b2.Cursor, b3.Cursor)

	src.follow = false
	b4, err := src.Fetch(ctx, b2.Cursor)
	require.NoError(t, err)
	assert.True(t, b4.Done, "without -follow the end of the file is the end")

	_, err = src.Fetch(ctx, "-3")
	assert.Error(t, err)
}
