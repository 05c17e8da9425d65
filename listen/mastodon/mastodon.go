package mastodon

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
	"github.com/harkhq/hark/listen/internal/ids"
	"github.com/harkhq/hark/listen/internal/reported"
)

// A Config sets up a [Source]. Exactly one of Hashtag and Query is set.
type Config struct {
	// Instance is the server's base URL, "https://mastodon.social".
	Instance string
	// Hashtag is a tag to follow, with or without "#".
	Hashtag string
	// Query is a full-text search (needs Token; the instance must offer
	// full-text search).
	Query string
	// Token is an OAuth access token with read:statuses, if any.
	Token string
	// Local keeps only the instance's own statuses (hashtag timelines).
	Local bool
	// Limit is the page size, at most 40; default 40.
	Limit int
	// Name is the source name; default "mastodon:<host>:#tag" or
	// "mastodon:<host>:?query".
	Name string
	// Client sends the requests; nil means one with a quota of 300
	// requests per 5 minutes, Mastodon's default per token or IP.
	Client *listen.Client
}

// A Source reads one hashtag or search on one instance.
type Source struct {
	cfg      Config
	reported reported.Set // unplaced statuses reported, so once each
}

// New returns a Source for cfg, or an error if cfg is incomplete.
func New(cfg Config) (*Source, error) {
	cfg.Instance = strings.TrimRight(cfg.Instance, "/")
	cfg.Hashtag = strings.TrimPrefix(cfg.Hashtag, "#")
	u, err := url.Parse(cfg.Instance)
	switch {
	case err != nil || u.Host == "":
		return nil, fmt.Errorf("mastodon: instance %q is not a URL", cfg.Instance)
	case (cfg.Hashtag == "") == (cfg.Query == ""):
		return nil, errors.New("mastodon: set exactly one of Hashtag and Query")
	case cfg.Query != "" && cfg.Token == "":
		return nil, errors.New("mastodon: status search needs a Token")
	}
	if cfg.Limit <= 0 || cfg.Limit > 40 {
		cfg.Limit = 40
	}
	if cfg.Name == "" {
		if cfg.Hashtag != "" {
			cfg.Name = "mastodon:" + u.Host + ":#" + strings.ToLower(cfg.Hashtag)
		} else {
			cfg.Name = "mastodon:" + u.Host + ":?" + cfg.Query
		}
	}
	if cfg.Client == nil {
		cfg.Client = &listen.Client{Quota: listen.PerMinute(60, 5), UserAgent: "hark-listen"}
	}
	return &Source{cfg: cfg}, nil
}

// Name implements listen.Source.
func (s *Source) Name() string { return s.cfg.Name }

// Capabilities implements listen.Describer.
func (s *Source) Capabilities() listen.Capabilities {
	return listen.Capabilities{AuthorMetrics: true, Engagement: true, Backfill: true, Replies: true}
}

// Status is the part of Mastodon's Status entity Hark reads.
type Status struct {
	ID              string    `json:"id"`
	CreatedAt       time.Time `json:"created_at"`
	InReplyToID     *string   `json:"in_reply_to_id"`
	Language        *string   `json:"language"`
	URI             string    `json:"uri"`
	URL             *string   `json:"url"`
	RepliesCount    int64     `json:"replies_count"`
	ReblogsCount    int64     `json:"reblogs_count"`
	FavouritesCount int64     `json:"favourites_count"`
	QuotesCount     int64     `json:"quotes_count"`
	Content         string    `json:"content"`
	SpoilerText     string    `json:"spoiler_text"`
	Reblog          *Status   `json:"reblog"`
	Account         Account   `json:"account"`
	Mentions        []struct {
		Acct string `json:"acct"`
	} `json:"mentions"`
	Tags []struct {
		Name string `json:"name"`
	} `json:"tags"`

	// bad is set for a status that did not decode but whose ID did: it
	// is reported, not delivered, and the cursor moves past it.
	bad error
}

// decodeStatuses decodes each of raw: one status that does not decode
// loses nothing else. It is kept, marked bad, if its ID can be read, and
// returned in unplaced if not, unless rep has seen it.
func decodeStatuses(raw []json.RawMessage, rep *reported.Set) (statuses []Status, unplaced []error) {
	statuses = make([]Status, 0, len(raw))
	for i, r := range raw {
		var st Status
		err := json.Unmarshal(r, &st)
		if err == nil {
			statuses = append(statuses, st)
			continue
		}
		ie := fmt.Errorf("mastodon: %w", &listen.ItemError{Index: i, ID: listen.ItemID(r, "id"), Err: err})
		var key struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(r, &key) != nil || key.ID == "" || strings.Trim(key.ID, "0123456789") != "" {
			if rep.First(r) {
				unplaced = append(unplaced, ie)
			}
			continue
		}
		statuses = append(statuses, Status{ID: key.ID, bad: ie})
	}
	return statuses, unplaced
}

