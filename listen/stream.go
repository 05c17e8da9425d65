package listen

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"time"

	"github.com/harkhq/hark"
)

// An Option configures [Stream] and [Run].
type Option func(*config)

type config struct {
	checkpoints  Checkpoints
	pollInterval time.Duration
	backoff      Backoff
	dedupe       *Dedupe   // the in-memory set, on its fast path
	seen         SeenStore // any other store
	logger       *slog.Logger
	watermarks   *Watermarks
	silenceAfter time.Duration
	onSilence    func(Silence)
	onWait       func(context.Context, Wait)
	now          func() time.Time
	sleep        func(context.Context, time.Duration) error
}

func newConfig(opts []Option) config {
	cfg := config{
		checkpoints:  &MemoryCheckpoints{},
		pollInterval: 5 * time.Second,
		backoff:      Backoff{Base: time.Second, Max: 5 * time.Minute, Jitter: 0.5},
		now:          time.Now,
		sleep:        sleepCtx,
	}
	for _, o := range opts {
		o(&cfg)
	}
	return cfg
}

// WithCheckpoints makes Stream start from the cursor saved in c and save
// each batch's cursor after the loop body has asked for the next batch. The
// default is a fresh [MemoryCheckpoints].
func WithCheckpoints(c Checkpoints) Option { return func(cfg *config) { cfg.checkpoints = c } }

// WithPollInterval sets how long Stream waits after an empty batch before
// polling again. The default is 5 seconds.
func WithPollInterval(d time.Duration) Option { return func(cfg *config) { cfg.pollInterval = d } }

// WithBackoff sets the waits after failed fetches: the n-th failure in a row
// waits b.Delay(n), or the Retry-After of a rate limit if that is longer.
// The default is 1s doubling to 5 min, half jittered.
func WithBackoff(b Backoff) Option { return func(cfg *config) { cfg.backoff = b } }

// WithDedupe makes Stream drop posts d remembers, and repeats within a
// batch, and remember each delivered post; a batch the loop body breaks
// out of is forgotten again, so it passes when redelivered. One Dedupe may
// serve many streams (of different names).
func WithDedupe(d *Dedupe) Option { return func(cfg *config) { cfg.dedupe, cfg.seen = d, nil } }

// A SeenStore remembers which posts were delivered, as [Dedupe] does in
// memory; an implementation on durable storage makes the effect once
// across restarts too, not only within one process. It must be safe for
// concurrent use when streams share it.
type SeenStore interface {
	// Contains reports, for each of ids of source, whether it was
	// remembered.
	Contains(ctx context.Context, source string, ids []string) ([]bool, error)
	// Remember records ids of source as delivered.
	Remember(ctx context.Context, source string, ids []string) error
}

// WithSeenStore is [WithDedupe] with any [SeenStore]. Repeats within a batch
// are dropped too. A store error is yielded like a fetch error and the
// batch is fetched again after the backoff.
func WithSeenStore(s SeenStore) Option {
	return func(cfg *config) {
		if d, ok := s.(*Dedupe); ok {
			cfg.dedupe, cfg.seen = d, nil
			return
		}
		cfg.dedupe, cfg.seen = nil, s
	}
}

// Contains implements [SeenStore].
func (d *Dedupe) Contains(_ context.Context, source string, ids []string) ([]bool, error) {
	out := make([]bool, len(ids))
	d.mu.Lock()
	defer d.mu.Unlock()
	set := d.sets[source]
	if set == nil {
		return out, nil
	}
	now := d.nowNanos()
	for i, id := range ids {
		out[i] = set.seen(id, now)
	}
	return out, nil
}

// Remember implements [SeenStore].
func (d *Dedupe) Remember(_ context.Context, source string, ids []string) error {
	d.addAll(source, func(i int) string { return ids[i] }, len(ids))
	return nil
}

// WithLogger makes Stream log fetch errors (warn), dropped posts (debug) and
// silences (warn) to l.
func WithLogger(l *slog.Logger) Option { return func(cfg *config) { cfg.logger = l } }

// WithWatermarks makes Stream record how far each source has been read in w.
func WithWatermarks(w *Watermarks) Option { return func(cfg *config) { cfg.watermarks = w } }

// WithSilence raises the silence signal when a source has delivered no post
// for after: f is called (from the stream's goroutine; it must not block
// long) once per silent stretch, the watermark is marked Silent and a
// warning is logged. Silence is checked after each poll.
func WithSilence(after time.Duration, f func(Silence)) Option {
	return func(cfg *config) { cfg.silenceAfter, cfg.onSilence = after, f }
}

// WithOnWait makes Stream call f before each wait after a failed fetch
// (its backoff, or the Retry-After of a rate limit handed up by the
// source's client), from the stream's goroutine; f must not block long.
// The waits a [Client] sits out itself are reported by Client.OnWait.
func WithOnWait(f func(ctx context.Context, w Wait)) Option {
	return func(cfg *config) { cfg.onWait = f }
}

