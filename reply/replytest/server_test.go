package replytest_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/listen/mastodon"
	"github.com/harkhq/hark/reply"
	"github.com/harkhq/hark/reply/replytest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// Posts heard on any platform can be answered on the stand-in, whatever
// their IDs look like, and a lost answer is found, not posted twice.
func TestServerAnyPostID(t *testing.T) {
	for _, id := range []string{"109001", "at://did:plc:bob/app.bsky.feed.post/3kabc", "t1_abc", "77/3", "a b?c#d"} {
		srv := replytest.NewServer(replytest.Options{KeyWindow: -1, Faults: func(n int) replytest.Fault {
			if n == 0 {
				return replytest.FaultErrorAfter
			}
			return replytest.FaultNone
		}})
		p := reply.NewPoster(srv.Replier(), reply.WithSleep(func(context.Context, time.Duration) error { return nil }))
		res, err := p.Post(t.Context(), reply.Draft{Key: "k", Text: "Thanks, fixed.", Post: hark.Post{ID: id}})
		require.NoError(t, err, id)
		assert.Equal(t, reply.OutFound, res.Outcome, id)
		got := srv.RepliesTo(id)
		require.Len(t, got, 1, id)
		assert.Equal(t, id, got[0].InReplyTo)
		assert.Equal(t, replytest.FaultErrorAfter, got[0].Fault)
		assert.Equal(t, 1, srv.Requests())
		srv.Close()
	}
}

func TestServerShapes(t *testing.T) {
	srv := replytest.NewServer(replytest.Options{MaxChars: 20})
	defer srv.Close()
	r := srv.Replier()
	d := reply.Draft{Key: "k", Text: "Thanks!", Post: hark.Post{ID: "1"}}
	p1, err := r.Reply(t.Context(), d)
	require.NoError(t, err)
	p2, err := r.Reply(t.Context(), d)
	require.NoError(t, err)
	assert.Equal(t, p1, p2, "the Idempotency-Key is honoured within its window")
	assert.Len(t, srv.Replies(), 1)

	d.Key, d.Text = "k2", "this text is longer than twenty"
	_, err = r.Reply(t.Context(), d)
	require.Error(t, err)
	assert.True(t, reply.Permanent(err), "422 from the instance")

	cfg := srv.ReplyConfig()
	cfg.Token = "wrong"
	wrong, err := mastodon.NewReplier(cfg)
	require.NoError(t, err)
	_, err = wrong.Reply(t.Context(), reply.Draft{Key: "k3", Text: "hi", Post: hark.Post{ID: "1"}})
	require.Error(t, err)
	assert.True(t, reply.Permanent(err), "401 from the instance")

	faults := replytest.RandomFaults(1, map[replytest.Fault]float64{replytest.FaultRateLimit: 0.5})
	n := 0
	for i := range 1000 {
		if faults(i) == replytest.FaultRateLimit {
			n++
		}
	}
	assert.InDelta(t, 500, n, 60)
	assert.Equal(t, "drop_after", replytest.FaultDropAfter.String())
}

// A 10 MB creation, JSON or form, is refused with 400 and creates nothing;
// the next reply goes through.
func TestServerRefusesHugeBody(t *testing.T) {
	srv := replytest.NewServer(replytest.Options{})
	defer srv.Close()
	cfg := srv.ReplyConfig()
	huge := strings.Repeat("a", 10<<20)
	for _, tc := range []struct{ ctype, body string }{
		{"application/json", `{"status":"` + huge + `","in_reply_to_id":"1"}`},
		{"application/x-www-form-urlencoded", "in_reply_to_id=1&status=" + huge},
	} {
		req, err := http.NewRequest(http.MethodPost, cfg.Instance+"/api/v1/statuses", strings.NewReader(tc.body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", tc.ctype)
		req.Header.Set("Authorization", "Bearer "+cfg.Token)
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, tc.ctype)
	}
	assert.Empty(t, srv.Replies())
	_, err := srv.Replier().Reply(t.Context(), reply.Draft{Key: "k", Text: "Thanks!", Post: hark.Post{ID: "1"}})
	require.NoError(t, err)
	assert.Len(t, srv.Replies(), 1)
}
