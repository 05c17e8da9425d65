package bluesky

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/listen"
)

// Endpoints.
const (
	DefaultJetstream = "wss://jetstream2.us-east.bsky.network/subscribe"
	DefaultAppView   = "https://public.api.bsky.app"
)

// A Config sets up a [Source].
type Config struct {
	// Query keeps the posts that match it (see listen.Compile); "" keeps
	// every post of the network, which only a large consumer wants.
	Query string
	// Name is the source name; default "bluesky".
	Name string
	// Jetstream is the subscribe URL; default DefaultJetstream.
	Jetstream string
	// AppView is the base URL for profiles; default DefaultAppView. Set
	// NoEnrich to skip enrichment.
	AppView  string
	NoEnrich bool
	// Rewind is how far back a (re)connection starts before the cursor;
	// default 5s.
	Rewind time.Duration
	// Window is how long one Fetch gathers events; default 1s.
	Window time.Duration
	// MaxBatch bounds the events one Fetch reads; default 500.
	MaxBatch int
	// ProfileTTL is how long an author's profile is reused; default 1h.
	// At most ProfileCache profiles are kept; default 10000.
	ProfileTTL   time.Duration
	ProfileCache int
	// Client fetches profiles; nil means one with a quota of 10 calls per
	// second.
	Client *listen.Client
	// Dial opens the websocket; nil means websocket.Dial. Tests use it.
	Dial func(ctx context.Context, url string) (*websocket.Conn, error)
	// Now is the clock for the profile cache; nil means time.Now.
	Now func() time.Time
	// Logger receives a record per Jetstream connection opened (debug)
	// and lost (warn); nil discards.
	Logger *slog.Logger
}

// A Source reads Bluesky posts from Jetstream. Fetch must not be called
// concurrently (listen.Stream never does); Close may be called any time.
type Source struct {
	cfg   Config
	query *listen.Query

	mu   sync.Mutex // guards conn state against Close
	conn *wsReader
	at   string // the cursor the live connection continues from

	pending *pendingBatch // posts read but not yet enriched

	profiles *profileCache
}

type pendingBatch struct {
	posts   []hark.Post
	cursor  string
	skipped []error
}

