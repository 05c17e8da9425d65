package main

import (
	"sync"
	"time"
)

// ring counts events in fixed-width time buckets, keeping the last n buckets
// and k counters per bucket: the memory of a chart is bounded however long
// the server runs.
type ring struct {
	width time.Duration
	k     int
	vals  [][]int32 // n buckets of k counters
	head  int64     // index of the newest bucket; -1 before the first event
}

func newRing(width time.Duration, n, k int) *ring {
	r := &ring{width: width, k: k, vals: make([][]int32, n), head: -1}
	for i := range r.vals {
		r.vals[i] = make([]int32, k)
	}
	return r
}

func (r *ring) index(t time.Time) int64 { return t.Unix() / int64(r.width/time.Second) }

// add counts one event at t in counter c (and in no other when c < 0).
// Events older than the window are dropped.
func (r *ring) add(t time.Time, c int) {
	i := r.index(t)
	n := int64(len(r.vals))
	if r.head >= 0 && i <= r.head-n {
		return
	}
	if i > r.head {
		if r.head >= 0 {
			for j := r.head + 1; j <= i && j <= r.head+n; j++ {
				clear(r.vals[j%n])
			}
		} else {
			for _, v := range r.vals {
				clear(v)
			}
		}
		r.head = i
	}
	if c >= 0 && c < r.k {
		r.vals[i%n][c]++
	}
}

// window returns the last m buckets ending with the one holding end, oldest
// first, and the start time of the first.
func (r *ring) window(end time.Time, m int) (time.Time, [][]int32) {
	last := r.index(end)
	first := last - int64(m) + 1
	n := int64(len(r.vals))
	out := make([][]int32, m)
	for j := range out {
		i := first + int64(j)
		row := make([]int32, r.k)
		if r.head >= 0 && i <= r.head && i > r.head-n {
			copy(row, r.vals[i%n])
		}
		out[j] = row
	}
	return time.Unix(first*int64(r.width/time.Second), 0).UTC(), out
}

// vclock is the command center's clock: on a replay, the virtual time of the
// replayed week (the latest post, or the paced replay's clock between
// posts); live, the wall clock.
type vclock struct {
	mu     sync.Mutex
	live   bool
	speed  float64
	origin time.Time // virtual time when the paced replay started
	start  time.Time // wall time when it started
	end    time.Time // virtual time the replay ends at
	latest time.Time // the latest post's time
	wall   func() time.Time
}

func (c *vclock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.live {
		return c.wall().UTC()
	}
	v := c.latest
	if !c.start.IsZero() {
		p := c.origin.Add(time.Duration(float64(c.wall().Sub(c.start)) * c.speed))
		if !c.end.IsZero() && p.After(c.end) {
			p = c.end
		}
		if p.After(v) {
			v = p
		}
	}
	return v.UTC()
}

// pace starts the paced part of a replay at virtual time origin, ending at end.
func (c *vclock) pace(origin, end time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.origin, c.start, c.end = origin, c.wall(), end
}

// saw moves the clock to a post's time if it is later.
func (c *vclock) saw(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.After(c.latest) && (c.live || c.end.IsZero() || !t.After(c.end)) {
		c.latest = t
	}
}
