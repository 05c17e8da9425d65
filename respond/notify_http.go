package respond

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// IdempotencyHeader is the HTTP header that carries a message's
// idempotency key.
const IdempotencyHeader = "Idempotency-Key"

// Slack posts messages to a Slack incoming webhook as {"text": ...}, with a
// section block in mrkdwn when Blocks is set. The URL is a secret: Slack
// never prints it; its String and its errors show only the host.
//
// Slack's incoming webhooks do not deduplicate: a send retried after a
// timeout whose first attempt did arrive shows twice in the channel. The
// Idempotency-Key header is sent all the same, for proxies that honour it.
type Slack struct {
	// URL is the webhook URL (https://hooks.slack.com/services/...).
	URL string
	// Client sends the requests; http.DefaultClient when nil. The
	// dispatcher bounds each attempt with a context deadline.
	Client *http.Client
	// Blocks adds a mrkdwn section block beside the text.
	Blocks bool
	// Clock reads the time for Retry-After dates; the system clock when nil.
	Clock Clock
}

// String names the notifier without its secret URL.
func (s *Slack) String() string { return "slack " + RedactURL(s.URL) }

type slackBlock struct {
	Type string     `json:"type"`
	Text *slackText `json:"text,omitempty"`
}

type slackText struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type slackPayload struct {
	Text   string       `json:"text"`
	Blocks []slackBlock `json:"blocks,omitempty"`
}

// slackEscape escapes the three characters Slack's mrkdwn treats as markup.
var slackEscape = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// Notify posts m. A 2xx answer is success; 429 is a *RateLimitError; 5xx
// is transient; other answers (Slack's 400 invalid_payload, 403, 404
// no_service, 410 channel_is_archived) are permanent.
func (s *Slack) Notify(ctx context.Context, m Message) error {
	text := slackEscape.Replace(m.Text)
	p := slackPayload{Text: text}
	if s.Blocks {
		p.Blocks = []slackBlock{
			{Type: "header", Text: &slackText{Type: "plain_text", Text: truncate(m.Subject, 150)}},
			{Type: "section", Text: &slackText{Type: "mrkdwn", Text: truncate(text, 3000)}},
		}
	}
	body, err := json.Marshal(p)
	if err != nil {
		return Permanent(err)
	}
	return postJSON(ctx, s.Client, s.URL, body, m.Key, nil, clockOr(s.Clock))
}

// Webhook posts each message as JSON (the [Message] fields) to URL, signed
// with HMAC-SHA256 so the receiver can tell it came from the holder of
// Secret and was not replayed: the SignatureHeader carries
// "t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">", checked by
// [VerifySignature]. The Idempotency-Key header carries [Message.Key]; a
// receiver that keeps the keys it has processed turns Hark's at-least-once
// delivery into exactly-once in effect.
type Webhook struct {
	// URL receives the POSTs; it may hold a token, and is never printed.
	URL string
	// Secret signs the requests; when empty no signature is sent.
	Secret []byte
	// Client sends the requests; http.DefaultClient when nil.
	Client *http.Client
	// Header adds fixed headers to every request (an API key, say); its
	// values are never printed.
	Header http.Header
	// Clock stamps signatures and reads Retry-After dates; the system clock
	// when nil.
	Clock Clock
}

// SignatureHeader is the header that carries a [Webhook]'s signature.
const SignatureHeader = "Hark-Signature"

// String names the notifier without its secret URL.
func (w *Webhook) String() string { return "webhook " + RedactURL(w.URL) }

// Notify posts m as JSON. Statuses are read as for [Slack.Notify].
func (w *Webhook) Notify(ctx context.Context, m Message) error {
	body, err := json.Marshal(m)
	if err != nil {
		return Permanent(err)
	}
	clock := clockOr(w.Clock)
	h := w.Header.Clone()
	if len(w.Secret) > 0 {
		if h == nil {
			h = make(http.Header)
		}
		h.Set(SignatureHeader, Sign(w.Secret, clock.Now(), body))
	}
	return postJSON(ctx, w.Client, w.URL, body, m.Key, h, clock)
}

func clockOr(c Clock) Clock {
	if c == nil {
		return systemClock{}
	}
	return c
}

func postJSON(ctx context.Context, client *http.Client, u string, body []byte, key string, h http.Header, clock Clock) error {
	if client == nil {
		client = http.DefaultClient
	}
	if client.CheckRedirect == nil {
		// A redirected POST becomes a GET without its body: a hook that
		// moved is a configuration error, not something to follow.
		c := *client
		c.CheckRedirect = noRedirect
		client = &c
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return Permanent(redactErr(err, u))
	}
	for k, vs := range h {
		req.Header[k] = vs
	}
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set(IdempotencyHeader, key)
	}
	resp, err := client.Do(req)
	if err != nil {
		return redactErr(err, u)
	}
	return checkResponse(resp, clock.Now())
}

func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// Sign returns the signature header value for body sent at t:
// "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>".
func Sign(secret []byte, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret []byte, ts string, body []byte) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(ts))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// Errors of [VerifySignature].
var (
	ErrSignatureMissing = errors.New("respond: signature missing or malformed")
	ErrSignatureExpired = errors.New("respond: signature timestamp outside tolerance")
	ErrSignatureInvalid = errors.New("respond: signature does not match")
)

// MaxWebhookBody bounds the body VerifyRequest reads.
const MaxWebhookBody = 1 << 20

// VerifyRequest reads r's body (at most MaxWebhookBody bytes) and checks
// its SignatureHeader with [VerifySignature]; it returns the body when the
// signature holds. A receiver calls it first in its handler, then
// deduplicates on r.Header.Get(IdempotencyHeader).
func VerifyRequest(secret []byte, r *http.Request, now time.Time, tolerance time.Duration) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxWebhookBody+1))
	if err != nil {
		return nil, err
	}
	if len(body) > MaxWebhookBody {
		return nil, fmt.Errorf("respond: webhook body over %d bytes", MaxWebhookBody)
	}
	if err := VerifySignature(secret, r.Header.Get(SignatureHeader), body, now, tolerance); err != nil {
		return nil, err
	}
	return body, nil
}

// DefaultTolerance is how far a signature's timestamp may be from the
// receiver's clock when no tolerance is given.
const DefaultTolerance = 5 * time.Minute

// VerifySignature checks a [Webhook] request on the receiving side: header
// is the SignatureHeader's value, body the raw request body, now the
// receiver's time. It fails if the timestamp is more than tolerance
// (DefaultTolerance when <= 0) from now, a guard against replays, or if no
// v1 signature matches; several v1 entries are accepted so a sender can
// sign with an old and a new secret while rotating. The comparison is in
// constant time.
func VerifySignature(secret []byte, header string, body []byte, now time.Time, tolerance time.Duration) error {
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	var ts string
	var sigs [][]byte
	for part := range strings.SplitSeq(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		switch k {
		case "t":
			ts = v
		case "v1":
			if b, err := hex.DecodeString(v); err == nil && len(b) == sha256.Size {
				sigs = append(sigs, b)
			}
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return ErrSignatureMissing
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("%w: %v", ErrSignatureExpired, d.Round(time.Second))
	}
	want := mac(secret, ts, body)
	ok := false
	for _, s := range sigs {
		// hmac.Equal is constant-time; check every entry so the time does
		// not tell which one matched.
		if hmac.Equal(want, s) {
			ok = true
		}
	}
	if !ok {
		return ErrSignatureInvalid
	}
	return nil
}
