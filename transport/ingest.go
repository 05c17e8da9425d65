package transport

import (
	"context"
	"errors"
	"time"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/listen"
	"github.com/harkhq/hark/state"
)

// Ingest polls src through listen.Stream (configured by opts: give it
// durable checkpoints with listen.WithCheckpoints) and publishes every
// batch to pub. A batch's cursor is saved only after the whole batch is
// published, so a crash re-reads at most that batch, and the transport's
// duplicate detection drops what was already published: after a restart
// no post is missed and none is delivered twice.
//
// A failed publish is retried with a backoff (100ms doubling to 5s) until
// it succeeds or ctx ends: a transport that is down (a server restarting)
// holds ingestion back and loses nothing. Ingest returns nil when the
// source is done, ctx's error when ctx ends, a permanent error of the
// source, state.ErrCheckpointMoved when another ingester took the source
// over (see state.Lease), or the error that ended the stream early (a
// checkpoint that could not be loaded); the last two are worth calling
// Ingest again for. Fetch errors that are not permanent are retried by the
// stream; they are reported to onErr if it is not nil.
func Ingest(ctx context.Context, src listen.Source, pub Publisher, onErr func(error), opts ...listen.Option) error {
	var last error // the last thing the stream yielded, if it was an error
	for posts, err := range listen.Stream(ctx, src, opts...) {
		last = err
		if err != nil {
			if errors.Is(err, state.ErrCheckpointMoved) || listen.IsPermanent(err) {
				return err
			}
			if onErr != nil {
				onErr(err)
			}
			continue
		}
		if err := publish(ctx, pub, posts, onErr); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if last != nil {
		// The stream gave up right after an error (it could not load the
		// checkpoint): not done, so say why.
		return last
	}
	return nil
}

func publish(ctx context.Context, pub Publisher, posts []hark.Post, onErr func(error)) error {
	wait := 100 * time.Millisecond
	for {
		err := pub.Publish(ctx, posts...)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if onErr != nil {
			onErr(err)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		wait = min(2*wait, 5*time.Second)
	}
}
