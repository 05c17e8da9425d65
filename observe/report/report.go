package report

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"
	"time"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/influence"
	"github.com/harkhq/hark/respond"
	"github.com/harkhq/hark/respond/surge"
	"github.com/harkhq/hark/score"
)

// An Option configures [New].
type Option func(*Builder)

// WithTitle sets the report's title (default "Hark replay report").
func WithTitle(s string) Option { return func(b *Builder) { b.title = s } }

// WithBucket sets the width of the time buckets of the volume and
// negativity charts. The default picks one of 5 min, 15 min, 1 h, 3 h,
// 6 h, 12 h or 1 day that gives at most 96 buckets over the data's span.
func WithBucket(d time.Duration) Option { return func(b *Builder) { b.bucket = d } }

// WithResponder sets how a post is recognised as a response from the
// company, for the SLA chart: a responder's post answers its parent and
// the earlier posts of its thread. The default is a post whose author is
// one of the brand's accounts (AuthorScore.Brand, see
// influence.WithBrandAccounts).
func WithResponder(f func(p hark.Post, a influence.AuthorScore) bool) Option {
	return func(b *Builder) { b.responder = f }
}

// WithTopAuthors sets how many authors the influence table shows (default
// 15).
func WithTopAuthors(n int) Option { return func(b *Builder) { b.top = n } }

// A Builder collects a replay's posts, judgements, decisions, alerts and
// authors, and writes them as one self-contained HTML page (see
// [Builder.Write]). It keeps about 150 bytes per post. A Builder is not
// safe for concurrent use.
type Builder struct {
	title     string
	bucket    time.Duration
	responder func(hark.Post, influence.AuthorScore) bool
	top       int

	entries []entry
	answers map[string][]time.Time // parent or thread ID -> responder posts' times
	alerts  []surge.Alert
	authors map[string]*authorRow
	order   int
}

type entry struct {
	id, thread string
	at         time.Time
	negative   bool
	intent     score.Intent
	priority   respond.Priority
	respondBy  time.Time
	responder  bool
}

type authorRow struct {
	score influence.AuthorScore
	posts int
	first int // order of first appearance, for ties
}

// New returns an empty Builder.
func New(opts ...Option) *Builder {
	b := &Builder{title: "Hark replay report", top: 15, answers: map[string][]time.Time{}, authors: map[string]*authorRow{}}
	for _, o := range opts {
		o(b)
	}
	if b.responder == nil {
		b.responder = func(_ hark.Post, a influence.AuthorScore) bool { return a.Brand }
	}
	return b
}

// Add records one post as the replay saw it: the case decided on (post,
// scores, author) and the decision. The post's time is its Created time,
// or the case's Now when it has none; a post with neither is counted in
// the mixes but not on the time charts.
func (b *Builder) Add(c respond.Case, d respond.Decision) {
	p := c.Post
	at := p.Created
	if at.IsZero() {
		at = c.Now
	}
	e := entry{id: p.ID, thread: p.ThreadID, at: at, negative: c.Scores.Label == score.LabelNegative,
		intent: c.Scores.Intent, priority: d.Priority, respondBy: d.RespondBy}
	if e.intent == "" {
		e.intent = score.IntentOther
	}
	if b.responder(p, c.Author) {
		e.responder = true
		if !at.IsZero() {
			for _, k := range []string{p.ParentID, p.ThreadID} {
				if k != "" {
					b.answers[k] = append(b.answers[k], at)
				}
			}
		}
	}
	b.entries = append(b.entries, e)
	if key := p.Author.Key(); key != "" {
		a := c.Author
		if a.Author == "" {
			a.Author = key
		}
		if a.Handle == "" {
			a.Handle = p.Author.Handle
		}
		if a.Source == "" {
			a.Source = p.Source
		}
		b.author(key, a, true)
	}
}

func (b *Builder) author(key string, a influence.AuthorScore, post bool) {
	row, ok := b.authors[key]
	if !ok {
		row = &authorRow{first: b.order}
		b.order++
		b.authors[key] = row
	}
	row.score = a
	if post {
		row.posts++
	}
}

// Alerts records surge and silence alerts, to be marked on the time
// charts and listed.
func (b *Builder) Alerts(alerts ...surge.Alert) { b.alerts = append(b.alerts, alerts...) }

// Authors records authors' final scores (from an influence tracker at the
// end of the replay, say); they replace the scores seen with each post.
func (b *Builder) Authors(scores ...influence.AuthorScore) {
	for _, a := range scores {
		if a.Author != "" {
			b.author(a.Author, a, false)
		}
	}
}

// Len returns how many posts were added.
func (b *Builder) Len() int { return len(b.entries) }

// Write renders the report: one HTML page with its style and SVG charts
// inline, no script and no external asset, readable offline. Every text
// from the data is escaped. Identical input gives identical output.
func (b *Builder) Write(w io.Writer) error {
	v := b.view()
	if err := page.Execute(w, v); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}

// SLA outcomes.
const (
	slaMet      = "met"
	slaLate     = "late"
	slaBreached = "no reply, breached"
	slaOpen     = "no reply, still open"
)

var slaOrder = []string{slaMet, slaLate, slaBreached, slaOpen}

// slaOutcome judges one post against the responses seen; end is the
// latest time in the data.
func (b *Builder) slaOutcome(e entry, end time.Time) string {
	first := time.Time{}
	for _, k := range []string{e.id, e.thread} {
		for _, t := range b.answers[k] {
			if !t.Before(e.at) && (first.IsZero() || t.Before(first)) {
				first = t
			}
		}
	}
	switch {
	case !first.IsZero() && !first.After(e.respondBy):
		return slaMet
	case !first.IsZero():
		return slaLate
	case end.After(e.respondBy):
		return slaBreached
	}
	return slaOpen
}

// niceBuckets are the bucket widths chosen from.
var niceBuckets = []time.Duration{5 * time.Minute, 15 * time.Minute, time.Hour, 3 * time.Hour,
	6 * time.Hour, 12 * time.Hour, 24 * time.Hour}

func pickBucket(span time.Duration) time.Duration {
	for _, d := range niceBuckets {
		if span/d < 96 {
			return d
		}
	}
	n := span/(96*24*time.Hour) + 1
	return n * 24 * time.Hour
}

// counts returns m's keys ordered by count, then name.
func byCount[K ~string](m map[K]int) []K {
	keys := slices.Collect(maps.Keys(m))
	slices.SortFunc(keys, func(a, b K) int {
		if c := cmp.Compare(m[b], m[a]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	return keys
}
