package discourse_test

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
	"github.com/harkhq/hark/listen/discourse"
	"github.com/harkhq/hark/listen/listentest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func server(t *testing.T) *listentest.Server {
	srv := listentest.NewServer(t)
	srv.Script("/posts.json", listentest.File(t, "testdata/posts.json", "application/json"))
	srv.Script("/search.json", listentest.File(t, "testdata/search.json", "application/json"))
	return srv
}

func newSource(t *testing.T, srv *listentest.Server, cfg discourse.Config) (*discourse.Source, *listentest.Clock) {
	t.Helper()
	clk := listentest.NewClock(time.Unix(1771286400, 0))
	cfg.Forum, cfg.Client = srv.URL, clk.Client()
	s, err := discourse.New(cfg)
	require.NoError(t, err)
	return s, clk
}

func TestConformance(t *testing.T) {
	for _, q := range []string{"", "exports"} {
		t.Run("query="+q, func(t *testing.T) {
			srv := server(t)
			listentest.RunConformance(t, listentest.Conformance{
				New: func(t *testing.T) listen.Source {
					s, _ := newSource(t, srv, discourse.Config{Query: q})
					return s
				},
				MinPosts: 2,
			})
		})
	}
}

func TestMappingLatest(t *testing.T) {
	srv := server(t)
	s, _ := newSource(t, srv, discourse.Config{APIKey: "k", APIUser: "system"})
	b, err := s.Fetch(t.Context(), "")
	require.NoError(t, err)
	require.Len(t, b.Posts, 3, "the small action post is skipped")
	first, answer, thanks := b.Posts[0], b.Posts[1], b.Posts[2]
	assert.Equal(t, "4521/1", first.ID)
	assert.Equal(t, "Exports fail after 4.2 update\n\nSince updating to 4.2 this morning every CSV export fails with “Error 500”. Anyone else? We need these for payroll tomorrow.", first.Text)
	assert.Empty(t, first.ParentID)
	assert.Equal(t, "4521/1", answer.ParentID)
	assert.Equal(t, "Same here. Workaround: run the export from the CLI with --legacy:\n\nacme export --legacy ./out", answer.Text)
	assert.Equal(t, int64(6), answer.Metrics.Likes)
	assert.Equal(t, "4521/2", thanks.ParentID, "reply_to_post_number")
	assert.Equal(t, "4521/1", thanks.ThreadID)
	assert.Equal(t, "@priya_n", thanks.Author.Handle)
	assert.Equal(t, "forum", thanks.Source)
	assert.Equal(t, srv.URL+"/t/exports-fail-after-4-2-update/4521/3", thanks.URL)
	assert.Equal(t, "98765", b.Cursor)
	r := srv.Requests()[0]
	assert.Equal(t, "k", r.Header.Get("Api-Key"))
	assert.Equal(t, "system", r.Header.Get("Api-Username"))
}

// latest serves posts with IDs 1..n, newest first, 20 a page, before=
// honoured, as /posts.json does.
func latest(n int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		before := n + 1
		if b := r.URL.Query().Get("before"); b != "" {
			before, _ = strconv.Atoi(b)
		}
		var posts []map[string]any
		for id := before - 1; id >= 1 && len(posts) < 20; id-- {
			posts = append(posts, map[string]any{"id": id, "username": "u", "topic_id": 1000 + id, "post_number": 1,
				"post_type": 1, "cooked": "<p>post " + strconv.Itoa(id) + "</p>", "created_at": "2026-02-16T20:00:00Z"})
		}
		if posts == nil {
			posts = []map[string]any{}
		}
		json.NewEncoder(w).Encode(map[string]any{"latest_posts": posts})
	}
}

