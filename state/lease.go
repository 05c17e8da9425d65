package state

import (
	"context"
	"errors"
	"time"

	"github.com/harkhq/hark/respond"
)

// A Lease is a named, time-bounded right to do one job (poll one source,
// run one scheduler) held by one owner among many replicas, on top of
// [respond.Claims]. Its holder renews it every third of its TTL; a holder
// that stops renewing (it crashed, or lost the store) loses it when the TTL
// lapses, and another replica takes it over.
type Lease struct {
	claims respond.Claims
	name   string
	owner  string
	ttl    time.Duration
	now    func() time.Time
}

// NewLease returns the lease name for owner over claims, lasting ttl (at
// least one second) unless renewed. now is the clock (time.Now if nil);
// replicas sharing a lease must have clocks that agree to well within ttl.
func NewLease(claims respond.Claims, name, owner string, ttl time.Duration, now func() time.Time) *Lease {
	if now == nil {
		now = time.Now
	}
	return &Lease{claims: claims, name: name, owner: owner, ttl: max(ttl, time.Second), now: now}
}

// Hold waits until it holds the lease, trying again every third of the
// TTL, then runs job with a context that is cancelled when the lease is
// lost or ctx ends; it renews the lease while job runs and releases it when
// job returns. The lease is lost when a renewal finds another owner, or
// when renewals keep failing (the store is unreachable) until the lease
// would lapse: past that, another replica may hold it. A renewal that
// fails for a while (a server restarting) does not lose the lease by
// itself. Hold returns job's error, or ctx's error if ctx ended before the
// lease was taken. A job must stop what it does when its context ends.
//
// To keep a job running across lost leases, call Hold in a loop until ctx
// ends.
func (l *Lease) Hold(ctx context.Context, job func(ctx context.Context) error) error {
	every := l.ttl / 3
	var held respond.Claim
	for {
		c, err := l.claims.Acquire(ctx, l.name, l.owner, l.now(), l.ttl)
		if err == nil {
			held = c
			break
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		t := time.NewTimer(every)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
	jctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		until := held.Expires
		t := time.NewTimer(every)
		defer t.Stop()
		for {
			select {
			case <-jctx.Done():
				return
			case <-t.C:
			}
			c, err := l.claims.Renew(jctx, l.name, l.owner, l.now(), l.ttl)
			switch {
			case err == nil:
				until = c.Expires
				t.Reset(every)
			case errors.Is(err, respond.ErrClaimLost) || !l.now().Add(every/2).Before(until):
				cancel()
				return
			default:
				t.Reset(min(every, time.Second)) // try again soon
			}
		}
	}()
	err := job(jctx)
	cancel()
	<-done
	rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), l.ttl)
	defer rcancel()
	_ = l.claims.Release(rctx, l.name, l.owner)
	return err
}
