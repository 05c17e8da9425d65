package natskv_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

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
