package observe

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/respond"
	"github.com/harkhq/hark/respond/surge"
	"github.com/harkhq/hark/score"
)

// A Scorer judges posts, as *score.Scorer does.
type Scorer interface {
	Score(p hark.Post) score.Result
}

// Scorer wraps s so that each Score is recorded: posts scored by detected
// language (hark.score.posts), posts of unknown language
// (hark.score.unknown_language; their share is its ratio to
// hark.score.posts) and, for one post in 8, the time it took
// (hark.score.duration; sampling keeps the clock's cost off the rest).
func (in *Instruments) Scorer(s Scorer) Scorer { return &scorer{s: s, in: in} }

type scorer struct {
	s  Scorer
	in *Instruments
}

func (s *scorer) Score(p hark.Post) score.Result { return s.in.Score(s.s, p) }

// Score scores p with s and records it as the [Instruments.Scorer] wrapper
// does.
func (in *Instruments) Score(s Scorer, p hark.Post) score.Result {
	if in.scoreN.Add(1)&7 != 1 {
		r := s.Score(p)
		in.Scored(context.Background(), r, -1)
		return r
	}
	start := in.cfg.now()
	r := s.Score(p)
	in.Scored(context.Background(), r, in.cfg.now().Sub(start).Seconds())
	return r
}

// Scored records one post scored elsewhere as r, in seconds (negative
// seconds record no duration).
func (in *Instruments) Scored(ctx context.Context, r score.Result, seconds float64) {
	lang := r.Language
	if lang == "" {
		lang = "und"
	}
	in.scoredBy.get(lang).n.Add(1)
	if lang == "und" {
		in.unknownLang.Add(1)
	}
	if seconds >= 0 {
		in.scoreDur.Record(ctx, seconds)
	}
}

// A DecideFunc decides about a case, as (*respond.Policy).Decide does.
type DecideFunc func(ctx context.Context, c respond.Case) (respond.Decision, error)

// Decider wraps decide so that each decision is recorded with
// [Instruments.Decision] and its failures counted (hark.decision.errors);
// one decision in 16 is timed (hark.decision.duration), which keeps the
// clock's cost off the rest. The wrapper costs about 0.2 µs a decision
// (9 % of deciding with the shipped policy), most of it copying the Case
// and the Decision (near a kilobyte each) through one more call; a loop
// that counts every fraction of a microsecond calls [Instruments.Decision]
// with a pointer instead (about 0.05 µs, 3 %).
func (in *Instruments) Decider(decide DecideFunc) DecideFunc {
	// Named results and a pointer to record from: a Decision is near a
	// kilobyte, and copies of it would cost more than the recording.
	return func(ctx context.Context, c respond.Case) (d respond.Decision, err error) {
		if in.decideN.Add(1)&15 != 1 {
			d, err = decide(ctx, c)
		} else {
			start := in.cfg.now()
			d, err = decide(ctx, c)
			in.decideDur.Record(ctx, in.cfg.now().Sub(start).Seconds())
		}
		if err != nil {
			in.decideErrs.Add(ctx, 1)
			return d, err
		}
		in.decision(&d)
		return d, nil
	}
}

// Decision records *d: one hark.decisions by priority and team (empty
// values as "none"), and one hark.decision.rules per rule that fired.
// Teams and rules come from the policy, so they are bounded by it, and
// capped at [WithMaxValues] besides. It takes a pointer because a
// Decision is near a kilobyte; it does not keep it.
func (in *Instruments) Decision(_ context.Context, d *respond.Decision) { in.decision(d) }

func (in *Instruments) decision(d *respond.Decision) {
	in.decisionsBy[priorityIndex(string(d.Priority))].get(d.Team).n.Add(1)
	for _, r := range d.Rules {
		in.rulesBy.get(r).n.Add(1)
	}
}

func priority(p respond.Priority) string {
	switch p {
	case respond.P1, respond.P2, respond.P3, respond.P4:
		return string(p)
	case "":
		return "none"
	}
	return Other
}

