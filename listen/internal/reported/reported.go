// Package reported remembers which unreadable items a source has reported,
// so that one it reads again (the newest page of a listing is read on
// every poll) is reported once, not on every read.
package reported

import (
	"hash/maphash"
	"strconv"
	"sync"

	"github.com/harkhq/hark/listen"
)

// Max is how many items a Set remembers; past it the oldest are forgotten
// (and would be reported again if read again).
const Max = 4096

var seed = maphash.MakeSeed()

// A Set remembers items by a hash of their bytes, in a listen.Dedupe. The
// zero value is ready to use; it is safe for concurrent use. A nil *Set
// remembers nothing.
type Set struct {
	once sync.Once
	seen *listen.Dedupe
}

// First reports whether raw is read for the first time, and remembers it.
func (s *Set) First(raw []byte) bool {
	if s == nil {
		return true
	}
	s.once.Do(func() { s.seen = listen.NewDedupe(Max, 0) })
	return s.seen.Add("", strconv.FormatUint(maphash.Bytes(seed, raw), 36))
}
