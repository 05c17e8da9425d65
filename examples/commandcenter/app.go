package main

import (
	"bytes"
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/listen"
	"github.com/harkhq/hark/respond"
	"github.com/harkhq/hark/sample"
)

//go:embed policy.yaml
var defaultPolicy []byte

// config is what the flags set.
type config struct {
	// Speed is how many times faster than real time the replay runs (1440:
	// a day a minute); <= 0 replays as fast as the posts can be handled.
	Speed float64
	// From is the virtual time the paced replay starts at; the posts before
	// it are handled at once. Zero starts at the beginning of the week.
	From time.Time
	// PolicyPath is a policy file; "" means the embedded one.
	PolicyPath string
	// Live selects live sources instead of the sample week.
	Live liveFlags
	// Posts replaces the sample week (tests).
	Posts []hark.Post
	// Tick is how often the page is updated; RankEvery how often the
	// influencer board is recomputed (wall time).
	Tick, RankEvery time.Duration
	// Logger receives warnings; nil discards them.
	Logger *slog.Logger
}

// app is the command center: the pipeline, the board, the feeds, and the
// web handlers that show them.
type app struct {
	cfg   config
	log   *slog.Logger
	clock *vclock
	board *board
	pipe  *pipeline
	plat  *platform
	feeds []*feed
	wm    *listen.Watermarks
	obs   *observability
	key   []byte // signs CSRF tokens
	mode  string

	pubMu   sync.Mutex // one publish at a time, so a newer snapshot is never replaced by an older one
	hubMu   sync.Mutex
	latest  []byte
	changed chan struct{} // closed and replaced at each publish
	done    chan struct{} // closed when Run returns
	started bool
}

func newApp(cfg config) (*app, error) {
	if cfg.Tick <= 0 {
		cfg.Tick = 500 * time.Millisecond
	}
	if cfg.RankEvery <= 0 {
		cfg.RankEvery = 2 * time.Second
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var policy *respond.Policy
	var err error
	if cfg.PolicyPath != "" {
		policy, err = respond.LoadPolicy(cfg.PolicyPath)
	} else {
		policy, err = respond.ParsePolicy("policy.yaml (embedded)", defaultPolicy)
	}
	if err != nil {
		return nil, err
	}
	a := &app{cfg: cfg, log: log, wm: new(listen.Watermarks), plat: newPlatform(),
		changed: make(chan struct{}), done: make(chan struct{}), key: make([]byte, 32)}
	if _, err := rand.Read(a.key); err != nil {
		return nil, err
	}
	a.clock = &vclock{live: cfg.Live.any(), speed: cfg.Speed, wall: time.Now}
	a.board = newBoard(a.clock)
	if a.obs, err = newObservability(log, a.wm); err != nil {
		return nil, err
	}
	a.pipe, err = newPipeline(sample.Script(), policy, a.board, a.plat, a.obs.in, log)
	if err != nil {
		return nil, err
	}
	if cfg.Live.any() {
		a.mode = "live"
		if a.feeds, err = liveFeeds(cfg.Live, cfg.Speed); err != nil {
			return nil, err
		}
	} else {
		a.mode = "replay"
		if a.cfg.Posts == nil {
			a.cfg.Posts = sample.Week()
		}
		a.feeds = []*feed{{name: "sample-week"}}
	}
	for _, f := range a.feeds {
		f.obs = a.obs.in
	}
	a.publish()
	return a, nil
}

// Run listens, judges and updates the board until ctx is done, then stops
// every goroutine it started (and ends the pages' event streams).
func (a *app) Run(ctx context.Context) {
	defer close(a.done)
	var wg sync.WaitGroup
	if a.mode == "replay" {
		wg.Go(func() { a.replayWeek(ctx, a.feeds[0], a.cfg.Posts, a.cfg.From, a.cfg.Speed) })
	} else {
		dd := listen.NewDedupe(100_000, 48*time.Hour)
		for _, f := range a.feeds {
			wg.Go(func() {
				f.stream(ctx, a.pipe.handle, a.log, listen.WithWatermarks(a.wm), listen.WithDedupe(dd),
					listen.WithSilence(15*time.Minute, nil), listen.WithLogger(a.log))
			})
		}
	}
	wg.Go(func() { a.rank(ctx) })
	wg.Go(func() { a.pipe.sendLoop(ctx) })
	t := time.NewTicker(a.cfg.Tick)
	defer t.Stop()
	var seen uint64
	last := time.Now()
	for {
		select {
		case <-ctx.Done():
			wg.Wait()
			return
		case now := <-t.C:
			// Rebuild when the board changed, and every two seconds
			// anyway for the clocks and the health panel.
			if v := a.board.getVersion(); v != seen || now.Sub(last) >= 2*time.Second {
				seen, last = v, now
				a.publish()
			}
		}
	}
}

// rank recomputes the influencer board, forgets old ledger entries, and
// moves the surge detector's clock on between posts.
func (a *app) rank(ctx context.Context) {
	t := time.NewTicker(a.cfg.RankEvery)
	defer t.Stop()
	var seen uint64
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if a.mode == "live" || a.clock.speed > 0 {
			a.pipe.advance(a.clock.now())
		}
		v := a.board.getVersion()
		if v == seen {
			continue
		}
		seen = v
		if _, err := a.pipe.authors.Rank(ctx); err != nil {
			continue
		}
		top, err := a.pipe.authors.Top(300)
		if err == nil {
			a.board.setAuthors(top)
		}
		a.pipe.ledger.Forget(time.Now().Add(-24 * time.Hour))
	}
}

