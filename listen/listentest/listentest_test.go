package listentest_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/listen"
	"github.com/harkhq/hark/listen/listentest"
	"github.com/harkhq/hark/listen/webhook"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func get(t *testing.T, url string, h ...string) (int, string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), "GET", url, nil)
	for i := 0; i+1 < len(h); i += 2 {
		req.Header.Set(h[i], h[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func TestServerScriptAndLog(t *testing.T) {
	srv := listentest.NewServer(t)
	srv.Script("/a", listentest.Status(503), listentest.JSON(`{"n":1}`))
	code, _ := get(t, srv.URL+"/a?x=1", "X-Test", "yes")
	assert.Equal(t, 503, code)
	for range 2 {
		code, body := get(t, srv.URL+"/a")
		assert.Equal(t, 200, code)
		assert.Equal(t, `{"n":1}`, body, "the last reply repeats")
	}
	code, _ = get(t, srv.URL+"/nothing")
	assert.Equal(t, 404, code)
	reqs := srv.Requests()
	require.Len(t, reqs, 4)
	assert.Equal(t, "1", reqs[0].Query.Get("x"))
	assert.Equal(t, "yes", reqs[0].Header.Get("X-Test"))
	assert.Equal(t, 3, srv.Count("/a"))

	srv.Handle("/dyn", func(w http.ResponseWriter, r *http.Request) {
		listentest.Write(w, r, listentest.JSON(`{"q":"`+r.URL.Query().Get("q")+`"}`))
	})
	_, body := get(t, srv.URL+"/dyn?q=hi")
	assert.Equal(t, `{"q":"hi"}`, body)
}

func TestServerTruncateAndDelay(t *testing.T) {
	srv := listentest.NewServer(t)
	srv.Script("/t", listentest.Reply{Body: []byte(`{"long":"body"}`), Truncate: 4})
	res, err := http.Get(srv.URL + "/t")
	require.NoError(t, err)
	_, err = io.ReadAll(res.Body)
	res.Body.Close()
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF, "the body ends before its declared length")

	srv.Script("/slow", listentest.Reply{Delay: time.Hour})
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/slow", nil)
	_, err = http.DefaultClient.Do(req)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestFakeSource(t *testing.T) {
	f := listentest.NewFakeSource("f", hark.Post{ID: "1", Text: "a"}, hark.Post{ID: "2", Text: "b"}, hark.Post{ID: "3", Text: "c"})
	f.PageSize = 2
	b, err := f.Fetch(t.Context(), "")
	require.NoError(t, err)
	assert.Len(t, b.Posts, 2)
	assert.Equal(t, "2", b.Cursor)
	assert.False(t, b.Done)
	f.Finite = true
	b, err = f.Fetch(t.Context(), b.Cursor)
	require.NoError(t, err)
	assert.True(t, b.Done)
	boom := errors.New("boom")
	f.FailNext(boom)
	_, err = f.Fetch(t.Context(), "3")
	assert.ErrorIs(t, err, boom)
	_, err = f.Fetch(t.Context(), "9")
	assert.True(t, listen.IsPermanent(err))
	assert.Equal(t, []string{"", "2", "3", "9"}, f.Cursors())
	f.Add(hark.Post{ID: "4", Text: "d"})
	b, _ = f.Fetch(t.Context(), "3")
	assert.Equal(t, "4", b.Posts[0].ID)
}

func TestFakeSourceConformance(t *testing.T) {
	base := time.Date(2026, 2, 16, 0, 0, 0, 0, time.UTC)
	listentest.RunConformance(t, listentest.Conformance{
		New: func(t *testing.T) listen.Source {
			f := listentest.NewFakeSource("fake",
				hark.Post{ID: "1", Source: "fake", Text: "one", Created: base, Metrics: hark.Engagement{Likes: 1}},
				hark.Post{ID: "2", Source: "fake", Text: "two", Created: base.Add(time.Minute), ParentID: "1"},
				hark.Post{ID: "3", Source: "fake", Text: "three", Created: base.Add(2 * time.Minute)})
			f.PageSize = 2
			f.Caps = listen.Capabilities{Engagement: true, Replies: true}
			return f
		},
		MinPosts: 3,
	})
}

func TestSign(t *testing.T) {
	body := []byte(`{"object":"page","entry":[]}`)
	sig := listentest.Sign([]byte("s3cret"), body)
	assert.True(t, strings.HasPrefix(sig, "sha256="))
	assert.Len(t, sig, len("sha256=")+64)
	assert.True(t, webhook.ValidSignature([]byte("s3cret"), body, sig))
	assert.False(t, webhook.ValidSignature([]byte("other"), body, sig))
	r := listentest.SignedRequest("/hook", []byte("s3cret"), body)
	assert.Equal(t, sig, r.Header.Get("X-Hub-Signature-256"))
	got, _ := io.ReadAll(r.Body)
	assert.Equal(t, body, got)
}

func TestWSServer(t *testing.T) {
	ws := listentest.NewWSServer(t, func(ctx context.Context, c *listentest.WSConn) {
		c.Send(ctx, []byte("hello "+c.Request.URL.Query().Get("cursor")))
		c.Close("bye")
	})
	conn, _, err := websocket.Dial(t.Context(), ws.WSURL("/subscribe?cursor=42"), nil)
	require.NoError(t, err)
	defer conn.CloseNow()
	_, msg, err := conn.Read(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "hello 42", string(msg))
	_, _, err = conn.Read(t.Context())
	assert.Equal(t, websocket.StatusNormalClosure, websocket.CloseStatus(err))
	assert.Equal(t, []string{"/subscribe?cursor=42"}, ws.Connections())
}

func TestClock(t *testing.T) {
	start := time.Date(2026, 2, 16, 0, 0, 0, 0, time.UTC)
	clk := listentest.NewClock(start)
	require.NoError(t, clk.Sleep(t.Context(), time.Minute))
	assert.Equal(t, start.Add(time.Minute), clk.Now())
	assert.Equal(t, []time.Duration{time.Minute}, clk.Waits())
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	assert.ErrorIs(t, clk.Sleep(ctx, time.Second), context.Canceled)
}

// A 10 MB request body is refused with 413 and logged without its body;
// the next request is served as usual.
func TestServerRefusesHugeBody(t *testing.T) {
	srv := listentest.NewServer(t)
	srv.Script("/p", listentest.JSON(`{}`))
	resp, err := http.Post(srv.URL+"/p", "application/json", strings.NewReader(strings.Repeat("a", 10<<20)))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
	code, body := get(t, srv.URL+"/p")
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, `{}`, body)
	reqs := srv.Requests()
	require.Len(t, reqs, 2)
	assert.Empty(t, reqs[0].Body)
}
