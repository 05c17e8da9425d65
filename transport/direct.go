package transport

import (
	"context"
	"sync"
	"time"

	"github.com/harkhq/hark"
)

// Direct is the transport of one machine: a [Publisher] that hands each
// post straight to a handler, in the caller's goroutine (or a few, see
// Concurrency). With [Ingest] and durable checkpoints (package state/bolt)
// it makes the whole pipeline of a single process: a batch's cursor is
// saved only after the handler has taken every post of it, so a restart
// re-handles at most the batch it was in, and the handler's idempotent
// effects (a dispatcher's ledger, a state.Seen) make that once in effect.
//
// A post whose handler fails is retried alone, as a broker would deliver
// it again: after the delay asked with [Retry], or else after a backoff
// from 100ms doubling to 5s, until it succeeds or ctx ends; the posts
// already handled are not handled again. A permanent error skips the post
// after reporting it to Dead (if not nil), which is Direct's dead letter.
// Publish returns an error only when ctx ends before every post is
// handled.
type Direct struct {
	Handler Handler
	// Dead, if not nil, receives the posts the handler failed permanently.
	// With Concurrency above 1 it is called from several goroutines.
	Dead func(p hark.Post, err error)
	// OnRetry, if not nil, is told of each failure that will be retried.
	// With Concurrency above 1 it is called from several goroutines.
	OnRetry func(p hark.Post, err error)
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
		if err := d.one(ctx, p); err != nil {
			return err
		}
	}
	return nil
}

// one handles p until it succeeds, fails permanently, or ctx ends.
func (d Direct) one(ctx context.Context, p hark.Post) error {
	wait := 100 * time.Millisecond
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		err := d.Handler(ctx, p)
		switch {
		case err == nil:
			return nil
		case IsPermanent(err):
			if d.Dead != nil {
				d.Dead(p, err)
			}
			return nil
		case ctx.Err() != nil:
			return ctx.Err()
		}
		if d.OnRetry != nil {
			d.OnRetry(p, err)
		}
		delay, ok := RetryAfter(err)
		if !ok {
			delay = wait
			wait = min(2*wait, 5*time.Second)
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

func (d Direct) parallel(ctx context.Context, posts []hark.Post) error {
	next := make(chan hark.Post)
	var wg sync.WaitGroup
	for range min(d.Concurrency, len(posts)) {
		wg.Go(func() {
			for p := range next {
				_ = d.one(ctx, p) // fails only when ctx ends
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
	return ctx.Err()
}