// ingest runs one post through the pipeline, as every source does.
func (a *app) ingest(ctx context.Context, p hark.Post) error { return a.pipe.handle(ctx, p) }

// snapshot builds what the page shows now.
func (a *app) snapshot() snapshot {
	now := a.clock.now()
	s := a.board.view(now)
	s.Mode = a.mode
	if a.mode == "replay" {
		s.Speed = a.cfg.Speed
	}
	s.Replies.Published, s.Replies.Recent = a.plat.Total(), a.plat.Recent(8)
	wall := time.Now()
	s.Done = len(a.feeds) > 0
	for _, f := range a.feeds {
		w, _ := a.wm.Get(f.name)
		sv := sourceView{Name: f.name, Delivered: w.Delivered, LastPost: w.LastPost, Silent: w.Silent,
			Done: w.Done, Errors: w.Errors, LastError: w.LastError,
			RateLimits: f.rateLimits.Load(), Waited: time.Duration(f.waited.Load()).Seconds(),
			PerMinute: f.sample(wall, w.Delivered)}
		if f.quota != nil {
			if t := f.quota.PausedUntil(); t.After(wall) {
				sv.PausedTill = t
			}
		}
		s.Done = s.Done && w.Done
		s.Health = append(s.Health, sv)
	}
	return s
}

// publish builds the snapshot and wakes the event streams if it changed.
func (a *app) publish() {
	a.pubMu.Lock()
	defer a.pubMu.Unlock()
	b, err := json.Marshal(a.snapshot())
	if err != nil {
		a.log.Error("snapshot", "err", err)
		return
	}
	a.hubMu.Lock()
	defer a.hubMu.Unlock()
	if bytes.Equal(b, a.latest) {
		return
	}
	a.latest = b
	close(a.changed)
	a.changed = make(chan struct{})
}

// current returns the latest snapshot's JSON and a channel closed when a
// newer one is published.
func (a *app) current() ([]byte, <-chan struct{}) {
	a.hubMu.Lock()
	defer a.hubMu.Unlock()
	return a.latest, a.changed
}

// parseFrom reads -from: an RFC 3339 time, or a weekday and an optional
// time of day within the replayed week ("fri 11:00").
func parseFrom(s string, weekStart time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	day, clock, _ := strings.Cut(s, " ")
	var off time.Duration
	if clock != "" {
		t, err := time.Parse("15:04", clock)
		if err != nil {
			return time.Time{}, fmt.Errorf("-from %q: want RFC 3339 or a weekday and HH:MM, as \"fri 11:00\"", s)
		}
		off = time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute
	}
	for i := range 7 {
		d := weekStart.AddDate(0, 0, i)
		if strings.EqualFold(day, d.Weekday().String()[:3]) || strings.EqualFold(day, d.Weekday().String()) {
			return d.Add(off), nil
		}
	}
	return time.Time{}, fmt.Errorf("-from %q: want RFC 3339 or a weekday and HH:MM, as \"fri 11:00\"", s)
}
