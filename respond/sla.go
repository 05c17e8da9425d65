package respond

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"
)

// A Clock tells the time. Hark's SLA tracker and dispatcher read time only
// through a Clock, so tests can drive them with a fake one and never sleep.
type Clock interface {
	Now() time.Time
}

// ClockFunc adapts a function to a [Clock].
type ClockFunc func() time.Time

// Now returns f().
func (f ClockFunc) Now() time.Time { return f() }

// systemClock is the real time.
type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// A Target is the first-response target of one priority.
type Target struct {
	// Within is how much clock time a response may take.
	Within time.Duration
	// AllHours makes the clock run around the clock, ignoring the SLA's
	// business hours and holidays (typical for P1).
	AllHours bool
}

// DefaultWarnAt is the fraction of a target elapsed at which an SLA warns.
const DefaultWarnAt = 0.75

// A BusinessSLA maps priorities to first-response targets counted on a
// calendar of business hours. It is a [Deadliner]: pass it to a policy with
// [WithDeadliner] so decisions carry deadlines that skip nights, weekends
// and holidays, and to [NewTracker] to run the clocks. The zero BusinessSLA
// has no targets: nothing is due.
type BusinessSLA struct {
	// Calendar is when the clock runs for targets that are not AllHours.
	Calendar Calendar
	// Targets are the targets per priority; a priority without one has no
	// deadline.
	Targets map[Priority]Target
	// WarnAt is the fraction of the target, in (0, 1), at which a warning is
	// raised; DefaultWarnAt (0.75) when zero or out of range.
	WarnAt float64
}

func (s BusinessSLA) warnFrac() float64 {
	if s.WarnAt <= 0 || s.WarnAt >= 1 {
		return DefaultWarnAt
	}
	return s.WarnAt
}

func (s BusinessSLA) calendar(allHours bool) Calendar {
	if allHours {
		return Calendar{Location: s.Calendar.Location}
	}
	return s.Calendar
}

// Due returns when a case of priority p whose clock starts at start is due,
// or the zero Time if p has no target.
func (s BusinessSLA) Due(start time.Time, p Priority) time.Time {
	t, ok := s.Targets[p]
	if !ok || t.Within <= 0 {
		return time.Time{}
	}
	return s.calendar(t.AllHours).Add(start, t.Within)
}

// An SLATimer is the stored state of one running SLA clock. The tracker
// owns its fields; a [TimerStore] stores and returns it unchanged.
type SLATimer struct {
	// Key names what the clock runs for (a post or a case ID).
	Key      string
	Priority Priority
	// Started is when the clock started.
	Started time.Time
	// Target is the clock time allowed.
	Target time.Duration
	// AllHours reports the clock runs around the clock.
	AllHours bool
	// Used is the clock time used by the segments that ended with a pause.
	Used time.Duration
	// RunningSince is when the current running segment began; zero while
	// paused.
	RunningSince time.Time
	// PausedAt is when the clock was paused; zero while running.
	PausedAt time.Time
	// WarnAt and DueAt are the instants of the warning and the breach for
	// the current segment; zero when not yet known (paused before them).
	WarnAt, DueAt time.Time
	// Warned and Breached report the events already delivered.
	Warned, Breached bool
	// Next is the instant of the next event to deliver, zero if none is
	// pending. A TimerStore indexes timers by it.
	Next time.Time
}

// Paused reports whether the clock is paused.
func (t SLATimer) Paused() bool { return t.RunningSince.IsZero() }

// A TimerStore keeps SLA timers. Implementations must be safe for
// concurrent use. Hark has [MemTimerStore]; an on-disk or NATS key-value
// store fits the same contract.
type TimerStore interface {
	// Get returns the timer stored under key, and false if there is none.
	Get(ctx context.Context, key string) (SLATimer, bool, error)
	// Put stores t under t.Key, replacing any timer there.
	Put(ctx context.Context, t SLATimer) error
	// Delete removes the timer under key; deleting a missing key is not an
	// error.
	Delete(ctx context.Context, key string) error
	// Due returns the timers whose Next is non-zero and not after now,
	// ordered by Next then Key. A store that cannot read some timers
	// returns the others with an error naming the ones it could not read.
	Due(ctx context.Context, now time.Time) ([]SLATimer, error)
}

