package listen

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	neturl "net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Defaults of a [Client] whose fields are zero.
const (
	DefaultMaxAttempts  = 5
	DefaultTimeout      = 30 * time.Second
	DefaultMaxBody      = 8 << 20
	DefaultMaxRetryWait = 5 * time.Minute
)

// A Client is the HTTP client every adapter uses. It waits for its [Quota],
// applies a timeout to each attempt, caps the body it reads, and retries
// transient failures (network errors, 5xx, 408, 425, truncated or malformed
// JSON, oversized bodies) and rate limits (429, or 403 with no quota left)
// with capped exponential backoff and jitter, honouring Retry-After in both
// its forms (seconds and HTTP date) and the X-RateLimit-Reset dialects
// (seconds to wait, Unix seconds, Unix milliseconds, RFC 3339).
//
// A response that says the quota is spent (a *-Remaining header of 0 with a
// reset time) pauses the Quota until the reset, so the next request waits
// instead of being refused.
//
// The zero Client is usable; set fields before first use and do not change
// them afterwards. A Client is safe for concurrent use.
type Client struct {
	// HTTP sends requests; nil means http.DefaultClient.
	HTTP *http.Client
	// Quota is the upstream's budget, shared by every Client on the same
	// credential; nil means unlimited.
	Quota *Quota
	// Header is added to every request (authorization, API version).
	Header http.Header
	// UserAgent, if set, is sent as User-Agent. Several platforms (Reddit
	// first) refuse generic agents.
	UserAgent string
	// Backoff spaces retries; its zero value is 500ms doubling to 1 min.
	Backoff Backoff
	// MaxAttempts bounds attempts per call, first included. Default 5.
	MaxAttempts int
	// Timeout bounds each attempt, body read included. Default 30s.
	Timeout time.Duration
	// MaxBody is the largest body read, in bytes. Default 8 MiB.
	MaxBody int64
	// MaxRetryWait is the longest rate-limit wait the Client sits out
	// itself; a longer one is returned as a *RateLimitError for the caller
	// (Stream) to wait out. Default 5 min.
	MaxRetryWait time.Duration
	// Logger receives a debug record per retry; nil means none.
	Logger *slog.Logger
	// OnWait, if set, is called before each wait the Client sits out (a
	// rate limit's Retry-After or reset, a paused Quota, the Quota's token
	// bucket, a backoff between retries), from the calling goroutine; it
	// must not block long.
	OnWait func(ctx context.Context, w Wait)
	// Now and Sleep are the clock, for tests; nil means the real one.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
	// Rand draws the jitter; nil means the global source.
	Rand *rand.Rand

	randMu sync.Mutex
}

// A Response is a fully read HTTP answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
	// Attempts is how many requests the call made, first included.
	Attempts int
}

// Get sends a GET to url with the extra header h (may be nil).
func (c *Client) Get(ctx context.Context, url string, h http.Header) (*Response, error) {
	return c.Do(ctx, http.MethodGet, url, h, nil)
}

// GetJSON sends a GET and decodes a 2xx body into v. A body that does not
// decode is retried like a transient failure and finally reported as
// [ErrMalformed]. A 304 Not Modified is returned as is, v untouched.
func (c *Client) GetJSON(ctx context.Context, url string, h http.Header, v any) (*Response, error) {
	return c.do(ctx, http.MethodGet, url, h, nil, func(body []byte) error {
		if err := json.Unmarshal(body, v); err != nil {
			return Malformed(err)
		}
		return nil
	})
}

// GetDecode sends a GET and passes a 2xx body (not a 304) to decode. A
// decode error is retried like a transient failure and finally reported
// as [ErrMalformed]; decode may be called once per attempt.
func (c *Client) GetDecode(ctx context.Context, url string, h http.Header, decode func(body []byte) error) (*Response, error) {
	return c.do(ctx, http.MethodGet, url, h, nil, func(body []byte) error {
		if err := decode(body); err != nil {
			return Malformed(err)
		}
		return nil
	})
}

