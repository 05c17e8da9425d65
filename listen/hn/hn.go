package hn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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

// DefaultBaseURL is the Algolia HN Search API.
const DefaultBaseURL = "https://hn.algolia.com/api/v1"

// A Config sets up a [Source].
type Config struct {
	// Query is the full-text query ("acme OR acmeair"); "" matches all.
	Query string
	// Tags filters the kind of item; default "(story,comment)".
	Tags string
	// Name is the source name; default "hn".
	Name string
	// HitsPerPage is the page size, at most 1000; default 100.
	HitsPerPage int
	// Backfill is how far back the first fetch (empty cursor) reaches;
	// default 24h.
	Backfill time.Duration
	// BaseURL of the API; default DefaultBaseURL.
	BaseURL string
	// Client sends the requests; nil means a Client with a quota of 1
	// request per second, well under Algolia's 10,000 per hour.
	Client *listen.Client
	// Now is the clock for Backfill; nil means time.Now.
	Now func() time.Time
}

// A Source reads Hacker News posts matching a query.
type Source struct {
	cfg      Config
	reported reported.Set // unplaced hits reported, so once each
}

// New returns a Source for cfg.
func New(cfg Config) *Source {
	if cfg.Tags == "" {
		cfg.Tags = "(story,comment)"
	}
	if cfg.Name == "" {
		cfg.Name = "hn"
	}
	if cfg.HitsPerPage <= 0 || cfg.HitsPerPage > 1000 {
		cfg.HitsPerPage = 100
	}
	if cfg.Backfill <= 0 {
		cfg.Backfill = 24 * time.Hour
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	if cfg.Client == nil {
		cfg.Client = &listen.Client{Quota: listen.NewQuota(1, 2), UserAgent: "hark-listen"}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Source{cfg: cfg}
}

// Name implements listen.Source.
func (s *Source) Name() string { return s.cfg.Name }

// Capabilities implements listen.Describer: points and comment counts for
// stories, threads for comments, backfill by date; no author metrics.
func (s *Source) Capabilities() listen.Capabilities {
	return listen.Capabilities{Engagement: true, Backfill: true, Replies: true}
}

// response is the shape of search_by_date's answer.
type response struct {
	// RawHits are decoded one by one into Hits, so that one bad hit does
	// not lose the page.
	RawHits     []json.RawMessage `json:"hits"`
	Hits        []hit             `json:"-"`
	NbHits      int               `json:"nbHits"`
	NbPages     int               `json:"nbPages"`
	Page        int               `json:"page"`
	HitsPerPage int               `json:"hitsPerPage"`

	unplaced []unplacedHit // hits that could not be read at all
}

// An unplacedHit is a hit whose ID and time could not be read.
type unplacedHit struct {
	raw []byte
	err error
}

type hit struct {
	ObjectID    string   `json:"objectID"`
	Tags        []string `json:"_tags"`
	Author      string   `json:"author"`
	CreatedAtI  int64    `json:"created_at_i"`
	Title       *string  `json:"title"`
	URL         *string  `json:"url"`
	StoryText   *string  `json:"story_text"`
	CommentText *string  `json:"comment_text"`
	Points      *int64   `json:"points"`
	NumComments *int64   `json:"num_comments"`
	StoryID     *int64   `json:"story_id"`
	ParentID    *int64   `json:"parent_id"`

	// bad is set for a hit that did not decode but whose objectID and
	// created_at_i did: it is reported, not delivered, and the cursor
	// moves past it as past any other.
	bad error
}

// hitKey is what of a hit places it in the cursor.
type hitKey struct {
	ObjectID   string `json:"objectID"`
	CreatedAtI int64  `json:"created_at_i"`
}

// decodeHits fills r.Hits from r.RawHits. A hit that does not decode is
// kept, marked bad, if its key can still be read, and returned in
// unplaced if not.
func (r *response) decodeHits() (unplaced []unplacedHit) {
	r.Hits = make([]hit, 0, len(r.RawHits))
	for i, raw := range r.RawHits {
		var h hit
		err := json.Unmarshal(raw, &h)
		if err == nil {
			r.Hits = append(r.Hits, h)
			continue
		}
		ie := &listen.ItemError{Index: i, ID: listen.ItemID(raw, "objectID"), Err: err}
		var k hitKey
		if json.Unmarshal(raw, &k) != nil || k.ObjectID == "" {
			unplaced = append(unplaced, unplacedHit{raw: raw, err: fmt.Errorf("hn: %w", ie)})
			continue
		}
		r.Hits = append(r.Hits, hit{ObjectID: k.ObjectID, CreatedAtI: k.CreatedAtI, bad: fmt.Errorf("hn: %w", ie)})
	}
	return unplaced
}

type cursor struct {
	at  int64
	ids []string // delivered at `at`
}

func parseCursor(s string) (cursor, error) {
	if s == "" {
		return cursor{}, nil
	}
	t, ids, _ := strings.Cut(s, ":")
	at, err := strconv.ParseInt(t, 10, 64)
	if err != nil || at < 0 {
		return cursor{}, fmt.Errorf("hn: bad cursor %q", s)
	}
	c := cursor{at: at}
	if ids != "" {
		c.ids = strings.Split(ids, ",")
	}
	return c, nil
}

func (c cursor) String() string {
	if len(c.ids) == 0 {
		return strconv.FormatInt(c.at, 10)
	}
	return strconv.FormatInt(c.at, 10) + ":" + strings.Join(c.ids, ",")
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
	lo := c.at
	if cur == "" {
		lo = s.cfg.Now().Add(-s.cfg.Backfill).Unix()
	}
	seen := make(map[string]bool, len(c.ids))
	for _, id := range c.ids {
		seen[id] = true
	}
	fresh := func(h *hit) bool { return h.CreatedAtI > c.at || !seen[h.ObjectID] }
	hits, unplaced, err := s.oldest(ctx, lo, fresh)
	if err != nil {
		return listen.Batch{}, err
	}
	var skipped []error
	for _, u := range unplaced {
		// Not placed in time, so not in the cursor, and read again on
		// every poll while in the window: reported once.
		if s.reported.First(u.raw) {
			skipped = append(skipped, u.err)
		}
	}
	slices.SortStableFunc(hits, func(a, b hit) int {
		if a.CreatedAtI != b.CreatedAtI {
			return cmpInt(a.CreatedAtI, b.CreatedAtI)
		}
		return cmpID(a.ObjectID, b.ObjectID)
	})
	next := cursor{at: c.at, ids: slices.Clone(c.ids)}
	done := make(map[string]bool, len(hits)) // a hit served twice in one answer
	if cur == "" {
		next = cursor{at: lo}
	}
	var posts []hark.Post
	for _, h := range hits {
		if h.ObjectID == "" || h.CreatedAtI < c.at || (h.CreatedAtI == c.at && seen[h.ObjectID]) || done[h.ObjectID] {
			continue
		}
		done[h.ObjectID] = true
		switch {
		case h.CreatedAtI > next.at:
			next = cursor{at: h.CreatedAtI, ids: []string{h.ObjectID}}
		case h.CreatedAtI == next.at:
			next.ids = append(next.ids, h.ObjectID)
		}
		if h.bad != nil {
			skipped = append(skipped, h.bad)
			continue
		}
		if p, ok := s.post(&h); ok {
			posts = append(posts, p)
		}
	}
	return listen.Batch{Posts: posts, Cursor: next.String(), Skipped: skipped}, nil
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// cmpID orders numeric IDs numerically.
func cmpID(a, b string) int {
	if len(a) != len(b) {
		return cmpInt(int64(len(a)), int64(len(b)))
	}
	return strings.Compare(a, b)
}

func anyFresh(hits []hit, fresh func(*hit) bool) bool {
	for i := range hits {
		if fresh(&hits[i]) {
			return true
		}
	}
	return false
}

// maxHits is how deep Algolia lets a query page: 1000 hits.
const maxHits = 1000

// oldest returns the oldest page of posts created at lo or later. Results
// come newest first, so it reads the last page of the window; when the
// window holds more than the API lets a query page through, it is cut at
// the oldest reachable post and read again.
//
// The posts of the cursor's second already delivered come back too: if
// the last page holds nothing fresh, the pages before it are read until
// one does.
//
// It returns too the hits of those pages that could not be read, not even
// their ID and time (a hit that could is among the hits, marked bad).
func (s *Source) oldest(ctx context.Context, lo int64, fresh func(*hit) bool) ([]hit, []unplacedHit, error) {
	per := s.cfg.HitsPerPage
	hi := int64(0)
	for range 20 {
		r, err := s.search(ctx, lo, hi, 0)
		if err != nil {
			return nil, nil, err
		}
		if r.NbHits <= len(r.RawHits) || len(r.Hits) == 0 {
			if hi > 0 && !anyFresh(r.Hits, fresh) {
				// The narrowed window was all delivered: read on
				// from its end.
				lo, hi = hi, 0
				continue
			}
			return r.Hits, r.unplaced, nil
		}
		reachable := maxHits / per
		if r.NbHits <= reachable*per {
			// Algolia pages through maxHits at most: a page count
			// past that is not believed (it would have the walk
			// below send a request for every page it names).
			last := min(r.NbPages, reachable) - 1
			r2, err := s.search(ctx, lo, hi, last)
			if err != nil {
				return nil, nil, err
			}
			// It is the last page by its own count (posts that
			// arrived in between did not push the oldest further):
			// it holds the oldest posts.
			if r2.Page != r2.NbPages-1 || len(r2.Hits) == 0 {
				continue
			}
			hits, unplaced := r2.Hits, r2.unplaced
			for page := last - 1; page >= 0 && !anyFresh(hits, fresh); page-- {
				r3, err := s.search(ctx, lo, hi, page)
				if err != nil {
					return nil, nil, err
				}
				hits = append(r3.Hits, hits...)
				unplaced = append(r3.unplaced, unplaced...)
			}
			return hits, unplaced, nil
		}
		r2, err := s.search(ctx, lo, hi, reachable-1)
		if err != nil {
			return nil, nil, err
		}
		if len(r2.Hits) == 0 {
			continue
		}
		oldest := r2.Hits[0].CreatedAtI
		for _, h := range r2.Hits {
			oldest = min(oldest, h.CreatedAtI)
		}
		if oldest <= lo {
			return r2.Hits, r2.unplaced, nil // over a page within one second: take it
		}
		hi = oldest
	}
	return nil, nil, listen.Transient(errors.New("hn: results kept shifting; will retry"))
}

func (s *Source) search(ctx context.Context, lo, hi int64, page int) (*response, error) {
	q := url.Values{}
	q.Set("query", s.cfg.Query)
	q.Set("tags", s.cfg.Tags)
	f := "created_at_i>=" + strconv.FormatInt(lo, 10)
	if hi > 0 {
		f += ",created_at_i<" + strconv.FormatInt(hi, 10)
	}
	q.Set("numericFilters", f)
	q.Set("hitsPerPage", strconv.Itoa(s.cfg.HitsPerPage))
	if page > 0 {
		q.Set("page", strconv.Itoa(page))
	}
	var r response
	if _, err := s.cfg.Client.GetJSON(ctx, s.cfg.BaseURL+"/search_by_date?"+q.Encode(), nil, &r); err != nil {
		return nil, fmt.Errorf("hn: %w", err)
	}
	r.unplaced = r.decodeHits()
	return &r, nil
}

func (s *Source) post(h *hit) (hark.Post, bool) {
	p := hark.Post{
		ID:      h.ObjectID,
		Source:  "hn",
		URL:     "https://news.ycombinator.com/item?id=" + h.ObjectID,
		Created: time.Unix(h.CreatedAtI, 0).UTC(),
		Author:  hark.Author{ID: h.Author, Handle: h.Author},
	}
	switch {
	case h.CommentText != nil:
		p.Text = htmltext.Text(*h.CommentText)
		if h.StoryID != nil {
			p.ThreadID = strconv.FormatInt(*h.StoryID, 10)
		}
		if h.ParentID != nil {
			p.ParentID = strconv.FormatInt(*h.ParentID, 10)
		}
	case h.Title != nil:
		p.Text = *h.Title
		if h.StoryText != nil && *h.StoryText != "" {
			p.Text += "\n\n" + htmltext.Text(*h.StoryText)
		}
		p.ThreadID = h.ObjectID
		if h.Points != nil {
			p.Metrics.Likes = *h.Points
		}
		if h.NumComments != nil {
			p.Metrics.Replies = *h.NumComments
		}
	default:
		return p, false
	}
	return p, strings.TrimSpace(p.Text) != ""
}