// New returns a Source, or an error if the query does not compile.
func New(cfg Config) (*Source, error) {
	s := &Source{}
	if cfg.Query != "" {
		q, err := listen.Compile(cfg.Query)
		if err != nil {
			return nil, fmt.Errorf("bluesky: %w", err)
		}
		s.query = q
	}
	if cfg.Name == "" {
		cfg.Name = "bluesky"
	}
	if cfg.Jetstream == "" {
		cfg.Jetstream = DefaultJetstream
	}
	if cfg.AppView == "" {
		cfg.AppView = DefaultAppView
	}
	if cfg.Rewind <= 0 {
		cfg.Rewind = 5 * time.Second
	}
	if cfg.Window <= 0 {
		cfg.Window = time.Second
	}
	if cfg.MaxBatch <= 0 {
		cfg.MaxBatch = 500
	}
	if cfg.ProfileTTL <= 0 {
		cfg.ProfileTTL = time.Hour
	}
	if cfg.ProfileCache <= 0 {
		cfg.ProfileCache = 10000
	}
	if cfg.Client == nil {
		cfg.Client = &listen.Client{Quota: listen.NewQuota(10, 10), UserAgent: "hark-listen"}
	}
	if cfg.Dial == nil {
		cfg.Dial = func(ctx context.Context, u string) (*websocket.Conn, error) {
			c, _, err := websocket.Dial(ctx, u, nil)
			return c, err
		}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s.cfg = cfg
	s.profiles = newProfileCache(cfg.ProfileCache, cfg.ProfileTTL)
	return s, nil
}

// Name implements listen.Source.
func (s *Source) Name() string { return s.cfg.Name }

// Capabilities implements listen.Describer: pushed, with threads and (when
// enriched) author metrics; a new post carries no engagement yet, and
// Jetstream replays only its recent past (about a day).
func (s *Source) Capabilities() listen.Capabilities {
	return listen.Capabilities{AuthorMetrics: !s.cfg.NoEnrich, Streaming: true, Replies: true}
}

// Close ends the connection and the reader goroutine. The Source can be
// used again: the next Fetch reconnects.
func (s *Source) Close() error {
	s.mu.Lock()
	c := s.conn
	s.conn = nil
	s.mu.Unlock()
	if c != nil {
		c.close()
	}
	return nil
}

// cursor is Jetstream's time_us and the URIs of posts delivered within the
// rewind span before it.
type cursor struct {
	us     int64
	recent []recentURI
}

type recentURI struct {
	us  int64
	uri string
}

func parseCursor(s string) (cursor, error) {
	if s == "" {
		return cursor{}, nil
	}
	head, rest, _ := strings.Cut(s, " ")
	us, err := strconv.ParseInt(head, 10, 64)
	if err != nil || us < 0 {
		return cursor{}, fmt.Errorf("bluesky: bad cursor %q", s)
	}
	c := cursor{us: us}
	for _, f := range strings.Fields(rest) {
		t, uri, ok := strings.Cut(f, "=")
		n, err := strconv.ParseInt(t, 10, 64)
		if !ok || err != nil {
			return cursor{}, fmt.Errorf("bluesky: bad cursor %q", s)
		}
		c.recent = append(c.recent, recentURI{n, uri})
	}
	return c, nil
}

func (c cursor) String() string {
	if c.us == 0 && len(c.recent) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(strconv.FormatInt(c.us, 10))
	for _, r := range c.recent {
		b.WriteByte(' ')
		b.WriteString(strconv.FormatInt(r.us, 10))
		b.WriteByte('=')
		b.WriteString(r.uri)
	}
	return b.String()
}

// maxRecent bounds the URIs a cursor carries.
const maxRecent = 200

// Fetch implements listen.Source.
func (s *Source) Fetch(ctx context.Context, cur string) (listen.Batch, error) {
	if err := ctx.Err(); err != nil {
		return listen.Batch{}, err
	}
	if s.pending != nil && s.at == cur {
		// Enrichment failed last time: retry it before reading on.
		return s.finish(ctx, cur)
	}
	s.pending = nil
	c, err := parseCursor(cur)
	if err != nil {
		return listen.Batch{}, listen.Permanent(err)
	}
	r, err := s.reader(ctx, cur, c)
	if err != nil {
		return listen.Batch{}, err
	}
	events, err := r.gather(ctx, s.cfg.MaxBatch, s.cfg.Window)
	if err != nil {
		s.Close()
		if ctx.Err() != nil {
			return listen.Batch{}, ctx.Err()
		}
		s.cfg.Logger.LogAttrs(ctx, slog.LevelWarn, "bluesky: jetstream connection lost", slog.String("source", s.cfg.Name),
			slog.Int("events", len(events)), slog.String("err", err.Error()))
		if len(events) == 0 {
			return listen.Batch{}, listen.Transient(fmt.Errorf("bluesky: jetstream: %w", err))
		}
		// Deliver what arrived before the connection broke; the next
		// fetch reconnects from its cursor.
	}
	skip := map[string]bool{}
	for _, r := range c.recent {
		skip[r.uri] = true
	}
	next := c
	var posts []hark.Post
	var skipped []error
	for i, ev := range events {
		if ev.TimeUS > next.us {
			next.us = ev.TimeUS
		}
		p, ok, err := ev.post()
		if err != nil {
			id := ev.uri()
			if id != "" && skip[id] {
				continue // reported before a rewind
			}
			skipped = append(skipped, fmt.Errorf("bluesky: event %w", &listen.ItemError{Index: i, ID: id, Err: err}))
			if id != "" {
				// Remembered like a delivered post, so that a rewind
				// does not report it again.
				skip[id] = true
				next.recent = append(next.recent, recentURI{ev.TimeUS, id})
			}
			continue
		}
		if !ok || skip[p.ID] {
			continue
		}
		if s.query != nil && !s.query.Match(&p) {
			continue
		}
		skip[p.ID] = true
		posts = append(posts, p)
		next.recent = append(next.recent, recentURI{ev.TimeUS, p.ID})
	}
	// Keep only the URIs a rewind from the new cursor can replay.
	horizon := next.us - s.cfg.Rewind.Microseconds()
	next.recent = slices.DeleteFunc(next.recent, func(r recentURI) bool { return r.us < horizon })
	if len(next.recent) > maxRecent {
		next.recent = next.recent[len(next.recent)-maxRecent:]
	}
	s.pending = &pendingBatch{posts: posts, cursor: next.String(), skipped: skipped}
	return s.finish(ctx, cur)
}

// finish enriches the pending batch and hands it out.
func (s *Source) finish(ctx context.Context, cur string) (listen.Batch, error) {
	p := s.pending
	if !s.cfg.NoEnrich && len(p.posts) > 0 {
		if err := s.enrich(ctx, p.posts); err != nil {
			s.at = cur // keep the connection: retry this batch next time
			return listen.Batch{}, err
		}
	}
	s.pending = nil
	s.at = p.cursor
	// Fetch gathered for a window: no need for Stream to sleep as well.
	return listen.Batch{Posts: p.posts, Cursor: p.cursor, Waited: true, Skipped: p.skipped}, nil
}

// reader returns the live connection if it continues from cur, else dials
// a new one from the cursor rewound.
func (s *Source) reader(ctx context.Context, cur string, c cursor) (*wsReader, error) {
	s.mu.Lock()
	r := s.conn
	s.mu.Unlock()
	if r != nil && s.at == cur {
		return r, nil
	}
	if r != nil {
		s.Close()
	}
	u, err := url.Parse(s.cfg.Jetstream)
	if err != nil {
		return nil, listen.Permanent(fmt.Errorf("bluesky: %w", err))
	}
	q := u.Query()
	q.Set("wantedCollections", "app.bsky.feed.post")
	if c.us > 0 {
		q.Set("cursor", strconv.FormatInt(max(c.us-s.cfg.Rewind.Microseconds(), 1), 10))
	}
	u.RawQuery = q.Encode()
	conn, err := s.cfg.Dial(ctx, u.String())
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, listen.Transient(fmt.Errorf("bluesky: dial jetstream: %w", err))
	}
	conn.SetReadLimit(1 << 20)
	s.cfg.Logger.LogAttrs(ctx, slog.LevelDebug, "bluesky: jetstream connected", slog.String("source", s.cfg.Name),
		slog.String("host", u.Host), slog.Int64("from_us", max(c.us-s.cfg.Rewind.Microseconds(), 0)))
	r = startReader(conn)
	s.mu.Lock()
	s.conn = r
	s.mu.Unlock()
	s.at = cur
	return r, nil
}

