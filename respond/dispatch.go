package respond

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// A Router picks the notifier that carries out an action; nil means the
// action has nowhere to go and is skipped.
type Router interface {
	Route(a Action) Notifier
}

// RouterFunc adapts a function to a [Router].
type RouterFunc func(a Action) Notifier

// Route returns f(a).
func (f RouterFunc) Route(a Action) Notifier { return f(a) }

// Routes is a [Router] by name. An action is looked up as "kind:target",
// then "kind", then "*", where target is what the action aims at: the
// Channel of an alert, the Team of a route or escalate, the Template of a
// reply or hold, the Tag of a tag. So {"alert:#crisis": pager, "alert":
// slack, "reply": replier} pages for #crisis, posts other alerts to Slack,
// and sends replies; other kinds are skipped.
type Routes map[string]Notifier

// Route implements [Router].
func (r Routes) Route(a Action) Notifier {
	var t string
	switch a.Kind {
	case ActAlert:
		t = a.Channel
	case ActRoute, ActEscalate:
		t = a.Team
	case ActReply, ActHold:
		t = a.Template
	case ActTag:
		t = a.Tag
	}
	if t != "" {
		if n, ok := r[string(a.Kind)+":"+t]; ok {
			return n
		}
	}
	if n, ok := r[string(a.Kind)]; ok {
		return n
	}
	return r["*"]
}

// StaleFunc reports whether a decision's reply has gone stale: whether the
// conversation had new inbound posts since the case was made
// (Decision.Case.Now), so the drafted reply may no longer fit. The
// dispatcher asks it right before a reply goes out.
type StaleFunc func(ctx context.Context, d Decision) (bool, error)

// Outcome says what became of one action.
type Outcome string

// Outcomes.
const (
	// OutSent: the notifier accepted the message and the send is recorded.
	OutSent Outcome = "sent"
	// OutDuplicate: the ledger records the key as sent already.
	OutDuplicate Outcome = "duplicate"
	// OutInFlight: another dispatch holds the key's lease and may be sending.
	OutInFlight Outcome = "in_flight"
	// OutClaimed: another responder holds the conversation; no reply. The
	// key is released: dispatching the decision again after the claim
	// lapsed may reply, so pair claims with a StaleFunc that sees the
	// other responder's answer.
	OutClaimed Outcome = "claimed"
	// OutStale: the conversation moved on since the draft; no reply, and
	// the key is released.
	OutStale Outcome = "stale"
	// OutDeferred: pacing, quiet hours or a long Retry-After; dispatch the
	// decision again at NotBefore.
	OutDeferred Outcome = "deferred"
	// OutHeld: the reply waits for a person (a hold action, or quiet hours
	// that hold).
	OutHeld Outcome = "held"
	// OutSkipped: nothing to send (no route, or a reply without text).
	OutSkipped Outcome = "skipped"
	// OutDeadLettered: the notifier kept failing, or failed permanently;
	// the message is in the dead letter.
	OutDeadLettered Outcome = "dead_lettered"
	// OutFailed: the action could not be settled (the ledger or claims
	// failed, or ctx ended); nothing is recorded as sent, so dispatching
	// the decision again is safe.
	OutFailed Outcome = "failed"
)

// A Result is what became of one action of a decision.
type Result struct {
	Action  Action
	Key     string
	Outcome Outcome
	// Attempts counts the notifier calls made.
	Attempts int
	// NotBefore is, for OutDeferred, when to try again.
	NotBefore time.Time
	// Err is why the action failed or was dead-lettered; for OutSent it is
	// set when the send could not be recorded in the ledger. It never holds
	// a notifier's secret URL.
	Err error
}

// A Report is what became of each action of a decision, in order.
type Report struct {
	PostID  string
	Results []Result
}

// Count returns how many actions had outcome o.
func (r Report) Count(o Outcome) int {
	n := 0
	for _, x := range r.Results {
		if x.Outcome == o {
			n++
		}
	}
	return n
}

