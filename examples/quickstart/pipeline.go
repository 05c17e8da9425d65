package main

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/influence"
	"github.com/harkhq/hark/respond"
	"github.com/harkhq/hark/respond/surge"
	"github.com/harkhq/hark/sample"
	"github.com/harkhq/hark/score"
)

// pipeline wires the packages together the way a user's program would, and
// keeps the tallies the report prints.
type pipeline struct {
	scorer     *score.Scorer
	authors    *influence.Tracker
	surges     *surge.Detector
	policy     *respond.Policy
	dispatcher *respond.Dispatcher
	outbox     *outbox

	posts    int
	bySource map[string]int
	byLabel  map[score.Label]int
	byIntent map[score.Intent]int
	byPrio   map[respond.Priority]int
	urgent   []item // P1 and P2 decisions, for the report
	alerts   []surge.Alert
}

type item struct {
	post hark.Post
	s    score.Result
	d    respond.Decision
}

func newPipeline(facts sample.Facts, policyPath string) (*pipeline, error) {
	scorer, err := score.New(score.WithBrand(brandOf(facts)))
	if err != nil {
		return nil, fmt.Errorf("scorer: %w", err)
	}
	policy, err := respond.LoadPolicy(policyPath)
	if err != nil {
		return nil, err
	}
	box := &outbox{byChannel: map[string]int{}}
	return &pipeline{
		scorer:     scorer,
		authors:    influence.NewTracker(influence.WithBrandAccounts(facts.Handles...)),
		surges:     surge.New(surge.Config{}),
		policy:     policy,
		dispatcher: respond.NewDispatcher(box),
		outbox:     box,
		bySource:   map[string]int{},
		byLabel:    map[score.Label]int{},
		byIntent:   map[score.Intent]int{},
		byPrio:     map[respond.Priority]int{},
	}, nil
}

// brandOf tells the scorer what it needs to know about the sample's company:
// its names and handles are not sentiment words, and its products and stores
// are what posts are about.
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

func (p *pipeline) handle(ctx context.Context, post hark.Post) error {
	s := p.scorer.Score(post)
	if err := p.authors.Observe(post, s); err != nil {
		return fmt.Errorf("influence: %w", err)
	}
	keys := surgeKeys(post, s)
	p.alerts = append(p.alerts, p.surges.Observe(surge.Observation{
		Keys:     keys,
		Time:     post.Created,
		Negative: s.Label == score.LabelNegative,
		Source:   post.Source,
		Terms:    surge.Terms(post.Text, 8),
		Entities: entityNames(s),
		PostID:   post.ID,
		Weight:   1 + float64(post.Metrics.Reposts+post.Metrics.Replies),
	})...)

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
	if _, err := p.dispatcher.Do(ctx, d); err != nil {
		return fmt.Errorf("dispatch %s: %w", post.ID, err)
	}

	p.posts++
	p.bySource[post.Source]++
	p.byLabel[s.Label]++
	p.byIntent[s.Intent]++
	p.byPrio[d.Priority]++
	if d.Priority == respond.P1 || d.Priority == respond.P2 {
		p.urgent = append(p.urgent, item{post, s, d})
	}
	return nil
}

// surgeKeys are the keys a post is watched under: the brand as a whole,
// each product and place it names, its intent and its source.
func surgeKeys(post hark.Post, s score.Result) []string {
	keys := []string{"brand", "intent:" + string(s.Intent), "source:" + post.Source}
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

// outbox stands in for Slack, the pager and e-mail: it records what the
// dispatcher sends, by channel (or team, for routed posts).
type outbox struct {
	mu        sync.Mutex
	byChannel map[string]int
	replies   int
}

func (o *outbox) Route(a respond.Action) respond.Notifier {
	return respond.NotifierFunc(func(_ context.Context, m respond.Message) error {
		o.mu.Lock()
		defer o.mu.Unlock()
		switch {
		case m.Kind == respond.ActReply:
			o.replies++
		case m.Channel != "":
			o.byChannel["#"+m.Channel]++
		case m.Team != "":
			o.byChannel["team "+m.Team]++
		}
		return nil
	})
}