// SLAEvent records an SLA warning or breach (hark.sla.events by kind and
// priority).
func (in *Instruments) SLAEvent(ctx context.Context, e respond.SLAEvent) {
	kind := string(e.Kind)
	if e.Kind != respond.SLAWarn && e.Kind != respond.SLABreach {
		kind = Other
	}
	in.sla.Add(ctx, 1, in.opt("kind", kind, "priority", priority(e.Priority)).add...)
	if e.Kind == respond.SLABreach {
		in.cfg.logger.LogAttrs(ctx, slog.LevelWarn, "observe: SLA breached", slog.String("key", e.Key),
			slog.String("priority", string(e.Priority)))
	}
}

// SLAHandler wraps the callback of [respond.Tracker.Check] so that every
// event it is given is recorded with [Instruments.SLAEvent] before next
// handles it. A nil next only records.
func (in *Instruments) SLAHandler(next func(context.Context, respond.SLAEvent) error) func(context.Context, respond.SLAEvent) error {
	return func(ctx context.Context, e respond.SLAEvent) error {
		in.SLAEvent(ctx, e)
		if next == nil {
			return nil
		}
		return next(ctx, e)
	}
}

// Alerts records surge and silence alerts (hark.surge.alerts by kind and
// escalation). It returns alerts, so it can wrap a call:
// in.Alerts(ctx, detector.Observe(o)).
func (in *Instruments) Alerts(ctx context.Context, alerts []surge.Alert) []surge.Alert {
	for _, a := range alerts {
		kind := string(a.Kind)
		switch a.Kind {
		case surge.KindVolume, surge.KindNegativity, surge.KindSilence:
		default:
			kind = Other
		}
		in.alerts.Add(ctx, 1, in.opt("kind", kind, "escalation", strconv.FormatBool(a.Escalation)).add...)
	}
	return alerts
}

// outcomes lists the dispatch outcomes recorded as themselves; any other
// is recorded as Other.
var outcomes = map[respond.Outcome]bool{
	respond.OutSent: true, respond.OutDuplicate: true, respond.OutInFlight: true, respond.OutClaimed: true,
	respond.OutStale: true, respond.OutDeferred: true, respond.OutHeld: true, respond.OutSkipped: true,
	respond.OutDeadLettered: true, respond.OutFailed: true, "found": true, "rejected": true, // reply.OutFound, reply.OutRejected
}

var actionKinds = map[respond.ActionKind]bool{
	respond.ActRoute: true, respond.ActAlert: true, respond.ActReply: true, respond.ActHold: true,
	respond.ActEscalate: true, respond.ActTag: true, respond.ActSuppress: true,
}

func outcome(o respond.Outcome) string {
	if outcomes[o] {
		return string(o)
	}
	return Other
}

// Dispatch records what a dispatcher did with a decision: each action by
// kind and outcome (hark.dispatch.actions), the notifier calls beyond the
// first (hark.dispatch.retries), dead letters (hark.dispatch.dead_letters)
// and claim contention, the replies not sent because another responder or
// dispatch held the conversation or key (hark.dispatch.claim_contention).
func (in *Instruments) Dispatch(ctx context.Context, rep respond.Report) {
	for _, r := range rep.Results {
		kind := string(r.Action.Kind)
		if !actionKinds[r.Action.Kind] {
			kind = Other
		}
		in.actions.Add(ctx, 1, in.opt("kind", kind, "outcome", outcome(r.Outcome)).add...)
		if r.Attempts > 1 {
			in.retries.Add(ctx, int64(r.Attempts-1), in.opt("kind", kind).add...)
		}
		switch r.Outcome {
		case respond.OutDeadLettered:
			in.deadLetters.Add(ctx, 1, in.opt("kind", kind).add...)
			in.cfg.logger.LogAttrs(ctx, slog.LevelWarn, "observe: action dead-lettered", slog.String("post", rep.PostID),
				slog.String("rule", r.Action.Rule), slog.String("kind", kind))
		case respond.OutClaimed, respond.OutInFlight:
			in.contention.Add(ctx, 1, in.opt("outcome", string(r.Outcome)).add...)
		}
	}
}

