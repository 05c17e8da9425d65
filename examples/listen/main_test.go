package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func runArgs(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(t.Context(), args, &out, &errb, func(k string) string { return env[k] })
	return code, out.String(), errb.String()
}

func TestDemoHearsEveryAdapter(t *testing.T) {
	code, out, errs := runArgs(t, nil, "-demo")
	require.Equal(t, 0, code, errs)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	assert.Len(t, lines, 31)
	for _, src := range []string{"hn", "blog", "mastodon", "reddit", "bluesky", "forum", "x", "youtube", "appstore", "instagram"} {
		found := false
		for _, l := range lines {
			if strings.Fields(l)[1] == src {
				found = true
				break
			}
		}
		assert.True(t, found, "no post from %s", src)
	}
	code2, out2, _ := runArgs(t, nil, "-demo")
	require.Equal(t, 0, code2)
	assert.Equal(t, out, out2, "the demo's output is deterministic")
}

func TestDemoJSONAndFilter(t *testing.T) {
	code, out, errs := runArgs(t, nil, "-demo", "-json", "-filter", `acme AND (refund* OR crash* OR export*) -source:blog`)
	require.Equal(t, 0, code, errs)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.NotEmpty(t, lines)
	for _, l := range lines {
		var v struct {
			Post struct {
				ID, Source, Text string
			} `json:"post"`
			Score struct {
				Label   string  `json:"label"`
				Urgency int     `json:"urgency"`
				Sent    float64 `json:"sentiment"`
			} `json:"score"`
		}
		require.NoError(t, json.Unmarshal([]byte(l), &v), l)
		assert.NotEqual(t, "blog", v.Post.Source)
		low := strings.ToLower(v.Post.Text)
		assert.Contains(t, low, "acme")
		assert.True(t, strings.Contains(low, "refund") || strings.Contains(low, "crash") || strings.Contains(low, "export"), v.Post.Text)
		assert.NotEmpty(t, v.Score.Label)
	}
}

func TestFlagErrors(t *testing.T) {
	code, _, errs := runArgs(t, nil, "-demo", "-filter", "acme AND (")
	assert.Equal(t, 2, code)
	assert.Contains(t, errs, "column")
	code, _, errs = runArgs(t, nil, "-sources", "x")
	assert.Equal(t, 2, code)
	assert.Contains(t, errs, "X_BEARER_TOKEN")
	code, _, errs = runArgs(t, nil, "-sources", "reddit")
	assert.Equal(t, 2, code)
	assert.Contains(t, errs, "REDDIT_CLIENT_ID, REDDIT_CLIENT_SECRET, REDDIT_USER_AGENT")
	code, _, errs = runArgs(t, nil, "-sources", "myspace")
	assert.Equal(t, 2, code)
	assert.Contains(t, errs, "unknown source")
	code, _, _ = runArgs(t, nil, "-sources", "rss")
	assert.Equal(t, 2, code)
}
