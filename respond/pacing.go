package respond

import (
	"slices"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// A Rate is a token-bucket budget: one action per Every, in bursts of up to
// Burst (at least 1). The zero Rate is unlimited.
type Rate struct {
	Every time.Duration
	Burst int
}

func (r Rate) limiter() *rate.Limiter {
	if r.Every <= 0 {
		return nil
	}
	return rate.NewLimiter(rate.Every(r.Every), max(r.Burst, 1))
}

// QuietHours is a daily span of local wall-clock time in which actions of
// some kinds do not go out: they are deferred to its end, or held for a
// person. Start > End spans midnight (22h to 7h); Start == End means no
// quiet hours.
type QuietHours struct {
	Location   *time.Location
	Start, End time.Duration
	// Hold holds actions for a person instead of deferring them.
	Hold bool
	// Kinds are the kinds affected; replies only when empty.
	Kinds []ActionKind
}

func (q QuietHours) applies(k ActionKind) bool {
	if q.Start == q.End {
		return false
	}
	if len(q.Kinds) == 0 {
		return k == ActReply
	}
	return slices.Contains(q.Kinds, k)
}

// until reports whether t is inside quiet hours and, if so, when they end.
func (q QuietHours) until(t time.Time) (time.Time, bool) {
	loc := q.Location
	if loc == nil {
		loc = time.UTC
	}
	t = t.In(loc)
	y, m, d := t.Date()
	h, mi, s := t.Clock()
	off := time.Duration(h)*time.Hour + time.Duration(mi)*time.Minute + time.Duration(s)*time.Second + time.Duration(t.Nanosecond())
	var quiet bool
	if q.Start < q.End {
		quiet = off >= q.Start && off < q.End
	} else {
		quiet = off >= q.Start || off < q.End
	}
	if !quiet {
		return time.Time{}, false
	}
	if off < q.End {
		return clockAt(y, m, d, q.End, loc), true
	}
	return clockAt(y, m, d+1, q.End, loc), true
}

// Pacing configures a [Pacer].
type Pacing struct {
	// Account budgets the replies posted as each brand account (the
	// platforms' own limits, and a human pace).
	Account Rate
	// Kinds budgets each action kind across accounts (alerts to a channel,
	// say).
	Kinds map[ActionKind]Rate
	// AuthorPerDay, when > 0, allows at most that many replies to one
	// author in any 24 hours.
	AuthorPerDay int
	// Quiet are the quiet hours.
	Quiet QuietHours
}

// Verdict is a pacer's answer.
type Verdict string

// Verdicts.
const (
	PaceAllow Verdict = "allow"
	PaceDefer Verdict = "defer" // try again at NotBefore
	PaceHold  Verdict = "hold"  // hand to a person
)

// An Admission is a pacer's answer for one action.
type Admission struct {
	Verdict Verdict
	// NotBefore is, for a deferral, the earliest time worth trying again.
	NotBefore time.Time
	// Why names the budget that said no.
	Why    string
	cancel func()
}

// Cancel gives back the budget an allowed action took, when it was not
// carried out after all. It is safe to call on any Admission, once.
func (a Admission) Cancel() {
	if a.cancel != nil {
		a.cancel()
	}
}

// A Pacer budgets outbound actions: per brand account and per action kind
// with token buckets of golang.org/x/time/rate, per author with an exact
// sliding window (a token bucket of N per day would let nearly 2N through
// in 24 hours), and quiet hours. It reads time only from its callers, so
// it is deterministic under a fake clock. A Pacer is safe for concurrent
// use; a nil *Pacer allows everything.
type Pacer struct {
	cfg   Pacing
	kinds map[ActionKind]*rate.Limiter

	mu       sync.Mutex
	accounts map[string]*rate.Limiter
	authors  map[string][]time.Time
	admits   int
}

// NewPacer returns a pacer with budgets p.
func NewPacer(p Pacing) *Pacer {
	pc := &Pacer{cfg: p, kinds: make(map[ActionKind]*rate.Limiter),
		accounts: make(map[string]*rate.Limiter), authors: make(map[string][]time.Time)}
	for k, r := range p.Kinds {
		if l := r.limiter(); l != nil {
			pc.kinds[k] = l
		}
	}
	return pc
}

const day = 24 * time.Hour

// Admit decides whether an action of kind, posted as account, to author,
// may go out at now. Quiet hours come first and take no budget; then every
// budget that applies must have room, and if one has not, none is taken
// and the verdict is a deferral to when all would have room. The account
// and author budgets apply to replies only; an empty account or author is
// not budgeted.
func (p *Pacer) Admit(now time.Time, kind ActionKind, account, author string) Admission {
	if p == nil {
		return Admission{Verdict: PaceAllow}
	}
	if p.cfg.Quiet.applies(kind) {
		if end, quiet := p.cfg.Quiet.until(now); quiet {
			if p.cfg.Quiet.Hold {
				return Admission{Verdict: PaceHold, Why: "quiet hours"}
			}
			return Admission{Verdict: PaceDefer, NotBefore: end, Why: "quiet hours"}
		}
	}
	var (
		res     []*rate.Reservation
		notAt   time.Time
		why     string
		blocked bool
	)
	take := func(l *rate.Limiter, name string) {
		if l == nil {
			return
		}
		r := l.ReserveN(now, 1)
		res = append(res, r)
		if d := r.DelayFrom(now); !r.OK() || d > 0 {
			blocked = true
			if t := now.Add(d); t.After(notAt) {
				notAt, why = t, name
			}
		}
	}
	take(p.kinds[kind], string(kind)+" rate")

	p.mu.Lock()
	defer p.mu.Unlock()
	if kind == ActReply && account != "" {
		l, ok := p.accounts[account]
		if !ok {
			l = p.cfg.Account.limiter()
			p.accounts[account] = l
		}
		take(l, "account rate")
	}
	authorCounted := false
	if kind == ActReply && author != "" && p.cfg.AuthorPerDay > 0 {
		w := p.window(author, now)
		if len(w) >= p.cfg.AuthorPerDay {
			blocked = true
			if t := w[len(w)-p.cfg.AuthorPerDay].Add(day); t.After(notAt) {
				notAt, why = t, "author per day"
			}
		} else {
			authorCounted = true
		}
	}
	if blocked {
		for _, r := range res {
			r.CancelAt(now)
		}
		return Admission{Verdict: PaceDefer, NotBefore: notAt, Why: why}
	}
	if authorCounted {
		w := p.authors[author]
		i, _ := slices.BinarySearchFunc(w, now, time.Time.Compare)
		p.authors[author] = slices.Insert(w, i, now)
	}
	p.sweep(now)
	return Admission{Verdict: PaceAllow, cancel: func() {
		for _, r := range res {
			r.CancelAt(now)
		}
		if authorCounted {
			p.mu.Lock()
			defer p.mu.Unlock()
			w := p.authors[author]
			if i := slices.IndexFunc(w, now.Equal); i >= 0 {
				p.authors[author] = slices.Delete(w, i, i+1)
			}
		}
	}}
}

// window returns author's reply times within the 24 hours before now,
// dropping older ones. p.mu is held.
func (p *Pacer) window(author string, now time.Time) []time.Time {
	w := p.authors[author]
	i := 0
	for i < len(w) && !w[i].After(now.Add(-day)) {
		i++
	}
	if i > 0 {
		w = slices.Delete(w, 0, i)
		p.authors[author] = w
	}
	return w
}

// sweep drops, now and then, authors with no reply in the last day, so the
// map does not grow without bound. p.mu is held.
func (p *Pacer) sweep(now time.Time) {
	p.admits++
	if p.admits%4096 != 0 {
		return
	}
	for a, w := range p.authors {
		if len(w) == 0 || !w[len(w)-1].After(now.Add(-day)) {
			delete(p.authors, a)
		}
	}
}
