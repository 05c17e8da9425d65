package rss_test

import (
	"net/http"
	"testing"

	"github.com/harkhq/hark/listen/listentest"
	"github.com/harkhq/hark/listen/rss"
)

// FuzzFetch feeds Fetch any answer from the platform, under any cursor and
// in each of its modes: it must not panic, must not page without end, and
// what it returns must be valid posts. Seeds are in testdata/fuzz/FuzzFetch.
func FuzzFetch(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte, cursor string, mode uint8) {
		tr := &listentest.Transport{MaxRequests: 200, Answer: func(r *http.Request) listentest.Reply {

			return listentest.Reply{Body: body}
		}}
		_ = mode
		s := rss.New(rss.Config{URL: "http://blog.invalid/feed.xml", Source: "blog", Client: tr.Client()})
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
