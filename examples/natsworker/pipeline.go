package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/influence"
	"github.com/harkhq/hark/internal/cli"
	"github.com/harkhq/hark/observe"
	"github.com/harkhq/hark/respond"
	"github.com/harkhq/hark/score"
	"github.com/harkhq/hark/transport"
)

// pipeline is a worker's handler: score, judge the author, decide,
// dispatch, publish the decision, print it. Dispatch goes through the
// dispatcher's ledger, so a post handled again after a crash or a
// redelivery sends nothing twice.
type pipeline struct {
	scorer     observe.Scorer
	authors    *influence.Tracker
	decide     observe.DecideFunc
	dispatcher observe.Dispatcher
	sink       transport.DecisionSink // may be nil
	log        *slog.Logger

	mu  sync.Mutex
	enc *json.Encoder
}

// The scorer, the policy and d are instrumented with in (metrics, and
// d's health as component "dispatcher").
func newPipeline(policy *respond.Policy, authors *influence.Tracker, d *respond.Dispatcher,
	sink transport.DecisionSink, out io.Writer, log *slog.Logger, in *observe.Instruments) (*pipeline, error) {
	s, err := score.New()
	if err != nil {
		return nil, fmt.Errorf("scorer: %w", err)
	}
	return &pipeline{scorer: in.Scorer(s), authors: authors, decide: in.Decider(policy.Decide),
		dispatcher: in.Dispatcher("dispatcher", d), sink: sink, log: log, enc: cli.Encoder(out)}, nil
}

// decisionLine is what the worker prints per post: the replay tool's
// decision line plus what became of each action.
type decisionLine struct {
	ID        string           `json:"id"`
	Source    string           `json:"source,omitempty"`
	Priority  respond.Priority `json:"priority"`
	Team      string           `json:"team"`
	RespondBy string           `json:"respond_by"`
	Actions   []respond.Action `json:"actions"`
	Reply     string           `json:"reply"`
	Rules     []string         `json:"rules"`
	Outcomes  []string         `json:"outcomes"`
}

func (pl *pipeline) handle(ctx context.Context, p hark.Post) error {
	s := pl.scorer.Score(p)
	if pl.authors != nil {
		if err := pl.authors.Observe(p, s); err != nil {
			pl.log.Warn("author history", "post", p.ID, "err", err)
		}
	}
	c := respond.Case{Post: p, Scores: s}
	if pl.authors != nil {
		c.Author = pl.authors.Score(p.Author)
	}
	d, err := pl.decide(ctx, c)
	if err != nil {
		// The policy cannot decide this post; trying again will not help.
		return transport.Permanent(fmt.Errorf("decide: %w", err))
	}
	rep, err := pl.dispatcher.Do(ctx, d)
	if err != nil {
		return fmt.Errorf("dispatch: %w", err)
	}
	outcomes := make([]string, len(rep.Results))
	for i, r := range rep.Results {
		outcomes[i] = string(r.Outcome)
		switch r.Outcome {
		case respond.OutInFlight, respond.OutFailed:
			// Another worker holds the send, or a store failed: come back
			// later; what was sent is in the ledger and is not sent again.
			return transport.Retry(2*time.Second, fmt.Errorf("action %s: %s %v", r.Key, r.Outcome, r.Err))
		case respond.OutDeferred:
			return transport.Retry(max(time.Until(r.NotBefore), time.Second), fmt.Errorf("action %s deferred", r.Key))
		}
	}
	if pl.sink != nil {
		if err := pl.sink.PublishDecision(ctx, p.Source, d); err != nil {
			return fmt.Errorf("publish decision: %w", err)
		}
	}
	line := decisionLine{ID: d.PostID, Source: p.Source, Priority: d.Priority, Team: d.Team,
		Actions: d.Actions, Reply: d.Reply, Rules: d.Rules, Outcomes: outcomes}
	if !d.RespondBy.IsZero() {
		line.RespondBy = d.RespondBy.UTC().Format(time.RFC3339)
	}
	if line.Actions == nil {
		line.Actions = []respond.Action{}
	}
	if line.Rules == nil {
		line.Rules = []string{}
	}
	pl.mu.Lock()
	defer pl.mu.Unlock()
	return pl.enc.Encode(line)
}

// logNotifier stands in for Slack, a webhook or e-mail: it logs what it
// would send. Wire respond's real notifiers in its place.
func logNotifier(log *slog.Logger) respond.Notifier {
	return respond.NotifierFunc(func(_ context.Context, m respond.Message) error {
		log.Info("send", "key", m.Key, "kind", m.Kind, "post", m.PostID, "team", m.Team,
			"channel", m.Channel, "template", m.Template, "subject", m.Subject)
		return nil
	})
}
