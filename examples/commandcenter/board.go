package main

import (
	"cmp"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/influence"
	"github.com/harkhq/hark/reply"
	"github.com/harkhq/hark/respond"
	"github.com/harkhq/hark/respond/surge"
	"github.com/harkhq/hark/score"
)

// Item states in the triage queue.
const (
	stDraft = "draft" // a drafted reply waits for approval
	stOpen  = "open"  // routed to a team, no draft to approve
	stHeld  = "held"  // a person put it on hold
	stSent  = "sent"  // the reply went out

	// stApproved: approved by as many people as its risk asks, and going
	// out (or waiting for the pacer's budget, or refused by the platform
	// rules until someone edits it).
	stApproved = "approved"
	// stRejected: a person rejected the draft; it is never posted.
	stRejected = "rejected"
)

var (
	errNoDraft = errors.New("no draft reply to approve")
	errNoItem  = errors.New("no such item in the queue")
	errSent    = errors.New("the reply was sent already")
)

// Bounds of what the board keeps.
const (
	maxItems      = 400 // items in the triage queue, all states
	queueShown    = 50  // waiting items sent to the page
	handledShown  = 10  // and the items people acted on last
	maxKeys       = 256 // surge keys charted
	keyBucket     = 15 * time.Minute
	keyBuckets    = 96 // a day of 15-minute buckets per key
	moodHours     = 72 // hours of sentiment and intent history
	platformHours = 48
	maxAlerts     = 200
	alertsShown   = 30
	chartsShown   = 6
	recentPosts   = 4096 // posts remembered for alert drivers
	maxTextRunes  = 600  // post text kept per queue item
	// missedAfter is how long past its deadline an unanswered item stays in
	// the queue: after that the moment to answer has passed.
	missedAfter = 12 * time.Hour
)

var labels = []score.Label{score.LabelNegative, score.LabelNeutral, score.LabelPositive, score.LabelUnknown}

var intents = []score.Intent{"complaint", "question", "praise", "suggestion", "purchase_intent", "crisis", "spam", "other"}

// item is one post in the triage queue.
type item struct {
	ID        string           `json:"id"`
	Source    string           `json:"source"`
	URL       string           `json:"url,omitempty"` // http(s) only
	Handle    string           `json:"handle"`
	Name      string           `json:"name,omitempty"`
	Followers int64            `json:"followers"`
	Text      string           `json:"text"`
	Created   time.Time        `json:"created"`
	Due       time.Time        `json:"due,omitzero"`
	Priority  respond.Priority `json:"priority"`
	Team      string           `json:"team,omitempty"`
	Label     score.Label      `json:"label"`
	Sentiment float64          `json:"sentiment"`
	Intent    score.Intent     `json:"intent"`
	Urgency   int              `json:"urgency"`
	Influence float64          `json:"influence"`
	Reasons   []hark.Reason    `json:"reasons"`
	Rules     []string         `json:"rules"`
	Draft     string           `json:"draft,omitempty"`
	Edited    bool             `json:"edited,omitempty"`
	State     string           `json:"state"`
	Sends     int              `json:"sends"`
	// Required is how many different people must approve the draft (2
	// for a high-risk reply), Risk why, Approvals who did and when.
	Required  int              `json:"required,omitempty"`
	Risk      string           `json:"risk,omitempty"`
	Approvals []reply.Approval `json:"approvals,omitempty"`
	// Reply is the reply as the platform holds it, once posted.
	Reply *replyView `json:"reply,omitempty"`
	// Note says why an approved reply has not gone out yet.
	Note string `json:"note,omitempty"`

	dec     respond.Decision
	seq     uint64
	handled uint64 // when a person last acted on it (board sequence)
	// qv is the version of the approval queue's item last shown, so that
	// a slower request never shows an older state over a newer one.
	qv int64
}

// keySeries is the chart of one surge key.
type keySeries struct {
	counts  *ring // counters: posts, negative posts
	alerts  []alertView
	active  bool
	silent  bool
	score   float64
	touched uint64
}

type platformStat struct {
	total  int
	hourly *ring
	last   time.Time
	silent bool
}

type alertView struct {
	At         time.Time     `json:"at"`
	Start      time.Time     `json:"start"`
	Key        string        `json:"key"`
	Kind       surge.Kind    `json:"kind"`
	Score      float64       `json:"score"`
	Observed   float64       `json:"observed"`
	Expected   float64       `json:"expected"`
	Escalation bool          `json:"escalation,omitempty"`
	Terms      []string      `json:"terms,omitempty"`
	Entities   []string      `json:"entities,omitempty"`
	Sources    []string      `json:"sources,omitempty"`
	TopPosts   []postSnippet `json:"top_posts,omitempty"`
	Reasons    []hark.Reason `json:"reasons,omitempty"`
}

