package rss_test

import (
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/harkhq/hark/listen"
	"github.com/harkhq/hark/listen/listentest"
	"github.com/harkhq/hark/listen/rss"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func feedReply(t *testing.T, file, ctype string) listentest.Reply {
	r := listentest.File(t, "testdata/"+file, ctype)
	r.Header.Set("ETag", `"v1"`)
	r.Header.Set("Last-Modified", "Mon, 16 Feb 2026 21:05:00 GMT")
	return r
}

func newSource(t *testing.T, srv *listentest.Server, path string) (*rss.Source, *listentest.Clock) {
	clk := listentest.NewClock(time.Unix(1771286400, 0))
	return rss.New(rss.Config{URL: srv.URL + path, Source: "blog", Client: clk.Client()}), clk
}

func TestConformance(t *testing.T) {
	for _, f := range []struct{ path, file, ctype string }{
		{"/feed.xml", "blog.rss", "application/rss+xml"},
		{"/alerts", "alerts.atom", "application/atom+xml"},
	} {
		t.Run(f.file, func(t *testing.T) {
			srv := listentest.NewServer(t)
			srv.Script(f.path, feedReply(t, f.file, f.ctype))
			listentest.RunConformance(t, listentest.Conformance{
				New: func(t *testing.T) listen.Source {
					s, _ := newSource(t, srv, f.path)
					return s
				},
				MinPosts: 2,
			})
		})
	}
}

func TestMapping(t *testing.T) {
	srv := listentest.NewServer(t)
	srv.Script("/feed.xml", feedReply(t, "blog.rss", "application/rss+xml"))
	srv.Script("/alerts", feedReply(t, "alerts.atom", "application/atom+xml"))
	s, _ := newSource(t, srv, "/feed.xml")
	b, err := s.Fetch(t.Context(), "")
	require.NoError(t, err)
	require.Len(t, b.Posts, 3)
	first, last := b.Posts[0], b.Posts[2]
	assert.Equal(t, "flyernotes-2026-0210-refunds", first.ID, "oldest first")
	assert.Equal(t, "Acme Air's new app: three steps forward, one crash back\n\nThe redesign is faster, but the app crashed twice at check-in & I had to queue at the desk.\n\nBoarding passes in the wallet work well.", last.Text)
	assert.Equal(t, "Priya Natarajan", last.Author.Name)
	assert.Equal(t, "blog", last.Source)
	assert.Equal(t, "en-us", last.Lang)
	assert.Equal(t, time.Date(2026, 2, 16, 21, 0, 0, 0, time.UTC), last.Created)
	assert.Equal(t, "https://flyernotes.example/2026/02/acme-air-app-review/", last.URL)

	a, _ := newSource(t, srv, "/alerts")
	b, err = a.Fetch(t.Context(), "")
	require.NoError(t, err)
	require.Len(t, b.Posts, 2)
	assert.Equal(t, "Why Acme Air's loyalty changes anger frequent flyers\n\nThe new tiers of Acme Air loyalty cut lounge access for most members ...", b.Posts[0].Text)
}

func TestConditionalGetAndNewItems(t *testing.T) {
	srv := listentest.NewServer(t)
	body, err := os.ReadFile("testdata/blog.rss")
	require.NoError(t, err)
	served := string(body)
	srv.Handle("/feed.xml", func(w http.ResponseWriter, r *http.Request) {
		etag := `"` + strings.Repeat("x", len(served)%7+1) + `"`
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write([]byte(served))
	})
	s, _ := newSource(t, srv, "/feed.xml")
	b, err := s.Fetch(t.Context(), "")
	require.NoError(t, err)
	require.Len(t, b.Posts, 3)

	again, err := s.Fetch(t.Context(), b.Cursor)
	require.NoError(t, err)
	assert.Empty(t, again.Posts)
	assert.Equal(t, b.Cursor, again.Cursor, "304: the cursor stays")
	reqs := srv.Requests()
	assert.NotEmpty(t, reqs[1].Header.Get("If-None-Match"))

	// A new item appears at the top; the oldest drops off.
	newItem := `<item><title>Acme Air answers our refund questions</title><link>https://flyernotes.example/2026/02/acme-answers/</link>
      <guid isPermaLink="false">flyernotes-2026-0217-answers</guid><pubDate>Tue, 17 Feb 2026 08:00:00 +0000</pubDate>
      <description>They promise 7 days from now on.</description></item>`
	served = strings.Replace(served, "<item>", newItem+"<item>", 1)
	i := strings.LastIndex(served, "<item>")
	served = served[:i] + served[strings.LastIndex(served, "</item>")+len("</item>"):]
	b2, err := s.Fetch(t.Context(), b.Cursor)
	require.NoError(t, err)
	require.Len(t, b2.Posts, 1)
	assert.Equal(t, "flyernotes-2026-0217-answers", b2.Posts[0].ID)
}

func TestRateLimitAndMalformed(t *testing.T) {
	srv := listentest.NewServer(t)
	good := feedReply(t, "blog.rss", "application/rss+xml")
	srv.Script("/feed.xml",
		listentest.Status(429, "Retry-After", "120"),
		listentest.Reply{Header: good.Header, Body: good.Body[:len(good.Body)/2]},
		good)
	s, clk := newSource(t, srv, "/feed.xml")
	b, err := s.Fetch(t.Context(), "")
	require.NoError(t, err, "429 then a truncated body, both retried")
	assert.Len(t, b.Posts, 3)
	assert.Equal(t, 120*time.Second, clk.Waits()[0])

	srv.Script("/bad", listentest.Reply{Body: []byte("<html><body>not a feed")})
	bad, _ := newSource(t, srv, "/bad")
	_, err = bad.Fetch(t.Context(), "")
	assert.ErrorIs(t, err, listen.ErrMalformed)

	_, err = s.Fetch(t.Context(), "{not json")
	assert.True(t, listen.IsPermanent(err))
}

// One JSON Feed item of the wrong shape is reported, not delivered, and
// loses nothing else; it is reported once. An RSS item gofeed reads in
// part (a date it cannot parse) is delivered with what was read.
func TestFetchSkipsMalformedItem(t *testing.T) {
	srv := listentest.NewServer(t)
	srv.Script("/feed.json", listentest.JSON(`{"version":"https://jsonfeed.org/version/1.1","title":"t","items":[
		{"id":"1","content_text":"first","date_published":"2026-02-16T10:01:00Z"},
		{"id":"2","content_text":["bad"]},
		{"id":["4"],"content_text":{}},
		{"id":"3","content_text":"third","date_published":"2026-02-16T10:03:00Z"}]}`))
	s, _ := newSource(t, srv, "/feed.json")
	b, err := s.Fetch(t.Context(), "")
	require.NoError(t, err)
	require.Len(t, b.Posts, 2)
	assert.Equal(t, []string{"1", "3"}, []string{b.Posts[0].ID, b.Posts[1].ID})
	require.Len(t, b.Skipped, 2)
	listentest.CheckSkipped(t, b.Skipped)
	assert.Contains(t, b.Skipped[0].Error(), "item 1 (id 2)")
	assert.Contains(t, b.Skipped[1].Error(), "item 2:")
	b, err = s.Fetch(t.Context(), b.Cursor)
	require.NoError(t, err)
	assert.Empty(t, b.Posts)
	assert.Empty(t, b.Skipped, "reported once")

	srv.Script("/feed.json", listentest.JSON(`{"version":"https://jsonfeed.org/version/1.1","title":["t"],"items":[]}`))
	_, err = s.Fetch(t.Context(), "")
	assert.ErrorIs(t, err, listen.ErrMalformed, "a bad envelope fails the feed")

	srv.Script("/feed.xml", listentest.Reply{Header: http.Header{"Content-Type": {"application/rss+xml"}}, Body: []byte(
		`<rss version="2.0"><channel><title>t</title><item><guid>1</guid><title>a</title></item>` +
			`<item><guid>2</guid><pubDate>yesterday</pubDate><title>b</title></item></channel></rss>`)})
	s, _ = newSource(t, srv, "/feed.xml")
	b, err = s.Fetch(t.Context(), "")
	require.NoError(t, err)
	assert.Len(t, b.Posts, 2)
	assert.Empty(t, b.Skipped)
}