// MemTimerStore is an in-memory [TimerStore]. Its zero value is ready to
// use. Due scans every timer; it suits up to some hundred thousand timers.
type MemTimerStore struct {
	mu sync.Mutex
	m  map[string]SLATimer
}

// Get implements [TimerStore].
func (s *MemTimerStore) Get(_ context.Context, key string) (SLATimer, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.m[key]
	return t, ok, nil
}

// Put implements [TimerStore].
func (s *MemTimerStore) Put(_ context.Context, t SLATimer) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = make(map[string]SLATimer)
	}
	s.m[t.Key] = t
	return nil
}

// Delete implements [TimerStore].
func (s *MemTimerStore) Delete(_ context.Context, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, key)
	return nil
}

// Due implements [TimerStore].
func (s *MemTimerStore) Due(_ context.Context, now time.Time) ([]SLATimer, error) {
	s.mu.Lock()
	var out []SLATimer
	for _, t := range s.m {
		if !t.Next.IsZero() && !t.Next.After(now) {
			out = append(out, t)
		}
	}
	s.mu.Unlock()
	slices.SortFunc(out, func(a, b SLATimer) int {
		return cmp.Or(a.Next.Compare(b.Next), cmp.Compare(a.Key, b.Key))
	})
	return out, nil
}

// Len returns how many timers the store holds.
func (s *MemTimerStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}

// SLAEventKind names an SLA event.
type SLAEventKind string

// SLA event kinds.
const (
	// SLAWarn: the warning fraction of the target has elapsed.
	SLAWarn SLAEventKind = "warn"
	// SLABreach: the target has elapsed with no response.
	SLABreach SLAEventKind = "breach"
)

// An SLAEvent is a warning or a breach of one timer.
type SLAEvent struct {
	Kind     SLAEventKind
	Key      string
	Priority Priority
	// At is the instant the threshold was crossed (not when it was seen).
	At time.Time
	// Started is when the clock started; Due is when the target elapses
	// (zero while paused before it).
	Started, Due time.Time
	Target       time.Duration
}

// Errors of the tracker.
var (
	// ErrNoTarget is returned by Start for a priority without a target.
	ErrNoTarget = errors.New("respond: no SLA target for priority")
	// ErrNoTimer is returned for a key that has no timer.
	ErrNoTimer = errors.New("respond: no SLA timer")
)

// A Tracker runs SLA clocks: it starts, pauses, resumes and stops them, and
// delivers warn and breach events when [Tracker.Check] finds them due. It
// keeps no state of its own beyond its [TimerStore] and reads time only from
// its [Clock], so two trackers over one store see the same timers, and a
// test drives it by moving a fake clock.
//
// Delivery is at-least-once: an event is marked delivered only after the
// callback returned nil, so a crash between the two delivers it again.
// A Tracker is safe for concurrent use. Trackers in several processes over
// one store may lose an update when they change the same timer at once,
// and may both deliver an event that came due while both checked: run one
// checker per store, or make the callback idempotent on (Key, Kind).
type Tracker struct {
	sla   BusinessSLA
	store TimerStore
	clock Clock
	log   *slog.Logger
	// mu serialises this tracker's read-modify-writes of the store;
	// checking serialises Check calls, so that one tracker delivers each
	// event once.
	mu, checking sync.Mutex
}

// A TrackerOption configures [NewTracker].
type TrackerOption func(*Tracker)

// WithTrackerLogger makes the tracker log each event it delivers (debug)
// and each Check that fails (warn) to l. The default discards.
func WithTrackerLogger(l *slog.Logger) TrackerOption { return func(tr *Tracker) { tr.log = l } }

// NewTracker returns a tracker of sla keeping its timers in store (a new
// MemTimerStore when nil), reading time from clock (the system clock when
// nil).
func NewTracker(sla BusinessSLA, store TimerStore, clock Clock, opts ...TrackerOption) *Tracker {
	if store == nil {
		store = new(MemTimerStore)
	}
	if clock == nil {
		clock = systemClock{}
	}
	tr := &Tracker{sla: sla, store: store, clock: clock}
	for _, o := range opts {
		o(tr)
	}
	if tr.log == nil {
		tr.log = slog.New(slog.DiscardHandler)
	}
	return tr
}

