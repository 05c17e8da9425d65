package webhook

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

// DefaultGraphURL is Meta's Graph API, at the version Hark was written
// against.
const DefaultGraphURL = "https://graph.facebook.com/v21.0"

// A ReplyConfig sets up a [Replier] for the posts a Meta [Inbox] hears.
type ReplyConfig struct {
	// AccessToken is a Page access token (Facebook comments; Instagram
	// with Facebook Login) with pages_manage_engagement or
	// instagram_manage_comments. Required.
	AccessToken string
	// AccountID is the Page's ID, or the Instagram professional account's:
	// replies made by it are ours. Required.
	AccountID string
	// Username is the Instagram account's username, matched when a reply
	// carries no from.id.
	Username string
	// GraphURL is the API's base, with its version; default
	// DefaultGraphURL (graph.instagram.com for Instagram Login).
	GraphURL string
	// Client sends the requests; nil means one making one attempt per
	// call with a quota of 200 calls per hour. Keep MaxAttempts at 1: the
	// reply.Poster retries.
	Client *listen.Client
}

// A Replier posts replies to the comments and posts a Meta webhook
// delivered, through the Graph API: on Instagram POST
// /{ig-comment-id}/replies (a reply to a reply goes under its top-level
// comment, as Instagram threads one level deep) or /{ig-media-id}/comments;
// on Facebook POST /{comment-id}/comments or /{post-id}/comments, with
// message. The Graph API has no idempotency key; earlier replies are found
// among the comment's replies. It implements reply.Replier, reply.Finder
// and reply.Ruled.
type Replier struct {
	cfg ReplyConfig
}

// NewReplier returns a Replier, or an error if cfg is incomplete.
func NewReplier(cfg ReplyConfig) (*Replier, error) {
	switch {
	case cfg.AccessToken == "":
		return nil, errors.New("webhook: replies need an AccessToken")
	case cfg.AccountID == "":
		return nil, errors.New("webhook: replies need the AccountID")
	}
	cfg.GraphURL = strings.TrimRight(cfg.GraphURL, "/")
	if cfg.GraphURL == "" {
		cfg.GraphURL = DefaultGraphURL
	}
	if cfg.Client == nil {
		cfg.Client = &listen.Client{Quota: listen.PerMinute(3, 5), MaxAttempts: 1, UserAgent: "hark-reply"}
	}
	return &Replier{cfg: cfg}, nil
}

// Rules implements reply.Ruled: 2,200 characters (Instagram's limit for a
// comment; Facebook allows more).
func (r *Replier) Rules() reply.Rules {
	return reply.Rules{Platform: "meta", MaxChars: 2200}
}

// target returns the object a reply to p goes under and the edge to post
// to and read: "replies" under an Instagram comment, "comments" otherwise.
func target(d reply.Draft) (id, edge string) {
	p := d.Post
	top := p.ThreadID != "" && p.ID == p.ThreadID // a post or a media, not a comment
	id = p.ID
	if !top && p.ParentID != "" && p.ParentID != p.ThreadID {
		id = p.ParentID // a reply to a reply: under its top-level comment
	}
	if p.Source == "instagram" && !top {
		return id, "replies"
	}
	return id, "comments"
}

func (r *Replier) header() http.Header {
	return http.Header{"Authorization": {"Bearer " + r.cfg.AccessToken}, "Accept": {"application/json"}}
}

// graphError is the Graph API's error body.
type graphError struct {
	Error struct {
		Message   string `json:"message"`
		Type      string `json:"type"`
		Code      int    `json:"code"`
		Subcode   int    `json:"error_subcode"`
		Transient bool   `json:"is_transient"`
		FBTraceID string `json:"fbtrace_id"`
	} `json:"error"`
}

// classify reads a Graph error: the throttling codes (4, 17, 32, 613, and
// the business use case range 80001-80014) are rate limits; codes 1 and 2,
// or is_transient, transient; the rest keep their HTTP class.
func classify(err error) error {
	var se *listen.StatusError
	if !errors.As(err, &se) {
		return err
	}
	var ge graphError
	if json.Unmarshal([]byte(se.Body), &ge) != nil || ge.Error.Code == 0 {
		return err
	}
	e := ge.Error
	msg := fmt.Errorf("graph error %d/%d (%s): %s", e.Code, e.Subcode, e.Type, e.Message)
	switch {
	case e.Code == 4 || e.Code == 17 || e.Code == 32 || e.Code == 613 || e.Code >= 80001 && e.Code <= 80014:
		return &listen.RateLimitError{Status: se.Status, Err: msg}
	case e.Code == 1 || e.Code == 2 || e.Transient:
		return listen.Transient(msg)
	case se.Status >= 500:
		return listen.Transient(msg)
	}
	return listen.Permanent(msg)
}

// Reply implements reply.Replier.
func (r *Replier) Reply(ctx context.Context, d reply.Draft) (reply.Posted, error) {
	id, edge := target(d)
	h := r.header()
	h.Set("Content-Type", "application/x-www-form-urlencoded")
	form := url.Values{"message": {d.Text}}
	resp, err := r.cfg.Client.Do(ctx, http.MethodPost, r.cfg.GraphURL+"/"+url.PathEscape(id)+"/"+edge, h, []byte(form.Encode()))
	if err != nil {
		return reply.Posted{}, fmt.Errorf("webhook: reply to %s: %w", d.Post.ID, classify(err))
	}
	var out struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(resp.Body, &out); err != nil || out.ID == "" {
		return reply.Posted{}, listen.Malformed(fmt.Errorf("webhook: reply to %s: answer without an id: %v", d.Post.ID, err))
	}
	return reply.Posted{ID: out.ID}, nil
}

// FindReply implements reply.Finder: it reads the comment's (or post's)
// latest 100 replies and matches one by the account with the draft's text.
func (r *Replier) FindReply(ctx context.Context, d reply.Draft) (reply.Posted, bool, error) {
	id, edge := target(d)
	q := url.Values{"fields": {"id,message,text,username,from"}, "limit": {"100"}}
	if edge == "comments" {
		q.Set("order", "reverse_chronological")
	}
	var out struct {
		Data []struct {
			ID       string `json:"id"`
			Message  string `json:"message"`
			Text     string `json:"text"`
			Username string `json:"username"`
			From     struct {
				ID       string `json:"id"`
				Username string `json:"username"`
			} `json:"from"`
		} `json:"data"`
	}
	u := r.cfg.GraphURL + "/" + url.PathEscape(id) + "/" + edge + "?" + q.Encode()
	if _, err := r.cfg.Client.GetJSON(ctx, u, r.header(), &out); err != nil {
		return reply.Posted{}, false, fmt.Errorf("webhook: replies of %s: %w", id, classify(err))
	}
	for _, c := range out.Data {
		ours := c.From.ID == r.cfg.AccountID ||
			r.cfg.Username != "" && (strings.EqualFold(c.Username, r.cfg.Username) || strings.EqualFold(c.From.Username, r.cfg.Username))
		text := c.Message
		if text == "" {
			text = c.Text
		}
		if ours && c.ID != "" && reply.SameText(d.Text, text) {
			return reply.Posted{ID: c.ID}, true, nil
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
