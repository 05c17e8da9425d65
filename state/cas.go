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
	for range maxCASRetries {
		cur, err := kv.Get(ctx, key)
		ok := err == nil
		if err != nil && !errors.Is(err, ErrNotFound) {
			return Entry{}, false, err
		}
		next, write, err := f(cur, ok)
		if err != nil {
			return cur, false, err
		}
		if !write {
			return cur, false, nil
		}
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
