package respond

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// A Claim is a lease on a conversation: while it lasts, only its owner (a
// worker, or a person's ID when a human takes the thread) replies there.
type Claim struct {
	Conversation string
	Owner        string
	Expires      time.Time
}

// A ClaimedError says a conversation is held by someone else.
type ClaimedError struct {
	Claim Claim
}

func (e *ClaimedError) Error() string {
	return fmt.Sprintf("respond: conversation %q claimed by %q until %s",
		e.Claim.Conversation, e.Claim.Owner, e.Claim.Expires.UTC().Format(time.RFC3339))
}

// ErrClaimLost is returned by Renew when the owner no longer holds the
// claim (it lapsed, or was never taken, or another took it).
var ErrClaimLost = errors.New("respond: claim lost")

// Claims hands out leases on conversations so that two responders, or two
// workers, never both reply in one thread:
//
//   - Acquire takes the conversation for owner until now+ttl if it is free
//     or its lease lapsed; if owner already holds it, the lease is
//     extended. Otherwise it fails with a *ClaimedError naming the holder.
//   - Renew extends owner's live lease, or fails with ErrClaimLost.
//   - Release frees owner's lease; it does nothing to another owner's.
//
// Implementations must be safe for concurrent use and make Acquire atomic.
// Times come from the caller.
type Claims interface {
	Acquire(ctx context.Context, conversation, owner string, now time.Time, ttl time.Duration) (Claim, error)
	Renew(ctx context.Context, conversation, owner string, now time.Time, ttl time.Duration) (Claim, error)
	Release(ctx context.Context, conversation, owner string) error
}

// MemClaims is an in-memory [Claims]. Its zero value is ready to use; lapsed
// claims are dropped as new ones are taken.
type MemClaims struct {
	mu    sync.Mutex
	m     map[string]Claim
	calls int
}

// Acquire implements [Claims].
func (c *MemClaims) Acquire(_ context.Context, conv, owner string, now time.Time, ttl time.Duration) (Claim, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cl, ok := c.m[conv]; ok && cl.Owner != owner && now.Before(cl.Expires) {
		return Claim{}, &ClaimedError{Claim: cl}
	}
	if c.m == nil {
		c.m = make(map[string]Claim)
	}
	c.calls++
	if c.calls%1024 == 0 {
		for k, cl := range c.m {
			if !now.Before(cl.Expires) {
				delete(c.m, k)
			}
		}
	}
	cl := Claim{Conversation: conv, Owner: owner, Expires: now.Add(ttl)}
	c.m[conv] = cl
	return cl, nil
}

// Renew implements [Claims].
func (c *MemClaims) Renew(_ context.Context, conv, owner string, now time.Time, ttl time.Duration) (Claim, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cl, ok := c.m[conv]
	if !ok || cl.Owner != owner || !now.Before(cl.Expires) {
		return Claim{}, ErrClaimLost
	}
	cl.Expires = now.Add(ttl)
	c.m[conv] = cl
	return cl, nil
}

// Release implements [Claims].
func (c *MemClaims) Release(_ context.Context, conv, owner string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cl, ok := c.m[conv]; ok && cl.Owner == owner {
		delete(c.m, conv)
	}
	return nil
}

// Holder returns the live claim on conv at now, and false if there is none.
func (c *MemClaims) Holder(conv string, now time.Time) (Claim, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cl, ok := c.m[conv]
	if !ok || !now.Before(cl.Expires) {
		return Claim{}, false
	}
	return cl, true
}
