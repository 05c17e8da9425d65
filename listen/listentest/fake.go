package listentest

import (
	"context"
	"fmt"
	"strconv"
	"sync"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/listen"
)

// A FakeSource is an in-memory [listen.Source] for tests: it serves the
// posts it was given in pages, with the offset of the next post as cursor,
// and can be scripted to fail. It is safe for concurrent use.
type FakeSource struct {
	name string
	// PageSize is how many posts one Fetch returns; 0 means 10.
	PageSize int
	// Finite makes the source report Done once every post was served;
	// otherwise it answers empty batches, waiting for [FakeSource.Add].
	Finite bool
	// Caps is what Capabilities returns.
	Caps listen.Capabilities

	mu      sync.Mutex
	posts   []hark.Post
	errs    []error
	cursors []string
}

// NewFakeSource returns a live FakeSource named name holding posts.
func NewFakeSource(name string, posts ...hark.Post) *FakeSource {
	return &FakeSource{name: name, posts: append([]hark.Post(nil), posts...)}
}

// Name implements [listen.Source].
func (f *FakeSource) Name() string { return f.name }

// Capabilities implements [listen.Describer].
func (f *FakeSource) Capabilities() listen.Capabilities { return f.Caps }

// Add appends posts, to be served after the ones already held.
func (f *FakeSource) Add(posts ...hark.Post) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.posts = append(f.posts, posts...)
}

// FailNext makes the next len(errs) fetches fail, in order, with errs.
func (f *FakeSource) FailNext(errs ...error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errs = append(f.errs, errs...)
}

// Cursors returns the cursors Fetch was called with, in order.
func (f *FakeSource) Cursors() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.cursors...)
}

// Fetch implements [listen.Source]. A cursor that is not an offset this
// source could have given is a permanent error.
func (f *FakeSource) Fetch(ctx context.Context, cursor string) (listen.Batch, error) {
	if err := ctx.Err(); err != nil {
		return listen.Batch{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cursors = append(f.cursors, cursor)
	if len(f.errs) > 0 {
		err := f.errs[0]
		f.errs = f.errs[1:]
		return listen.Batch{}, err
	}
	off := 0
	if cursor != "" {
		n, err := strconv.Atoi(cursor)
		if err != nil || n < 0 || n > len(f.posts) {
			return listen.Batch{}, listen.Permanent(fmt.Errorf("fake %s: bad cursor %q", f.name, cursor))
		}
		off = n
	}
	size := f.PageSize
	if size <= 0 {
		size = 10
	}
	end := min(off+size, len(f.posts))
	b := listen.Batch{
		Posts:  append([]hark.Post(nil), f.posts[off:end]...),
		Cursor: strconv.Itoa(end),
	}
	b.Done = f.Finite && end == len(f.posts)
	return b, nil
}
