package surge

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// snapStream is a stream with a surge, a negativity shift and a silence,
// over a week, under three keys and two sources.
func snapStream() ([]Observation, time.Time) {
	incident := t0.Add(5*24*time.Hour + 14*time.Hour)
	gap := t0.Add(4*24*time.Hour + 11*time.Hour)
	keys := []streamKey{
		{name: "brand:acme", rate: 2, negP: 0.2, event: func(t time.Time) (float64, float64, []string) {
			if d := t.Sub(incident); d >= 0 && d < 3*time.Hour {
				return 1 + 4*math.Min(1, float64(d)/float64(20*time.Minute)), 0.7, []string{"outage", "checkout"}
			}
			return 1, 0, nil
		}},
		{name: "product:x2", rate: 0.5, negP: 0.1},
		{name: "feed:forum", rate: 1.5, silence: [2]time.Time{gap, gap.Add(4 * time.Hour)}},
	}
	return genStream(7, t0, 7, keys), t0.Add(7 * 24 * time.Hour)
}

// before returns the index of the first observation at or after t.
func before(obs []Observation, t time.Time) int {
	for i, o := range obs {
		if !o.Time.Before(t) {
			return i
		}
	}
	return len(obs)
}

// keysOf returns the detector's key states, for comparison.
func keysOf(d *Detector) []keyState {
	var ks []keyState
	for _, k := range d.list {
		ks = append(ks, *k)
	}
	return ks
}

// A detector restored from a snapshot holds the same state as the one
// that took it, and raises the same alerts from then on.
func TestSnapshotRoundTrip(t *testing.T) {
	obs, end := snapStream()
	// warming up; before the silence; before the surge
	for _, cut := range []time.Duration{30 * time.Hour, 4*24*time.Hour + 5*time.Hour, 5*24*time.Hour + 12*time.Hour} {
		a := New(Config{})
		i := before(obs, t0.Add(cut))
		for _, o := range obs[:i] {
			a.Observe(o)
		}
		var buf bytes.Buffer
		require.NoError(t, a.Snapshot(&buf))
		snap := bytes.Clone(buf.Bytes())
		t.Logf("cut %s: %d keys, %d bytes (%d per key)", cut, a.Len(), len(snap), len(snap)/a.Len())

		b := New(Config{})
		b.Observe(Observation{Keys: []string{"other"}, Time: t0}) // state that the restore replaces
		require.NoError(t, b.Restore(&buf))
		assert.Equal(t, a.Len(), b.Len())
		assert.Equal(t, a.Now(), b.Now())
		assert.Equal(t, a.hash, b.hash)
		assert.True(t, reflect.DeepEqual(keysOf(a), keysOf(b)), "every field of every key survives")
		assert.Equal(t, *a.global, *b.global)
		again, err := b.MarshalBinary()
		require.NoError(t, err)
		assert.Equal(t, snap, again, "a restored detector's snapshot is the same")

		wantAlerts := runStream(a, obs[i:], end)
		gotAlerts := runStream(b, obs[i:], end)
		require.NotEmpty(t, wantAlerts)
		assert.Equal(t, wantAlerts, gotAlerts, "the same alerts after the restore")
		for _, k := range []string{"brand:acme", "feed:forum"} {
			assert.Equal(t, a.Status(k), b.Status(k))
		}
	}
}

// A detector restored in a process that starts over (a fresh New) does not
// relearn: it raises the alerts the original raises, where a fresh detector
// without the snapshot is still warming up.
func TestSnapshotSavesTheWarmup(t *testing.T) {
	obs, end := snapStream()
	i := before(obs, t0.Add(5*24*time.Hour+12*time.Hour))
	a := New(Config{})
	for _, o := range obs[:i] {
		a.Observe(o)
	}
	snap, err := a.MarshalBinary()
	require.NoError(t, err)
	b := New(Config{})
	require.NoError(t, b.UnmarshalBinary(snap))
	restored := runStream(b, obs[i:], end)
	cold := runStream(New(Config{}), obs[i:], end)
	surge := func(as []Alert) bool {
		for _, a := range as {
			if a.Key == "brand:acme" && a.Kind == KindVolume {
				return true
			}
		}
		return false
	}
	assert.True(t, surge(restored), "the restored detector catches the surge")
	assert.False(t, surge(cold), "a cold one, learning, does not")
}

func TestSnapshotEmptyDetector(t *testing.T) {
	snap, err := New(Config{}).MarshalBinary()
	require.NoError(t, err)
	d := New(Config{})
	require.NoError(t, d.UnmarshalBinary(snap))
	assert.Zero(t, d.Len())
	assert.True(t, d.Now().IsZero())
	assert.Empty(t, d.Observe(Observation{Keys: []string{"k"}, Time: t0}))
	assert.Equal(t, 1, d.Len())
}

// The clock's location survives, so hour-of-day slots stay where they were.
func TestSnapshotLocation(t *testing.T) {
	for _, loc := range []*time.Location{time.UTC, time.FixedZone("X", 5*3600+1800), mustLoad(t, "Europe/Paris")} {
		a := New(Config{})
		a.Observe(Observation{Keys: []string{"k"}, Time: t0.In(loc).Add(time.Hour)})
		a.Advance(t0.In(loc).Add(3 * time.Hour))
		snap, err := a.MarshalBinary()
		require.NoError(t, err)
		b := New(Config{})
		require.NoError(t, b.UnmarshalBinary(snap))
		_, offA := a.Now().Zone()
		_, offB := b.Now().Zone()
		assert.Equal(t, offA, offB, loc.String())
		assert.True(t, a.Now().Equal(b.Now()))
		assert.Equal(t, a.Now().Hour(), b.Now().Hour())
	}
}

