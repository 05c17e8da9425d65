package listentest

import (
	"context"
	"sync"
	"time"

	"github.com/harkhq/hark/listen"
)

// A Clock is a fake clock for [listen.Client] and [listen.Stream]: Sleep
// returns at once, advancing the clock and recording the wait, so tests of
// backoff and Retry-After take no time. It is safe for concurrent use.
type Clock struct {
	mu    sync.Mutex
	now   time.Time
	waits []time.Duration
}

// NewClock returns a Clock reading start.
func NewClock(start time.Time) *Clock { return &Clock{now: start} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Sleep advances the clock by d and records d; it fails only if ctx is done.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.waits = append(c.waits, d)
	c.now = c.now.Add(d)
	return nil
}

// Waits returns the waits asked for so far.
func (c *Clock) Waits() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.waits...)
}

// Client returns a [listen.Client] on this clock: retries and rate-limit
// waits are recorded, not slept.
func (c *Clock) Client() *listen.Client {
	return &listen.Client{Now: c.Now, Sleep: c.Sleep, Timeout: 10 * time.Second}
}
