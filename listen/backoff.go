package listen

import (
	"math/rand/v2"
	"time"
)

// A Backoff computes the waits between retries: capped exponential growth
// with jitter. Its zero value waits 500ms, doubling to at most 1 minute,
// with full jitter off.
type Backoff struct {
	// Base is the first wait. Default 500ms.
	Base time.Duration
	// Max caps every wait. Default 1 minute.
	Max time.Duration
	// Jitter is the fraction of each wait drawn at random, 0..1: the
	// wait is d*(1-Jitter) + rand*d*Jitter. 0 waits exactly d; 1 is "full
	// jitter". Values outside 0..1 are clamped.
	Jitter float64
}

// Delay returns the wait before retry number attempt (0 for the first
// retry). r supplies the jitter; a nil r draws from the global source.
func (b Backoff) Delay(attempt int, r *rand.Rand) time.Duration {
	base, ceil := b.Base, b.Max
	if base <= 0 {
		base = 500 * time.Millisecond
	}
	if ceil <= 0 {
		ceil = time.Minute
	}
	if ceil < base {
		ceil = base
	}
	d := base
	for i := 0; i < attempt && d < ceil; i++ {
		d *= 2
	}
	if d > ceil || d <= 0 {
		d = ceil
	}
	j := min(max(b.Jitter, 0), 1)
	if j == 0 {
		return d
	}
	var f float64
	if r != nil {
		f = r.Float64()
	} else {
		f = rand.Float64()
	}
	fixed := time.Duration(float64(d) * (1 - j))
	return fixed + time.Duration(f*float64(d)*j)
}
