package listen

import (
	"context"

	"github.com/harkhq/hark"
)

// A Source is a place posts come from, read by polling with a cursor.
// Implementations must be safe to call from one goroutine at a time; Stream
// never calls Fetch concurrently on one Source.
type Source interface {
	// Name identifies the source in checkpoints, logs and metrics. It must
	// be stable across restarts: it is the checkpoint key.
	Name() string
	// Fetch returns the posts after cursor, in the order they should be
	// handled, and the cursor that follows them. The empty cursor means
	// "from the source's start". A batch with no posts and Done false
	// means nothing new yet; Stream polls again later.
	Fetch(ctx context.Context, cursor string) (Batch, error)
}

// A Batch is one answer of [Source.Fetch].
type Batch struct {
	Posts []hark.Post
	// Cursor is the position after Posts: passing it to Fetch gives the
	// posts that follow. Checkpoints store it.
	Cursor string
	// Done reports that the source will never have more posts (a finite
	// replay). Stream ends after delivering the batch.
	Done bool
	// Waited reports that Fetch already waited for posts to arrive (a
	// long poll, a window on a push stream), so Stream polls again at
	// once after an empty batch instead of sleeping its poll interval.
	Waited bool
	// Skipped reports the items of the answer that could not be read (a
	// field of the wrong type, say), each an error that wraps
	// [ErrMalformed] and names the item, usually an *[ItemError]. The
	// other items are in Posts and Cursor moves past the skipped ones too:
	// one bad item does not stall the source. [Stream] yields them as one
	// *[SkippedError] after the batch.
	Skipped []error
}
