package respond

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// A Notifier carries one message somewhere: a chat channel, a webhook, a
// mailbox, a ticket queue, a reply to a post. Notify must be safe for
// concurrent use and must honour ctx. Its error says what a retry would do:
// a [*PermanentError] is not retried, a [*RateLimitError] is retried after
// RetryAfter, any other error is taken as transient and retried with
// backoff.
//
// A Notifier may be called more than once with the same [Message.Key] (a
// retry after a timeout, a restart after a crash before the send was
// recorded): it should pass the key on where the receiver can deduplicate on
// it, as [Webhook] does with the Idempotency-Key header and [Email] with the
// Message-ID.
type Notifier interface {
	Notify(ctx context.Context, m Message) error
}

// NotifierFunc adapts a function to a [Notifier].
type NotifierFunc func(ctx context.Context, m Message) error

// Notify returns f(ctx, m).
func (f NotifierFunc) Notify(ctx context.Context, m Message) error { return f(ctx, m) }

// A Message is what a notifier carries for one action of one decision. It
// holds what the post and the decision say, never a credential: a notifier
// keeps its URLs, tokens and secrets to itself.
type Message struct {
	// Key is the idempotency key of the (post, rule, action): the same on
	// every retry and on every worker. See [IdempotencyKey].
	Key string `json:"key"`
	// Kind is the action's kind.
	Kind     ActionKind `json:"kind"`
	PostID   string     `json:"post_id"`
	PostURL  string     `json:"post_url,omitempty"`
	Source   string     `json:"source,omitempty"`
	Author   string     `json:"author,omitempty"`
	Thread   string     `json:"thread,omitempty"`
	Rule     string     `json:"rule"`
	Priority Priority   `json:"priority,omitempty"`
	Team     string     `json:"team,omitempty"`
	Queue    string     `json:"queue,omitempty"`
	Channel  string     `json:"channel,omitempty"`
	Template string     `json:"template,omitempty"`
	Tag      string     `json:"tag,omitempty"`
	Reason   string     `json:"reason,omitempty"`
	// RespondBy is the decision's first-response deadline, if any.
	RespondBy time.Time `json:"respond_by,omitzero"`
	// Subject is a one-line summary.
	Subject string `json:"subject"`
	// Text is the body: for a reply, the drafted reply; otherwise a summary
	// of the post for a person to read.
	Text string `json:"text"`
}

// maxQuote bounds how much of a post's text a message quotes, in runes.
const maxQuote = 500

// MessageFor returns the message that carries action a of decision d, keyed
// by [IdempotencyKey]. It is what the [Dispatcher] passes its notifiers.
func MessageFor(d Decision, a Action) Message {
	p := d.Case.Post
	thread := p.ThreadID
	if thread == "" {
		thread = p.ID
	}
	if thread == "" {
		thread = d.PostID
	}
	m := Message{
		Key: IdempotencyKey(d.PostID, a), Kind: a.Kind, PostID: d.PostID,
		PostURL: p.URL, Source: p.Source, Author: p.Author.Handle, Thread: thread,
		Rule: a.Rule, Priority: d.Priority, Team: a.Team, Queue: a.Queue, Channel: a.Channel,
		Template: a.Template, Tag: a.Tag, Reason: a.Reason, RespondBy: d.RespondBy,
	}
	if m.Team == "" && a.Kind == ActRoute {
		m.Team, m.Queue = d.Team, d.Queue
	}
	if m.Author == "" {
		m.Author = p.Author.Name
	}
	var subj strings.Builder
	if d.Priority != "" {
		subj.WriteString("[" + string(d.Priority) + "] ")
	}
	subj.WriteString(string(a.Kind))
	if t := target(m); t != "" {
		subj.WriteString(" " + t)
	}
	subj.WriteString(": post " + d.PostID)
	if p.Source != "" {
		subj.WriteString(" on " + p.Source)
	}
	m.Subject = oneLine(subj.String())

	if a.Kind == ActReply {
		m.Text = d.Reply
		return m
	}
	var b strings.Builder
	b.WriteString(m.Subject)
	if m.Author != "" || p.Text != "" {
		b.WriteString("\n")
		if m.Author != "" {
			b.WriteString(m.Author + ": ")
		}
		b.WriteString(strconv.Quote(truncate(p.Text, maxQuote)))
	}
	if p.URL != "" {
		b.WriteString("\n" + p.URL)
	}
	if !d.RespondBy.IsZero() {
		b.WriteString("\nrespond by " + d.RespondBy.UTC().Format(time.RFC3339))
	}
	if a.Reason != "" {
		b.WriteString("\nreason: " + a.Reason)
	}
	if a.Kind == ActHold && d.Reply != "" {
		b.WriteString("\ndraft reply: " + d.Reply)
	}
	b.WriteString("\nrule: " + a.Rule)
	m.Text = b.String()
	return m
}

