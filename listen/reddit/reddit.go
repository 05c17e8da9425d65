package reddit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/listen"
	"github.com/harkhq/hark/listen/internal/ids"
	"github.com/harkhq/hark/listen/internal/reported"
)

// Endpoints of the API.
const (
	DefaultBaseURL  = "https://oauth.reddit.com"
	DefaultTokenURL = "https://www.reddit.com/api/v1/access_token"
)

// A Config sets up a [Source]. Set Query (a search, within Subreddit if
// set) or Subreddit alone (its new submissions, or with Comments its new
// comments).
type Config struct {
	ClientID, ClientSecret string
	// UserAgent must identify the app as Reddit asks:
	// "platform:app-id:version (by /u/name)". Required.
	UserAgent string
	Query     string
	Subreddit string
	// Comments reads the subreddit's new comments instead of submissions.
	Comments bool
	// Name is the source name; default "reddit:" and what is read.
	Name string
	// Pages bounds the pages one fetch reads back to the cursor; default
	// 10 (Reddit's depth of 1000).
	Pages int
	// BaseURL and TokenURL of the API; defaults DefaultBaseURL and
	// DefaultTokenURL.
	BaseURL, TokenURL string
	// Client sends the requests; nil means one with a quota of 100
	// requests per minute, Reddit's free OAuth rate. Share one Quota
	// between Sources on one app.
	Client *listen.Client
}

// A Source reads one Reddit listing or search.
type Source struct {
	cfg Config

	mu      sync.Mutex
	token   string
	expires time.Time

	reported reported.Set // unplaced children reported, so once each
}

