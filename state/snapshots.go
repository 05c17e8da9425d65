package state

import (
	"context"
	"errors"
)

// Snapshots keeps opaque blobs by name in a [KV], under the keys
// "<ns>.<name>": the serialised state of a component that keeps its state
// in memory and can dump and restore it whole (surge baselines, for one).
// A snapshot must fit the KV's value limit (1 MiB by default on NATS).
type Snapshots struct {
	kv KV
	ns string
}

// NewSnapshots returns snapshots kept in kv under namespace ns ("snapshot"
// if empty).
func NewSnapshots(kv KV, ns string) *Snapshots {
	if ns == "" {
		ns = "snapshot"
	}
	return &Snapshots{kv: kv, ns: ns}
}

// Save stores b as the snapshot name, replacing the previous one.
func (s *Snapshots) Save(ctx context.Context, name string, b []byte) error {
	_, err := s.kv.Put(ctx, Key(s.ns, name), b, 0)
	return err
}

// Load returns the snapshot name, and false if there is none.
func (s *Snapshots) Load(ctx context.Context, name string) ([]byte, bool, error) {
	e, err := s.kv.Get(ctx, Key(s.ns, name))
	if errors.Is(err, ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return e.Value, true, nil
}