// replyView is a posted reply: the platform's ID and URL of it, and the
// text that went out (after the platform's rules).
type replyView struct {
	ID   string    `json:"id"`
	URL  string    `json:"url,omitempty"`
	Text string    `json:"text"`
	At   time.Time `json:"at"`
}

// replyStatus is what the pipeline did with a decision's reply: the draft
// it held in the approval queue, or the reply the policy let out alone.
type replyStatus struct {
	queued *reply.Item
	auto   *reply.Result
}

type postSnippet struct {
	ID     string `json:"id"`
	Handle string `json:"handle"`
	Text   string `json:"text"`
}

type authorView struct {
	Handle    string  `json:"handle"`
	Source    string  `json:"source"`
	Influence float64 `json:"influence"`
	Reach     float64 `json:"reach"`
	Bot       float64 `json:"bot"`
	Reason    string  `json:"reason,omitempty"`
}

type authorsView struct {
	Advocates  []authorView `json:"advocates"`
	Detractors []authorView `json:"detractors"`
	Helpers    []authorView `json:"helpers"`
	Ranked     int          `json:"ranked"`
}

// board is what the command center shows, kept within fixed bounds.
type board struct {
	clock *vclock

	mu           sync.Mutex
	version      uint64
	seq          uint64
	posts        int
	items        map[string]*item
	dropped      int
	missed       int
	series       map[string]*keySeries
	mood         *ring
	intent       *ring
	alerts       []alertView // oldest first, at most maxAlerts
	alertsAll    int
	platforms    map[string]*platformStat
	authors      authorsView
	outbox       map[string]int
	auto         int // replies the policy let go out without a person
	autoDeferred int // and those the pacer deferred (not tried again)
	nApproved    int
	recent       map[string]postSnippet
	recentIDs    []string // ring of the IDs in recent
	recentAt     int
}

func newBoard(c *vclock) *board {
	return &board{
		clock:     c,
		items:     map[string]*item{},
		series:    map[string]*keySeries{},
		mood:      newRing(time.Hour, moodHours, len(labels)),
		intent:    newRing(time.Hour, moodHours, len(intents)),
		platforms: map[string]*platformStat{},
		outbox:    map[string]int{},
		recent:    map[string]postSnippet{},
		recentIDs: make([]string, recentPosts),
	}
}

// add records one handled post: its charts, the alerts it raised, and, when
// a person has something to do about it, its place in the triage queue.
func (b *board) add(post hark.Post, s score.Result, d respond.Decision, rep respond.Report,
	keys []string, alerts []surge.Alert, status func(string) surge.Status, rs replyStatus) {
	b.clock.saw(post.Created)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.version++
	b.seq++
	b.posts++

	b.remember(post)
	b.mood.add(post.Created, slices.Index(labels, s.Label))
	in := slices.Index(intents, s.Intent)
	if in < 0 {
		in = len(intents) - 1 // other
	}
	b.intent.add(post.Created, in)
	if post.Source != "" {
		ps := b.platforms[post.Source]
		if ps == nil && len(b.platforms) < 64 {
			ps = &platformStat{hourly: newRing(time.Hour, platformHours, 1)}
			b.platforms[post.Source] = ps
		}
		if ps != nil {
			ps.total++
			ps.hourly.add(post.Created, 0)
			if post.Created.After(ps.last) {
				ps.last = post.Created
			}
		}
	}
	neg := s.Label == score.LabelNegative
	for _, k := range keys {
		ks := b.keySeries(k)
		ks.counts.add(post.Created, 0)
		if neg {
			ks.counts.add(post.Created, 1)
		}
		st := status(k)
		ks.active, ks.silent, ks.score = st.Active, st.Silent, st.Score
		ks.touched = b.seq
		if ps := b.platforms[post.Source]; ps != nil && k == "source:"+post.Source {
			ps.silent = st.Silent
		}
	}
	b.addAlertsLocked(alerts, status)

	held := false
	for _, r := range rep.Results {
		if r.Action.Kind == respond.ActReply && r.Outcome == respond.OutHeld {
			held = true
		}
	}
	replied := false
	if rs.auto != nil {
		switch rs.auto.Outcome {
		case respond.OutSent, reply.OutFound:
			b.auto++
			replied = true
		case respond.OutDuplicate:
			replied = true
		case respond.OutDeferred:
			b.autoDeferred++
		}
	}
	suppressed := slices.ContainsFunc(d.Actions, func(a respond.Action) bool { return a.Kind == respond.ActSuppress })
	draft := held && d.Reply != ""
	urgent := d.Priority == respond.P1 || d.Priority == respond.P2 || d.Priority == respond.P3
	if replied || suppressed || !(draft || urgent) {
		return
	}
	it := &item{
		ID: post.ID, Source: post.Source, URL: safeURL(post.URL),
		Handle: post.Author.Handle, Name: post.Author.Name, Followers: post.Author.Followers,
		Text: clip(post.Text, maxTextRunes), Created: post.Created, Due: d.RespondBy,
		Priority: d.Priority, Team: teamOf(d), Label: s.Label, Sentiment: s.Sentiment,
		Intent: s.Intent, Urgency: s.Urgency, Influence: d.Case.Author.Influence,
		Reasons: topReasons(s.Reasons, 4), Rules: d.Rules, State: stOpen,
		dec: d, seq: b.seq,
	}
	if draft {
		it.Draft, it.State, it.Required = d.Reply, stDraft, 1
		if q := rs.queued; q != nil {
			it.Draft, it.Required, it.Risk, it.Approvals = q.Draft.Text, q.Required, q.Reason, q.Approvals
		}
	}
	if old, ok := b.items[post.ID]; ok && old.State != stDraft && old.State != stOpen {
		return // heard again after a person acted on it
	}
	b.items[post.ID] = it
	if len(b.items) > maxItems {
		b.evict()
	}
}

