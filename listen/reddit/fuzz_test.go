package reddit_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/listen/listentest"
	"github.com/harkhq/hark/listen/reddit"
	"github.com/harkhq/hark/reply"
)

// FuzzFetch feeds Fetch any answer from the platform, under any cursor and
// in each of its modes: it must not panic, must not page without end, and
// what it returns must be valid posts. Seeds are in testdata/fuzz/FuzzFetch.
func FuzzFetch(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte, cursor string, mode uint8) {
		tr := &listentest.Transport{MaxRequests: 200, Answer: func(r *http.Request) listentest.Reply {
			if r.URL.Path == "/api/v1/access_token" && mode&2 == 0 {
				return listentest.JSON(`{"access_token":"tok","token_type":"bearer","expires_in":86400}`)
			}
			return listentest.Reply{Body: body}
		}}
		cfg := reddit.Config{ClientID: "app-id", ClientSecret: "app-secret", UserAgent: "linux:hark-test:v1 (by /u/hark)",
			Query: "acme", BaseURL: "http://reddit.invalid", TokenURL: "http://reddit.invalid/api/v1/access_token", Client: tr.Client()}
		if mode%2 == 1 {
			cfg.Query, cfg.Subreddit, cfg.Comments = "", "acmecloud", true
		}
		s, err := reddit.New(cfg)
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

// A comment of the brand's own that has no name (ID) is not taken as the
// reply found: the poster would count the reply as sent and never send it.
func TestFindReplyIgnoresCommentsWithoutName(t *testing.T) {
	tr := &listentest.Transport{Answer: func(*http.Request) listentest.Reply {
		return listentest.JSON(`{"kind":"Listing","data":{"children":[{"kind":"t1","data":{"name":"","parent_id":"t3_a","author":"acme","body":"Sorry, we are on it."}}]}}`)
	}}
	r, err := reddit.NewReplier(reddit.ReplyConfig{Token: func(context.Context) (string, error) { return "t", nil }, Username: "acme",
		UserAgent: "ua", BaseURL: "http://reddit.invalid", Client: tr.Client()})
	require.NoError(t, err)
	_, ok, err := r.FindReply(t.Context(), reply.Draft{Key: "k", Text: "Sorry, we are on it.", Post: hark.Post{ID: "t3_a"}})
	require.NoError(t, err)
	assert.False(t, ok)
}
