package state

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// maxCASRetries bounds the compare-and-set loop of [Modify]: a key that
// keeps changing under it this many times in a row is an error rather than
// a livelock.
const maxCASRetries = 64

// ErrContention is returned by [Modify] when the key changed under it on
// every one of its attempts.
var ErrContention = errors.New("state: too much contention on key")

// Modify reads key, asks f what to write, and writes it with
// compare-and-set, trying again from a fresh read if another writer got in
// between. f gets the current entry and whether there is one; it returns
// the value to write and true, or false to leave the key as it is. Modify
// returns the entry written (or the one read, when f wrote nothing) and
// whether it wrote. f may be called more than once and must have no side
// effects of its own. ttl is the written value's expiry (see [KV]).
func Modify(ctx context.Context, kv KV, key string, ttl time.Duration,
	f func(cur Entry, ok bool) ([]byte, bool, error)) (Entry, bool, error) {
	return modify(ctx, kv, key, ttl, nil, f)
}

// ModifyFrom is [Modify] starting from a guess of the key's current entry
// instead of a read: f is first called with the guess (ok false when the
// guess is that the key is absent), and its write is tried against it;
// only if that write conflicts is the key read. A right guess saves a
// round trip to the store. Adapters guess "absent" for keys that are nearly
// always new (ledger keys, claims) and the entry they last wrote for keys
// they hold.
func ModifyFrom(ctx context.Context, kv KV, key string, ttl time.Duration, guess Entry, ok bool,
	f func(cur Entry, ok bool) ([]byte, bool, error)) (Entry, bool, error) {
	return modify(ctx, kv, key, ttl, &guessed{guess, ok}, f)
}

type guessed struct {
	e  Entry
	ok bool
}

func modify(ctx context.Context, kv KV, key string, ttl time.Duration, g *guessed,
	f func(cur Entry, ok bool) ([]byte, bool, error)) (Entry, bool, error) {
	for range maxCASRetries {
		var cur Entry
		var ok bool
		if g != nil {
			cur, ok = g.e, g.ok
			cur.Key = key
		} else {
			var err error
			cur, err = kv.Get(ctx, key)
			ok = err == nil
			if err != nil && !errors.Is(err, ErrNotFound) {
				return Entry{}, false, err
			}
		}
		next, write, err := f(cur, ok)
		if err != nil || !write {
			if g != nil {
				// The guess may be wrong: decide on what is stored.
				g = nil
				continue
			}
			return cur, false, err
		}
		g = nil
		var rev uint64
		if ok {
			rev, err = kv.Update(ctx, key, next, cur.Revision, ttl)
		} else {
			rev, err = kv.Create(ctx, key, next, ttl)
		}
		switch {
		case err == nil:
			return Entry{Key: key, Value: next, Revision: rev}, true, nil
		case errors.Is(err, ErrConflict), errors.Is(err, ErrExists):
			continue
		default:
			return Entry{}, false, err
		}
	}
	return Entry{}, false, fmt.Errorf("%w %q", ErrContention, key)
}