// remember keeps a short snippet of recent posts, for alert drivers.
func (b *board) remember(p hark.Post) {
	if old := b.recentIDs[b.recentAt]; old != "" {
		delete(b.recent, old)
	}
	b.recentIDs[b.recentAt] = p.ID
	b.recentAt = (b.recentAt + 1) % len(b.recentIDs)
	b.recent[p.ID] = postSnippet{ID: p.ID, Handle: p.Author.Handle, Text: clip(p.Text, 160)}
}

func (b *board) keySeries(k string) *keySeries {
	ks := b.series[k]
	if ks != nil {
		return ks
	}
	if len(b.series) >= maxKeys {
		// Evict the key touched longest ago that is not the brand.
		var victim string
		var oldest uint64 = ^uint64(0)
		for name, s := range b.series {
			if name != "brand" && s.touched < oldest {
				victim, oldest = name, s.touched
			}
		}
		delete(b.series, victim)
	}
	ks = &keySeries{counts: newRing(keyBucket, keyBuckets, 2)}
	b.series[k] = ks
	return ks
}

// addAlerts records alerts raised when no post came (silences, closed buckets).
func (b *board) addAlerts(alerts []surge.Alert, status func(string) surge.Status) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(alerts) > 0 {
		b.version++
	}
	b.addAlertsLocked(alerts, status)
}

func (b *board) addAlertsLocked(alerts []surge.Alert, status func(string) surge.Status) {
	for _, a := range alerts {
		v := alertView{At: a.At, Start: a.Start, Key: a.Key, Kind: a.Kind, Score: a.Score,
			Observed: a.Observed, Expected: a.Expected, Escalation: a.Escalation,
			Terms: driverNames(a.Drivers.Terms), Entities: driverNames(a.Drivers.Entities),
			Sources: driverNames(a.Drivers.Sources), Reasons: topReasons(a.Reasons, 3)}
		for _, id := range a.Drivers.TopPosts {
			if sn, ok := b.recent[id]; ok {
				v.TopPosts = append(v.TopPosts, sn)
			} else {
				v.TopPosts = append(v.TopPosts, postSnippet{ID: id})
			}
		}
		b.alerts = append(b.alerts, v)
		b.alertsAll++
		if len(b.alerts) > maxAlerts {
			b.alerts = append(b.alerts[:0], b.alerts[len(b.alerts)-maxAlerts/2:]...)
		}
		ks := b.keySeries(a.Key)
		ks.alerts = append(ks.alerts, v)
		if len(ks.alerts) > 8 {
			ks.alerts = append(ks.alerts[:0], ks.alerts[len(ks.alerts)-8:]...)
		}
		st := status(a.Key)
		ks.active, ks.silent, ks.score = st.Active, st.Silent, st.Score
		ks.touched = b.seq
		if src, ok := strings.CutPrefix(a.Key, "source:"); ok {
			if ps := b.platforms[src]; ps != nil {
				ps.silent = st.Silent
			}
		}
	}
}

