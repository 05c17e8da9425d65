package bluesky_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/listen"
	"github.com/harkhq/hark/listen/bluesky"
	"github.com/harkhq/hark/listen/listentest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type rawEvent struct {
	timeUS int64
	line   []byte
}

func events(t *testing.T) []rawEvent {
	f, err := os.Open("testdata/jetstream.jsonl")
	require.NoError(t, err)
	defer f.Close()
	var out []rawEvent
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var ev struct {
			TimeUS int64 `json:"time_us"`
		}
		require.NoError(t, json.Unmarshal(sc.Bytes(), &ev))
		out = append(out, rawEvent{ev.TimeUS, append([]byte(nil), sc.Bytes()...)})
	}
	return out
}

// jetstream fakes Jetstream: it replays evs from the cursor parameter
// (time_us, inclusive), then stays open. If cut > 0 the first connection
// drops after cut events.
func jetstream(t *testing.T, evs []rawEvent, cut int) *listentest.WSServer {
	conns := 0
	return listentest.NewWSServer(t, func(ctx context.Context, c *listentest.WSConn) {
		conns++
		first := conns == 1
		from, _ := strconv.ParseInt(c.Request.URL.Query().Get("cursor"), 10, 64)
		sent := 0
		for _, ev := range evs {
			if ev.timeUS < from {
				continue
			}
			if first && cut > 0 && sent == cut {
				return // abrupt drop
			}
			if c.Send(ctx, ev.line) != nil {
				return
			}
			sent++
		}
		<-ctx.Done()
	})
}

func appView(t *testing.T) *listentest.Server {
	srv := listentest.NewServer(t)
	srv.Script("/xrpc/app.bsky.actor.getProfiles", listentest.File(t, "testdata/getProfiles.json", "application/json"))
	return srv
}