// wsReader reads events on its own goroutine into a bounded queue.
type wsReader struct {
	conn   *websocket.Conn
	events chan event
	errc   chan error // receives the read error once
	cancel context.CancelFunc
	done   chan struct{}
}

func startReader(conn *websocket.Conn) *wsReader {
	ctx, cancel := context.WithCancel(context.Background())
	r := &wsReader{conn: conn, events: make(chan event, 4096), errc: make(chan error, 1), cancel: cancel, done: make(chan struct{})}
	go r.run(ctx)
	return r
}

func (r *wsReader) run(ctx context.Context) {
	defer close(r.done)
	for {
		_, data, err := r.conn.Read(ctx)
		if err != nil {
			r.errc <- err
			return
		}
		var ev event
		if err := json.Unmarshal(data, &ev); err != nil {
			// Reported by Fetch, named as well as what can be read of
			// it allows.
			ev = badEvent(data, err)
		} else if ev.TimeUS == 0 {
			continue // not an event Hark reads; skipped like other kinds
		}
		select {
		case r.events <- ev:
		case <-ctx.Done():
			r.errc <- ctx.Err()
			return
		}
	}
}

func (r *wsReader) close() {
	r.cancel()
	r.conn.Close(websocket.StatusNormalClosure, "")
	<-r.done
}

// gather returns the events that arrive within window, at most max,
// returning early once max are read. It returns the read error with the
// events queued before it once the connection has failed.
func (r *wsReader) gather(ctx context.Context, max int, window time.Duration) ([]event, error) {
	var out []event
	timer := time.NewTimer(window)
	defer timer.Stop()
	for len(out) < max {
		select {
		case ev := <-r.events:
			out = append(out, ev)
		case err := <-r.errc:
			// Drain what was queued before the failure.
			for {
				select {
				case ev := <-r.events:
					out = append(out, ev)
					continue
				default:
				}
				r.errc <- err
				return out, err
			}
		case <-timer.C:
			return out, nil
		case <-ctx.Done():
			return out, ctx.Err()
		}
	}
	return out, nil
}

