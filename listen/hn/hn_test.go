package hn_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/harkhq/hark/listen"
	"github.com/harkhq/hark/listen/hn"
	"github.com/harkhq/hark/listen/listentest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var now = time.Unix(1771286400, 0) // 2026-02-17T00:00:00Z

func newSource(t *testing.T, srv *listentest.Server) (*hn.Source, *listentest.Clock) {
	clk := listentest.NewClock(now)
	return hn.New(hn.Config{Query: "acme", BaseURL: srv.URL, Client: clk.Client(), Now: clk.Now}), clk
}

func fixtureServer(t *testing.T) *listentest.Server {
	srv := listentest.NewServer(t)
	srv.Script("/search_by_date", listentest.File(t, "testdata/search_by_date.json", "application/json"))
	return srv
}

func TestConformance(t *testing.T) {
	listentest.RunConformance(t, listentest.Conformance{
		New: func(t *testing.T) listen.Source {
			s, _ := newSource(t, fixtureServer(t))
			return s
		},
		MinPosts: 5,
	})
}

func TestMapping(t *testing.T) {
	srv := fixtureServer(t)
	s, _ := newSource(t, srv)
	b, err := s.Fetch(t.Context(), "")
	require.NoError(t, err)
	require.Len(t, b.Posts, 5)
	// Oldest first.
	assert.Equal(t, []string{"46010500", "46011001", "46011050", "46011090", "46011094"},
		[]string{b.Posts[0].ID, b.Posts[1].ID, b.Posts[2].ID, b.Posts[3].ID, b.Posts[4].ID})
	ask := b.Posts[0]
	assert.Equal(t, "Ask HN: Alternatives to Acme for small teams?\n\nWe moved off Acme after the price change.\n\nWhat do small teams use now?", ask.Text)
	story := b.Posts[1]
	assert.Equal(t, int64(57), story.Metrics.Likes)
	assert.Equal(t, int64(3), story.Metrics.Replies)
	assert.Equal(t, "https://news.ycombinator.com/item?id=46011001", story.URL)
	c := b.Posts[4]
	assert.Equal(t, "hn", c.Source)
	assert.Equal(t, "tptacek", c.Author.Handle)
	assert.Equal(t, "The Acme status page said green the whole time. I'd rather they said something.\n\nTheir SLA credits are a joke.", c.Text)
	assert.Equal(t, "46011001", c.ThreadID)
	assert.Equal(t, "46011001", c.ParentID)
	assert.Equal(t, time.Unix(1771285267, 0).UTC(), c.Created)
	assert.Equal(t, "1771285267:46011090,46011094", b.Cursor, "both posts of the last second are in the cursor")

	r := srv.Requests()[0]
	assert.Equal(t, "acme", r.Query.Get("query"))
	assert.Equal(t, "(story,comment)", r.Query.Get("tags"))
	assert.Equal(t, "created_at_i>="+strconv.FormatInt(now.Add(-24*time.Hour).Unix(), 10), r.Query.Get("numericFilters"))
	assert.Equal(t, "100", r.Query.Get("hitsPerPage"))
}

func TestCursorResume(t *testing.T) {
	srv := fixtureServer(t)
	s, _ := newSource(t, srv)
	// Resume mid-second: one of the two posts at 1771285267 was delivered.
	b, err := s.Fetch(t.Context(), "1771285267:46011090")
	require.NoError(t, err)
	require.Len(t, b.Posts, 1)
	assert.Equal(t, "46011094", b.Posts[0].ID)
	assert.Equal(t, "1771285267:46011090,46011094", b.Cursor)
	assert.Equal(t, "created_at_i>=1771285267", srv.Requests()[0].Query.Get("numericFilters"))

	b, err = s.Fetch(t.Context(), b.Cursor)
	require.NoError(t, err)
	assert.Empty(t, b.Posts)
	assert.Equal(t, "1771285267:46011090,46011094", b.Cursor, "nothing new: the cursor stays")

	_, err = s.Fetch(t.Context(), "yesterday")
	assert.True(t, listen.IsPermanent(err))
}

// backlog serves n hits at one per minute from base, honouring the
// created_at_i filters, newest first, one page of hitsPerPage.
func backlog(t *testing.T, n int, base int64) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		lo, hi := int64(0), int64(1<<62)
		for _, f := range strings.Split(r.URL.Query().Get("numericFilters"), ",") {
			if v, ok := strings.CutPrefix(f, "created_at_i>="); ok {
				lo, _ = strconv.ParseInt(v, 10, 64)
			}
			if v, ok := strings.CutPrefix(f, "created_at_i<"); ok {
				hi, _ = strconv.ParseInt(v, 10, 64)
			}
		}
		per, _ := strconv.Atoi(r.URL.Query().Get("hitsPerPage"))
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		var hits []map[string]any
		for i := n - 1; i >= 0; i-- {
			at := base + int64(i)*60
			if at < lo || at >= hi {
				continue
			}
			hits = append(hits, map[string]any{
				"objectID": fmt.Sprint(1000 + i), "author": "u", "created_at_i": at,
				"comment_text": fmt.Sprintf("comment %d about acme", i), "story_id": 1, "parent_id": 1,
				"_tags": []string{"comment"},
			})
		}
		total := len(hits)
		// Like Algolia: pages of per, none past the 1000th hit.
		start, end := min(page*per, total, 1000), min((page+1)*per, total, 1000)
		hits = hits[start:end]
		json.NewEncoder(w).Encode(map[string]any{"hits": hits, "nbHits": total, "nbPages": min((total+per-1)/per, 1000/per), "page": page, "hitsPerPage": per})
	}
}