// Start starts the clock for key at priority p, counting from at (the
// clock's now when at is zero; pass the post's time to count from when it
// was written). Starting a key that has a timer returns that timer
// unchanged. It returns ErrNoTarget if p has no target.
func (tr *Tracker) Start(ctx context.Context, key string, p Priority, at time.Time) (SLATimer, error) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if t, ok, err := tr.store.Get(ctx, key); err != nil || ok {
		return t, err
	}
	target, ok := tr.sla.Targets[p]
	if !ok || target.Within <= 0 {
		return SLATimer{}, fmt.Errorf("%w %q", ErrNoTarget, p)
	}
	if at.IsZero() {
		at = tr.clock.Now()
	}
	t := SLATimer{Key: key, Priority: p, Started: at, Target: target.Within, AllHours: target.AllHours}
	tr.run(&t, at)
	return t, tr.store.Put(ctx, t)
}

// run starts a running segment at now, computing the thresholds not yet
// known.
func (tr *Tracker) run(t *SLATimer, now time.Time) {
	cal := tr.sla.calendar(t.AllHours)
	t.RunningSince, t.PausedAt = now, time.Time{}
	if !t.Warned && t.WarnAt.IsZero() {
		warn := time.Duration(float64(t.Target)*tr.sla.warnFrac()) - t.Used
		t.WarnAt = cal.Add(now, warn)
	}
	if !t.Breached && t.DueAt.IsZero() {
		t.DueAt = cal.Add(now, t.Target-t.Used)
	}
	t.Next = next(*t)
}

// next returns the instant of t's next pending event.
func next(t SLATimer) time.Time {
	switch {
	case t.Breached:
		return time.Time{}
	case !t.Warned && !t.WarnAt.IsZero():
		return t.WarnAt
	case !t.Warned:
		return time.Time{}
	default:
		return t.DueAt
	}
}

// Pause stops key's clock at the clock's now (a case waiting on the
// customer, say). Thresholds already crossed stay pending and are delivered
// by the next Check; the rest are recomputed on Resume. Pausing a paused
// timer does nothing.
func (tr *Tracker) Pause(ctx context.Context, key string) (SLATimer, error) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	t, err := tr.get(ctx, key)
	if err != nil || t.Paused() {
		return t, err
	}
	now := tr.clock.Now()
	t.Used += tr.sla.calendar(t.AllHours).Between(t.RunningSince, now)
	t.RunningSince, t.PausedAt = time.Time{}, now
	if t.WarnAt.After(now) {
		t.WarnAt = time.Time{}
	}
	if t.DueAt.After(now) {
		t.DueAt = time.Time{}
	}
	t.Next = next(t)
	return t, tr.store.Put(ctx, t)
}

// Resume restarts a paused clock at the clock's now; the time left is the
// target less the time used before the pause. Resuming a running timer does
// nothing.
func (tr *Tracker) Resume(ctx context.Context, key string) (SLATimer, error) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	t, err := tr.get(ctx, key)
	if err != nil || !t.Paused() {
		return t, err
	}
	tr.run(&t, tr.clock.Now())
	return t, tr.store.Put(ctx, t)
}

// Stop ends key's clock (the case got its response) and removes the timer.
// It returns the final state: Used holds the clock time taken, and met is
// true if the response came before the deadline.
func (tr *Tracker) Stop(ctx context.Context, key string) (t SLATimer, met bool, err error) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	t, err = tr.get(ctx, key)
	if err != nil {
		return t, false, err
	}
	now := tr.clock.Now()
	if !t.Paused() {
		t.Used += tr.sla.calendar(t.AllHours).Between(t.RunningSince, now)
		t.RunningSince, t.PausedAt = time.Time{}, now
	}
	met = t.Used <= t.Target
	return t, met, tr.store.Delete(ctx, key)
}

// Get returns key's timer.
func (tr *Tracker) Get(ctx context.Context, key string) (SLATimer, error) { return tr.get(ctx, key) }

func (tr *Tracker) get(ctx context.Context, key string) (SLATimer, error) {
	t, ok, err := tr.store.Get(ctx, key)
	if err != nil {
		return t, err
	}
	if !ok {
		return t, fmt.Errorf("%w %q", ErrNoTimer, key)
	}
	return t, nil
}

