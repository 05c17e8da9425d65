package main

import (
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/harkhq/hark/reply"
	"github.com/harkhq/hark/reply/replytest"
	"github.com/harkhq/hark/respond"
	"github.com/harkhq/hark/sample"
	"github.com/harkhq/hark/score"
)

// Replies go out to a local stand-in platform (package reply/replytest, a
// Mastodon-shaped server on loopback): the command center posts through
// reply.Poster, exactly once per draft over the dispatcher's ledger, paced
// per brand account, under the platform's rules (length, language, no
// mentions but the author's, links only to the company's domain). Drafts
// the policy holds wait in a reply.Queue until people approve them; a
// high-risk one (a crisis, a critical urgency, an influential author) needs
// two different people.

// Reply settings of the command center.
const (
	// postEvery is how often approved drafts not yet out (deferred by the
	// pacer, or failed) are tried again, and lapsed ones expired.
	postEvery = time.Second
	// maxHeld bounds the drafts the approval queue keeps.
	maxHeld = 4096
	// platformAccount is the brand account on the stand-in.
	platformAccount = "kestrel"
)

// linkDomains are the domains a reply may link to: the sample company's own
// (its help centre).
var linkDomains = []string{"kestrel.example"}

// platform is the stand-in for the social platforms the replies go to: a
// replytest server holding every reply it received, as the platform's API
// would publish it.
type platform struct {
	srv       *replytest.Server
	closeOnce sync.Once
}

func newPlatform() *platform {
	return &platform{srv: replytest.NewServer(replytest.Options{Account: platformAccount})}
}

// Close stops the stand-in; its log of replies stays readable.
func (pl *platform) Close() { pl.closeOnce.Do(pl.srv.Close) }

// Sent returns how many replies to post id the stand-in holds.
func (pl *platform) Sent(id string) int { return len(pl.srv.RepliesTo(id)) }

// Total returns how many replies the stand-in holds in all.
func (pl *platform) Total() int { return len(pl.srv.Replies()) }

// Recent returns the latest n replies the stand-in received, newest first.
func (pl *platform) Recent(n int) []replytest.Received {
	all := pl.srv.Replies()
	out := slices.Clone(all[max(0, len(all)-n):])
	slices.Reverse(out)
	return out
}

// replies is what the pipeline needs to post replies: the approval queue,
// the poster, and how risky a reply is.
type replies struct {
	pacer  *respond.Pacer
	store  *boundedStore
	queue  *reply.Queue
	poster *reply.Poster
	risk   reply.Risk
	// stop ends the posts in progress when the app stops (an approval's
	// request may outlive the app by a moment).
	stop       context.Context
	cancelStop context.CancelFunc
}

func newReplies(plat *platform, ledger respond.Ledger, pacer *respond.Pacer, scorer *score.Scorer, log *slog.Logger) *replies {
	stop, cancel := context.WithCancel(context.Background())
	store := newBoundedStore(maxHeld)
	return &replies{
		pacer: pacer,
		store: store,
		queue: reply.NewQueue(reply.WithStore(store), reply.WithQueueLogger(log)),
		poster: reply.NewPoster(plat.srv.Replier(),
			reply.WithLedger(ledger), reply.WithPacer(pacer),
			reply.WithLanguageDetector(reply.DetectWith(scorer)),
			reply.WithLinkDomains(linkDomains...),
			// The stand-in is on loopback: a failure shows quickly.
			reply.WithRetry(respond.Retry{Attempts: 3, Base: 200 * time.Millisecond, Max: 2 * time.Second}),
			reply.WithAttemptTimeout(5*time.Second), reply.WithLogger(log)),
		stop: stop, cancelStop: cancel,
	}
}

// newPacer budgets the brand account's replies: two a second, in bursts of
// ten (wall time; a replay runs faster than real time, so this is looser
// than a person's pace but keeps a backlog from going out in one burst).
func newPacer() *respond.Pacer {
	return respond.NewPacer(respond.Pacing{Account: respond.Rate{Every: 500 * time.Millisecond, Burst: 10}})
}

// brandAccount is the account the drafts are posted as (and paced under).
func brandAccount(f sample.Facts) string {
	if len(f.Handles) > 0 {
		return strings.TrimPrefix(f.Handles[0], "@")
	}
	return platformAccount
}