func TestBacklogReadOldestFirst(t *testing.T) {
	for _, n := range []int{250, 1200} {
		t.Run(fmt.Sprint(n), func(t *testing.T) { testBacklog(t, n) })
	}
}

func testBacklog(t *testing.T, n int) {
	srv := listentest.NewServer(t)
	base := now.Add(-23 * time.Hour).Unix()
	srv.Handle("/search_by_date", backlog(t, n, base))
	clk := listentest.NewClock(now)
	s := hn.New(hn.Config{Query: "acme", BaseURL: srv.URL, Client: clk.Client(), Now: clk.Now, HitsPerPage: 40})
	var ids []string
	cursor := ""
	for range 100 {
		b, err := s.Fetch(t.Context(), cursor)
		require.NoError(t, err)
		if len(b.Posts) == 0 {
			t.Logf("empty at cursor %q -> %q", cursor, b.Cursor)
			break
		}
		for _, p := range b.Posts {
			ids = append(ids, p.ID)
		}
		cursor = b.Cursor
	}
	require.Len(t, ids, n, "every post of the backlog, once")
	for i, id := range ids {
		assert.Equal(t, fmt.Sprint(1000+i), id)
	}
}

func TestRateLimitRetryAfter(t *testing.T) {
	srv := listentest.NewServer(t)
	srv.Script("/search_by_date",
		listentest.Status(429, "Retry-After", "30"),
		listentest.File(t, "testdata/search_by_date.json", "application/json"))
	s, clk := newSource(t, srv)
	b, err := s.Fetch(t.Context(), "")
	require.NoError(t, err)
	assert.Len(t, b.Posts, 5)
	assert.Equal(t, []time.Duration{30 * time.Second}, clk.Waits())
	assert.Equal(t, 2, srv.Count("/search_by_date"))
}

func TestMalformedPayload(t *testing.T) {
	srv := listentest.NewServer(t)
	full := listentest.File(t, "testdata/search_by_date.json", "application/json")
	srv.Script("/search_by_date", listentest.JSON(string(full.Body[:len(full.Body)/2])))
	s, _ := newSource(t, srv)
	_, err := s.Fetch(t.Context(), "")
	require.Error(t, err)
	assert.ErrorIs(t, err, listen.ErrMalformed)
	assert.False(t, listen.IsPermanent(err))

	// A bad hit is an item skipped, not a failed page.
	srv.Script("/search_by_date", listentest.JSON(`{"hits":[{"objectID":"1","created_at_i":"soon"}]}`))
	b, err := s.Fetch(t.Context(), "")
	require.NoError(t, err)
	require.Len(t, b.Skipped, 1)
	assert.ErrorIs(t, b.Skipped[0], listen.ErrMalformed)

	srv.Script("/search_by_date", listentest.JSON(`{"hits":{}}`))
	_, err = s.Fetch(t.Context(), "")
	assert.ErrorIs(t, err, listen.ErrMalformed, "a page of the wrong shape fails whole")
}

// One hit of the wrong shape is reported, not delivered, and does not lose
// the others; the cursor moves past it, so it is not reported again.
func TestFetchSkipsMalformedHit(t *testing.T) {
	body := `{"hits":[
		{"objectID":"1","created_at_i":1771285200,"author":"a","comment_text":"first"},
		{"objectID":"2","created_at_i":1771285201,"author":"b","title":"bad","points":"12"},
		{"objectID":"3","created_at_i":1771285202,"author":"c","comment_text":"third"},
		{"objectID":{},"created_at_i":"x"}
	],"nbHits":4,"nbPages":1,"page":0,"hitsPerPage":100}`
	tr := &listentest.Transport{Answer: func(*http.Request) listentest.Reply {
		return listentest.Reply{Body: []byte(body)}
	}}
	s := hn.New(hn.Config{Query: "acme", BaseURL: "http://hn.invalid", Client: tr.Client(), Now: func() time.Time { return now }})
	b, err := s.Fetch(t.Context(), "1771285100")
	require.NoError(t, err)
	assert.Equal(t, []string{"1", "3"}, []string{b.Posts[0].ID, b.Posts[1].ID})
	require.Len(t, b.Skipped, 2)
	listentest.CheckSkipped(t, b.Skipped)
	assert.Contains(t, b.Skipped[0].Error(), "item 3:", "the hit with no readable ID is named by its place")
	assert.Contains(t, b.Skipped[1].Error(), "item 1 (id 2)")
	assert.Contains(t, b.Skipped[1].Error(), "points")
	assert.Equal(t, "1771285202:3", b.Cursor)

	// From a cursor inside the bad hit's second, it is not reported again.
	b, err = s.Fetch(t.Context(), "1771285201:2")
	require.NoError(t, err)
	assert.Len(t, b.Posts, 1)
	assert.Empty(t, b.Skipped, "the hit with no readable key was reported already")

	// Another Source (a restart) reports that one again: it is in no
	// cursor.
	s = hn.New(hn.Config{Query: "acme", BaseURL: "http://hn.invalid", Client: tr.Client(), Now: func() time.Time { return now }})
	b, err = s.Fetch(t.Context(), "1771285201:2")
	require.NoError(t, err)
	require.Len(t, b.Skipped, 1)
	assert.Contains(t, b.Skipped[0].Error(), "item 3:")
	assert.Equal(t, 3, tr.Requests(), "one request per fetch: the page holds all its hits, readable or not")
}
