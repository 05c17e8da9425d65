package reddit_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/harkhq/hark/listen"
	"github.com/harkhq/hark/listen/listentest"
	"github.com/harkhq/hark/listen/reddit"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func server(t *testing.T) *listentest.Server {
	srv := listentest.NewServer(t)
	srv.Script("/api/v1/access_token", listentest.File(t, "testdata/token.json", "application/json"))
	srv.Script("/search", listentest.File(t, "testdata/search.json", "application/json"))
	srv.Script("/r/acmecloud/comments", listentest.File(t, "testdata/comments.json", "application/json"))
	return srv
}

func newSource(t *testing.T, srv *listentest.Server, cfg reddit.Config) (*reddit.Source, *listentest.Clock) {
	t.Helper()
	clk := listentest.NewClock(time.Unix(1771286400, 0))
	cfg.ClientID, cfg.ClientSecret, cfg.UserAgent = "app-id", "app-secret", "linux:hark-test:v1 (by /u/hark)"
	cfg.BaseURL, cfg.TokenURL, cfg.Client = srv.URL, srv.URL+"/api/v1/access_token", clk.Client()
	s, err := reddit.New(cfg)
	require.NoError(t, err)
	return s, clk
}

func TestConformance(t *testing.T) {
	for _, cfg := range []reddit.Config{{Query: "acme"}, {Subreddit: "r/acmecloud", Comments: true}} {
		t.Run(fmt.Sprint(cfg.Query, cfg.Subreddit), func(t *testing.T) {
			srv := server(t)
			listentest.RunConformance(t, listentest.Conformance{
				New: func(t *testing.T) listen.Source {
					s, _ := newSource(t, srv, cfg)
					return s
				},
				MinPosts: 2,
			})
		})
	}
}

func TestMapping(t *testing.T) {
	srv := server(t)
	s, _ := newSource(t, srv, reddit.Config{Query: "acme"})
	assert.Equal(t, "reddit:?acme", s.Name())
	b, err := s.Fetch(t.Context(), "")
	require.NoError(t, err)
	require.Len(t, b.Posts, 2, "the removed post is skipped")
	link, self := b.Posts[0], b.Posts[1]
	assert.Equal(t, "t3_1ir8abc", link.ID, "oldest first")
	assert.Equal(t, "Acme Cloud 4.2 export bug workaround", link.Text)
	assert.Equal(t, "t3_1ir9x7k", self.ID)
	assert.Equal(t, "Acme Air refund still missing after 3 weeks\n\nFlight cancelled on the 12th, refund requested the same day. Acme Air support keeps closing my ticket. Any tips?", self.Text)
	assert.Equal(t, "u/throwaway_flyer", self.Author.Handle)
	assert.Equal(t, "t2_8k2j1x9", self.Author.ID)
	assert.Equal(t, int64(48), self.Metrics.Likes)
	assert.Equal(t, int64(17), self.Metrics.Replies)
	assert.Equal(t, "https://www.reddit.com/r/travel/comments/1ir9x7k/acme_air_refund_still_missing_after_3_weeks/", self.URL)
	assert.Equal(t, "1771285267:t3_1ir9x7k", b.Cursor)

	reqs := srv.Requests()
	tok := reqs[0]
	assert.Equal(t, "/api/v1/access_token", tok.Path)
	assert.Equal(t, "grant_type=client_credentials", string(tok.Body))
	user, pass, ok := (&http.Request{Header: tok.Header}).BasicAuth()
	assert.True(t, ok)
	assert.Equal(t, "app-id:app-secret", user+":"+pass)
	search := reqs[1]
	assert.Equal(t, "new", search.Query.Get("sort"))
	assert.Equal(t, "acme", search.Query.Get("q"))
	assert.Equal(t, "1", search.Query.Get("raw_json"))
	assert.Contains(t, search.Header.Get("Authorization"), "Bearer eyJ")
	assert.Equal(t, "linux:hark-test:v1 (by /u/hark)", search.Header.Get("User-Agent"))

	c, _ := newSource(t, srv, reddit.Config{Subreddit: "acmecloud", Comments: true})
	b, err = c.Fetch(t.Context(), "")
	require.NoError(t, err)
	require.Len(t, b.Posts, 2)
	assert.Equal(t, "t1_mb2x9k1", b.Posts[0].ID)
	assert.Equal(t, "t3_1ir8abc", b.Posts[0].ParentID)
	assert.Equal(t, "t1_mb2x9k1", b.Posts[1].ParentID)
	assert.Equal(t, "t3_1ir8abc", b.Posts[1].ThreadID)
}

// newListing serves n submissions, one a minute, newest first, 100 a page
// with after= paging, as /r/x/new does.
func newListing(n int, base int64) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		start := 0
		if a := r.URL.Query().Get("after"); a != "" {
			i, _ := strconv.Atoi(a[len("t3_"):])
			start = n - i
		}
		var children []map[string]any
		for k := start; k < min(start+100, n); k++ {
			i := n - 1 - k
			children = append(children, map[string]any{"kind": "t3", "data": map[string]any{
				"id": strconv.Itoa(i), "name": "t3_" + strconv.Itoa(i), "title": fmt.Sprintf("post %d", i),
				"author": "u", "created_utc": float64(base + int64(i)*60)}})
		}
		data := map[string]any{"children": children, "after": nil}
		if start+100 < n {
			data["after"] = children[len(children)-1]["data"].(map[string]any)["name"]
		}
		json.NewEncoder(w).Encode(map[string]any{"kind": "Listing", "data": data})
	}
}

