package ledgertest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/harkhq/hark/respond"
)

var t0 = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// Ledger checks the lease protocol of a respond.Ledger.
func Ledger(t *testing.T, newLedger func(t *testing.T) respond.Ledger) {
	ctx := context.Background()
	ttl := time.Minute
	t.Run("lease", func(t *testing.T) {
		l := newLedger(t)
		e, ok, err := l.Reserve(ctx, "k", "a", t0, ttl)
		must(t, err)
		check(t, ok && e.State == respond.LedgerPending, "first reserve: got %+v %v", e, ok)
		e, ok, err = l.Reserve(ctx, "k", "b", t0.Add(30*time.Second), ttl)
		must(t, err)
		check(t, !ok && e.Owner == "a", "a live lease of another owner must block: got %+v %v", e, ok)
		_, ok, err = l.Reserve(ctx, "k", "a", t0.Add(30*time.Second), ttl)
		must(t, err)
		check(t, ok, "the owner must be able to renew")
		_, ok, err = l.Reserve(ctx, "k", "b", t0.Add(89*time.Second), ttl)
		must(t, err)
		check(t, !ok, "a renewed lease must last ttl from the renewal")
		_, ok, err = l.Reserve(ctx, "k", "b", t0.Add(91*time.Second), ttl)
		must(t, err)
		check(t, ok, "a lapsed lease must be taken over")
	})
	t.Run("release", func(t *testing.T) {
		l := newLedger(t)
		_, _, err := l.Reserve(ctx, "k", "a", t0, ttl)
		must(t, err)
		must(t, l.Release(ctx, "k", "b"))
		_, ok, err := l.Reserve(ctx, "k", "c", t0, ttl)
		must(t, err)
		check(t, !ok, "releasing another owner's lease must do nothing")
		must(t, l.Release(ctx, "k", "a"))
		_, ok, err = l.Reserve(ctx, "k", "c", t0, ttl)
		must(t, err)
		check(t, ok, "a released key must be free")
	})
	t.Run("sent is final", func(t *testing.T) {
		l := newLedger(t)
		_, _, err := l.Reserve(ctx, "k", "a", t0, ttl)
		must(t, err)
		must(t, l.MarkSent(ctx, "k", "a", t0.Add(time.Second)))
		must(t, l.Release(ctx, "k", "a"))
		for _, owner := range []string{"a", "b"} {
			e, ok, err := l.Reserve(ctx, "k", owner, t0.Add(24*time.Hour), ttl)
			must(t, err)
			check(t, !ok && e.State == respond.LedgerSent, "a sent key must never be reserved again (owner %s): got %+v %v", owner, e, ok)
		}
	})
	t.Run("mark sent after losing the lease", func(t *testing.T) {
		l := newLedger(t)
		_, _, err := l.Reserve(ctx, "k", "a", t0, ttl)
		must(t, err)
		_, _, err = l.Reserve(ctx, "k", "b", t0.Add(2*ttl), ttl)
		must(t, err)
		must(t, l.MarkSent(ctx, "k", "a", t0.Add(2*ttl)))
		e, ok, err := l.Reserve(ctx, "k", "b", t0.Add(2*ttl), ttl)
		must(t, err)
		check(t, !ok && e.State == respond.LedgerSent, "a send recorded by the old owner still counts: got %+v %v", e, ok)
	})
	t.Run("keys are independent", func(t *testing.T) {
		l := newLedger(t)
		_, _, err := l.Reserve(ctx, "k1", "a", t0, ttl)
		must(t, err)
		_, ok, err := l.Reserve(ctx, "k2", "b", t0, ttl)
		must(t, err)
		check(t, ok, "another key must be free")
	})
	t.Run("reserve is atomic", func(t *testing.T) {
		l := newLedger(t)
		var wins atomic.Int32
		var wg sync.WaitGroup
		for i := range 32 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, ok, err := l.Reserve(ctx, "k", fmt.Sprint("w", i), t0, ttl)
				if err == nil && ok {
					wins.Add(1)
				}
			}()
		}
		wg.Wait()
		check(t, wins.Load() == 1, "exactly one of 32 concurrent reservations must win, %d did", wins.Load())
	})
}

