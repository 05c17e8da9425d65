package state_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/harkhq/hark/state"
	"github.com/harkhq/hark/state/statetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestMemoryConformance(t *testing.T) {
	t.Parallel()
	statetest.Run(t, func(*testing.T) state.KV { return state.NewMemory(nil) })
}