func TestPagesBackToCursor(t *testing.T) {
	srv := server(t)
	base := int64(1771200000)
	srv.Handle("/r/acme/new", newListing(350, base))
	s, _ := newSource(t, srv, reddit.Config{Subreddit: "acme"})
	// The cursor is post 19; 330 newer ones span four pages.
	b, err := s.Fetch(t.Context(), strconv.FormatInt(base+19*60, 10)+":t3_19")
	require.NoError(t, err)
	require.Len(t, b.Posts, 330)
	assert.Equal(t, "t3_20", b.Posts[0].ID)
	assert.Equal(t, "t3_349", b.Posts[329].ID)
	assert.Equal(t, 4, srv.Count("/r/acme/new"))
	again, err := s.Fetch(t.Context(), b.Cursor)
	require.NoError(t, err)
	assert.Empty(t, again.Posts)
	assert.Equal(t, 1, srv.Count("/api/v1/access_token"), "the token is cached")
}

func TestRateLimitHeaders(t *testing.T) {
	srv := server(t)
	srv.Script("/search",
		listentest.Status(429, "X-Ratelimit-Used", "100", "X-Ratelimit-Remaining", "0.0", "X-Ratelimit-Reset", "42"),
		listentest.File(t, "testdata/search.json", "application/json"))
	s, clk := newSource(t, srv, reddit.Config{Query: "acme"})
	b, err := s.Fetch(t.Context(), "")
	require.NoError(t, err)
	assert.Len(t, b.Posts, 2)
	assert.Equal(t, []time.Duration{42 * time.Second}, clk.Waits(), "X-Ratelimit-Reset is seconds to wait")
}

func TestTokenRenewedOn401(t *testing.T) {
	srv := server(t)
	srv.Script("/search", listentest.Status(401), listentest.File(t, "testdata/search.json", "application/json"))
	s, _ := newSource(t, srv, reddit.Config{Query: "acme"})
	b, err := s.Fetch(t.Context(), "")
	require.NoError(t, err)
	assert.Len(t, b.Posts, 2)
	assert.Equal(t, 2, srv.Count("/api/v1/access_token"))

	srv.Script("/api/v1/access_token", listentest.JSON(`{"error": "invalid_grant"}`))
	srv.Script("/search", listentest.Status(401))
	_, err = s.Fetch(t.Context(), "")
	assert.True(t, listen.IsPermanent(err), "%v", err)
}

func TestMalformed(t *testing.T) {
	srv := server(t)
	srv.Script("/search", listentest.JSON(`{"kind":"Listing","data":{"children":[{"kind":"t3","data":{"created_utc":"yesterday"}}]}}`))
	s, _ := newSource(t, srv, reddit.Config{Query: "acme"})
	b, err := s.Fetch(t.Context(), "")
	require.NoError(t, err, "a bad child is an item skipped, not a failed page")
	require.Len(t, b.Skipped, 1)
	assert.ErrorIs(t, b.Skipped[0], listen.ErrMalformed)
	srv.Script("/search", listentest.JSON(`{"kind":"Listing","data":{"children":{}}}`))
	_, err = s.Fetch(t.Context(), "")
	assert.ErrorIs(t, err, listen.ErrMalformed)
	srv.Script("/search", listentest.JSON(`{"kind":"t3","data":{}}`))
	_, err = s.Fetch(t.Context(), "")
	assert.ErrorIs(t, err, listen.ErrMalformed)
	_, err = s.Fetch(t.Context(), "soon")
	assert.True(t, listen.IsPermanent(err))

	for _, cfg := range []reddit.Config{
		{ClientID: "a", ClientSecret: "b", Query: "x"},
		{ClientID: "a", ClientSecret: "b", UserAgent: "u"},
		{ClientID: "a", ClientSecret: "b", UserAgent: "u", Query: "x", Comments: true},
		{UserAgent: "u", Query: "x"},
	} {
		_, err := reddit.New(cfg)
		assert.Error(t, err)
	}
}

// One child of the wrong shape is reported, not delivered, and loses
// nothing else; the cursor moves past it.
func TestFetchSkipsMalformedChild(t *testing.T) {
	srv := server(t)
	srv.Script("/search", listentest.JSON(`{"kind":"Listing","data":{"after":null,"children":[
		{"kind":"t3","data":{"id":"c","name":"t3_c","title":"third","author":"x","created_utc":1771285203}},
		{"kind":"t3","data":{"id":"b","name":"t3_b","title":"bad","score":"12","created_utc":1771285202}},
		{"kind":"t3","data":{"id":"a","name":"t3_a","title":"first","author":"y","created_utc":1771285201}},
		{"kind":"t3","data":{"name":["t3_z"]}}
	]}}`))
	s, _ := newSource(t, srv, reddit.Config{Query: "acme"})
	b, err := s.Fetch(t.Context(), "1771285200")
	require.NoError(t, err)
	require.Len(t, b.Posts, 2)
	assert.Equal(t, []string{"t3_a", "t3_c"}, []string{b.Posts[0].ID, b.Posts[1].ID})
	require.Len(t, b.Skipped, 2)
	listentest.CheckSkipped(t, b.Skipped)
	assert.Contains(t, b.Skipped[0].Error(), "item 3:")
	assert.Contains(t, b.Skipped[1].Error(), "item 1 (id t3_b)")
	assert.Contains(t, b.Skipped[1].Error(), "score")
	assert.Equal(t, "1771285203:t3_c", b.Cursor)

	// Read again from the new cursor: the bad items are not reported twice.
	b, err = s.Fetch(t.Context(), b.Cursor)
	require.NoError(t, err)
	assert.Empty(t, b.Posts)
	assert.Empty(t, b.Skipped)
}
