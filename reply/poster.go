package reply

import (
	"cmp"
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/respond"
)

// Outcomes of [Poster.Post] beyond respond's (OutSent, OutDuplicate,
// OutInFlight, OutDeferred, OutHeld, OutDeadLettered, OutFailed).
const (
	// OutFound: an earlier attempt had posted the reply (its answer was
	// lost); it was found on the platform and recorded, not posted again.
	OutFound respond.Outcome = "found"
	// OutRejected: the platform rules refused the draft before anything
	// was sent; nothing was reserved. Fix the draft (a new text keeps its
	// key) and post again.
	OutRejected respond.Outcome = "rejected"
)

// A Result is what became of one draft.
type Result struct {
	Key     string
	Outcome respond.Outcome
	// Posted is the reply on the platform, for OutSent and OutFound (the
	// first part of a reply split into a thread).
	Posted Posted
	// Parts are the posts of a reply split into a thread (see
	// [Rules].Thread), in order; nil for a reply in one post.
	Parts []Posted
	// Text is the text that went out (after the platform rules).
	Text string
	// Attempts counts the calls to the Replier.
	Attempts int
	// NotBefore is, for OutDeferred, when to try again.
	NotBefore time.Time
	// Err is why the draft failed, was rejected or dead-lettered; for
	// OutSent and OutFound it is set when the send could not be recorded.
	Err error
}

// A Poster posts approved drafts exactly once in effect. For each draft it:
//
//  1. checks the draft against the platform's [Rules] (OutRejected);
//  2. reserves the draft's key in a [respond.Ledger] under a lease: a key
//     recorded as sent is never posted again (OutDuplicate), one another
//     poster holds is left alone (OutInFlight);
//  3. if the key was reserved before (a crash, a timeout, a released
//     failure: the platform may hold the reply already) and the Replier is
//     a [Finder], looks for the earlier reply and records it (OutFound);
//  4. asks the shared [respond.Pacer] for the account's budget and quiet
//     hours (OutDeferred, OutHeld);
//  5. calls the Replier, and before every retry renews the lease and asks
//     the Finder again; 429s wait their Retry-After (or defer, when long),
//     other transient failures a capped, jittered backoff;
//  6. records the send (OutSent), or dead-letters a draft that keeps
//     failing or is refused for good (OutDeadLettered), so that it is not
//     lost: its key is released when every attempt was refused before the
//     platform could take it (a 4xx, a 429), and otherwise left pending
//     until its lease lapses, so that posting it again, by anyone, asks
//     the Finder first.
//
// The guarantee: once the ledger records a key, no poster over that ledger
// posts it again; before a key is posted again after any doubt, the
// platform's own idempotency (Mastodon's Idempotency-Key, a Bluesky record
// key) or the Finder is asked. A crash between the platform's accept and
// the ledger's record leaves the key pending; when the lease lapses, the
// next poster finds the reply instead of posting it. What remains is the
// window of the platform's own consistency: a Finder that cannot yet see a
// reply the platform accepted a moment ago, or a request the platform is
// still working on after the client gave up on it (the wait between
// attempts gives it that time; keep the attempt timeout well above the
// platform's usual answer time).
//
// A Replier that is neither idempotent nor a Finder gets at-least-once
// delivery, as the [respond.Dispatcher] gives.
//
// With a [respond.Dispatcher] in the same program, leave reply actions
// unrouted there (they are skipped) and post the drafts ([DraftFor])
// through the Poster, sharing the dispatcher's Pacer; a draft's key is the
// dispatcher's key of the reply action, so over a shared ledger the two
// could never both post one reply anyway. A Poster is safe for
// concurrent use; posters in many processes cooperate over a shared ledger.
type Poster struct {
	r        Replier
	find     Finder
	rules    *Rules
	links    []string
	detect   func(string) string
	ledger   respond.Ledger
	dead     respond.DeadLetter
	pacer    *respond.Pacer
	clock    respond.Clock
	sleep    func(context.Context, time.Duration) error
	retry    respond.Retry
	worker   string
	seq      atomic.Uint64
	leaseTTL time.Duration
	attempt  time.Duration
	log      *slog.Logger

	rmu sync.Mutex
	rnd *rand.Rand

	// crash, in tests, abandons a post after the platform accepted it and
	// before the ledger records it, as a process that dies there would.
	crash func(key string) bool
}

