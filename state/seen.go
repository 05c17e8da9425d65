package state

import (
	"context"
	"errors"
	"time"
)

// Seen is a durable dedupe set: it remembers keys (such as a source and a
// post ID) for a while, so that work repeated after a crash or a
// redelivery is recognised. Implementations must be safe for concurrent
// use, and Add must be atomic: of many concurrent Adds of one key, exactly
// one reports it fresh.
type Seen interface {
	// Add remembers key for ttl (0: until forgotten otherwise) and reports
	// whether it was fresh, that is not remembered already.
	Add(ctx context.Context, key string, ttl time.Duration) (fresh bool, err error)
}

// KVSeen is a [Seen] on a [KV], under the keys "<ns>.<key>". Each key is
// created with the KV's expiry, so the KV forgets it by itself.
type KVSeen struct {
	kv KV
	ns string
}

// NewSeen returns a Seen kept in kv under namespace ns ("seen" if empty).
func NewSeen(kv KV, ns string) *KVSeen {
	if ns == "" {
		ns = "seen"
	}
	return &KVSeen{kv: kv, ns: ns}
}

// Add implements [Seen].
func (s *KVSeen) Add(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	_, err := s.kv.Create(ctx, Key(s.ns, key), nil, ttl)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, ErrExists):
		return false, nil
	default:
		return false, err
	}
}

// Contains reports whether key is remembered.
func (s *KVSeen) Contains(ctx context.Context, key string) (bool, error) {
	_, err := s.kv.Get(ctx, Key(s.ns, key))
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, ErrNotFound):
		return false, nil
	default:
		return false, err
	}
}
