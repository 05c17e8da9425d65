package webhook_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/listen"
	"github.com/harkhq/hark/listen/listentest"
	"github.com/harkhq/hark/listen/webhook"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var secret = []byte("app-secret")

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	require.NoError(t, err)
	return b
}

func deliver(t testing.TB, in http.Handler, body []byte) int {
	t.Helper()
	w := httptest.NewRecorder()
	in.ServeHTTP(w, listentest.SignedRequest("/hook", secret, body))
	return w.Code
}

func newInbox(t testing.TB, cfg webhook.Config) *webhook.Inbox {
	t.Helper()
	if cfg.Secret == nil {
		cfg.Secret = secret
	}
	if cfg.Wait == 0 {
		cfg.Wait = -1
	}
	in, err := webhook.New(cfg)
	require.NoError(t, err)
	return in
}

func TestConformance(t *testing.T) {
	listentest.RunConformance(t, listentest.Conformance{
		New: func(t *testing.T) listen.Source {
			in := newInbox(t, webhook.Config{MaxBatch: 2})
			require.Equal(t, 200, deliver(t, in, fixture(t, "page_feed.json")))
			require.Equal(t, 200, deliver(t, in, fixture(t, "instagram_comments.json")))
			return in
		},
		MinPosts: 4,
	})
}

func TestDecodeMeta(t *testing.T) {
	posts, err := webhook.DecodeMeta(fixture(t, "page_feed.json"))
	require.NoError(t, err)
	require.Len(t, posts, 2, "the reaction is skipped")
	assert.Equal(t, "104512345678901_998877665544332", posts[0].ID)
	assert.Equal(t, "facebook", posts[0].Source)
	assert.Equal(t, "Maria Gomez", posts[0].Author.Name)
	assert.Equal(t, time.Unix(1771283758, 0).UTC(), posts[0].Created)
	assert.Equal(t, posts[0].ID, posts[1].ParentID)
	assert.Equal(t, posts[0].ID, posts[1].ThreadID)

	posts, err = webhook.DecodeMeta(fixture(t, "instagram_comments.json"))
	require.NoError(t, err)
	require.Len(t, posts, 2, "story insights are skipped")
	assert.Equal(t, "@jetsetjane", posts[0].Author.Handle)
	assert.Equal(t, "17887498072083520", posts[0].ThreadID)
	assert.Equal(t, "17865799348089039", posts[1].ParentID)
	assert.Contains(t, posts[0].Text, "✈")

	_, err = webhook.DecodeMeta([]byte(`{"entry":[]}`))
	assert.Error(t, err)
	_, err = webhook.DecodeMeta([]byte(`{"object":"page","entry":[{"changes":[{"field":"feed","value":`))
	assert.Error(t, err)
}

func TestChallenge(t *testing.T) {
	in := newInbox(t, webhook.Config{VerifyToken: "tok"})
	tests := []struct {
		query string
		code  int
		body  string
	}{
		{"hub.mode=subscribe&hub.verify_token=tok&hub.challenge=1158201444", 200, "1158201444"},
		{"hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1", 403, ""},
		{"hub.mode=unsubscribe&hub.verify_token=tok&hub.challenge=1", 403, ""},
		{"hub.challenge=1", 403, ""},
	}
	for _, tt := range tests {
		w := httptest.NewRecorder()
		in.ServeHTTP(w, httptest.NewRequest("GET", "/hook?"+tt.query, nil))
		assert.Equal(t, tt.code, w.Code, tt.query)
		if tt.body != "" {
			assert.Equal(t, tt.body, w.Body.String())
		}
	}
	noToken := newInbox(t, webhook.Config{})
	w := httptest.NewRecorder()
	noToken.ServeHTTP(w, httptest.NewRequest("GET", "/hook?hub.mode=subscribe&hub.verify_token=&hub.challenge=1", nil))
	assert.Equal(t, 403, w.Code, "an empty token never verifies")
}

