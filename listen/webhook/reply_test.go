package webhook

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

// graph is a stand-in for the Graph API's comment edges: POST
// /{id}/replies or /{id}/comments with message → {"id"}; GET the same edge
// → {"data": [...]}; errors {"error": {"message", "type", "code",
// "error_subcode", "fbtrace_id"}}.
type graph struct {
	mu       sync.Mutex
	made     map[string][]map[string]any // object/edge → replies
	failCode int                         // next POST fails with this Graph code
	failNext int                         // next POST stores, then answers 500
}

func (g *graph) handler(t *testing.T) http.Handler {
	mux := http.NewServeMux()
	gerr := func(w http.ResponseWriter, status, code int, msg string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": msg, "type": "OAuthException",
			"code": code, "error_subcode": 0, "fbtrace_id": "AbC"}})
	}
	mux.HandleFunc("POST /v21.0/{id}/{edge}", func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "Bearer page-token", r.Header.Get("Authorization"))
		require.NoError(t, r.ParseForm())
		g.mu.Lock()
		defer g.mu.Unlock()
		if c := g.failCode; c != 0 {
			g.failCode = 0
			gerr(w, 400, c, fmt.Sprintf("error %d", c))
			return
		}
		key := r.PathValue("id") + "/" + r.PathValue("edge")
		id := fmt.Sprintf("1787%d", len(g.made[key])+1)
		c := map[string]any{"id": id, "from": map[string]string{"id": "17841400000", "username": "acme"}}
		if r.PathValue("edge") == "replies" {
			c["text"], c["username"] = r.PostForm.Get("message"), "acme"
		} else {
			c["message"] = r.PostForm.Get("message")
		}
		g.made[key] = append(g.made[key], c)
		if g.failNext > 0 {
			g.failNext--
			gerr(w, 500, 2, "An unexpected error has occurred. Please retry your request later.")
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]string{"id": id})
	})
	mux.HandleFunc("GET /v21.0/{id}/{edge}", func(w http.ResponseWriter, r *http.Request) {
		g.mu.Lock()
		defer g.mu.Unlock()
		data := g.made[r.PathValue("id")+"/"+r.PathValue("edge")]
		if data == nil {
			data = []map[string]any{}
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"data": data, "paging": map[string]any{}})
	})
	return mux
}

func newTestReplier(t *testing.T) (*Replier, *graph) {
	g := &graph{made: map[string][]map[string]any{}}
	srv := httptest.NewServer(g.handler(t))
	t.Cleanup(srv.Close)
	r, err := NewReplier(ReplyConfig{AccessToken: "page-token", AccountID: "17841400000", GraphURL: srv.URL + "/v21.0",
		Client: &listen.Client{HTTP: srv.Client(), MaxAttempts: 1}})
	require.NoError(t, err)
	return r, g
}

func TestReplierTargets(t *testing.T) {
	r, g := newTestReplier(t)
	cases := []struct {
		post hark.Post
		key  string
	}{
		{hark.Post{ID: "c1", ThreadID: "m1", ParentID: "m1", Source: "instagram"}, "c1/replies"},
		{hark.Post{ID: "c2", ThreadID: "m1", ParentID: "c1", Source: "instagram"}, "c1/replies"}, // under its top comment
		{hark.Post{ID: "m1", ThreadID: "m1", Source: "instagram"}, "m1/comments"},
		{hark.Post{ID: "p1_c1", ThreadID: "p1", ParentID: "p1", Source: "facebook"}, "p1_c1/comments"},
		{hark.Post{ID: "p1", ThreadID: "p1", Source: "facebook"}, "p1/comments"},
	}
	for i, c := range cases {
		d := reply.Draft{Key: fmt.Sprint(i), Post: c.post, Text: fmt.Sprintf("Thanks, we are on it (%d).", i)}
		got, err := r.Reply(t.Context(), d)
		require.NoError(t, err)
		assert.NotEmpty(t, got.ID)
		assert.NotEmpty(t, g.made[c.key], c.key)
		f, found, err := r.FindReply(t.Context(), d)
		require.NoError(t, err)
		assert.True(t, found, c.key)
		assert.Equal(t, got.ID, f.ID)
	}
}

func TestReplierGraphErrors(t *testing.T) {
	r, g := newTestReplier(t)
	d := reply.Draft{Key: "k", Post: hark.Post{ID: "c1", ThreadID: "m1", Source: "instagram"}, Text: "Sorry!"}
	for code, want := range map[int]string{4: "rate", 32: "rate", 80002: "rate", 2: "transient", 100: "permanent", 190: "permanent"} {
		g.failCode = code
		_, err := r.Reply(t.Context(), d)
		require.Error(t, err)
		_, limited := reply.RetryAfter(err)
		switch want {
		case "rate":
			assert.True(t, limited, "code %d", code)
		case "transient":
			assert.False(t, limited, "code %d", code)
			assert.False(t, reply.Permanent(err), "code %d", code)
		case "permanent":
			assert.True(t, reply.Permanent(err), "code %d", code)
		}
	}
}

func TestReplierWithPoster(t *testing.T) {
	r, g := newTestReplier(t)
	g.failNext = 1
	p := reply.NewPoster(r, reply.WithLedger(new(respond.MemLedger)),
		reply.WithSleep(func(context.Context, time.Duration) error { return nil }))
	res, err := p.Post(t.Context(), reply.Draft{Key: "k", Text: "Sorry about that, we sent a new one.",
		Post: hark.Post{ID: "c9", ThreadID: "m1", ParentID: "m1", Source: "instagram"}})
	require.NoError(t, err)
	assert.Equal(t, reply.OutFound, res.Outcome)
	assert.Len(t, g.made["c9/replies"], 1)
}