// A Dispatcher carries out decisions, as *respond.Dispatcher does.
type Dispatcher interface {
	Do(ctx context.Context, d respond.Decision) (respond.Report, error)
}

// Dispatcher wraps d so that each report is recorded with
// [Instruments.Dispatch]. With [WithHealth], d is registered as component
// name: a Do that returns an error or leaves an action failed or
// dead-lettered is a failure, any other a success.
func (in *Instruments) Dispatcher(name string, d Dispatcher) Dispatcher {
	w := &dispatcher{d: d, in: in}
	if in.cfg.health != nil {
		w.comp = in.cfg.health.Register(name)
	}
	return w
}

type dispatcher struct {
	d    Dispatcher
	in   *Instruments
	comp *Component
}

func (w *dispatcher) Do(ctx context.Context, d respond.Decision) (respond.Report, error) {
	rep, err := w.d.Do(ctx, d)
	w.in.Dispatch(ctx, rep)
	if w.comp != nil {
		switch {
		case err != nil:
			w.comp.Failure(err, 0)
		case rep.Count(respond.OutFailed) > 0 || rep.Count(respond.OutDeadLettered) > 0:
			w.comp.Failure(firstErr(rep), 0)
		default:
			w.comp.Success()
		}
	}
	return rep, err
}

func firstErr(rep respond.Report) error {
	for _, r := range rep.Results {
		if (r.Outcome == respond.OutFailed || r.Outcome == respond.OutDeadLettered) && r.Err != nil {
			return r.Err
		}
	}
	return fmt.Errorf("post %s: an action failed", rep.PostID)
}

// Notifier wraps n so that each call is recorded under the notifier name
// (capped like every attribute): hark.notifier.sends by result ("ok",
// "rate_limited", "permanent" or "error"), hark.notifier.failures and
// hark.notifier.duration. name must not hold a secret (use
// respond.RedactURL for a webhook's URL).
func (in *Instruments) Notifier(name string, n respond.Notifier) respond.Notifier {
	name = in.notifiers.value(name)
	return &notifier{n: n, in: in, name: name, dur: in.opt("notifier", name)}
}

type notifier struct {
	n    respond.Notifier
	in   *Instruments
	name string
	dur  *attrs
}

func (w *notifier) Notify(ctx context.Context, m respond.Message) error {
	start := w.in.cfg.now()
	err := w.n.Notify(ctx, m)
	w.in.sendDur.Record(ctx, w.in.cfg.now().Sub(start).Seconds(), w.dur.rec...)
	result := "ok"
	if err != nil {
		var rl *respond.RateLimitError
		switch {
		case errors.As(err, &rl):
			result = "rate_limited"
		case respond.IsPermanent(err):
			result = "permanent"
		default:
			result = "error"
		}
		w.in.sendFails.Add(ctx, 1, w.dur.add...)
	}
	w.in.sends.Add(ctx, 1, w.in.opt("notifier", w.name, "result", result).add...)
	return err
}

// String names the wrapped notifier, without secrets if it has a String
// method that leaves them out (as respond's notifiers do).
func (w *notifier) String() string {
	if s, ok := w.n.(fmt.Stringer); ok {
		return s.String()
	}
	return w.name
}

// Reply records what a reply poster (reply.Poster) did with one draft:
// hark.reply.posts by outcome (respond's outcomes and reply's "found" and
// "rejected"; "" counts as "failed"), the replier calls beyond the first
// (hark.reply.retries), and a dead letter. Call it with the Result's
// Outcome and Attempts.
func (in *Instruments) Reply(ctx context.Context, o respond.Outcome, attempts int) {
	out := outcome(o)
	if o == "" {
		out = string(respond.OutFailed)
	}
	in.replies.Add(ctx, 1, in.opt("outcome", out).add...)
	if attempts > 1 {
		in.replyRetries.Add(ctx, int64(attempts-1))
	}
	if o == respond.OutDeadLettered {
		in.deadLetters.Add(ctx, 1, in.opt("kind", string(respond.ActReply)).add...)
	}
}
