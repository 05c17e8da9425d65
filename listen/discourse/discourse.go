package discourse

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/listen"
	"github.com/harkhq/hark/listen/internal/htmltext"
	"github.com/harkhq/hark/listen/internal/reported"
)

// A Config sets up a [Source].
type Config struct {
	// Forum is the base URL, "https://community.example.com". Required.
	Forum string
	// Query searches the forum; "" reads its latest posts.
	Query string
	// APIKey and APIUser authenticate (private categories, higher
	// limits); optional.
	APIKey, APIUser string
	// Name is the source name; default "discourse:<host>" plus the query.
	Name string
	// Pages bounds the pages one fetch of the latest posts reads back;
	// default 5.
	Pages int
	// Client sends the requests; nil means one with a quota of 60
	// requests per minute, under Discourse's default per-IP limits.
	Client *listen.Client
}

// A Source reads one forum.
type Source struct {
	cfg      Config
	host     string
	reported reported.Set // unplaced posts and bad topics reported, so once each
}

// New returns a Source, or an error if Forum is not a URL.
func New(cfg Config) (*Source, error) {
	cfg.Forum = strings.TrimRight(cfg.Forum, "/")
	u, err := url.Parse(cfg.Forum)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("discourse: forum %q is not a URL", cfg.Forum)
	}
	if (cfg.APIKey == "") != (cfg.APIUser == "") {
		return nil, errors.New("discourse: set both APIKey and APIUser, or neither")
	}
	if cfg.Name == "" {
		cfg.Name = "discourse:" + u.Host
		if cfg.Query != "" {
			cfg.Name += "?" + cfg.Query
		}
	}
	if cfg.Pages <= 0 {
		cfg.Pages = 5
	}
	if cfg.Client == nil {
		cfg.Client = &listen.Client{Quota: listen.PerMinute(60, 5), UserAgent: "hark-listen"}
	}
	return &Source{cfg: cfg, host: u.Host}, nil
}

// Name implements listen.Source.
func (s *Source) Name() string { return s.cfg.Name }

// Capabilities implements listen.Describer: threads and replies, likes and
// reply counts; no author metrics (they need one call per user).
func (s *Source) Capabilities() listen.Capabilities {
	return listen.Capabilities{Engagement: true, Backfill: true, Replies: true}
}

// Post is a post as /posts.json and /search.json give it.
type Post struct {
	ID                int64     `json:"id"`
	Name              string    `json:"name"`
	Username          string    `json:"username"`
	CreatedAt         time.Time `json:"created_at"`
	Cooked            string    `json:"cooked"`
	Blurb             string    `json:"blurb"`
	PostNumber        int64     `json:"post_number"`
	PostType          int       `json:"post_type"`
	ReplyCount        int64     `json:"reply_count"`
	ReplyToPostNumber *int64    `json:"reply_to_post_number"`
	TopicID           int64     `json:"topic_id"`
	TopicSlug         string    `json:"topic_slug"`
	TopicTitle        string    `json:"topic_title"`
	LikeCount         int64     `json:"like_count"`
	Hidden            bool      `json:"hidden"`
	UserDeleted       bool      `json:"user_deleted"`

	// bad is set for a post that did not decode but whose ID did: it is
	// reported, not delivered, and the cursor moves past it.
	bad error
}

type topic struct {
	ID    int64  `json:"id"`
	Title string `json:"title"`
	Slug  string `json:"slug"`
}

type searchResult struct {
	Posts  []json.RawMessage `json:"posts"`
	Topics []json.RawMessage `json:"topics"`
}

// decodePosts decodes each of raw, so that one post that does not decode
// loses nothing else. It is kept, marked bad, if its ID can be read, and
// returned in unplaced if not, unless rep has seen it.
func decodePosts(raw []json.RawMessage, rep *reported.Set) (posts []Post, unplaced []error) {
	posts = make([]Post, 0, len(raw))
	for i, r := range raw {
		var p Post
		err := json.Unmarshal(r, &p)
		if err == nil {
			posts = append(posts, p)
			continue
		}
		bad := fmt.Errorf("discourse: post %w", &listen.ItemError{Index: i, ID: listen.ItemID(r, "id"), Err: err})
		var key struct {
			ID int64 `json:"id"`
		}
		if json.Unmarshal(r, &key) != nil || key.ID <= 0 {
			if rep.First(r) {
				unplaced = append(unplaced, bad)
			}
			continue
		}
		posts = append(posts, Post{ID: key.ID, bad: bad})
	}
	return posts, unplaced
}

// Fetch implements listen.Source.
func (s *Source) Fetch(ctx context.Context, cur string) (listen.Batch, error) {
	if err := ctx.Err(); err != nil {
		return listen.Batch{}, err
	}
	var after int64
	if cur != "" {
		n, err := strconv.ParseInt(cur, 10, 64)
		if err != nil || n < 0 {
			return listen.Batch{}, listen.Permanent(fmt.Errorf("discourse: bad cursor %q", cur))
		}
		after = n
	}
	var (
		posts   []Post
		skipped []error
		err     error
	)
	if s.cfg.Query != "" {
		posts, skipped, err = s.search(ctx)
	} else {
		posts, skipped, err = s.latest(ctx, after)
	}
	if err != nil {
		return listen.Batch{}, err
	}
	slices.SortFunc(posts, func(a, b Post) int { return cmp(a.ID, b.ID) })
	next := after
	var out []hark.Post
	for i := range posts {
		p := &posts[i]
		if p.ID <= after || (i > 0 && posts[i-1].ID == p.ID) {
			continue
		}
		next = max(next, p.ID)
		if p.bad != nil {
			skipped = append(skipped, p.bad)
			continue
		}
		if hp, ok := s.post(p); ok {
			out = append(out, hp)
		}
	}
	return listen.Batch{Posts: out, Cursor: strconv.FormatInt(next, 10), Skipped: skipped}, nil
}