func newSource(t *testing.T, ws *listentest.WSServer, av *listentest.Server, cfg bluesky.Config) *bluesky.Source {
	t.Helper()
	clk := listentest.NewClock(time.Unix(1771286400, 0))
	cfg.Jetstream = ws.WSURL("/subscribe")
	cfg.AppView = av.URL
	cfg.Client = clk.Client()
	cfg.Now = clk.Now
	if cfg.Window == 0 {
		cfg.Window = 100 * time.Millisecond
	}
	s, err := bluesky.New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

// fetchN fetches until n posts arrived (at most 20 fetches) and returns
// them with the last cursor.
func fetchN(t *testing.T, s *bluesky.Source, n int) listen.Batch {
	t.Helper()
	var all listen.Batch
	for range 20 {
		b, err := s.Fetch(t.Context(), all.Cursor)
		require.NoError(t, err)
		all.Posts = append(all.Posts, b.Posts...)
		all.Skipped = append(all.Skipped, b.Skipped...)
		all.Cursor = b.Cursor
		if len(all.Posts) >= n {
			break
		}
	}
	return all
}

func TestConformance(t *testing.T) {
	ws, av := jetstream(t, events(t), 0), appView(t)
	listentest.RunConformance(t, listentest.Conformance{
		New: func(t *testing.T) listen.Source {
			return newSource(t, ws, av, bluesky.Config{Query: "acme"})
		},
		MinPosts: 3,
	})
}

func TestMappingAndFilter(t *testing.T) {
	ws, av := jetstream(t, events(t), 0), appView(t)
	s := newSource(t, ws, av, bluesky.Config{Query: "acme"})
	b := fetchN(t, s, 3)
	require.Len(t, b.Posts, 3, "the cat post does not match; like, identity and delete are not posts")
	kira, acme, jonas := b.Posts[0], b.Posts[1], b.Posts[2]
	assert.Equal(t, "at://did:plc:kira4x7q2ne3vbc5ktryw7ld/app.bsky.feed.post/3lhx2kq5vp22k", kira.ID)
	assert.Equal(t, "https://bsky.app/profile/did:plc:kira4x7q2ne3vbc5ktryw7ld/post/3lhx2kq5vp22k", kira.URL)
	assert.Equal(t, "@kira.bsky.social", kira.Author.Handle)
	assert.Equal(t, int64(1834), kira.Author.Followers)
	assert.Equal(t, int64(412), kira.Author.Following)
	assert.Equal(t, []string{"@acme.bsky.social"}, kira.Mentions)
	assert.Equal(t, []string{"#acmecloud"}, kira.Tags)
	assert.Equal(t, "en", kira.Lang)
	assert.Equal(t, time.Date(2026, 2, 16, 23, 41, 7, 2e6, time.UTC), kira.Created)
	assert.Equal(t, kira.ID, acme.ParentID)
	assert.Equal(t, kira.ID, acme.ThreadID)
	assert.True(t, acme.Author.Verified)
	assert.Equal(t, acme.ID, jonas.RepostOf)
	assert.Equal(t, "de", jonas.Lang)
	assert.Equal(t, "1771285302000000 1771285267101000=at://did:plc:kira4x7q2ne3vbc5ktryw7ld/app.bsky.feed.post/3lhx2kq5vp22k"[:16], b.Cursor[:16], "the cursor is the last event's time_us")

	var asked []string
	for _, r := range av.Requests() {
		asked = append(asked, r.Query["actors"]...)
	}
	assert.ElementsMatch(t, []string{"did:plc:kira4x7q2ne3vbc5ktryw7ld", "did:plc:acmeofficial0000000000000", "did:plc:jonas2dede7f5g3h2j1k0l9m"}, asked, "each author asked for once")
	assert.Equal(t, []string{"/subscribe?wantedCollections=app.bsky.feed.post"}, ws.Connections())
}

func TestReconnectRewindsWithoutLossOrRepeat(t *testing.T) {
	evs := events(t)
	ws, av := jetstream(t, evs, 2), appView(t) // the first connection drops after two events
	s := newSource(t, ws, av, bluesky.Config{Query: "acme"})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	got := map[string]int{}
	sleep := func(ctx context.Context, d time.Duration) error { return ctx.Err() }
	for posts, err := range listen.Stream(ctx, &countingSource{Source: s, limit: 8, cancel: cancel}, listen.WithClock(nil, sleep)) {
		if err != nil {
			continue // the drop
		}
		for _, p := range posts {
			got[p.ID]++
		}
	}
	assert.Len(t, got, 3)
	for id, n := range got {
		assert.Equal(t, 1, n, "%s delivered %d times", id, n)
	}
	conns := ws.Connections()
	require.GreaterOrEqual(t, len(conns), 2)
	// The second connection starts 5s before the last event read.
	assert.Contains(t, conns[1], "cursor="+strconv.FormatInt(evs[1].timeUS-5_000_000, 10))
}

func TestEnrichmentInBatchesAndRetry(t *testing.T) {
	var lines []rawEvent
	for i := range 30 {
		line := fmt.Sprintf(`{"did":"did:plc:user%02d","time_us":%d,"kind":"commit","commit":{"operation":"create","collection":"app.bsky.feed.post","rkey":"r%02d","record":{"text":"acme is down","createdAt":"2026-02-16T23:00:00Z"}}}`, i, 1771285000000000+int64(i), i)
		lines = append(lines, rawEvent{1771285000000000 + int64(i), []byte(line)})
	}
	ws := jetstream(t, lines, 0)
	av := listentest.NewServer(t)
	av.Handle("/xrpc/app.bsky.actor.getProfiles", func(w http.ResponseWriter, r *http.Request) {
		var ps []map[string]any
		for _, did := range r.URL.Query()["actors"] {
			ps = append(ps, map[string]any{"did": did, "handle": did[8:] + ".bsky.social", "followersCount": 7})
		}
		json.NewEncoder(w).Encode(map[string]any{"profiles": ps})
	})
	s := newSource(t, ws, av, bluesky.Config{Query: "acme", Window: 300 * time.Millisecond})
	var posts []hark.Post
	cursor := ""
	for len(posts) < 30 {
		b, err := s.Fetch(t.Context(), cursor)
		require.NoError(t, err)
		posts = append(posts, b.Posts...)
		cursor = b.Cursor
	}
	for _, p := range posts {
		assert.Equal(t, int64(7), p.Author.Followers)
	}
	reqs := av.Requests()
	total := 0
	for _, r := range reqs {
		assert.LessOrEqual(t, len(r.Query["actors"]), 25)
		total += len(r.Query["actors"])
	}
	assert.Equal(t, 30, total, "each author asked for once")
}

func TestEnrichmentFailureKeepsBatch(t *testing.T) {
	ws := jetstream(t, events(t), 0)
	av := listentest.NewServer(t)
	av.Script("/xrpc/app.bsky.actor.getProfiles",
		listentest.Status(429, "Retry-After", "9"),
		listentest.Status(503), listentest.Status(503), listentest.Status(503), listentest.Status(503),
		listentest.File(t, "testdata/getProfiles.json", "application/json"))
	s := newSource(t, ws, av, bluesky.Config{Query: "acme", Window: time.Second})
	_, err := s.Fetch(t.Context(), "")
	require.Error(t, err, "429 then 503s exhaust the attempts")
	assert.False(t, listen.IsPermanent(err))
	b, err := s.Fetch(t.Context(), "")
	require.NoError(t, err)
	require.NotEmpty(t, b.Posts, "the batch read before the failure is delivered")
	assert.Equal(t, "@kira.bsky.social", b.Posts[0].Author.Handle)
	n := len(b.Posts)
	for range 10 {
		if n >= 3 {
			break
		}
		b, err = s.Fetch(t.Context(), b.Cursor)
		require.NoError(t, err)
		n += len(b.Posts)
	}
	assert.Equal(t, 3, n)
	assert.Len(t, ws.Connections(), 1, "no reconnection needed")
}

// Messages that are not well-formed events, and posts whose record does
// not decode, are reported, not dropped without a word, and lose nothing
// else.
func TestMalformedMessagesSkipped(t *testing.T) {
	evs := events(t)
	at := evs[len(evs)-1].timeUS
	bad := []rawEvent{
		{at + 1, []byte(`{"did":"did:plc:x","time_us":`)},
		{at + 2, []byte("\xff\xfe not json")},
		{at + 3, []byte(fmt.Sprintf(`{"did":"did:plc:y","time_us":%d,"kind":"commit","commit":{"operation":"create","collection":"app.bsky.feed.post","rkey":"r1","record":{"text":["acme"]}}}`, at+3))},
	}
	ws, av := jetstream(t, append(evs, bad...), 0), appView(t)
	s := newSource(t, ws, av, bluesky.Config{Query: "acme"})
	var b listen.Batch
	for range 20 {
		next, err := s.Fetch(t.Context(), b.Cursor)
		require.NoError(t, err)
		b.Posts, b.Skipped, b.Cursor = append(b.Posts, next.Posts...), append(b.Skipped, next.Skipped...), next.Cursor
		if len(b.Skipped) >= 3 {
			break
		}
	}
	assert.Len(t, b.Posts, 3)
	require.Len(t, b.Skipped, 3)
	listentest.CheckSkipped(t, b.Skipped)
	assert.Regexp(t, `event item \d+: `, b.Skipped[0].Error())
	assert.Regexp(t, `event item \d+: `, b.Skipped[1].Error())
	assert.Regexp(t, `event item \d+ \(id at://did:plc:y/app.bsky.feed.post/r1\): record: `, b.Skipped[2].Error())
	assert.Equal(t, strconv.FormatInt(at+3, 10)+" ", b.Cursor[:len(strconv.FormatInt(at+3, 10))+1], "the cursor moves past the bad post")

	// Read again from the cursor, rewound over the bad messages: the one
	// named is not reported twice; the others cannot be told apart from
	// new ones, so they are.
	s2 := newSource(t, ws, av, bluesky.Config{Query: "acme"})
	b2 := listen.Batch{Cursor: b.Cursor}
	for range 5 {
		next, err := s2.Fetch(t.Context(), b2.Cursor)
		require.NoError(t, err)
		b2.Posts, b2.Skipped, b2.Cursor = append(b2.Posts, next.Posts...), append(b2.Skipped, next.Skipped...), next.Cursor
	}
	assert.Empty(t, b2.Posts)
	require.Len(t, b2.Skipped, 2)
	for _, e := range b2.Skipped {
		assert.NotContains(t, e.Error(), "did:plc:y")
	}
	_, err := s.Fetch(t.Context(), "not-a-cursor")
	assert.True(t, listen.IsPermanent(err))
	_, err = bluesky.New(bluesky.Config{Query: "acme AND ("})
	assert.Error(t, err)
}

// countingSource cancels the stream after limit fetches.
type countingSource struct {
	listen.Source
	n, limit int
	cancel   context.CancelFunc
}

func (c *countingSource) Fetch(ctx context.Context, cursor string) (listen.Batch, error) {
	if c.n++; c.n > c.limit {
		c.cancel()
	}
	return c.Source.Fetch(ctx, cursor)
}
