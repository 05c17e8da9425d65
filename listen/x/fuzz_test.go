package x_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkhq/hark/listen/listentest"
	"github.com/harkhq/hark/listen/x"
)

// FuzzFetch feeds Fetch any answer from the platform, under any cursor and
// in each of its modes: it must not panic, must not page without end, and
// what it returns must be valid posts. Seeds are in testdata/fuzz/FuzzFetch.
func FuzzFetch(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte, cursor string, mode uint8) {
		tr := &listentest.Transport{MaxRequests: 200, Answer: func(r *http.Request) listentest.Reply {

			return listentest.Reply{Body: body}
		}}
		cfg := x.Config{BearerToken: "AAAA-token", Query: "acme -is:retweet", BaseURL: "http://x.invalid", Client: tr.Client()}
		if mode%2 == 1 {
			cfg.Pages = 3
		}
		s, err := x.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		b, err := s.Fetch(t.Context(), cursor)
		if tr.Exceeded() {
			t.Fatalf("Fetch sent over %d requests", tr.MaxRequests)
		}
		if err != nil {
			return
		}
		listentest.CheckPosts(t, b.Posts)
		listentest.CheckSkipped(t, b.Skipped)
	})
}

// A tweet without an ID or without text is not served as a post (an ID-less
// post names nothing, and ids.Compare would put it in the cursor); the
// tweets around it are. Found by FuzzFetch.
func TestFetchSkipsTweetsWithoutIDOrText(t *testing.T) {
	body := []byte(`{"data":[{"id":"","text":"no id"},{"id":"12087000111","text":"  "},{"id":"12087000222","text":"acme is down"}],"meta":{"result_count":3}}`)
	tr := &listentest.Transport{Answer: func(*http.Request) listentest.Reply { return listentest.Reply{Body: body} }}
	s, err := x.New(x.Config{BearerToken: "t", Query: "acme", BaseURL: "http://x.invalid", Client: tr.Client()})
	require.NoError(t, err)
	b, err := s.Fetch(t.Context(), "")
	require.NoError(t, err)
	require.Len(t, b.Posts, 1)
	assert.Equal(t, "12087000222", b.Posts[0].ID)
	again, err := s.Fetch(t.Context(), b.Cursor)
	require.NoError(t, err)
	assert.Empty(t, again.Posts, "the cursor is past both tweets read")
}
