package respond

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"sync"
	"time"
)

// IdempotencyKey returns the key of action a of the decision about post
// postID: a hex string of 32 characters (128 bits of SHA-256) over the post,
// the rule that asked, the kind, and what the action aims at (team, queue,
// channel, template, tag). It is the same on every retry, every restart and
// every worker, and differs between two actions of one decision.
func IdempotencyKey(postID string, a Action) string {
	buf := make([]byte, 0, 256)
	for _, s := range [...]string{"hark.v1", postID, a.Rule, string(a.Kind), a.Team, a.Queue, a.Channel, a.Template, a.Tag} {
		buf = binary.BigEndian.AppendUint64(buf, uint64(len(s)))
		buf = append(buf, s...)
	}
	sum := sha256.Sum256(buf)
	return hex.EncodeToString(sum[:16])
}

// LedgerState is the state of a key in a [Ledger].
type LedgerState string

// Ledger states.
const (
	// LedgerPending: a worker reserved the key and may be sending.
	LedgerPending LedgerState = "pending"
	// LedgerSent: the send was recorded; the key is never sent again.
	LedgerSent LedgerState = "sent"
)

// A LedgerEntry is what a ledger holds for one key.
type LedgerEntry struct {
	Key   string
	State LedgerState
	// Owner is the worker that reserved (pending) or sent (sent) the key.
	Owner string
	// Expires is when a pending reservation lapses and another worker may
	// take the key over.
	Expires time.Time
	// SentAt is when the send was recorded.
	SentAt time.Time
	// Reservations counts the reservations the key has had: more than one
	// means a send was retried after a release, a lapse or a crash.
	Reservations int
}

// ErrNotReserved is returned by [Ledger.MarkSent] and [Ledger.Release]
// implementations that cannot find the key at all.
var ErrNotReserved = errors.New("respond: ledger key not reserved")

// A Ledger records which idempotency keys were sent, so that a retry, a
// second worker or a restart never sends a key twice once its send is
// recorded. Its protocol is a lease:
//
//   - Reserve takes a key for an owner until now+ttl, if the key is absent,
//     or pending under a lease that has lapsed, or pending under the same
//     owner. It reports false with the entry when the key is sent, or
//     pending under another owner's live lease.
//   - MarkSent records the send. It succeeds whoever holds the lease: the
//     send happened.
//   - Release gives a pending reservation back (nothing was sent, or the
//     send failed), so a later dispatch may try again; it does nothing to a
//     sent key or another owner's lease.
//
// A worker that crashes between a send and MarkSent leaves the key pending;
// when its lease lapses another worker sends again with the same key. The
// ledger thus gives at-least-once delivery with a stable key; it cannot
// give exactly-once alone, since no store can commit together with a
// remote endpoint. Implementations must be safe for concurrent use, and
// Reserve must be atomic (compare-and-set): an on-disk store does it in a
// transaction, a NATS key-value bucket with a revision check. Times come
// from the caller, so a ledger needs no clock of its own.
type Ledger interface {
	Reserve(ctx context.Context, key, owner string, now time.Time, ttl time.Duration) (LedgerEntry, bool, error)
	MarkSent(ctx context.Context, key, owner string, at time.Time) error
	Release(ctx context.Context, key, owner string) error
}

// MemLedger is an in-memory [Ledger] for one process and for tests. Its
// zero value is ready to use. It keeps every sent key until
// [MemLedger.Forget] drops it.
type MemLedger struct {
	mu sync.Mutex
	m  map[string]LedgerEntry
}

// Reserve implements [Ledger].
func (l *MemLedger) Reserve(_ context.Context, key, owner string, now time.Time, ttl time.Duration) (LedgerEntry, bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.m[key]
	if ok && (e.State == LedgerSent || e.Owner != owner && now.Before(e.Expires)) {
		return e, false, nil
	}
	if l.m == nil {
		l.m = make(map[string]LedgerEntry)
	}
	e = LedgerEntry{Key: key, State: LedgerPending, Owner: owner, Expires: now.Add(ttl), Reservations: e.Reservations + 1}
	l.m[key] = e
	return e, true, nil
}

// MarkSent implements [Ledger].
func (l *MemLedger) MarkSent(_ context.Context, key, owner string, at time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.m[key]
	if !ok {
		return ErrNotReserved
	}
	if e.State != LedgerSent {
		e.State, e.Owner, e.SentAt, e.Expires = LedgerSent, owner, at, time.Time{}
		l.m[key] = e
	}
	return nil
}

// Release implements [Ledger].
func (l *MemLedger) Release(_ context.Context, key, owner string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.m[key]
	if !ok || e.State != LedgerPending || e.Owner != owner {
		return nil
	}
	e.Owner, e.Expires = "", time.Time{}
	l.m[key] = e
	return nil
}

// Get returns the entry of key, and false if the ledger has none.
func (l *MemLedger) Get(key string) (LedgerEntry, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.m[key]
	return e, ok
}

// Forget drops the sent entries recorded before t, and released ones; it
// returns how many it dropped. A key forgotten can be sent again: forget
// only what can no longer come back (older than the sources' redelivery
// window).
func (l *MemLedger) Forget(t time.Time) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for k, e := range l.m {
		if e.State == LedgerSent && e.SentAt.Before(t) || e.State == LedgerPending && e.Owner == "" {
			delete(l.m, k)
			n++
		}
	}
	return n
}
