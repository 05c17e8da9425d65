package x

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/harkhq/hark/listen"
	"github.com/harkhq/hark/reply"
)

// A ReplyConfig sets up a [Replier].
type ReplyConfig struct {
	// Token returns an OAuth 2.0 user-context access token of the brand
	// account with tweet.read, tweet.write and users.read; it is asked
	// before each call, so it may refresh. Required.
	Token func(ctx context.Context) (string, error)
	// UserID is the brand account's user ID. Required: it is how an
	// earlier reply is found.
	UserID string
	// BaseURL of the API; default DefaultBaseURL.
	BaseURL string
	// Client sends the requests; nil means one making one attempt per
	// call with a quota of 100 requests per 15 minutes (the user limit of
	// creating posts). Keep MaxAttempts at 1: the reply.Poster retries.
	Client *listen.Client
}

// A Replier posts replies as posts in reply (POST /2/tweets with
// reply.in_reply_to_tweet_id) and finds earlier ones among the brand
// account's latest posts. X has no idempotency key; it refuses a post
// identical to a recent one ("duplicate content"), which the Replier
// answers by finding the earlier reply. It implements reply.Replier,
// reply.Finder and reply.Ruled.
type Replier struct {
	cfg ReplyConfig
}

// NewReplier returns a Replier, or an error if cfg is incomplete.
func NewReplier(cfg ReplyConfig) (*Replier, error) {
	switch {
	case cfg.Token == nil:
		return nil, errors.New("x: replies need a Token")
	case cfg.UserID == "":
		return nil, errors.New("x: replies need the UserID")
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	if cfg.Client == nil {
		cfg.Client = &listen.Client{Quota: listen.PerMinute(6, 5), MaxAttempts: 1, UserAgent: "hark-reply"}
	}
	return &Replier{cfg: cfg}, nil
}

// Rules implements reply.Ruled: 280 as X counts ([reply.CountX]); a
// longer reply becomes a thread.
func (r *Replier) Rules() reply.Rules {
	return reply.Rules{Platform: "x", MaxChars: 280, Count: reply.CountX, Thread: true}
}

func (r *Replier) header(ctx context.Context) (http.Header, error) {
	tok, err := r.cfg.Token(ctx)
	if err != nil {
		return nil, fmt.Errorf("x: token: %w", err)
	}
	return http.Header{"Authorization": {"Bearer " + tok}}, nil
}

// problem is the v2 API's error body.
type problem struct {
	Title  string `json:"title"`
	Detail string `json:"detail"`
	Type   string `json:"type"`
	Status int    `json:"status"`
}

// Reply implements reply.Replier: POST /2/tweets with text and
// reply.in_reply_to_tweet_id.
func (r *Replier) Reply(ctx context.Context, d reply.Draft) (reply.Posted, error) {
	h, err := r.header(ctx)
	if err != nil {
		return reply.Posted{}, err
	}
	h.Set("Content-Type", "application/json")
	body, err := json.Marshal(map[string]any{"text": d.Text, "reply": map[string]string{"in_reply_to_tweet_id": d.Post.ID}})
	if err != nil {
		return reply.Posted{}, listen.Permanent(err)
	}
	resp, err := r.cfg.Client.Do(ctx, http.MethodPost, r.cfg.BaseURL+"/2/tweets", h, body)
	if err != nil {
		var se *listen.StatusError
		if errors.As(err, &se) && se.Status == http.StatusForbidden && strings.Contains(se.Body, "duplicate content") {
			// An earlier attempt got through, most likely.
			if p, found, ferr := r.FindReply(ctx, d); ferr == nil && found {
				return p, nil
			}
		}
		if errors.As(err, &se) {
			var pr problem
			if json.Unmarshal([]byte(se.Body), &pr) == nil && pr.Detail != "" {
				err = fmt.Errorf("%w (%s: %s)", err, pr.Title, pr.Detail)
			}
		}
		return reply.Posted{}, fmt.Errorf("x: reply to %s: %w", d.Post.ID, err)
	}
	var out struct {
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
		Errors []problem `json:"errors"`
	}
	if err := json.Unmarshal(resp.Body, &out); err != nil || out.Data.ID == "" {
		return reply.Posted{}, listen.Malformed(fmt.Errorf("x: reply to %s: answer without an id: %v", d.Post.ID, err))
	}
	return posted(out.Data.ID), nil
}

func posted(id string) reply.Posted {
	return reply.Posted{ID: id, URL: "https://x.com/i/web/status/" + id}
}

// FindReply implements reply.Finder: it reads the brand account's newest
// 100 posts (GET /2/users/:id/tweets) and matches one replying to the post
// with the draft's text (links taken as equal: X shortens them).
func (r *Replier) FindReply(ctx context.Context, d reply.Draft) (reply.Posted, bool, error) {
	h, err := r.header(ctx)
	if err != nil {
		return reply.Posted{}, false, err
	}
	q := url.Values{"max_results": {"100"}, "tweet.fields": {"referenced_tweets,conversation_id,created_at"}, "exclude": {"retweets"}}
	var out Response
	u := r.cfg.BaseURL + "/2/users/" + url.PathEscape(r.cfg.UserID) + "/tweets?" + q.Encode()
	if _, err := r.cfg.Client.GetJSON(ctx, u, h, &out); err != nil {
		return reply.Posted{}, false, fmt.Errorf("x: own posts: %w", err)
	}
	for i := range out.Data {
		t := &out.Data[i]
		if t.ID == "" {
			continue // names nothing: taking it as found would drop the reply
		}
		for _, ref := range t.ReferencedTweets {
			if ref.Type == "replied_to" && ref.ID == d.Post.ID && reply.SameText(d.Text, t.Text) {
				return posted(t.ID), true, nil
			}
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