// Do sends one request with body (may be nil), retrying as the Client
// says, and returns the answer once its status is 2xx or 3xx. A failing
// status is returned as a *[StatusError] or *[RateLimitError].
func (c *Client) Do(ctx context.Context, method, url string, h http.Header, body []byte) (*Response, error) {
	return c.do(ctx, method, url, h, body, nil)
}

func (c *Client) do(ctx context.Context, method, url string, h http.Header, body []byte, decode func([]byte) error) (*Response, error) {
	attempts := c.MaxAttempts
	if attempts <= 0 {
		attempts = DefaultMaxAttempts
	}
	var lastErr error
	for attempt := 0; attempt < attempts; attempt++ {
		var note func(WaitReason, time.Duration)
		if c.OnWait != nil {
			note = func(r WaitReason, d time.Duration) {
				c.OnWait(ctx, Wait{Reason: r, Duration: d, Host: hostOf(url), Attempt: attempt})
			}
		}
		if err := c.Quota.wait(ctx, c.now, c.sleep, note); err != nil {
			return nil, err
		}
		resp, err := c.once(ctx, method, url, h, body)
		if err == nil && decode != nil && resp.Status != http.StatusNotModified {
			err = decode(resp.Body)
		}
		if err == nil {
			resp.Attempts = attempt + 1
			return resp, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		lastErr = err
		if IsPermanent(err) || attempt == attempts-1 {
			break
		}
		wait := c.Backoff.Delay(attempt, c.rand())
		if ra := RetryAfterOf(err); ra > 0 {
			maxWait := c.MaxRetryWait
			if maxWait <= 0 {
				maxWait = DefaultMaxRetryWait
			}
			if ra > maxWait {
				break
			}
			wait = ra
		}
		if c.Logger != nil {
			c.Logger.LogAttrs(ctx, slog.LevelDebug, "listen: retry", slog.String("url", redactQuery(url)),
				slog.Int("attempt", attempt+1), slog.Duration("wait", wait), slog.String("err", err.Error()))
		}
		limited := errors.Is(err, ErrRateLimited)
		if limited && RetryAfterOf(err) > 0 && c.Quota != nil {
			continue // the Quota was paused for the wait: its wait sits it out (and reports it)
		}
		if c.OnWait != nil {
			reason := WaitRetry
			if limited {
				reason = WaitRateLimit
			}
			c.OnWait(ctx, Wait{Reason: reason, Duration: wait, Host: hostOf(url), Attempt: attempt + 1, Status: StatusOf(err)})
		}
		if err := c.sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
	return nil, lastErr
}

func (c *Client) once(ctx context.Context, method, url string, h http.Header, body []byte) (*Response, error) {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	shown := redactQuery(url) // what errors may say of the URL: no credentials
	req, err := http.NewRequestWithContext(actx, method, url, rd)
	if err != nil {
		return nil, Permanent(redactURLError(err, shown))
	}
	for k, vs := range c.Header {
		req.Header[k] = append([]string(nil), vs...)
	}
	for k, vs := range h {
		req.Header[k] = append([]string(nil), vs...)
	}
	if c.UserAgent != "" {
		req.Header.Set("User-Agent", c.UserAgent)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	res, err := hc.Do(req)
	if err != nil {
		return nil, Transient(redactURLError(err, shown))
	}
	defer res.Body.Close()
	max := c.MaxBody
	if max <= 0 {
		max = DefaultMaxBody
	}
	data, err := io.ReadAll(io.LimitReader(res.Body, max+1))
	if err != nil {
		return nil, Transient(fmt.Errorf("%s %s: read body: %w", method, shown, err))
	}
	if int64(len(data)) > max {
		return nil, Transient(fmt.Errorf("%s %s: %w (over %d bytes)", method, shown, ErrBodyTooLarge, max))
	}
	now := c.now()
	remaining, hasRemaining := RateLimitRemaining(res.Header)
	reset, hasReset := RateLimitReset(res.Header, now)
	if hasRemaining && remaining < 1 && hasReset && c.Quota != nil {
		c.Quota.PauseUntil(reset)
	}
	resp := &Response{Status: res.StatusCode, Header: res.Header, Body: data}
	if res.StatusCode < 400 {
		return resp, nil
	}
	se := &StatusError{Method: method, URL: shown, Status: res.StatusCode, Body: snippet(data)}
	limited := res.StatusCode == http.StatusTooManyRequests ||
		(res.StatusCode == http.StatusForbidden && hasRemaining && remaining < 1)
	if !limited {
		if se.transient() {
			if d, ok := RetryAfter(res.Header.Get("Retry-After"), now); ok {
				se.RetryAfter = d
			}
		}
		return nil, se
	}
	var wait time.Duration
	if d, ok := RetryAfter(res.Header.Get("Retry-After"), now); ok {
		wait = d
	} else if hasReset {
		wait = max0(reset.Sub(now))
	}
	if wait > 0 && c.Quota != nil {
		c.Quota.PauseUntil(now.Add(wait))
	}
	return nil, &RateLimitError{RetryAfter: wait, Status: res.StatusCode, Err: se}
}

func max0(d time.Duration) time.Duration { return max(d, 0) }

// A WaitReason says why a [Client] or a [Stream] waits.
type WaitReason string

// The reasons of a [Wait].
const (
	// WaitRateLimit is a wait an upstream asked for when it refused a
	// request for quota reasons (a 429, or a 403 with no quota left).
	WaitRateLimit WaitReason = "rate_limit"
	// WaitPaused is a wait for a [Quota] paused by a rate-limit answer (to
	// this Client or another on the same Quota) or a spent-quota header.
	WaitPaused WaitReason = "paused"
	// WaitBudget is a wait for the token bucket of a [Quota]; its
	// duration is an estimate made before the wait.
	WaitBudget WaitReason = "budget"
	// WaitRetry is a backoff after a transient failure.
	WaitRetry WaitReason = "retry"
)

// A Wait is one wait of a [Client] (see Client.OnWait) or of a [Stream]
// after a failed fetch (see [WithOnWait]). It holds no URL path, query or
// header, which may carry credentials.
type Wait struct {
	Reason   WaitReason
	Duration time.Duration
	// Source is the stream's source name; empty for a Client's waits.
	Source string
	// Host is the upstream's host (and port), empty for a Stream's waits.
	Host string
	// Attempt is the number of the failed attempt (1 for the first) the
	// wait follows, or, for a Quota's waits, of the attempts already made;
	// for a Stream, the failures in a row.
	Attempt int
	// Status is the HTTP status of the failure, 0 if none or unknown.
	Status int
}

// hostOf returns the host[:port] of a URL, "" if it has none.
// redactQuery returns rawURL with the values of the query parameters that
// carry credentials (YouTube's key, OAuth access tokens) replaced, for
// errors and logs: an error is logged and shown on health pages.
func redactQuery(rawURL string) string {
	i := strings.IndexByte(rawURL, '?')
	if i < 0 {
		return rawURL
	}
	q, err := neturl.ParseQuery(rawURL[i+1:])
	if err != nil {
		return rawURL[:i] + "?REDACTED"
	}
	changed := false
	for k := range q {
		switch strings.ToLower(k) {
		case "key", "api_key", "apikey", "access_token", "token", "client_secret", "password", "sig", "signature":
			q[k] = []string{"REDACTED"}
			changed = true
		}
	}
	if !changed {
		return rawURL
	}
	return rawURL[:i+1] + q.Encode()
}

// redactURLError returns err with the URL of a *url.Error in it replaced
// by shown.
func redactURLError(err error, shown string) error {
	if ue := (*neturl.Error)(nil); errors.As(err, &ue) {
		return &neturl.Error{Op: ue.Op, URL: shown, Err: ue.Err}
	}
	return err
}

func hostOf(rawURL string) string {
	u, err := neturl.Parse(rawURL)
	if err != nil {
		return ""
	}
	return u.Host
}

func snippet(b []byte) string {
	const n = 1024
	if len(b) > n {
		b = b[:n]
	}
	return strings.ToValidUTF8(strings.TrimSpace(string(b)), "\uFFFD")
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Client) sleep(ctx context.Context, d time.Duration) error {
	if c.Sleep != nil {
		return c.Sleep(ctx, d)
	}
	return sleepCtx(ctx, d)
}

func (c *Client) rand() *rand.Rand {
	if c.Rand == nil {
		return nil
	}
	c.randMu.Lock()
	defer c.randMu.Unlock()
	// Draw a private generator from the shared one so callers never touch
	// c.Rand without the lock.
	return rand.New(rand.NewPCG(c.Rand.Uint64(), c.Rand.Uint64()))
}

// sleepCtx waits for d or until ctx is done, returning ctx.Err() then.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// RetryAfter parses a Retry-After value, either delay-seconds or an HTTP
// date, into a wait counted from now. A date in the past gives 0. It
// reports false for an empty or unparsable value.
func RetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		if n > math.MaxInt64/int64(time.Second) {
			n = math.MaxInt64 / int64(time.Second)
		}
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max0(t.Sub(now)), true
	}
	return 0, false
}

// The header names of the rate-limit dialects, in the order they are read.
// http.Header canonicalises X-RateLimit-* (GitHub, Mastodon) and
// x-ratelimit-* (Reddit) alike to X-Ratelimit-*; X's are x-rate-limit-*.
var (
	resetHeaders     = [...]string{"X-Ratelimit-Reset", "X-Rate-Limit-Reset", "Ratelimit-Reset"}
	remainingHeaders = [...]string{"X-Ratelimit-Remaining", "X-Rate-Limit-Remaining", "Ratelimit-Remaining"}
)

// RateLimitReset reads when the quota resets from the first reset header
// present, whatever its dialect: a number under 1e9 is seconds to wait
// (Reddit, IETF RateLimit-Reset), one under 1e12 Unix seconds (GitHub, X),
// larger Unix milliseconds; RFC 3339 (Mastodon) and HTTP dates are read as
// times. It reports false if no header parses.
func RateLimitReset(h http.Header, now time.Time) (time.Time, bool) {
	for _, name := range resetHeaders {
		v := strings.TrimSpace(h.Get(name))
		if v == "" {
			continue
		}
		if f, err := strconv.ParseFloat(v, 64); err == nil && f >= 0 && !math.IsInf(f, 0) {
			switch {
			case f < 1e9:
				return now.Add(time.Duration(f * float64(time.Second))), true
			case f < 1e12:
				sec, frac := math.Modf(f)
				return time.Unix(int64(sec), int64(frac*1e9)), true
			case f < 1e15:
				return time.UnixMilli(int64(f)), true
			}
			continue
		}
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
			return t, true
		}
		if t, err := http.ParseTime(v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// RateLimitRemaining reads how many requests the quota has left from the
// first remaining header present (Reddit sends a decimal such as "598.0").
func RateLimitRemaining(h http.Header) (float64, bool) {
	for _, name := range remainingHeaders {
		v := strings.TrimSpace(h.Get(name))
		if v == "" {
			continue
		}
		if f, err := strconv.ParseFloat(v, 64); err == nil && !math.IsNaN(f) {
			return f, true
		}
	}
	return 0, false
}

// StatusOf returns the HTTP status carried by err, 0 if none.
func StatusOf(err error) int {
	var se *StatusError
	if errors.As(err, &se) {
		return se.Status
	}
	var rl *RateLimitError
	if errors.As(err, &rl) {
		return rl.Status
	}
	return 0
}
