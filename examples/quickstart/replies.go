package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/harkhq/hark/reply"
	"github.com/harkhq/hark/reply/replytest"
	"github.com/harkhq/hark/respond"
	"github.com/harkhq/hark/sample"
	"github.com/harkhq/hark/score"
)

// The care team that works the approval queue, simulated: every quarter of
// an hour of its shift, its lead approves what waits, and the comms on-call
// gives the second approval a high-risk reply needs. A real team reads each
// draft; this one approves every draft it reviews, so that the report shows
// the flow, not a judgement.
const (
	lead        = "Jo Park (care lead)"
	second      = "Sam Ortiz (comms on call)"
	reviewEvery = 15 * time.Minute
	shiftStart  = 8  // hour of the day, in the company's zone
	shiftEnd    = 20 // the last review is before this hour
)

// replies carries the policy's reply drafts out on a local stand-in
// platform (reply/replytest): a draft the policy holds waits in a
// reply.Queue for the care team's approval, the others go out at once; all
// go through one reply.Poster, paced and posted exactly once.
type replies struct {
	srv    *replytest.Server
	poster *reply.Poster
	queue  *reply.Queue
	risk   reply.Risk
	clock  *clock
	loc    *time.Location

	nextReview time.Time
	byPost     map[string]*fate // by post ID
	byKey      map[string]*fate // by idempotency key
	order      []*fate          // in the order drafted
	deferred   []*fate
	reviews    int
	rerun      rerun
}

// fate is what became of one drafted reply.
type fate struct {
	draft    reply.Draft
	source   string
	held     bool
	required int    // approvals needed, for a held draft
	reason   string // why it was held
	res      reply.Result
	at       time.Time // when it was last tried
}

// rerun is what posting everything a second time did.
type rerun struct {
	tried      int
	outcomes   map[respond.Outcome]int
	requests   int // status creations the stand-in was asked for
	newReplies int // replies the stand-in holds that it did not before
	twice      int // posts with more than one reply of ours
}

func newReplies(f sample.Facts, scorer *score.Scorer, clk *clock, loc *time.Location,
	ledger respond.Ledger, pacer *respond.Pacer) *replies {
	srv := replytest.NewServer(replytest.Options{Account: "kestrelhelp", Now: clk.Now})
	poster := reply.NewPoster(srv.Replier(),
		reply.WithLedger(ledger), reply.WithPacer(pacer), reply.WithClock(clk),
		// The policy's templates link to its help centre, and only there.
		reply.WithLinkDomains("kestrel.example"),
		// A reply goes out only in the language of the post.
		reply.WithLanguageDetector(reply.DetectWith(scorer)),
		reply.WithWorker("quickstart"), reply.WithJitterSeed(1))
	start := f.Start.In(loc)
	return &replies{
		srv:        srv,
		poster:     poster,
		queue:      reply.NewQueue(reply.WithQueueClock(clk)),
		clock:      clk,
		loc:        loc,
		nextReview: time.Date(start.Year(), start.Month(), start.Day(), start.Hour(), 0, 0, 0, loc),
		byPost:     map[string]*fate{},
		byKey:      map[string]*fate{},
	}
}

func (r *replies) close() { r.srv.Close() }

// account is the brand account a reply to a post on source goes out as.
func account(source string) string { return "@kestrelhelp on " + source }

// decided takes the reply of decision d, if it drafted one: held for
// approval when the policy says so, else posted at once.
func (r *replies) decided(ctx context.Context, d respond.Decision) error {
	dr, ok := reply.DraftFor(d, account(d.Case.Post.Source))
	if !ok {
		return nil
	}
	f := &fate{draft: dr, source: d.Case.Post.Source, at: r.clock.Now()}
	r.byPost[d.PostID] = f
	r.byKey[dr.Key] = f
	r.order = append(r.order, f)
	if !reply.Held(d) {
		return r.post(ctx, f)
	}
	n, why := r.risk.Approvals(d.Case)
	var reasons []string
	for _, a := range d.Actions {
		if a.Kind == respond.ActHold && a.Reason != "" {
			reasons = append(reasons, a.Reason)
		}
	}
	if why != "" {
		reasons = append(reasons, why)
	}
	f.held, f.required, f.reason = true, n, strings.Join(reasons, "; ")
	if _, err := r.queue.Hold(ctx, dr, n, f.reason); err != nil {
		return fmt.Errorf("hold reply to %s: %w", d.PostID, err)
	}
	return nil
}