func mustLoad(t *testing.T, name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		t.Skipf("no zone database: %v", err)
	}
	return l
}

// A corrupt snapshot is a clear error, never a panic, and leaves the
// detector as it was.
func TestSnapshotCorrupt(t *testing.T) {
	obs, _ := snapStream()
	a := New(Config{})
	for _, o := range obs[:len(obs)/2] {
		a.Observe(o)
	}
	snap, err := a.MarshalBinary()
	require.NoError(t, err)

	b := New(Config{})
	b.Observe(Observation{Keys: []string{"mine"}, Time: t0})
	check := func(what string, data []byte, msg string) {
		t.Helper()
		err := b.UnmarshalBinary(data)
		require.Error(t, err, what)
		assert.True(t, errors.Is(err, ErrSnapshot), "%s: %v", what, err)
		assert.Contains(t, err.Error(), msg, what)
		assert.Equal(t, 1, b.Len(), "%s: the detector is left as it was", what)
	}
	check("empty", nil, "not a surge snapshot")
	check("other data", []byte("{\"keys\": []}"), "not a surge snapshot")
	check("short", snap[:8], "not a surge snapshot")
	for _, n := range []int{100, len(snap) / 2, len(snap) - 1} {
		check("truncated", snap[:n], "checksum")
	}
	flipped := bytes.Clone(snap)
	flipped[len(flipped)/3] ^= 0x40
	check("flipped", flipped, "checksum")
	next := bytes.Clone(snap)
	next[len(snapMagic)] = snapVersion + 1
	check("version", next, fmt.Sprintf("version %d, this build reads version %d", snapVersion+1, snapVersion))

	// a body that is sound by its checksum but not by its content
	other, err := New(Config{Bucket: time.Minute}).MarshalBinary()
	require.NoError(t, err)
	check("bucket width", other, "buckets of 1m0s")
	check("trailing", sealed(append(bytes.Clone(snap[:len(snap)-4]), 0)), "after the last key")
	few, err := New(Config{MaxKeys: 2}).MarshalBinary()
	require.NoError(t, err)
	small := New(Config{MaxKeys: 2})
	require.NoError(t, small.UnmarshalBinary(few))
	err = small.UnmarshalBinary(snap)
	require.ErrorIs(t, err, ErrSnapshot)
	assert.Contains(t, err.Error(), "more than MaxKeys")
}

// A snapshot written by an earlier build of this version restores, and
// writes back byte for byte: the encoding has not changed under its
// version number. (Made with -update-golden: one day of snapStream.)
func TestSnapshotGolden(t *testing.T) {
	path := filepath.Join("testdata", fmt.Sprintf("snapshot-v%d.bin", snapVersion))
	if *updateGolden {
		obs, _ := snapStream()
		d := New(Config{})
		for _, o := range obs[:before(obs, t0.Add(24*time.Hour))] {
			d.Observe(o)
		}
		b, err := d.MarshalBinary()
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(path, b, 0o644))
	}
	golden, err := os.ReadFile(path)
	require.NoError(t, err)
	d := New(Config{})
	require.NoError(t, d.UnmarshalBinary(golden), "a snapshot of version %d no longer restores: raise snapVersion", snapVersion)
	again, err := d.MarshalBinary()
	require.NoError(t, err)
	require.Equal(t, golden, again, "the encoding of version %d changed: raise snapVersion", snapVersion)
	assert.Equal(t, 5, d.Len())
}

var updateGolden = flag.Bool("update-golden", false, "rewrite testdata/snapshot-v*.bin")

// sealed gives a snapshot's bytes, without their checksum, a right one.
func sealed(b []byte) []byte {
	return binary.LittleEndian.AppendUint32(b, crc32.ChecksumIEEE(b))
}

// FuzzSnapshotBody feeds the decoder bodies under a valid header and
// checksum, so that it reaches the fields: it must never panic nor hang,
// what it accepts must snapshot again to a snapshot that restores, and the
// restored detector must keep working. The seeds in
// testdata/fuzz/FuzzSnapshotBody are bodies of small detectors' snapshots.
func FuzzSnapshotBody(f *testing.F) {
	for _, n := range []int{0, 1, 40} {
		d := New(Config{})
		obs, _ := snapStream()
		for _, o := range obs[:n] {
			d.Observe(o)
		}
		b, err := d.MarshalBinary()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b[len(snapMagic)+1 : len(b)-4])
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		data := sealed(append([]byte(snapMagic+string(rune(snapVersion))), body...))
		d := New(Config{})
		if err := d.UnmarshalBinary(data); err != nil {
			if !errors.Is(err, ErrSnapshot) {
				t.Fatalf("error not wrapping ErrSnapshot: %v", err)
			}
			return
		}
		again, err := d.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		d2 := New(Config{})
		if err := d2.UnmarshalBinary(again); err != nil {
			t.Fatalf("a snapshot of a restored detector does not restore: %v", err)
		}
		// the restored detector keeps working
		d.Advance(d.Now().Add(time.Hour))
		d.Observe(Observation{Keys: []string{"k", "brand:acme"}, Time: d.Now().Add(time.Minute), Terms: []string{"x"}, PostID: "p"})
	})
}
