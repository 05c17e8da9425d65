package reply

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/harkhq/hark/respond"
	"github.com/harkhq/hark/score"
)

// State is where a held draft stands.
type State string

// States of a held draft.
const (
	// StatePending: waiting for approvals.
	StatePending State = "pending"
	// StateApproved: approved by enough people; ready to post until its
	// approval expires.
	StateApproved State = "approved"
	// StateRejected: a person rejected it; it will not be posted.
	StateRejected State = "rejected"
	// StateExpired: nobody approved it in time, or its approval lapsed
	// before it was posted. Hold it again to ask anew.
	StateExpired State = "expired"
	// StatePosted: it went out (or was found on the platform).
	StatePosted State = "posted"
)

// An Approval is one person's yes.
type Approval struct {
	By string    `json:"by"`
	At time.Time `json:"at"`
}

// An Event is one line of a held draft's audit trail: who did what when.
type Event struct {
	At time.Time `json:"at"`
	// By is the person, or "hark" for what the queue did itself.
	By string `json:"by"`
	// Action is hold, approve, edit, reject, expire or posted.
	Action string `json:"action"`
	// Note is the reason of a hold or a rejection, the new text of an
	// edit, the reply's ID when posted.
	Note string `json:"note,omitempty"`
	// Prev is, for an edit, the text before it.
	Prev string `json:"prev,omitempty"`
}

// An Item is a held draft.
type Item struct {
	// ID is the draft's key.
	ID    string `json:"id"`
	Draft Draft  `json:"draft"`
	State State  `json:"state"`
	// Required is how many different people must approve: 1 for an
	// ordinary reply, more for a high-risk one (see [Risk]).
	Required int `json:"required"`
	// Reason says why the draft was held, and why its tier.
	Reason    string     `json:"reason,omitempty"`
	Approvals []Approval `json:"approvals,omitempty"`
	Held      time.Time  `json:"held"`
	// Expires is when a pending draft lapses, or when an approved one's
	// approval does.
	Expires time.Time `json:"expires"`
	Posted  Posted    `json:"posted,omitzero"`
	Audit   []Event   `json:"audit"`
	// Version counts the item's writes, for compare-and-set in a [Store].
	Version int64 `json:"version"`
}

// Errors of the [Queue].
var (
	ErrNotFound = errors.New("reply: no such held draft")
	// ErrNotPending: the draft was rejected, expired or posted already.
	ErrNotPending = errors.New("reply: draft is not awaiting approval")
	// ErrConflict is returned by a [Store] whose item changed since it was
	// read; the queue reads again and retries.
	ErrConflict = errors.New("reply: held draft changed concurrently")
	// ErrNoActor: approve, edit and reject need the person's name.
	ErrNoActor = errors.New("reply: who acts must be named")
)

// A Store keeps held drafts. Put is compare-and-set: it stores it when the
// stored item's Version is it.Version-1 (or the item is new and
// it.Version is 1), else fails with [ErrConflict]. Implementations must be
// safe for concurrent use.
type Store interface {
	Get(ctx context.Context, id string) (Item, bool, error)
	Put(ctx context.Context, it Item) error
	// List returns the items in state s ("" for all), in no set order.
	List(ctx context.Context, s State) ([]Item, error)
}

// MemStore is an in-memory [Store]; its zero value is ready to use.
type MemStore struct {
	mu sync.Mutex
	m  map[string]Item
}

// Get implements [Store].
func (m *MemStore) Get(_ context.Context, id string) (Item, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	it, ok := m.m[id]
	return clone(it), ok, nil
}

// Put implements [Store].
func (m *MemStore) Put(_ context.Context, it Item) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	old, ok := m.m[it.ID]
	if ok && old.Version != it.Version-1 || !ok && it.Version != 1 {
		return ErrConflict
	}
	if m.m == nil {
		m.m = make(map[string]Item)
	}
	m.m[it.ID] = clone(it)
	return nil
}

// List implements [Store].
func (m *MemStore) List(_ context.Context, s State) ([]Item, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Item
	for _, it := range m.m {
		if s == "" || it.State == s {
			out = append(out, clone(it))
		}
	}
	return out, nil
}

func clone(it Item) Item {
	it.Approvals = slices.Clone(it.Approvals)
	it.Audit = slices.Clone(it.Audit)
	return it
}

