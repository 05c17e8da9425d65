package hark_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/harkhq/hark"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readAll drains r, returning the posts and the line numbers skipped.
func readAll(t *testing.T, r *hark.Reader) (posts []hark.Post, badLines []int, final error) {
	t.Helper()
	for p, err := range r.All() {
		var le *hark.LineError
		switch {
		case errors.As(err, &le):
			badLines = append(badLines, le.Line)
		case err != nil:
			final = err
		default:
			posts = append(posts, p)
		}
	}
	return posts, badLines, final
}

func ids(posts []hark.Post) []string {
	var out []string
	for _, p := range posts {
		out = append(out, p.ID)
	}
	return out
}

func TestReaderSkipsBadLinesAndGoesOn(t *testing.T) {
	in := strings.Join([]string{
		`{"id":"1","text":"one"}`,
		``,
		`not json at all`,
		`{"id":"2","text":"two"}`,
		`{"text":"no id"}`,
		`{"id":"3"}`,
		`["an","array"]`,
		`{"id":"4","text":"four"`, // truncated
		`{"id":"5","text":"five","author":{"followers":"many"}}`,
		`{"id":"6","text":"six"}`,
	}, "\n")
	r := hark.NewReader(strings.NewReader(in))
	posts, bad, err := readAll(t, r)
	require.NoError(t, err)
	assert.Equal(t, []string{"1", "2", "6"}, ids(posts))
	assert.Equal(t, []int{3, 5, 6, 7, 8, 9}, bad, "line numbers count blank lines too")
	assert.Equal(t, 6, r.Skipped())
}

func TestReaderTruncatedLastLine(t *testing.T) {
	r := hark.NewReader(strings.NewReader("{\"id\":\"1\",\"text\":\"a\"}\n{\"id\":\"2\",\"te"))
	posts, bad, err := readAll(t, r)
	require.NoError(t, err)
	assert.Equal(t, []string{"1"}, ids(posts))
	assert.Equal(t, []int{2}, bad)
}

func TestReaderLastLineWithoutNewline(t *testing.T) {
	r := hark.NewReader(strings.NewReader("{\"id\":\"1\",\"text\":\"a\"}\r\n{\"id\":\"2\",\"text\":\"b\"}"))
	posts, bad, err := readAll(t, r)
	require.NoError(t, err)
	assert.Equal(t, []string{"1", "2"}, ids(posts))
	assert.Empty(t, bad)
}

func TestReaderHugeLine(t *testing.T) {
	huge := `{"id":"big","text":"` + strings.Repeat("x", hark.MaxLineBytes) + `"}`
	in := `{"id":"1","text":"a"}` + "\n" + huge + "\n" + `{"id":"2","text":"b"}` + "\n"
	r := hark.NewReader(strings.NewReader(in))
	posts, bad, err := readAll(t, r)
	require.NoError(t, err)
	assert.Equal(t, []string{"1", "2"}, ids(posts))
	assert.Equal(t, []int{2}, bad)

	// Text over MaxTextBytes within a line under MaxLineBytes: rejected by validation.
	big := `{"id":"big","text":"` + strings.Repeat("y", hark.MaxTextBytes+1) + `"}`
	r = hark.NewReader(strings.NewReader(big + "\n"))
	_, err = r.Read()
	require.ErrorIs(t, err, hark.ErrTextTooLong)
}

func TestReaderHugeLineLast(t *testing.T) {
	r := hark.NewReader(strings.NewReader(strings.Repeat("z", hark.MaxLineBytes+10)))
	_, err := r.Read()
	require.ErrorIs(t, err, hark.ErrLineTooLong)
	_, err = r.Read()
	assert.Equal(t, io.EOF, err)
}

func TestReaderRepairsInvalidUTF8(t *testing.T) {
	in := "{\"id\":\"1\",\"text\":\"caf\xe9 \xff ok\"}\n{\"id\":\"2\",\"text\":\"fine\"}\n"
	r := hark.NewReader(strings.NewReader(in))
	p, err := r.Read()
	require.NoError(t, err)
	assert.True(t, r.Repaired())
	assert.Equal(t, "caf\uFFFD \uFFFD ok", p.Text)
	assert.NoError(t, p.Validate())
	p, err = r.Read()
	require.NoError(t, err)
	assert.False(t, r.Repaired())
	assert.Equal(t, "2", p.ID)
}

func TestReaderIOError(t *testing.T) {
	boom := errors.New("disk on fire")
	r := hark.NewReader(io.MultiReader(strings.NewReader("{\"id\":\"1\",\"text\":\"a\"}\n"), iotest.ErrReader(boom)))
	posts, _, err := readAll(t, r)
	assert.Equal(t, []string{"1"}, ids(posts))
	assert.ErrorIs(t, err, boom)
}

func TestWriterReaderRoundTrip(t *testing.T) {
	in := []hark.Post{
		{ID: "1", Text: "a <b> & \"c\"", Mentions: []string{"@x"}},
		{ID: "2", Text: "line\nbreak", Author: hark.Author{Handle: "@h", Followers: 7}},
	}
	var buf bytes.Buffer
	w := hark.NewWriter(&buf)
	for _, p := range in {
		require.NoError(t, w.Write(p))
	}
	require.NoError(t, w.Flush())
	assert.Contains(t, buf.String(), "<b> &", "JSONL is data, not HTML: no \\u003c escapes")
	posts, bad, err := readAll(t, hark.NewReader(&buf))
	require.NoError(t, err)
	assert.Empty(t, bad)
	assert.Equal(t, in, posts)
}

func FuzzReader(f *testing.F) {
	f.Add([]byte(`{"id":"1","text":"a"}` + "\n" + `{"id":"2","text":"b"}`))
	f.Add([]byte("{\"id\":\"1\",\"text\":\"\xff\"}\n\n\nnot json\n{"))
	f.Add([]byte(designExample))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := hark.NewReader(bytes.NewReader(data))
		n := 0
		for p, err := range r.All() {
			if err != nil {
				var le *hark.LineError
				if !errors.As(err, &le) {
					t.Fatalf("non-line error from an in-memory reader: %v", err)
				}
				continue
			}
			if verr := p.Validate(); verr != nil {
				t.Fatalf("reader returned an invalid post: %v", verr)
			}
			n++
		}
		if n+r.Skipped() > bytes.Count(data, []byte("\n"))+1 {
			t.Fatalf("%d posts + %d skipped from %d lines", n, r.Skipped(), bytes.Count(data, []byte("\n"))+1)
		}
	})
}

// A 10 MB post is skipped as one line too long, with its line number, and
// the posts around it are read.
func TestReaderTenMegabytePost(t *testing.T) {
	huge := `{"id":"huge","text":"` + strings.Repeat("x", 10<<20) + `"}`
	in := `{"id":"1","text":"a"}` + "\n" + huge + "\n" + `{"id":"2","text":"b"}` + "\n"
	r := hark.NewReader(strings.NewReader(in))
	p, err := r.Read()
	require.NoError(t, err)
	assert.Equal(t, "1", p.ID)
	_, err = r.Read()
	var le *hark.LineError
	require.ErrorAs(t, err, &le)
	assert.Equal(t, 2, le.Line)
	assert.ErrorIs(t, err, hark.ErrLineTooLong)
	p, err = r.Read()
	require.NoError(t, err)
	assert.Equal(t, "2", p.ID)
	assert.Equal(t, 3, r.Line())
}
