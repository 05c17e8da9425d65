package transport

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/respond"
)

// A Handler decides about one post and carries the decision out. It returns
// nil once the post is done with: the transport then acknowledges it, and
// will not deliver it again. Any other error makes the transport deliver
// the post again later (see [Retry] for how much later), unless it is
// marked [Permanent], in which case the post goes to the dead letter.
//
// A post may be delivered more than once (a worker crashed before its
// acknowledgement, an acknowledgement was lost): a Handler must make its
// effects idempotent, as respond.Dispatcher does with its ledger.
type Handler func(ctx context.Context, p hark.Post) error

// A Publisher puts posts on the transport for workers to handle. Publishing
// a post that was published before (same Source and ID, within the
// transport's duplicate window) must not deliver it twice.
type Publisher interface {
	// Publish publishes posts, and returns once the transport has stored
	// every one of them, or an error if it may not have stored some. Trying
	// again is safe.
	Publish(ctx context.Context, posts ...hark.Post) error
}

// A Consumer delivers posts to a handler, sharing the work with every other
// Consumer of the same group: each post goes to one of them at a time.
type Consumer interface {
	// Consume delivers posts to h until ctx ends, and returns ctx's error
	// then, or an error that stopped it for good.
	Consume(ctx context.Context, h Handler) error
}

// DecisionSink receives the decisions workers made, for whoever wants to
// follow them (a dashboard, an audit log, the ticket system).
type DecisionSink interface {
	// PublishDecision publishes d. Publishing the decision about one post
	// twice (after a redelivery) must not deliver it twice.
	PublishDecision(ctx context.Context, source string, d respond.Decision) error
}

// MessageID is the identity of a post on a transport, from which the
// transport drops duplicates: its source and ID.
func MessageID(p hark.Post) string { return p.Source + "/" + p.ID }

type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent marks err as permanent: the post will never be handled, so it
// is not delivered again but sent to the dead letter. Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err}
}

// IsPermanent reports whether err was marked with [Permanent].
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

// A RetryError asks for the post to be delivered again after a delay.
type RetryError struct {
	After time.Duration
	Err   error
}

func (e *RetryError) Error() string {
	return fmt.Sprintf("retry after %s: %v", e.After, e.Err)
}

func (e *RetryError) Unwrap() error { return e.Err }

// Retry asks for the post to be delivered again no sooner than after, for
// err (a pacing budget spent, a conversation held by another worker).
func Retry(after time.Duration, err error) error {
	if err == nil {
		err = errors.New("retry requested")
	}
	return &RetryError{After: after, Err: err}
}

// RetryAfter returns the delay err asks for with [Retry], and false if it
// asks for none.
func RetryAfter(err error) (time.Duration, bool) {
	var r *RetryError
	if errors.As(err, &r) {
		return r.After, true
	}
	return 0, false
}