// Risk says how many approvals a draft needs. A high-risk reply (a crisis,
// a critical urgency, an author with a large audience) needs HighApprovals
// different people; others one.
type Risk struct {
	// InfluenceAtLeast marks authors of this influence (0..100) or more as
	// high-influence; default 70.
	InfluenceAtLeast float64
	// FollowersAtLeast marks authors with this many followers or more;
	// default 100,000.
	FollowersAtLeast int64
	// HighApprovals is the approvals a high-risk reply needs; default 2.
	HighApprovals int
}

// Approvals returns how many people must approve a reply to case c, and
// why.
func (r Risk) Approvals(c respond.Case) (int, string) {
	if r.InfluenceAtLeast <= 0 {
		r.InfluenceAtLeast = 70
	}
	if r.FollowersAtLeast <= 0 {
		r.FollowersAtLeast = 100_000
	}
	if r.HighApprovals <= 0 {
		r.HighApprovals = 2
	}
	var why []string
	if c.Scores.Intent == score.IntentCrisis {
		why = append(why, "crisis")
	}
	if c.Scores.Urgency >= 3 {
		why = append(why, "critical urgency")
	}
	if c.Author.Influence >= r.InfluenceAtLeast {
		why = append(why, fmt.Sprintf("influence %.0f", c.Author.Influence))
	}
	if c.Post.Author.Followers >= r.FollowersAtLeast {
		why = append(why, fmt.Sprintf("%d followers", c.Post.Author.Followers))
	}
	if len(why) == 0 {
		return 1, ""
	}
	return r.HighApprovals, "high risk: " + strings.Join(why, ", ")
}

// A Queue holds drafts that a policy would not let out alone until people
// approve them: approve, edit or reject, each recorded with who and when;
// high-risk drafts need several different approvers; drafts and approvals
// expire. It reads time only from its clock. A Queue is safe for
// concurrent use, and queues in many processes over one [Store] cooperate:
// every change is a compare-and-set, so a double approval counts once.
type Queue struct {
	store      Store
	clock      respond.Clock
	holdTTL    time.Duration
	approveTTL time.Duration
	log        *slog.Logger
}

// A QueueOption configures a [Queue].
type QueueOption func(*Queue)

// WithStore sets the store (a new [MemStore] by default).
func WithStore(s Store) QueueOption { return func(q *Queue) { q.store = s } }

// WithQueueClock sets the clock (the system clock by default).
func WithQueueClock(c respond.Clock) QueueOption { return func(q *Queue) { q.clock = c } }

// WithExpiry sets how long a draft waits for approval (24h by default)
// and how long an approval lasts unposted (1h by default): an answer
// approved yesterday may no longer fit, and every approval of a tier must
// be that recent to count.
func WithExpiry(hold, approval time.Duration) QueueOption {
	return func(q *Queue) { q.holdTTL, q.approveTTL = hold, approval }
}

// WithQueueLogger makes the queue log each change it makes (hold,
// approve, edit, reject: debug; expiries: info; failed posts: warn) to l,
// with the draft's key, state and actor, never its text. The default
// discards.
func WithQueueLogger(l *slog.Logger) QueueOption { return func(q *Queue) { q.log = l } }

// NewQueue returns a queue.
func NewQueue(opts ...QueueOption) *Queue {
	q := &Queue{holdTTL: 24 * time.Hour, approveTTL: time.Hour}
	for _, o := range opts {
		o(q)
	}
	if q.log == nil {
		q.log = slog.New(slog.DiscardHandler)
	}
	if q.store == nil {
		q.store = new(MemStore)
	}
	if q.clock == nil {
		q.clock = respond.ClockFunc(time.Now)
	}
	return q
}

// Hold puts d in the queue to wait for required approvals (at least 1),
// noting why. Holding a key held before returns the item as it is, unless
// it expired: then it waits anew.
func (q *Queue) Hold(ctx context.Context, d Draft, required int, reason string) (Item, error) {
	if err := d.check(); err != nil {
		return Item{}, err
	}
	now := q.clock.Now()
	for {
		it, ok, err := q.store.Get(ctx, d.Key)
		if err != nil {
			return Item{}, err
		}
		if ok && it.State != StateExpired {
			return it, nil
		}
		if !ok {
			it = Item{ID: d.Key}
		}
		it.Draft, it.State, it.Required, it.Reason = d, StatePending, max(required, 1), reason
		it.Approvals, it.Held, it.Expires = nil, now, now.Add(q.holdTTL)
		it.Audit = append(it.Audit, Event{At: now, By: "hark", Action: "hold", Note: reason})
		it.Version++
		if err := q.store.Put(ctx, it); errors.Is(err, ErrConflict) {
			continue
		} else if err != nil {
			return Item{}, err
		}
		q.logged(ctx, "hold", d.Key, "hark", it, nil)
		return it, nil
	}
}

