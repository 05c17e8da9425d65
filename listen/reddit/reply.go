package reddit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/harkhq/hark/listen"
	"github.com/harkhq/hark/reply"
)

// A ReplyConfig sets up a [Replier].
type ReplyConfig struct {
	// Token returns a user access token of the brand account with the
	// submit and history scopes (Reddit's OAuth "script" or "web" app
	// flows); it is asked before each call, so it may refresh. Required.
	Token func(ctx context.Context) (string, error)
	// Username is the brand account's name, without "u/". Required: it is
	// how an earlier reply is found.
	Username string
	// UserAgent must identify the app as Reddit asks. Required.
	UserAgent string
	// BaseURL of the API; default DefaultBaseURL.
	BaseURL string
	// Client sends the requests; nil means one making one attempt per
	// call with a quota of 100 requests per minute. Keep MaxAttempts at 1:
	// the reply.Poster retries.
	Client *listen.Client
}

// A Replier posts replies as comments (POST /api/comment with thing_id)
// and finds earlier ones among the brand account's latest comments. Reddit
// has no idempotency key; the reply.Poster asks FindReply before any
// retry. It implements reply.Replier, reply.Finder and reply.Ruled.
type Replier struct {
	cfg ReplyConfig
}

// NewReplier returns a Replier, or an error if cfg is incomplete.
func NewReplier(cfg ReplyConfig) (*Replier, error) {
	switch {
	case cfg.Token == nil:
		return nil, errors.New("reddit: replies need a Token")
	case cfg.Username == "":
		return nil, errors.New("reddit: replies need the Username")
	case cfg.UserAgent == "":
		return nil, errors.New("reddit: a UserAgent is required")
	}
	cfg.Username = strings.TrimPrefix(strings.TrimPrefix(cfg.Username, "/"), "u/")
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	if cfg.Client == nil {
		cfg.Client = &listen.Client{Quota: listen.PerMinute(100, 10), MaxAttempts: 1}
	}
	return &Replier{cfg: cfg}, nil
}

// Rules implements reply.Ruled: 10,000 characters.
func (r *Replier) Rules() reply.Rules {
	return reply.Rules{Platform: "reddit", MaxChars: 10000}
}

func (r *Replier) header(ctx context.Context) (http.Header, error) {
	tok, err := r.cfg.Token(ctx)
	if err != nil {
		return nil, fmt.Errorf("reddit: token: %w", err)
	}
	return http.Header{"Authorization": {"Bearer " + tok}, "User-Agent": {r.cfg.UserAgent}}, nil
}

// commentResponse is /api/comment's answer with api_type=json.
type commentResponse struct {
	JSON struct {
		Errors [][]any `json:"errors"`
		// Ratelimit is the seconds to wait, with a RATELIMIT error.
		Ratelimit float64 `json:"ratelimit"`
		Data      struct {
			Things []Thing `json:"things"`
		} `json:"data"`
	} `json:"json"`
}

// Reply implements reply.Replier: POST /api/comment with api_type=json,
// thing_id (the post's fullname, t3_ or t1_) and text. Reddit reports
// refusals in a 200 answer's json.errors: RATELIMIT becomes a rate limit
// with its wait, the others (THREAD_LOCKED, DELETED_COMMENT, TOO_OLD, ...)
// are permanent.
func (r *Replier) Reply(ctx context.Context, d reply.Draft) (reply.Posted, error) {
	if !strings.HasPrefix(d.Post.ID, "t1_") && !strings.HasPrefix(d.Post.ID, "t3_") {
		return reply.Posted{}, listen.Permanent(fmt.Errorf("reddit: %q is not a comment or submission fullname: %w", d.Post.ID, reply.ErrNotReplyable))
	}
	h, err := r.header(ctx)
	if err != nil {
		return reply.Posted{}, err
	}
	h.Set("Content-Type", "application/x-www-form-urlencoded")
	form := url.Values{"api_type": {"json"}, "thing_id": {d.Post.ID}, "text": {d.Text}}
	resp, err := r.cfg.Client.Do(ctx, http.MethodPost, r.cfg.BaseURL+"/api/comment", h, []byte(form.Encode()))
	if err != nil {
		return reply.Posted{}, fmt.Errorf("reddit: reply to %s: %w", d.Post.ID, err)
	}
	var out commentResponse
	if err := json.Unmarshal(resp.Body, &out); err != nil {
		return reply.Posted{}, listen.Malformed(fmt.Errorf("reddit: reply to %s: %w", d.Post.ID, err))
	}
	if len(out.JSON.Errors) > 0 {
		var code, msg string
		if e := out.JSON.Errors[0]; len(e) > 0 {
			code, _ = e[0].(string)
			msg = fmt.Sprint(e[1:]...)
		}
		err := fmt.Errorf("reddit: reply to %s: %s: %s", d.Post.ID, code, msg)
		if code == "RATELIMIT" {
			return reply.Posted{}, &listen.RateLimitError{RetryAfter: time.Duration(out.JSON.Ratelimit * float64(time.Second)), Status: resp.Status, Err: err}
		}
		return reply.Posted{}, listen.Permanent(err)
	}
	for _, t := range out.JSON.Data.Things {
		if t.Kind == "t1" && t.Data.Name != "" {
			return posted(&t), nil
		}
	}
	return reply.Posted{}, listen.Malformed(fmt.Errorf("reddit: reply to %s: answer without the comment", d.Post.ID))
}

func posted(t *Thing) reply.Posted {
	p := reply.Posted{ID: t.Data.Name}
	if t.Data.Permalink != "" {
		p.URL = "https://www.reddit.com" + t.Data.Permalink
	}
	return p
}

// FindReply implements reply.Finder: it reads the brand account's newest
// 100 comments (GET /user/{name}/comments) and matches one whose parent is
// the post and whose text is the draft's.
func (r *Replier) FindReply(ctx context.Context, d reply.Draft) (reply.Posted, bool, error) {
	h, err := r.header(ctx)
	if err != nil {
		return reply.Posted{}, false, err
	}
	q := url.Values{"sort": {"new"}, "limit": {"100"}, "raw_json": {"1"}}
	var l Listing
	u := r.cfg.BaseURL + "/user/" + url.PathEscape(r.cfg.Username) + "/comments?" + q.Encode()
	if _, err := r.cfg.Client.GetJSON(ctx, u, h, &l); err != nil {
		return reply.Posted{}, false, fmt.Errorf("reddit: own comments: %w", err)
	}
	for i := range l.Data.Children {
		t := &l.Data.Children[i]
		if t.Kind == "t1" && t.Data.Name != "" && t.Data.ParentID == d.Post.ID && strings.EqualFold(t.Data.Author, r.cfg.Username) &&
			reply.SameText(d.Text, t.Data.Body) {
			return posted(t), true, nil
		}
	}
	return reply.Posted{}, false, nil
}

// The capabilities a Replier has.
var (
	_ reply.Replier = (*Replier)(nil)
	_ reply.Finder  = (*Replier)(nil)
	_ reply.Ruled   = (*Replier)(nil)
)