// event is a Jetstream message.
type event struct {
	DID    string       `json:"did"`
	TimeUS int64        `json:"time_us"`
	Kind   string       `json:"kind"`
	Commit *eventCommit `json:"commit"`

	// bad is the decoding error of a message that is not a well-formed
	// event; the fields above hold what could be read of it.
	bad error
}

// badEvent returns the event for a message that did not decode: its DID,
// time and commit's collection and record key if they can be read, and
// the error.
func badEvent(data []byte, err error) event {
	var key struct {
		DID    string `json:"did"`
		TimeUS int64  `json:"time_us"`
		Commit struct {
			Collection string `json:"collection"`
			RKey       string `json:"rkey"`
		} `json:"commit"`
	}
	ev := event{bad: err}
	if json.Unmarshal(data, &key) == nil {
		ev.DID, ev.TimeUS = key.DID, max(key.TimeUS, 0)
		ev.Commit = &eventCommit{Collection: key.Commit.Collection, RKey: key.Commit.RKey}
	}
	return ev
}

// uri returns the AT URI of the post the event is about, "" if it does
// not say.
func (ev *event) uri() string {
	if ev.DID == "" || ev.Commit == nil || ev.Commit.RKey == "" || ev.Commit.Collection != "app.bsky.feed.post" {
		return ""
	}
	return "at://" + ev.DID + "/app.bsky.feed.post/" + ev.Commit.RKey
}

type eventCommit struct {
	Rev        string          `json:"rev"`
	Operation  string          `json:"operation"`
	Collection string          `json:"collection"`
	RKey       string          `json:"rkey"`
	Record     json.RawMessage `json:"record"`
	CID        string          `json:"cid"`
}

// record is an app.bsky.feed.post record.
type record struct {
	Text      string    `json:"text"`
	CreatedAt time.Time `json:"createdAt"`
	Langs     []string  `json:"langs"`
	Reply     *struct {
		Root   strongRef `json:"root"`
		Parent strongRef `json:"parent"`
	} `json:"reply"`
	Facets []struct {
		Index struct {
			ByteStart int `json:"byteStart"`
			ByteEnd   int `json:"byteEnd"`
		} `json:"index"`
		Features []struct {
			Type string `json:"$type"`
			DID  string `json:"did"`
			Tag  string `json:"tag"`
		} `json:"features"`
	} `json:"facets"`
	Embed *struct {
		Type   string     `json:"$type"`
		Record *strongRef `json:"record"`
	} `json:"embed"`
}

type strongRef struct {
	URI string `json:"uri"`
	CID string `json:"cid"`
}

// post maps a create of app.bsky.feed.post; other events give false. A
// message that is not a well-formed event, or a create whose record does
// not decode, gives an error.
func (ev *event) post() (hark.Post, bool, error) {
	if ev.bad != nil {
		return hark.Post{}, false, ev.bad
	}
	c := ev.Commit
	if ev.Kind != "commit" || c == nil || c.Operation != "create" || c.Collection != "app.bsky.feed.post" || ev.DID == "" || c.RKey == "" {
		return hark.Post{}, false, nil
	}
	var r record
	if err := json.Unmarshal(c.Record, &r); err != nil {
		return hark.Post{}, false, fmt.Errorf("record: %w", err)
	}
	if strings.TrimSpace(r.Text) == "" {
		return hark.Post{}, false, nil
	}
	uri := "at://" + ev.DID + "/app.bsky.feed.post/" + c.RKey
	p := hark.Post{
		ID:       uri,
		Source:   "bluesky",
		URL:      "https://bsky.app/profile/" + ev.DID + "/post/" + c.RKey,
		Text:     r.Text,
		Created:  r.CreatedAt.UTC(),
		Author:   hark.Author{ID: ev.DID},
		ThreadID: uri,
	}
	if p.Created.IsZero() {
		p.Created = time.UnixMicro(ev.TimeUS).UTC()
	}
	if len(r.Langs) > 0 {
		p.Lang = r.Langs[0]
	}
	if r.Reply != nil {
		p.ParentID = r.Reply.Parent.URI
		p.ThreadID = r.Reply.Root.URI
	}
	if r.Embed != nil && r.Embed.Record != nil && r.Embed.Record.URI != "" {
		p.RepostOf = r.Embed.Record.URI
	}
	for _, f := range r.Facets {
		for _, feat := range f.Features {
			switch feat.Type {
			case "app.bsky.richtext.facet#mention":
				s, e := f.Index.ByteStart, f.Index.ByteEnd
				if 0 <= s && s < e && e <= len(r.Text) && r.Text[s] == '@' {
					p.Mentions = append(p.Mentions, r.Text[s:e])
				}
			case "app.bsky.richtext.facet#tag":
				if feat.Tag != "" {
					p.Tags = append(p.Tags, "#"+feat.Tag)
				}
			}
		}
	}
	return p, true, nil
}