// hold puts a draft the policy held in the approval queue, with the number
// of approvals its risk asks for.
func (p *pipeline) hold(ctx context.Context, dec respond.Decision) (reply.Item, bool) {
	d, ok := reply.DraftFor(dec, p.account)
	if !ok {
		return reply.Item{}, false
	}
	n, why := p.replies.risk.Approvals(dec.Case)
	it, err := p.replies.queue.Hold(ctx, d, n, why)
	return it, err == nil
}

// postAuto posts a reply the policy lets out without a person (a thank-you
// for praise). It reports what became of it; a reply the pacer defers is
// not tried again (the moment for a thank-you passes).
func (p *pipeline) postAuto(ctx context.Context, dec respond.Decision) (reply.Result, bool) {
	d, ok := reply.DraftFor(dec, p.account)
	if !ok {
		return reply.Result{}, false
	}
	res, _ := p.replies.poster.Post(ctx, d)
	return res, true
}

// approve records who's approval of the draft of queue item id and, once
// the draft has all the approvals it needs, posts it. Approving a reply that
// went out already changes nothing.
func (p *pipeline) approve(ctx context.Context, id, who string) (string, error) {
	state, err := p.act(ctx, id, func(ctx context.Context, key string) (reply.Item, error) {
		return p.replies.queue.Approve(ctx, key, who)
	})
	if errors.Is(err, errSent) {
		return stSent, nil // approving again is not an error, and sends nothing
	}
	return state, err
}

// edit replaces the draft of queue item id, recording who and when; the
// approvals given so far are dropped (they were for the old text).
func (p *pipeline) edit(ctx context.Context, id, who, text string) (string, error) {
	return p.act(ctx, id, func(ctx context.Context, key string) (reply.Item, error) {
		return p.replies.queue.Edit(ctx, key, who, text)
	})
}

// reject records who's rejection of the draft of queue item id: it is never
// posted.
func (p *pipeline) reject(ctx context.Context, id, who string) (string, error) {
	return p.act(ctx, id, func(ctx context.Context, key string) (reply.Item, error) {
		return p.replies.queue.Reject(ctx, key, who, "rejected in the command center")
	})
}

// act applies a queue action to the draft of item id, holds the draft
// anew if the queue no longer has it (it lapsed, or was dropped to bound
// the queue), shows the outcome on the board, and posts what is approved.
func (p *pipeline) act(ctx context.Context, id string, do func(context.Context, string) (reply.Item, error)) (string, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(p.replies.stop, cancel)()
	dec, text, err := p.board.draftFor(id)
	switch {
	case errors.Is(err, errSent):
		return stSent, err
	case err != nil:
		return "", err
	}
	d, ok := reply.DraftFor(dec, p.account)
	if !ok {
		return "", errNoDraft
	}
	it, err := do(ctx, d.Key)
	if errors.Is(err, reply.ErrNotFound) || errors.Is(err, reply.ErrNotPending) && it.State == reply.StateExpired {
		d.Text = text
		n, why := p.replies.risk.Approvals(dec.Case)
		if _, err = p.replies.queue.Hold(ctx, d, n, why); err == nil {
			it, err = do(ctx, d.Key)
		}
	}
	switch {
	case errors.Is(err, reply.ErrNotPending) && it.State == reply.StatePosted:
		p.board.queued(id, it)
		return stSent, errSent
	case errors.Is(err, reply.ErrNotPending) && it.State == reply.StateRejected:
		p.board.queued(id, it)
		return stRejected, errRejected
	case errors.Is(err, reply.ErrEmpty):
		return "", errTooLong
	case err != nil:
		return "", err
	}
	state := p.board.queued(id, it)
	if it.State != reply.StateApproved {
		return state, nil
	}
	return p.postApproved(ctx, id)
}

// postApproved posts the approved drafts, shows what became of them on the
// board and returns the state of item id ("" for none). Concurrent calls
// post each draft once: the ledger lets one poster have a key at a time.
func (p *pipeline) postApproved(ctx context.Context, id string) (string, error) {
	results, _ := p.replies.queue.PostApproved(ctx, p.replies.poster)
	var state string
	var mine error
	for _, res := range results {
		it, err := p.replies.queue.Get(ctx, res.Key)
		if err != nil {
			continue
		}
		st := p.board.posting(it, res)
		if it.Draft.Post.ID == id {
			state = st
			switch res.Outcome {
			case reply.OutRejected:
				mine = fmt.Errorf("%w: %w", errRefused, res.Err)
			case respond.OutFailed, respond.OutDeadLettered:
				mine = res.Err
			}
		}
	}
	if state == "" && id != "" {
		state = p.board.stateOf(id)
	}
	return state, mine
}

