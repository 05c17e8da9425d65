package state

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/harkhq/hark/respond"
)

// Ledger is a [respond.Ledger] on a [KV], under the keys "<ns>.<key>".
// Reserve, MarkSent and Release are compare-and-set on the key's revision,
// so dispatchers in many processes over one KV never both hold a live
// reservation of a key, and a key recorded as sent is never reserved
// again while the ledger keeps it.
type Ledger struct {
	kv        KV
	ns        string
	retention time.Duration

	// held caches the entry this Ledger last wrote for each key it holds a
	// reservation of, so MarkSent and Release can write without reading
	// first. A stale guess costs one conflict and a read.
	mu   sync.Mutex
	held map[string]Entry
}

var _ respond.Ledger = (*Ledger)(nil)

// A LedgerOption configures [NewLedger].
type LedgerOption func(*Ledger)

// WithRetention makes the ledger forget a key d after its last write, by
// the KV's expiry (0, the default: keep every key). A forgotten key can be
// sent again: keep keys longer than a post can come back (the sources'
// redelivery and the transport's duplicate window).
func WithRetention(d time.Duration) LedgerOption { return func(l *Ledger) { l.retention = d } }

// NewLedger returns a ledger kept in kv under namespace ns ("ledger" if
// empty).
func NewLedger(kv KV, ns string, opts ...LedgerOption) *Ledger {
	if ns == "" {
		ns = "ledger"
	}
	l := &Ledger{kv: kv, ns: ns, held: make(map[string]Entry)}
	for _, o := range opts {
		o(l)
	}
	return l
}

type ledgerValue struct {
	State        respond.LedgerState `json:"state"`
	Owner        string              `json:"owner,omitempty"`
	Expires      time.Time           `json:"expires,omitzero"`
	SentAt       time.Time           `json:"sent_at,omitzero"`
	Reservations int                 `json:"reservations"`
}

func (v ledgerValue) entry(key string) respond.LedgerEntry {
	return respond.LedgerEntry{Key: key, State: v.State, Owner: v.Owner, Expires: v.Expires,
		SentAt: v.SentAt, Reservations: v.Reservations}
}

func decodeLedger(e Entry) (ledgerValue, error) {
	var v ledgerValue
	if err := json.Unmarshal(e.Value, &v); err != nil {
		return v, fmt.Errorf("state: ledger entry %s: %w", e.Key, err)
	}
	return v, nil
}

// Reserve implements [respond.Ledger].
func (l *Ledger) Reserve(ctx context.Context, key, owner string, now time.Time, ttl time.Duration) (respond.LedgerEntry, bool, error) {
	var out ledgerValue
	var taken bool
	// Most keys are new: try to create first.
	e, wrote, err := ModifyFrom(ctx, l.kv, Key(l.ns, key), l.retention, Entry{}, false, func(cur Entry, ok bool) ([]byte, bool, error) {
		var v ledgerValue
		if ok {
			var err error
			if v, err = decodeLedger(cur); err != nil {
				return nil, false, err
			}
			if v.State == respond.LedgerSent || v.Owner != owner && v.Owner != "" && now.Before(v.Expires) {
				out, taken = v, false
				return nil, false, nil
			}
		}
		out = ledgerValue{State: respond.LedgerPending, Owner: owner, Expires: now.Add(ttl), Reservations: v.Reservations + 1}
		taken = true
		b, err := json.Marshal(out)
		return b, true, err
	})
	if err != nil {
		return respond.LedgerEntry{}, false, err
	}
	if wrote {
		l.remember(key, e)
	}
	return out.entry(key), taken, nil
}

func (l *Ledger) remember(key string, e Entry) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.held[key] = e
}

// guess returns and forgets the entry last written for key.
func (l *Ledger) guess(key string) (Entry, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.held[key]
	delete(l.held, key)
	return e, ok
}

func (l *Ledger) modify(ctx context.Context, key string, f func(cur Entry, ok bool) ([]byte, bool, error)) error {
	k := Key(l.ns, key)
	var err error
	if g, ok := l.guess(key); ok {
		_, _, err = ModifyFrom(ctx, l.kv, k, l.retention, g, true, f)
	} else {
		_, _, err = Modify(ctx, l.kv, k, l.retention, f)
	}
	return err
}

// MarkSent implements [respond.Ledger].
func (l *Ledger) MarkSent(ctx context.Context, key, owner string, at time.Time) error {
	return l.modify(ctx, key, func(cur Entry, ok bool) ([]byte, bool, error) {
		if !ok {
			return nil, false, respond.ErrNotReserved
		}
		v, err := decodeLedger(cur)
		if err != nil || v.State == respond.LedgerSent {
			return nil, false, err
		}
		v.State, v.Owner, v.SentAt, v.Expires = respond.LedgerSent, owner, at, time.Time{}
		b, err := json.Marshal(v)
		return b, true, err
	})
}

// Release implements [respond.Ledger].
func (l *Ledger) Release(ctx context.Context, key, owner string) error {
	return l.modify(ctx, key, func(cur Entry, ok bool) ([]byte, bool, error) {
		if !ok {
			return nil, false, nil
		}
		v, err := decodeLedger(cur)
		if err != nil || v.State != respond.LedgerPending || v.Owner != owner {
			return nil, false, err
		}
		v.Owner, v.Expires = "", time.Time{}
		b, err := json.Marshal(v)
		return b, true, err
	})
}

// Get returns the entry of key, and false if the ledger has none.
func (l *Ledger) Get(ctx context.Context, key string) (respond.LedgerEntry, bool, error) {
	e, err := l.kv.Get(ctx, Key(l.ns, key))
	if errors.Is(err, ErrNotFound) {
		return respond.LedgerEntry{}, false, nil
	}
	if err != nil {
		return respond.LedgerEntry{}, false, err
	}
	v, err := decodeLedger(e)
	if err != nil {
		return respond.LedgerEntry{}, false, err
	}
	return v.entry(key), true, nil
}
