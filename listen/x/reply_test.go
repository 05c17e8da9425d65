package x

import (
	"context"
	"encoding/json"
	"fmt"
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

// xAPI is a stand-in for POST /2/tweets (201 {"data": {"id", "text"}};
// problems as {"title", "detail", "type", "status"}; 403 for duplicate
// content; 429 with x-rate-limit-* headers) and GET /2/users/:id/tweets.
type xAPI struct {
	mu       sync.Mutex
	tweets   []map[string]any
	failNext int // store, then answer 503
	limited  bool
	now      time.Time
}

func (a *xAPI) handler(t *testing.T) http.Handler {
	problem := func(w http.ResponseWriter, code int, title, detail string) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(map[string]any{"title": title, "detail": detail, "type": "about:blank", "status": code})
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /2/tweets", func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "Bearer user-token", r.Header.Get("Authorization"))
		var in struct {
			Text  string `json:"text"`
			Reply struct {
				InReplyToTweetID string `json:"in_reply_to_tweet_id"`
			} `json:"reply"`
		}
		require.NoError(t, json.NewDecoder(r.Body).Decode(&in))
		a.mu.Lock()
		defer a.mu.Unlock()
		if a.limited {
			a.limited = false
			w.Header().Set("x-rate-limit-limit", "100")
			w.Header().Set("x-rate-limit-remaining", "0")
			w.Header().Set("x-rate-limit-reset", strconv.FormatInt(a.now.Add(15*time.Minute).Unix(), 10))
			problem(w, 429, "Too Many Requests", "Too Many Requests")
			return
		}
		for _, tw := range a.tweets {
			if tw["text"] == in.Text {
				problem(w, 403, "Forbidden", "You are not allowed to create a Tweet with duplicate content.")
				return
			}
		}
		id := strconv.Itoa(1900000000000000000 + len(a.tweets))
		tw := map[string]any{"id": id, "text": in.Text, "edit_history_tweet_ids": []string{id},
			"referenced_tweets": []any{map[string]string{"type": "replied_to", "id": in.Reply.InReplyToTweetID}}}
		a.tweets = append(a.tweets, tw)
		if a.failNext > 0 {
			a.failNext--
			problem(w, 503, "Service Unavailable", "Service Unavailable")
			return
		}
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(map[string]any{"data": map[string]any{"id": id, "text": in.Text, "edit_history_tweet_ids": []string{id}}})
	})
	mux.HandleFunc("GET /2/users/42/tweets", func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		defer a.mu.Unlock()
		var data []any
		for i := len(a.tweets) - 1; i >= 0; i-- {
			data = append(data, a.tweets[i])
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"data": data, "meta": map[string]any{"result_count": len(data)}})
	})
	return mux
}

func newTestReplier(t *testing.T) (*Replier, *xAPI) {
	a := &xAPI{now: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}
	srv := httptest.NewServer(a.handler(t))
	t.Cleanup(srv.Close)
	r, err := NewReplier(ReplyConfig{Token: func(context.Context) (string, error) { return "user-token", nil }, UserID: "42",
		BaseURL: srv.URL, Client: &listen.Client{HTTP: srv.Client(), MaxAttempts: 1, Now: func() time.Time { return a.now }}})
	require.NoError(t, err)
	return r, a
}

func xDraft() reply.Draft {
	return reply.Draft{Key: "k1", Text: "Sorry! Refund details: https://help.acme.com/r",
		Post: hark.Post{ID: "1899", Source: "x", Author: hark.Author{ID: "7", Handle: "@bob"}}}
}

func TestReplierReply(t *testing.T) {
	r, a := newTestReplier(t)
	got, err := r.Reply(t.Context(), xDraft())
	require.NoError(t, err)
	assert.Equal(t, "1900000000000000000", got.ID)
	// X rewrites links to t.co: the Finder still knows its reply.
	a.tweets[0]["text"] = "Sorry! Refund details: https://t.co/AbC123"
	f, found, err := r.FindReply(t.Context(), xDraft())
	require.NoError(t, err)
	assert.True(t, found)
	assert.Equal(t, got, f)
	// A duplicate refused by X is our earlier reply: returned, not posted.
	a.tweets[0]["text"] = xDraft().Text
	again, err := r.Reply(t.Context(), xDraft())
	require.NoError(t, err)
	assert.Equal(t, got, again)
	assert.Len(t, a.tweets, 1)

	a.limited = true
	d := xDraft()
	d.Text = "another"
	_, err = r.Reply(t.Context(), d)
	require.ErrorIs(t, err, listen.ErrRateLimited)
	ra, _ := reply.RetryAfter(err)
	assert.Equal(t, 15*time.Minute, ra)
}

func TestReplierWithPoster(t *testing.T) {
	r, a := newTestReplier(t)
	a.failNext = 1
	p := reply.NewPoster(r, reply.WithLedger(new(respond.MemLedger)), reply.WithLinkDomains("acme.com"),
		reply.WithSleep(func(context.Context, time.Duration) error { return nil }))
	res, err := p.Post(t.Context(), xDraft())
	require.NoError(t, err)
	assert.Equal(t, reply.OutFound, res.Outcome)
	assert.Len(t, a.tweets, 1)

	d := xDraft()
	d.Key, d.Text = "k2", fmt.Sprintf("%0281d", 0)
	res, err = p.Post(t.Context(), d)
	require.ErrorIs(t, err, reply.ErrTooLong)
	assert.Equal(t, reply.OutRejected, res.Outcome)
}
