package observe

import (
	"sync"
	"sync/atomic"

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
type cellMap struct {
	canon  func(raw string) *attrs
	maxRaw int

	m       atomic.Pointer[map[string]*cell]
	mu      sync.Mutex
	byAttrs map[*attrs]*cell
	order   []*cell
}

func newCellMap(maxRaw int, canon func(string) *attrs) *cellMap {
	return &cellMap{canon: canon, maxRaw: maxRaw, byAttrs: map[*attrs]*cell{}}
}

func (c *cellMap) get(raw string) *cell {
	if m := c.m.Load(); m != nil {
		if x, ok := (*m)[raw]; ok {
			return x
		}
	}
	return c.slow(raw)
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
