package appstore_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/harkhq/hark/listen"
	"github.com/harkhq/hark/listen/appstore"
	"github.com/harkhq/hark/listen/listentest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	us1 = "/us/rss/customerreviews/page=1/id=1480000000/sortby=mostrecent/json"
	us2 = "/us/rss/customerreviews/page=2/id=1480000000/sortby=mostrecent/json"
	gb1 = "/gb/rss/customerreviews/page=1/id=1480000000/sortby=mostrecent/json"
	gb2 = "/gb/rss/customerreviews/page=2/id=1480000000/sortby=mostrecent/json"
)

func server(t *testing.T) *listentest.Server {
	srv := listentest.NewServer(t)
	srv.Script(us1, listentest.File(t, "testdata/us_page1.json", "application/json"))
	srv.Script(us2, listentest.File(t, "testdata/empty_page.json", "application/json"))
	srv.Script(gb1, listentest.File(t, "testdata/gb_page1.json", "application/json"))
	srv.Script(gb2, listentest.File(t, "testdata/empty_page.json", "application/json"))
	return srv
}

func newSource(t *testing.T, srv *listentest.Server, countries ...string) (*appstore.Source, *listentest.Clock) {
	t.Helper()
	clk := listentest.NewClock(time.Unix(1771286400, 0))
	s, err := appstore.New(appstore.Config{AppID: "1480000000", Countries: countries, BaseURL: srv.URL, Client: clk.Client()})
	require.NoError(t, err)
	return s, clk
}

func TestConformance(t *testing.T) {
	srv := server(t)
	listentest.RunConformance(t, listentest.Conformance{
		New: func(t *testing.T) listen.Source {
			s, _ := newSource(t, srv, "us", "GB")
			return s
		},
		MinPosts: 4,
	})
}

func TestMapping(t *testing.T) {
	srv := server(t)
	s, _ := newSource(t, srv, "us", "gb")
	b, err := s.Fetch(t.Context(), "")
	require.NoError(t, err)
	require.Len(t, b.Posts, 4)
	assert.Equal(t, "gb=12087111222,us=12087654321", b.Cursor)
	ken := b.Posts[0]
	assert.Equal(t, "12086999000", ken.ID, "oldest first")
	assert.Equal(t, "Refund button does nothing\n\nTried to request a refund for a cancelled flight; the button spins forever.", ken.Text)
	assert.Equal(t, "Ken", ken.Author.Name)
	assert.Equal(t, int64(3), ken.Metrics.Likes)
	assert.Equal(t, time.Date(2026, 2, 16, 3, 44, 0, 0, time.UTC), ken.Created)
	assert.Equal(t, "appstore", ken.Source)
	last := b.Posts[3]
	assert.Equal(t, "12087654321", last.ID)

	again, err := s.Fetch(t.Context(), b.Cursor)
	require.NoError(t, err)
	assert.Empty(t, again.Posts)
}

func TestParseFeedRating(t *testing.T) {
	b := listentest.File(t, "testdata/us_page1.json", "").Body
	reviews, err := appstore.ParseFeed("us", b)
	require.NoError(t, err)
	require.Len(t, reviews, 3)
	assert.Equal(t, 1, reviews[0].Rating)
	assert.Equal(t, "4.2.0", reviews[0].Version)
	one, err := appstore.ParseFeed("gb", listentest.File(t, "testdata/gb_page1.json", "").Body)
	require.NoError(t, err)
	assert.Len(t, one, 1, "a single entry is an object, not an array")
	none, err := appstore.ParseFeed("us", listentest.File(t, "testdata/empty_page.json", "").Body)
	require.NoError(t, err)
	assert.Empty(t, none)
}

func TestResumeReadsPagesToCursor(t *testing.T) {
	srv := server(t)
	s, _ := newSource(t, srv, "us")
	b, err := s.Fetch(t.Context(), "us=12087000111")
	require.NoError(t, err)
	require.Len(t, b.Posts, 1)
	assert.Equal(t, "12087654321", b.Posts[0].ID)
	assert.Equal(t, 1, srv.Count(us1))
	assert.Equal(t, 0, srv.Count(us2), "the cursor was reached on page 1")
}

func TestRateLimitAndMalformed(t *testing.T) {
	srv := server(t)
	srv.Script(us1, listentest.Status(429, "Retry-After", "60"), listentest.File(t, "testdata/us_page1.json", "application/json"))
	s, clk := newSource(t, srv, "us")
	b, err := s.Fetch(t.Context(), "")
	require.NoError(t, err)
	assert.Len(t, b.Posts, 3)
	assert.Equal(t, []time.Duration{time.Minute}, clk.Waits())

	srv.Script(us1, listentest.JSON(`{"feed":{"entry":[{"id":{"label":"1"},"im:rating":{"label":"x"}}`))
	_, err = s.Fetch(t.Context(), "")
	assert.ErrorIs(t, err, listen.ErrMalformed)
	srv.Script(us1, listentest.JSON(`{"results":[]}`))
	_, err = s.Fetch(t.Context(), "")
	assert.ErrorIs(t, err, listen.ErrMalformed)
	_, err = s.Fetch(t.Context(), "us")
	assert.True(t, listen.IsPermanent(err))
	for _, cfg := range []appstore.Config{{AppID: "acme"}, {AppID: "1", Countries: []string{"usa"}}} {
		_, err := appstore.New(cfg)
		assert.Error(t, err)
	}
}

// One entry of the wrong shape is reported, not delivered, and loses
// nothing else; the cursor moves past it.
func TestFetchSkipsMalformedEntry(t *testing.T) {
	entry := func(id, extra string) string {
		return `{"author":{"name":{"label":"a"}},"updated":{"label":"2026-02-16T15:12:44-07:00"},"im:rating":{"label":"4"},"id":{"label":"` + id +
			`"},"title":{"label":"title ` + id + `"},"content":{"label":"review ` + id + `"}` + extra + `}`
	}
	page := `{"feed":{"entry":[` + entry("103", "") + `,` + entry("102", `,"im:voteSum":{"label":12}`) + `,{"id":7},` + entry("101", "") + `]}}`
	srv := listentest.NewServer(t)
	srv.Script(us1, listentest.JSON(page))
	srv.Script(us2, listentest.File(t, "testdata/empty_page.json", "application/json"))
	s, _ := newSource(t, srv, "us")
	b, err := s.Fetch(t.Context(), "us=100")
	require.NoError(t, err)
	require.Len(t, b.Posts, 2)
	assert.ElementsMatch(t, []string{"101", "103"}, []string{b.Posts[0].ID, b.Posts[1].ID})
	require.Len(t, b.Skipped, 2)
	listentest.CheckSkipped(t, b.Skipped)
	assert.Contains(t, b.Skipped[0].Error(), "us: entry item 1 (id 102)")
	assert.Contains(t, b.Skipped[1].Error(), "us: entry item 2:")
	assert.Equal(t, "us=103", b.Cursor)

	// Read again from the new cursor: the bad items are not reported twice.
	b, err = s.Fetch(t.Context(), b.Cursor)
	require.NoError(t, err)
	assert.Empty(t, b.Posts)
	assert.Empty(t, b.Skipped)

	// ParseFeed gives the readable reviews and names the others.
	reviews, err := appstore.ParseFeed("us", []byte(page))
	assert.Len(t, reviews, 2)
	assert.ErrorIs(t, err, listen.ErrMalformed)
	assert.Contains(t, err.Error(), "item 1 (id 102)")
}