// Claims checks the lease protocol of a respond.Claims.
func Claims(t *testing.T, newClaims func(t *testing.T) respond.Claims) {
	ctx := context.Background()
	ttl := time.Minute
	t.Run("exclusive", func(t *testing.T) {
		c := newClaims(t)
		_, err := c.Acquire(ctx, "conv", "alice", t0, ttl)
		must(t, err)
		_, err = c.Acquire(ctx, "conv", "bot", t0.Add(time.Second), ttl)
		var ce *respond.ClaimedError
		check(t, errors.As(err, &ce) && ce.Claim.Owner == "alice", "a held conversation must fail with *ClaimedError naming the holder: %v", err)
		cl, err := c.Acquire(ctx, "conv", "alice", t0.Add(30*time.Second), ttl)
		must(t, err)
		check(t, cl.Expires.Equal(t0.Add(90*time.Second)), "re-acquiring must extend: %v", cl.Expires)
		_, err = c.Acquire(ctx, "other", "bot", t0, ttl)
		must(t, err)
	})
	t.Run("renew and lapse", func(t *testing.T) {
		c := newClaims(t)
		_, err := c.Acquire(ctx, "conv", "alice", t0, ttl)
		must(t, err)
		_, err = c.Renew(ctx, "conv", "bot", t0, ttl)
		check(t, errors.Is(err, respond.ErrClaimLost), "renewing another's claim must fail with ErrClaimLost: %v", err)
		_, err = c.Renew(ctx, "conv", "alice", t0.Add(59*time.Second), ttl)
		must(t, err)
		_, err = c.Renew(ctx, "conv", "alice", t0.Add(2*time.Hour), ttl)
		check(t, errors.Is(err, respond.ErrClaimLost), "a lapsed claim must not renew: %v", err)
		_, err = c.Acquire(ctx, "conv", "bot", t0.Add(2*time.Hour), ttl)
		must(t, err)
	})
	t.Run("release", func(t *testing.T) {
		c := newClaims(t)
		_, err := c.Acquire(ctx, "conv", "alice", t0, ttl)
		must(t, err)
		must(t, c.Release(ctx, "conv", "bot"))
		_, err = c.Acquire(ctx, "conv", "bot", t0, ttl)
		check(t, err != nil, "releasing another's claim must do nothing")
		must(t, c.Release(ctx, "conv", "alice"))
		_, err = c.Acquire(ctx, "conv", "bot", t0, ttl)
		must(t, err)
	})
	t.Run("acquire is atomic", func(t *testing.T) {
		c := newClaims(t)
		var wins atomic.Int32
		var wg sync.WaitGroup
		for i := range 32 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := c.Acquire(ctx, "conv", fmt.Sprint("w", i), t0, ttl); err == nil {
					wins.Add(1)
				}
			}()
		}
		wg.Wait()
		check(t, wins.Load() == 1, "exactly one of 32 concurrent acquisitions must win, %d did", wins.Load())
	})
}

// TimerStore checks a respond.TimerStore.
func TimerStore(t *testing.T, newStore func(t *testing.T) respond.TimerStore) {
	ctx := context.Background()
	t.Run("get put delete", func(t *testing.T) {
		s := newStore(t)
		_, ok, err := s.Get(ctx, "a")
		must(t, err)
		check(t, !ok, "an empty store must hold nothing")
		in := respond.SLATimer{Key: "a", Priority: respond.P2, Started: t0, Target: time.Hour,
			RunningSince: t0, WarnAt: t0.Add(45 * time.Minute), DueAt: t0.Add(time.Hour), Next: t0.Add(45 * time.Minute)}
		must(t, s.Put(ctx, in))
		out, ok, err := s.Get(ctx, "a")
		must(t, err)
		check(t, ok && out.Key == in.Key && out.Priority == in.Priority && out.Started.Equal(in.Started) &&
			out.Target == in.Target && out.Next.Equal(in.Next) && out.DueAt.Equal(in.DueAt) &&
			out.RunningSince.Equal(in.RunningSince), "round trip: put %+v got %+v", in, out)
		must(t, s.Delete(ctx, "a"))
		must(t, s.Delete(ctx, "a"))
		_, ok, err = s.Get(ctx, "a")
		must(t, err)
		check(t, !ok, "a deleted timer must be gone")
	})
	t.Run("due", func(t *testing.T) {
		s := newStore(t)
		for i, off := range []time.Duration{30, 10, 20, 10} {
			must(t, s.Put(ctx, respond.SLATimer{Key: fmt.Sprint("k", i), Next: t0.Add(off * time.Minute)}))
		}
		must(t, s.Put(ctx, respond.SLATimer{Key: "paused"}))
		due, err := s.Due(ctx, t0.Add(20*time.Minute))
		must(t, err)
		var keys []string
		for _, d := range due {
			keys = append(keys, d.Key)
		}
		check(t, fmt.Sprint(keys) == "[k1 k3 k2]", "Due must return timers with Next <= now by Next then Key, got %v", keys)
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func check(t *testing.T, ok bool, format string, args ...any) {
	t.Helper()
	if !ok {
		t.Errorf(format, args...)
	}
}
