package discourse

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
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

// forum is a stand-in for Discourse's POST /posts.json (422 with
// {"errors": [...]} on validation, 429 with Retry-After and error_type
// rate_limit), GET /t/:id.json (post_stream.stream) and GET
// /t/:id/posts.json?post_ids[]= (with include_raw).
type forum struct {
	mu       sync.Mutex
	posts    []map[string]any
	failNext int
	limited  bool
}

func (f *forum) handler(t *testing.T) http.Handler {
	mux := http.NewServeMux()
	fail := func(w http.ResponseWriter, code int, typ string, msgs ...string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(map[string]any{"errors": msgs, "error_type": typ})
	}
	mux.HandleFunc("POST /posts.json", func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "key", r.Header.Get("Api-Key"))
		assert.Equal(t, "acme_support", r.Header.Get("Api-Username"))
		var in struct {
			TopicID           int64  `json:"topic_id"`
			Raw               string `json:"raw"`
			ReplyToPostNumber *int64 `json:"reply_to_post_number"`
		}
		require.NoError(t, json.NewDecoder(r.Body).Decode(&in))
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.limited {
			f.limited = false
			w.Header().Set("Retry-After", "9")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(429)
			_ = json.NewEncoder(w).Encode(map[string]any{"errors": []string{"You’ve performed this action too many times. Please wait 9 seconds before trying again."},
				"error_type": "rate_limit", "extras": map[string]any{"wait_seconds": 9, "time_left": "9 seconds"}})
			return
		}
		if len([]rune(in.Raw)) < 20 {
			fail(w, 422, "", "Body is too short (minimum is 20 characters)")
			return
		}
		n := int64(len(f.posts) + 4)
		p := map[string]any{"id": 1000 + n, "username": "acme_support", "topic_id": in.TopicID, "topic_slug": "late-order",
			"post_number": n, "reply_to_post_number": in.ReplyToPostNumber, "raw": in.Raw, "cooked": "<p>" + in.Raw + "</p>",
			"post_type": 1, "created_at": "2026-03-02T10:00:00.000Z"}
		f.posts = append(f.posts, p)
		if f.failNext > 0 {
			f.failNext--
			w.WriteHeader(502)
			return
		}
		_ = json.NewEncoder(w).Encode(p)
	})
	mux.HandleFunc("GET /t/{topic}", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		stream := []int64{1001, 1002, 1003}
		for _, p := range f.posts {
			stream = append(stream, p["id"].(int64))
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"id": 77, "post_stream": map[string]any{"posts": []any{}, "stream": stream}})
	})
	mux.HandleFunc("GET /t/{topic}/posts.json", func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "1", r.URL.Query().Get("include_raw"))
		want := map[string]bool{}
		for _, id := range r.URL.Query()["post_ids[]"] {
			want[id] = true
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		var out []any
		for _, p := range f.posts {
			if want[strconv.FormatInt(p["id"].(int64), 10)] {
				out = append(out, p)
			}
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"post_stream": map[string]any{"posts": out}})
	})
	return mux
}

func newTestReplier(t *testing.T) (*Replier, *forum) {
	f := &forum{}
	srv := httptest.NewServer(f.handler(t))
	t.Cleanup(srv.Close)
	r, err := NewReplier(ReplyConfig{Forum: srv.URL, APIKey: "key", APIUser: "acme_support",
		Client: &listen.Client{HTTP: srv.Client(), MaxAttempts: 1}})
	require.NoError(t, err)
	return r, f
}

func forumDraft() reply.Draft {
	return reply.Draft{Key: "k", Text: "Sorry about the delay, @bob: it ships today.",
		Post: hark.Post{ID: "77/3", Source: "forum", Author: hark.Author{ID: "bob", Handle: "@bob"}}}
}

func TestReplierReply(t *testing.T) {
	r, f := newTestReplier(t)
	got, err := r.Reply(t.Context(), forumDraft())
	require.NoError(t, err)
	assert.Equal(t, "77/4", got.ID)
	assert.Equal(t, r.cfg.Forum+"/t/late-order/77/4", got.URL)
	assert.EqualValues(t, 3, *f.posts[0]["reply_to_post_number"].(*int64))
	fd, found, err := r.FindReply(t.Context(), forumDraft())
	require.NoError(t, err)
	assert.True(t, found)
	assert.Equal(t, got, fd)

	op := forumDraft()
	op.Post.ID = "77/1"
	_, err = r.Reply(t.Context(), op)
	require.NoError(t, err)
	assert.Nil(t, f.posts[1]["reply_to_post_number"].(*int64), "a reply to the topic's first post names no number")
	_, found, err = r.FindReply(t.Context(), op)
	require.NoError(t, err)
	assert.True(t, found)

	short := forumDraft()
	short.Text = "ok"
	_, err = r.Reply(t.Context(), short)
	require.Error(t, err)
	assert.True(t, reply.Permanent(err))
	assert.Contains(t, err.Error(), "Body is too short")

	f.limited = true
	_, err = r.Reply(t.Context(), forumDraft())
	require.ErrorIs(t, err, listen.ErrRateLimited)
	ra, _ := reply.RetryAfter(err)
	assert.Equal(t, 9*time.Second, ra)

	_, err = r.Reply(t.Context(), reply.Draft{Key: "x", Text: "hi", Post: hark.Post{ID: "nope"}})
	require.ErrorIs(t, err, reply.ErrNotReplyable)
}

func TestReplierWithPoster(t *testing.T) {
	r, f := newTestReplier(t)
	f.failNext = 1
	p := reply.NewPoster(r, reply.WithLedger(new(respond.MemLedger)),
		reply.WithSleep(func(context.Context, time.Duration) error { return nil }))
	res, err := p.Post(t.Context(), forumDraft())
	require.NoError(t, err)
	assert.Equal(t, reply.OutFound, res.Outcome)
	assert.Len(t, f.posts, 1)
}