// WithClock replaces the wall clock and the wait between polls (tests and
// simulations). sleep must return ctx.Err() when ctx is done first.
func WithClock(now func() time.Time, sleep func(ctx context.Context, d time.Duration) error) Option {
	return func(cfg *config) {
		if now != nil {
			cfg.now = now
		}
		if sleep != nil {
			cfg.sleep = sleep
		}
	}
}

// Stream polls src and yields its batches of posts until ctx is done, the
// source is done, a permanent error occurs, or the loop body breaks.
//
// A failed fetch is yielded as a nil batch and an error, and polling goes
// on after a backoff (at least the Retry-After of a rate limit); a
// permanent error (see [IsPermanent]) is yielded and ends the stream.
// Empty batches, after dedupe, are not yielded; their cursor is saved.
// Posts without an ID are dropped; invalid UTF-8 in text, handle and name is
// replaced (see hark.Post.Repair). The items of a batch that could not be
// read ([Batch.Skipped]) are yielded after its posts as a nil batch and one
// *[SkippedError]; the stream goes on past them.
//
// The cursor of a batch is saved, and its posts stay remembered by the
// dedupe set, only when the loop body asks for the next batch, so a batch whose
// handling was interrupted (crash, break) is delivered again on the next
// run: at-least-once. With [WithDedupe] the effect is once within the
// dedupe set's memory.
func Stream(ctx context.Context, src Source, opts ...Option) iter.Seq2[[]hark.Post, error] {
	cfg := newConfig(opts)
	return func(yield func([]hark.Post, error) bool) {
		s := streamer{cfg: &cfg, src: src, name: src.Name()}
		s.run(ctx, yield)
	}
}

type streamer struct {
	cfg       *config
	src       Source
	name      string
	lastPost  time.Time
	silent    bool
	failures  int
	keepIndex []int
}

func (s *streamer) run(ctx context.Context, yield func([]hark.Post, error) bool) {
	cfg := s.cfg
	s.lastPost = cfg.now()
	cfg.watermarks.update(s.name, func(w *Watermark) { w.Started = s.lastPost; w.Done = false })
	cursor, err := cfg.checkpoints.Load(ctx, s.name)
	if err != nil {
		yield(nil, fmt.Errorf("listen: load checkpoint of %s: %w", s.name, err))
		return
	}
	cfg.watermarks.update(s.name, func(w *Watermark) { w.Cursor = cursor })
	for ctx.Err() == nil {
		b, err := s.src.Fetch(ctx, cursor)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			if !s.failed(ctx, err, yield) {
				return
			}
			continue
		}
		posts, err := s.clean(ctx, b.Posts)
		if err != nil {
			if ctx.Err() != nil || !s.failed(ctx, err, yield) {
				return
			}
			continue
		}
		s.failures = 0
		now := cfg.now()
		cfg.watermarks.update(s.name, func(w *Watermark) { w.LastFetch = now; w.LastError = "" })
		if len(posts) > 0 {
			if !yield(posts, nil) {
				if cfg.dedupe != nil {
					// Not handled: it must pass again next time.
					cfg.dedupe.forget(s.name, func(i int) string { return posts[i].ID }, len(posts))
				}
				return
			}
			if err := s.commitPosts(ctx, posts); err != nil {
				// The batch was handled but is not remembered: it will
				// not be redelivered (the cursor moves on), but a copy
				// served again later would pass. Report it.
				if ctx.Err() != nil || !yield(nil, err) {
					return
				}
			}
		}
		if b.Cursor != cursor {
			if err := cfg.checkpoints.Save(ctx, s.name, b.Cursor); err != nil {
				if ctx.Err() != nil {
					return
				}
				if !yield(nil, fmt.Errorf("listen: save checkpoint of %s: %w", s.name, err)) {
					return
				}
			} else {
				cursor = b.Cursor
				cfg.watermarks.update(s.name, func(w *Watermark) { w.Cursor = cursor })
			}
		}
		if len(b.Skipped) > 0 && !s.skipped(ctx, b.Skipped, yield) {
			return
		}
		if b.Done {
			cfg.watermarks.update(s.name, func(w *Watermark) { w.Done = true })
			return
		}
		s.checkSilence(ctx)
		if len(b.Posts) == 0 && !b.Waited && cfg.sleep(ctx, cfg.pollInterval) != nil {
			return
		}
	}
}

// skipped reports the unreadable items of a batch, after the batch and its
// cursor, and reports whether to go on.
func (s *streamer) skipped(ctx context.Context, items []error, yield func([]hark.Post, error) bool) bool {
	err := &SkippedError{Source: s.name, Items: items}
	s.cfg.watermarks.update(s.name, func(w *Watermark) { w.Invalid += int64(len(items)) })
	if s.cfg.logger != nil {
		s.cfg.logger.LogAttrs(ctx, slog.LevelWarn, "listen: skipped unreadable items", slog.String("source", s.name), slog.String("err", err.Error()))
	}
	return ctx.Err() == nil && yield(nil, err)
}