// New returns a Source for cfg, or an error if it is incomplete.
func New(cfg Config) (*Source, error) {
	switch {
	case cfg.ClientID == "" || cfg.ClientSecret == "":
		return nil, errors.New("reddit: ClientID and ClientSecret are required")
	case cfg.UserAgent == "":
		return nil, errors.New("reddit: a descriptive UserAgent is required")
	case cfg.Query == "" && cfg.Subreddit == "":
		return nil, errors.New("reddit: set Query or Subreddit")
	case cfg.Comments && (cfg.Subreddit == "" || cfg.Query != ""):
		return nil, errors.New("reddit: Comments reads a Subreddit, without Query")
	}
	cfg.Subreddit = strings.TrimPrefix(strings.TrimPrefix(cfg.Subreddit, "/"), "r/")
	if cfg.Name == "" {
		switch {
		case cfg.Query != "" && cfg.Subreddit != "":
			cfg.Name = "reddit:r/" + cfg.Subreddit + "?" + cfg.Query
		case cfg.Query != "":
			cfg.Name = "reddit:?" + cfg.Query
		case cfg.Comments:
			cfg.Name = "reddit:r/" + cfg.Subreddit + "/comments"
		default:
			cfg.Name = "reddit:r/" + cfg.Subreddit + "/new"
		}
	}
	if cfg.Pages <= 0 {
		cfg.Pages = 10
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	if cfg.TokenURL == "" {
		cfg.TokenURL = DefaultTokenURL
	}
	if cfg.Client == nil {
		cfg.Client = &listen.Client{Quota: listen.PerMinute(100, 10)}
	}
	return &Source{cfg: cfg}, nil
}

// Name implements listen.Source.
func (s *Source) Name() string { return s.cfg.Name }

// Capabilities implements listen.Describer: scores and comment counts,
// threads, backfill to 1000 items; no author metrics in listings.
func (s *Source) Capabilities() listen.Capabilities {
	return listen.Capabilities{Engagement: true, Backfill: true, Replies: true}
}

// Listing is Reddit's listing envelope.
type Listing struct {
	Kind string `json:"kind"`
	Data struct {
		After    *string `json:"after"`
		Before   *string `json:"before"`
		Children []Thing `json:"children"`
	} `json:"data"`
}

// Thing is one child of a listing: a submission (t3) or a comment (t1).
type Thing struct {
	Kind string `json:"kind"`
	Data struct {
		ID            string  `json:"id"`
		Name          string  `json:"name"`
		Title         string  `json:"title"`
		Selftext      string  `json:"selftext"`
		Body          string  `json:"body"`
		Author        string  `json:"author"`
		AuthorFull    string  `json:"author_fullname"`
		Subreddit     string  `json:"subreddit"`
		CreatedUTC    float64 `json:"created_utc"`
		Permalink     string  `json:"permalink"`
		Score         int64   `json:"score"`
		NumComments   int64   `json:"num_comments"`
		LinkID        string  `json:"link_id"`
		ParentID      string  `json:"parent_id"`
		CrosspostOf   string  `json:"crosspost_parent"`
		Lang          string  `json:"lang"`
		Over18        bool    `json:"over_18"`
		AuthorPremium bool    `json:"author_premium"`
	} `json:"data"`

	// bad is set for a child that did not decode but whose name and time
	// did: it is reported, not delivered, and the cursor moves past it.
	bad error
}

// decodeChildren decodes each child of a listing: one that does not decode
// loses nothing else. It is kept, marked bad, if its name and time can be
// read, and returned in unplaced if not, unless rep has seen it.
func decodeChildren(raw []json.RawMessage, rep *reported.Set) (things []Thing, unplaced []error) {
	things = make([]Thing, 0, len(raw))
	for i, r := range raw {
		var t Thing
		err := json.Unmarshal(r, &t)
		if err == nil {
			things = append(things, t)
			continue
		}
		var key struct {
			Data struct {
				Name       string  `json:"name"`
				CreatedUTC float64 `json:"created_utc"`
			} `json:"data"`
		}
		keyErr := json.Unmarshal(r, &key)
		ie := &listen.ItemError{Index: i, Err: err}
		if keyErr == nil {
			ie.ID = key.Data.Name
		}
		bad := fmt.Errorf("reddit: %w", ie)
		if keyErr != nil || key.Data.Name == "" {
			if rep.First(r) {
				unplaced = append(unplaced, bad)
			}
			continue
		}
		t = Thing{bad: bad}
		t.Data.Name, t.Data.CreatedUTC = key.Data.Name, key.Data.CreatedUTC
		things = append(things, t)
	}
	return things, unplaced
}

type cursor struct {
	at    int64
	names []string
}

func parseCursor(s string) (cursor, error) {
	if s == "" {
		return cursor{}, nil
	}
	t, names, _ := strings.Cut(s, ":")
	at, err := strconv.ParseInt(t, 10, 64)
	if err != nil || at < 0 {
		return cursor{}, fmt.Errorf("reddit: bad cursor %q", s)
	}
	c := cursor{at: at}
	if names != "" {
		c.names = strings.Split(names, ",")
	}
	return c, nil
}

func (c cursor) String() string {
	if len(c.names) == 0 {
		return strconv.FormatInt(c.at, 10)
	}
	return strconv.FormatInt(c.at, 10) + ":" + strings.Join(c.names, ",")
}

func (t *Thing) created() int64 { return int64(math.Floor(t.Data.CreatedUTC)) }

// Fetch implements listen.Source.
func (s *Source) Fetch(ctx context.Context, cur string) (listen.Batch, error) {
	if err := ctx.Err(); err != nil {
		return listen.Batch{}, err
	}
	c, err := parseCursor(cur)
	if err != nil {
		return listen.Batch{}, listen.Permanent(err)
	}
	seen := map[string]bool{}
	for _, n := range c.names {
		seen[n] = true
	}
	var fresh []Thing
	var skipped []error
	after := ""
	for range s.cfg.Pages {
		l, unplaced, err := s.page(ctx, after)
		if err != nil {
			return listen.Batch{}, err
		}
		skipped = append(skipped, unplaced...)
		reached := false
		for _, t := range l.Data.Children {
			if t.Data.Name == "" {
				continue
			}
			at := t.created()
			if cur != "" && (at < c.at || at == c.at && seen[t.Data.Name]) {
				reached = true
				continue
			}
			fresh = append(fresh, t)
		}
		if reached || cur == "" || l.Data.After == nil || *l.Data.After == "" {
			break
		}
		after = *l.Data.After
	}
	// Oldest first; within a second by ID.
	slices.SortStableFunc(fresh, func(a, b Thing) int {
		if d := a.created() - b.created(); d != 0 {
			if d < 0 {
				return -1
			}
			return 1
		}
		return ids.Compare(strings.TrimLeft(a.Data.ID, "0"), strings.TrimLeft(b.Data.ID, "0"))
	})
	next := cursor{at: c.at, names: slices.Clone(c.names)}
	var posts []hark.Post
	done := map[string]bool{}
	for i := range fresh {
		t := &fresh[i]
		if done[t.Data.Name] {
			continue // repeated across pages
		}
		done[t.Data.Name] = true
		switch at := t.created(); {
		case at > next.at:
			next = cursor{at: at, names: []string{t.Data.Name}}
		case at == next.at:
			next.names = append(next.names, t.Data.Name)
		}
		if t.bad != nil {
			skipped = append(skipped, t.bad)
			continue
		}
		if p, ok := post(t); ok {
			posts = append(posts, p)
		}
	}
	return listen.Batch{Posts: posts, Cursor: next.String(), Skipped: skipped}, nil
}

// page reads one listing page. It returns too the children that could not
// be read, not even their name and time (one that could is in the listing,
// marked bad).
func (s *Source) page(ctx context.Context, after string) (*Listing, []error, error) {
	q := url.Values{"limit": {"100"}, "raw_json": {"1"}}
	if after != "" {
		q.Set("after", after)
	}
	var path string
	switch {
	case s.cfg.Query != "":
		q.Set("q", s.cfg.Query)
		q.Set("sort", "new")
		q.Set("type", "link")
		path = "/search"
		if s.cfg.Subreddit != "" {
			path = "/r/" + url.PathEscape(s.cfg.Subreddit) + "/search"
			q.Set("restrict_sr", "1")
		}
	case s.cfg.Comments:
		path = "/r/" + url.PathEscape(s.cfg.Subreddit) + "/comments"
	default:
		path = "/r/" + url.PathEscape(s.cfg.Subreddit) + "/new"
	}
	u := s.cfg.BaseURL + path + "?" + q.Encode()
	for attempt := 0; ; attempt++ {
		tok, err := s.accessToken(ctx, attempt > 0)
		if err != nil {
			return nil, nil, err
		}
		var raw struct {
			Kind string `json:"kind"`
			Data struct {
				After    *string           `json:"after"`
				Before   *string           `json:"before"`
				Children []json.RawMessage `json:"children"`
			} `json:"data"`
		}
		h := http.Header{"Authorization": {"Bearer " + tok}, "User-Agent": {s.cfg.UserAgent}}
		_, err = s.cfg.Client.GetJSON(ctx, u, h, &raw)
		if listen.StatusOf(err) == http.StatusUnauthorized && attempt == 0 {
			continue // the token expired early or was revoked: renew once
		}
		if err != nil {
			return nil, nil, fmt.Errorf("reddit: %w", err)
		}
		if raw.Kind != "Listing" {
			return nil, nil, listen.Malformed(fmt.Errorf("reddit: %s: kind %q, want Listing", path, raw.Kind))
		}
		l := &Listing{Kind: raw.Kind}
		l.Data.After, l.Data.Before = raw.Data.After, raw.Data.Before
		var unplaced []error
		l.Data.Children, unplaced = decodeChildren(raw.Data.Children, &s.reported)
		return l, unplaced, nil
	}
}

// accessToken returns a cached application token, fetching one when there
// is none, it is about to expire, or renew is set.
func (s *Source) accessToken(ctx context.Context, renew bool) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	if s.cfg.Client.Now != nil {
		now = s.cfg.Client.Now()
	}
	if !renew && s.token != "" && now.Before(s.expires) {
		return s.token, nil
	}
	form := url.Values{"grant_type": {"client_credentials"}}
	h := http.Header{
		"Content-Type": {"application/x-www-form-urlencoded"},
		"User-Agent":   {s.cfg.UserAgent},
	}
	req, _ := http.NewRequest(http.MethodPost, s.cfg.TokenURL, nil)
	req.SetBasicAuth(s.cfg.ClientID, s.cfg.ClientSecret)
	h.Set("Authorization", req.Header.Get("Authorization"))
	resp, err := s.cfg.Client.Do(ctx, http.MethodPost, s.cfg.TokenURL, h, []byte(form.Encode()))
	if err != nil {
		return "", fmt.Errorf("reddit: access token: %w", err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int64  `json:"expires_in"`
		Error       string `json:"error"`
	}
	if err := json.Unmarshal(resp.Body, &tok); err != nil {
		return "", listen.Malformed(fmt.Errorf("reddit: access token: %w", err))
	}
	if tok.AccessToken == "" {
		// Reddit answers bad credentials with 200 {"error": "invalid_grant"} at times.
		return "", listen.Permanent(fmt.Errorf("reddit: access token refused: %q", tok.Error))
	}
	s.token = tok.AccessToken
	s.expires = now.Add(time.Duration(tok.ExpiresIn)*time.Second - time.Minute)
	return s.token, nil
}

func post(t *Thing) (hark.Post, bool) {
	d := &t.Data
	p := hark.Post{
		ID:      d.Name,
		Source:  "reddit",
		Created: time.Unix(t.created(), 0).UTC(),
		Author:  hark.Author{ID: d.AuthorFull, Handle: "u/" + d.Author},
		Metrics: hark.Engagement{Likes: max(d.Score, 0), Replies: d.NumComments},
	}
	if d.Author == "[deleted]" || d.Author == "" {
		p.Author = hark.Author{}
	}
	if d.Permalink != "" {
		p.URL = "https://www.reddit.com" + d.Permalink
	}
	switch t.Kind {
	case "t3":
		if d.Selftext == "[removed]" || d.Selftext == "[deleted]" {
			return p, false // removed by moderators or deleted by the author
		}
		p.Text = d.Title
		if body := strings.TrimSpace(d.Selftext); body != "" {
			p.Text += "\n\n" + body
		}
		p.ThreadID = d.Name
		p.RepostOf = d.CrosspostOf
	case "t1":
		p.Text = d.Body
		p.ThreadID = d.LinkID
		p.ParentID = d.ParentID
	default:
		return p, false
	}
	if p.Text == "[removed]" || p.Text == "[deleted]" || strings.TrimSpace(p.Text) == "" {
		return p, false
	}
	return p, true
}
