package appstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/listen"
	"github.com/harkhq/hark/listen/internal/ids"
	"github.com/harkhq/hark/listen/internal/reported"
)

// DefaultBaseURL serves the customer reviews feeds.
const DefaultBaseURL = "https://itunes.apple.com"

// A Config sets up a [Source].
type Config struct {
	// AppID is the numeric App Store ID of the app. Required.
	AppID string
	// Countries are the storefronts to read, ISO 3166 alpha-2 ("us",
	// "gb"); default just "us".
	Countries []string
	// Name is the source name; default "appstore:" + AppID.
	Name string
	// Pages bounds the pages read per country and fetch, at most 10;
	// default 10.
	Pages int
	// BaseURL of the feeds; default DefaultBaseURL.
	BaseURL string
	// Client sends the requests; nil means one with a quota of 20 per
	// minute (Apple publishes no limit; be gentle).
	Client *listen.Client
}

// A Source reads one app's reviews in several storefronts.
type Source struct {
	cfg      Config
	reported reported.Set // entries without a readable ID reported, so once each
}

// New returns a Source, or an error if AppID is not numeric.
func New(cfg Config) (*Source, error) {
	if cfg.AppID == "" || strings.Trim(cfg.AppID, "0123456789") != "" {
		return nil, fmt.Errorf("appstore: AppID %q must be the numeric app ID", cfg.AppID)
	}
	if len(cfg.Countries) == 0 {
		cfg.Countries = []string{"us"}
	}
	for i, c := range cfg.Countries {
		c = strings.ToLower(c)
		if len(c) != 2 || strings.Trim(c, "abcdefghijklmnopqrstuvwxyz") != "" {
			return nil, fmt.Errorf("appstore: country %q is not an ISO 3166 alpha-2 code", c)
		}
		cfg.Countries[i] = c
	}
	if cfg.Name == "" {
		cfg.Name = "appstore:" + cfg.AppID
	}
	if cfg.Pages <= 0 || cfg.Pages > 10 {
		cfg.Pages = 10
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	if cfg.Client == nil {
		cfg.Client = &listen.Client{Quota: listen.PerMinute(20, 2), UserAgent: "hark-listen"}
	}
	return &Source{cfg: cfg}, nil
}

// Name implements listen.Source.
func (s *Source) Name() string { return s.cfg.Name }

// Capabilities implements listen.Describer: helpfulness votes as likes,
// backfill to 500 reviews per country; no author metrics or threads.
func (s *Source) Capabilities() listen.Capabilities {
	return listen.Capabilities{Engagement: true, Backfill: true}
}

// A Review is one customer review as the feed gives it.
type Review struct {
	ID      string
	Country string
	Author  string
	Title   string
	Content string
	Rating  int // 1 to 5 stars
	Version string
	Votes   int64 // helpfulness votes
	Updated time.Time
	URL     string
}

type label struct {
	Label string `json:"label"`
}

type entry struct {
	Author struct {
		Name label `json:"name"`
		URI  label `json:"uri"`
	} `json:"author"`
	Updated label `json:"updated"`
	Rating  label `json:"im:rating"`
	Version label `json:"im:version"`
	ID      label `json:"id"`
	Title   label `json:"title"`
	Content label `json:"content"`
	VoteSum label `json:"im:voteSum"`
	Link    struct {
		Attributes struct {
			Href string `json:"href"`
		} `json:"attributes"`
	} `json:"link"`
}

// entries accepts the feed's entry as an array, a single object (one
// review), or absent (none), leaving each entry undecoded.
type entries []json.RawMessage

func (e *entries) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '{' {
		*e = entries{slices.Clone(b)}
		return nil
	}
	var many []json.RawMessage
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*e = many
	return nil
}

// A badEntry is an entry of a feed page that could not be read.
type badEntry struct {
	id  string // its review ID, "" if that could not be read either
	err error  // an *listen.ItemError
	raw []byte
}

// ParseFeed decodes one page of the customer reviews JSON feed of country.
// Entries that are not reviews (the app's own entry that older feeds put
// first) are skipped. If some entries cannot be read, it returns the
// reviews of the others and an error that names each bad entry and wraps
// [listen.ErrMalformed]; a page that cannot be read at all gives no
// reviews.
func ParseFeed(country string, body []byte) ([]Review, error) {
	out, bad, err := parseFeed(country, body)
	if err != nil {
		return nil, err
	}
	errs := make([]error, len(bad))
	for i, b := range bad {
		errs[i] = b.err
	}
	return out, errors.Join(errs...)
}

