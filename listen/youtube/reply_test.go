package youtube

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/listen"
	"github.com/harkhq/hark/reply"
	"github.com/harkhq/hark/respond"
)

// ytAPI is a stand-in for comments.insert and comments.list of the Data
// API v3, with its error form {"error": {"code", "message", "errors":
// [{"domain", "reason", "message"}]}}.
type ytAPI struct {
	mu       sync.Mutex
	replies  []map[string]any
	refuse   string // next insert fails with this reason
	failNext int    // next insert stores, then answers 503
}

func ytError(w http.ResponseWriter, code int, domain, reason, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": code, "message": msg,
		"errors": []any{map[string]string{"message": msg, "domain": domain, "reason": reason}}}})
}

func (a *ytAPI) handler(t *testing.T) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /comments", func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "Bearer oauth", r.Header.Get("Authorization"))
		assert.Equal(t, "snippet", r.URL.Query().Get("part"))
		var in struct {
			Snippet struct{ ParentID, TextOriginal string }
		}
		require.NoError(t, json.NewDecoder(r.Body).Decode(&in))
		a.mu.Lock()
		defer a.mu.Unlock()
		switch a.refuse {
		case "quotaExceeded":
			a.refuse = ""
			ytError(w, 403, "youtube.quota", "quotaExceeded", "The request cannot be completed because you have exceeded your quota.")
			return
		case "commentsDisabled":
			a.refuse = ""
			ytError(w, 403, "youtube.commentThread", "commentsDisabled", "The video identified by the videoId parameter has disabled comments.")
			return
		}
		c := map[string]any{"kind": "youtube#comment", "etag": "e", "id": fmt.Sprintf("%s.r%d", in.Snippet.ParentID, len(a.replies)+1),
			"snippet": map[string]any{"authorDisplayName": "@acme", "authorChannelId": map[string]string{"value": "UCacme"},
				"textOriginal": in.Snippet.TextOriginal, "textDisplay": in.Snippet.TextOriginal, "parentId": in.Snippet.ParentID,
				"videoId": "vid1", "publishedAt": "2026-03-02T10:00:00Z", "canRate": true, "likeCount": 0}}
		a.replies = append(a.replies, c)
		if a.failNext > 0 {
			a.failNext--
			ytError(w, 503, "global", "backendError", "Backend Error")
			return
		}
		_ = json.NewEncoder(w).Encode(c)
	})
	mux.HandleFunc("GET /comments", func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		defer a.mu.Unlock()
		items := []any{}
		for _, c := range a.replies {
			if c["snippet"].(map[string]any)["parentId"] == r.URL.Query().Get("parentId") {
				items = append(items, c)
			}
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"kind": "youtube#commentListResponse", "items": items})
	})
	return mux
}

func newTestReplier(t *testing.T) (*Replier, *ytAPI, *Units) {
	a := &ytAPI{}
	srv := httptest.NewServer(a.handler(t))
	t.Cleanup(srv.Close)
	units := &Units{}
	r, err := NewReplier(ReplyConfig{Token: func(context.Context) (string, error) { return "oauth", nil }, ChannelID: "UCacme",
		Units: units, BaseURL: srv.URL, Client: &listen.Client{HTTP: srv.Client(), MaxAttempts: 1,
			Now: func() time.Time { return time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC) }}})
	require.NoError(t, err)
	return r, a, units
}

func TestReplierReply(t *testing.T) {
	r, a, units := newTestReplier(t)
	// A reply in a thread: the answer goes under the thread's top comment.
	d := reply.Draft{Key: "k", Text: "Sorry, fixed in the next update.",
		Post: hark.Post{ID: "top1.x9", ThreadID: "top1", ParentID: "top1", Source: "youtube"}}
	got, err := r.Reply(t.Context(), d)
	require.NoError(t, err)
	assert.Equal(t, reply.Posted{ID: "top1.r1", URL: "https://www.youtube.com/watch?v=vid1&lc=top1.r1"}, got)
	assert.Equal(t, "top1", a.replies[0]["snippet"].(map[string]any)["parentId"])
	f, found, err := r.FindReply(t.Context(), d)
	require.NoError(t, err)
	assert.True(t, found)
	assert.Equal(t, got, f)
	assert.Equal(t, 51, units.Spent())

	a.refuse = "quotaExceeded"
	_, err = r.Reply(t.Context(), d)
	require.ErrorIs(t, err, listen.ErrRateLimited)
	ra, _ := reply.RetryAfter(err)
	assert.Equal(t, 22*time.Hour, ra, "until midnight Pacific")

	r2, a2, _ := newTestReplier(t)
	a2.refuse = "commentsDisabled"
	_, err = r2.Reply(t.Context(), d)
	require.Error(t, err)
	assert.True(t, reply.Permanent(err))
}

func TestReplierWithPoster(t *testing.T) {
	r, a, _ := newTestReplier(t)
	a.failNext = 1
	p := reply.NewPoster(r, reply.WithLedger(new(respond.MemLedger)),
		reply.WithSleep(func(context.Context, time.Duration) error { return nil }))
	res, err := p.Post(t.Context(), reply.Draft{Key: "k", Text: "Thanks for the report!", Post: hark.Post{ID: "top2", ThreadID: "top2"}})
	require.NoError(t, err)
	assert.Equal(t, reply.OutFound, res.Outcome)
	assert.Len(t, a.replies, 1)
}
