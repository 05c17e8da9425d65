package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"path/filepath"
	"testing"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/sample"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWeekJSONL(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, write(&buf, false, false, false))
	r := hark.NewReader(&buf)
	n := 0
	for {
		_, err := r.Read()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		n++
	}
	assert.Zero(t, r.Skipped())
	assert.Equal(t, len(sample.Week()), n)
}

func TestViews(t *testing.T) {
	for _, tt := range []struct {
		name                 string
		labels, texts, facts bool
		lines                int
	}{
		{"labels", true, false, false, len(sample.Week())},
		{"texts", false, true, false, len(sample.Texts())},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			require.NoError(t, write(&buf, tt.labels, tt.texts, tt.facts))
			sc := bufio.NewScanner(&buf)
			n := 0
			for sc.Scan() {
				var m map[string]any
				require.NoError(t, json.Unmarshal(sc.Bytes(), &m))
				assert.NotEmpty(t, m["id"])
				n++
			}
			assert.Equal(t, tt.lines, n)
		})
	}
	var buf bytes.Buffer
	require.NoError(t, write(&buf, false, false, true))
	var f sample.Facts
	require.NoError(t, json.Unmarshal(buf.Bytes(), &f))
	assert.Equal(t, "Kestrel", f.Brand)
}

func TestOutFile(t *testing.T) {
	out := filepath.Join(t.TempDir(), "texts.jsonl")
	require.NoError(t, run(io.Discard, out, false, true, false))
	require.Error(t, run(io.Discard, filepath.Join(t.TempDir(), "no", "such", "dir"), false, true, false))
}