func parseFeed(country string, body []byte) ([]Review, []badEntry, error) {
	var f struct {
		Feed *struct {
			Entry entries `json:"entry"`
		} `json:"feed"`
	}
	if err := json.Unmarshal(body, &f); err != nil {
		return nil, nil, err
	}
	if f.Feed == nil {
		return nil, nil, errors.New(`appstore: no "feed"`)
	}
	var out []Review
	var bad []badEntry
	for i, raw := range f.Feed.Entry {
		var e entry
		if err := json.Unmarshal(raw, &e); err != nil {
			var key struct {
				ID label `json:"id"`
			}
			var id string
			if json.Unmarshal(raw, &key) == nil && key.ID.Label != "" && strings.Trim(key.ID.Label, "0123456789") == "" {
				id = key.ID.Label
			}
			ie := &listen.ItemError{Index: i, ID: id, Err: err}
			bad = append(bad, badEntry{id: id, err: fmt.Errorf("appstore: %s: entry %w", country, ie), raw: raw})
			continue
		}
		if e.Rating.Label == "" || e.ID.Label == "" {
			continue
		}
		r := Review{
			ID: e.ID.Label, Country: country, Author: e.Author.Name.Label,
			Title: e.Title.Label, Content: e.Content.Label, Version: e.Version.Label,
			URL: e.Link.Attributes.Href,
		}
		r.Rating, _ = strconv.Atoi(e.Rating.Label)
		r.Votes, _ = strconv.ParseInt(e.VoteSum.Label, 10, 64)
		if t, err := time.Parse(time.RFC3339, e.Updated.Label); err == nil {
			r.Updated = t.UTC()
		}
		out = append(out, r)
	}
	return out, bad, nil
}

// cursor maps country to the highest review ID delivered.
type cursor map[string]string

func parseCursor(s string) (cursor, error) {
	c := cursor{}
	if s == "" {
		return c, nil
	}
	for _, part := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(part, "=")
		if !ok || k == "" || v == "" || strings.Trim(v, "0123456789") != "" {
			return nil, fmt.Errorf("appstore: bad cursor %q", s)
		}
		c[k] = v
	}
	return c, nil
}

func (c cursor) String() string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + c[k]
	}
	return strings.Join(parts, ",")
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
	next := cursor{}
	for k, v := range c {
		next[k] = v
	}
	var posts []hark.Post
	var skipped []error
	for _, country := range s.cfg.Countries {
		reviews, bad, err := s.country(ctx, country, c[country])
		if err != nil {
			return listen.Batch{}, err
		}
		for _, r := range reviews {
			next[country] = ids.Max(next[country], r.ID)
			posts = append(posts, post(&r))
		}
		for _, b := range bad {
			if b.id != "" {
				next[country] = ids.Max(next[country], b.id)
			}
			skipped = append(skipped, b.err)
		}
	}
	slices.SortStableFunc(posts, func(a, b hark.Post) int { return a.Created.Compare(b.Created) })
	return listen.Batch{Posts: posts, Cursor: next.String(), Skipped: skipped}, nil
}

// country reads the pages of one storefront newer than after, oldest
// first, and the entries of those pages that could not be read: those
// whose ID is newer than after, and those whose ID could not be read
// either.
func (s *Source) country(ctx context.Context, country, after string) ([]Review, []badEntry, error) {
	var fresh []Review
	var skipped []badEntry
	seen := map[string]bool{}
	for page := 1; page <= s.cfg.Pages; page++ {
		u := fmt.Sprintf("%s/%s/rss/customerreviews/page=%d/id=%s/sortby=mostrecent/json",
			s.cfg.BaseURL, url.PathEscape(country), page, s.cfg.AppID)
		var reviews []Review
		var bad []badEntry
		_, err := s.cfg.Client.GetDecode(ctx, u, nil, func(body []byte) error {
			var err error
			reviews, bad, err = parseFeed(country, body)
			return err
		})
		if err != nil {
			return nil, nil, fmt.Errorf("appstore: %s: %w", country, err)
		}
		reached := false
		for _, b := range bad {
			if b.id != "" && after != "" && ids.Compare(b.id, after) <= 0 {
				reached = true
				continue
			}
			switch {
			case b.id == "":
				if s.reported.First(b.raw) {
					skipped = append(skipped, b)
				}
			case !seen[b.id]:
				seen[b.id] = true
				skipped = append(skipped, b)
			}
		}
		for _, r := range reviews {
			if after != "" && ids.Compare(r.ID, after) <= 0 {
				reached = true
				continue
			}
			if !seen[r.ID] {
				seen[r.ID] = true
				fresh = append(fresh, r)
			}
		}
		if reached || len(reviews) == 0 {
			break
		}
	}
	slices.SortFunc(fresh, func(a, b Review) int { return ids.Compare(a.ID, b.ID) })
	return fresh, skipped, nil
}

func post(r *Review) hark.Post {
	text := strings.TrimSpace(r.Title)
	if body := strings.TrimSpace(r.Content); body != "" {
		if text != "" {
			text += "\n\n"
		}
		text += body
	}
	return hark.Post{
		ID:      r.ID,
		Source:  "appstore",
		URL:     r.URL,
		Text:    text,
		Created: r.Updated,
		Author:  hark.Author{Name: r.Author},
		Metrics: hark.Engagement{Likes: r.Votes},
	}
}