func TestSignature(t *testing.T) {
	in := newInbox(t, webhook.Config{})
	body := fixture(t, "page_feed.json")
	assert.True(t, webhook.ValidSignature(secret, body, listentest.Sign(secret, body)))

	tests := []struct{ name, header string }{
		{"missing", ""},
		{"other secret", listentest.Sign([]byte("other"), body)},
		{"sha1 form", "sha1=" + strings.TrimPrefix(listentest.Sign(secret, body), "sha256=")},
		{"not hex", "sha256=zz"},
		{"truncated", listentest.Sign(secret, body)[:20]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/hook", strings.NewReader(string(body)))
			if tt.header != "" {
				r.Header.Set("X-Hub-Signature-256", tt.header)
			}
			w := httptest.NewRecorder()
			in.ServeHTTP(w, r)
			assert.Equal(t, 401, w.Code)
		})
	}
	// A body changed after signing fails.
	r := listentest.SignedRequest("/hook", secret, body)
	r.Body = http.NoBody
	w := httptest.NewRecorder()
	in.ServeHTTP(w, r)
	assert.Equal(t, 401, w.Code)
	assert.Equal(t, int64(6), in.Stats().BadSig)
	assert.Equal(t, 0, in.Len())

	_, err := webhook.New(webhook.Config{})
	assert.Error(t, err, "no secret")
}

func TestQueueFullRefusesWholeDelivery(t *testing.T) {
	in := newInbox(t, webhook.Config{QueueSize: 3})
	assert.Equal(t, 200, deliver(t, in, fixture(t, "page_feed.json")))
	w := httptest.NewRecorder()
	in.ServeHTTP(w, listentest.SignedRequest("/hook", secret, fixture(t, "instagram_comments.json")))
	assert.Equal(t, 503, w.Code)
	assert.NotEmpty(t, w.Header().Get("Retry-After"))
	assert.Equal(t, 2, in.Len(), "nothing of the refused delivery was queued")

	b, err := in.Fetch(t.Context(), "")
	require.NoError(t, err)
	_, err = in.Fetch(t.Context(), b.Cursor) // acknowledges
	require.NoError(t, err)
	assert.Equal(t, 200, deliver(t, in, fixture(t, "instagram_comments.json")), "room again once acknowledged")
	assert.Equal(t, int64(1), in.Stats().Full)
}

func TestMalformedAndOversized(t *testing.T) {
	in := newInbox(t, webhook.Config{MaxBody: 100})
	assert.Equal(t, 400, deliver(t, in, []byte(`{"object":"page","entry":[{`)))
	assert.Equal(t, 400, deliver(t, in, []byte(`[1,2]`)))
	assert.Equal(t, 413, deliver(t, in, fixture(t, "page_feed.json")))
	w := httptest.NewRecorder()
	in.ServeHTTP(w, httptest.NewRequest("PUT", "/hook", nil))
	assert.Equal(t, 405, w.Code)
	s := in.Stats()
	assert.Equal(t, int64(2), s.Malformed)
	assert.Equal(t, int64(1), s.TooLarge)
}

func TestCursorRedeliversUnacknowledged(t *testing.T) {
	in := newInbox(t, webhook.Config{MaxBatch: 3})
	deliver(t, in, fixture(t, "page_feed.json"))
	deliver(t, in, fixture(t, "instagram_comments.json"))
	first, err := in.Fetch(t.Context(), "")
	require.NoError(t, err)
	require.Len(t, first.Posts, 3)
	again, err := in.Fetch(t.Context(), "")
	require.NoError(t, err)
	assert.Equal(t, first, again, "not acknowledged: the same batch")
	next, err := in.Fetch(t.Context(), first.Cursor)
	require.NoError(t, err)
	require.Len(t, next.Posts, 1)
	assert.Equal(t, "17865799348089040", next.Posts[0].ID)
	_, err = in.Fetch(t.Context(), "x")
	assert.True(t, listen.IsPermanent(err))
}

func TestFetchWaitsForDeliveryAndCancels(t *testing.T) {
	in := newInbox(t, webhook.Config{Wait: time.Hour})
	var wg sync.WaitGroup
	wg.Add(1)
	var got listen.Batch
	go func() {
		defer wg.Done()
		got, _ = in.Fetch(context.Background(), "")
	}()
	for in.Stats().Accepted == 0 {
		deliver(t, in, fixture(t, "page_feed.json"))
	}
	wg.Wait()
	assert.NotEmpty(t, got.Posts, "a waiting Fetch wakes on delivery")

	empty := newInbox(t, webhook.Config{Wait: time.Hour})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() {
		_, err := empty.Fetch(ctx, "")
		done <- err
	}()
	cancel()
	assert.ErrorIs(t, <-done, context.Canceled)
}