// A PosterOption configures a [Poster].
type PosterOption func(*Poster)

// WithLedger sets the ledger of posted keys (a new [respond.MemLedger] by
// default). Share the dispatcher's, or an on-disk or NATS one, so that no
// two posters post one key.
func WithLedger(l respond.Ledger) PosterOption { return func(p *Poster) { p.ledger = l } }

// WithDeadLetter sets where drafts that could not be posted go (a new
// [respond.MemDeadLetter] by default).
func WithDeadLetter(dl respond.DeadLetter) PosterOption { return func(p *Poster) { p.dead = dl } }

// WithPacer sets the pacer; pass the dispatcher's, so that replies and
// other actions share one budget per brand account and one quiet hours.
// Without one nothing is paced.
func WithPacer(pc *respond.Pacer) PosterOption { return func(p *Poster) { p.pacer = pc } }

// WithClock sets the clock (the system clock by default).
func WithClock(c respond.Clock) PosterOption { return func(p *Poster) { p.clock = c } }

// WithSleep sets how the poster waits between attempts; it must return
// ctx's error if ctx ends first.
func WithSleep(f func(ctx context.Context, d time.Duration) error) PosterOption {
	return func(p *Poster) { p.sleep = f }
}

// WithRetry sets the retry policy (respond's defaults: 5 attempts, 500ms
// doubling to 30s, Retry-After over 2m deferred).
func WithRetry(r respond.Retry) PosterOption { return func(p *Poster) { p.retry = r } }

// WithWorker names the poster in leases (host, pid and a random suffix by
// default).
func WithWorker(id string) PosterOption { return func(p *Poster) { p.worker = id } }

// WithLeaseTTL sets how long a reservation lasts before another poster may
// take the key over (5m by default); it is renewed before each attempt.
func WithLeaseTTL(t time.Duration) PosterOption { return func(p *Poster) { p.leaseTTL = t } }

// WithAttemptTimeout bounds each call to the Replier and the Finder (30s
// by default).
func WithAttemptTimeout(t time.Duration) PosterOption { return func(p *Poster) { p.attempt = t } }

// WithRules sets the platform rules, replacing the Replier's own.
func WithRules(r Rules) PosterOption { return func(p *Poster) { p.rules = &r } }

// WithLanguageDetector sets how the language of a reply is told, so that
// a reply in another language than the post's is refused (see
// [Rules].Detect and [DetectWith]). None by default: the language is then
// not checked.
func WithLanguageDetector(f func(text string) string) PosterOption {
	return func(p *Poster) { p.detect = f }
}

// WithLinkDomains sets the domains replies may link to (none by default).
func WithLinkDomains(domains ...string) PosterOption {
	return func(p *Poster) { p.links = append([]string(nil), domains...) }
}

// WithLogger sets the logger (none by default). The poster logs keys, post
// IDs, outcomes and errors, never the reply's text.
func WithLogger(l *slog.Logger) PosterOption { return func(p *Poster) { p.log = l } }

// WithJitterSeed seeds the backoff jitter, for reproducible waits.
func WithJitterSeed(seed uint64) PosterOption {
	return func(p *Poster) { p.rnd = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) }
}

// NewPoster returns a poster that posts through r.
func NewPoster(r Replier, opts ...PosterOption) *Poster {
	p := &Poster{r: r, leaseTTL: 5 * time.Minute, attempt: 30 * time.Second}
	p.find, _ = r.(Finder)
	for _, o := range opts {
		o(p)
	}
	if p.rules == nil {
		if rr, ok := r.(Ruled); ok {
			rl := rr.Rules()
			p.rules = &rl
		} else {
			p.rules = &Rules{}
		}
	}
	if p.links != nil {
		p.rules.LinkDomains = p.links
	}
	if p.detect != nil {
		p.rules.Detect = p.detect
	}
	if p.ledger == nil {
		p.ledger = new(respond.MemLedger)
	}
	if p.dead == nil {
		p.dead = new(respond.MemDeadLetter)
	}
	if p.clock == nil {
		p.clock = respond.ClockFunc(time.Now)
	}
	if p.sleep == nil {
		p.sleep = sleepCtx
	}
	p.retry = withDefaults(p.retry)
	if p.worker == "" {
		host, _ := os.Hostname()
		var b [4]byte
		_, _ = crand.Read(b[:])
		p.worker = host + ":" + strconv.Itoa(os.Getpid()) + ":" + hex.EncodeToString(b[:])
	}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	if p.rnd == nil {
		var b [16]byte
		_, _ = crand.Read(b[:])
		p.rnd = rand.New(rand.NewPCG(be(b[:8]), be(b[8:])))
	}
	return p
}

