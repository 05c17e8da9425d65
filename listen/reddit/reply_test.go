package reddit

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

// redditAPI is a stand-in for oauth.reddit.com's /api/comment (api_type
// json: refusals in json.errors as [code, message, field] triples) and
// /user/{name}/comments (a Listing of t1 things).
type redditAPI struct {
	mu       sync.Mutex
	comments []map[string]any
	refuse   string // next /api/comment answers this error code
	failNext int    // next /api/comment stores the comment, then answers 500
}

func (a *redditAPI) handler(t *testing.T) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/comment", func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "Bearer user-token", r.Header.Get("Authorization"))
		assert.Equal(t, "hark-test/1.0", r.Header.Get("User-Agent"))
		require.NoError(t, r.ParseForm())
		assert.Equal(t, "json", r.PostForm.Get("api_type"))
		a.mu.Lock()
		defer a.mu.Unlock()
		switch a.refuse {
		case "RATELIMIT":
			a.refuse = ""
			fmt.Fprint(w, `{"json": {"ratelimit": 172.5, "errors": [["RATELIMIT", "Looks like you've been doing that a lot. Take a break for 2 minutes before trying again.", "ratelimit"]]}}`)
			return
		case "THREAD_LOCKED":
			a.refuse = ""
			fmt.Fprint(w, `{"json": {"errors": [["THREAD_LOCKED", "Comments are locked.", "parent"]]}}`)
			return
		}
		id := fmt.Sprintf("k%d", len(a.comments)+1)
		c := map[string]any{"id": id, "name": "t1_" + id, "author": "acme", "body": r.PostForm.Get("text"),
			"parent_id": r.PostForm.Get("thing_id"), "link_id": "t3_abc", "created_utc": 1772445600.0,
			"permalink": "/r/acme/comments/abc/x/" + id + "/"}
		a.comments = append(a.comments, c)
		if a.failNext > 0 {
			a.failNext--
			w.WriteHeader(500)
			fmt.Fprint(w, `{"message": "Internal Server Error", "error": 500}`)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"json": map[string]any{"errors": []any{},
			"data": map[string]any{"things": []any{map[string]any{"kind": "t1", "data": c}}}}})
	})
	mux.HandleFunc("GET /user/acme/comments", func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "new", r.URL.Query().Get("sort"))
		a.mu.Lock()
		defer a.mu.Unlock()
		var kids []any
		for i := len(a.comments) - 1; i >= 0; i-- {
			kids = append(kids, map[string]any{"kind": "t1", "data": a.comments[i]})
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"kind": "Listing", "data": map[string]any{"after": nil, "before": nil, "children": kids}})
	})
	return mux
}

func newTestReplier(t *testing.T) (*Replier, *redditAPI) {
	a := &redditAPI{}
	srv := httptest.NewServer(a.handler(t))
	t.Cleanup(srv.Close)
	r, err := NewReplier(ReplyConfig{Token: func(context.Context) (string, error) { return "user-token", nil },
		Username: "u/acme", UserAgent: "hark-test/1.0", BaseURL: srv.URL,
		Client: &listen.Client{HTTP: srv.Client(), MaxAttempts: 1}})
	require.NoError(t, err)
	return r, a
}

func redditDraft() reply.Draft {
	return reply.Draft{Key: "k1", Text: "Sorry about that, u/bob: a refund is on its way.",
		Post: hark.Post{ID: "t1_bob1", Source: "reddit", Author: hark.Author{ID: "t2_bob", Handle: "u/bob"}}}
}

func TestReplierReply(t *testing.T) {
	r, a := newTestReplier(t)
	d := redditDraft()
	_, found, err := r.FindReply(t.Context(), d)
	require.NoError(t, err)
	assert.False(t, found)
	got, err := r.Reply(t.Context(), d)
	require.NoError(t, err)
	assert.Equal(t, reply.Posted{ID: "t1_k1", URL: "https://www.reddit.com/r/acme/comments/abc/x/k1/"}, got)
	assert.Equal(t, "t1_bob1", a.comments[0]["parent_id"])
	f, found, err := r.FindReply(t.Context(), d)
	require.NoError(t, err)
	assert.True(t, found)
	assert.Equal(t, got, f)

	other := d
	other.Post.ID = "t1_other"
	_, found, err = r.FindReply(t.Context(), other)
	require.NoError(t, err)
	assert.False(t, found, "a reply to another post is not ours to find")

	_, err = r.Reply(t.Context(), reply.Draft{Key: "x", Text: "hi", Post: hark.Post{ID: "abc"}})
	require.ErrorIs(t, err, reply.ErrNotReplyable)
}

func TestReplierRefusals(t *testing.T) {
	r, a := newTestReplier(t)
	a.refuse = "RATELIMIT"
	_, err := r.Reply(t.Context(), redditDraft())
	require.ErrorIs(t, err, listen.ErrRateLimited)
	ra, _ := reply.RetryAfter(err)
	assert.Equal(t, 172500*time.Millisecond, ra)

	a.refuse = "THREAD_LOCKED"
	_, err = r.Reply(t.Context(), redditDraft())
	require.Error(t, err)
	assert.True(t, reply.Permanent(err))
	assert.Contains(t, err.Error(), "THREAD_LOCKED")
}

// A 500 after Reddit stored the comment: the Poster finds it, never posts
// it twice, and the author's mention survives while others' would not.
func TestReplierWithPoster(t *testing.T) {
	r, a := newTestReplier(t)
	a.failNext = 1
	p := reply.NewPoster(r, reply.WithLedger(new(respond.MemLedger)),
		reply.WithSleep(func(context.Context, time.Duration) error { return nil }))
	d := redditDraft()
	d.Text += " Thanks u/carol too."
	res, err := p.Post(t.Context(), d)
	require.NoError(t, err)
	assert.Equal(t, reply.OutFound, res.Outcome)
	require.Len(t, a.comments, 1)
	assert.Equal(t, "Sorry about that, u/bob: a refund is on its way. Thanks carol too.", a.comments[0]["body"])
}

// FuzzReplyAnswer feeds /api/comment answers of any shape to the Replier:
// it must never panic, and never report a comment it was not given.
func FuzzReplyAnswer(f *testing.F) {
	for _, s := range []string{
		`{"json": {"errors": [], "data": {"things": [{"kind": "t1", "data": {"name": "t1_x", "permalink": "/r/a/x"}}]}}}`,
		`{"json": {"ratelimit": 5, "errors": [["RATELIMIT", "slow down", "ratelimit"]]}}`,
		`{"json": {"errors": [[]]}}`, `{"json": {"errors": [[1, 2]]}}`, `{}`, `[]`, `null`, `{"json": {"data": {"things": [{}]}}}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(body)) }))
		defer srv.Close()
		r, err := NewReplier(ReplyConfig{Token: func(context.Context) (string, error) { return "t", nil }, Username: "acme",
			UserAgent: "ua", BaseURL: srv.URL, Client: &listen.Client{HTTP: srv.Client(), MaxAttempts: 1}})
		require.NoError(t, err)
		p, err := r.Reply(t.Context(), reply.Draft{Key: "k", Text: "hi", Post: hark.Post{ID: "t3_a"}})
		if err == nil && p.ID == "" {
			t.Fatalf("no error and no comment for %q", body)
		}
	})
}
