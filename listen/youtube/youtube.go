package youtube

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/listen"
	"github.com/harkhq/hark/listen/internal/htmltext"
	"github.com/harkhq/hark/listen/internal/reported"
)

// DefaultBaseURL is the Data API v3.
const DefaultBaseURL = "https://www.googleapis.com/youtube/v3"

// Units is a daily quota-unit budget shared by the Sources on one API key.
// It resets at midnight Pacific time. It is safe for concurrent use.
type Units struct {
	// PerDay is the budget; 0 means 10,000.
	PerDay int

	mu    sync.Mutex
	day   string
	spent int
}

// pacific is the zone YouTube resets quotas in; a fixed UTC-8 is used if
// the zone database is missing (an hour early in summer).
func pacific() *time.Location {
	if loc, err := time.LoadLocation("America/Los_Angeles"); err == nil {
		return loc
	}
	return time.FixedZone("PST", -8*3600)
}

// spend takes n units at now, or returns how long until the reset if the
// budget cannot cover them.
func (u *Units) spend(n int, now time.Time) (time.Duration, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	loc := pacific()
	local := now.In(loc)
	day := local.Format("2006-01-02")
	if day != u.day {
		u.day, u.spent = day, 0
	}
	per := u.PerDay
	if per <= 0 {
		per = 10000
	}
	if u.spent+n > per {
		return untilReset(now, loc), false
	}
	u.spent += n
	return 0, true
}

// exhaust marks the day's budget spent (the API said quotaExceeded).
func (u *Units) exhaust(now time.Time) time.Duration {
	u.mu.Lock()
	defer u.mu.Unlock()
	loc := pacific()
	u.day = now.In(loc).Format("2006-01-02")
	u.spent = 1 << 30
	return untilReset(now, loc)
}

// Spent returns the units spent today (Pacific).
func (u *Units) Spent() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.spent
}

func untilReset(now time.Time, loc *time.Location) time.Duration {
	l := now.In(loc)
	next := time.Date(l.Year(), l.Month(), l.Day()+1, 0, 0, 0, 0, loc)
	return next.Sub(now)
}

// A Config sets up a [Source]. Set VideoID or ChannelID.
type Config struct {
	// APIKey is the Data API key. Required.
	APIKey string
	// VideoID reads one video's comments; ChannelID all the comments on
	// a channel's videos (allThreadsRelatedToChannelId).
	VideoID, ChannelID string
	// SearchTerms keeps the threads that contain them (API-side filter).
	SearchTerms string
	// Name is the source name; default "youtube:" and the video or
	// channel.
	Name string
	// Pages bounds the pages one fetch reads back to the cursor; default 5.
	Pages int
	// NoEnrich skips the channels.list call for commenters.
	NoEnrich bool
	// Units is the daily budget; nil means a private 10,000-unit budget.
	Units *Units
	// BaseURL of the API; default DefaultBaseURL.
	BaseURL string
	// Client sends requests; nil means one with a quota of 5 per second.
	Client *listen.Client
}

// A Source reads the comments of one video or channel.
type Source struct {
	cfg Config

	mu       sync.Mutex
	channels map[string]channel // commenter channel → stats, cached
	reported reported.Set       // unplaced threads reported, so once each
}

