// Package reported remembers which unreadable items a source has reported,
// so that one it reads again (the newest page of a listing is read on
// every poll) is reported once, not on every read.
package reported

import (
	"hash/maphash"
	"sync"
)

// Max is how many items a Set remembers; past it the oldest are forgotten
// (and would be reported again if read again).
const Max = 4096

var seed = maphash.MakeSeed()

// A Set remembers items by a hash of their bytes. The zero value is ready
// to use; it is safe for concurrent use. A nil *Set remembers nothing.
type Set struct {
	mu    sync.Mutex
	seen  map[uint64]struct{}
	order []uint64 // ring of the hashes in seen, oldest at next
	next  int
}

// First reports whether raw is read for the first time, and remembers it.
func (s *Set) First(raw []byte) bool {
	if s == nil {
		return true
	}
	h := maphash.Bytes(seed, raw)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.seen[h]; ok {
		return false
	}
	if s.seen == nil {
		s.seen = make(map[uint64]struct{})
	}
	if len(s.order) < Max {
		s.order = append(s.order, h)
	} else {
		delete(s.seen, s.order[s.next])
		s.order[s.next] = h
		s.next = (s.next + 1) % Max
	}
	s.seen[h] = struct{}{}
	return true
}
