package state

import (
	"context"

	"github.com/harkhq/hark/respond/surge"
)

// SurgeBaselines keeps a [surge.Detector]'s state (its baselines,
// thresholds, open episodes and driver tallies) as a snapshot named name
// in [Snapshots], so that a restarted process restores it instead of
// warming up again. A detector's snapshot is a few KB per key: mind the
// KV's value limit (1 MiB by default on NATS, some 250 keys); the on-disk
// store has none to speak of.
type SurgeBaselines struct {
	s    *Snapshots
	name string
}

// NewSurgeBaselines returns the baselines kept in s under name ("surge" if
// empty).
func NewSurgeBaselines(s *Snapshots, name string) *SurgeBaselines {
	if name == "" {
		name = "surge"
	}
	return &SurgeBaselines{s: s, name: name}
}

// Save stores d's state, replacing the previous snapshot. Call it now and
// then (after a replay, every few minutes, on shutdown); what happened since
// the last save is relearned after a restart.
func (b *SurgeBaselines) Save(ctx context.Context, d *surge.Detector) error {
	blob, err := d.MarshalBinary()
	if err != nil {
		return err
	}
	return b.s.Save(ctx, b.name, blob)
}

// Load restores d from the saved snapshot and reports whether there was
// one; d is left as it was when there is none or it does not restore (an
// error wrapping surge.ErrSnapshot).
func (b *SurgeBaselines) Load(ctx context.Context, d *surge.Detector) (bool, error) {
	blob, ok, err := b.s.Load(ctx, b.name)
	if err != nil || !ok {
		return false, err
	}
	if err := d.UnmarshalBinary(blob); err != nil {
		return false, err
	}
	return true, nil
}
