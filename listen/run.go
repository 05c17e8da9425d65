package listen

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/harkhq/hark"
)

// A Handler handles one batch of posts from the named source. Returning an
// error stops [Run]; the batch's cursor is then not saved.
type Handler func(ctx context.Context, source string, posts []hark.Post) error

// Run streams every source concurrently, each with [Stream] and the same
// options (so they share checkpoints, dedupe, watermarks and logger), and
// fans their batches in to h, which is called from one goroutine at a time.
// A batch's cursor is saved only after h returned nil for it.
//
// Fetch errors of a source are logged and recorded in the watermarks (see
// [WithLogger], [WithWatermarks]) and the source is polled again after a
// backoff; a permanent error ends that source only. Run returns when every
// source has ended, when ctx is done, or when h fails: nil if every source
// ended cleanly, else ctx's error, h's error, and the permanent errors of
// the sources, joined. All goroutines have exited when Run returns.
func Run(ctx context.Context, sources []Source, h Handler, opts ...Option) error {
	names := make(map[string]bool, len(sources))
	for _, s := range sources {
		if names[s.Name()] {
			return fmt.Errorf("listen: two sources named %q share one checkpoint key", s.Name())
		}
		names[s.Name()] = true
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	type delivery struct {
		source string
		posts  []hark.Post
		ack    chan bool
	}
	deliveries := make(chan delivery)
	var (
		wg        sync.WaitGroup
		mu        sync.Mutex
		permanent []error
	)
	for _, src := range sources {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ack := make(chan bool, 1)
			for posts, err := range Stream(ctx, src, opts...) {
				if err != nil {
					if IsPermanent(err) {
						mu.Lock()
						permanent = append(permanent, err)
						mu.Unlock()
					}
					continue
				}
				select {
				case deliveries <- delivery{src.Name(), posts, ack}:
				case <-ctx.Done():
					return
				}
				// A delivery taken is always acked, and the ack is buffered:
				// waiting on ctx as well would let a stop drop the commit of
				// a batch the handler already took.
				if !<-ack {
					return
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()

	var herr error
loop:
	for {
		select {
		case d := <-deliveries:
			if err := h(ctx, d.source, d.posts); err != nil {
				herr = fmt.Errorf("listen: handler on %s: %w", d.source, err)
				d.ack <- false
				break loop
			}
			d.ack <- true
		case <-done:
			break loop
		case <-ctx.Done():
			break loop
		}
	}
	ctxErr := ctx.Err()
	cancel()
	<-done
	if herr != nil {
		ctxErr = nil
	}
	mu.Lock()
	defer mu.Unlock()
	return errors.Join(append([]error{ctxErr, herr}, permanent...)...)
}
