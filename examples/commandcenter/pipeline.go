package main

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/influence"
	"github.com/harkhq/hark/internal/samplewatch"
	"github.com/harkhq/hark/observe"
	"github.com/harkhq/hark/reply"
	"github.com/harkhq/hark/respond"
	"github.com/harkhq/hark/respond/surge"
	"github.com/harkhq/hark/sample"
	"github.com/harkhq/hark/score"
)

// pipeline wires the packages the way a user's program would: each post is
// scored, its author judged, its keys watched for surges, a policy decides,
// and the dispatcher carries the decision out, but for the reply: a reply
// the policy holds waits in the approval queue, one it lets out alone is
// posted (package reply, to the stand-in platform). The board keeps what
// the page shows.
type pipeline struct {
	mu         sync.Mutex // serialises handle and advance (the surge detector is not shared)
	scorer     *score.Scorer
	authors    *influence.Tracker
	watch      *samplewatch.Watch // the sample company's surge keys
	surges     *surge.Detector
	policy     *respond.Policy
	ledger     *respond.MemLedger
	dispatcher *respond.Dispatcher
	platform   *platform
	replies    *replies
	account    string // the brand account replies are posted as
	board      *board

	// The scorer, the policy and the dispatcher as instrumented for
	// /metrics and /healthz.
	obs      *observe.Instruments
	score    observe.Scorer
	decide   observe.DecideFunc
	dispatch observe.Dispatcher
}

func newPipeline(facts sample.Facts, policy *respond.Policy, b *board, plat *platform, in *observe.Instruments, log *slog.Logger) (*pipeline, error) {
	watch := samplewatch.New(facts)
	scorer, err := score.New(score.WithBrand(watch.Brand()))
	if err != nil {
		return nil, fmt.Errorf("scorer: %w", err)
	}
	ledger := new(respond.MemLedger)
	// One pacer and one ledger for the dispatcher and the reply poster, so
	// that the two could never both post a reply, nor exceed one budget.
	pacer := newPacer()
	p := &pipeline{
		scorer:   scorer,
		watch:    watch,
		authors:  influence.NewTracker(influence.WithBrandAccounts(facts.Handles...)),
		surges:   surge.New(surge.Config{MaxKeys: 10_000}),
		policy:   policy,
		ledger:   ledger,
		platform: plat,
		replies:  newReplies(plat, ledger, pacer, scorer, log),
		account:  brandAccount(facts),
		board:    b,
	}
	p.dispatcher = respond.NewDispatcher(respond.RouterFunc(p.route), respond.WithLedger(ledger), respond.WithPacer(pacer),
		respond.WithLogger(log))
	p.obs, p.score, p.decide = in, in.Scorer(scorer), in.Decider(policy.Decide)
	p.dispatch = in.Dispatcher("dispatcher", p.dispatcher)
	return p, nil
}

// route sends routes, alerts, escalations and tags to the board's outbox
// tally. Replies are left unrouted (the dispatcher skips them): the reply
// poster posts them, exactly once, under the platform's rules.
func (p *pipeline) route(a respond.Action) respond.Notifier {
	if a.Kind == respond.ActReply {
		return nil
	}
	return respond.NotifierFunc(func(_ context.Context, m respond.Message) error {
		p.board.dispatched(m)
		return nil
	})
}

// handle runs one post through the pipeline.
func (p *pipeline) handle(ctx context.Context, post hark.Post) error {
	if post.ID == "" {
		return nil
	}
	post.Repair()
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.score.Score(post)
	if err := p.authors.Observe(post, s); err != nil {
		return fmt.Errorf("influence: %w", err)
	}
	if post.Created.IsZero() {
		post.Created = p.board.clock.now()
	}
	var keys []string
	var alerts []surge.Alert
	if o, ok := p.watch.Observe(post, s); ok {
		keys = o.Keys
		alerts = p.surges.Observe(o)
	}
	p.obs.Alerts(ctx, alerts)
	c := respond.Case{Post: post, Scores: s, Author: p.authors.Score(post.Author), Now: post.Created,
		Surge: respond.SurgeState(p.surges.PostStatus(keys))}
	d, err := p.decide(ctx, c)
	if err != nil {
		return fmt.Errorf("decide %s: %w", post.ID, err)
	}
	rep, err := p.dispatch.Do(ctx, d)
	var rs replyStatus
	switch {
	case slices.ContainsFunc(d.Actions, func(a respond.Action) bool { return a.Kind == respond.ActSuppress }):
	case reply.Held(d):
		if it, ok := p.hold(ctx, d); ok {
			rs.queued = &it
		}
	default:
		if res, ok := p.postAuto(ctx, d); ok {
			rs.auto = &res
		}
	}
	p.board.add(post, s, d, rep, keys, alerts, p.surges.Status, rs)
	if err != nil {
		return fmt.Errorf("dispatch %s: %w", post.ID, err)
	}
	return nil
}

// advance moves the surge detector's clock to now, so that silences and the
// ends of quiet buckets are noticed when no post comes.
func (p *pipeline) advance(now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if now.Before(p.surges.Now()) || p.surges.Len() == 0 {
		return
	}
	alerts := p.obs.Alerts(context.Background(), p.surges.Advance(now))
	p.board.addAlerts(alerts, p.surges.Status)
}
