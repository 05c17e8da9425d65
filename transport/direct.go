package transport

import (
	"context"

	"github.com/harkhq/hark"
)

// Direct is the transport of one machine: a [Publisher] that hands each
// post straight to a handler, in order, in the caller's goroutine. With
// [Ingest] and durable checkpoints (package state/bolt) it makes the
// whole pipeline of a single process: a batch's cursor is saved only after
// the handler has taken every post of it, so a restart re-handles at most
// the batch it was in, and the handler's idempotent effects (a dispatcher's
// ledger, a state.Seen) make that once in effect.
//
// A handler error other than a permanent one stops the batch and is
// returned, and Ingest tries the batch again after a backoff. A permanent
// error skips the post after reporting it to dead (if not nil), which is
// Direct's dead letter.
type Direct struct {
	Handler Handler
	// Dead, if not nil, receives the posts the handler failed permanently.
	Dead func(p hark.Post, err error)
}

// Publish implements [Publisher].
func (d Direct) Publish(ctx context.Context, posts ...hark.Post) error {
	for _, p := range posts {
		if err := ctx.Err(); err != nil {
			return err
		}
		err := d.Handler(ctx, p)
		if err != nil && IsPermanent(err) {
			if d.Dead != nil {
				d.Dead(p, err)
			}
			continue
		}
		if err != nil {
			return err
		}
	}
	return nil
}
