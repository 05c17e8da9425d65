package x_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/listen/listentest"
	"github.com/harkhq/hark/listen/x"
	"github.com/harkhq/hark/reply"
)

// FuzzReplyAnswer has the platform answer every request of Reply and
// FindReply with any body, under any status: neither may panic, and
// neither may report a reply it was not given. Seeds are in
// testdata/fuzz/FuzzReplyAnswer.
func FuzzReplyAnswer(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte, status uint16) {
		tr := &listentest.Transport{MaxRequests: 50, Answer: func(*http.Request) listentest.Reply {
			return listentest.Reply{Status: 200 + int(status%4)*100, Body: body} // 200, 300, 400, 500
		}}
		r, err := x.NewReplier(x.ReplyConfig{Token: func(context.Context) (string, error) { return "user-token", nil }, UserID: "42", BaseURL: "http://x.invalid", Client: tr.Client()})
		if err != nil {
			t.Fatal(err)
		}
		d := reply.Draft{Key: "k1", Text: "Sorry, we are on it.", Lang: "en", Post: hark.Post{ID: "1899", Source: "x", Author: hark.Author{ID: "7", Handle: "@bob"}}}
		p, err := r.Reply(t.Context(), d)
		if err == nil && p.ID == "" {
			t.Fatalf("Reply: no error and no reply for %q", body)
		}
		p, ok, err := r.FindReply(t.Context(), d)
		if ok && (err != nil || p.ID == "") {
			t.Fatalf("FindReply: found %+v with error %v for %q", p, err, body)
		}
		if tr.Exceeded() {
			t.Fatalf("over %d requests", tr.MaxRequests)
		}
	})
}

// A post of the brand's own that has no ID is not taken as the reply
// found: the poster would count the reply as sent and never send it.
// Found by FuzzReplyAnswer.
func TestFindReplyIgnoresPostsWithoutID(t *testing.T) {
	tr := &listentest.Transport{Answer: func(*http.Request) listentest.Reply {
		return listentest.JSON(`{"data":[{"text":"Sorry, we are on it.","referenced_tweets":[{"type":"replied_to","id":"1899"}]}]}`)
	}}
	r, err := x.NewReplier(x.ReplyConfig{Token: func(context.Context) (string, error) { return "user-token", nil }, UserID: "42",
		BaseURL: "http://x.invalid", Client: tr.Client()})
	require.NoError(t, err)
	_, ok, err := r.FindReply(t.Context(), reply.Draft{Key: "k1", Text: "Sorry, we are on it.", Post: hark.Post{ID: "1899"}})
	require.NoError(t, err)
	assert.False(t, ok)
}
