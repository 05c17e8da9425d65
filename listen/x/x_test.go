package x_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/harkhq/hark/listen"
	"github.com/harkhq/hark/listen/internal/ids"
	"github.com/harkhq/hark/listen/listentest"
	"github.com/harkhq/hark/listen/x"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const path = "/2/tweets/search/recent"

func newSource(t *testing.T, srv *listentest.Server, cfg x.Config) (*x.Source, *listentest.Clock) {
	t.Helper()
	clk := listentest.NewClock(time.Unix(1771286400, 0))
	cfg.BearerToken, cfg.BaseURL, cfg.Client = "AAAA-token", srv.URL, clk.Client()
	if cfg.Query == "" {
		cfg.Query = "acme -is:retweet"
	}
	s, err := x.New(cfg)
	require.NoError(t, err)
	return s, clk
}

func TestConformance(t *testing.T) {
	srv := listentest.NewServer(t)
	srv.Script(path, listentest.File(t, "testdata/recent.json", "application/json"))
	listentest.RunConformance(t, listentest.Conformance{
		New: func(t *testing.T) listen.Source {
			s, _ := newSource(t, srv, x.Config{})
			return s
		},
		MinPosts: 3,
	})
}

func TestMapping(t *testing.T) {
	srv := listentest.NewServer(t)
	srv.Script(path, listentest.File(t, "testdata/recent.json", "application/json"))
	s, _ := newSource(t, srv, x.Config{})
	b, err := s.Fetch(t.Context(), "")
	require.NoError(t, err)
	require.Len(t, b.Posts, 3)
	assert.Equal(t, "1891234567890123459", b.Cursor)
	pt, brand, marta := b.Posts[0], b.Posts[1], b.Posts[2]
	assert.Equal(t, "1891234567890123457", pt.ID, "oldest first")
	assert.Equal(t, "pt", pt.Lang)
	assert.Equal(t, int64(1200345), brand.Author.Followers)
	assert.Equal(t, int64(250311), brand.Metrics.Views)
	assert.Equal(t, "@marta_travels", marta.Author.Handle)
	assert.True(t, marta.Author.Verified)
	assert.Equal(t, int64(48210), marta.Author.Followers)
	assert.Equal(t, int64(20311), marta.Author.Posts)
	assert.Equal(t, "1891234567890123458", marta.ParentID)
	assert.Equal(t, "1891234567890123458", marta.ThreadID)
	assert.Equal(t, []string{"@AcmeAir"}, marta.Mentions)
	assert.Equal(t, []string{"#AcmeFail"}, marta.Tags)
	assert.Equal(t, int64(88), marta.Metrics.Likes)
	assert.Equal(t, "https://x.com/marta_travels/status/1891234567890123459", marta.URL)

	r := srv.Requests()[0]
	assert.Equal(t, "Bearer AAAA-token", r.Header.Get("Authorization"))
	assert.Equal(t, "acme -is:retweet", r.Query.Get("query"))
	assert.Equal(t, "author_id", r.Query.Get("expansions"))
	assert.Contains(t, r.Query.Get("user.fields"), "public_metrics")
	assert.Empty(t, r.Query.Get("since_id"))
}

// burst serves tweets with IDs 1000..1000+n-1, newest first, 100 a page,
// honouring since_id, until_id and next_token like recent search.
func burst(n int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		var page []map[string]any
		skip := 0
		fmt.Sscan(q.Get("next_token"), &skip)
		matched := 0
		for id := 1000 + n - 1; id >= 1000; id-- {
			sid := fmt.Sprint(id)
			if s := q.Get("since_id"); s != "" && ids.Compare(sid, s) <= 0 {
				continue
			}
			if u := q.Get("until_id"); u != "" && ids.Compare(sid, u) >= 0 {
				continue
			}
			matched++
			if matched <= skip || len(page) == 100 {
				continue
			}
			page = append(page, map[string]any{"id": sid, "text": "acme " + sid, "author_id": "1", "created_at": "2026-02-16T20:00:00.000Z"})
		}
		meta := map[string]any{"result_count": len(page)}
		if skip+len(page) < matched {
			meta["next_token"] = fmt.Sprint(skip + len(page))
		}
		json.NewEncoder(w).Encode(map[string]any{"data": page, "meta": meta})
	}
}

func TestBurstLargerThanPagesIsReadInFull(t *testing.T) {
	srv := listentest.NewServer(t)
	srv.Handle(path, burst(750))
	s, _ := newSource(t, srv, x.Config{Pages: 2})
	seen := map[string]int{}
	cursor := "999"
	for range 20 {
		b, err := s.Fetch(t.Context(), cursor)
		require.NoError(t, err)
		for _, p := range b.Posts {
			seen[p.ID]++
		}
		cursor = b.Cursor
		if len(b.Posts) == 0 {
			break
		}
	}
	assert.Len(t, seen, 750)
	for id, n := range seen {
		require.Equal(t, 1, n, id)
	}
	assert.Equal(t, "1749", cursor)
}