// Retry configures how a dispatcher retries a notifier: up to Attempts
// calls, waiting between them a capped exponential backoff with jitter
// (the k-th wait is drawn from [c/2, c) with c = min(Max, Base·2^k)), or
// the receiver's Retry-After when it gave one. A Retry-After longer than
// MaxRetryAfter is not waited out: the action is deferred instead.
type Retry struct {
	Attempts      int           // default 5
	Base          time.Duration // default 500ms
	Max           time.Duration // default 30s
	MaxRetryAfter time.Duration // default 2m
}

func (r Retry) withDefaults() Retry {
	if r.Attempts <= 0 {
		r.Attempts = 5
	}
	if r.Base <= 0 {
		r.Base = 500 * time.Millisecond
	}
	if r.Max <= 0 {
		r.Max = 30 * time.Second
	}
	if r.Max < r.Base {
		r.Max = r.Base
	}
	if r.MaxRetryAfter <= 0 {
		r.MaxRetryAfter = 2 * time.Minute
	}
	return r
}

// A Dispatcher carries decisions out through notifiers, safely under
// retries, restarts and many workers. For each action of a decision it:
//
//  1. keys the action by [IdempotencyKey] (post, rule, action) and reserves
//     the key in the [Ledger] under a lease: a key recorded as sent is
//     never sent again (OutDuplicate), one being sent by another dispatch
//     is left alone (OutInFlight);
//  2. for a reply, claims the conversation ([Claims]) so no other
//     responder or worker replies there (OutClaimed), and asks the
//     [StaleFunc] whether the conversation moved on (OutStale);
//  3. asks the [Pacer] for budget and respects quiet hours (OutDeferred,
//     OutHeld);
//  4. calls the notifier with retries (capped exponential backoff with
//     jitter, Retry-After honoured), then records the send; a message that
//     fails permanently or keeps failing goes to the [DeadLetter] and its
//     reservation is released, so nothing is lost for good.
//
// The guarantee: delivery to a notifier is at-least-once, always with the
// same idempotency key. A send is repeated only if the process dies (or
// the ledger write fails) after the notifier accepted it and before the
// ledger recorded it, or if a call timed out after the receiver acted on
// it; a receiver that deduplicates on the key ([Webhook]'s Idempotency-Key,
// [Email]'s Message-ID) makes the effect exactly-once. Once the ledger
// records a send, no dispatcher over that ledger sends the key again.
// Concurrent Do calls for one decision send each action once.
//
// A Dispatcher is safe for concurrent use. It keeps no state of its own
// beyond its stores, so dispatchers in many processes over shared stores
// (an on-disk or NATS ledger and claims) cooperate.
type Dispatcher struct {
	router     Router
	ledger     Ledger
	claims     Claims
	dead       DeadLetter
	pacer      *Pacer
	tracker    *Tracker
	stale      StaleFunc
	clock      Clock
	sleep      func(context.Context, time.Duration) error
	retry      Retry
	worker     string
	seq        atomic.Uint64
	leaseTTL   time.Duration
	claimTTL   time.Duration
	attemptTTL time.Duration
	account    func(Decision, Action) string
	log        *slog.Logger

	rmu sync.Mutex
	rnd *rand.Rand
}

// A DispatchOption configures a [Dispatcher].
type DispatchOption func(*Dispatcher)

// WithLedger sets the ledger of sent keys (a new [MemLedger] by default).
// Dispatchers that must not send twice between them share one.
func WithLedger(l Ledger) DispatchOption { return func(d *Dispatcher) { d.ledger = l } }

// WithClaims sets the conversation claims (a new [MemClaims] by default).
func WithClaims(c Claims) DispatchOption { return func(d *Dispatcher) { d.claims = c } }

// WithDeadLetter sets where failed messages go (a new [MemDeadLetter] by
// default).
func WithDeadLetter(dl DeadLetter) DispatchOption { return func(d *Dispatcher) { d.dead = dl } }

// WithPacer sets the pacer; without one nothing is paced.
func WithPacer(p *Pacer) DispatchOption { return func(d *Dispatcher) { d.pacer = p } }