// post posts f's draft. A draft the pacer defers is tried again at a later
// review; one the platform rules refuse is reported, not fatal.
func (r *replies) post(ctx context.Context, f *fate) error {
	res, err := r.poster.Post(ctx, f.draft)
	f.res, f.at = res, r.clock.Now()
	switch res.Outcome {
	case respond.OutDeferred, respond.OutHeld:
		r.deferred = append(r.deferred, f)
	case respond.OutSent, reply.OutFound:
		if err != nil { // posted but not recorded: the ledger failed
			return fmt.Errorf("reply to %s: %w", f.draft.Post.ID, err)
		}
	}
	return nil
}

// advance runs what falls due until t: the care team's reviews during its
// shift, and another try of the drafts the pacer deferred.
func (r *replies) advance(ctx context.Context, t time.Time) error {
	for !r.nextReview.After(t) {
		at := r.nextReview
		r.nextReview = at.Add(reviewEvery)
		r.clock.set(at)
		if h := at.In(r.loc).Hour(); h >= shiftStart && h < shiftEnd {
			if err := r.review(ctx); err != nil {
				return err
			}
		}
		if err := r.retryDeferred(ctx); err != nil {
			return err
		}
	}
	r.clock.set(t)
	return nil
}

// review is one pass of the care team over the queue.
func (r *replies) review(ctx context.Context) error {
	r.reviews++
	if _, err := r.queue.Expire(ctx); err != nil {
		return err
	}
	pending, err := r.queue.List(ctx, reply.StatePending)
	if err != nil {
		return err
	}
	for _, it := range pending {
		if _, err := r.queue.Approve(ctx, it.ID, lead); err != nil {
			return fmt.Errorf("approve %s: %w", it.ID, err)
		}
		if it.Required > 1 {
			if _, err := r.queue.Approve(ctx, it.ID, second); err != nil {
				return fmt.Errorf("approve %s: %w", it.ID, err)
			}
		}
	}
	return r.postApproved(ctx)
}

// postApproved posts the approved drafts and notes what became of each.
func (r *replies) postApproved(ctx context.Context) error {
	results, err := r.queue.PostApproved(ctx, r.poster)
	failed := false
	for _, res := range results {
		if f := r.byKey[res.Key]; f != nil {
			f.res, f.at = res, r.clock.Now()
		}
		failed = failed || res.Err != nil
	}
	// A draft the platform rules refused is in its result; an error no
	// result explains is the queue's own.
	if err != nil && !failed {
		return fmt.Errorf("post approved replies: %w", err)
	}
	return nil
}

func (r *replies) retryDeferred(ctx context.Context) error {
	now := r.clock.Now()
	var still []*fate
	for _, f := range r.deferred {
		if f.res.NotBefore.After(now) {
			still = append(still, f)
			continue
		}
		res, err := r.poster.Post(ctx, f.draft)
		f.res, f.at = res, now
		if res.Outcome == respond.OutDeferred || res.Outcome == respond.OutHeld {
			still = append(still, f)
		} else if err != nil && (res.Outcome == respond.OutSent || res.Outcome == reply.OutFound) {
			return fmt.Errorf("reply to %s: %w", f.draft.Post.ID, err)
		}
	}
	r.deferred = still
	return nil
}

// again runs the posting step a second time over every draft, as a
// restarted worker would, and checks with the stand-in that nothing went
// out twice.
func (r *replies) again(ctx context.Context) error {
	before, requests := len(r.srv.Replies()), r.srv.Requests()
	r.rerun = rerun{outcomes: map[respond.Outcome]int{}}
	for _, f := range r.order {
		if !posted(f) {
			continue // deferred, refused, or never approved
		}
		res, err := r.poster.Post(ctx, f.draft)
		if err != nil {
			return fmt.Errorf("post %s again: %w", f.draft.Key, err)
		}
		r.rerun.tried++
		r.rerun.outcomes[res.Outcome]++
	}
	results, err := r.queue.PostApproved(ctx, r.poster)
	if err != nil {
		return fmt.Errorf("post approved replies again: %w", err)
	}
	for _, res := range results {
		r.rerun.tried++
		r.rerun.outcomes[res.Outcome]++
	}
	got := r.srv.Replies()
	r.rerun.requests = r.srv.Requests() - requests
	r.rerun.newReplies = len(got) - before
	perPost := map[string]int{}
	for _, rc := range got {
		perPost[rc.InReplyTo]++
	}
	for _, n := range perPost {
		if n > 1 {
			r.rerun.twice++
		}
	}
	return nil
}

// posted reports whether f's reply is on the platform.
func posted(f *fate) bool {
	o := f.res.Outcome
	return o == respond.OutSent || o == reply.OutFound || o == respond.OutDuplicate
}