func TestRateLimitReset(t *testing.T) {
	srv := listentest.NewServer(t)
	srv.Script(path,
		listentest.Reply{Status: 429, Header: http.Header{
			"X-Rate-Limit-Limit": {"450"}, "X-Rate-Limit-Remaining": {"0"}, "X-Rate-Limit-Reset": {"1771286460"}},
			Body: []byte(`{"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank","status":429}`)},
		listentest.File(t, "testdata/recent.json", "application/json"))
	s, clk := newSource(t, srv, x.Config{})
	b, err := s.Fetch(t.Context(), "")
	require.NoError(t, err)
	assert.Len(t, b.Posts, 3)
	assert.Equal(t, []time.Duration{time.Minute}, clk.Waits(), "x-rate-limit-reset is a Unix time")
}

func TestErrorsAndMalformed(t *testing.T) {
	srv := listentest.NewServer(t)
	srv.Script(path, listentest.Reply{Status: 401, Body: []byte(`{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}`)})
	s, _ := newSource(t, srv, x.Config{})
	_, err := s.Fetch(t.Context(), "")
	assert.True(t, listen.IsPermanent(err))

	srv.Script(path, listentest.JSON(`{"errors":[{"parameters":{"query":["acme ("]},"message":"bad query","title":"Invalid Request","detail":"One or more parameters to your request was invalid.","type":"https://api.twitter.com/2/problems/invalid-request"}],"title":"Invalid Request"}`))
	_, err = s.Fetch(t.Context(), "")
	assert.True(t, listen.IsPermanent(err))

	srv.Script(path, listentest.JSON(`{"data":[{"id":1}]}`))
	b, err := s.Fetch(t.Context(), "")
	require.NoError(t, err, "a bad tweet is an item skipped, not a failed page")
	require.Len(t, b.Skipped, 1)
	assert.ErrorIs(t, b.Skipped[0], listen.ErrMalformed)
	b, err = s.Fetch(t.Context(), b.Cursor)
	require.NoError(t, err)
	assert.Empty(t, b.Skipped, "a tweet with no readable ID is reported once")

	srv.Script(path, listentest.JSON(`{"data":{"id":"1"}}`))
	_, err = s.Fetch(t.Context(), "")
	assert.ErrorIs(t, err, listen.ErrMalformed, "a page of the wrong shape fails whole")
	srv.Script(path, listentest.JSON(`{"data":[],"meta":{"next_token":7}}`))
	_, err = s.Fetch(t.Context(), "")
	assert.ErrorIs(t, err, listen.ErrMalformed)

	for _, c := range []string{"abc", "1:2", "1::3"} {
		_, err = s.Fetch(t.Context(), c)
		assert.True(t, listen.IsPermanent(err), c)
	}
	_, err = x.New(x.Config{Query: "acme"})
	assert.Error(t, err)
}

// One tweet of the wrong shape is reported, not delivered, and loses
// nothing else; the cursor moves past it. A user that does not decode is
// reported too, and its tweets keep the author's ID.
func TestFetchSkipsMalformedTweet(t *testing.T) {
	srv := listentest.NewServer(t)
	srv.Script(path, listentest.JSON(`{"data":[
		{"id":"103","text":"third","author_id":"u1","created_at":"2026-02-16T10:03:00Z"},
		{"id":"102","text":"bad","author_id":"u1","public_metrics":{"like_count":"12"}},
		{"id":"101","text":"first","author_id":"u2","created_at":"2026-02-16T10:01:00Z"}
	],"includes":{"users":[{"id":"u1","username":"one"},{"id":"u2","username":["two"]}]},
	"meta":{"newest_id":"103","oldest_id":"101","result_count":3}}`))
	s, _ := newSource(t, srv, x.Config{})
	b, err := s.Fetch(t.Context(), "100")
	require.NoError(t, err)
	require.Len(t, b.Posts, 2)
	assert.Equal(t, []string{"101", "103"}, []string{b.Posts[0].ID, b.Posts[1].ID})
	assert.Equal(t, "u2", b.Posts[0].Author.ID)
	assert.Equal(t, "@one", b.Posts[1].Author.Handle)
	require.Len(t, b.Skipped, 2)
	listentest.CheckSkipped(t, b.Skipped)
	assert.Contains(t, b.Skipped[0].Error(), "user item 1 (id u2)")
	assert.Contains(t, b.Skipped[1].Error(), "tweet item 1 (id 102)")
	assert.Equal(t, "103", b.Cursor)
}
