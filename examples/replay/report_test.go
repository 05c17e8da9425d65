package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReport: -report writes one self-contained page with its charts, and
// the decisions on stdout are those of a run without it.
func TestReport(t *testing.T) {
	posts := strings.Join([]string{
		`{"id":"1","text":"Your app charged me twice and support is not answering!!","created":"2026-03-02T09:00:00Z","author":{"id":"a","handle":"@ann"}}`,
		`{"id":"2","text":"We are sorry, Ann: refund sent.","created":"2026-03-02T09:20:00Z","parent_id":"1","author":{"id":"b","handle":"@acme"}}`,
		`{"id":"3","text":"love the new update","created":"2026-03-02T10:00:00Z","author":{"id":"c","handle":"@cy"}}`,
	}, "\n") + "\n"
	var plain, errb bytes.Buffer
	require.Equal(t, 0, run([]string{"-policy", "policy.yaml"}, strings.NewReader(posts), &plain, &errb), errb.String())

	path := filepath.Join(t.TempDir(), "r.html")
	var out bytes.Buffer
	errb.Reset()
	code := run([]string{"-policy", "policy.yaml", "-report", path, "-brand", "@acme"}, strings.NewReader(posts), &out, &errb)
	require.Equal(t, 0, code, errb.String())
	assert.Equal(t, plain.String(), out.String())
	page, err := os.ReadFile(path)
	require.NoError(t, err)
	html := string(page)
	assert.Equal(t, 6, strings.Count(html, `<svg class="chart"`))
	assert.NotContains(t, html, "<script")
	assert.Contains(t, html, "<td>@ann</td>")
	assert.NotContains(t, html, "<td>@acme</td>", "the brand is not ranked")

	errb.Reset()
	code = run([]string{"-policy", "policy.yaml", "-report", filepath.Join(t.TempDir(), "no", "such", "dir.html")},
		strings.NewReader(posts), &out, &errb)
	assert.Equal(t, 1, code)
	assert.Contains(t, errb.String(), "-report")
}
