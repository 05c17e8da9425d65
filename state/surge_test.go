package state_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkhq/hark/respond/surge"
	"github.com/harkhq/hark/state"
)

func TestSurgeBaselines(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	kv := state.NewMemory(nil)
	b := state.NewSurgeBaselines(state.NewSnapshots(kv, ""), "")

	fresh := surge.New(surge.Config{})
	ok, err := b.Load(ctx, fresh)
	require.NoError(t, err)
	assert.False(t, ok, "nothing saved yet")

	// a key posting every minute for three days
	t0 := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	d := surge.New(surge.Config{})
	for i := range 3 * 24 * 60 {
		d.Observe(surge.Observation{Keys: []string{"brand:acme"}, Time: t0.Add(time.Duration(i) * time.Minute), Terms: []string{"order"}, PostID: "p"})
	}
	require.NoError(t, b.Save(ctx, d))

	restored := surge.New(surge.Config{})
	ok, err = b.Load(ctx, restored)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, d.Len(), restored.Len())
	assert.Equal(t, d.Now(), restored.Now())
	// both see the same burst the same way
	at := d.Now().Add(time.Minute)
	burst := func(x *surge.Detector) []surge.Alert {
		var as []surge.Alert
		for i := range 60 {
			as = append(as, x.Observe(surge.Observation{Keys: []string{"brand:acme"}, Time: at.Add(time.Duration(i) * time.Second), Terms: []string{"outage"}, PostID: "q"})...)
		}
		return as
	}
	want := burst(d)
	require.NotEmpty(t, want)
	assert.Equal(t, want, burst(restored))

	// a corrupt snapshot is an error and leaves the detector alone
	require.NoError(t, state.NewSnapshots(kv, "").Save(ctx, "surge", []byte("not a snapshot")))
	other := surge.New(surge.Config{})
	ok, err = b.Load(ctx, other)
	assert.False(t, ok)
	assert.ErrorIs(t, err, surge.ErrSnapshot)
	assert.Zero(t, other.Len())
}