// Account is the part of Mastodon's Account entity Hark reads.
type Account struct {
	ID             string    `json:"id"`
	Username       string    `json:"username"`
	Acct           string    `json:"acct"`
	DisplayName    string    `json:"display_name"`
	Bot            bool      `json:"bot"`
	CreatedAt      time.Time `json:"created_at"`
	FollowersCount int64     `json:"followers_count"`
	FollowingCount int64     `json:"following_count"`
	StatusesCount  int64     `json:"statuses_count"`
}

// Fetch implements listen.Source.
func (s *Source) Fetch(ctx context.Context, cursor string) (listen.Batch, error) {
	if err := ctx.Err(); err != nil {
		return listen.Batch{}, err
	}
	if cursor != "" && strings.Trim(cursor, "0123456789") != "" {
		return listen.Batch{}, listen.Permanent(fmt.Errorf("mastodon: bad cursor %q", cursor))
	}
	q := url.Values{}
	q.Set("limit", strconv.Itoa(s.cfg.Limit))
	if cursor != "" {
		q.Set("min_id", cursor)
	}
	var endpoint string
	if s.cfg.Hashtag != "" {
		endpoint = s.cfg.Instance + "/api/v1/timelines/tag/" + url.PathEscape(s.cfg.Hashtag)
		if s.cfg.Local {
			q.Set("local", "true")
		}
	} else {
		endpoint = s.cfg.Instance + "/api/v2/search"
		q.Set("q", s.cfg.Query)
		q.Set("type", "statuses")
		q.Set("resolve", "false")
	}
	var h http.Header
	if s.cfg.Token != "" {
		h = http.Header{"Authorization": {"Bearer " + s.cfg.Token}}
	}
	var raw []json.RawMessage
	var err error
	if s.cfg.Hashtag != "" {
		_, err = s.cfg.Client.GetJSON(ctx, endpoint+"?"+q.Encode(), h, &raw)
	} else {
		var r struct {
			Statuses []json.RawMessage `json:"statuses"`
		}
		_, err = s.cfg.Client.GetJSON(ctx, endpoint+"?"+q.Encode(), h, &r)
		raw = r.Statuses
	}
	if err != nil {
		return listen.Batch{}, fmt.Errorf("mastodon: %w", err)
	}
	statuses, skipped := decodeStatuses(raw, &s.reported)
	// Newest first on the wire; deliver oldest first, only after cursor.
	slices.SortFunc(statuses, func(a, b Status) int { return ids.Compare(a.ID, b.ID) })
	next := cursor
	var posts []hark.Post
	for i := range statuses {
		st := &statuses[i]
		if st.ID == "" || (cursor != "" && ids.Compare(st.ID, cursor) <= 0) || (i > 0 && statuses[i-1].ID == st.ID) {
			continue // empty, already delivered, or repeated in this answer
		}
		next = ids.Max(next, st.ID)
		if st.bad != nil {
			skipped = append(skipped, st.bad)
			continue
		}
		if p, ok := s.post(st); ok {
			posts = append(posts, p)
		}
	}
	return listen.Batch{Posts: posts, Cursor: next, Skipped: skipped}, nil
}

func (s *Source) post(st *Status) (hark.Post, bool) {
	p := hark.Post{
		ID:      st.ID,
		Source:  "mastodon",
		Created: st.CreatedAt.UTC(),
		Author:  author(&st.Account, s.host()),
	}
	body := st
	if st.Reblog != nil {
		body = st.Reblog
		p.RepostOf = st.Reblog.URI
	}
	p.Text = htmltext.Text(body.Content)
	if body.SpoilerText != "" {
		p.Text = body.SpoilerText + "\n\n" + p.Text
	}
	if body.URL != nil {
		p.URL = *body.URL
	} else {
		p.URL = body.URI
	}
	if body.Language != nil {
		p.Lang = *body.Language
	}
	if body.InReplyToID != nil {
		p.ParentID = *body.InReplyToID
	}
	p.Metrics = hark.Engagement{Likes: body.FavouritesCount, Reposts: body.ReblogsCount, Replies: body.RepliesCount, Quotes: body.QuotesCount}
	for _, m := range body.Mentions {
		p.Mentions = append(p.Mentions, "@"+m.Acct)
	}
	for _, t := range body.Tags {
		p.Tags = append(p.Tags, "#"+t.Name)
	}
	return p, p.Text != ""
}

func (s *Source) host() string {
	u, _ := url.Parse(s.cfg.Instance)
	return u.Host
}

// author maps an account. A local account's acct lacks the domain, which
// is added so handles are global; the full acct is the author's ID, as
// account IDs differ from instance to instance.
func author(a *Account, host string) hark.Author {
	acct := a.Acct
	if acct != "" && !strings.Contains(acct, "@") {
		acct += "@" + host
	}
	return hark.Author{
		ID:        acct,
		Handle:    "@" + acct,
		Name:      a.DisplayName,
		Followers: a.FollowersCount,
		Following: a.FollowingCount,
		Posts:     a.StatusesCount,
		Created:   a.CreatedAt.UTC(),
	}
}
