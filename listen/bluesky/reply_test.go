package bluesky

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
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

// pds is a stand-in for a PDS and AppView, shaped as the lexicons of
// com.atproto.server.createSession, app.bsky.feed.getPosts,
// com.atproto.repo.createRecord and getRecord describe them; errors are
// XRPC's {"error", "message"}.
type pds struct {
	mu       sync.Mutex
	records  map[string]json.RawMessage // rkey → request record
	logins   int
	failNext int // createRecord answers 502 after storing, this many times
	limited  bool
	expire   bool
}

var tidRE = regexp.MustCompile(`^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$`)

func (p *pds) handler(t *testing.T) http.Handler {
	xerr := func(w http.ResponseWriter, code int, name, msg string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": name, "message": msg})
	}
	authed := func(w http.ResponseWriter, r *http.Request) bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.expire {
			p.expire = false
			xerr(w, 401, "ExpiredToken", "Token has expired")
			return false
		}
		if r.Header.Get("Authorization") != "Bearer jwt-1" {
			xerr(w, 401, "AuthenticationRequired", "Authentication Required")
			return false
		}
		return true
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /xrpc/com.atproto.server.createSession", func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Identifier, Password string }
		require.NoError(t, json.NewDecoder(r.Body).Decode(&in))
		if in.Identifier != "acme.bsky.social" || in.Password != "app-pass" {
			xerr(w, 401, "AuthenticationRequired", "Invalid identifier or password")
			return
		}
		p.mu.Lock()
		p.logins++
		p.mu.Unlock()
		_ = json.NewEncoder(w).Encode(map[string]string{"accessJwt": "jwt-1", "refreshJwt": "r-1", "handle": "acme.bsky.social", "did": "did:plc:acme"})
	})
	mux.HandleFunc("GET /xrpc/app.bsky.feed.getPosts", func(w http.ResponseWriter, r *http.Request) {
		uri := r.URL.Query().Get("uris")
		post := map[string]any{"uri": uri, "cid": "bafy-parent", "author": map[string]string{"did": "did:plc:bob", "handle": "bob.bsky.social"},
			"record": map[string]any{"$type": "app.bsky.feed.post", "text": "my order is late", "createdAt": "2026-03-02T09:00:00.000Z",
				"reply": map[string]any{"root": map[string]string{"uri": "at://did:plc:carol/app.bsky.feed.post/root1", "cid": "bafy-root"},
					"parent": map[string]string{"uri": "at://did:plc:carol/app.bsky.feed.post/root1", "cid": "bafy-root"}}}}
		if strings.HasSuffix(uri, "/gone") {
			_ = json.NewEncoder(w).Encode(map[string]any{"posts": []any{}})
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"posts": []any{post}})
	})
	mux.HandleFunc("POST /xrpc/com.atproto.repo.createRecord", func(w http.ResponseWriter, r *http.Request) {
		if !authed(w, r) {
			return
		}
		var in struct {
			Repo, Collection, Rkey string
			Record                 json.RawMessage
		}
		require.NoError(t, json.NewDecoder(r.Body).Decode(&in))
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.limited {
			p.limited = false
			w.Header().Set("RateLimit-Limit", "5000")
			w.Header().Set("RateLimit-Remaining", "0")
			w.Header().Set("RateLimit-Reset", "30")
			xerr(w, 429, "RateLimitExceeded", "Rate Limit Exceeded")
			return
		}
		if !tidRE.MatchString(in.Rkey) {
			xerr(w, 400, "InvalidRequest", "Invalid record key")
			return
		}
		if _, ok := p.records[in.Rkey]; ok {
			// What PDSs have answered to a create under a taken key.
			xerr(w, 500, "InternalServerError", "Internal Server Error")
			return
		}
		p.records[in.Rkey] = in.Record
		if p.failNext > 0 {
			p.failNext--
			xerr(w, 502, "UpstreamFailure", "Bad Gateway")
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"uri": "at://" + in.Repo + "/" + in.Collection + "/" + in.Rkey, "cid": "bafy-" + in.Rkey,
			"commit": map[string]string{"cid": "bafy-commit", "rev": "3l"}, "validationStatus": "valid"})
	})
	mux.HandleFunc("GET /xrpc/com.atproto.repo.getRecord", func(w http.ResponseWriter, r *http.Request) {
		if !authed(w, r) {
			return
		}
		q := r.URL.Query()
		p.mu.Lock()
		rec, ok := p.records[q.Get("rkey")]
		p.mu.Unlock()
		uri := "at://" + q.Get("repo") + "/" + q.Get("collection") + "/" + q.Get("rkey")
		if !ok {
			xerr(w, 400, "RecordNotFound", "Could not locate record: "+uri)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"uri": uri, "cid": "bafy-x", "value": rec})
	})
	return mux
}

func newTestReplier(t *testing.T) (*Replier, *pds) {
	p := &pds{records: map[string]json.RawMessage{}}
	srv := httptest.NewServer(p.handler(t))
	t.Cleanup(srv.Close)
	r, err := NewReplier(ReplyConfig{PDS: srv.URL, AppView: srv.URL, Identifier: "acme.bsky.social", AppPassword: "app-pass",
		Client: &listen.Client{HTTP: srv.Client(), MaxAttempts: 1},
		Now:    func() time.Time { return time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC) }})
	require.NoError(t, err)
	return r, p
}

func blueskyDraft() reply.Draft {
	return reply.Draft{Key: "k1", Text: "Sorry Bob, your parcel ships today.", Lang: "en",
		Post: hark.Post{ID: "at://did:plc:bob/app.bsky.feed.post/3kabc", Source: "bluesky", Lang: "en",
			Created: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), Author: hark.Author{ID: "did:plc:bob"}}}
}

