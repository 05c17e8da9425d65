package state

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/harkhq/hark/respond"
)

// Claims is a [respond.Claims] on a [KV], under the keys
// "<ns>.<conversation>". Acquire and Renew are compare-and-set, so of many
// workers racing for one conversation exactly one holds it. Each claim is
// written with a KV expiry of its lease plus [ClaimGrace], so lapsed claims
// vanish from the store by themselves; whether a claim is live is decided
// by the expiry stored in it against the caller's clock.
type Claims struct {
	kv KV
	ns string
}

// ClaimGrace is how much longer than its lease a claim is kept in the KV.
const ClaimGrace = time.Minute

var _ respond.Claims = (*Claims)(nil)

// NewClaims returns claims kept in kv under namespace ns ("claim" if
// empty).
func NewClaims(kv KV, ns string) *Claims {
	if ns == "" {
		ns = "claim"
	}
	return &Claims{kv: kv, ns: ns}
}

type claimValue struct {
	Owner   string    `json:"owner"`
	Expires time.Time `json:"expires"`
}

func decodeClaim(e Entry) (claimValue, error) {
	var v claimValue
	if err := json.Unmarshal(e.Value, &v); err != nil {
		return v, fmt.Errorf("state: claim %s: %w", e.Key, err)
	}
	return v, nil
}

func claimTTL(ttl time.Duration) time.Duration { return max(ttl, 0) + ClaimGrace }

// Acquire implements [respond.Claims].
func (c *Claims) Acquire(ctx context.Context, conv, owner string, now time.Time, ttl time.Duration) (respond.Claim, error) {
	var held *respond.ClaimedError
	next := claimValue{Owner: owner, Expires: now.Add(ttl)}
	// Most conversations are unclaimed: try to create first.
	_, _, err := ModifyFrom(ctx, c.kv, Key(c.ns, conv), claimTTL(ttl), Entry{}, false, func(cur Entry, ok bool) ([]byte, bool, error) {
		held = nil
		if ok {
			v, err := decodeClaim(cur)
			if err != nil {
				return nil, false, err
			}
			if v.Owner != owner && now.Before(v.Expires) {
				held = &respond.ClaimedError{Claim: respond.Claim{Conversation: conv, Owner: v.Owner, Expires: v.Expires}}
				return nil, false, nil
			}
		}
		b, err := json.Marshal(next)
		return b, true, err
	})
	if err != nil {
		return respond.Claim{}, err
	}
	if held != nil {
		return respond.Claim{}, held
	}
	return respond.Claim{Conversation: conv, Owner: owner, Expires: next.Expires}, nil
}

// Renew implements [respond.Claims].
func (c *Claims) Renew(ctx context.Context, conv, owner string, now time.Time, ttl time.Duration) (respond.Claim, error) {
	next := claimValue{Owner: owner, Expires: now.Add(ttl)}
	_, _, err := Modify(ctx, c.kv, Key(c.ns, conv), claimTTL(ttl), func(cur Entry, ok bool) ([]byte, bool, error) {
		if !ok {
			return nil, false, respond.ErrClaimLost
		}
		v, err := decodeClaim(cur)
		if err != nil {
			return nil, false, err
		}
		if v.Owner != owner || !now.Before(v.Expires) {
			return nil, false, respond.ErrClaimLost
		}
		b, err := json.Marshal(next)
		return b, true, err
	})
	if err != nil {
		return respond.Claim{}, err
	}
	return respond.Claim{Conversation: conv, Owner: owner, Expires: next.Expires}, nil
}

// Release implements [respond.Claims].
func (c *Claims) Release(ctx context.Context, conv, owner string) error {
	key := Key(c.ns, conv)
	for range maxCASRetries {
		e, err := c.kv.Get(ctx, key)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		v, err := decodeClaim(e)
		if err != nil {
			return err
		}
		if v.Owner != owner {
			return nil
		}
		err = c.kv.Delete(ctx, key, e.Revision)
		if !errors.Is(err, ErrConflict) {
			return err
		}
	}
	return fmt.Errorf("%w %q", ErrContention, key)
}

// Holder returns the live claim on conv at now, and false if there is none.
func (c *Claims) Holder(ctx context.Context, conv string, now time.Time) (respond.Claim, bool, error) {
	e, err := c.kv.Get(ctx, Key(c.ns, conv))
	if errors.Is(err, ErrNotFound) {
		return respond.Claim{}, false, nil
	}
	if err != nil {
		return respond.Claim{}, false, err
	}
	v, err := decodeClaim(e)
	if err != nil {
		return respond.Claim{}, false, err
	}
	if !now.Before(v.Expires) {
		return respond.Claim{}, false, nil
	}
	return respond.Claim{Conversation: conv, Owner: v.Owner, Expires: v.Expires}, true, nil
}