// profile is app.bsky.actor.defs#profileViewDetailed, as much as Hark reads.
type profile struct {
	DID            string    `json:"did"`
	Handle         string    `json:"handle"`
	DisplayName    string    `json:"displayName"`
	FollowersCount int64     `json:"followersCount"`
	FollowsCount   int64     `json:"followsCount"`
	PostsCount     int64     `json:"postsCount"`
	CreatedAt      time.Time `json:"createdAt"`
	Verification   *struct {
		VerifiedStatus string `json:"verifiedStatus"`
	} `json:"verification"`
}

// enrich fills the authors of posts from the profile cache, fetching the
// missing ones 25 at a time.
func (s *Source) enrich(ctx context.Context, posts []hark.Post) error {
	now := s.cfg.Now()
	var missing []string
	seen := map[string]bool{}
	for _, p := range posts {
		if _, ok := s.profiles.get(p.Author.ID, now); !ok && !seen[p.Author.ID] {
			seen[p.Author.ID] = true
			missing = append(missing, p.Author.ID)
		}
	}
	for chunk := range slices.Chunk(missing, 25) {
		q := url.Values{}
		for _, did := range chunk {
			q.Add("actors", did)
		}
		var r struct {
			Profiles []profile `json:"profiles"`
		}
		if _, err := s.cfg.Client.GetJSON(ctx, s.cfg.AppView+"/xrpc/app.bsky.actor.getProfiles?"+q.Encode(), nil, &r); err != nil {
			return fmt.Errorf("bluesky: getProfiles: %w", err)
		}
		for _, pr := range r.Profiles {
			s.profiles.put(pr.DID, pr, now)
		}
		// Accounts the AppView does not return (deleted, suspended)
		// are cached as empty so they are not asked for again.
		for _, did := range chunk {
			if _, ok := s.profiles.get(did, now); !ok {
				s.profiles.put(did, profile{DID: did}, now)
			}
		}
	}
	for i := range posts {
		pr, _ := s.profiles.get(posts[i].Author.ID, now)
		a := &posts[i].Author
		if pr.Handle != "" {
			a.Handle = "@" + pr.Handle
		}
		a.Name = pr.DisplayName
		a.Followers, a.Following, a.Posts = pr.FollowersCount, pr.FollowsCount, pr.PostsCount
		a.Created = pr.CreatedAt.UTC()
		a.Verified = pr.Verification != nil && pr.Verification.VerifiedStatus == "valid"
	}
	return nil
}

// profileCache is a bounded map of profiles with a TTL, evicting the
// oldest entry when full.
type profileCache struct {
	max   int
	ttl   time.Duration
	m     map[string]cached
	order []string
}

type cached struct {
	p  profile
	at time.Time
}

func newProfileCache(max int, ttl time.Duration) *profileCache {
	return &profileCache{max: max, ttl: ttl, m: map[string]cached{}}
}

func (c *profileCache) get(did string, now time.Time) (profile, bool) {
	e, ok := c.m[did]
	if !ok || now.Sub(e.at) > c.ttl {
		return profile{}, false
	}
	return e.p, true
}

func (c *profileCache) put(did string, p profile, now time.Time) {
	if _, ok := c.m[did]; !ok {
		for len(c.order) >= c.max {
			delete(c.m, c.order[0])
			c.order = c.order[1:]
		}
		c.order = append(c.order, did)
	}
	c.m[did] = cached{p, now}
}