// WithTracker makes the dispatcher run SLA clocks on tr: Do starts the
// clock of each decision that has a priority (keyed by the post ID,
// counting from when the post was written, or from the case's Now when
// that is unknown or later; a priority without a target is not timed), and
// stops it when the dispatcher sends the decision's reply, the first
// response. A decision dispatched before (one of its actions is a
// duplicate) starts no clock. A response made elsewhere (an agent in the ticket tool) is
// reported with tr.Stop.
func WithTracker(tr *Tracker) DispatchOption { return func(d *Dispatcher) { d.tracker = tr } }

// WithStale sets the stale check asked before each reply.
func WithStale(f StaleFunc) DispatchOption { return func(d *Dispatcher) { d.stale = f } }

// WithDispatchClock sets the clock (the system clock by default).
func WithDispatchClock(c Clock) DispatchOption { return func(d *Dispatcher) { d.clock = c } }

// WithSleep sets how the dispatcher waits between attempts; it must return
// ctx's error if ctx ends first. Tests pass one that moves a fake clock.
func WithSleep(f func(ctx context.Context, d time.Duration) error) DispatchOption {
	return func(d *Dispatcher) { d.sleep = f }
}

// WithRetry sets the retry policy.
func WithRetry(r Retry) DispatchOption { return func(d *Dispatcher) { d.retry = r } }

// WithWorker names this dispatcher in leases and claims (host, process and
// a random suffix by default). Give each worker its own name.
func WithWorker(id string) DispatchOption { return func(d *Dispatcher) { d.worker = id } }

// WithLeaseTTL sets how long a reservation in the ledger lasts before
// another dispatch may take the key over (5m by default). It is renewed
// before each attempt; make it longer than one attempt plus one wait.
func WithLeaseTTL(t time.Duration) DispatchOption { return func(d *Dispatcher) { d.leaseTTL = t } }

// WithClaimTTL sets how long a reply's claim on its conversation lasts
// (30m by default). The claim is kept after the reply is sent, so the
// thread stays with this responder for that long.
func WithClaimTTL(t time.Duration) DispatchOption { return func(d *Dispatcher) { d.claimTTL = t } }

// WithAttemptTimeout bounds each notifier call (10s by default).
func WithAttemptTimeout(t time.Duration) DispatchOption {
	return func(d *Dispatcher) { d.attemptTTL = t }
}

// WithAccount sets how the brand account of a reply is named for pacing
// (the post's Source by default: one brand account per platform).
func WithAccount(f func(Decision, Action) string) DispatchOption {
	return func(d *Dispatcher) { d.account = f }
}

// WithLogger sets the logger (none by default). The dispatcher logs keys,
// post IDs, rules, outcomes and redacted errors; never message text,
// webhook URLs or secrets.
func WithLogger(l *slog.Logger) DispatchOption { return func(d *Dispatcher) { d.log = l } }

// WithJitterSeed seeds the backoff jitter, for reproducible waits in tests.
func WithJitterSeed(seed uint64) DispatchOption {
	return func(d *Dispatcher) { d.rnd = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) }
}

// NewDispatcher returns a dispatcher that sends through the notifiers
// router picks.
func NewDispatcher(router Router, opts ...DispatchOption) *Dispatcher {
	d := &Dispatcher{router: router, leaseTTL: 5 * time.Minute, claimTTL: 30 * time.Minute,
		attemptTTL: 10 * time.Second}
	for _, o := range opts {
		o(d)
	}
	if d.router == nil {
		d.router = Routes(nil)
	}
	if d.ledger == nil {
		d.ledger = new(MemLedger)
	}
	if d.claims == nil {
		d.claims = new(MemClaims)
	}
	if d.dead == nil {
		d.dead = new(MemDeadLetter)
	}
	if d.clock == nil {
		d.clock = systemClock{}
	}
	if d.sleep == nil {
		d.sleep = sleepCtx
	}
	d.retry = d.retry.withDefaults()
	if d.worker == "" {
		d.worker = defaultWorker()
	}
	if d.account == nil {
		d.account = func(dec Decision, _ Action) string { return dec.Case.Post.Source }
	}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	if d.rnd == nil {
		var b [16]byte
		_, _ = crand.Read(b[:])
		d.rnd = rand.New(rand.NewPCG(beUint64(b[:8]), beUint64(b[8:])))
	}
	return d
}

