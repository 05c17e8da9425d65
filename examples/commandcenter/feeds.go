package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/listen"
	"github.com/harkhq/hark/listen/bluesky"
	"github.com/harkhq/hark/listen/hn"
	"github.com/harkhq/hark/listen/mastodon"
	"github.com/harkhq/hark/listen/replay"
	"github.com/harkhq/hark/listen/rss"
	"github.com/harkhq/hark/observe"
)

// feed is one listening stream and what the source health panel says of it
// beyond its watermark: the waits upstreams imposed (rate limits sat out by
// the adapter's HTTP client, with its backoffs between retries, and rate
// limits handed up to the stream).
type feed struct {
	name       string
	src        listen.Source
	quota      *listen.Quota // nil when the source has none of its own
	rateLimits atomic.Int64
	waited     atomic.Int64         // nanoseconds
	obs        *observe.Instruments // nil: not instrumented

	mu      sync.Mutex
	samples [8]rateSample // delivered counts at recent ticks, for a rate
	at      int
}

type rateSample struct {
	wall      time.Time
	delivered int64
}

// client returns an HTTP client for the feed's adapter whose waits between
// attempts are counted: rate limits (Retry-After, a quota paused until a
// reset) as rate limits, and their time with that of the backoffs between
// retries as waited. The quota's own pacing is not an upstream's wait.
func (f *feed) client(q *listen.Quota) *listen.Client {
	f.quota = q
	return &listen.Client{Quota: q, OnWait: f.onWait}
}

func (f *feed) onWait(ctx context.Context, w listen.Wait) {
	switch w.Reason {
	case listen.WaitRateLimit, listen.WaitPaused:
		f.rateLimits.Add(1)
		f.waited.Add(int64(w.Duration))
	case listen.WaitRetry:
		f.waited.Add(int64(w.Duration))
	}
	if f.obs != nil {
		f.obs.Waits(f.name)(ctx, w)
	}
}

// source returns the feed's source, instrumented if the feed is.
func (f *feed) source() listen.Source {
	if f.obs == nil {
		return f.src
	}
	return f.obs.Source(f.src)
}

// sample records the delivered count at wall time now and returns the rate
// in posts a minute over the samples kept.
func (f *feed) sample(now time.Time, delivered int64) float64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.samples[f.at%len(f.samples)] = rateSample{now, delivered}
	f.at++
	oldest := f.samples[f.at%len(f.samples)]
	if f.at < len(f.samples) {
		oldest = f.samples[0]
	}
	dt := now.Sub(oldest.wall)
	if dt <= 0 {
		return 0
	}
	return float64(delivered-oldest.delivered) / dt.Minutes()
}

// stream reads f until ctx is done or the source ends, handing posts to h.
func (f *feed) stream(ctx context.Context, h func(context.Context, hark.Post) error, log *slog.Logger, opts ...listen.Option) {
	if f.obs != nil {
		opts = append(opts, listen.WithOnWait(f.obs.Waits("")))
	}
	for posts, err := range listen.Stream(ctx, f.source(), opts...) {
		if err != nil {
			if rl := (*listen.RateLimitError)(nil); errors.As(err, &rl) {
				f.rateLimits.Add(1)
				f.waited.Add(int64(listen.RetryAfterOf(err)))
			}
			if ctx.Err() == nil {
				log.Warn("source", "source", f.name, "err", err)
			}
			continue
		}
		for _, p := range posts {
			if err := h(ctx, p); err != nil && ctx.Err() == nil {
				log.Warn("handle", "post", p.ID, "err", err)
			}
		}
	}
}

// liveFlags are the flags that select live sources instead of the replay.
type liveFlags struct {
	hn       string
	mastodon string
	rss      multiFlag
	bluesky  string
	jsonl    string
}

func (l liveFlags) any() bool {
	return l.hn != "" || l.mastodon != "" || len(l.rss) > 0 || l.bluesky != "" || l.jsonl != ""
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// liveFeeds builds the feeds the flags select. Each gets a quota of its own
// so that the health panel can show when an upstream paused it.
func liveFeeds(l liveFlags, speed float64) ([]*feed, error) {
	var fs []*feed
	if l.hn != "" {
		f := &feed{name: "hn"}
		f.src = hn.New(hn.Config{Query: l.hn, Client: f.client(listen.NewQuota(1, 1))})
		fs = append(fs, f)
	}
	if l.mastodon != "" {
		inst, tag, ok := strings.Cut(l.mastodon, "#")
		if !ok || tag == "" {
			return nil, fmt.Errorf("-mastodon %q: want https://instance#hashtag", l.mastodon)
		}
		f := new(feed)
		src, err := mastodon.New(mastodon.Config{Instance: inst, Hashtag: tag, Client: f.client(listen.PerMinute(60, 5))})
		if err != nil {
			return nil, fmt.Errorf("-mastodon: %w", err)
		}
		f.name, f.src = src.Name(), src
		fs = append(fs, f)
	}
	for _, u := range l.rss {
		f := new(feed)
		src := rss.New(rss.Config{URL: u, Client: f.client(listen.PerMinute(6, 1))})
		f.name, f.src = src.Name(), src
		fs = append(fs, f)
	}
	if l.bluesky != "" {
		f := new(feed)
		src, err := bluesky.New(bluesky.Config{Query: l.bluesky, Client: f.client(listen.NewQuota(10, 10))})
		if err != nil {
			return nil, fmt.Errorf("-bluesky: %w", err)
		}
		f.name, f.src = src.Name(), src
		fs = append(fs, f)
	}
	if l.jsonl != "" {
		var opts []replay.Option
		if speed > 0 {
			opts = append(opts, replay.WithSpeed(speed))
		}
		src, err := replay.Open(l.jsonl, append(opts, replay.WithName("jsonl:"+l.jsonl))...)
		if err != nil {
			return nil, fmt.Errorf("-jsonl: %w", err)
		}
		fs = append(fs, &feed{name: src.Name(), src: src})
	}
	return fs, nil
}

// replayWeek replays posts (the sample week): the posts before from as fast
// as they can be handled, then the rest on a virtual clock at speed (as fast
// as possible if speed <= 0). Both parts are one source with one checkpoint,
// so the paced part resumes exactly after the preloaded one.
func (a *app) replayWeek(ctx context.Context, f *feed, posts []hark.Post, from time.Time, speed float64) {
	cps := new(listen.MemoryCheckpoints)
	opts := []listen.Option{listen.WithCheckpoints(cps), listen.WithWatermarks(a.wm),
		listen.WithPollInterval(time.Millisecond), listen.WithLogger(a.log)}
	if len(posts) == 0 {
		return
	}
	origin := posts[0].Created
	if from.After(origin) {
		f.src = replay.New(posts, replay.WithName(f.name), replay.WithBatchSize(1))
		for batch, err := range listen.Stream(ctx, f.source(), opts...) {
			if err != nil {
				continue
			}
			if !batch[0].Created.Before(from) {
				break // not committed: the paced part starts with it
			}
			origin = batch[0].Created
			if err := a.pipe.handle(ctx, batch[0]); err != nil && ctx.Err() == nil {
				a.log.Warn("handle", "post", batch[0].ID, "err", err)
			}
		}
	}
	if ctx.Err() != nil {
		return
	}
	var ropts []replay.Option
	if speed > 0 {
		ropts = append(ropts, replay.WithSpeed(speed))
		a.clock.pace(origin, posts[len(posts)-1].Created)
	}
	f.src = replay.New(posts, append(ropts, replay.WithName(f.name))...)
	f.stream(ctx, a.pipe.handle, a.log, opts...)
}
