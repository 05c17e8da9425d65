package mastodon_test

import (
	"encoding/json"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/harkhq/hark/listen"
	"github.com/harkhq/hark/listen/internal/ids"
	"github.com/harkhq/hark/listen/listentest"
	"github.com/harkhq/hark/listen/mastodon"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const tagPath = "/api/v1/timelines/tag/AcmeCloud"

func newSource(t *testing.T, srv *listentest.Server, cfg mastodon.Config) (*mastodon.Source, *listentest.Clock) {
	t.Helper()
	clk := listentest.NewClock(time.Unix(1771286400, 0))
	cfg.Instance = srv.URL
	cfg.Client = clk.Client()
	s, err := mastodon.New(cfg)
	require.NoError(t, err)
	return s, clk
}

// timeline serves the fixture like Mastodon: newest first, min_id
// honoured.
func timeline(t *testing.T) http.HandlerFunc {
	raw, err := os.ReadFile("testdata/tag_timeline.json")
	require.NoError(t, err)
	var all []map[string]any
	require.NoError(t, json.Unmarshal(raw, &all))
	return func(w http.ResponseWriter, r *http.Request) {
		min := r.URL.Query().Get("min_id")
		out := []map[string]any{}
		for _, st := range all {
			if min == "" || ids.Compare(st["id"].(string), min) > 0 {
				out = append(out, st)
			}
		}
		w.Header().Set("X-RateLimit-Limit", "300")
		w.Header().Set("X-RateLimit-Remaining", "299")
		w.Header().Set("X-RateLimit-Reset", "2026-02-17T00:05:00.000Z")
		json.NewEncoder(w).Encode(out)
	}
}

func TestConformance(t *testing.T) {
	srv := listentest.NewServer(t)
	srv.Handle(tagPath, timeline(t))
	listentest.RunConformance(t, listentest.Conformance{
		New: func(t *testing.T) listen.Source {
			s, _ := newSource(t, srv, mastodon.Config{Hashtag: "#AcmeCloud"})
			return s
		},
		MinPosts: 3,
	})
}

func TestSearchConformance(t *testing.T) {
	srv := listentest.NewServer(t)
	srv.Script("/api/v2/search", listentest.File(t, "testdata/search.json", "application/json"))
	listentest.RunConformance(t, listentest.Conformance{
		New: func(t *testing.T) listen.Source {
			s, _ := newSource(t, srv, mastodon.Config{Query: "acme export", Token: "tok"})
			return s
		},
		MinPosts: 2,
	})
	r := srv.Requests()[0]
	assert.Equal(t, "Bearer tok", r.Header.Get("Authorization"))
	assert.Equal(t, "statuses", r.Query.Get("type"))
	assert.Equal(t, "acme export", r.Query.Get("q"))
}

func TestMapping(t *testing.T) {
	srv := listentest.NewServer(t)
	srv.Handle(tagPath, timeline(t))
	s, _ := newSource(t, srv, mastodon.Config{Hashtag: "AcmeCloud"})
	assert.Equal(t, "mastodon:"+srv.Listener.Addr().String()+":#acmecloud", s.Name())
	b, err := s.Fetch(t.Context(), "")
	require.NoError(t, err)
	require.Len(t, b.Posts, 3)
	assert.Equal(t, "113998877665544333", b.Cursor)
	first, local, reply := b.Posts[0], b.Posts[1], b.Posts[2]
	assert.Equal(t, "113998877665544111", first.ID, "oldest first")
	assert.Equal(t, int64(15400), first.Author.Followers)
	assert.Equal(t, int64(20), first.Metrics.Likes)
	assert.Equal(t, int64(12), first.Metrics.Reposts)
	assert.Equal(t, "@jonas@"+srv.Listener.Addr().String(), local.Author.Handle, "local accts get the instance")
	assert.Equal(t, "de", local.Lang)
	assert.Equal(t, "Seit dem Update startet #AcmeCloud nicht mehr. Jemand eine Idee?", local.Text)
	assert.Equal(t, "113998877665544111", reply.ParentID)
	assert.Equal(t, []string{"@support@acme.social"}, reply.Mentions)
	assert.Equal(t, []string{"#acmecloud"}, reply.Tags)
	assert.Equal(t, "@support same problem here, the export button does nothing since the update #AcmeCloud", reply.Text)
	assert.Equal(t, "https://fosstodon.org/@kira/113998877665544333", reply.URL)
	assert.Equal(t, time.Date(2026, 2, 16, 23, 41, 7, 0, time.UTC), reply.Created)
	assert.Equal(t, "Kira Petrova", reply.Author.Name)
	assert.Equal(t, int64(9120), reply.Author.Posts)
	assert.Equal(t, "40", srv.Requests()[0].Query.Get("limit"))
}

func TestCursorResume(t *testing.T) {
	srv := listentest.NewServer(t)
	srv.Handle(tagPath, timeline(t))
	s, _ := newSource(t, srv, mastodon.Config{Hashtag: "AcmeCloud"})
	b, err := s.Fetch(t.Context(), "113998877665544111")
	require.NoError(t, err)
	require.Len(t, b.Posts, 2)
	assert.Equal(t, "113998877665544222", b.Posts[0].ID)
	assert.Equal(t, "113998877665544111", srv.Requests()[0].Query.Get("min_id"))
	empty, err := s.Fetch(t.Context(), b.Cursor)
	require.NoError(t, err)
	assert.Empty(t, empty.Posts)
	assert.Equal(t, b.Cursor, empty.Cursor)
	_, err = s.Fetch(t.Context(), "abc")
	assert.True(t, listen.IsPermanent(err))
}

func TestRateLimit(t *testing.T) {
	srv := listentest.NewServer(t)
	srv.Script(tagPath,
		listentest.Status(429, "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "2026-02-17T00:05:00.000Z"),
		listentest.File(t, "testdata/tag_timeline.json", "application/json"))
	s, clk := newSource(t, srv, mastodon.Config{Hashtag: "AcmeCloud"})
	b, err := s.Fetch(t.Context(), "")
	require.NoError(t, err)
	assert.Len(t, b.Posts, 3)
	assert.Equal(t, []time.Duration{5 * time.Minute}, clk.Waits(), "waited until the ISO 8601 reset")
}

func TestMalformedAndConfig(t *testing.T) {
	srv := listentest.NewServer(t)
	srv.Script(tagPath, listentest.JSON(`{"error":"unexpected shape"}`))
	s, _ := newSource(t, srv, mastodon.Config{Hashtag: "AcmeCloud"})
	_, err := s.Fetch(t.Context(), "")
	assert.ErrorIs(t, err, listen.ErrMalformed)

	srv.Script(tagPath, listentest.Status(401))
	_, err = s.Fetch(t.Context(), "")
	assert.True(t, listen.IsPermanent(err))

	for _, cfg := range []mastodon.Config{
		{Instance: "not a url", Hashtag: "x"},
		{Instance: "https://m.test"},
		{Instance: "https://m.test", Hashtag: "x", Query: "y", Token: "t"},
		{Instance: "https://m.test", Query: "y"},
	} {
		_, err := mastodon.New(cfg)
		assert.Error(t, err, "%+v", cfg)
	}
}

// One status of the wrong shape is reported, not delivered, and loses
// nothing else; the cursor moves past it.
func TestFetchSkipsMalformedStatus(t *testing.T) {
	for _, search := range []bool{false, true} {
		list := `[
			{"id":"103","created_at":"2026-02-16T10:03:00Z","content":"<p>third</p>","account":{"acct":"c"}},
			{"id":"102","created_at":"2026-02-16T10:02:00Z","content":"<p>bad</p>","favourites_count":"12","account":{"acct":"b"}},
			{"id":7,"content":"no usable id"},
			{"id":"101","created_at":"2026-02-16T10:01:00Z","content":"<p>first</p>","account":{"acct":"a"}}
		]`
		srv := listentest.NewServer(t)
		cfg := mastodon.Config{Hashtag: "AcmeCloud"}
		if search {
			srv.Script("/api/v2/search", listentest.JSON(`{"statuses":`+list+`}`))
			cfg = mastodon.Config{Query: "acme", Token: "tok"}
		} else {
			srv.Script(tagPath, listentest.JSON(list))
		}
		s, _ := newSource(t, srv, cfg)
		b, err := s.Fetch(t.Context(), "100")
		require.NoError(t, err)
		require.Len(t, b.Posts, 2)
		assert.Equal(t, []string{"101", "103"}, []string{b.Posts[0].ID, b.Posts[1].ID})
		require.Len(t, b.Skipped, 2)
		listentest.CheckSkipped(t, b.Skipped)
		assert.Contains(t, b.Skipped[0].Error(), "item 2 (id 7)")
		assert.Contains(t, b.Skipped[1].Error(), "item 1 (id 102)")
		assert.Equal(t, "103", b.Cursor)

		// Read again from the new cursor: the bad items are not reported twice.
		b, err = s.Fetch(t.Context(), b.Cursor)
		require.NoError(t, err)
		assert.Empty(t, b.Posts)
		assert.Empty(t, b.Skipped)
	}
}
