package x

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/listen"
	"github.com/harkhq/hark/listen/internal/ids"
	"github.com/harkhq/hark/listen/internal/reported"
)

// DefaultBaseURL is the v2 API.
const DefaultBaseURL = "https://api.x.com"

// A Config sets up a [Source].
type Config struct {
	// BearerToken is the app's token. Required.
	BearerToken string
	// Query in X's search syntax, "acme -is:retweet lang:en". Required.
	Query string
	// Name is the source name; default "x:" + Query.
	Name string
	// Pages bounds the pages (of up to 100 posts) one fetch reads;
	// default 5.
	Pages int
	// BaseURL of the API; default DefaultBaseURL.
	BaseURL string
	// Client sends the requests; nil means one with a quota of 450
	// requests per 15 minutes, the app limit of recent search on the
	// plans that have it. Share one Quota between Sources on one token.
	Client *listen.Client
}

// A Source reads one recent-search query.
type Source struct {
	cfg      Config
	reported reported.Set // unplaced tweets reported, so once each
}

// New returns a Source, or an error if the token or query is missing.
func New(cfg Config) (*Source, error) {
	if cfg.BearerToken == "" || strings.TrimSpace(cfg.Query) == "" {
		return nil, errors.New("x: BearerToken and Query are required")
	}
	if cfg.Name == "" {
		cfg.Name = "x:" + cfg.Query
	}
	if cfg.Pages <= 0 {
		cfg.Pages = 5
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	if cfg.Client == nil {
		cfg.Client = &listen.Client{Quota: listen.PerMinute(30, 5), UserAgent: "hark-listen"}
	}
	return &Source{cfg: cfg}, nil
}

// Name implements listen.Source.
func (s *Source) Name() string { return s.cfg.Name }

// Capabilities implements listen.Describer.
func (s *Source) Capabilities() listen.Capabilities {
	return listen.Capabilities{AuthorMetrics: true, Engagement: true, Backfill: true, Replies: true}
}

// Response is the recent-search answer.
type Response struct {
	Data     []Tweet `json:"data"`
	Includes struct {
		Users []User `json:"users"`
	} `json:"includes"`
	Meta struct {
		NewestID    string `json:"newest_id"`
		OldestID    string `json:"oldest_id"`
		ResultCount int    `json:"result_count"`
		NextToken   string `json:"next_token"`
	} `json:"meta"`
	Errors []struct {
		Title  string `json:"title"`
		Detail string `json:"detail"`
		Type   string `json:"type"`
	} `json:"errors"`
}

// Tweet is a post as the v2 API gives it with the fields Hark asks for.
type Tweet struct {
	ID               string    `json:"id"`
	Text             string    `json:"text"`
	AuthorID         string    `json:"author_id"`
	CreatedAt        time.Time `json:"created_at"`
	Lang             string    `json:"lang"`
	ConversationID   string    `json:"conversation_id"`
	PublicMetrics    metrics   `json:"public_metrics"`
	ReferencedTweets []struct {
		Type string `json:"type"`
		ID   string `json:"id"`
	} `json:"referenced_tweets"`
	Entities struct {
		Mentions []struct {
			Username string `json:"username"`
		} `json:"mentions"`
		Hashtags []struct {
			Tag string `json:"tag"`
		} `json:"hashtags"`
	} `json:"entities"`

	// bad is set for a tweet that did not decode but whose ID did: it is
	// reported, not delivered, and the cursor moves past it.
	bad error
}

// rawResponse is [Response] with its lists undecoded, so that one item that
// does not decode loses nothing else.
type rawResponse struct {
	Data     []json.RawMessage `json:"data"`
	Includes struct {
		Users []json.RawMessage `json:"users"`
	} `json:"includes"`
	Meta   json.RawMessage `json:"meta"`
	Errors json.RawMessage `json:"errors"`
}

// decode fills r from raw. A tweet that does not decode is kept, marked
// bad, if its ID can be read; it and the items that cannot be placed (a
// tweet without a readable ID, unless rep has seen it; a user) are returned
// in unplaced.
func (raw *rawResponse) decode(r *Response, rep *reported.Set) (unplaced []error, err error) {
	if len(raw.Meta) > 0 {
		if err := json.Unmarshal(raw.Meta, &r.Meta); err != nil {
			return nil, listen.Malformed(fmt.Errorf("x: meta: %w", err))
		}
	}
	if len(raw.Errors) > 0 {
		if err := json.Unmarshal(raw.Errors, &r.Errors); err != nil {
			return nil, listen.Malformed(fmt.Errorf("x: errors: %w", err))
		}
	}
	if raw.Data != nil {
		r.Data = make([]Tweet, 0, len(raw.Data))
	}
	for i, m := range raw.Data {
		var t Tweet
		err := json.Unmarshal(m, &t)
		if err == nil {
			r.Data = append(r.Data, t)
			continue
		}
		bad := fmt.Errorf("x: tweet %w", &listen.ItemError{Index: i, ID: listen.ItemID(m, "id"), Err: err})
		var key struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(m, &key) != nil || key.ID == "" || strings.Trim(key.ID, "0123456789") != "" {
			if rep.First(m) {
				unplaced = append(unplaced, bad)
			}
			continue
		}
		r.Data = append(r.Data, Tweet{ID: key.ID, bad: bad})
	}
	var users []error
	r.Includes.Users, users = listen.DecodeItems[User](raw.Includes.Users, "id")
	for _, e := range users {
		// The tweets of an unreadable user are delivered with its ID only.
		unplaced = append(unplaced, fmt.Errorf("x: included user %w", e))
	}
	return unplaced, nil
}

type metrics struct {
	RetweetCount    int64 `json:"retweet_count"`
	ReplyCount      int64 `json:"reply_count"`
	LikeCount       int64 `json:"like_count"`
	QuoteCount      int64 `json:"quote_count"`
	ImpressionCount int64 `json:"impression_count"`
}

// User is an expanded author.
type User struct {
	ID            string    `json:"id"`
	Name          string    `json:"name"`
	Username      string    `json:"username"`
	CreatedAt     time.Time `json:"created_at"`
	Verified      bool      `json:"verified"`
	PublicMetrics struct {
		FollowersCount int64 `json:"followers_count"`
		FollowingCount int64 `json:"following_count"`
		TweetCount     int64 `json:"tweet_count"`
	} `json:"public_metrics"`
}

// cursor is since (newest delivered), and while a gap is being read,
// until (the oldest delivered of the burst) and newest (to resume from
// once the gap is read).
type cursor struct {
	since, until, newest string
}

func parseCursor(s string) (cursor, error) {
	if s == "" {
		return cursor{}, nil
	}
	parts := strings.Split(s, ":")
	for _, p := range parts {
		if p == "" || strings.Trim(p, "0123456789") != "" {
			return cursor{}, fmt.Errorf("x: bad cursor %q", s)
		}
	}
	switch len(parts) {
	case 1:
		return cursor{since: parts[0]}, nil
	case 3:
		return cursor{since: parts[0], until: parts[1], newest: parts[2]}, nil
	}
	return cursor{}, fmt.Errorf("x: bad cursor %q", s)
}

func (c cursor) String() string {
	if c.until == "" {
		return c.since
	}
	return c.since + ":" + c.until + ":" + c.newest
}

// Fetch implements listen.Source.
func (s *Source) Fetch(ctx context.Context, cur string) (listen.Batch, error) {
	if err := ctx.Err(); err != nil {
		return listen.Batch{}, err
	}
	c, err := parseCursor(cur)
	if err != nil {
		return listen.Batch{}, listen.Permanent(err)
	}
	var (
		tweets  []Tweet
		users   = map[string]User{}
		token   string
		more    bool
		skipped []error
	)
	for range s.cfg.Pages {
		r, unplaced, err := s.search(ctx, c, token)
		if err != nil {
			return listen.Batch{}, err
		}
		skipped = append(skipped, unplaced...)
		tweets = append(tweets, r.Data...)
		for _, u := range r.Includes.Users {
			users[u.ID] = u
		}
		token = r.Meta.NextToken
		if token == "" {
			break
		}
	}
	more = token != ""
	slices.SortFunc(tweets, func(a, b Tweet) int { return ids.Compare(a.ID, b.ID) })
	tweets = slices.CompactFunc(tweets, func(a, b Tweet) bool { return a.ID == b.ID })
	var posts []hark.Post
	newest, oldest := c.newest, ""
	for i := range tweets {
		t := &tweets[i]
		if t.ID == "" || c.since != "" && ids.Compare(t.ID, c.since) <= 0 || c.until != "" && ids.Compare(t.ID, c.until) >= 0 {
			continue // a tweet without ID names nothing, and would break the cursor
		}
		newest = ids.Max(newest, t.ID)
		if oldest == "" {
			oldest = t.ID
		}
		if t.bad != nil {
			skipped = append(skipped, t.bad)
			continue
		}
		if strings.TrimSpace(t.Text) == "" {
			continue // read, so past the cursor, but not a post
		}
		posts = append(posts, post(t, users[t.AuthorID]))
	}
	next := cursor{since: c.since}
	switch {
	case more && oldest != "":
		// A gap remains between since and the oldest read.
		next.until, next.newest = oldest, newest
	case newest != "":
		next.since = ids.Max(c.since, newest)
	}
	return listen.Batch{Posts: posts, Cursor: next.String(), Skipped: skipped}, nil
}

// search reads one page. It returns too the items that could not be read
// and placed (see rawResponse.decode).
func (s *Source) search(ctx context.Context, c cursor, token string) (*Response, []error, error) {
	q := url.Values{
		"query":        {s.cfg.Query},
		"max_results":  {"100"},
		"tweet.fields": {"created_at,lang,public_metrics,conversation_id,referenced_tweets,entities,author_id"},
		"expansions":   {"author_id"},
		"user.fields":  {"created_at,public_metrics,verified,username,name"},
	}
	if c.since != "" {
		q.Set("since_id", c.since)
	}
	if c.until != "" {
		q.Set("until_id", c.until)
	}
	if token != "" {
		q.Set("next_token", token)
	}
	var raw rawResponse
	h := http.Header{"Authorization": {"Bearer " + s.cfg.BearerToken}}
	if _, err := s.cfg.Client.GetJSON(ctx, s.cfg.BaseURL+"/2/tweets/search/recent?"+q.Encode(), h, &raw); err != nil {
		return nil, nil, fmt.Errorf("x: %w", err)
	}
	var r Response
	unplaced, err := raw.decode(&r, &s.reported)
	if err != nil {
		return nil, nil, err
	}
	if r.Data == nil && r.Meta.ResultCount == 0 && len(r.Errors) > 0 {
		e := r.Errors[0]
		return nil, nil, listen.Permanent(fmt.Errorf("x: %s: %s", e.Title, e.Detail))
	}
	return &r, unplaced, nil
}

func post(t *Tweet, u User) hark.Post {
	p := hark.Post{
		ID:       t.ID,
		Source:   "x",
		Text:     t.Text,
		Lang:     t.Lang,
		Created:  t.CreatedAt.UTC(),
		ThreadID: t.ConversationID,
		Metrics: hark.Engagement{
			Likes: t.PublicMetrics.LikeCount, Reposts: t.PublicMetrics.RetweetCount,
			Replies: t.PublicMetrics.ReplyCount, Quotes: t.PublicMetrics.QuoteCount,
			Views: t.PublicMetrics.ImpressionCount,
		},
		Author: hark.Author{ID: t.AuthorID},
	}
	if p.Lang == "und" || p.Lang == "qme" || p.Lang == "zxx" {
		p.Lang = ""
	}
	if u.ID != "" {
		p.Author = hark.Author{
			ID: u.ID, Handle: "@" + u.Username, Name: u.Name, Verified: u.Verified,
			Followers: u.PublicMetrics.FollowersCount, Following: u.PublicMetrics.FollowingCount,
			Posts: u.PublicMetrics.TweetCount, Created: u.CreatedAt.UTC(),
		}
		p.URL = "https://x.com/" + u.Username + "/status/" + t.ID
	} else {
		p.URL = "https://x.com/i/web/status/" + t.ID
	}
	for _, r := range t.ReferencedTweets {
		switch r.Type {
		case "replied_to":
			p.ParentID = r.ID
		case "quoted", "retweeted":
			p.RepostOf = r.ID
		}
	}
	for _, m := range t.Entities.Mentions {
		p.Mentions = append(p.Mentions, "@"+m.Username)
	}
	for _, h := range t.Entities.Hashtags {
		p.Tags = append(p.Tags, "#"+h.Tag)
	}
	return p
}
