package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/influence"
	"github.com/harkhq/hark/internal/samplewatch"
	"github.com/harkhq/hark/respond"
	"github.com/harkhq/hark/respond/surge"
	"github.com/harkhq/hark/sample"
	"github.com/harkhq/hark/score"
)

// pipeline wires the packages together the way a user's program would, and
// keeps the tallies the report prints.
type pipeline struct {
	facts      sample.Facts
	loc        *time.Location
	clock      *clock
	scorer     *score.Scorer
	authors    *influence.Tracker
	watch      *samplewatch.Watch
	surges     *surge.Detector
	policy     *respond.Policy
	dispatcher *respond.Dispatcher
	outbox     *outbox
	replies    *replies

	posts    int
	byID     map[string]hark.Post
	bySource map[string]*tally
	byLabel  map[score.Label]int
	byIntent map[score.Intent]int
	byPrio   map[respond.Priority]int
	urgent   []item // P1 and P2 decisions, for the report
	alerts   []surge.Alert
}

// tally counts a source's posts and how many of them read negative.
type tally struct{ posts, negative int }

type item struct {
	post hark.Post
	s    score.Result
	d    respond.Decision
}

func newPipeline(facts sample.Facts, policyPath string, loc *time.Location) (*pipeline, error) {
	watch := samplewatch.New(facts)
	scorer, err := score.New(score.WithBrand(watch.Brand()))
	if err != nil {
		return nil, fmt.Errorf("scorer: %w", err)
	}
	policy, err := respond.LoadPolicy(policyPath)
	if err != nil {
		return nil, err
	}
	clk := &clock{t: facts.Start}
	// The dispatcher and the reply poster share one ledger and one pacer:
	// an action recorded by either is never carried out twice, and replies
	// and alerts draw on one budget per brand account.
	ledger := &respond.MemLedger{}
	pacer := respond.NewPacer(respond.Pacing{
		Account:      respond.Rate{Every: 20 * time.Second, Burst: 10},
		AuthorPerDay: 3,
	})
	box := &outbox{byChannel: map[string]int{}}
	p := &pipeline{
		facts:   facts,
		watch:   watch,
		loc:     loc,
		clock:   clk,
		scorer:  scorer,
		authors: influence.NewTracker(influence.WithBrandAccounts(facts.Handles...)),
		surges:  surge.New(surge.Config{}),
		policy:  policy,
		dispatcher: respond.NewDispatcher(box, respond.WithLedger(ledger), respond.WithPacer(pacer),
			respond.WithDispatchClock(clk)),
		outbox:   box,
		byID:     map[string]hark.Post{},
		bySource: map[string]*tally{},
		byLabel:  map[score.Label]int{},
		byIntent: map[score.Intent]int{},
		byPrio:   map[respond.Priority]int{},
	}
	p.replies = newReplies(facts, scorer, clk, loc, ledger, pacer)
	return p, nil
}

func (p *pipeline) handle(ctx context.Context, post hark.Post) error {
	// Time is the replay's: what was due before this post happens first
	// (the care team's reviews, replies the pacer deferred).
	if err := p.replies.advance(ctx, post.Created); err != nil {
		return err
	}
	s := p.scorer.Score(post)
	if err := p.authors.Observe(post, s); err != nil {
		return fmt.Errorf("influence: %w", err)
	}
	var keys []string
	if o, ok := p.watch.Observe(post, s); ok {
		keys = o.Keys
		p.alerts = append(p.alerts, p.surges.Observe(o)...)
	}

	c := respond.Case{Post: post, Scores: s, Author: p.authors.Score(post.Author), Now: post.Created,
		Surge: respond.SurgeState(p.surges.PostStatus(keys))}
	d, err := p.policy.Decide(ctx, c)
	if err != nil {
		return fmt.Errorf("decide %s: %w", post.ID, err)
	}
	if _, err := p.dispatcher.Do(ctx, d); err != nil {
		return fmt.Errorf("dispatch %s: %w", post.ID, err)
	}
	if err := p.replies.decided(ctx, d); err != nil {
		return err
	}

	p.posts++
	p.byID[post.ID] = post
	t := p.bySource[post.Source]
	if t == nil {
		t = &tally{}
		p.bySource[post.Source] = t
	}
	t.posts++
	if s.Label == score.LabelNegative {
		t.negative++
	}
	p.byLabel[s.Label]++
	p.byIntent[s.Intent]++
	p.byPrio[d.Priority]++
	if d.Priority == respond.P1 || d.Priority == respond.P2 {
		p.urgent = append(p.urgent, item{post, s, d})
	}
	return nil
}

// outbox stands in for Slack, the pager and e-mail: it records what the
// dispatcher sends, by channel (or team, for routed posts). Replies and
// holds are left unrouted: the reply package's queue and poster carry them
// out (see replies).
type outbox struct {
	mu        sync.Mutex
	byChannel map[string]int
}

func (o *outbox) Route(a respond.Action) respond.Notifier {
	if a.Kind == respond.ActReply || a.Kind == respond.ActHold {
		return nil
	}
	return respond.NotifierFunc(func(_ context.Context, m respond.Message) error {
		o.mu.Lock()
		defer o.mu.Unlock()
		switch {
		case m.Channel != "":
			o.byChannel["#"+m.Channel]++
		case m.Team != "":
			o.byChannel["team "+m.Team]++
		}
		return nil
	})
}

// clock is the replay's virtual clock: it reads the time of the post being
// handled (or of the review being done), so that deadlines, pacing and
// approvals run on the week's time, not the wall clock's.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// set moves the clock to t; it never goes back (posts of one instant may
// come in any order).
func (c *clock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.After(c.t) {
		c.t = t
	}
}