func driverNames(ds []surge.Driver) []string {
	var out []string
	for _, d := range ds {
		out = append(out, fmt.Sprintf("%s ×%.1f", d.Name, d.Lift))
	}
	return out
}

// evict drops items until the queue is at nine tenths of its bound: items
// people acted on first (but the latest few, which the page shows), then
// the open items that matter least: low priority, oldest.
func (b *board) evict() {
	all := make([]*item, 0, len(b.items))
	var handled []*item
	for _, it := range b.items {
		all = append(all, it)
		if it.handled > 0 {
			handled = append(handled, it)
		}
	}
	slices.SortFunc(handled, func(x, y *item) int { return cmp.Compare(y.handled, x.handled) })
	keep := map[*item]bool{}
	for _, it := range handled[:min(handledShown, len(handled))] {
		keep[it] = true
	}
	class := func(it *item) int {
		switch {
		case keep[it]:
			return 2
		case it.State == stSent || it.State == stHeld || it.State == stRejected:
			return 0
		}
		return 1
	}
	slices.SortFunc(all, func(x, y *item) int { // least important first
		return cmp.Or(
			cmp.Compare(class(x), class(y)),
			cmp.Compare(prioOrder(y.Priority), prioOrder(x.Priority)),
			cmp.Compare(x.seq, y.seq),
		)
	})
	n := len(b.items) - maxItems*9/10
	for _, it := range all[:n] {
		if it.State == stDraft || it.State == stOpen {
			b.dropped++
		}
		delete(b.items, it.ID)
	}
}

var stateOrder = map[string]int{stDraft: 0, stOpen: 0, stApproved: 0, stHeld: 1, stSent: 2, stRejected: 2}

// rankItems orders the queue: waiting items before held and sent ones, then
// by priority, then by deadline, then newest first.
func rankItems(x, y *item) int {
	return cmp.Or(
		cmp.Compare(stateOrder[x.State], stateOrder[y.State]),
		cmp.Compare(prioOrder(x.Priority), prioOrder(y.Priority)),
		compareDue(x.Due, y.Due),
		cmp.Compare(y.seq, x.seq),
	)
}

func prioOrder(p respond.Priority) int {
	if p == "" {
		return 9
	}
	return int(p[len(p)-1] - '0')
}

func compareDue(a, b time.Time) int {
	switch {
	case a.IsZero() && b.IsZero():
		return 0
	case a.IsZero():
		return 1
	case b.IsZero():
		return -1
	}
	return a.Compare(b)
}

// draftFor returns the decision and current draft of a queue item waiting
// for approval, approved or held. An item whose reply was sent already
// has no draft to approve: errSent is returned (errRejected for a rejected
// draft).
func (b *board) draftFor(id string) (respond.Decision, string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	it := b.items[id]
	switch {
	case it == nil:
		return respond.Decision{}, "", errNoItem
	case it.State == stSent:
		return respond.Decision{}, "", errSent
	case it.State == stRejected:
		return respond.Decision{}, "", errRejected
	case it.Draft == "":
		return respond.Decision{}, "", errNoDraft
	}
	return it.dec, it.Draft, nil
}

// queued shows a person's action on the draft of item id as the approval
// queue recorded it, and returns the item's state.
func (b *board) queued(id string, q reply.Item) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	it := b.items[id]
	if it == nil {
		return ""
	}
	if q.Version < it.qv || it.State == stSent {
		return it.State // shown already, or newer news shown
	}
	it.qv = q.Version
	b.version++
	b.seq++
	it.handled = b.seq
	it.Draft, it.Edited = q.Draft.Text, q.Draft.Text != it.dec.Reply
	it.Required, it.Risk, it.Approvals = q.Required, q.Reason, q.Approvals
	switch q.State {
	case reply.StatePending, reply.StateExpired:
		it.State, it.Note = stDraft, ""
	case reply.StateApproved:
		it.State = stApproved
	case reply.StateRejected:
		it.State, it.Note = stRejected, ""
	case reply.StatePosted:
		it.State, it.Note = stSent, ""
		if it.Reply == nil && q.Posted.ID != "" {
			it.Reply = &replyView{ID: q.Posted.ID, URL: q.Posted.URL, Text: q.Draft.Text}
		}
	}
	return it.State
}

