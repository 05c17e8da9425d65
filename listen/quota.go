package listen

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// A Quota is one upstream's request budget: a token-bucket limiter plus a
// pause that rate-limit answers (Retry-After, X-RateLimit-Reset) set. Every
// [Client] that spends the same credential must share one Quota, so that
// two adapters on one Reddit app, say, do not each spend its whole budget.
// A Quota is safe for concurrent use.
type Quota struct {
	limiter *rate.Limiter

	mu    sync.Mutex
	until time.Time
}

// NewQuota returns a Quota allowing r requests per second with bursts of
// burst. rate.Inf means no limit other than the pauses upstream asks for.
func NewQuota(r rate.Limit, burst int) *Quota {
	if burst < 1 {
		burst = 1
	}
	return &Quota{limiter: rate.NewLimiter(r, burst)}
}

// PerMinute is a convenience: n requests per minute, bursts of burst.
func PerMinute(n int, burst int) *Quota {
	return NewQuota(rate.Limit(float64(n)/60), burst)
}

// Limiter returns the token bucket of q.
func (q *Quota) Limiter() *rate.Limiter { return q.limiter }

// PauseUntil makes q hold every request until t. An earlier t than the
// current pause is ignored: pauses only grow.
func (q *Quota) PauseUntil(t time.Time) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if t.After(q.until) {
		q.until = t
	}
}

// PausedUntil returns the time before which q holds requests (zero if it
// was never paused).
func (q *Quota) PausedUntil() time.Time {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.until
}

// wait blocks until the pause is over and the limiter grants a token, or ctx
// is done. now and sleep are the caller's clock; note, if not nil, is told
// of each wait before it starts (the token bucket's as an estimate).
func (q *Quota) wait(ctx context.Context, now func() time.Time, sleep func(context.Context, time.Duration) error,
	note func(WaitReason, time.Duration)) error {
	if q == nil {
		return ctx.Err()
	}
	if d := q.PausedUntil().Sub(now()); d > 0 {
		if note != nil {
			note(WaitPaused, d)
		}
		if err := sleep(ctx, d); err != nil {
			return err
		}
	}
	if note != nil {
		if lim := q.limiter.Limit(); lim > 0 && lim != rate.Inf {
			if t := q.limiter.Tokens(); t < 1 {
				note(WaitBudget, time.Duration((1-t)/float64(lim)*float64(time.Second)))
			}
		}
	}
	return q.limiter.Wait(ctx)
}

// Quotas hands out one [Quota] per key (a credential, an API host), so that
// adapters configured separately but spending the same credential share it.
// The zero value is ready to use and safe for concurrent use.
type Quotas struct {
	mu sync.Mutex
	m  map[string]*Quota
}

// Get returns the Quota of key, creating it with rate r and burst burst the
// first time. Later calls return the same Quota whatever r and burst say.
func (qs *Quotas) Get(key string, r rate.Limit, burst int) *Quota {
	qs.mu.Lock()
	defer qs.mu.Unlock()
	if q, ok := qs.m[key]; ok {
		return q
	}
	if qs.m == nil {
		qs.m = make(map[string]*Quota)
	}
	q := NewQuota(r, burst)
	qs.m[key] = q
	return q
}
