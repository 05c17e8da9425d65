package listen

import (
	"context"
	"fmt"
	"iter"
	"time"

	"github.com/harkhq/hark"
)

// An Option configures [Stream].
type Option func(*config)

type config struct {
	checkpoints  Checkpoints
	pollInterval time.Duration
}

// WithCheckpoints makes Stream start from the cursor saved in c and save
// each batch's cursor after the loop body has asked for the next batch.
func WithCheckpoints(c Checkpoints) Option { return func(cfg *config) { cfg.checkpoints = c } }

// WithPollInterval sets how long Stream waits after an empty batch or an
// error before polling again. The default is 5 seconds.
func WithPollInterval(d time.Duration) Option { return func(cfg *config) { cfg.pollInterval = d } }

// Stream polls src and yields its batches of posts until ctx is done, the
// source is done, or the loop body breaks. A fetch error is yielded with a
// nil batch and polling goes on after the poll interval; empty batches are
// not yielded.
//
// The cursor of a batch is saved only when the loop body asks for the next
// one, so a batch whose handling was interrupted is delivered again on the
// next run: at-least-once.
func Stream(ctx context.Context, src Source, opts ...Option) iter.Seq2[[]hark.Post, error] {
	cfg := config{checkpoints: &MemoryCheckpoints{}, pollInterval: 5 * time.Second}
	for _, o := range opts {
		o(&cfg)
	}
	return func(yield func([]hark.Post, error) bool) {
		cursor, err := cfg.checkpoints.Load(ctx, src.Name())
		if err != nil {
			yield(nil, fmt.Errorf("listen: load checkpoint of %s: %w", src.Name(), err))
			return
		}
		for ctx.Err() == nil {
			b, err := src.Fetch(ctx, cursor)
			if err != nil {
				if ctx.Err() != nil {
					return
				}
				if !yield(nil, fmt.Errorf("listen: %s: %w", src.Name(), err)) || !sleep(ctx, cfg.pollInterval) {
					return
				}
				continue
			}
			if len(b.Posts) > 0 && !yield(b.Posts, nil) {
				return
			}
			if b.Cursor != cursor {
				if err := cfg.checkpoints.Save(ctx, src.Name(), b.Cursor); err != nil {
					if !yield(nil, fmt.Errorf("listen: save checkpoint of %s: %w", src.Name(), err)) {
						return
					}
				} else {
					cursor = b.Cursor
				}
			}
			if b.Done {
				return
			}
			if len(b.Posts) == 0 && !sleep(ctx, cfg.pollInterval) {
				return
			}
		}
	}
}

// sleep waits for d or until ctx is done, and reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
