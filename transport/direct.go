package transport

import (
	"context"
	"errors"
	"sync"

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
	// With Concurrency above 1 it is called from several goroutines.
	Dead func(p hark.Post, err error)
	// Concurrency is how many posts of a batch are handled at once (1 if
	// 0 or less: in order). On a store that syncs every write to disk,
	// handling several posts at once lets their writes share syncs (see
	// state/bolt); the posts of a batch are then handled in no set order,
	// and the batch ends when all are handled.
	Concurrency int
}

// Publish implements [Publisher].
func (d Direct) Publish(ctx context.Context, posts ...hark.Post) error {
	if d.Concurrency > 1 && len(posts) > 1 {
		return d.parallel(ctx, posts)
	}
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

func (d Direct) parallel(ctx context.Context, posts []hark.Post) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan hark.Post)
	var mu sync.Mutex
	var errs []error
	var wg sync.WaitGroup
	for range min(d.Concurrency, len(posts)) {
		wg.Go(func() {
			for p := range next {
				err := d.Handler(ctx, p)
				if err != nil && IsPermanent(err) {
					if d.Dead != nil {
						d.Dead(p, err)
					}
					continue
				}
				if err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
					cancel() // the batch fails; stop handing out its posts
				}
			}
		})
	}
feed:
	for _, p := range posts {
		select {
		case next <- p:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	return context.Cause(ctx) // nil unless the caller's ctx ended
}