// New returns a Source, or an error if the key or target is missing.
func New(cfg Config) (*Source, error) {
	if cfg.APIKey == "" {
		return nil, errors.New("youtube: APIKey is required")
	}
	if (cfg.VideoID == "") == (cfg.ChannelID == "") {
		return nil, errors.New("youtube: set exactly one of VideoID and ChannelID")
	}
	if cfg.Name == "" {
		if cfg.VideoID != "" {
			cfg.Name = "youtube:video/" + cfg.VideoID
		} else {
			cfg.Name = "youtube:channel/" + cfg.ChannelID
		}
		if cfg.SearchTerms != "" {
			cfg.Name += "?" + cfg.SearchTerms
		}
	}
	if cfg.Pages <= 0 {
		cfg.Pages = 5
	}
	if cfg.Units == nil {
		cfg.Units = &Units{}
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	if cfg.Client == nil {
		cfg.Client = &listen.Client{Quota: listen.NewQuota(5, 5), UserAgent: "hark-listen"}
	}
	return &Source{cfg: cfg, channels: map[string]channel{}}, nil
}

// Name implements listen.Source.
func (s *Source) Name() string { return s.cfg.Name }

// Capabilities implements listen.Describer.
func (s *Source) Capabilities() listen.Capabilities {
	return listen.Capabilities{AuthorMetrics: !s.cfg.NoEnrich, Engagement: true, Backfill: true, Replies: true}
}

type threadList struct {
	Kind          string `json:"kind"`
	NextPageToken string `json:"nextPageToken"`
	// Items are decoded one by one (see decodeThreads), so that one bad
	// thread loses nothing else.
	Items []json.RawMessage `json:"items"`
}

type thread struct {
	ID      string `json:"id"`
	Snippet struct {
		VideoID         string  `json:"videoId"`
		TopLevelComment comment `json:"topLevelComment"`
		TotalReplyCount int64   `json:"totalReplyCount"`
	} `json:"snippet"`
	Replies struct {
		Comments []json.RawMessage `json:"comments"`
	} `json:"replies"`

	// bad is set for a thread that did not decode but whose ID and time
	// did: it is reported, not delivered, and the cursor moves past it.
	bad error
}

// decodeThreads decodes each of raw. A thread that does not decode is kept,
// marked bad, if its ID and time can be read, and returned in unplaced if
// not, unless rep has seen it.
func decodeThreads(raw []json.RawMessage, rep *reported.Set) (threads []thread, unplaced []error) {
	threads = make([]thread, 0, len(raw))
	for i, r := range raw {
		var th thread
		err := json.Unmarshal(r, &th)
		if err == nil {
			threads = append(threads, th)
			continue
		}
		bad := fmt.Errorf("youtube: thread %w", &listen.ItemError{Index: i, ID: listen.ItemID(r, "id"), Err: err})
		var key struct {
			ID      string `json:"id"`
			Snippet struct {
				TopLevelComment struct {
					Snippet struct {
						PublishedAt time.Time `json:"publishedAt"`
					} `json:"snippet"`
				} `json:"topLevelComment"`
			} `json:"snippet"`
		}
		if json.Unmarshal(r, &key) != nil || key.ID == "" {
			if rep.First(r) {
				unplaced = append(unplaced, bad)
			}
			continue
		}
		th = thread{ID: key.ID, bad: bad}
		th.Snippet.TopLevelComment.Snippet.PublishedAt = key.Snippet.TopLevelComment.Snippet.PublishedAt
		threads = append(threads, th)
	}
	return threads, unplaced
}

type comment struct {
	ID      string `json:"id"`
	Snippet struct {
		AuthorDisplayName string `json:"authorDisplayName"`
		AuthorChannelURL  string `json:"authorChannelUrl"`
		AuthorChannelID   struct {
			Value string `json:"value"`
		} `json:"authorChannelId"`
		VideoID      string    `json:"videoId"`
		TextDisplay  string    `json:"textDisplay"`
		TextOriginal string    `json:"textOriginal"`
		ParentID     string    `json:"parentId"`
		LikeCount    int64     `json:"likeCount"`
		PublishedAt  time.Time `json:"publishedAt"`
	} `json:"snippet"`
}

type channel struct {
	ID      string `json:"id"`
	Snippet struct {
		Title       string    `json:"title"`
		CustomURL   string    `json:"customUrl"`
		PublishedAt time.Time `json:"publishedAt"`
	} `json:"snippet"`
	Statistics struct {
		SubscriberCount       string `json:"subscriberCount"`
		VideoCount            string `json:"videoCount"`
		HiddenSubscriberCount bool   `json:"hiddenSubscriberCount"`
	} `json:"statistics"`
}

type cursor struct {
	at  int64
	ids []string
}

func parseCursor(s string) (cursor, error) {
	if s == "" {
		return cursor{}, nil
	}
	t, rest, _ := strings.Cut(s, ":")
	at, err := strconv.ParseInt(t, 10, 64)
	if err != nil || at < 0 {
		return cursor{}, fmt.Errorf("youtube: bad cursor %q", s)
	}
	c := cursor{at: at}
	if rest != "" {
		c.ids = strings.Split(rest, ",")
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
	seen := map[string]bool{}
	for _, id := range c.ids {
		seen[id] = true
	}
	var fresh []thread
	var skipped []error
	token := ""
	for range s.cfg.Pages {
		l, err := s.threads(ctx, token)
		if err != nil {
			return listen.Batch{}, err
		}
		items, unplaced := decodeThreads(l.Items, &s.reported)
		skipped = append(skipped, unplaced...)
		reached := false
		for _, th := range items {
			at := th.Snippet.TopLevelComment.Snippet.PublishedAt.Unix()
			if cur != "" && (at < c.at || at == c.at && seen[th.ID]) {
				reached = true
				continue
			}
			fresh = append(fresh, th)
		}
		token = l.NextPageToken
		if reached || cur == "" || token == "" {
			break
		}
	}
	slices.SortStableFunc(fresh, func(a, b thread) int {
		return a.Snippet.TopLevelComment.Snippet.PublishedAt.Compare(b.Snippet.TopLevelComment.Snippet.PublishedAt)
	})
	next := cursor{at: c.at, ids: slices.Clone(c.ids)}
	var posts []hark.Post
	done := map[string]bool{}
	for _, th := range fresh {
		if done[th.ID] {
			continue
		}
		done[th.ID] = true
		switch at := th.Snippet.TopLevelComment.Snippet.PublishedAt.Unix(); {
		case at > next.at:
			next = cursor{at: at, ids: []string{th.ID}}
		case at == next.at:
			next.ids = append(next.ids, th.ID)
		}
		if th.bad != nil {
			skipped = append(skipped, th.bad)
			continue
		}
		top := th.Snippet.TopLevelComment
		if p, ok := commentPost(&top, th.ID, ""); ok {
			p.Metrics.Replies = th.Snippet.TotalReplyCount
			posts = append(posts, p)
		}
		replies, bad := listen.DecodeItems[comment](th.Replies.Comments, "id")
		for _, err := range bad {
			skipped = append(skipped, fmt.Errorf("youtube: thread %s: reply %w", th.ID, err))
		}
		slices.SortStableFunc(replies, func(a, b comment) int { return a.Snippet.PublishedAt.Compare(b.Snippet.PublishedAt) })
		for i := range replies {
			if p, ok := commentPost(&replies[i], th.ID, th.ID); ok {
				posts = append(posts, p)
			}
		}
	}
	if !s.cfg.NoEnrich && len(posts) > 0 {
		bad, err := s.enrich(ctx, posts)
		if err != nil {
			return listen.Batch{}, err
		}
		skipped = append(skipped, bad...)
	}
	return listen.Batch{Posts: posts, Cursor: next.String(), Skipped: skipped}, nil
}

// get spends one unit and GETs endpoint with q, mapping quotaExceeded to
// a rate limit until the reset.
func (s *Source) get(ctx context.Context, endpoint string, q url.Values, v any) error {
	now := time.Now()
	if s.cfg.Client.Now != nil {
		now = s.cfg.Client.Now()
	}
	if wait, ok := s.cfg.Units.spend(1, now); !ok {
		return &listen.RateLimitError{RetryAfter: wait, Err: errors.New("youtube: daily quota units spent")}
	}
	q.Set("key", s.cfg.APIKey)
	_, err := s.cfg.Client.GetJSON(ctx, s.cfg.BaseURL+endpoint+"?"+q.Encode(), nil, v)
	var se *listen.StatusError
	if errors.As(err, &se) && se.Status == 403 && (strings.Contains(se.Body, "quotaExceeded") || strings.Contains(se.Body, "dailyLimitExceeded")) {
		wait := s.cfg.Units.exhaust(now)
		return &listen.RateLimitError{RetryAfter: wait, Status: 403, Err: se}
	}
	if err != nil {
		return fmt.Errorf("youtube: %w", err)
	}
	return nil
}

func (s *Source) threads(ctx context.Context, token string) (*threadList, error) {
	q := url.Values{
		"part":       {"snippet,replies"},
		"order":      {"time"},
		"maxResults": {"100"},
		"textFormat": {"plainText"},
	}
	if s.cfg.VideoID != "" {
		q.Set("videoId", s.cfg.VideoID)
	} else {
		q.Set("allThreadsRelatedToChannelId", s.cfg.ChannelID)
	}
	if s.cfg.SearchTerms != "" {
		q.Set("searchTerms", s.cfg.SearchTerms)
	}
	if token != "" {
		q.Set("pageToken", token)
	}
	var l threadList
	if err := s.get(ctx, "/commentThreads", q, &l); err != nil {
		return nil, err
	}
	if l.Kind != "youtube#commentThreadListResponse" {
		return nil, listen.Malformed(fmt.Errorf("youtube: kind %q, want youtube#commentThreadListResponse", l.Kind))
	}
	return &l, nil
}

func commentPost(c *comment, threadID, parent string) (hark.Post, bool) {
	sn := &c.Snippet
	text := sn.TextOriginal
	if text == "" {
		text = htmltext.Text(sn.TextDisplay)
	}
	p := hark.Post{
		ID:       c.ID,
		Source:   "youtube",
		URL:      "https://www.youtube.com/watch?v=" + url.QueryEscape(sn.VideoID) + "&lc=" + url.QueryEscape(c.ID),
		Text:     text,
		Created:  sn.PublishedAt.UTC(),
		Author:   hark.Author{ID: sn.AuthorChannelID.Value, Name: sn.AuthorDisplayName},
		Metrics:  hark.Engagement{Likes: sn.LikeCount},
		ThreadID: threadID,
		ParentID: parent,
	}
	if h := strings.TrimPrefix(sn.AuthorChannelURL, "http://www.youtube.com/"); strings.HasPrefix(h, "@") {
		p.Author.Handle = h
	} else if strings.HasPrefix(sn.AuthorDisplayName, "@") {
		p.Author.Handle = sn.AuthorDisplayName
	}
	return p, c.ID != "" && strings.TrimSpace(p.Text) != ""
}

// enrich fills subscriber and video counts of commenters, 50 channels a
// call, cached for the life of the Source. A channel that does not decode
// is returned in skipped, once: it is cached as unknown.
func (s *Source) enrich(ctx context.Context, posts []hark.Post) (skipped []error, err error) {
	s.mu.Lock()
	var missing []string
	want := map[string]bool{}
	for _, p := range posts {
		if id := p.Author.ID; id != "" && !want[id] {
			if _, ok := s.channels[id]; !ok {
				want[id] = true
				missing = append(missing, id)
			}
		}
	}
	s.mu.Unlock()
	for chunk := range slices.Chunk(missing, 50) {
		var r struct {
			Items []json.RawMessage `json:"items"`
		}
		q := url.Values{"part": {"snippet,statistics"}, "id": {strings.Join(chunk, ",")}, "maxResults": {"50"}}
		if err := s.get(ctx, "/channels", q, &r); err != nil {
			return nil, err
		}
		items, bad := listen.DecodeItems[channel](r.Items, "id")
		for _, err := range bad {
			skipped = append(skipped, fmt.Errorf("youtube: channel %w", err))
		}
		s.mu.Lock()
		for _, ch := range items {
			s.channels[ch.ID] = ch
		}
		for _, id := range chunk {
			if _, ok := s.channels[id]; !ok {
				s.channels[id] = channel{ID: id}
			}
		}
		s.mu.Unlock()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range posts {
		ch, ok := s.channels[posts[i].Author.ID]
		if !ok {
			continue
		}
		a := &posts[i].Author
		if !ch.Statistics.HiddenSubscriberCount {
			a.Followers, _ = strconv.ParseInt(ch.Statistics.SubscriberCount, 10, 64)
		}
		a.Posts, _ = strconv.ParseInt(ch.Statistics.VideoCount, 10, 64)
		a.Created = ch.Snippet.PublishedAt.UTC()
		if a.Handle == "" && ch.Snippet.CustomURL != "" {
			a.Handle = ch.Snippet.CustomURL
		}
	}
	return skipped, nil
}