// update applies f to item id under compare-and-set, first expiring it if
// its time is up (an expired item is saved as such and f not called).
func (q *Queue) update(ctx context.Context, id string, f func(*Item, time.Time) error) (Item, error) {
	return q.change(ctx, id, true, f)
}

// change is update, expiring first only if expire is set.
func (q *Queue) change(ctx context.Context, id string, expire bool, f func(*Item, time.Time) error) (Item, error) {
	for {
		it, ok, err := q.store.Get(ctx, id)
		if err != nil {
			return Item{}, err
		}
		if !ok {
			return Item{}, ErrNotFound
		}
		now := q.clock.Now()
		var ferr error
		if expire && q.expire(&it, now) {
			ferr = fmt.Errorf("%w: %s", ErrNotPending, it.State)
		} else if ferr = f(&it, now); ferr != nil {
			return it, ferr
		}
		it.Version++
		if err := q.store.Put(ctx, it); errors.Is(err, ErrConflict) {
			continue
		} else if err != nil {
			return Item{}, err
		}
		return it, ferr
	}
}

// expire marks it expired if it is pending or approved past its time.
func (q *Queue) expire(it *Item, now time.Time) bool {
	if (it.State == StatePending || it.State == StateApproved) && !now.Before(it.Expires) {
		it.State = StateExpired
		it.Audit = append(it.Audit, Event{At: now, By: "hark", Action: "expire"})
		return true
	}
	return false
}

// Approve records who's approval of draft id at the queue's now. Once
// Required different people approved within the approval window, the
// draft is approved until now plus that window. A second approval by the
// same person counts once (and is not recorded again); approving an
// approved draft changes nothing. It fails with [ErrNotPending] for a
// rejected, expired or posted draft.
func (q *Queue) Approve(ctx context.Context, id, who string) (Item, error) {
	if who == "" {
		return Item{}, ErrNoActor
	}
	errSame := errors.New("same")
	it, err := q.update(ctx, id, func(it *Item, now time.Time) error {
		switch it.State {
		case StateApproved:
			return errSame
		case StatePending:
		default:
			return fmt.Errorf("%w: %s", ErrNotPending, it.State)
		}
		// Approvals older than the window no longer count.
		it.Approvals = slices.DeleteFunc(it.Approvals, func(a Approval) bool { return !now.Before(a.At.Add(q.approveTTL)) })
		if slices.ContainsFunc(it.Approvals, func(a Approval) bool { return a.By == who }) {
			return errSame
		}
		it.Approvals = append(it.Approvals, Approval{By: who, At: now})
		it.Audit = append(it.Audit, Event{At: now, By: who, Action: "approve"})
		if len(it.Approvals) >= it.Required {
			it.State = StateApproved
			it.Expires = now.Add(q.approveTTL)
		}
		return nil
	})
	if errors.Is(err, errSame) {
		return it, nil
	}
	q.logged(ctx, "approve", id, who, it, err)
	return it, err
}

// Edit replaces the text of draft id, recording who, when and the text
// before. The approvals given so far were for the old text: they are
// dropped and the draft waits again (the editor's edit is not an
// approval). The key is kept, so the edited reply still goes out once.
func (q *Queue) Edit(ctx context.Context, id, who, text string) (Item, error) {
	if who == "" {
		return Item{}, ErrNoActor
	}
	if strings.TrimSpace(text) == "" {
		return Item{}, &RuleError{Key: id, Err: ErrEmpty}
	}
	it, err := q.update(ctx, id, func(it *Item, now time.Time) error {
		if it.State != StatePending && it.State != StateApproved {
			return fmt.Errorf("%w: %s", ErrNotPending, it.State)
		}
		it.Audit = append(it.Audit, Event{At: now, By: who, Action: "edit", Note: text, Prev: it.Draft.Text})
		it.Draft.Text = text
		it.Approvals = nil
		if it.State == StateApproved {
			it.State = StatePending
			it.Expires = now.Add(q.holdTTL)
		}
		return nil
	})
	q.logged(ctx, "edit", id, who, it, err)
	return it, err
}

// Reject records who's rejection of draft id, with a reason; the draft is
// never posted.
func (q *Queue) Reject(ctx context.Context, id, who, reason string) (Item, error) {
	if who == "" {
		return Item{}, ErrNoActor
	}
	it, err := q.update(ctx, id, func(it *Item, now time.Time) error {
		if it.State != StatePending && it.State != StateApproved {
			return fmt.Errorf("%w: %s", ErrNotPending, it.State)
		}
		it.State = StateRejected
		it.Audit = append(it.Audit, Event{At: now, By: who, Action: "reject", Note: reason})
		return nil
	})
	q.logged(ctx, "reject", id, who, it, err)
	return it, err
}

