package hn_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkhq/hark/listen/hn"
	"github.com/harkhq/hark/listen/listentest"
)

// FuzzFetch feeds Fetch any search_by_date answer, under any cursor: it
// must not panic, must not page without end, and what it returns must be
// valid posts. Seeds are in testdata/fuzz/FuzzFetch.
func FuzzFetch(f *testing.F) {
	f.Add([]byte(`{"hits":[{"objectID":"1","created_at_i":1771285267,"comment_text":"<p>hi</p>"}],"nbHits":1}`), "")
	f.Fuzz(func(t *testing.T, body []byte, cursor string) {
		tr := &listentest.Transport{MaxRequests: 100, Answer: func(*http.Request) listentest.Reply {
			return listentest.Reply{Body: body}
		}}
		s := hn.New(hn.Config{Query: "acme", BaseURL: "http://hn.invalid", Client: tr.Client(),
			Now: func() time.Time { return now }})
		b, err := s.Fetch(t.Context(), cursor)
		if tr.Exceeded() {
			t.Fatalf("Fetch sent over %d requests for one answer repeated", tr.MaxRequests)
		}
		if err != nil {
			return
		}
		listentest.CheckPosts(t, b.Posts)
		listentest.CheckSkipped(t, b.Skipped)
	})
}

// An answer that names a million pages, all of old posts, must not have
// Fetch walk them: Algolia pages through 1000 hits at most (10 pages of
// 100), so the walk back stops there. Found by FuzzFetch.
func TestFetchDoesNotBelieveAHugePageCount(t *testing.T) {
	body := []byte(`{"hits":[{"objectID":"1","created_at_i":100,"comment_text":"x"}],"nbHits":500,"nbPages":1000000,"page":999999}`)
	tr := &listentest.Transport{MaxRequests: 1000, Answer: func(*http.Request) listentest.Reply {
		return listentest.Reply{Body: body}
	}}
	s := hn.New(hn.Config{Query: "acme", BaseURL: "http://hn.invalid", Client: tr.Client(),
		Now: func() time.Time { return now }})
	b, err := s.Fetch(t.Context(), "100:1")
	require.NoError(t, err)
	assert.Empty(t, b.Posts, "the one post was delivered already")
	assert.LessOrEqual(t, tr.Requests(), 2+10, "first page, last page, then at most the 9 pages before it")
}
