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

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/state"
	"github.com/harkhq/hark/state/bolt"
	"github.com/harkhq/hark/state/natskv"
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

// forgetCheckpoint deletes the source's checkpoint from kv, as a state
// restored from an older backup or a source re-read from its start would
// leave it.
func forgetCheckpoint(t *testing.T, kv state.KV, source string) {
	t.Helper()
	ctx := context.Background()
	e, err := kv.Get(ctx, state.Key("checkpoint", source))
	require.NoError(t, err)
	require.NoError(t, kv.Delete(ctx, e.Key, e.Revision))
}

func TestLocalRoleDedupeSurvivesRestart(t *testing.T) {
	const n = 20
	in := writePosts(t, n)
	db := filepath.Join(t.TempDir(), "hark.db")
	args := []string{"-role", "local", "-in", in, "-source", "forum", "-policy", policy, "-db", db}
	var out, errs bytes.Buffer
	require.Equal(t, 0, run(context.Background(), args, &out, &errs), errs.String())
	require.Len(t, decisionIDs(t, out.String()), n)

	kv, err := bolt.Open(db)
	require.NoError(t, err)
	forgetCheckpoint(t, kv, "forum")
	keys, err := kv.Keys(context.Background(), "seen.forum.")
	require.NoError(t, err)
	assert.Len(t, keys, n, "every post remembered in the state file")
	require.NoError(t, kv.Close())

	// The file is read again from its start: the dedupe set in the state
	// file drops every post.
	out.Reset()
	require.Equal(t, 0, run(context.Background(), args, &out, &errs), errs.String())
	assert.Empty(t, decisionIDs(t, out.String()), "no post decided twice")
}

func TestIngestReplicasShareDedupe(t *testing.T) {
	const n = 25
	srv := natstest.Start(t, "")
	in := writePosts(t, n)
	common := []string{"-nats", srv.URL(), "-role", "ingest", "-in", in, "-source", "forum"}
	var errs syncBuffer
	ctx := context.Background()
	require.Equal(t, 0, run(ctx, append(common, "-worker", "i1"), &bytes.Buffer{}, &errs), errs.String())

	nc, err := nats.Connect(srv.URL())
	require.NoError(t, err)
	defer nc.Close()
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	kv, err := natskv.Open(ctx, js, natskv.Config{Bucket: "hark"})
	require.NoError(t, err)
	forgetCheckpoint(t, kv, "forum")

	// Another replica, with no checkpoint to resume from, reads the whole
	// file: the shared dedupe set keeps it from publishing any post again.
	require.Equal(t, 0, run(ctx, append(common, "-worker", "i2"), &bytes.Buffer{}, &errs), errs.String())
	assert.Equal(t, 1, strings.Count(errs.String(), fmt.Sprintf("published=%d", n)), "the first replica published everything")
	assert.Contains(t, errs.String(), "published=0", "the second replica published nothing")
}
