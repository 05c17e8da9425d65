package respond_test

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/respond"
	"github.com/harkhq/hark/score"
)

// carePost is one labelled post of score/testdata/care.
type carePost struct {
	ID      string `json:"id"`
	Text    string `json:"text"`
	Urgency int    `json:"urgency"`
	Intent  string `json:"intent"`
	Lang    string `json:"lang"`
}

func readCare(t testing.TB) []carePost {
	t.Helper()
	files, err := filepath.Glob("../score/testdata/care/*.jsonl")
	require.NoError(t, err)
	if len(files) == 0 {
		t.Skip("no labelled care set at score/testdata/care")
	}
	var out []carePost
	for _, f := range files {
		fh, err := os.Open(f)
		require.NoError(t, err)
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var p carePost
			require.NoError(t, json.Unmarshal(sc.Bytes(), &p), "%s", f)
			out = append(out, p)
		}
		require.NoError(t, sc.Err())
		fh.Close()
	}
	return out
}

// TestShippedPolicyOnCareSet checks the shipped policy, with the default
// scorer, against the hand-labelled customer-care posts: critical posts get
// P1, low-urgency ones almost never do, and spam never gets a reply.
func TestShippedPolicyOnCareSet(t *testing.T) {
	posts := readCare(t)
	require.GreaterOrEqual(t, len(posts), 600)
	pol, err := respond.LoadPolicy("../examples/replay/policy.yaml")
	require.NoError(t, err)
	sc, err := score.New()
	require.NoError(t, err)

	ctx := context.Background()
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	var (
		crit, critP1       int
		low, lowP1         int
		spam, spamReplied  int
		replied, repliedOK int
	)
	for _, cp := range posts {
		p := hark.Post{ID: cp.ID, Text: cp.Text, Created: now.Add(-10 * time.Minute)}
		c := respond.Case{Post: p, Scores: sc.Score(p), Now: now}
		d, err := pol.Decide(ctx, c)
		require.NoError(t, err, cp.ID)
		switch {
		case cp.Urgency == 3:
			crit++
			if d.Priority == respond.P1 {
				critP1++
			}
		case cp.Urgency <= 1:
			low++
			if d.Priority == respond.P1 {
				lowP1++
			}
		}
		if cp.Intent == "spam" {
			spam++
			if d.Reply != "" {
				spamReplied++
				t.Logf("reply to spam %s: %q", cp.ID, cp.Text)
			}
		}
		if d.Reply != "" {
			replied++
			if cp.Lang == c.Scores.Language {
				repliedOK++
			}
		}
	}
	require.NotZero(t, crit)
	require.NotZero(t, low)
	require.NotZero(t, spam)
	critShare := float64(critP1) / float64(crit)
	lowShare := float64(lowP1) / float64(low)
	t.Logf("P1 for %d/%d critical posts (%.1f%%); P1 for %d/%d low-urgency posts (%.1f%%); %d/%d spam posts replied to; %d replies, %d in the post's labelled language",
		critP1, crit, 100*critShare, lowP1, low, 100*lowShare, spamReplied, spam, replied, repliedOK)
	assert.GreaterOrEqual(t, critShare, 0.80, "P1 for critical posts")
	assert.LessOrEqual(t, lowShare, 0.05, "P1 for low-urgency posts")
	assert.Zero(t, spamReplied, "replies to spam")
}
