package state

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/harkhq/hark/respond"
)

// Timers is a [respond.TimerStore] on a [KV], each timer under the key
// "<ns>.<timer key>". Due reads every timer of the namespace, so it suits
// up to some tens of thousands of running clocks; the SLA tracker calls it
// once per tick, not per post.
type Timers struct {
	kv KV
	ns string
}

var _ respond.TimerStore = (*Timers)(nil)

// NewTimers returns a timer store kept in kv under namespace ns ("sla" if
// empty).
func NewTimers(kv KV, ns string) *Timers {
	if ns == "" {
		ns = "sla"
	}
	return &Timers{kv: kv, ns: ns}
}

// Get implements [respond.TimerStore].
func (s *Timers) Get(ctx context.Context, key string) (respond.SLATimer, bool, error) {
	e, err := s.kv.Get(ctx, Key(s.ns, key))
	if errors.Is(err, ErrNotFound) {
		return respond.SLATimer{}, false, nil
	}
	if err != nil {
		return respond.SLATimer{}, false, err
	}
	var t respond.SLATimer
	if err := json.Unmarshal(e.Value, &t); err != nil {
		return respond.SLATimer{}, false, fmt.Errorf("state: timer %s: %w", e.Key, err)
	}
	return t, true, nil
}

// Put implements [respond.TimerStore].
func (s *Timers) Put(ctx context.Context, t respond.SLATimer) error {
	b, err := json.Marshal(t)
	if err != nil {
		return err
	}
	_, err = s.kv.Put(ctx, Key(s.ns, t.Key), b, 0)
	return err
}

// Delete implements [respond.TimerStore].
func (s *Timers) Delete(ctx context.Context, key string) error {
	return s.kv.Delete(ctx, Key(s.ns, key), 0)
}

// Due implements [respond.TimerStore]. A stored timer that does not decode
// is reported in the error, which names its key, and the due timers that
// do decode are returned with it.
func (s *Timers) Due(ctx context.Context, now time.Time) ([]respond.SLATimer, error) {
	keys, err := s.kv.Keys(ctx, s.ns+".")
	if err != nil {
		return nil, err
	}
	var (
		out []respond.SLATimer
		bad []error
	)
	for _, k := range keys {
		e, err := s.kv.Get(ctx, k)
		if errors.Is(err, ErrNotFound) {
			continue // deleted since listed
		}
		if err != nil {
			return nil, err
		}
		var t respond.SLATimer
		if err := json.Unmarshal(e.Value, &t); err != nil {
			// One unreadable timer must not hold back every other clock.
			bad = append(bad, fmt.Errorf("state: timer %s: %w", k, err))
			continue
		}
		if !t.Next.IsZero() && !t.Next.After(now) {
			out = append(out, t)
		}
	}
	slices.SortFunc(out, func(a, b respond.SLATimer) int {
		return cmp.Or(a.Next.Compare(b.Next), cmp.Compare(a.Key, b.Key))
	})
	return out, errors.Join(bad...)
}
