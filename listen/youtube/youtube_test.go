package youtube_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/harkhq/hark/listen"
	"github.com/harkhq/hark/listen/listentest"
	"github.com/harkhq/hark/listen/youtube"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// 2026-02-17T00:00:00Z is 16:00 on the 16th in Los Angeles.
var now = time.Unix(1771286400, 0)

func server(t *testing.T) *listentest.Server {
	srv := listentest.NewServer(t)
	srv.Script("/commentThreads", listentest.File(t, "testdata/commentThreads.json", "application/json"))
	srv.Script("/channels", listentest.File(t, "testdata/channels.json", "application/json"))
	return srv
}

func newSource(t *testing.T, srv *listentest.Server, cfg youtube.Config) (*youtube.Source, *listentest.Clock) {
	t.Helper()
	clk := listentest.NewClock(now)
	cfg.APIKey, cfg.BaseURL, cfg.Client = "AIza-test", srv.URL, clk.Client()
	if cfg.VideoID == "" && cfg.ChannelID == "" {
		cfg.VideoID = "dQw4acme001"
	}
	s, err := youtube.New(cfg)
	require.NoError(t, err)
	return s, clk
}

func TestConformance(t *testing.T) {
	srv := server(t)
	listentest.RunConformance(t, listentest.Conformance{
		New: func(t *testing.T) listen.Source {
			s, _ := newSource(t, srv, youtube.Config{})
			return s
		},
		MinPosts: 4,
	})
}

func TestMapping(t *testing.T) {
	srv := server(t)
	units := &youtube.Units{}
	s, _ := newSource(t, srv, youtube.Config{ChannelID: "UCacmeOfficial000000000a", SearchTerms: "export", Units: units})
	b, err := s.Fetch(t.Context(), "")
	require.NoError(t, err)
	require.Len(t, b.Posts, 4)
	praise, dana, sam, brand := b.Posts[0], b.Posts[1], b.Posts[2], b.Posts[3]
	assert.Equal(t, "UgzK3nM8bQ2pV7xYt1R4AaABAg", praise.ID, "oldest thread first")
	assert.Equal(t, int64(15400), praise.Author.Followers)
	assert.Equal(t, "The 4.2 update broke CSV exports for our whole team. Rolling back is the only fix & support hasn't replied in 3 days.", dana.Text)
	assert.Equal(t, "@DanaKowalski", dana.Author.Handle)
	assert.Equal(t, int64(2310), dana.Author.Followers)
	assert.Equal(t, int64(57), dana.Author.Posts)
	assert.Equal(t, int64(41), dana.Metrics.Likes)
	assert.Equal(t, int64(2), dana.Metrics.Replies)
	assert.Equal(t, "https://www.youtube.com/watch?v=dQw4acme001&lc=UgwXq8Lx2Yc3n1m9KdF4AaABAg", dana.URL)
	assert.Equal(t, dana.ID, sam.ParentID, "replies oldest first")
	assert.Equal(t, int64(0), sam.Author.Followers, "hidden subscriber count")
	assert.Equal(t, dana.ID, brand.ThreadID)
	assert.Equal(t, int64(1250000), brand.Author.Followers)
	assert.Equal(t, "1771282683:UgwXq8Lx2Yc3n1m9KdF4AaABAg", b.Cursor)
	assert.Equal(t, 2, units.Spent(), "one unit for threads, one for channels")

	reqs := srv.Requests()
	q := reqs[0].Query
	assert.Equal(t, "UCacmeOfficial000000000a", q.Get("allThreadsRelatedToChannelId"))
	assert.Equal(t, "time", q.Get("order"))
	assert.Equal(t, "export", q.Get("searchTerms"))
	assert.Equal(t, "AIza-test", q.Get("key"))
	assert.Len(t, strings.Split(reqs[1].Query.Get("id"), ","), 4)

	again, err := s.Fetch(t.Context(), b.Cursor)
	require.NoError(t, err)
	assert.Empty(t, again.Posts)
	assert.Equal(t, 1, srv.Count("/channels"), "no channels call for no posts")
}

func TestQuotaUnits(t *testing.T) {
	srv := server(t)
	units := &youtube.Units{PerDay: 3}
	s, _ := newSource(t, srv, youtube.Config{Units: units})
	_, err := s.Fetch(t.Context(), "")
	require.NoError(t, err)
	_, err = s.Fetch(t.Context(), "")
	require.NoError(t, err, "channels are cached: one unit")
	_, err = s.Fetch(t.Context(), "")
	require.Error(t, err)
	assert.ErrorIs(t, err, listen.ErrRateLimited)
	assert.Equal(t, 8*time.Hour, listen.RetryAfterOf(err), "until midnight in Los Angeles")
}

