package webhook_test

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkhq/hark/listen"
	"github.com/harkhq/hark/listen/listentest"
	"github.com/harkhq/hark/listen/webhook"
)

// FuzzDecodeMeta feeds DecodeMeta any body: it must not panic, and the
// posts of a body it accepts must be valid. Seeds are in
// testdata/fuzz/FuzzDecodeMeta.
func FuzzDecodeMeta(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte) {
		posts, err := webhook.DecodeMeta(body)
		var partial *listen.SkippedError
		if errors.As(err, &partial) {
			// Some items unread: the others are delivered.
			listentest.CheckSkipped(t, partial.Items)
			require.NotEmpty(t, partial.Items)
			err = nil
		}
		if err != nil {
			if len(posts) > 0 {
				t.Fatalf("error %v with %d posts", err, len(posts))
			}
			return
		}
		listentest.CheckPosts(t, posts)
	})
}

// FuzzInbox delivers any body, signed or under any signature header, to an
// Inbox: every delivery gets one of the documented answers, is counted
// once, and only a signed, well-formed one queues posts, all valid. Seeds
// are in testdata/fuzz/FuzzInbox.
func FuzzInbox(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte, sig string, signed bool) {
		in, err := webhook.New(webhook.Config{Secret: secret, Wait: -1, MaxBody: 64 << 10, QueueSize: 100})
		require.NoError(t, err)
		r := httptest.NewRequest(http.MethodPost, "/hook", bytes.NewReader(body))
		if signed {
			sig = listentest.Sign(secret, body)
		}
		r.Header.Set("X-Hub-Signature-256", sig)
		w := httptest.NewRecorder()
		in.ServeHTTP(w, r)
		s := in.Stats()
		switch w.Code {
		case http.StatusOK:
			require.Equal(t, int64(1), s.Accepted)
			require.True(t, webhook.ValidSignature(secret, body, sig), "accepted a delivery whose signature does not hold")
			b, err := in.Fetch(t.Context(), "")
			require.NoError(t, err)
			require.Equal(t, int(s.Posts), len(b.Posts))
			require.Equal(t, int(s.Skipped), len(b.Skipped))
			listentest.CheckPosts(t, b.Posts)
			listentest.CheckSkipped(t, b.Skipped)
		case http.StatusBadRequest:
			require.Equal(t, int64(1), s.Malformed)
		case http.StatusUnauthorized:
			require.Equal(t, int64(1), s.BadSig)
		case http.StatusRequestEntityTooLarge:
			require.Equal(t, int64(1), s.TooLarge)
		case http.StatusServiceUnavailable:
			require.Equal(t, int64(1), s.Full)
		default:
			t.Fatalf("status %d", w.Code)
		}
		if w.Code != http.StatusOK {
			require.Zero(t, in.Len(), "a refused delivery queued posts")
		}
	})
}

// A 10 MB delivery at the default limit is refused with 413 and counted,
// and the next delivery goes through: nothing else is lost.
func TestTenMegabyteDelivery(t *testing.T) {
	in := newInbox(t, webhook.Config{})
	huge := []byte(`{"object":"page","entry":[{"id":"1","time":1771286400,"changes":[{"field":"feed","value":{"item":"post","verb":"add","post_id":"1_2","message":"` +
		strings.Repeat("a", 10<<20) + `"}}]}]}`)
	assert.Equal(t, http.StatusRequestEntityTooLarge, deliver(t, in, huge))
	assert.Equal(t, int64(1), in.Stats().TooLarge)
	assert.Equal(t, http.StatusOK, deliver(t, in, fixture(t, "page_feed.json")))
	b, err := in.Fetch(t.Context(), "")
	require.NoError(t, err)
	assert.NotEmpty(t, b.Posts)
}

// A time Meta sends as a float or a string is read, and one that cannot be
// read leaves the post without a time instead of dropping it.
func TestDecodeMetaLenientTimes(t *testing.T) {
	body := []byte(`{"object":"page","entry":[{"id":"1","time":1.7712864e9,"changes":[
		{"field":"feed","value":{"item":"comment","verb":"add","comment_id":"c1","post_id":"p1","message":"float","created_time":1771286401.0}},
		{"field":"feed","value":{"item":"comment","verb":"add","comment_id":"c2","post_id":"p1","message":"iso","created_time":"2026-02-17T00:00:02+0000"}},
		{"field":"feed","value":{"item":"comment","verb":"add","comment_id":"c3","post_id":"p1","message":"string","created_time":"1771286403"}},
		{"field":"feed","value":{"item":"comment","verb":"add","comment_id":"c4","post_id":"p1","message":"junk","created_time":{"a":1}}}]}]}`)
	posts, err := webhook.DecodeMeta(body)
	require.NoError(t, err)
	require.Len(t, posts, 4, "no post dropped for its time")
	base := time.Unix(1771286400, 0).UTC()
	assert.Equal(t, base.Add(time.Second), posts[0].Created)
	assert.Equal(t, base.Add(2*time.Second), posts[1].Created)
	assert.Equal(t, base.Add(3*time.Second), posts[2].Created)
	assert.Equal(t, base, posts[3].Created, "the entry's time stands in")
}
