package influence

import (
	"hash/fnv"
	"math"
	"time"
)

// postEntry is what the tracker remembers of a recent post: whose it is
// and the engagement already counted for it, so that a post seen again
// (redelivered, or with fresher metrics) adds only what changed.
type postEntry struct {
	author   uint32
	question bool    // the post asked a question
	about    bool    // the post is about the brand's field
	metEng   float32 // weighted engagement from its metrics, as last seen
	seenEng  float32 // weighted engagement observed in the stream
	metRep   float32 // reposts+quotes from its metrics, as last seen
	seenRep  float32 // reposts observed in the stream
	rate     float32 // decayed count of reposts, for velocity
	peak     float32 // highest rate seen
	rateAt   int64   // Unix seconds rate is brought to
	created  int64   // Unix seconds
}

func (e *postEntry) engagement() float64 { return float64(max(e.metEng, e.seenEng)) }
func (e *postEntry) reposts() float64    { return float64(max(e.metRep, e.seenRep)) }

// addReposts records d more reposts at Unix time t in the velocity counter,
// which decays with time constant tau.
func (e *postEntry) addReposts(d float64, t int64, tau time.Duration) {
	if d <= 0 {
		return
	}
	e.rate = float32(e.rateAt2(t, tau) + d)
	if t > e.rateAt {
		e.rateAt = t
	}
	e.peak = max(e.peak, e.rate)
}

// rateAt2 returns the velocity counter brought to time t.
func (e *postEntry) rateAt2(t int64, tau time.Duration) float64 {
	if t <= e.rateAt {
		return float64(e.rate)
	}
	return float64(e.rate) * math.Exp(-float64(t-e.rateAt)*float64(time.Second)/float64(tau))
}

// postIndex maps recent post IDs to their entries, forgetting the oldest
// once it holds capacity posts. Keys are 64-bit hashes of source and ID.
type postIndex struct {
	capacity int
	m        map[uint64]*postEntry
	ring     []uint64
	next     int
}

func newPostIndex(capacity int) *postIndex {
	return &postIndex{capacity: capacity, m: make(map[uint64]*postEntry)}
}

func postKey(source, id string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(source))
	h.Write([]byte{0})
	h.Write([]byte(id))
	return h.Sum64()
}

func (x *postIndex) get(k uint64) (*postEntry, bool) {
	e, ok := x.m[k]
	return e, ok
}

func (x *postIndex) put(k uint64, e *postEntry) {
	if _, ok := x.m[k]; ok {
		x.m[k] = e
		return
	}
	if len(x.ring) < x.capacity {
		x.ring = append(x.ring, k)
	} else {
		delete(x.m, x.ring[x.next])
		x.ring[x.next] = k
		x.next = (x.next + 1) % x.capacity
	}
	x.m[k] = e
}

func (x *postIndex) len() int { return len(x.m) }
