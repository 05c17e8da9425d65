package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/influence"
	"github.com/harkhq/hark/respond"
	"github.com/harkhq/hark/respond/surge"
	"github.com/harkhq/hark/sample"
	"github.com/harkhq/hark/score"
)

// pipeline wires the packages the way a user's program would: each post is
// scored, its author judged, its keys watched for surges, a policy decides,
// and the dispatcher carries the decision out. The board keeps what the page
// shows.
type pipeline struct {
	mu         sync.Mutex // serialises handle and advance (the surge detector is not shared)
	scorer     *score.Scorer
	authors    *influence.Tracker
	surges     *surge.Detector
	policy     *respond.Policy
	ledger     *respond.MemLedger
	dispatcher *respond.Dispatcher
	platform   *platform
	board      *board
}

func newPipeline(facts sample.Facts, policy *respond.Policy, b *board, plat *platform) (*pipeline, error) {
	scorer, err := score.New(score.WithBrand(brandOf(facts)))
	if err != nil {
		return nil, fmt.Errorf("scorer: %w", err)
	}
	ledger := new(respond.MemLedger)
	p := &pipeline{
		scorer:   scorer,
		authors:  influence.NewTracker(influence.WithBrandAccounts(facts.Handles...)),
		surges:   surge.New(surge.Config{MaxKeys: 10_000}),
		policy:   policy,
		ledger:   ledger,
		platform: plat,
		board:    b,
	}
	p.dispatcher = respond.NewDispatcher(respond.RouterFunc(p.route), respond.WithLedger(ledger))
	return p, nil
}

// brandOf tells the scorer about the sample's company: its names and handles
// are not sentiment words, its products and stores are what posts are about.
func brandOf(f sample.Facts) score.Brand {
	b := score.Brand{Name: f.Brand, Handles: f.Handles}
	for _, p := range f.Products {
		b.Products = append(b.Products, p.Name)
		b.Neutral = append(b.Neutral, p.Name)
	}
	for _, s := range f.Stores {
		b.Places = append(b.Places, s.City)
	}
	return b
}

// route sends replies to the platform stand-in and everything else (routes,
// alerts, escalations, tags) to the board's outbox tally.
func (p *pipeline) route(a respond.Action) respond.Notifier {
	if a.Kind == respond.ActReply {
		return p.platform
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
	s := p.scorer.Score(post)
	if err := p.authors.Observe(post, s); err != nil {
		return fmt.Errorf("influence: %w", err)
	}
	if post.Created.IsZero() {
		post.Created = p.board.clock.now()
	}
	keys := surgeKeys(post, s)
	alerts := p.surges.Observe(surge.Observation{
		Keys:     keys,
		Time:     post.Created,
		Negative: s.Label == score.LabelNegative,
		Source:   post.Source,
		Terms:    surge.Terms(post.Text, 8),
		Entities: entityNames(s),
		PostID:   post.ID,
		Weight:   1 + float64(post.Metrics.Reposts+post.Metrics.Replies),
	})
	c := respond.Case{Post: post, Scores: s, Author: p.authors.Score(post.Author), Now: post.Created}
	for _, k := range keys {
		if st := p.surges.Status(k); st.Active {
			c.Surge.Active = true
			c.Surge.Keys = append(c.Surge.Keys, k)
			c.Surge.Score = max(c.Surge.Score, st.Score)
		}
	}
	d, err := p.policy.Decide(ctx, c)
	if err != nil {
		return fmt.Errorf("decide %s: %w", post.ID, err)
	}
	rep, err := p.dispatcher.Do(ctx, d)
	p.board.add(post, s, d, rep, keys, alerts, p.surges.Status)
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
	alerts := p.surges.Advance(now)
	p.board.addAlerts(alerts, p.surges.Status)
}

// approve sends the draft reply of a held decision: the decision is
// dispatched again with its reply action alone and the current text, so the
// dispatcher's ledger sends it once however often it is approved.
func (p *pipeline) approve(ctx context.Context, id string) (state string, err error) {
	dec, text, err := p.board.draftFor(id)
	switch {
	case errors.Is(err, errSent):
		return stSent, nil // approving again is not an error, and sends nothing
	case err != nil:
		return "", err
	}
	var acts []respond.Action
	for _, a := range dec.Actions {
		if a.Kind == respond.ActReply {
			acts = append(acts, a)
		}
	}
	dec.Actions, dec.Reply = acts, text
	rep, err := p.dispatcher.Do(ctx, dec)
	return p.board.approved(id, rep), err
}

// surgeKeys are the keys a post is watched under: the brand as a whole, each
// product and place it names, its intent and its source.
func surgeKeys(post hark.Post, s score.Result) []string {
	keys := []string{"brand", "intent:" + string(s.Intent)}
	if post.Source != "" {
		keys = append(keys, "source:"+post.Source)
	}
	for _, e := range s.About {
		if e.Kind == "product" || e.Kind == "place" {
			keys = append(keys, e.Kind+":"+strings.ToLower(e.Name))
		}
	}
	return keys
}

func entityNames(s score.Result) []string {
	var names []string
	for _, e := range s.About {
		names = append(names, e.Name)
	}
	return names
}

// platform stands in for the social platforms the replies go to: it records
// every reply sent, by post, as a platform's API would publish it.
type platform struct {
	mu    sync.Mutex
	sends map[string]int // post ID → replies published
	total int
	last  []respond.Message // the latest replies, newest last (bounded)
}

// maxTracked bounds the posts whose replies the platform stand-in counts.
const maxTracked = 100_000

func newPlatform() *platform { return &platform{sends: map[string]int{}} }

// Notify implements respond.Notifier.
func (pl *platform) Notify(_ context.Context, m respond.Message) error {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	if len(pl.sends) >= maxTracked {
		clear(pl.sends) // per-post counts are for display; the ledger keeps sends once
	}
	pl.sends[m.PostID]++
	pl.total++
	pl.last = append(pl.last, m)
	if len(pl.last) > 64 {
		pl.last = append(pl.last[:0], pl.last[len(pl.last)-32:]...)
	}
	return nil
}

// Sent returns how many replies to post id were published.
func (pl *platform) Sent(id string) int {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	return pl.sends[id]
}

// Total returns how many replies were published in all.
func (pl *platform) Total() int {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	return pl.total
}
