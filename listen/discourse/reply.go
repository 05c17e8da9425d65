package discourse

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/harkhq/hark/listen"
	"github.com/harkhq/hark/listen/internal/htmltext"
	"github.com/harkhq/hark/reply"
)

// A ReplyConfig sets up a [Replier].
type ReplyConfig struct {
	// Forum is the base URL, "https://community.example.com". Required.
	Forum string
	// APIKey and APIUser post as the brand account (a user API key, or an
	// admin key acting as APIUser). Required.
	APIKey, APIUser string
	// MaxChars is the forum's max_post_length; default 32,000.
	MaxChars int
	// Client sends the requests; nil means one making one attempt per
	// call with a quota of 60 requests per minute. Keep MaxAttempts at 1:
	// the reply.Poster retries.
	Client *listen.Client
}

// A Replier posts replies as posts in the topic, replying to the post's
// number (POST /posts.json with topic_id and reply_to_post_number), and
// finds earlier ones among the topic's latest posts. Discourse has no
// idempotency key (it refuses a body too similar to one just posted,
// which the Poster never gets to: it asks FindReply first). It implements
// reply.Replier, reply.Finder and reply.Ruled.
type Replier struct {
	cfg ReplyConfig
}

// NewReplier returns a Replier, or an error if cfg is incomplete.
func NewReplier(cfg ReplyConfig) (*Replier, error) {
	cfg.Forum = strings.TrimRight(cfg.Forum, "/")
	u, err := url.Parse(cfg.Forum)
	switch {
	case err != nil || u.Host == "":
		return nil, fmt.Errorf("discourse: forum %q is not a URL", cfg.Forum)
	case cfg.APIKey == "" || cfg.APIUser == "":
		return nil, errors.New("discourse: replies need APIKey and APIUser")
	}
	if cfg.MaxChars <= 0 {
		cfg.MaxChars = 32000
	}
	if cfg.Client == nil {
		cfg.Client = &listen.Client{Quota: listen.PerMinute(60, 5), MaxAttempts: 1, UserAgent: "hark-reply"}
	}
	return &Replier{cfg: cfg}, nil
}

// Rules implements reply.Ruled: the forum's max_post_length.
func (r *Replier) Rules() reply.Rules {
	return reply.Rules{Platform: "discourse", MaxChars: r.cfg.MaxChars}
}

func (r *Replier) header() http.Header {
	return http.Header{"Api-Key": {r.cfg.APIKey}, "Api-Username": {r.cfg.APIUser}, "Accept": {"application/json"}}
}

// target parses a post ID of this package, "topic/number".
func target(id string) (topic, number int64, err error) {
	t, n, ok := strings.Cut(id, "/")
	topic, err1 := strconv.ParseInt(t, 10, 64)
	number, err2 := strconv.ParseInt(n, 10, 64)
	if !ok || err1 != nil || err2 != nil || topic <= 0 || number <= 0 {
		return 0, 0, listen.Permanent(fmt.Errorf("discourse: %q is not topic/number: %w", id, reply.ErrNotReplyable))
	}
	return topic, number, nil
}

// replyPost is a post as POST /posts.json and the topic's posts give it.
type replyPost struct {
	Post
	Raw string `json:"raw"`
}

// errorBody is Discourse's error answer.
type errorBody struct {
	Errors    []string `json:"errors"`
	ErrorType string   `json:"error_type"`
}

// Reply implements reply.Replier: POST /posts.json with topic_id, raw and
// reply_to_post_number (left out for the topic's first post, which a
// reply to the topic answers).
func (r *Replier) Reply(ctx context.Context, d reply.Draft) (reply.Posted, error) {
	topic, number, err := target(d.Post.ID)
	if err != nil {
		return reply.Posted{}, err
	}
	in := map[string]any{"topic_id": topic, "raw": d.Text}
	if number > 1 {
		in["reply_to_post_number"] = number
	}
	body, err := json.Marshal(in)
	if err != nil {
		return reply.Posted{}, listen.Permanent(err)
	}
	h := r.header()
	h.Set("Content-Type", "application/json")
	resp, err := r.cfg.Client.Do(ctx, http.MethodPost, r.cfg.Forum+"/posts.json", h, body)
	if err != nil {
		var se *listen.StatusError
		if errors.As(err, &se) {
			var eb errorBody
			if json.Unmarshal([]byte(se.Body), &eb) == nil && len(eb.Errors) > 0 {
				err = fmt.Errorf("%w (%s)", err, strings.Join(eb.Errors, "; "))
			}
		}
		return reply.Posted{}, fmt.Errorf("discourse: reply to %s: %w", d.Post.ID, err)
	}
	var p replyPost
	if err := json.Unmarshal(resp.Body, &p); err != nil || p.PostNumber == 0 {
		return reply.Posted{}, listen.Malformed(fmt.Errorf("discourse: reply to %s: post without a number: %v", d.Post.ID, err))
	}
	return r.posted(&p), nil
}

func (r *Replier) posted(p *replyPost) reply.Posted {
	slug := p.TopicSlug
	if slug == "" {
		slug = "-"
	}
	return reply.Posted{ID: postID(p.TopicID, p.PostNumber),
		URL: r.cfg.Forum + "/t/" + slug + "/" + strconv.FormatInt(p.TopicID, 10) + "/" + strconv.FormatInt(p.PostNumber, 10)}
}

// findTail is how many of a topic's latest posts FindReply reads.
const findTail = 50

// FindReply implements reply.Finder: it reads the topic's post stream
// (GET /t/:id.json), then its latest posts with their raw text
// (GET /t/:id/posts.json?post_ids[]=...&include_raw=1), and matches a post
// by the brand account replying to the post's number with the draft's
// text.
func (r *Replier) FindReply(ctx context.Context, d reply.Draft) (reply.Posted, bool, error) {
	topic, number, err := target(d.Post.ID)
	if err != nil {
		return reply.Posted{}, false, err
	}
	var t struct {
		PostStream struct {
			Stream []int64 `json:"stream"`
		} `json:"post_stream"`
	}
	base := r.cfg.Forum + "/t/" + strconv.FormatInt(topic, 10)
	if _, err := r.cfg.Client.GetJSON(ctx, base+".json", r.header(), &t); err != nil {
		return reply.Posted{}, false, fmt.Errorf("discourse: topic %d: %w", topic, err)
	}
	ids := t.PostStream.Stream
	if len(ids) > findTail {
		ids = ids[len(ids)-findTail:]
	}
	if len(ids) == 0 {
		return reply.Posted{}, false, nil
	}
	q := url.Values{"include_raw": {"1"}}
	for _, id := range ids {
		q.Add("post_ids[]", strconv.FormatInt(id, 10))
	}
	var ps struct {
		PostStream struct {
			Posts []replyPost `json:"posts"`
		} `json:"post_stream"`
	}
	if _, err := r.cfg.Client.GetJSON(ctx, base+"/posts.json?"+q.Encode(), r.header(), &ps); err != nil {
		return reply.Posted{}, false, fmt.Errorf("discourse: posts of topic %d: %w", topic, err)
	}
	for i := range ps.PostStream.Posts {
		p := &ps.PostStream.Posts[i]
		to := int64(1)
		if p.ReplyToPostNumber != nil {
			to = *p.ReplyToPostNumber
		}
		text := p.Raw
		if text == "" {
			text = htmltext.Text(p.Cooked)
		}
		if p.PostNumber > 0 && strings.EqualFold(p.Username, r.cfg.APIUser) && to == number && reply.SameText(d.Text, text) {
			if p.TopicID == 0 {
				p.TopicID = topic
			}
			return r.posted(p), true, nil
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