// logged logs a change of draft id (now it) by who, or its failure.
func (q *Queue) logged(ctx context.Context, action, id, who string, it Item, err error) {
	lvl := slog.LevelDebug
	attrs := []slog.Attr{slog.String("action", action), slog.String("key", id), slog.String("by", who),
		slog.String("state", string(it.State))}
	if err != nil {
		lvl = slog.LevelInfo
		attrs = append(attrs, slog.String("err", err.Error()))
	}
	if q.log.Enabled(ctx, lvl) {
		q.log.LogAttrs(ctx, lvl, "reply: queue", attrs...)
	}
}

// Get returns draft id.
func (q *Queue) Get(ctx context.Context, id string) (Item, error) {
	it, ok, err := q.store.Get(ctx, id)
	if err == nil && !ok {
		err = ErrNotFound
	}
	return it, err
}

// List returns the drafts in state s ("" for all), oldest held first
// (then by ID), as stored: a draft whose time is up shows its old state
// until [Queue.Expire] runs.
func (q *Queue) List(ctx context.Context, s State) ([]Item, error) {
	its, err := q.store.List(ctx, s)
	slices.SortFunc(its, func(a, b Item) int {
		return cmp.Or(a.Held.Compare(b.Held), cmp.Compare(a.ID, b.ID))
	})
	return its, err
}

// Expire marks every pending or approved draft whose time is up as
// expired, and returns how many it marked.
func (q *Queue) Expire(ctx context.Context) (int, error) {
	var n int
	for _, s := range []State{StatePending, StateApproved} {
		its, err := q.store.List(ctx, s)
		if err != nil {
			return n, err
		}
		for _, it := range its {
			if q.clock.Now().Before(it.Expires) {
				continue
			}
			_, err := q.update(ctx, it.ID, func(*Item, time.Time) error { return nil })
			if errors.Is(err, ErrNotPending) {
				n++
				q.log.LogAttrs(ctx, slog.LevelInfo, "reply: queue", slog.String("action", "expire"), slog.String("key", it.ID))
			} else if err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// PostApproved posts the approved drafts through p, oldest first, and
// marks those that went out (sent, found, or recorded as sent before) as
// posted. Drafts whose approval lapsed are expired, not posted. It returns
// a result per draft it tried. Running it twice at once, or in two
// processes over one store and one ledger, posts each draft once.
func (q *Queue) PostApproved(ctx context.Context, p *Poster) ([]Result, error) {
	its, err := q.List(ctx, StateApproved)
	if err != nil {
		return nil, err
	}
	var out []Result
	var errs []error
	for _, it := range its {
		if !q.clock.Now().Before(it.Expires) {
			if _, err := q.update(ctx, it.ID, func(*Item, time.Time) error { return nil }); err != nil && !errors.Is(err, ErrNotPending) {
				errs = append(errs, err)
			}
			continue
		}
		res, _ := p.Post(ctx, it.Draft)
		out = append(out, res)
		switch res.Outcome {
		case respond.OutSent, OutFound, respond.OutDuplicate:
			if _, err := q.markPosted(ctx, it.ID, res.Posted); err != nil {
				errs = append(errs, err)
			}
		case OutRejected, respond.OutFailed, respond.OutDeadLettered:
			errs = append(errs, res.Err)
			attrs := []slog.Attr{slog.String("action", "post"), slog.String("key", it.ID), slog.String("outcome", string(res.Outcome))}
			if res.Err != nil {
				attrs = append(attrs, slog.String("err", res.Err.Error()))
			}
			q.log.LogAttrs(ctx, slog.LevelWarn, "reply: queue", attrs...)
		}
	}
	return out, errors.Join(errs...)
}

// markPosted records that draft id went out as posted. A duplicate
// (posted by another poster) keeps the reply that poster recorded.
func (q *Queue) markPosted(ctx context.Context, id string, posted Posted) (Item, error) {
	return q.change(ctx, id, false, func(it *Item, now time.Time) error {
		if it.State == StatePosted {
			if it.Posted.ID == "" {
				it.Posted = posted
			}
			return nil
		}
		it.State = StatePosted
		if posted.ID != "" {
			it.Posted = posted
		}
		it.Audit = append(it.Audit, Event{At: now, By: "hark", Action: "posted", Note: posted.ID})
		return nil
	})
}