// Check delivers, to fn, every event due at the clock's now, oldest first
// (a late check delivers a timer's warning before its breach). An event is
// recorded as delivered once fn returns nil; if fn returns an error, Check
// stops and returns it, and the event stays pending for the next Check. fn
// is called without the tracker's lock held, so it may call the tracker
// (Stop a breached case, say), though not Check. Concurrent Checks of one
// tracker take turns.
func (tr *Tracker) Check(ctx context.Context, fn func(context.Context, SLAEvent) error) error {
	err := tr.check(ctx, fn)
	if err != nil && ctx.Err() == nil {
		tr.log.LogAttrs(ctx, slog.LevelWarn, "respond: SLA check failed", slog.String("err", err.Error()))
	}
	return err
}

func (tr *Tracker) check(ctx context.Context, fn func(context.Context, SLAEvent) error) error {
	tr.checking.Lock()
	defer tr.checking.Unlock()
	now := tr.clock.Now()
	due, dueErr := tr.store.Due(ctx, now)
	if dueErr != nil && len(due) == 0 {
		return dueErr
	}
	// A store that could not read some timers still returns the others:
	// they fire, and the error is reported after them.
	for _, d := range due {
		for {
			if err := ctx.Err(); err != nil {
				return err
			}
			tr.mu.Lock()
			t, ok, err := tr.store.Get(ctx, d.Key)
			tr.mu.Unlock()
			if err != nil {
				return err
			}
			n := next(t)
			if !ok || n.IsZero() || n.After(now) {
				break
			}
			ev := SLAEvent{Kind: SLAWarn, Key: t.Key, Priority: t.Priority, At: n,
				Started: t.Started, Due: t.DueAt, Target: t.Target}
			if t.Warned {
				ev.Kind = SLABreach
			}
			tr.log.LogAttrs(ctx, slog.LevelDebug, "respond: SLA event", slog.String("key", ev.Key),
				slog.String("kind", string(ev.Kind)), slog.String("priority", string(ev.Priority)), slog.Time("due", ev.Due))
			if err := fn(ctx, ev); err != nil {
				return err
			}
			// Record the delivery on the timer as it is now: fn, or another
			// goroutine, may have paused or stopped it meanwhile.
			tr.mu.Lock()
			t, ok, err = tr.store.Get(ctx, d.Key)
			if err == nil && ok && next(t).Equal(n) && t.Warned == (ev.Kind == SLABreach) {
				if ev.Kind == SLAWarn {
					t.Warned = true
				} else {
					t.Breached = true
				}
				t.Next = next(t)
				err = tr.store.Put(ctx, t)
			}
			tr.mu.Unlock()
			if err != nil {
				return err
			}
		}
	}
	return dueErr
}

// Run calls Check on every value received from ticks until ctx is done or
// Check fails, and returns that error. Pass a time.Ticker's C in production
// and a channel of your own in tests.
func (tr *Tracker) Run(ctx context.Context, ticks <-chan time.Time, fn func(context.Context, SLAEvent) error) error {
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case _, ok := <-ticks:
			if !ok {
				return nil
			}
			if err := tr.Check(ctx, fn); err != nil {
				return err
			}
		}
	}
}

// SLANotifier returns a callback for [Tracker.Check] and [Tracker.Run]
// that sends each event through n as an alert message. The message's key
// is derived from the timer's key, the event kind and the deadline, so an
// event delivered twice (Check is at-least-once) carries the same key both
// times and a deduplicating receiver shows it once.
func SLANotifier(n Notifier) func(context.Context, SLAEvent) error {
	return func(ctx context.Context, e SLAEvent) error {
		return n.Notify(ctx, slaMessage(e))
	}
}

func slaMessage(e SLAEvent) Message {
	word := "75% of the SLA used"
	if e.Kind == SLABreach {
		word = "SLA breached"
	}
	subj := ""
	if e.Priority != "" {
		subj = "[" + string(e.Priority) + "] "
	}
	subj += word + ": post " + e.Key
	text := subj + "\ntarget " + e.Target.String() + ", started " + e.Started.UTC().Format(time.RFC3339)
	if !e.Due.IsZero() {
		text += ", due " + e.Due.UTC().Format(time.RFC3339)
	}
	return Message{
		Key:  IdempotencyKey(e.Key, Action{Kind: ActAlert, Rule: "sla:" + string(e.Kind), Channel: e.Due.UTC().Format(time.RFC3339Nano)}),
		Kind: ActAlert, PostID: e.Key, Rule: "sla:" + string(e.Kind), Priority: e.Priority,
		RespondBy: e.Due, Subject: oneLine(subj), Text: text,
	}
}