// posting shows what became of posting the approved draft q, and returns
// the state of its item ("" if the board no longer has it).
func (b *board) posting(q reply.Item, res reply.Result) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if res.Outcome == respond.OutSent {
		b.nApproved++
	}
	it := b.items[q.Draft.Post.ID]
	if it == nil {
		return ""
	}
	sent := res.Outcome == respond.OutSent || res.Outcome == reply.OutFound || res.Outcome == respond.OutDuplicate
	if !sent && (q.Version < it.qv || it.State == stSent) {
		return it.State // newer news shown already
	}
	it.qv = max(it.qv, q.Version)
	b.version++
	switch res.Outcome {
	case respond.OutSent, reply.OutFound, respond.OutDuplicate:
		if res.Outcome == respond.OutSent {
			it.Sends++
		}
		it.State, it.Note = stSent, ""
		posted := cmp.Or(q.Posted, res.Posted)
		if it.Reply == nil || it.Reply.ID == "" {
			it.Reply = &replyView{ID: posted.ID, URL: posted.URL, Text: cmp.Or(res.Text, q.Draft.Text), At: b.clock.now()}
		}
	case respond.OutDeferred:
		it.Note = "the pacer holds it until " + res.NotBefore.Format("15:04:05") + " (the brand account's budget)"
	case respond.OutHeld:
		it.Note = "quiet hours: it goes out when they end"
	case reply.OutRejected:
		it.Note = "the platform rules refused it: " + ruleDetail(res.Err) + "; edit it"
	case respond.OutFailed, respond.OutDeadLettered:
		it.Note = "not posted yet: " + clip(errString(res.Err), 200)
	}
	return it.State
}

// stateOf returns the state of item id, "" if the board has none.
func (b *board) stateOf(id string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if it := b.items[id]; it != nil {
		return it.State
	}
	return ""
}

func ruleDetail(err error) string {
	var re *reply.RuleError
	if errors.As(err, &re) {
		if re.Detail != "" {
			return re.Err.Error() + " (" + clip(re.Detail, 120) + ")"
		}
		return re.Err.Error()
	}
	return clip(errString(err), 200)
}

func errString(err error) string {
	if err == nil {
		return "unknown error"
	}
	return err.Error()
}

// hold puts an item on hold.
func (b *board) hold(id string) (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	it := b.items[id]
	switch {
	case it == nil:
		return "", errNoItem
	case it.State == stSent:
		return it.State, errSent
	case it.State == stRejected:
		return it.State, errRejected
	case it.State == stApproved:
		return it.State, errApproved
	}
	b.version++
	b.seq++
	it.State, it.handled = stHeld, b.seq
	return it.State, nil
}

// dispatched tallies what the dispatcher sent to teams and channels.
func (b *board) dispatched(m respond.Message) {
	var k string
	switch m.Kind {
	case respond.ActAlert:
		k = "#" + m.Channel
	case respond.ActRoute:
		k = "team " + m.Team
	case respond.ActEscalate:
		k = "escalated to " + m.Team
	default:
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.outbox[k]; ok || len(b.outbox) < 64 {
		b.outbox[k]++
	}
}

// setAuthors replaces the influencer board with the top of a ranking.
func (b *board) setAuthors(top []influence.AuthorScore) {
	var v authorsView
	v.Ranked = len(top)
	for _, a := range top {
		av := authorView{Handle: cmp.Or(a.Handle, a.Author), Source: a.Source, Influence: a.Influence,
			Reach: a.Reach, Bot: a.Bot}
		if len(a.Reasons) > 0 {
			av.Reason = a.Reasons[0].Code
		}
		switch {
		case a.Standing == influence.StandingAdvocate && len(v.Advocates) < 6:
			v.Advocates = append(v.Advocates, av)
		case a.Standing == influence.StandingDetractor && len(v.Detractors) < 6:
			v.Detractors = append(v.Detractors, av)
		}
		if a.Helper && len(v.Helpers) < 6 {
			v.Helpers = append(v.Helpers, av)
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.version++
	b.authors = v
}

func (b *board) getVersion() uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.version
}

func teamOf(d respond.Decision) string {
	if d.Queue != "" {
		return d.Team + "/" + d.Queue
	}
	return d.Team
}

func topReasons(rs []hark.Reason, n int) []hark.Reason {
	out := make([]hark.Reason, 0, min(n, len(rs)))
	for _, r := range rs[:min(n, len(rs))] {
		r.Span = clip(r.Span, 60)
		out = append(out, r)
	}
	return out
}

// safeURL returns u if it is an absolute http or https URL, else "": a post's
// URL is the only thing of it that becomes a link.
func safeURL(u string) string {
	p, err := url.Parse(strings.TrimSpace(u))
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return ""
	}
	return p.String()
}

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