// target returns what a message's action is aimed at, by kind.
func target(m Message) string {
	switch m.Kind {
	case ActRoute, ActEscalate:
		switch {
		case m.Team != "" && m.Queue != "":
			return "to " + m.Team + "/" + m.Queue
		case m.Team != "":
			return "to " + m.Team
		}
	case ActAlert:
		return m.Channel
	case ActReply, ActHold:
		return m.Template
	case ActTag:
		return m.Tag
	}
	return ""
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i := 0
	for j := range s {
		if i == n {
			return s[:j] + "…"
		}
		i++
	}
	return s
}

// oneLine replaces line breaks and other control characters with spaces,
// so a header built from it cannot be split.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
}

// A PermanentError is a failure that a retry would repeat: a rejected
// payload, a revoked webhook, a bad address. The dispatcher dead-letters it
// at once.
type PermanentError struct {
	Err error
}

func (e *PermanentError) Error() string { return "permanent: " + e.Err.Error() }

// Unwrap returns the underlying error.
func (e *PermanentError) Unwrap() error { return e.Err }

// Permanent wraps err as a *PermanentError; it returns nil for nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &PermanentError{Err: err}
}

// IsPermanent reports whether err, or an error it wraps, is a
// *PermanentError.
func IsPermanent(err error) bool {
	var p *PermanentError
	return errors.As(err, &p)
}

// A RateLimitError says the receiver asked to wait RetryAfter before trying
// again (HTTP 429, or 503 with Retry-After). RetryAfter is zero when the
// receiver did not say how long.
type RateLimitError struct {
	RetryAfter time.Duration
	Err        error
}

func (e *RateLimitError) Error() string {
	return fmt.Sprintf("rate limited (retry after %v): %v", e.RetryAfter, e.Err)
}

// Unwrap returns the underlying error.
func (e *RateLimitError) Unwrap() error { return e.Err }

// A StatusError is an HTTP response a notifier did not accept.
type StatusError struct {
	Code int
	// Body is the start of the response body, for a person to read.
	Body string
}

func (e *StatusError) Error() string {
	if e.Body == "" {
		return fmt.Sprintf("HTTP %d", e.Code)
	}
	return fmt.Sprintf("HTTP %d: %s", e.Code, e.Body)
}

// checkResponse drains and closes resp's body and classifies the status:
// 2xx is nil; 429, and 503 with Retry-After, a *RateLimitError; 408, 425
// and 5xx transient; every other status permanent.
func checkResponse(resp *http.Response, now time.Time) error {
	defer resp.Body.Close()
	head, _ := io.ReadAll(io.LimitReader(resp.Body, 256))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	body := strings.TrimSpace(oneLine(string(head)))
	if !utf8.ValidString(body) {
		body = strings.ToValidUTF8(body, "?")
	}
	se := &StatusError{Code: resp.StatusCode, Body: body}
	ra, hasRA := retryAfter(resp.Header.Get("Retry-After"), now)
	switch {
	case resp.StatusCode == http.StatusTooManyRequests,
		resp.StatusCode == http.StatusServiceUnavailable && hasRA:
		return &RateLimitError{RetryAfter: ra, Err: se}
	case resp.StatusCode == http.StatusRequestTimeout, resp.StatusCode == http.StatusTooEarly,
		resp.StatusCode >= 500:
		return se
	default:
		return Permanent(se)
	}
}

// retryAfter parses a Retry-After value: delay-seconds or an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, true
		}
		if n > int64(24*time.Hour/time.Second) {
			n = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// RedactURL returns u with only its scheme and host, for logs: webhook URLs
// carry their token in the path or query.
func RedactURL(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.Host == "" {
		return "(redacted URL)"
	}
	s := p.Scheme + "://" + p.Host
	if p.Path != "" && p.Path != "/" || p.RawQuery != "" {
		s += "/…"
	}
	return s
}

// redactErr returns err with every *url.Error's URL redacted and any other
// occurrence of raw replaced, so an error that reaches a log or a dead
// letter never carries the secret URL.
func redactErr(err error, raw string) error {
	if err == nil || raw == "" {
		return err
	}
	if !strings.Contains(err.Error(), raw) {
		return err
	}
	var ue *url.Error
	if errors.As(err, &ue) && ue.URL == raw && !strings.Contains(ue.Err.Error(), raw) {
		red := &url.Error{Op: ue.Op, URL: RedactURL(raw), Err: ue.Err}
		if err == error(ue) {
			return red
		}
	}
	return &redactedError{msg: strings.ReplaceAll(err.Error(), raw, RedactURL(raw)), err: err}
}

// redactedError hides the message of err but keeps its kind for
// errors.Is/As on the sentinel errors that matter (timeouts, context).
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }

// Is reports whether the wrapped error is target, without exposing it to
// errors.As (which could reach the URL).
func (e *redactedError) Is(target error) bool { return errors.Is(e.err, target) }

// Timeout reports whether the wrapped error is a timeout.
func (e *redactedError) Timeout() bool {
	var t interface{ Timeout() bool }
	return errors.As(e.err, &t) && t.Timeout()
}
