package mastodon

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/listen"
	"github.com/harkhq/hark/reply"
)

// The instance's answers, as Mastodon's API documents them: a Status for
// POST /api/v1/statuses, {"error": "..."} with 422 for validation and 429
// with X-RateLimit-* for throttling, and a Context of ancestors and
// descendants.
func TestReplierShapes(t *testing.T) {
	var got struct {
		Status, InReplyToID, Language, Visibility string
		Key, Auth                                 string
	}
	calls := 0
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/statuses", func(w http.ResponseWriter, r *http.Request) {
		calls++
		var in map[string]string
		require.NoError(t, json.NewDecoder(r.Body).Decode(&in))
		got.Status, got.InReplyToID, got.Language, got.Visibility = in["status"], in["in_reply_to_id"], in["language"], in["visibility"]
		got.Key, got.Auth = r.Header.Get("Idempotency-Key"), r.Header.Get("Authorization")
		w.Header().Set("Content-Type", "application/json")
		switch calls {
		case 2:
			w.WriteHeader(422)
			_, _ = w.Write([]byte(`{"error":"Validation failed: Text character limit of 500 exceeded"}`))
			return
		case 3:
			w.Header().Set("X-RateLimit-Limit", "300")
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.Header().Set("X-RateLimit-Reset", "2026-03-02T10:05:00.000Z")
			w.WriteHeader(429)
			_, _ = w.Write([]byte(`{"error":"Too many requests"}`))
			return
		}
		_, _ = w.Write([]byte(`{"id":"113000000000000001","created_at":"2026-03-02T10:00:00.000Z","in_reply_to_id":"109001",
			"in_reply_to_account_id":"77","visibility":"public","language":"en","uri":"https://example.social/users/acme/statuses/113000000000000001",
			"url":"https://example.social/@acme/113000000000000001","content":"<p><span class=\"h-card\"><a href=\"https://example.social/@bob\" class=\"u-url mention\">@<span>bob</span></a></span> Sorry, refund sent.</p>",
			"account":{"id":"42","username":"acme","acct":"acme"},"mentions":[{"id":"77","username":"bob","acct":"bob"}],"tags":[]}`))
	})
	mux.HandleFunc("GET /api/v1/accounts/verify_credentials", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"id":"42","username":"acme","acct":"acme","display_name":"Acme"}`))
	})
	mux.HandleFunc("GET /api/v1/statuses/109001/context", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"ancestors":[],"descendants":[
			{"id":"113000000000000000","in_reply_to_id":"109001","content":"<p>Sorry, refund sent.</p>","account":{"id":"99","acct":"mallory@evil.example"}},
			{"id":"113000000000000001","in_reply_to_id":"109001","url":"https://example.social/@acme/113000000000000001",
			 "content":"<p><span class=\"h-card\"><a href=\"https://example.social/@bob\" class=\"u-url mention\">@<span>bob</span></a></span> Sorry, refund sent.</p>","account":{"id":"42","acct":"acme"}}]}`))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	r, err := NewReplier(ReplyConfig{Instance: srv.URL, Token: "tok", Client: &listen.Client{HTTP: srv.Client(), MaxAttempts: 1, Now: func() time.Time { return now }}})
	require.NoError(t, err)

	d := reply.Draft{Key: "key-1", Lang: "en", Text: "@bob@example.social Sorry, refund sent.",
		Post: hark.Post{ID: "109001", Source: "mastodon", Author: hark.Author{Handle: "@bob@example.social"}}}
	p, err := r.Reply(t.Context(), d)
	require.NoError(t, err)
	assert.Equal(t, reply.Posted{ID: "113000000000000001", URL: "https://example.social/@acme/113000000000000001"}, p)
	assert.Equal(t, "109001", got.InReplyToID)
	assert.Equal(t, "key-1", got.Key)
	assert.Equal(t, "Bearer tok", got.Auth)
	assert.Equal(t, "en", got.Language)
	assert.Equal(t, "public", got.Visibility)

	_, err = r.Reply(t.Context(), d)
	require.Error(t, err)
	assert.True(t, reply.Permanent(err), "422 is permanent")
	assert.Contains(t, err.Error(), "character limit")

	_, err = r.Reply(t.Context(), d)
	require.ErrorIs(t, err, listen.ErrRateLimited)
	ra, _ := reply.RetryAfter(err)
	assert.Equal(t, 5*time.Minute, ra)

	f, found, err := r.FindReply(t.Context(), d)
	require.NoError(t, err)
	assert.True(t, found, "ours, not the look-alike by another account")
	assert.Equal(t, p, f)

	assert.Equal(t, reply.Rules{Platform: "mastodon", MaxChars: 500, MentionAuthor: true, Thread: true}, r.Rules())
	_, err = NewReplier(ReplyConfig{Instance: "not a url"})
	require.Error(t, err)
	_, err = NewReplier(ReplyConfig{Instance: srv.URL})
	require.Error(t, err)
}