func cmp(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (s *Source) header() http.Header {
	h := http.Header{"Accept": {"application/json"}}
	if s.cfg.APIKey != "" {
		h.Set("Api-Key", s.cfg.APIKey)
		h.Set("Api-Username", s.cfg.APIUser)
	}
	return h
}

// latest reads /posts.json back from the newest until a page reaches
// after, or Pages are read. It returns too the posts that could not be
// read, not even their ID (one that could is among the posts, marked bad).
func (s *Source) latest(ctx context.Context, after int64) ([]Post, []error, error) {
	var all []Post
	var unplaced []error
	before := int64(0)
	for range s.cfg.Pages {
		u := s.cfg.Forum + "/posts.json"
		if before > 0 {
			u += "?before=" + strconv.FormatInt(before, 10)
		}
		var r struct {
			LatestPosts []json.RawMessage `json:"latest_posts"`
		}
		if _, err := s.cfg.Client.GetJSON(ctx, u, s.header(), &r); err != nil {
			return nil, nil, fmt.Errorf("discourse: %w", err)
		}
		if r.LatestPosts == nil {
			return nil, nil, listen.Malformed(errors.New(`discourse: /posts.json without "latest_posts"`))
		}
		page, bad := decodePosts(r.LatestPosts, &s.reported)
		unplaced = append(unplaced, bad...)
		all = append(all, page...)
		if len(page) == 0 || after == 0 {
			break
		}
		lowest := page[0].ID
		for _, p := range page {
			lowest = min(lowest, p.ID)
		}
		if lowest <= after+1 || (before > 0 && lowest >= before) {
			break
		}
		before = lowest
	}
	return all, unplaced, nil
}

// search reads the newest page of /search.json; topic titles are filled
// in from its topics. It returns too the posts and topics that could not
// be read (a post whose ID could is among the posts, marked bad).
func (s *Source) search(ctx context.Context) ([]Post, []error, error) {
	q := url.Values{"q": {s.cfg.Query + " order:latest"}}
	var r searchResult
	if _, err := s.cfg.Client.GetJSON(ctx, s.cfg.Forum+"/search.json?"+q.Encode(), s.header(), &r); err != nil {
		return nil, nil, fmt.Errorf("discourse: %w", err)
	}
	posts, unplaced := decodePosts(r.Posts, &s.reported)
	topics, bad := listen.DecodeItems[topic](r.Topics, "id")
	for _, err := range bad {
		// The posts of an unreadable topic are delivered without its
		// title. The newest page is read on every poll: once is enough.
		var ie *listen.ItemError
		if errors.As(err, &ie) && !s.reported.First(r.Topics[ie.Index]) {
			continue
		}
		unplaced = append(unplaced, fmt.Errorf("discourse: topic %w", err))
	}
	titles := map[int64]int{}
	for i, t := range topics {
		titles[t.ID] = i
	}
	for i := range posts {
		if j, ok := titles[posts[i].TopicID]; ok {
			posts[i].TopicTitle = topics[j].Title
			posts[i].TopicSlug = topics[j].Slug
		}
	}
	return posts, unplaced, nil
}

// postID names a post by topic and number.
func postID(topic, number int64) string {
	return strconv.FormatInt(topic, 10) + "/" + strconv.FormatInt(number, 10)
}

func (s *Source) post(p *Post) (hark.Post, bool) {
	if p.Hidden || p.UserDeleted || p.TopicID == 0 || p.PostNumber == 0 {
		return hark.Post{}, false
	}
	// post_type 1 is a regular post; 2 moderator actions, 3 small
	// actions (closed, pinned), 4 whispers.
	if p.PostType != 0 && p.PostType != 1 {
		return hark.Post{}, false
	}
	body := p.Cooked
	if body == "" {
		body = p.Blurb
	}
	text := htmltext.Text(body)
	if p.PostNumber == 1 && p.TopicTitle != "" {
		text = p.TopicTitle + "\n\n" + text
	}
	hp := hark.Post{
		ID:       postID(p.TopicID, p.PostNumber),
		Source:   "forum",
		Text:     strings.TrimSpace(text),
		Created:  p.CreatedAt.UTC(),
		Author:   hark.Author{ID: p.Username, Handle: "@" + p.Username, Name: p.Name},
		Metrics:  hark.Engagement{Likes: p.LikeCount, Replies: p.ReplyCount},
		ThreadID: postID(p.TopicID, 1),
	}
	slug := p.TopicSlug
	if slug == "" {
		slug = "-"
	}
	hp.URL = s.cfg.Forum + "/t/" + slug + "/" + strconv.FormatInt(p.TopicID, 10) + "/" + strconv.FormatInt(p.PostNumber, 10)
	if p.PostNumber > 1 {
		parent := int64(1)
		if p.ReplyToPostNumber != nil && *p.ReplyToPostNumber > 0 {
			parent = *p.ReplyToPostNumber
		}
		hp.ParentID = postID(p.TopicID, parent)
	}
	if p.Username == "" {
		hp.Author = hark.Author{}
	}
	return hp, hp.Text != ""
}
