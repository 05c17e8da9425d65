package reply

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/listen"
	"github.com/harkhq/hark/respond"
	"github.com/harkhq/hark/score"
)

// A Draft is one reply ready to go out: what to say, to which post, as
// which brand account, under which idempotency key.
type Draft struct {
	// Key is the idempotency key of the reply, the same on every retry, on
	// every worker and after every restart ([respond.IdempotencyKey] of the
	// reply action, see [DraftFor]). Required.
	Key string `json:"key"`
	// Post is the post replied to, as a listen adapter heard it. Its ID
	// (required), ThreadID, ParentID, Author and Lang are what a Replier
	// reads.
	Post hark.Post `json:"post"`
	// Text is the reply. Required.
	Text string `json:"text"`
	// Lang is the language the reply must be in: the post's, as Hark
	// judged it (BCP 47); "" means the post's declared Lang.
	Lang string `json:"lang,omitempty"`
	// Account names the brand account that posts the reply; it keys the
	// pacing budget ("" means the post's Source, as the dispatcher does).
	Account string `json:"account,omitempty"`
}

// PacingAccount returns the account the reply is budgeted under: Account,
// or the post's Source when Account is empty (the [respond.Dispatcher]'s
// default, so both share one budget per platform).
func (d Draft) PacingAccount() string {
	if d.Account != "" {
		return d.Account
	}
	return d.Post.Source
}

// Posted is a reply the platform holds.
type Posted struct {
	// ID is the platform's ID of the reply (a status ID, an at:// URI, a
	// fullname, a comment ID, "topic/number" on a forum).
	ID string `json:"id"`
	// URL is where a person can read it, if the platform says.
	URL string `json:"url,omitempty"`
}

// A Replier posts a reply on the platform where a post was heard. Reply
// must be safe for concurrent use and honour ctx. It makes one attempt:
// retrying is the [Poster]'s job, which knows whether a retry is safe.
//
// Its error says what a retry would do, in listen's classes:
// errors.Is(err, listen.ErrPermanent) for a refusal a retry would repeat
// (too long, forbidden, the post is gone), a *listen.RateLimitError with
// RetryAfter for a quota, anything else transient. A transient error does
// not mean the platform did not post: a timeout or a 5xx may come after
// the platform accepted the reply.
//
// A Replier should pass Draft.Key on where the platform deduplicates
// (Mastodon's Idempotency-Key, a Bluesky record key derived from it).
type Replier interface {
	Reply(ctx context.Context, d Draft) (Posted, error)
}

// A Finder looks for a reply of ours to d.Post that an earlier attempt may
// have posted: it lists the replies (children) of the post and matches our
// account and the draft's key, marker or exact text. The [Poster] asks it
// before every retry, so a reply accepted by the platform whose answer was
// lost (a timeout, a crash before the send was recorded) is not posted
// twice. It reports false when there is none.
type Finder interface {
	FindReply(ctx context.Context, d Draft) (Posted, bool, error)
}

// A Ruled replier declares its platform's [Rules]; the [Poster] checks
// every draft against them before it reserves the key.
type Ruled interface {
	Rules() Rules
}

// ReplierFunc adapts a function to a [Replier].
type ReplierFunc func(ctx context.Context, d Draft) (Posted, error)

// Reply returns f(ctx, d).
func (f ReplierFunc) Reply(ctx context.Context, d Draft) (Posted, error) { return f(ctx, d) }

// Errors of drafts the rules refuse. Each is permanent
// (errors.Is(err, listen.ErrPermanent)) and wrapped in a *RuleError.
var (
	ErrTooLong      = errors.New("reply too long for the platform")
	ErrEmpty        = errors.New("reply is empty")
	ErrLink         = errors.New("reply carries a link the policy does not allow")
	ErrLanguage     = errors.New("reply is not in the language of the post")
	ErrNotReplyable = errors.New("post cannot be replied to on this platform")
)

// A RuleError says which rule refused a draft.
type RuleError struct {
	Key string // the draft's key
	Err error  // one of the Err* values of this package
	// Detail says what was found: the length, the link, the languages.
	Detail string
}

