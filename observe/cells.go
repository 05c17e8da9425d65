package observe

import (
	"sync"
	"sync/atomic"
	"unsafe"

	"go.opentelemetry.io/otel/metric"
)

// The busiest counters (posts scored, decisions, rules fired) are
// aggregated here, in atomic cells, and handed to the SDK as observable
// counters when it collects: the hot path pays a map read and an atomic
// add, not a trip through the SDK's aggregation per record.

// A cell is one locally aggregated counter of one attribute set.
type cell struct {
	n atomic.Int64
	a *attrs
}

// A cellMap maps raw attribute values to cells. Reads take no lock: the
// map is replaced, not changed, when a value is added. Raw values are
// remembered up to a bound; past it they still reach their cell (the
// limiter folds them into Other) through the locked path.
//
// In front of the map is a small cache keyed by the string's identity (its
// data pointer and length) rather than its bytes: the values recorded most
// (teams and rules, from the policy; languages, from the scorer's table)
// are the same strings every time, and comparing a pointer costs less, and
// touches less memory, than hashing and comparing bytes. An entry holds its
// string, so the memory it points to cannot be reused for another string
// while it is cached: same pointer and length means same bytes.
type cellMap struct {
	canon  func(raw string) *attrs
	maxRaw int
	fast   [fastSlots]atomic.Pointer[fastEntry]
	// taken counts the slots taken; past maxTaken, strings built anew
	// for each call stop allocating entries that never serve.
	taken atomic.Int64

	m       atomic.Pointer[map[string]*cell]
	mu      sync.Mutex
	byAttrs map[*attrs]*cell
	order   []*cell
}

func newCellMap(maxRaw int, canon func(string) *attrs) *cellMap {
	return &cellMap{canon: canon, maxRaw: maxRaw, byAttrs: map[*attrs]*cell{}}
}

// fastSlots is the size of a cellMap's identity cache (a power of 2);
// maxTaken bounds how often its slots are taken.
const (
	fastSlots = 64
	maxTaken  = 16 * fastSlots
)

type fastEntry struct {
	s    string
	c    *cell
	used atomic.Bool // hit at least once: a string that comes back
}

// fastSlot returns the cache slot of a string's identity.
func fastSlot(p *byte, n int) int {
	h := (uint64(uintptr(unsafe.Pointer(p))) ^ uint64(n)) * 0x9E3779B97F4A7C15
	return int(h >> (64 - 6)) // 6 = log2(fastSlots)
}

func (c *cellMap) get(raw string) *cell {
	p := unsafe.StringData(raw)
	slot := &c.fast[fastSlot(p, len(raw))]
	e := slot.Load()
	if e != nil && unsafe.StringData(e.s) == p && len(e.s) == len(raw) {
		if !e.used.Load() {
			e.used.Store(true)
		}
		return e.c
	}
	var x *cell
	if m := c.m.Load(); m != nil {
		x = (*m)[raw]
	}
	if x == nil {
		x = c.slow(raw)
	}
	// Take the slot if it is free or held by a string that never came
	// back (one built per call): those do not evict the policy's strings.
	if (e == nil || !e.used.Load()) && c.taken.Add(1) <= maxTaken {
		slot.Store(&fastEntry{s: raw, c: x})
	}
	return x
}

func (c *cellMap) slow(raw string) *cell {
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.m.Load()
	if old != nil {
		if x, ok := (*old)[raw]; ok {
			return x
		}
	}
	a := c.canon(raw)
	x, ok := c.byAttrs[a]
	if !ok {
		x = &cell{a: a}
		c.byAttrs[a] = x
		c.order = append(c.order, x)
	}
	if old == nil || len(*old) < c.maxRaw {
		m := make(map[string]*cell, 1)
		if old != nil {
			m = make(map[string]*cell, len(*old)+1)
			for k, v := range *old {
				m[k] = v
			}
		}
		m[raw] = x
		c.m.Store(&m)
	}
	return x
}

// observe reports every cell's count.
func (c *cellMap) observe(o metric.Observer, inst metric.Int64Observable) {
	c.mu.Lock()
	cells := append([]*cell(nil), c.order...)
	c.mu.Unlock()
	for _, x := range cells {
		o.ObserveInt64(inst, x.n.Load(), x.a.obs...)
	}
}
