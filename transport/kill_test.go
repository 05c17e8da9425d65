package transport_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/listen"
	"github.com/harkhq/hark/listen/listentest"
	"github.com/harkhq/hark/respond"
	"github.com/harkhq/hark/state"
	"github.com/harkhq/hark/state/bolt"
	"github.com/harkhq/hark/transport"
)

// The kill test re-runs this test binary as a one-machine Hark process
// (bolt store, Direct transport, replies appended to a file) and kills it
// with SIGKILL while it works.
const killEnv = "HARK_DIRECT_KILL_CHILD"

const killPosts = 300

func killChild() bool {
	dir := os.Getenv(killEnv)
	if dir == "" {
		return false
	}
	err := childMain(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	os.Exit(0)
	return true
}

func childMain(dir string) error {
	kv, err := bolt.Open(filepath.Join(dir, "hark.db"))
	if err != nil {
		return err
	}
	defer kv.Close()
	out, err := os.OpenFile(filepath.Join(dir, "replies"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer out.Close()
	notify := respond.NotifierFunc(func(_ context.Context, m respond.Message) error {
		_, err := fmt.Fprintln(out, m.PostID) // one write(2): whole lines only
		return err
	})
	d := respond.NewDispatcher(respond.Routes{"reply": notify}, respond.WithLedger(state.NewLedger(kv, "")),
		respond.WithClaims(state.NewClaims(kv, "")), respond.WithLeaseTTL(200*time.Millisecond))
	h := func(ctx context.Context, p hark.Post) error {
		rep, err := d.Do(ctx, respond.Decision{PostID: p.ID, Team: "care", Reply: "On it.",
			Actions: []respond.Action{{Kind: respond.ActReply, Template: "ack", Rule: "all"}}, Case: respond.Case{Post: p}})
		if err != nil {
			return err
		}
		if n := rep.Count(respond.OutInFlight) + rep.Count(respond.OutFailed); n > 0 {
			return fmt.Errorf("%d actions not settled", n)
		}
		return nil
	}
	src := listentest.NewFakeSource("forum", posts("forum", killPosts)...)
	src.PageSize = 10
	src.Finite = true
	return transport.Ingest(context.Background(), src, transport.Direct{Handler: h}, nil,
		listen.WithCheckpoints(state.NewCheckpoints(kv, "")))
}

func replyLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	require.NoError(t, err)
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

// A one-machine process killed with SIGKILL three times while it replies,
// then run to its end: every post got its reply, the source was read on
// from the checkpoint each time, and a reply was repeated at most once per
// kill (the send in flight when the process died: the one window a ledger
// cannot close, which the receiver closes with the idempotency key).
func TestDirectOnBoltKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns child processes")
	}
	t.Parallel()
	dir := t.TempDir()
	replies := filepath.Join(dir, "replies")
	start := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), killEnv+"="+dir)
		cmd.Stderr = os.Stderr
		require.NoError(t, cmd.Start())
		return cmd
	}
	const kills = 3
	for k := range kills {
		cmd := start()
		want := (k + 1) * killPosts / (kills + 1)
		deadline := time.Now().Add(60 * time.Second)
		for len(replyLines(t, replies)) < want && time.Now().Before(deadline) {
			time.Sleep(2 * time.Millisecond)
		}
		require.NoError(t, cmd.Process.Kill())
		_ = cmd.Wait()
	}
	cmd := start()
	require.NoError(t, cmd.Wait(), "the last life runs to the end")

	lines := replyLines(t, replies)
	count := map[string]int{}
	for _, id := range lines {
		count[id]++
	}
	assert.Len(t, count, killPosts, "every post got its reply")
	assert.LessOrEqual(t, len(lines), killPosts+kills, "at most one repeated reply per kill")
	t.Logf("%d replies for %d posts over %d kills", len(lines), killPosts, kills)

	kv, err := bolt.Open(filepath.Join(dir, "hark.db"))
	require.NoError(t, err)
	defer kv.Close()
	require.NoError(t, kv.Check(context.Background()))
	cur, err := state.NewCheckpoints(kv, "").Load(context.Background(), "forum")
	require.NoError(t, err)
	assert.Equal(t, fmt.Sprint(killPosts), cur)
}