// failed handles a fetch error and reports whether to go on.
func (s *streamer) failed(ctx context.Context, err error, yield func([]hark.Post, error) bool) bool {
	cfg := s.cfg
	cfg.watermarks.update(s.name, func(w *Watermark) { w.Errors++; w.LastError = err.Error() })
	if cfg.logger != nil {
		cfg.logger.LogAttrs(ctx, slog.LevelWarn, "listen: fetch failed", slog.String("source", s.name), slog.String("err", err.Error()))
	}
	if !yield(nil, fmt.Errorf("listen: %s: %w", s.name, err)) || IsPermanent(err) {
		return false
	}
	wait := cfg.backoff.Delay(s.failures, nil)
	if ra := RetryAfterOf(err); ra > wait {
		wait = ra
	}
	s.failures++
	s.checkSilence(ctx)
	if cfg.onWait != nil {
		reason := WaitRetry
		if errors.Is(err, ErrRateLimited) {
			reason = WaitRateLimit
		}
		cfg.onWait(ctx, Wait{Reason: reason, Duration: wait, Source: s.name, Attempt: s.failures, Status: StatusOf(err)})
	}
	return cfg.sleep(ctx, wait) == nil
}

// clean drops posts without ID and, with dedupe, those already delivered or
// repeated within the batch; it repairs invalid UTF-8 in place. It returns
// posts itself when nothing is dropped.
func (s *streamer) clean(ctx context.Context, posts []hark.Post) ([]hark.Post, error) {
	cfg := s.cfg
	var invalid, dups int64
	for i := range posts {
		posts[i].Repair()
		if posts[i].Source == "" {
			posts[i].Source = s.name
		}
	}
	keep := s.keepIndex[:0]
	switch {
	case cfg.dedupe != nil:
		cfg.dedupe.claim(s.name, func(i int) string { return posts[i].ID }, len(posts), func(i int) {
			keep = append(keep, i)
		})
	case cfg.seen != nil:
		ids := make([]string, len(posts))
		for i := range posts {
			ids[i] = posts[i].ID
		}
		seen, err := cfg.seen.Contains(ctx, s.name, ids)
		if err != nil {
			return nil, fmt.Errorf("listen: seen store of %s: %w", s.name, err)
		}
		if len(seen) != len(ids) {
			return nil, fmt.Errorf("listen: seen store of %s answered %d of %d", s.name, len(seen), len(ids))
		}
		batch := make(map[string]bool, len(ids))
		for i, id := range ids {
			if !seen[i] && !batch[id] {
				batch[id] = true
				keep = append(keep, i)
			}
		}
	default:
		for i := range posts {
			keep = append(keep, i)
		}
	}
	s.keepIndex = keep
	out := posts
	if len(keep) != len(posts) || hasEmptyID(posts) {
		out = make([]hark.Post, 0, len(keep))
		for _, i := range keep {
			if posts[i].ID == "" {
				invalid++
				continue
			}
			out = append(out, posts[i])
		}
		dups = int64(len(posts) - len(keep))
	}
	if invalid > 0 || dups > 0 {
		cfg.watermarks.update(s.name, func(w *Watermark) { w.Invalid += invalid; w.Duplicates += dups })
		if cfg.logger != nil {
			cfg.logger.Debug("listen: dropped posts", "source", s.name, "duplicates", dups, "without_id", invalid)
		}
	}
	return out, nil
}

func hasEmptyID(posts []hark.Post) bool {
	for i := range posts {
		if posts[i].ID == "" {
			return true
		}
	}
	return false
}

// commitPosts records delivered posts in the dedupe set and watermark.
func (s *streamer) commitPosts(ctx context.Context, posts []hark.Post) error {
	cfg := s.cfg
	var err error
	switch {
	case cfg.dedupe != nil:
		// Remembered when claimed in clean.
	case cfg.seen != nil:
		ids := make([]string, len(posts))
		for i := range posts {
			ids[i] = posts[i].ID
		}
		if e := cfg.seen.Remember(ctx, s.name, ids); e != nil {
			err = fmt.Errorf("listen: seen store of %s: %w", s.name, e)
		}
	}
	now := cfg.now()
	s.lastPost, s.silent = now, false
	if cfg.watermarks == nil {
		return err
	}
	var newest time.Time
	for i := range posts {
		if posts[i].Created.After(newest) {
			newest = posts[i].Created
		}
	}
	cfg.watermarks.update(s.name, func(w *Watermark) {
		w.Delivered += int64(len(posts))
		w.LastPost = now
		w.Silent = false
		if newest.After(w.Newest) {
			w.Newest = newest
		}
	})
	return err
}

func (s *streamer) checkSilence(ctx context.Context) {
	cfg := s.cfg
	if cfg.silenceAfter <= 0 || s.silent {
		return
	}
	d := cfg.now().Sub(s.lastPost)
	if d < cfg.silenceAfter {
		return
	}
	s.silent = true
	cfg.watermarks.update(s.name, func(w *Watermark) { w.Silent = true })
	if cfg.logger != nil {
		cfg.logger.LogAttrs(ctx, slog.LevelWarn, "listen: source silent", slog.String("source", s.name), slog.Duration("for", d))
	}
	if cfg.onSilence != nil {
		cfg.onSilence(Silence{Source: s.name, Since: s.lastPost, For: d})
	}
}
