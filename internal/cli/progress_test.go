package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFormatProgress(t *testing.T) {
	for _, tc := range []struct {
		posts, read, size int64
		elapsed           time.Duration
		want              string
	}{
		{0, 0, 1000, 0, "0 posts  0%"},
		{12345, 480, 1000, 4 * time.Second, "12,345 posts  48%  3,086 posts/s  ETA 4s"},
		{1234567, 1 << 20, 10 << 20, 10 * time.Second, "1,234,567 posts  10%  123,457 posts/s  ETA 1m30s"},
		{10, 1000, 1000, time.Second, "10 posts  100%  10 posts/s"},
		{5, 0, 0, time.Second, "5 posts  5 posts/s"},
	} {
		assert.Equal(t, tc.want, formatProgress(tc.posts, "posts", tc.read, tc.size, tc.elapsed))
	}
}

func TestGroup(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 123456: "123,456", -1234567: "-1,234,567"} {
		assert.Equal(t, want, group(n))
	}
}

const twoPosts = `{"id":"1","text":"a"}` + "\n" + `{"id":"2","text":"b"}` + "\n"

// TestSilentWhenNotATerminal reads a regular file with stderr a buffer, a
// regular file and a pipe: no progress, only the skipped line's message.
func TestSilentWhenNotATerminal(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.jsonl")
	require.NoError(t, os.WriteFile(in, []byte(twoPosts+"nope\n"), 0o644))
	errFile, err := os.Create(filepath.Join(dir, "stderr"))
	require.NoError(t, err)
	defer errFile.Close()
	pr, pw, err := os.Pipe()
	require.NoError(t, err)
	defer pr.Close()
	defer pw.Close()
	var buf bytes.Buffer
	for name, w := range map[string]interface{ Write([]byte) (int, error) }{"buffer": &buf, "file": errFile, "pipe": pw} {
		f, err := os.Open(in)
		require.NoError(t, err)
		r, prog := newProgress(f, w)
		assert.Nil(t, prog, name)
		assert.Same(t, f, r, name)
		require.NoError(t, f.Close())
	}
	f, err := os.Open(in)
	require.NoError(t, err)
	defer f.Close()
	skipped, n := 0, 0
	for range Posts(f, &buf, &skipped) {
		n++
	}
	assert.Equal(t, 2, n)
	assert.Equal(t, 1, skipped)
	assert.Equal(t, "line 3: skipped: ", buf.String()[:len("line 3: skipped: ")])
	assert.NotContains(t, buf.String(), "\r")
}

// TestUnknownSize: input from a pipe has no size, so no progress even on a
// terminal-like writer.
func TestUnknownSize(t *testing.T) {
	pr, pw, err := os.Pipe()
	require.NoError(t, err)
	defer pr.Close()
	defer pw.Close()
	tty, err := os.Open(os.DevNull) // a character device
	require.NoError(t, err)
	defer tty.Close()
	require.True(t, isTerminal(tty))
	_, prog := newProgress(pr, tty)
	assert.Nil(t, prog)
}

// TestDraw drives a progress with a fake clock: a line at most every
// 250 ms, drawn in place, cleared before other messages and at the end.
func TestDraw(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var out bytes.Buffer
	cr := &countingReader{r: strings.NewReader("")}
	p := newProgressFor(&out, 10000, cr, func() time.Time { return now })
	for range 100 {
		now = now.Add(time.Millisecond)
		cr.n += 2
		p.add()
	}
	assert.Empty(t, out.String(), "nothing before 250 ms")
	for range 200 {
		now = now.Add(time.Millisecond)
		cr.n += 2
		p.add()
	}
	first := "\r250 posts  5%  1,000 posts/s  ETA 5s"
	assert.Equal(t, first, out.String())
	p.clear()
	assert.Equal(t, first+"\r"+strings.Repeat(" ", len(first)-1)+"\r", out.String())
	out.Reset()
	p.clear()
	assert.Empty(t, out.String(), "clearing twice writes nothing")
	var nilP *progress
	nilP.add()
	nilP.clear()
	nilP.done()
}
