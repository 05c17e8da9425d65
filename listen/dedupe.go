package listen

import (
	"sync"
	"time"
)

// A Dedupe remembers which posts were delivered, so that a post served
// twice (on two pages, after a cursor went back, on reconnect) is delivered
// once. It is bounded: it holds at most its capacity of keys, forgetting the
// oldest first, and forgets a key once its TTL has passed. A Dedupe is safe
// for concurrent use and may be shared by the streams of many sources (keys
// carry the source's name).
type Dedupe struct {
	mu    sync.Mutex
	cap   int
	ttl   time.Duration
	now   func() time.Time
	m     map[dedupeKey]dedupeEntry
	ring  []dedupeSlot // insertion order, a circular buffer of len cap
	head  int          // oldest slot
	count int          // used slots
	seq   uint64
}

type dedupeKey struct{ source, id string }

type dedupeEntry struct {
	expires int64 // unix nanos; 0 means never
	seq     uint64
}

type dedupeSlot struct {
	key dedupeKey
	seq uint64
}

// A DedupeOption configures [NewDedupe].
type DedupeOption func(*Dedupe)

// WithDedupeClock sets the clock the TTL is measured with (tests).
func WithDedupeClock(now func() time.Time) DedupeOption { return func(d *Dedupe) { d.now = now } }

// NewDedupe returns a Dedupe holding at most capacity keys (at least 1),
// each for ttl (0 or less: until evicted by capacity).
func NewDedupe(capacity int, ttl time.Duration, opts ...DedupeOption) *Dedupe {
	capacity = max(capacity, 1)
	d := &Dedupe{
		cap:  capacity,
		ttl:  ttl,
		now:  time.Now,
		m:    make(map[dedupeKey]dedupeEntry, min(capacity, 1<<16)),
		ring: make([]dedupeSlot, capacity),
	}
	for _, o := range opts {
		o(d)
	}
	return d
}

// Seen reports whether the post id of source was added and is still
// remembered.
func (d *Dedupe) Seen(source, id string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.seen(dedupeKey{source, id}, d.nowNanos())
}

// Add remembers the post id of source and reports whether it was new.
func (d *Dedupe) Add(source, id string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.add(dedupeKey{source, id}, d.nowNanos())
}

// Len returns how many keys are remembered, expired ones not yet purged
// included.
func (d *Dedupe) Len() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.m)
}

// Cap returns the most keys d holds.
func (d *Dedupe) Cap() int { return d.cap }

func (d *Dedupe) nowNanos() int64 {
	if d.ttl <= 0 {
		return 0
	}
	return d.now().UnixNano()
}

func (d *Dedupe) seen(k dedupeKey, now int64) bool {
	e, ok := d.m[k]
	return ok && (e.expires == 0 || now < e.expires)
}

func (d *Dedupe) add(k dedupeKey, now int64) bool {
	if d.seen(k, now) {
		return false
	}
	d.purge(now)
	if d.count == d.cap {
		d.evictOldest()
	}
	d.seq++
	var exp int64
	if d.ttl > 0 {
		exp = now + int64(d.ttl)
	}
	d.m[k] = dedupeEntry{expires: exp, seq: d.seq}
	d.ring[(d.head+d.count)%d.cap] = dedupeSlot{key: k, seq: d.seq}
	d.count++
	return true
}

// purge drops expired keys from the old end. Keys are added in time order
// with one TTL, so the expired ones are all at the old end.
func (d *Dedupe) purge(now int64) {
	if d.ttl <= 0 {
		return
	}
	for d.count > 0 {
		s := d.ring[d.head]
		e, ok := d.m[s.key]
		if ok && e.seq == s.seq && now < e.expires {
			return
		}
		d.evictOldest()
	}
}

func (d *Dedupe) evictOldest() {
	s := d.ring[d.head]
	if e, ok := d.m[s.key]; ok && e.seq == s.seq {
		delete(d.m, s.key)
	}
	d.ring[d.head] = dedupeSlot{}
	d.head = (d.head + 1) % d.cap
	d.count--
}

// filter returns the posts of batch not yet remembered, dropping repeats
// within the batch too, without remembering them. It reuses keep's array.
func (d *Dedupe) filterIDs(source string, ids func(i int) string, n int, keep func(i int)) {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.nowNanos()
	var local map[string]struct{}
	for i := range n {
		id := ids(i)
		if d.seen(dedupeKey{source, id}, now) {
			continue
		}
		if n > 1 {
			if local == nil {
				local = make(map[string]struct{}, n)
			}
			if _, dup := local[id]; dup {
				continue
			}
			local[id] = struct{}{}
		}
		keep(i)
	}
}

// addAll remembers the given ids of source.
func (d *Dedupe) addAll(source string, ids func(i int) string, n int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.nowNanos()
	for i := range n {
		d.add(dedupeKey{source, ids(i)}, now)
	}
}
