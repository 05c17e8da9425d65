package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/transport/natstest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const policy = "../replay/policy.yaml"

var texts = []string{
	"@acme my card was charged twice and nobody answers, this is a scam",
	"Love the new @acme app, checkout is so fast now",
	"does @acme ship to Canada?",
	"@acme outage again, can't log in for 3 hours, I'm switching providers",
	"just had coffee",
	"@acme your driver left my parcel in the rain, soaked",
}

// writePosts writes n posts as JSONL (with one malformed line) and returns
// the file's path.
func writePosts(t *testing.T, n int) string {
	t.Helper()
	var b bytes.Buffer
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for i := range n {
		p := hark.Post{ID: fmt.Sprintf("p%03d", i), Source: "forum", Text: texts[i%len(texts)],
			Created: t0.Add(time.Duration(i) * time.Minute), ThreadID: fmt.Sprintf("t%03d", i),
			Author: hark.Author{ID: fmt.Sprintf("u%d", i%7), Handle: fmt.Sprintf("@u%d", i%7), Followers: int64(10 * i)}}
		line, err := json.Marshal(p)
		require.NoError(t, err)
		b.Write(line)
		b.WriteByte('\n')
		if i == n/2 {
			b.WriteString("{not json\n")
		}
	}
	path := filepath.Join(t.TempDir(), "posts.jsonl")
	require.NoError(t, os.WriteFile(path, b.Bytes(), 0o600))
	return path
}

func decisionIDs(t *testing.T, out string) []string {
	t.Helper()
	var ids []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if l == "" {
			continue
		}
		var d decisionLine
		require.NoError(t, json.Unmarshal([]byte(l), &d), l)
		require.NotEmpty(t, d.Rules, "a rule decided %s", d.ID)
		ids = append(ids, d.ID)
	}
	return ids
}

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a worker.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestLocalRoleResumes(t *testing.T) {
	const n = 30
	in := writePosts(t, n)
	db := filepath.Join(t.TempDir(), "hark.db")
	args := []string{"-role", "local", "-in", in, "-source", "forum", "-policy", policy, "-db", db}
	var out, errs bytes.Buffer
	require.Equal(t, 0, run(context.Background(), args, &out, &errs), errs.String())
	ids := decisionIDs(t, out.String())
	assert.Len(t, ids, n, "one decision per post")
	assert.Contains(t, errs.String(), "skipped malformed line")

	// A second run starts from the checkpoint at the end: nothing again.
	out.Reset()
	require.Equal(t, 0, run(context.Background(), args, &out, &errs), errs.String())
	assert.Empty(t, decisionIDs(t, out.String()))
}

func TestIngestAndTwoWorkers(t *testing.T) {
	const n = 40
	srv := natstest.Start(t, "")
	in := writePosts(t, n)
	common := []string{"-nats", srv.URL()}
	var errs syncBuffer
	ctx := context.Background()
	require.Equal(t, 0, run(ctx, append([]string{"-role", "ingest", "-in", in, "-source", "forum", "-worker", "i1"}, common...),
		&bytes.Buffer{}, &errs), errs.String())
	// A second ingester resumes at the checkpoint: nothing to publish.
	require.Equal(t, 0, run(ctx, append([]string{"-role", "ingest", "-in", in, "-source", "forum", "-worker", "i2"}, common...),
		&bytes.Buffer{}, &errs), errs.String())

	outs := make([]*syncBuffer, 2)
	var wg sync.WaitGroup
	for w := range outs {
		outs[w] = new(syncBuffer)
		wg.Go(func() {
			code := run(ctx, append([]string{"-role", "work", "-policy", policy, "-worker", fmt.Sprintf("w%d", w),
				"-idle", "2s", "-concurrency", "2"}, common...), outs[w], &errs)
			assert.Equal(t, 0, code)
		})
	}
	wg.Wait()
	seen := map[string]int{}
	for _, o := range outs {
		for _, id := range decisionIDs(t, o.String()) {
			seen[id]++
		}
	}
	assert.Len(t, seen, n, "every post decided")
	for id, c := range seen {
		assert.Equal(t, 1, c, "post %s decided once", id)
	}
	assert.Contains(t, errs.String(), "published=40", "the first ingester published everything once")
	assert.Contains(t, errs.String(), "published=0", "the second resumed at the end")
}
