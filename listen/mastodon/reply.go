package mastodon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/harkhq/hark/listen"
	"github.com/harkhq/hark/listen/internal/htmltext"
	"github.com/harkhq/hark/reply"
)

// A ReplyConfig sets up a [Replier].
type ReplyConfig struct {
	// Instance is the brand account's server, "https://mastodon.social".
	// Replies go to post IDs of this instance: listen on the same one.
	Instance string
	// Token is an OAuth access token of the brand account with
	// write:statuses (and read:statuses, read:accounts to find earlier
	// replies). Required.
	Token string
	// Visibility of replies: public, unlisted, private or direct; default
	// public.
	Visibility string
	// AccountID is the brand account's ID on the instance; "" means asked
	// once from /api/v1/accounts/verify_credentials.
	AccountID string
	// MaxChars is the instance's character limit; default 500.
	MaxChars int
	// Client sends the requests; nil means one making one attempt per
	// call with a quota of 300 requests per 5 minutes. Keep MaxAttempts
	// at 1: the reply.Poster retries, and looks for an earlier reply
	// first.
	Client *listen.Client
}

// A Replier posts replies as statuses in reply to a post, with Mastodon's
// Idempotency-Key header set to the draft's key (an instance keeps the
// keys for an hour), and finds earlier replies among the post's
// descendants. It implements reply.Replier, reply.Finder and reply.Ruled.
type Replier struct {
	cfg ReplyConfig

	mu sync.Mutex
	me string
}

// NewReplier returns a Replier, or an error if cfg is incomplete.
func NewReplier(cfg ReplyConfig) (*Replier, error) {
	cfg.Instance = strings.TrimRight(cfg.Instance, "/")
	u, err := url.Parse(cfg.Instance)
	switch {
	case err != nil || u.Host == "":
		return nil, fmt.Errorf("mastodon: instance %q is not a URL", cfg.Instance)
	case cfg.Token == "":
		return nil, errors.New("mastodon: replies need a Token")
	}
	switch cfg.Visibility {
	case "":
		cfg.Visibility = "public"
	case "public", "unlisted", "private", "direct":
	default:
		return nil, fmt.Errorf("mastodon: visibility %q", cfg.Visibility)
	}
	if cfg.MaxChars <= 0 {
		cfg.MaxChars = 500
	}
	if cfg.Client == nil {
		cfg.Client = &listen.Client{Quota: listen.PerMinute(60, 5), MaxAttempts: 1, UserAgent: "hark-reply"}
	}
	return &Replier{cfg: cfg, me: cfg.AccountID}, nil
}

// Rules implements reply.Ruled: the instance's character limit (a longer
// reply becomes a thread), and the author's handle first (a Mastodon reply
// notifies only whom it mentions).
func (r *Replier) Rules() reply.Rules {
	return reply.Rules{Platform: "mastodon", MaxChars: r.cfg.MaxChars, MentionAuthor: true, Thread: true}
}

func (r *Replier) header() http.Header {
	return http.Header{"Authorization": {"Bearer " + r.cfg.Token}, "Accept": {"application/json"}}
}

// Reply implements reply.Replier: POST /api/v1/statuses with status,
// in_reply_to_id, language and visibility.
func (r *Replier) Reply(ctx context.Context, d reply.Draft) (reply.Posted, error) {
	body := map[string]string{"status": d.Text, "in_reply_to_id": d.Post.ID, "visibility": r.cfg.Visibility}
	if lang := d.Lang; lang != "" {
		body["language"] = lang
	}
	b, err := json.Marshal(body)
	if err != nil {
		return reply.Posted{}, listen.Permanent(err)
	}
	h := r.header()
	h.Set("Content-Type", "application/json")
	h.Set("Idempotency-Key", d.Key)
	resp, err := r.cfg.Client.Do(ctx, http.MethodPost, r.cfg.Instance+"/api/v1/statuses", h, b)
	if err != nil {
		return reply.Posted{}, fmt.Errorf("mastodon: reply to %s: %w", d.Post.ID, err)
	}
	var st Status
	if err := json.Unmarshal(resp.Body, &st); err != nil || st.ID == "" {
		// The instance answered 2xx: it holds the reply, but we cannot
		// say which. Transient: the Poster finds it before any retry.
		return reply.Posted{}, listen.Malformed(fmt.Errorf("mastodon: reply to %s: status without id: %v", d.Post.ID, err))
	}
	return posted(&st), nil
}

func posted(st *Status) reply.Posted {
	p := reply.Posted{ID: st.ID, URL: st.URI}
	if st.URL != nil {
		p.URL = *st.URL
	}
	return p
}

// FindReply implements reply.Finder: it lists the post's descendants
// (GET /api/v1/statuses/:id/context) and matches a status of the brand
// account in reply to the post with the draft's text.
func (r *Replier) FindReply(ctx context.Context, d reply.Draft) (reply.Posted, bool, error) {
	me, err := r.account(ctx)
	if err != nil {
		return reply.Posted{}, false, err
	}
	var c struct {
		Descendants []Status `json:"descendants"`
	}
	u := r.cfg.Instance + "/api/v1/statuses/" + url.PathEscape(d.Post.ID) + "/context"
	if _, err := r.cfg.Client.GetJSON(ctx, u, r.header(), &c); err != nil {
		return reply.Posted{}, false, fmt.Errorf("mastodon: context of %s: %w", d.Post.ID, err)
	}
	for i := range c.Descendants {
		st := &c.Descendants[i]
		if st.ID != "" && st.Account.ID == me && st.InReplyToID != nil && *st.InReplyToID == d.Post.ID &&
			reply.SameText(d.Text, htmltext.Text(st.Content)) {
			return posted(st), true, nil
		}
	}
	return reply.Posted{}, false, nil
}

// account returns the brand account's ID, asking the instance once.
func (r *Replier) account(ctx context.Context) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.me != "" {
		return r.me, nil
	}
	var a Account
	if _, err := r.cfg.Client.GetJSON(ctx, r.cfg.Instance+"/api/v1/accounts/verify_credentials", r.header(), &a); err != nil {
		return "", fmt.Errorf("mastodon: verify credentials: %w", err)
	}
	if a.ID == "" {
		return "", listen.Malformed(errors.New("mastodon: verify credentials: account without id"))
	}
	r.me = a.ID
	return r.me, nil
}

// The capabilities a Replier has.
var (
	_ reply.Replier = (*Replier)(nil)
	_ reply.Finder  = (*Replier)(nil)
	_ reply.Ruled   = (*Replier)(nil)
)
