package natskv_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/harkhq/hark/respond"
	"github.com/harkhq/hark/state"
	"github.com/harkhq/hark/state/natskv"
	"github.com/harkhq/hark/state/statetest"
	"github.com/harkhq/hark/transport/natstest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestConformance(t *testing.T) {
	srv := natstest.Start(t, "")
	js, err := jetstream.New(srv.Connect())
	require.NoError(t, err)
	var n atomic.Int32
	statetest.Run(t, func(t *testing.T) state.KV {
		s, err := natskv.Open(context.Background(), js, natskv.Config{Bucket: fmt.Sprintf("b%d", n.Add(1))})
		require.NoError(t, err)
		return s
	})
}

// The state survives the server's restart, and the store works on through
// it once the client has reconnected.
func TestSurvivesServerRestart(t *testing.T) {
	srv := natstest.Start(t, "")
	js, err := jetstream.New(srv.Connect())
	require.NoError(t, err)
	ctx := context.Background()
	kv, err := natskv.Open(ctx, js, natskv.Config{Bucket: "hark"})
	require.NoError(t, err)
	cp := state.NewCheckpoints(kv, "")
	_, err = cp.Load(ctx, "forum")
	require.NoError(t, err)
	require.NoError(t, cp.Save(ctx, "forum", "41"))
	ledger := state.NewLedger(kv, "")
	now := time.Now()
	_, ok, err := ledger.Reserve(ctx, "key", "w1", now, time.Minute)
	require.NoError(t, err)
	require.True(t, ok)
	require.NoError(t, ledger.MarkSent(ctx, "key", "w1", now))

	srv.Restart()

	var cur string
	require.Eventually(t, func() bool {
		cur, err = state.NewCheckpoints(kv, "").Load(ctx, "forum")
		return err == nil
	}, 20*time.Second, 20*time.Millisecond, "the client reconnects")
	assert.Equal(t, "41", cur)
	require.NoError(t, cp.Save(ctx, "forum", "42"), "the same writer saves on after the restart")
	e, found, err := ledger.Get(ctx, "key")
	require.NoError(t, err)
	require.True(t, found)
	assert.Equal(t, respond.LedgerSent, e.State, "a recorded send survives the restart")
}