func TestRecordKey(t *testing.T) {
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	k := RecordKey("k1", at)
	assert.Regexp(t, tidRE, k)
	assert.Equal(t, k, RecordKey("k1", at), "stable")
	assert.NotEqual(t, k, RecordKey("k2", at))
	assert.Regexp(t, tidRE, RecordKey("k1", time.Time{}))
	assert.Less(t, RecordKey("k1", at), RecordKey("k1", at.Add(2*time.Second)), "sorts by time")
}

func TestReplierReplyAndFind(t *testing.T) {
	r, p := newTestReplier(t)
	d := blueskyDraft()
	_, found, err := r.FindReply(t.Context(), d)
	require.NoError(t, err)
	assert.False(t, found)

	got, err := r.Reply(t.Context(), d)
	require.NoError(t, err)
	rkey := RecordKey("k1", d.Post.Created)
	assert.Equal(t, "at://did:plc:acme/app.bsky.feed.post/"+rkey, got.ID)
	assert.Equal(t, "https://bsky.app/profile/did:plc:acme/post/"+rkey, got.URL)

	var rec struct {
		Type      string   `json:"$type"`
		Text      string   `json:"text"`
		Langs     []string `json:"langs"`
		CreatedAt string   `json:"createdAt"`
		Reply     struct{ Root, Parent strongRef }
	}
	require.NoError(t, json.Unmarshal(p.records[rkey], &rec))
	assert.Equal(t, "app.bsky.feed.post", rec.Type)
	assert.Equal(t, d.Text, rec.Text)
	assert.Equal(t, []string{"en"}, rec.Langs)
	assert.Equal(t, "2026-03-02T10:00:00.000Z", rec.CreatedAt)
	assert.Equal(t, strongRef{URI: d.Post.ID, CID: "bafy-parent"}, rec.Reply.Parent)
	assert.Equal(t, strongRef{URI: "at://did:plc:carol/app.bsky.feed.post/root1", CID: "bafy-root"}, rec.Reply.Root, "the thread's root")

	// A retry (its answer was lost) writes the same key: no second post.
	again, err := r.Reply(t.Context(), d)
	require.NoError(t, err)
	assert.Equal(t, got, again)
	assert.Len(t, p.records, 1)
	f, found, err := r.FindReply(t.Context(), d)
	require.NoError(t, err)
	assert.True(t, found)
	assert.Equal(t, got, f)
	assert.Equal(t, 1, p.logins, "the session is reused")
}

func TestReplierErrors(t *testing.T) {
	r, p := newTestReplier(t)
	d := blueskyDraft()

	p.limited = true
	_, err := r.Reply(t.Context(), d)
	require.ErrorIs(t, err, listen.ErrRateLimited)
	ra, limited := reply.RetryAfter(err)
	assert.True(t, limited)
	assert.Equal(t, 30*time.Second, ra)

	p.expire = true
	_, err = r.Reply(t.Context(), d)
	require.Error(t, err)
	assert.False(t, reply.Permanent(err), "an expired session is transient: the next call logs in")
	_, err = r.Reply(t.Context(), d)
	require.NoError(t, err)
	assert.Equal(t, 2, p.logins)

	gone := d
	gone.Post.ID = "at://did:plc:bob/app.bsky.feed.post/gone"
	_, err = r.Reply(t.Context(), gone)
	require.ErrorIs(t, err, reply.ErrNotReplyable)
	assert.True(t, reply.Permanent(err))

	_, err = NewReplier(ReplyConfig{})
	require.Error(t, err)
}

func TestReplierWithPoster(t *testing.T) {
	r, p := newTestReplier(t)
	p.failNext = 1 // stored, then 502
	ledger := new(respond.MemLedger)
	poster := reply.NewPoster(r, reply.WithLedger(ledger), reply.WithSleep(func(context.Context, time.Duration) error { return nil }))
	res, err := poster.Post(t.Context(), blueskyDraft())
	require.NoError(t, err)
	assert.Contains(t, []respond.Outcome{respond.OutSent, reply.OutFound}, res.Outcome)
	assert.Len(t, p.records, 1)

	long := blueskyDraft()
	long.Key = "k2"
	long.Text = strings.Repeat("é", 301)
	res, err = poster.Post(t.Context(), long)
	require.ErrorIs(t, err, reply.ErrTooLong)
	assert.Equal(t, reply.OutRejected, res.Outcome)
}

// A long reply becomes a thread; each part after the first answers the one
// before, read from the brand account's own repository.
func TestReplierThread(t *testing.T) {
	r, p := newTestReplier(t)
	poster := reply.NewPoster(r, reply.WithLedger(new(respond.MemLedger)))
	d := blueskyDraft()
	d.Text = strings.Repeat("Sorry about the delay with your parcel. ", 10)
	res, err := poster.Post(t.Context(), d)
	require.NoError(t, err)
	require.Equal(t, respond.OutSent, res.Outcome)
	require.Len(t, res.Parts, 2)
	require.Len(t, p.records, 2)
	var second struct {
		Text  string `json:"text"`
		Reply struct{ Root, Parent strongRef }
	}
	rkey2 := strings.TrimPrefix(res.Parts[1].ID, "at://did:plc:acme/app.bsky.feed.post/")
	require.NoError(t, json.Unmarshal(p.records[rkey2], &second))
	assert.Equal(t, res.Parts[0].ID, second.Reply.Parent.URI)
	assert.Equal(t, "bafy-x", second.Reply.Parent.CID)
	assert.Equal(t, "at://did:plc:carol/app.bsky.feed.post/root1", second.Reply.Root.URI, "the thread's root throughout")
	assert.True(t, strings.HasSuffix(second.Text, "(2/2)"))
}
