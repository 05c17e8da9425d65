package state_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkhq/hark/influence"
	"github.com/harkhq/hark/respond"
	"github.com/harkhq/hark/state"
)

var fuzzNow = time.Date(2026, 2, 17, 9, 0, 0, 0, time.UTC)

// corrupt replaces the value of every key under ns with value.
func corrupt(t testing.TB, kv state.KV, ns string, value []byte) {
	t.Helper()
	keys, err := kv.Keys(context.Background(), ns+".")
	require.NoError(t, err)
	require.NotEmpty(t, keys)
	for _, k := range keys {
		_, err := kv.Put(context.Background(), k, value, 0)
		require.NoError(t, err)
	}
}

// dueTimer is a timer past its warning, so Due returns it.
func dueTimer(key string) respond.SLATimer {
	return respond.SLATimer{Key: key, Priority: respond.P1, Started: fuzzNow.Add(-time.Hour), Target: time.Minute,
		AllHours: true, RunningSince: fuzzNow.Add(-time.Hour), DueAt: fuzzNow.Add(-59 * time.Minute), Next: fuzzNow.Add(-59 * time.Minute)}
}

// FuzzStoredValue puts any bytes where a ledger entry, a claim, a timer, a
// profile or a checkpoint is kept (another version wrote it, a disk bit
// flipped) and reads them back through every store: no panic, and one
// unreadable record does not stop the reads of the others. Seeds are in
// testdata/fuzz/FuzzStoredValue.
func FuzzStoredValue(f *testing.F) {
	f.Fuzz(func(t *testing.T, kind uint8, value []byte) {
		ctx := context.Background()
		kv := state.NewMemory(func() time.Time { return fuzzNow })
		switch kind % 5 {
		case 0:
			l := state.NewLedger(kv, "ledger")
			_, _, err := l.Reserve(ctx, "k", "me", fuzzNow, time.Minute)
			require.NoError(t, err)
			corrupt(t, kv, "ledger", value)
			l.Get(ctx, "k")
			l.Reserve(ctx, "k", "me", fuzzNow, time.Minute)
			l.MarkSent(ctx, "k", "me", fuzzNow)
			l.Release(ctx, "k", "me")
		case 1:
			c := state.NewClaims(kv, "claims")
			_, err := c.Acquire(ctx, "conv", "me", fuzzNow, time.Minute)
			require.NoError(t, err)
			corrupt(t, kv, "claims", value)
			c.Holder(ctx, "conv", fuzzNow)
			c.Renew(ctx, "conv", "me", fuzzNow, time.Minute)
			c.Acquire(ctx, "conv", "you", fuzzNow, time.Minute)
			c.Release(ctx, "conv", "me")
		case 2:
			s := state.NewTimers(kv, "sla")
			require.NoError(t, s.Put(ctx, dueTimer("bad")))
			corrupt(t, kv, "sla", value)
			require.NoError(t, s.Put(ctx, dueTimer("good")))
			s.Get(ctx, "bad")
			due, _ := s.Due(ctx, fuzzNow)
			assert.Contains(t, keysOf(due), "good", "the readable timer is due whatever its neighbour holds")
		case 3:
			p := state.NewProfiles(kv, "prof", time.Second)
			require.NoError(t, p.Put(influence.AuthorProfile{Key: "x:bad", Followers: 1}))
			corrupt(t, kv, "prof", value)
			require.NoError(t, p.Put(influence.AuthorProfile{Key: "x:good", Followers: 2}))
			p.Get("x:bad")
			var seen []string
			p.Range(func(ap influence.AuthorProfile) bool { seen = append(seen, ap.Key); return true })
			assert.Contains(t, seen, "x:good", "the readable profile is visited whatever its neighbour holds")
		case 4:
			c := state.NewCheckpoints(kv, "cp")
			require.NoError(t, c.Save(ctx, "hn", "1"))
			corrupt(t, kv, "cp", value)
			cur, err := c.Load(ctx, "hn")
			require.NoError(t, err)
			assert.Equal(t, string(value), cur, "a cursor is opaque: kept as stored")
			c.Save(ctx, "hn", "2")
		}
	})
}

func keysOf(ts []respond.SLATimer) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Key)
	}
	return out
}

// One timer that does not decode is named in Due's error; the other due
// timers are still returned, and the SLA tracker still fires them.
func TestCorruptTimerDoesNotHoldBackTheOthers(t *testing.T) {
	ctx := context.Background()
	kv := state.NewMemory(nil)
	s := state.NewTimers(kv, "sla")
	clk := &movingClock{t: fuzzNow.Add(-time.Hour)}
	sla := respond.BusinessSLA{Targets: map[respond.Priority]respond.Target{respond.P1: {Within: time.Minute, AllHours: true}}}
	tr := respond.NewTracker(sla, s, clk)
	_, err := tr.Start(ctx, "bad", respond.P1, time.Time{})
	require.NoError(t, err)
	corrupt(t, kv, "sla", []byte(`{"Key":"bad","Next":"not a time"`))
	_, err = tr.Start(ctx, "good", respond.P1, time.Time{})
	require.NoError(t, err)
	clk.t = fuzzNow

	due, err := s.Due(ctx, fuzzNow)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "sla.bad")
	assert.Equal(t, []string{"good"}, keysOf(due))

	var fired []string
	err = tr.Check(ctx, func(_ context.Context, ev respond.SLAEvent) error {
		fired = append(fired, ev.Key)
		return nil
	})
	require.Error(t, err, "the unreadable timer is reported")
	assert.Contains(t, fired, "good")
}

type movingClock struct{ t time.Time }

func (c *movingClock) Now() time.Time { return c.t }

// One profile that does not decode is named in Range's error once the
// others have been visited.
func TestCorruptProfileDoesNotHideTheOthers(t *testing.T) {
	kv := state.NewMemory(nil)
	p := state.NewProfiles(kv, "prof", time.Second)
	require.NoError(t, p.Put(influence.AuthorProfile{Key: "x:bad"}))
	corrupt(t, kv, "prof", []byte("\xff{"))
	require.NoError(t, p.Put(influence.AuthorProfile{Key: "x:good"}))
	var seen []string
	err := p.Range(func(ap influence.AuthorProfile) bool { seen = append(seen, ap.Key); return true })
	require.Error(t, err)
	assert.Contains(t, err.Error(), "state: profile prof.", "the error names the stored key")
	assert.Equal(t, []string{"x:good"}, seen)
}