func beUint64(b []byte) uint64 {
	var v uint64
	for _, c := range b {
		v = v<<8 | uint64(c)
	}
	return v
}

func defaultWorker() string {
	host, _ := os.Hostname()
	var b [4]byte
	_, _ = crand.Read(b[:])
	return host + ":" + strconv.Itoa(os.Getpid()) + ":" + hex.EncodeToString(b[:])
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// DeadLetter returns where the dispatcher puts failed messages.
func (d *Dispatcher) DeadLetter() DeadLetter { return d.dead }

// Do carries out the actions of dec in order and reports what became of
// each. Its error joins the errors of the actions that were dead-lettered
// or failed, or that were sent but not recorded; it is nil when every
// action settled otherwise (sent, duplicate, deferred, held, ...).
// Dispatching a decision again is always safe: what was recorded as sent
// is not sent again, and what was not is tried again.
func (d *Dispatcher) Do(ctx context.Context, dec Decision) (Report, error) {
	rep := Report{PostID: dec.PostID, Results: make([]Result, 0, len(dec.Actions))}
	held := false
	for _, a := range dec.Actions {
		if a.Kind == ActHold {
			held = true
		}
	}
	if dec.PostID == "" {
		for _, a := range dec.Actions {
			rep.Results = append(rep.Results, Result{Action: a, Outcome: OutFailed, Err: ErrNoPostID})
		}
		if len(rep.Results) == 0 {
			return rep, nil
		}
		return rep, ErrNoPostID
	}
	var errs []error
	fresh, replied := true, false
	for _, a := range dec.Actions {
		r := d.one(ctx, dec, a, held)
		if r.Err != nil {
			errs = append(errs, fmt.Errorf("post %s rule %s %s: %w", dec.PostID, a.Rule, a.Kind, r.Err))
		}
		fresh = fresh && r.Outcome != OutDuplicate && r.Outcome != OutInFlight
		replied = replied || a.Kind == ActReply && r.Outcome == OutSent
		rep.Results = append(rep.Results, r)
	}
	if d.tracker != nil && dec.Priority != "" {
		if err := d.clockFor(context.WithoutCancel(ctx), dec, fresh, replied); err != nil {
			errs = append(errs, fmt.Errorf("post %s: SLA clock: %w", dec.PostID, err))
		}
	}
	return rep, errors.Join(errs...)
}

// clockFor stops the decision's SLA clock when its reply went out, and
// otherwise starts it, unless the decision was dispatched before (an
// action of it was a duplicate or in flight): a decision dispatched again
// after its case was answered and its clock stopped must not start a new
// one.
func (d *Dispatcher) clockFor(ctx context.Context, dec Decision, fresh, replied bool) error {
	if replied {
		if _, _, err := d.tracker.Stop(ctx, dec.PostID); err != nil && !errors.Is(err, ErrNoTimer) {
			return err
		}
		return nil
	}
	if !fresh {
		return nil
	}
	now := dec.Case.Now
	if now.IsZero() {
		now = d.clock.Now()
	}
	start := now
	if c := dec.Case.Post.Created; !c.IsZero() && c.Before(now) {
		start = c
	}
	_, err := d.tracker.Start(ctx, dec.PostID, dec.Priority, start)
	if errors.Is(err, ErrNoTarget) {
		return nil
	}
	return err
}

func conversation(dec Decision) string {
	p := dec.Case.Post
	id := p.ThreadID
	if id == "" {
		id = p.ID
	}
	if id == "" {
		id = dec.PostID
	}
	return p.Source + ":" + id
}

// one carries out one action.
func (d *Dispatcher) one(ctx context.Context, dec Decision, a Action, held bool) (r Result) {
	r = Result{Action: a, Key: IdempotencyKey(dec.PostID, a)}
	defer func() {
		lvl := slog.LevelDebug
		switch r.Outcome {
		case OutSent:
			lvl = slog.LevelInfo
		case OutDeadLettered, OutFailed:
			lvl = slog.LevelWarn
		}
		if !d.log.Enabled(ctx, lvl) {
			return
		}
		attrs := []slog.Attr{slog.String("post", dec.PostID), slog.String("rule", a.Rule),
			slog.String("kind", string(a.Kind)), slog.String("key", r.Key),
			slog.String("outcome", string(r.Outcome)), slog.Int("attempts", r.Attempts)}
		if r.Err != nil {
			attrs = append(attrs, slog.String("err", r.Err.Error()))
		}
		d.log.LogAttrs(ctx, lvl, "dispatch", attrs...)
	}()

	reply := a.Kind == ActReply
	switch {
	case reply && held:
		r.Outcome = OutHeld
		return r
	case reply && dec.Reply == "":
		r.Outcome = OutSkipped
		return r
	}
	n := d.router.Route(a)
	if n == nil {
		r.Outcome = OutSkipped
		return r
	}
	if err := ctx.Err(); err != nil {
		r.Outcome, r.Err = OutFailed, err
		return r
	}

	// Each dispatch of an action has its own lease token, so that two
	// concurrent Do calls in one process do not share a reservation.
	owner := d.worker + "#" + strconv.FormatUint(d.seq.Add(1), 10)
	bg := context.WithoutCancel(ctx)
	now := d.clock.Now()
	e, ok, err := d.ledger.Reserve(ctx, r.Key, owner, now, d.leaseTTL)
	switch {
	case err != nil:
		r.Outcome, r.Err = OutFailed, fmt.Errorf("ledger reserve: %w", err)
		return r
	case !ok && e.State == LedgerSent:
		r.Outcome = OutDuplicate
		return r
	case !ok:
		r.Outcome = OutInFlight
		return r
	}
	release := true
	defer func() {
		if release {
			if err := d.ledger.Release(bg, r.Key, owner); err != nil {
				d.log.LogAttrs(bg, slog.LevelWarn, "ledger release", slog.String("key", r.Key), slog.String("err", err.Error()))
			}
		}
	}()

	conv := conversation(dec)
	claimed := false
	if reply {
		if _, err := d.claims.Acquire(ctx, conv, d.worker, now, d.claimTTL); err != nil {
			if ce := (*ClaimedError)(nil); errors.As(err, &ce) {
				r.Outcome = OutClaimed
				return r
			}
			r.Outcome, r.Err = OutFailed, fmt.Errorf("claim: %w", err)
			return r
		}
		claimed = true
		if d.stale != nil {
			st, err := d.stale(ctx, dec)
			if err != nil || st {
				_ = d.claims.Release(bg, conv, d.worker)
				if err != nil {
					r.Outcome, r.Err = OutFailed, fmt.Errorf("stale check: %w", err)
				} else {
					r.Outcome = OutStale
				}
				return r
			}
		}
	}
	unclaim := func() {
		if claimed {
			_ = d.claims.Release(bg, conv, d.worker)
		}
	}

	author := dec.Case.Post.Author.Key()
	if author != "" {
		author = dec.Case.Post.Source + ":" + author // one person per source
	}
	adm := d.pacer.Admit(now, a.Kind, d.account(dec, a), author)
	switch adm.Verdict {
	case PaceDefer:
		unclaim()
		r.Outcome, r.NotBefore = OutDeferred, adm.NotBefore
		return r
	case PaceHold:
		unclaim()
		r.Outcome = OutHeld
		return r
	}

	m := MessageFor(dec, a)
	att, notBefore, err := d.send(ctx, n, m, owner)
	r.Attempts = att
	switch {
	case err == nil:
		release = false
		r.Outcome = OutSent
		if err := d.ledger.MarkSent(bg, r.Key, owner, d.clock.Now()); err != nil {
			// The notifier has it; the lease lapses and a later dispatch
			// sends again with the same key.
			r.Err = fmt.Errorf("sent but not recorded: %w", err)
		}
		return r
	case !notBefore.IsZero():
		adm.Cancel()
		unclaim()
		r.Outcome, r.NotBefore, r.Err = OutDeferred, notBefore, nil
		return r
	case errors.Is(err, errLeaseLost):
		adm.Cancel()
		release = false
		r.Outcome = OutInFlight
		return r
	case ctx.Err() != nil, errors.Is(err, errLedgerRenew):
		adm.Cancel()
		unclaim()
		r.Outcome, r.Err = OutFailed, err
		return r
	}
	adm.Cancel()
	unclaim()
	dl := DeadLetterEntry{Message: m, Notifier: notifierName(n), Err: err.Error(), Attempts: att,
		Permanent: IsPermanent(err), At: d.clock.Now()}
	if perr := d.dead.Put(bg, dl); perr != nil {
		r.Outcome, r.Err = OutFailed, fmt.Errorf("%w; dead letter: %w", err, perr)
		return r
	}
	r.Outcome, r.Err = OutDeadLettered, err
	return r
}

// ErrNoPostID fails every action of a decision without a PostID: its
// idempotency keys would not tell one post from another.
var ErrNoPostID = errors.New("respond: decision has no post ID")

var (
	errLeaseLost   = errors.New("respond: ledger lease lost to another dispatch")
	errLedgerRenew = errors.New("respond: ledger renew")
)

// send calls n with retries. It returns the attempts made and either nil,
// or a deferral time for a long Retry-After, or the last error.
func (d *Dispatcher) send(ctx context.Context, n Notifier, m Message, owner string) (int, time.Time, error) {
	var err error
	for k := range d.retry.Attempts {
		if k > 0 {
			// Renew the lease before each retry; if it lapsed and another
			// dispatch took the key, leave the key to it.
			if _, ok, rerr := d.ledger.Reserve(ctx, m.Key, owner, d.clock.Now(), d.leaseTTL); rerr != nil {
				return k, time.Time{}, fmt.Errorf("%w: %w (last send error: %w)", errLedgerRenew, rerr, err)
			} else if !ok {
				return k, time.Time{}, errLeaseLost
			}
		}
		actx, cancel := context.WithTimeout(ctx, d.attemptTTL)
		err = n.Notify(actx, m)
		cancel()
		if err == nil {
			return k + 1, time.Time{}, nil
		}
		if ctx.Err() != nil {
			return k + 1, time.Time{}, ctx.Err()
		}
		if IsPermanent(err) || k == d.retry.Attempts-1 {
			return k + 1, time.Time{}, err
		}
		wait := d.backoff(k)
		var rl *RateLimitError
		if errors.As(err, &rl) && rl.RetryAfter > 0 {
			if rl.RetryAfter > d.retry.MaxRetryAfter {
				return k + 1, d.clock.Now().Add(rl.RetryAfter), err
			}
			wait = rl.RetryAfter
		}
		if serr := d.sleep(ctx, wait); serr != nil {
			return k + 1, time.Time{}, serr
		}
	}
	return d.retry.Attempts, time.Time{}, err
}

// backoff returns the wait after the k-th failed attempt (k from 0).
func (d *Dispatcher) backoff(k int) time.Duration {
	c := d.retry.Max
	if k < 62 {
		if b := d.retry.Base << k; b > 0 && b < c {
			c = b
		}
	}
	half := c / 2
	if c-half <= 0 {
		return c
	}
	d.rmu.Lock()
	j := d.rnd.Int64N(int64(c - half))
	d.rmu.Unlock()
	return half + time.Duration(j)
}

func notifierName(n Notifier) string {
	if s, ok := n.(fmt.Stringer); ok {
		return s.String()
	}
	return fmt.Sprintf("%T", n)
}