func TestStreamOverHTTP(t *testing.T) {
	in := newInbox(t, webhook.Config{Wait: 50 * time.Millisecond})
	srv := httptest.NewServer(in)
	defer srv.Close()
	for _, f := range []string{"page_feed.json", "instagram_comments.json", "page_feed.json"} {
		body := fixture(t, f)
		req, _ := http.NewRequest("POST", srv.URL, strings.NewReader(string(body)))
		req.Header.Set("X-Hub-Signature-256", listentest.Sign(secret, body))
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		res.Body.Close()
		require.Equal(t, 200, res.StatusCode)
	}
	var got []hark.Post
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	for posts, err := range listen.Stream(ctx, in, listen.WithDedupe(listen.NewDedupe(100, 0))) {
		require.NoError(t, err)
		got = append(got, posts...)
		if len(got) >= 4 {
			cancel()
		}
	}
	assert.Len(t, got, 4, "the repeated delivery is deduplicated")
}

// One entry or change of the wrong shape is reported, not delivered, and
// loses nothing else: the delivery is accepted and the next Fetch names it.
func TestDeliverySkipsMalformedItems(t *testing.T) {
	body := []byte(`{"object":"page","entry":[
		{"id":"p1","time":1771286400,"changes":[{"field":"feed","value":{"item":"post","verb":"add","post_id":"1_1","message":"first"}}]},
		{"id":"p2","time":1771286401,"changes":{"field":"feed"}},
		{"id":"p3","time":1771286402,"changes":[
			{"field":"feed","value":{"item":"post","verb":"add","post_id":"1_2","message":["bad"]}},
			{"field":"feed","value":{"item":"post","verb":"add","post_id":"1_3","message":"third"}}]}
	]}`)
	posts, err := webhook.DecodeMeta(body)
	var partial *listen.SkippedError
	require.ErrorAs(t, err, &partial)
	assert.Len(t, posts, 2)

	in := newInbox(t, webhook.Config{})
	require.Equal(t, http.StatusOK, deliver(t, in, body))
	assert.Equal(t, int64(2), in.Stats().Skipped)
	b, err := in.Fetch(t.Context(), "")
	require.NoError(t, err)
	require.Len(t, b.Posts, 2)
	assert.Equal(t, []string{"1_1", "1_3"}, []string{b.Posts[0].ID, b.Posts[1].ID})
	require.Len(t, b.Skipped, 2)
	listentest.CheckSkipped(t, b.Skipped)
	assert.Contains(t, b.Skipped[0].Error(), "entry item 1 (id p2)")
	assert.Contains(t, b.Skipped[1].Error(), "entry p3: change item 0 (id feed)")
	assert.Equal(t, "2", b.Cursor)

	// Reported once.
	b, err = in.Fetch(t.Context(), b.Cursor)
	require.NoError(t, err)
	assert.Empty(t, b.Posts)
	assert.Empty(t, b.Skipped)

	// A body that is not a Meta envelope is still refused whole.
	assert.Equal(t, http.StatusBadRequest, deliver(t, in, []byte(`{"object":"page","entry":{}}`)))
}

// Past the items an Inbox keeps to report, the rest are counted in one
// error, not dropped without a word.
func TestSkippedItemsOverflow(t *testing.T) {
	bad := strings.Repeat(`{"id":"x","changes":1},`, 1004)
	body := []byte(`{"object":"page","entry":[` + bad + `{"id":"x","changes":1}]}`)
	in := newInbox(t, webhook.Config{})
	require.Equal(t, http.StatusOK, deliver(t, in, body))
	b, err := in.Fetch(t.Context(), "")
	require.NoError(t, err)
	require.Len(t, b.Skipped, 1001)
	listentest.CheckSkipped(t, b.Skipped)
	assert.Contains(t, b.Skipped[1000].Error(), "5 more unreadable items")
}