func withDefaults(r respond.Retry) respond.Retry {
	if r.Attempts <= 0 {
		r.Attempts = 5
	}
	if r.Base <= 0 {
		r.Base = 500 * time.Millisecond
	}
	if r.Max < r.Base {
		r.Max = max(30*time.Second, r.Base)
	}
	if r.MaxRetryAfter <= 0 {
		r.MaxRetryAfter = 2 * time.Minute
	}
	return r
}

func be(b []byte) uint64 {
	var v uint64
	for _, c := range b {
		v = v<<8 | uint64(c)
	}
	return v
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

// Rules returns the rules the poster checks drafts against.
func (p *Poster) Rules() Rules { return *p.rules }

// DeadLetter returns where the poster puts drafts it gave up on.
func (p *Poster) DeadLetter() respond.DeadLetter { return p.dead }

var errCrashed = errors.New("reply: poster abandoned (test crash)")

// Post posts d once in effect and says what became of it. Its error is
// Result.Err for the outcomes that failed (OutFailed, OutDeadLettered,
// OutRejected) and for a send that could not be recorded; deferred, held,
// duplicate and in-flight drafts are no error. Posting a draft again is
// always safe.
func (p *Poster) Post(ctx context.Context, d Draft) (res Result, err error) {
	res = Result{Key: d.Key}
	defer func() {
		lvl := slog.LevelDebug
		switch res.Outcome {
		case OutFound, respond.OutSent:
			lvl = slog.LevelInfo
		case respond.OutFailed, respond.OutDeadLettered, OutRejected:
			lvl = slog.LevelWarn
		}
		if p.log.Enabled(ctx, lvl) {
			attrs := []slog.Attr{slog.String("key", d.Key), slog.String("post", d.Post.ID),
				slog.String("outcome", string(res.Outcome)), slog.Int("attempts", res.Attempts)}
			if res.Err != nil {
				attrs = append(attrs, slog.String("err", res.Err.Error()))
			}
			p.log.LogAttrs(ctx, lvl, "reply", attrs...)
		}
		err = res.Err
	}()
	if err := d.check(); err != nil {
		res.Outcome, res.Err = OutRejected, err
		return res, nil
	}
	parts, rerr := p.rules.Parts(d)
	if rerr != nil {
		res.Outcome, res.Err = OutRejected, rerr
		return res, nil
	}
	if len(parts) == 1 {
		d.Text, res.Text = parts[0], parts[0]
		p.postOne(ctx, d, &res)
		return res, nil
	}
	p.postThread(ctx, d, parts, &res)
	return res, nil
}

// postThread posts the parts of a reply too long for one post as a thread:
// the first part under the post, each next one under the one before,
// keyed Key, Key+"/2", Key+"/3"... Posting the draft again resumes where
// it stopped: a part recorded before is found again (its ID is needed for
// the next part's parent), not posted again.
func (p *Poster) postThread(ctx context.Context, d Draft, parts []string, res *Result) {
	parent := d.Post
	for i, text := range parts {
		di := d
		di.Text = text
		if i > 0 {
			di.Key = d.Key + "/" + strconv.Itoa(i+1)
			di.Post = hark.Post{ID: res.Parts[i-1].ID, Source: parent.Source, Lang: parent.Lang,
				Author: parent.Author, ThreadID: cmp.Or(parent.ThreadID, parent.ID), Created: parent.Created}
		}
		var r Result
		p.postOne(ctx, di, &r)
		res.Attempts += r.Attempts
		res.Text = strings.Join(parts[:i+1], "\n")
		if r.Outcome == respond.OutDuplicate {
			// Recorded before: its ID is needed for the next part.
			posted, found, err := p.findEarlier(ctx, di)
			switch {
			case err != nil:
				r.Outcome, r.Err = respond.OutFailed, err
			case !found && i < len(parts)-1:
				r.Outcome, r.Err = respond.OutFailed, fmt.Errorf("reply %s: part %d of %d was posted, but is not found to thread the next under it", d.Key, i+1, len(parts))
			default:
				r.Posted = posted
			}
		}
		switch r.Outcome {
		case respond.OutSent, OutFound, respond.OutDuplicate:
			res.Parts = append(res.Parts, r.Posted)
			// The thread's outcome: sent if a part was sent now, else found
			// if one was found, else a duplicate.
			switch {
			case i == 0, r.Outcome == respond.OutSent,
				r.Outcome == OutFound && res.Outcome == respond.OutDuplicate:
				res.Outcome = r.Outcome
			}
			if r.Err != nil {
				res.Err = r.Err
			}
			continue
		}
		// This part did not go out (yet): the draft's outcome is this
		// part's; posting the draft again resumes here.
		res.Outcome, res.Err, res.NotBefore = r.Outcome, r.Err, r.NotBefore
		break
	}
	if len(res.Parts) > 0 {
		res.Posted = res.Parts[0]
	}
}

// postOne posts one prepared draft.
func (p *Poster) postOne(ctx context.Context, d Draft, res *Result) {
	res.Key = d.Key
	owner := p.worker + "#" + strconv.FormatUint(p.seq.Add(1), 10)
	bg := context.WithoutCancel(ctx)
	now := p.clock.Now()
	e, ok, lerr := p.ledger.Reserve(ctx, d.Key, owner, now, p.leaseTTL)
	switch {
	case lerr != nil:
		res.Outcome, res.Err = respond.OutFailed, fmt.Errorf("ledger reserve: %w", lerr)
		return
	case !ok && e.State == respond.LedgerSent:
		res.Outcome = respond.OutDuplicate
		return
	case !ok:
		res.Outcome = respond.OutInFlight
		return
	}
	release := true
	defer func() {
		if release {
			if err := p.ledger.Release(bg, d.Key, owner); err != nil {
				p.log.LogAttrs(bg, slog.LevelWarn, "ledger release", slog.String("key", d.Key), slog.String("err", err.Error()))
			}
		}
	}()
	record := func(out respond.Outcome, posted Posted) {
		release = false
		res.Outcome, res.Posted = out, posted
		if err := p.ledger.MarkSent(bg, d.Key, owner, p.clock.Now()); err != nil {
			// The platform has it; the lease lapses, and the next poster
			// finds it (or the platform deduplicates) before posting.
			res.Err = fmt.Errorf("posted but not recorded: %w", err)
		}
	}

	// A key reserved before may be on the platform already.
	if e.Reservations > 1 {
		if posted, found, ferr := p.findEarlier(ctx, d); ferr != nil {
			// Still unknown: keep the key pending until the lease lapses.
			release = false
			res.Outcome, res.Err = respond.OutFailed, ferr
			return
		} else if found {
			record(OutFound, posted)
			return
		}
	}

	author := d.Post.Author.Key()
	if author != "" {
		author = d.Post.Source + ":" + author
	}
	adm := p.pacer.Admit(now, respond.ActReply, d.PacingAccount(), author)
	switch adm.Verdict {
	case respond.PaceDefer:
		res.Outcome, res.NotBefore = respond.OutDeferred, adm.NotBefore
		return
	case respond.PaceHold:
		res.Outcome = respond.OutHeld
		return
	}

	var last error
	ambiguous := false
	defer func() {
		if ambiguous && release {
			release = false
		}
	}()
	for k := range p.retry.Attempts {
		if k > 0 {
			if _, ok, rerr := p.ledger.Reserve(ctx, d.Key, owner, p.clock.Now(), p.leaseTTL); rerr != nil {
				adm.Cancel()
				res.Outcome, res.Err = respond.OutFailed, fmt.Errorf("ledger renew: %w (last error: %w)", rerr, last)
				return
			} else if !ok {
				// The lease lapsed and another poster took the key: it
				// will find or post the reply.
				adm.Cancel()
				release = false
				res.Outcome = respond.OutInFlight
				return
			}
			posted, found, ferr := p.findEarlier(ctx, d)
			if ferr == nil && found {
				record(OutFound, posted)
				return
			}
			if ferr != nil {
				// Without knowing, posting again could post twice: wait
				// and ask again on the next round.
				last = ferr
				if err := p.wait(ctx, k-1, ferr); err != nil {
					adm.Cancel()
					res.Outcome, res.Err = respond.OutFailed, err
					return
				}
				continue
			}
		}
		res.Attempts++
		actx, cancel := context.WithTimeout(ctx, p.attempt)
		posted, perr := p.r.Reply(actx, d)
		cancel()
		if perr == nil {
			if p.crash != nil && p.crash(d.Key) {
				release = false
				res.Outcome, res.Err = respond.OutFailed, errCrashed
				return
			}
			record(respond.OutSent, posted)
			return
		}
		last = perr
		if !Permanent(perr) {
			if _, limited := RetryAfter(perr); !limited {
				// A timeout or a 5xx may come after the platform took the
				// reply: from now on the key is not released but left to
				// lapse, so that whoever posts it next, even after the
				// ledger forgot released keys, asks the Finder first.
				ambiguous = true
			}
		}
		if ctx.Err() != nil {
			adm.Cancel()
			res.Outcome, res.Err = respond.OutFailed, ctx.Err()
			return
		}
		if Permanent(perr) || k == p.retry.Attempts-1 {
			break
		}
		if ra, limited := RetryAfter(perr); limited && ra > p.retry.MaxRetryAfter {
			adm.Cancel()
			res.Outcome, res.NotBefore = respond.OutDeferred, p.clock.Now().Add(ra)
			return
		}
		if err := p.wait(ctx, k, perr); err != nil {
			adm.Cancel()
			res.Outcome, res.Err = respond.OutFailed, err
			return
		}
	}
	adm.Cancel()
	dl := respond.DeadLetterEntry{Message: message(d), Notifier: fmt.Sprintf("%T", p.r), Err: last.Error(),
		Attempts: res.Attempts, Permanent: Permanent(last), At: p.clock.Now()}
	if derr := p.dead.Put(bg, dl); derr != nil {
		res.Outcome, res.Err = respond.OutFailed, fmt.Errorf("%w; dead letter: %w", last, derr)
		return
	}
	res.Outcome, res.Err = respond.OutDeadLettered, last
	return
}

// findEarlier asks the Finder, if any, for an earlier reply of d.
func (p *Poster) findEarlier(ctx context.Context, d Draft) (Posted, bool, error) {
	if p.find == nil {
		return Posted{}, false, nil
	}
	fctx, cancel := context.WithTimeout(ctx, p.attempt)
	defer cancel()
	posted, found, err := p.find.FindReply(fctx, d)
	if err != nil {
		return Posted{}, false, fmt.Errorf("find earlier reply: %w", err)
	}
	return posted, found, nil
}

// wait sleeps after the k-th failed attempt: the Retry-After of a rate
// limit, else a capped exponential backoff with jitter.
func (p *Poster) wait(ctx context.Context, k int, err error) error {
	if ra, limited := RetryAfter(err); limited && ra > 0 {
		return p.sleep(ctx, ra)
	}
	c := p.retry.Max
	if k < 62 {
		if b := p.retry.Base << k; b > 0 && b < c {
			c = b
		}
	}
	half := c / 2
	if c-half > 0 {
		p.rmu.Lock()
		c = half + time.Duration(p.rnd.Int64N(int64(c-half)))
		p.rmu.Unlock()
	}
	return p.sleep(ctx, c)
}

// message is the dead letter's form of a draft.
func message(d Draft) respond.Message {
	thread := d.Post.ThreadID
	if thread == "" {
		thread = d.Post.ID
	}
	author := d.Post.Author.Handle
	if author == "" {
		author = d.Post.Author.Name
	}
	return respond.Message{Key: d.Key, Kind: respond.ActReply, PostID: d.Post.ID, PostURL: d.Post.URL,
		Source: d.Post.Source, Author: author, Thread: thread, Rule: "reply",
		Subject: "reply: post " + d.Post.ID + " on " + d.Post.Source, Text: d.Text}
}