// sendLoop tries the approved drafts that did not go out again (deferred by
// the pacer, or failed) and expires lapsed ones, until ctx is done; then it
// stops the stand-in.
func (p *pipeline) sendLoop(ctx context.Context) {
	defer p.platform.Close()
	defer p.replies.cancelStop()
	t := time.NewTicker(postEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		_, _ = p.replies.queue.Expire(ctx) // in memory: it cannot fail
		_, _ = p.postApproved(ctx, "")
	}
}

var (
	errRejected = errors.New("the draft was rejected")
	errRefused  = errors.New("the platform rules refused the reply; edit it")
	errApproved = errors.New("the reply is approved and going out")
)

// operator names the person behind a session: the command center has no
// login, so each browser session is one approver, named by a digest of its
// ID (never the ID itself, which is a secret).
func (a *app) operator(r *http.Request) string {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return ""
	}
	return a.operatorOf(c.Value)
}

func (a *app) operatorOf(sid string) string {
	m := hmac.New(sha256.New, a.key)
	m.Write([]byte("operator\x00" + sid))
	return "operator-" + hex.EncodeToString(m.Sum(nil)[:3])
}

// serveReplies serves the stand-in platform's log of the replies it
// received, newest first, as JSON (its text escaped as JSON is, "<" too).
func (a *app) serveReplies(w http.ResponseWriter, _ *http.Request) {
	all := a.plat.srv.Replies()
	slices.Reverse(all)
	if all == nil {
		all = []replytest.Received{}
	}
	writeJSON(w, http.StatusOK, struct {
		Platform string               `json:"platform"`
		Account  string               `json:"account"`
		Total    int                  `json:"total"`
		Replies  []replytest.Received `json:"replies"`
	}{"stand-in (Mastodon API on loopback)", platformAccount, len(all), all})
}

// boundedStore is a reply.Store in memory that keeps at most max drafts: past
// it, the drafts held longest ago are dropped, those settled (posted,
// rejected, expired) first. A dropped draft still on the board is held
// again when a person acts on it.
type boundedStore struct {
	max int
	mu  sync.Mutex
	m   map[string]reply.Item
}

func newBoundedStore(max int) *boundedStore {
	return &boundedStore{max: max, m: map[string]reply.Item{}}
}

// Get implements reply.Store.
func (s *boundedStore) Get(_ context.Context, id string) (reply.Item, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	it, ok := s.m[id]
	return cloneItem(it), ok, nil
}

// Put implements reply.Store: compare-and-set on the item's version.
func (s *boundedStore) Put(_ context.Context, it reply.Item) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.m[it.ID]
	if ok && old.Version != it.Version-1 || !ok && it.Version != 1 {
		return reply.ErrConflict
	}
	if !ok && len(s.m) >= s.max {
		s.evict()
	}
	s.m[it.ID] = cloneItem(it)
	return nil
}

// List implements reply.Store.
func (s *boundedStore) List(_ context.Context, st reply.State) ([]reply.Item, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []reply.Item
	for _, it := range s.m {
		if st == "" || it.State == st {
			out = append(out, cloneItem(it))
		}
	}
	return out, nil
}

// evict drops a tenth of the drafts: settled ones held longest ago first.
func (s *boundedStore) evict() {
	settled := func(it reply.Item) int {
		if it.State == reply.StatePending || it.State == reply.StateApproved {
			return 1
		}
		return 0
	}
	all := make([]reply.Item, 0, len(s.m))
	for _, it := range s.m {
		all = append(all, it)
	}
	slices.SortFunc(all, func(x, y reply.Item) int {
		return cmp.Or(cmp.Compare(settled(x), settled(y)), x.Held.Compare(y.Held), cmp.Compare(x.ID, y.ID))
	})
	for _, it := range all[:max(1, len(all)/10)] {
		delete(s.m, it.ID)
	}
}

func cloneItem(it reply.Item) reply.Item {
	it.Approvals = slices.Clone(it.Approvals)
	it.Audit = slices.Clone(it.Audit)
	return it
}
