package youtube

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
	// Token returns an OAuth 2.0 access token of the brand channel with
	// the youtube.force-ssl scope; it is asked before each call, so it may
	// refresh. Required.
	Token func(ctx context.Context) (string, error)
	// ChannelID is the brand channel's ID. Required: it is how an earlier
	// reply is found.
	ChannelID string
	// Units is the daily budget, shared with the Sources on the same
	// project; nil means a private 10,000-unit budget. A reply costs 50
	// units, a look for an earlier one 1.
	Units *Units
	// BaseURL of the API; default DefaultBaseURL.
	BaseURL string
	// Client sends the requests; nil means one making one attempt per
	// call with a quota of 5 per second. Keep MaxAttempts at 1: the
	// reply.Poster retries.
	Client *listen.Client
}

// A Replier posts replies as comment replies (comments.insert with
// snippet.parentId, the thread's top-level comment: YouTube threads are one
// level deep) and finds earlier ones among the thread's replies
// (comments.list with parentId). YouTube has no idempotency key. It
// implements reply.Replier, reply.Finder and reply.Ruled.
type Replier struct {
	cfg ReplyConfig
}

// NewReplier returns a Replier, or an error if cfg is incomplete.
func NewReplier(cfg ReplyConfig) (*Replier, error) {
	switch {
	case cfg.Token == nil:
		return nil, errors.New("youtube: replies need a Token")
	case cfg.ChannelID == "":
		return nil, errors.New("youtube: replies need the ChannelID")
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	if cfg.Units == nil {
		cfg.Units = &Units{}
	}
	if cfg.Client == nil {
		cfg.Client = &listen.Client{Quota: listen.NewQuota(5, 5), MaxAttempts: 1}
	}
	return &Replier{cfg: cfg}, nil
}

// Rules implements reply.Ruled: 10,000 characters.
func (r *Replier) Rules() reply.Rules {
	return reply.Rules{Platform: "youtube", MaxChars: 10000}
}

// parent returns the top-level comment a reply to post d.Post goes under.
func parent(d reply.Draft) string {
	if d.Post.ParentID != "" && d.Post.ThreadID != "" {
		return d.Post.ThreadID
	}
	return d.Post.ID
}

// call spends units, sends the request and maps quotaExceeded to a rate
// limit until the Pacific midnight reset.
func (r *Replier) call(ctx context.Context, method, u string, units int, body []byte, v any) error {
	now := time.Now()
	if r.cfg.Client.Now != nil {
		now = r.cfg.Client.Now()
	}
	if wait, ok := r.cfg.Units.spend(units, now); !ok {
		return &listen.RateLimitError{RetryAfter: wait, Err: errors.New("youtube: daily quota units spent")}
	}
	tok, err := r.cfg.Token(ctx)
	if err != nil {
		return fmt.Errorf("youtube: token: %w", err)
	}
	h := http.Header{"Authorization": {"Bearer " + tok}, "Accept": {"application/json"}}
	if body != nil {
		h.Set("Content-Type", "application/json")
	}
	resp, err := r.cfg.Client.Do(ctx, method, u, h, body)
	var se *listen.StatusError
	if errors.As(err, &se) && se.Status == http.StatusForbidden &&
		(strings.Contains(se.Body, "quotaExceeded") || strings.Contains(se.Body, "dailyLimitExceeded")) {
		return &listen.RateLimitError{RetryAfter: r.cfg.Units.exhaust(now), Status: se.Status, Err: se}
	}
	if err != nil {
		return err
	}
	if err := json.Unmarshal(resp.Body, v); err != nil {
		return listen.Malformed(err)
	}
	return nil
}

// Reply implements reply.Replier: POST /comments?part=snippet with
// snippet.parentId and snippet.textOriginal.
func (r *Replier) Reply(ctx context.Context, d reply.Draft) (reply.Posted, error) {
	body, err := json.Marshal(map[string]any{"snippet": map[string]string{"parentId": parent(d), "textOriginal": d.Text}})
	if err != nil {
		return reply.Posted{}, listen.Permanent(err)
	}
	var c comment
	if err := r.call(ctx, http.MethodPost, r.cfg.BaseURL+"/comments?part=snippet", 50, body, &c); err != nil {
		return reply.Posted{}, fmt.Errorf("youtube: reply to %s: %w", d.Post.ID, err)
	}
	if c.ID == "" {
		return reply.Posted{}, listen.Malformed(fmt.Errorf("youtube: reply to %s: comment without id", d.Post.ID))
	}
	return posted(&c), nil
}

func posted(c *comment) reply.Posted {
	p := reply.Posted{ID: c.ID}
	if c.Snippet.VideoID != "" {
		p.URL = "https://www.youtube.com/watch?v=" + url.QueryEscape(c.Snippet.VideoID) + "&lc=" + url.QueryEscape(c.ID)
	}
	return p
}

// FindReply implements reply.Finder: GET /comments?part=snippet&parentId=
// (the newest 100 replies of the thread), matching the brand channel and
// the draft's text.
func (r *Replier) FindReply(ctx context.Context, d reply.Draft) (reply.Posted, bool, error) {
	q := url.Values{"part": {"snippet"}, "parentId": {parent(d)}, "maxResults": {"100"}, "textFormat": {"plainText"}}
	var out struct {
		Items []comment `json:"items"`
	}
	if err := r.call(ctx, http.MethodGet, r.cfg.BaseURL+"/comments?"+q.Encode(), 1, nil, &out); err != nil {
		return reply.Posted{}, false, fmt.Errorf("youtube: replies of %s: %w", parent(d), err)
	}
	for i := range out.Items {
		c := &out.Items[i]
		if c.ID != "" && c.Snippet.AuthorChannelID.Value == r.cfg.ChannelID && reply.SameText(d.Text, c.Snippet.TextOriginal) {
			return posted(c), true, nil
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
