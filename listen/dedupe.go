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
	sets  map[string]*idSet // per source
	ring  []dedupeSlot      // insertion order, a circular buffer of len cap
	head  int               // oldest slot
	count int               // used slots
	seq   uint64
}

type idSet struct {
	m map[string]dedupeEntry
}

type dedupeEntry struct {
	expires int64 // unix nanos; 0 means never
	seq     uint64
}

// A slot is one remembered key in insertion order. seq tells whether the
// map entry of the key is still this slot's (a key re-added after expiry
// has a newer one).
type dedupeSlot struct {
	set     *idSet
	id      string
	seq     uint64
	expires int64
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
		sets: make(map[string]*idSet),
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
	set := d.sets[source]
	return set != nil && set.seen(id, d.nowNanos())
}

// Add remembers the post id of source and reports whether it was new.
func (d *Dedupe) Add(source, id string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.nowNanos()
	set := d.set(source)
	if set.seen(id, now) {
		return false
	}
	d.add(set, id, now)
	return true
}

// Len returns how many keys are remembered, expired ones not yet purged
// included.
func (d *Dedupe) Len() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for _, s := range d.sets {
		n += len(s.m)
	}
	return n
}

// Cap returns the most keys d holds.
func (d *Dedupe) Cap() int { return d.cap }

func (d *Dedupe) nowNanos() int64 {
	if d.ttl <= 0 {
		return 0
	}
	return d.now().UnixNano()
}

func (d *Dedupe) set(source string) *idSet {
	s := d.sets[source]
	if s == nil {
		s = &idSet{m: make(map[string]dedupeEntry)}
		d.sets[source] = s
	}
	return s
}

func (s *idSet) seen(id string, now int64) bool {
	e, ok := s.m[id]
	return ok && (e.expires == 0 || now < e.expires)
}

// add remembers id in set without checking whether it is there: a second
// slot for one key is harmless (the older one is stale by its seq).
func (d *Dedupe) add(set *idSet, id string, now int64) {
	d.purge(now)
	if d.count == d.cap {
		d.evictOldest()
	}
	d.seq++
	var exp int64
	if d.ttl > 0 {
		exp = now + int64(d.ttl)
	}
	set.m[id] = dedupeEntry{expires: exp, seq: d.seq}
	d.ring[(d.head+d.count)%d.cap] = dedupeSlot{set: set, id: id, seq: d.seq, expires: exp}
	d.count++
}

// purge drops expired keys from the old end. Keys are added in time order
// with one TTL, so the expired ones are all at the old end.
func (d *Dedupe) purge(now int64) {
	if d.ttl <= 0 {
		return
	}
	for d.count > 0 && d.ring[d.head].expires <= now {
		d.evictOldest()
	}
}

func (d *Dedupe) evictOldest() {
	s := &d.ring[d.head]
	if e, ok := s.set.m[s.id]; ok && e.seq == s.seq {
		delete(s.set.m, s.id)
	}
	*s = dedupeSlot{}
	d.head++
	if d.head == d.cap {
		d.head = 0
	}
	d.count--
}

// claim calls keep(i) for each of the n ids of source not remembered and
// not repeating an earlier id of the same call, and remembers those at once
// (one probe of the set per post). Empty ids are kept and not remembered.
// If the batch is then not handled, forget must undo the claim.
func (d *Dedupe) claim(source string, ids func(i int) string, n int, keep func(i int)) {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.nowNanos()
	set := d.set(source)
	for i := range n {
		id := ids(i)
		if id == "" {
			keep(i)
			continue
		}
		if set.seen(id, now) {
			continue
		}
		d.add(set, id, now)
		keep(i)
	}
}

// forget drops the given ids of source, claimed for a batch that was not
// handled. Their ring slots become stale and are skipped when evicted.
func (d *Dedupe) forget(source string, ids func(i int) string, n int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	set := d.sets[source]
	if set == nil {
		return
	}
	for i := range n {
		delete(set.m, ids(i))
	}
}

// addAll remembers the given ids of source.
func (d *Dedupe) addAll(source string, ids func(i int) string, n int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.nowNanos()
	set := d.set(source)
	for i := range n {
		d.add(set, ids(i), now)
	}
}