func (e *RuleError) Error() string {
	msg := "reply " + e.Key + ": " + e.Err.Error()
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg
}

// Unwrap returns the rule's error and listen.ErrPermanent.
func (e *RuleError) Unwrap() []error { return []error{e.Err, listen.ErrPermanent} }

// ErrMissing reports a draft without a key, a post ID or text.
var ErrMissing = errors.New("reply: draft lacks a key, a post ID or text")

// Permanent reports whether err is a refusal a retry would repeat, in
// listen's classes or respond's (a *respond.PermanentError). Rate limits
// are never permanent.
func Permanent(err error) bool {
	if err == nil || errors.Is(err, listen.ErrRateLimited) {
		return false
	}
	var rl *respond.RateLimitError
	if errors.As(err, &rl) {
		return false
	}
	return listen.IsPermanent(err) || respond.IsPermanent(err)
}

// RetryAfter returns how long err asks to wait before another attempt:
// the RetryAfter of a *listen.RateLimitError or *respond.RateLimitError in
// its chain, and whether err is a rate limit at all.
func RetryAfter(err error) (time.Duration, bool) {
	var rl *listen.RateLimitError
	if errors.As(err, &rl) {
		return rl.RetryAfter, true
	}
	var rr *respond.RateLimitError
	if errors.As(err, &rr) {
		return rr.RetryAfter, true
	}
	return 0, false
}

// DraftFor returns the draft of the reply of decision dec, posted as
// account: keyed by [respond.IdempotencyKey] of the decision's first reply
// action (the key the [respond.Dispatcher] would use), in the language the
// scorer found for the post (else the post's declared one). It reports
// false when dec has no reply.
func DraftFor(dec respond.Decision, account string) (Draft, bool) {
	if dec.Reply == "" {
		return Draft{}, false
	}
	for _, a := range dec.Actions {
		if a.Kind != respond.ActReply {
			continue
		}
		lang := dec.Case.Scores.Language
		if lang == "" || lang == "und" || lang == "unknown" {
			lang = dec.Case.Post.Lang
		}
		post := dec.Case.Post
		if post.ID == "" {
			post.ID = dec.PostID
		}
		return Draft{Key: respond.IdempotencyKey(dec.PostID, a), Post: post, Text: dec.Reply,
			Lang: lang, Account: account}, true
	}
	return Draft{}, false
}

func (d Draft) check() error {
	if d.Key == "" || d.Post.ID == "" || d.Text == "" {
		return fmt.Errorf("%w (key %q, post %q)", ErrMissing, d.Key, d.Post.ID)
	}
	return nil
}

// SameText reports whether theirs, a reply's text as the platform serves
// it (with HTML already turned into text), is the text we sent: equal once
// spacing is collapsed, invisible characters dropped and mentions left
// out (platforms render "@bob@example.social" as "@bob", and prepend or
// drop the author's handle), and links taken as equal (X rewrites them). Finders use it to match an earlier reply by
// its exact text.
func SameText(ours, theirs string) bool {
	return normText(ours) == normText(theirs)
}

func normText(s string) string {
	var b strings.Builder
	for w := range strings.FieldsSeq(s) {
		w = stripInvisible(w)
		if w == "" || isMention(w) || isRedditUser(w) {
			continue
		}
		if strings.Contains(w, "://") {
			w = "[link]" // platforms shorten or rewrite links (t.co)
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(w)
	}
	return b.String()
}

// Held reports whether the policy holds dec's reply for people to approve
// (a hold action fired): such a draft goes to a [Queue], not straight to a
// [Poster].
func Held(dec respond.Decision) bool {
	for _, a := range dec.Actions {
		if a.Kind == respond.ActHold {
			return true
		}
	}
	return false
}

// DetectWith returns a language detector for [Rules].Detect backed by the
// scorer: the language it finds in a text, "und" when it is unsure.
func DetectWith(s *score.Scorer) func(text string) string {
	return func(text string) string { return s.Score(hark.Post{ID: "reply", Text: text}).Language }
}
