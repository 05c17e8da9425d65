package rss

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/mmcdole/gofeed"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/listen"
	"github.com/harkhq/hark/listen/internal/htmltext"
	"github.com/harkhq/hark/listen/internal/reported"
)

// A Config sets up a [Source].
type Config struct {
	// URL of the feed. Required.
	URL string
	// Name is the source name (checkpoint key); default "rss:" + URL.
	Name string
	// Source is written into the posts: "blog", "reviews", "alerts"...;
	// default "rss".
	Source string
	// Client sends the requests; nil means one with a quota of one
	// request per 10 seconds per feed.
	Client *listen.Client
}

// A Source reads one feed.
type Source struct {
	cfg      Config
	reported reported.Set // items without a readable ID reported, so once each
}

// New returns a Source for cfg.
func New(cfg Config) *Source {
	if cfg.Name == "" {
		cfg.Name = "rss:" + cfg.URL
	}
	if cfg.Source == "" {
		cfg.Source = "rss"
	}
	if cfg.Client == nil {
		cfg.Client = &listen.Client{Quota: listen.PerMinute(6, 1), UserAgent: "hark-listen (feed reader)"}
	}
	return &Source{cfg: cfg}
}

// Name implements listen.Source.
func (s *Source) Name() string { return s.cfg.Name }

// Capabilities implements listen.Describer: a feed holds recent items
// (backfill of its length); no author metrics, engagement or threads.
func (s *Source) Capabilities() listen.Capabilities {
	return listen.Capabilities{Backfill: true}
}

// cursor is what the checkpoint keeps, as JSON.
type cursor struct {
	ETag         string   `json:"etag,omitempty"`
	LastModified string   `json:"last_modified,omitempty"`
	Seen         []string `json:"seen,omitempty"` // digests of the feed's items
}

func parseCursor(s string) (cursor, error) {
	var c cursor
	if s == "" {
		return c, nil
	}
	if err := json.Unmarshal([]byte(s), &c); err != nil {
		return c, fmt.Errorf("rss: bad cursor: %w", err)
	}
	return c, nil
}

func (c cursor) String() string {
	b, _ := json.Marshal(c)
	return string(b)
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
	h := http.Header{"Accept": {"application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, */*;q=0.8"}}
	if c.ETag != "" {
		h.Set("If-None-Match", c.ETag)
	}
	if c.LastModified != "" {
		h.Set("If-Modified-Since", c.LastModified)
	}
	var feed *gofeed.Feed
	var bad []badItem
	resp, err := s.cfg.Client.GetDecode(ctx, s.cfg.URL, h, func(body []byte) error {
		f, b, err := parseFeed(body)
		if err != nil {
			return err
		}
		feed, bad = f, b
		return nil
	})
	if err != nil {
		return listen.Batch{}, fmt.Errorf("rss: %w", err)
	}
	if resp.Status == http.StatusNotModified || feed == nil {
		return listen.Batch{Cursor: cur}, nil
	}
	seen := make(map[string]bool, len(c.Seen))
	for _, d := range c.Seen {
		seen[d] = true
	}
	next := cursor{ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified")}
	var skipped []error
	for _, b := range bad {
		if b.id == "" {
			// Not in the cursor: remembered in memory, by its bytes.
			if s.reported.First(b.raw) {
				skipped = append(skipped, b.err)
			}
			continue
		}
		d := digest(b.id)
		if slices.Contains(next.Seen, d) {
			continue
		}
		// Remembered like a delivered item: reported once.
		next.Seen = append(next.Seen, d)
		if !seen[d] {
			skipped = append(skipped, b.err)
		}
	}
	var posts []hark.Post
	for _, it := range feed.Items {
		p, ok := s.post(feed, it)
		if !ok {
			continue
		}
		d := digest(p.ID)
		if slices.Contains(next.Seen, d) {
			continue // repeated within the feed
		}
		next.Seen = append(next.Seen, d)
		if !seen[d] {
			posts = append(posts, p)
		}
	}
	slices.SortStableFunc(posts, func(a, b hark.Post) int { return a.Created.Compare(b.Created) })
	return listen.Batch{Posts: posts, Cursor: next.String(), Skipped: skipped}, nil
}

// A badItem is an item of a feed that could not be read.
type badItem struct {
	id  string // its ID, "" if that could not be read either
	err error
	raw []byte
}

// parseFeed parses a feed. gofeed reads RSS and Atom leniently, item by
// item: an item with a date it cannot read, or broken markup in a field,
// is kept with what could be read (a date left unset), so one bad item
// does not fail the feed. A JSON Feed, though, it decodes whole: one item
// with a field of the wrong type fails it all. So a JSON Feed that fails
// is read again one item at a time, and the items that fail alone are
// returned as bad; the feed fails only if its envelope does.
func parseFeed(body []byte) (*gofeed.Feed, []badItem, error) {
	feed, err := gofeed.NewParser().Parse(bytes.NewReader(body))
	if err == nil || gofeed.DetectFeedType(bytes.NewReader(body)) != gofeed.FeedTypeJSON {
		return feed, nil, err
	}
	var env map[string]json.RawMessage
	var items []json.RawMessage
	if json.Unmarshal(body, &env) != nil || json.Unmarshal(env["items"], &items) != nil {
		return nil, nil, err
	}
	parse := func(items string) (*gofeed.Feed, error) {
		env["items"] = json.RawMessage(items)
		b, err := json.Marshal(env)
		if err != nil {
			return nil, err
		}
		return gofeed.NewParser().Parse(bytes.NewReader(b))
	}
	feed, envErr := parse("[]")
	if envErr != nil {
		return nil, nil, err
	}
	var bad []badItem
	for i, raw := range items {
		one, err := parse("[" + string(raw) + "]")
		if err != nil {
			id := listen.ItemID(raw, "id")
			bad = append(bad, badItem{id: id, err: fmt.Errorf("rss: %w", &listen.ItemError{Index: i, ID: id, Err: err}), raw: raw})
			continue
		}
		feed.Items = append(feed.Items, one.Items...)
	}
	return feed, bad, nil
}

// digest is a short stable name of an item ID for the cursor.
func digest(id string) string {
	h := fnv.New64a()
	h.Write([]byte(id))
	return strconv.FormatUint(h.Sum64(), 36)
}

func (s *Source) post(feed *gofeed.Feed, it *gofeed.Item) (hark.Post, bool) {
	id := it.GUID
	if id == "" {
		id = it.Link
	}
	if id == "" && it.Title != "" {
		id = "title:" + it.Title + "@" + it.Published
	}
	if id == "" {
		return hark.Post{}, false
	}
	body := it.Content
	if body == "" {
		body = it.Description
	}
	title := htmltext.Text(it.Title)
	text := htmltext.Text(body)
	switch {
	case title == "":
	case text == "" || strings.HasPrefix(text, title):
		text = title
	default:
		text = title + "\n\n" + text
	}
	p := hark.Post{
		ID:     id,
		Source: s.cfg.Source,
		URL:    it.Link,
		Text:   text,
		Lang:   feed.Language,
	}
	switch {
	case it.PublishedParsed != nil:
		p.Created = it.PublishedParsed.UTC()
	case it.UpdatedParsed != nil:
		p.Created = it.UpdatedParsed.UTC()
	}
	if len(it.Authors) > 0 && it.Authors[0] != nil {
		p.Author.Name = it.Authors[0].Name
	}
	return p, strings.TrimSpace(p.Text) != ""
}