func TestLatestPagesBackToCursor(t *testing.T) {
	srv := listentest.NewServer(t)
	srv.Handle("/posts.json", latest(100))
	s, _ := newSource(t, srv, discourse.Config{})
	b, err := s.Fetch(t.Context(), "45")
	require.NoError(t, err)
	require.Len(t, b.Posts, 55)
	assert.Equal(t, "1046/1", b.Posts[0].ID)
	assert.Equal(t, "100", b.Cursor)
	assert.Equal(t, 3, srv.Count("/posts.json"))
	b, err = s.Fetch(t.Context(), "100")
	require.NoError(t, err)
	assert.Empty(t, b.Posts)
}

func TestRateLimitAndMalformed(t *testing.T) {
	srv := server(t)
	srv.Script("/posts.json",
		listentest.Reply{Status: 429, Header: http.Header{"Retry-After": {"17"}, "Content-Type": {"application/json"}},
			Body: []byte(`{"errors":["You’ve performed this action too many times. Please wait 17 seconds before trying again."],"error_type":"rate_limit","extras":{"wait_seconds":17}}`)},
		listentest.File(t, "testdata/posts.json", "application/json"))
	s, clk := newSource(t, srv, discourse.Config{})
	b, err := s.Fetch(t.Context(), "")
	require.NoError(t, err)
	assert.Len(t, b.Posts, 3)
	assert.Equal(t, []time.Duration{17 * time.Second}, clk.Waits())

	srv.Script("/posts.json", listentest.JSON(`{"users":[]}`))
	_, err = s.Fetch(t.Context(), "")
	assert.ErrorIs(t, err, listen.ErrMalformed)
	_, err = s.Fetch(t.Context(), "x")
	assert.True(t, listen.IsPermanent(err))
	_, err = discourse.New(discourse.Config{Forum: "nope"})
	assert.Error(t, err)
	_, err = discourse.New(discourse.Config{Forum: "https://f.test", APIKey: "k"})
	assert.Error(t, err)
}

// One post or topic of the wrong shape is reported, not delivered, and
// loses nothing else; the cursor moves past the post.
func TestFetchSkipsMalformedPost(t *testing.T) {
	post := func(id int, extra string) string {
		return fmt.Sprintf(`{"id":%d,"username":"u","created_at":"2026-02-16T10:00:00Z","cooked":"<p>post %d</p>","post_number":1,"topic_id":%d%s}`, id, id, id, extra)
	}
	list := `[` + post(103, "") + `,` + post(102, `,"like_count":"12"`) + `,{"id":"x"},` + post(101, "") + `]`
	for _, query := range []string{"", "acme"} {
		srv := listentest.NewServer(t)
		srv.Script("/posts.json", listentest.JSON(`{"latest_posts":`+list+`}`))
		srv.Script("/search.json", listentest.JSON(`{"posts":`+list+`,"topics":[{"id":101,"title":"First"},{"id":103,"title":["Third"]}]}`))
		s, _ := newSource(t, srv, discourse.Config{Query: query})
		b, err := s.Fetch(t.Context(), "100")
		require.NoError(t, err)
		require.Len(t, b.Posts, 2)
		assert.Equal(t, []string{"101/1", "103/1"}, []string{b.Posts[0].ID, b.Posts[1].ID})
		listentest.CheckSkipped(t, b.Skipped)
		var msgs []string
		for _, e := range b.Skipped {
			msgs = append(msgs, e.Error())
		}
		want := []string{"post item 2 (id x)", "post item 1 (id 102)"}
		if query != "" {
			want = []string{"post item 2 (id x)", "topic item 1 (id 103)", "post item 1 (id 102)"}
		}
		require.Len(t, msgs, len(want), "%q", msgs)
		for i, w := range want {
			assert.Contains(t, msgs[i], w)
		}
		assert.Equal(t, "103", b.Cursor)

		// Read again from the new cursor: the bad items are not reported twice.
		b, err = s.Fetch(t.Context(), b.Cursor)
		require.NoError(t, err)
		assert.Empty(t, b.Posts)
		assert.Empty(t, b.Skipped)
	}
}