func TestQuotaExceededAnswer(t *testing.T) {
	srv := server(t)
	srv.Script("/commentThreads", listentest.Reply{Status: 403, Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(`{
  "error": {
    "code": 403,
    "message": "The request cannot be completed because you have exceeded your \u003ca href=\"/youtube/v3/getting-started#quota\"\u003equota\u003c/a\u003e.",
    "errors": [{"message": "The request cannot be completed because you have exceeded your quota.", "domain": "youtube.quota", "reason": "quotaExceeded"}]
  }
}`)})
	units := &youtube.Units{}
	s, _ := newSource(t, srv, youtube.Config{Units: units})
	_, err := s.Fetch(t.Context(), "")
	assert.ErrorIs(t, err, listen.ErrRateLimited)
	assert.False(t, listen.IsPermanent(err))
	_, err = s.Fetch(t.Context(), "")
	assert.ErrorIs(t, err, listen.ErrRateLimited)
	assert.Equal(t, 1, srv.Count("/commentThreads"), "no call once the budget is known spent")

	srv.Script("/commentThreads", listentest.Reply{Status: 403, Body: []byte(`{"error":{"code":403,"errors":[{"reason":"commentsDisabled"}]}}`)})
	s2, _ := newSource(t, srv, youtube.Config{})
	_, err = s2.Fetch(t.Context(), "")
	assert.True(t, listen.IsPermanent(err))
}

func TestRetryAfterAndMalformed(t *testing.T) {
	srv := server(t)
	srv.Script("/commentThreads", listentest.Status(429, "Retry-After", "4"), listentest.File(t, "testdata/commentThreads.json", "application/json"))
	s, clk := newSource(t, srv, youtube.Config{NoEnrich: true})
	b, err := s.Fetch(t.Context(), "")
	require.NoError(t, err)
	assert.Len(t, b.Posts, 4)
	assert.Equal(t, []time.Duration{4 * time.Second}, clk.Waits())

	srv.Script("/commentThreads", listentest.JSON(`{"kind":"youtube#videoListResponse","items":[]}`))
	_, err = s.Fetch(t.Context(), "")
	assert.ErrorIs(t, err, listen.ErrMalformed)
	_, err = s.Fetch(t.Context(), "bad")
	assert.True(t, listen.IsPermanent(err))
	_, err = youtube.New(youtube.Config{APIKey: "k"})
	assert.Error(t, err)
}

// One thread, reply or channel of the wrong shape is reported, not
// delivered, and loses nothing else; the cursor moves past the thread.
func TestFetchSkipsMalformedItems(t *testing.T) {
	srv := server(t)
	th := func(id, at, extra string) string {
		return `{"id":"` + id + `","snippet":{"videoId":"v","totalReplyCount":0,"topLevelComment":{"id":"` + id +
			`","snippet":{"authorDisplayName":"@a","authorChannelId":{"value":"ch1"},"textOriginal":"text ` + id +
			`","publishedAt":"` + at + `"` + extra + `}}}}`
	}
	srv.Script("/commentThreads", listentest.JSON(`{"kind":"youtube#commentThreadListResponse","items":[`+
		th("t3", "2026-02-16T10:03:00Z", "")+`,{"id":{}},`+
		th("t2", "2026-02-16T10:02:00Z", `,"likeCount":"12"`)+`,`+
		`{"id":"t1","snippet":{"videoId":"v","topLevelComment":{"id":"t1","snippet":{"authorChannelId":{"value":"ch2"},"textOriginal":"text t1","publishedAt":"2026-02-16T10:01:00Z"}}},`+
		`"replies":{"comments":[{"id":"r1","snippet":{"textOriginal":"reply","likeCount":"x","publishedAt":"2026-02-16T10:04:00Z"}},`+
		`{"id":"r2","snippet":{"textOriginal":"good reply","authorChannelId":{"value":"ch1"},"publishedAt":"2026-02-16T10:05:00Z"}}]}}]}`))
	srv.Script("/channels", listentest.JSON(`{"items":[{"id":"ch1","snippet":{"title":"One"},"statistics":{"subscriberCount":"5"}},{"id":"ch2","statistics":{"hiddenSubscriberCount":"no"}}]}`))
	s, _ := newSource(t, srv, youtube.Config{})
	b, err := s.Fetch(t.Context(), "1771236000")
	require.NoError(t, err)
	var got []string
	for _, p := range b.Posts {
		got = append(got, p.ID)
	}
	assert.Equal(t, []string{"t1", "r2", "t3"}, got)
	assert.Equal(t, int64(5), b.Posts[2].Author.Followers)
	require.Len(t, b.Skipped, 4)
	listentest.CheckSkipped(t, b.Skipped)
	assert.Contains(t, b.Skipped[0].Error(), "thread item 1:")
	assert.Contains(t, b.Skipped[1].Error(), "thread t1: reply item 0 (id r1)")
	assert.Contains(t, b.Skipped[2].Error(), "thread item 2 (id t2)")
	assert.Contains(t, b.Skipped[3].Error(), "channel item 1 (id ch2)")
	assert.Equal(t, strconv.FormatInt(time.Date(2026, 2, 16, 10, 3, 0, 0, time.UTC).Unix(), 10)+":t3", b.Cursor)

	// Read again from the new cursor: the bad items are not reported twice.
	b, err = s.Fetch(t.Context(), b.Cursor)
	require.NoError(t, err)
	assert.Empty(t, b.Posts)
	assert.Empty(t, b.Skipped)
}
