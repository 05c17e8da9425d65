package listen

import (
	"slices"
	"sync"
	"time"
)

// A Watermark says how far one source has been read.
type Watermark struct {
	Source string `json:"source"`
	// Cursor is the last cursor saved.
	Cursor string `json:"cursor,omitempty"`
	// Newest is the Created time of the newest post delivered.
	Newest time.Time `json:"newest,omitzero"`
	// LastPost is when (wall clock) a post was last delivered; LastFetch
	// when a fetch last succeeded; Started when the stream started.
	LastPost  time.Time `json:"last_post,omitzero"`
	LastFetch time.Time `json:"last_fetch,omitzero"`
	Started   time.Time `json:"started,omitzero"`
	// Delivered counts posts handed to the loop body and committed;
	// Duplicates those dropped by dedupe; Invalid those dropped for having
	// no ID and the items reported unreadable ([Batch.Skipped]); Errors the
	// failed fetches.
	Delivered  int64 `json:"delivered"`
	Duplicates int64 `json:"duplicates"`
	Invalid    int64 `json:"invalid"`
	Errors     int64 `json:"errors"`
	// LastError is the text of the latest fetch error, "" after a success.
	LastError string `json:"last_error,omitempty"`
	// Silent reports that the silence signal is raised: no post for the
	// configured time.
	Silent bool `json:"silent"`
	// Done reports the source ended.
	Done bool `json:"done"`
}

// Watermarks collects the [Watermark] of every source streamed with
// [WithWatermarks]. The zero value is ready to use; it is safe for
// concurrent use, so a status page may read it while streams run.
type Watermarks struct {
	mu sync.Mutex
	m  map[string]*Watermark
}

// Get returns the watermark of source.
func (w *Watermarks) Get(source string) (Watermark, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if m, ok := w.m[source]; ok {
		return *m, true
	}
	return Watermark{}, false
}

// All returns every watermark, ordered by source name.
func (w *Watermarks) All() []Watermark {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]Watermark, 0, len(w.m))
	for _, m := range w.m {
		out = append(out, *m)
	}
	slices.SortFunc(out, func(a, b Watermark) int {
		switch {
		case a.Source < b.Source:
			return -1
		case a.Source > b.Source:
			return 1
		}
		return 0
	})
	return out
}

// update applies f to the watermark of source under the lock.
func (w *Watermarks) update(source string, f func(*Watermark)) {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	m, ok := w.m[source]
	if !ok {
		if w.m == nil {
			w.m = make(map[string]*Watermark)
		}
		m = &Watermark{Source: source}
		w.m[source] = m
	}
	f(m)
}

// A Silence is the signal that a source has delivered no post for a while:
// the upstream may be down, the credential revoked, or the query too
// narrow. It is raised once per silent stretch.
type Silence struct {
	Source string
	// Since is when the last post was delivered (or the stream started).
	Since time.Time
	// For is how long the source has been silent when the signal is
	// raised.
	For time.Duration
}
