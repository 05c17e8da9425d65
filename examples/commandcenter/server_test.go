package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/sample"
)

// checkLeaks checks, after the test and its cleanups (the server's stop
// among them, registered later, runs first), that no goroutine it started
// is left.
func checkLeaks(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() {
		if !t.Failed() {
			goleak.VerifyNone(t, ignore)
		}
	})
}

// weekUntil returns the sample week's posts written before t.
func weekUntil(t time.Time) []hark.Post {
	var out []hark.Post
	for _, p := range sample.Week() {
		if p.Created.Before(t) {
			out = append(out, p)
		}
	}
	return out
}

// quietServer replays the first ten hours of the sample week as fast as it can
// and then waits, so the board holds still while a test acts on it.
func quietServer(t *testing.T) *testServer {
	t.Helper()
	posts := weekUntil(sample.Script().Start.Add(10 * time.Hour))
	srv := startServer(t, config{Speed: 0, Posts: posts, Tick: 20 * time.Millisecond, RankEvery: 50 * time.Millisecond})
	require.Eventually(t, func() bool {
		w, ok := srv.app.wm.Get("sample-week")
		return ok && w.Done
	}, 30*time.Second, 20*time.Millisecond, "the replay ends")
	srv.app.publish() // the snapshot served is from after the replay
	return srv
}

func state(t *testing.T, base string) snapshot {
	t.Helper()
	resp, err := http.Get(base + "/api/state")
	require.NoError(t, err)
	defer resp.Body.Close()
	var s snapshot
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&s))
	return s
}

// aDraft returns the ID of an item of the queue waiting for approval.
func aDraft(t *testing.T, srv *testServer, not ...string) string {
	t.Helper()
	srv.app.publish()
	for _, it := range state(t, srv.url).Queue {
		if it.State == stDraft && !contains(not, it.ID) {
			return it.ID
		}
	}
	t.Fatal("no draft in the queue")
	return ""
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}

func TestServerActions(t *testing.T) {
	checkLeaks(t)
	srv := quietServer(t)
	c := newClient(t, srv.url)
	s := state(t, srv.url)
	require.NotEmpty(t, s.Queue, "the queue fills")
	assert.Positive(t, s.Posts)
	assert.True(t, s.Done)

	id := aDraft(t, srv)
	t.Run("approve twice sends once", func(t *testing.T) {
		for range 2 {
			code, body := c.post(t, "/api/approve", url.Values{"id": {id}}, nil)
			assert.Equal(t, http.StatusOK, code, body)
			var res actionResult
			require.NoError(t, json.Unmarshal([]byte(body), &res))
			assert.Equal(t, stSent, res.State)
			assert.Equal(t, 1, res.Sends)
		}
		assert.Equal(t, 1, srv.app.plat.Sent(id))
	})
	t.Run("concurrent approvals send once", func(t *testing.T) {
		id2 := aDraft(t, srv, id)
		var wg sync.WaitGroup
		codes := make([]int, 8)
		for i := range codes {
			wg.Go(func() { codes[i], _ = c.post(t, "/api/approve", url.Values{"id": {id2}}, nil) })
		}
		wg.Wait()
		for _, code := range codes {
			assert.Equal(t, http.StatusOK, code)
		}
		assert.Equal(t, 1, srv.app.plat.Sent(id2))
	})
	t.Run("sent replies are not edited or held", func(t *testing.T) {
		code, _ := c.post(t, "/api/edit", url.Values{"id": {id}, "text": {"changed"}}, nil)
		assert.Equal(t, http.StatusConflict, code)
		code, _ = c.post(t, "/api/hold", url.Values{"id": {id}}, nil)
		assert.Equal(t, http.StatusConflict, code)
	})
	t.Run("edit then approve sends the edited text", func(t *testing.T) {
		id3 := aDraft(t, srv, id)
		code, body := c.post(t, "/api/hold", url.Values{"id": {id3}}, nil)
		require.Equal(t, http.StatusOK, code, body)
		assert.Contains(t, body, `"state":"held"`)
		code, body = c.post(t, "/api/edit", url.Values{"id": {id3}, "text": {"  We're on it — DM us.  "}}, nil)
		require.Equal(t, http.StatusOK, code, body)
		assert.Contains(t, body, `"state":"draft"`)
		code, _ = c.post(t, "/api/approve", url.Values{"id": {id3}}, nil)
		require.Equal(t, http.StatusOK, code)
		srv.app.plat.mu.Lock()
		last := srv.app.plat.last[len(srv.app.plat.last)-1]
		srv.app.plat.mu.Unlock()
		assert.Equal(t, id3, last.PostID)
		assert.Equal(t, "We're on it — DM us.", last.Text)
	})
	t.Run("bad requests", func(t *testing.T) {
		code, _ := c.post(t, "/api/approve", url.Values{"id": {"no-such-post"}}, nil)
		assert.Equal(t, http.StatusNotFound, code)
		code, _ = c.post(t, "/api/edit", url.Values{"id": {aDraft(t, srv, id)}, "text": {strings.Repeat("x", maxDraftRunes+1)}}, nil)
		assert.Equal(t, http.StatusConflict, code)
		code, _ = c.post(t, "/api/edit", url.Values{"id": {"x"}, "text": {strings.Repeat("x", maxBody)}}, nil)
		assert.Equal(t, http.StatusRequestEntityTooLarge, code)
		resp, err := c.Get(srv.url + "/api/approve?id=" + id)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
	})
	srv.stop()
}

func TestServerCSRF(t *testing.T) {
	checkLeaks(t)
	srv := quietServer(t)
	c := newClient(t, srv.url)
	other := newClient(t, srv.url)
	require.NotEqual(t, c.token, other.token, "each session has its own token")
	id := aDraft(t, srv)
	for _, tc := range []struct {
		name string
		hdr  map[string]string
	}{
		{"no token", map[string]string{csrfHeader: ""}},
		{"wrong token", map[string]string{csrfHeader: flipFirst(c.token)}},
		{"another session's token", map[string]string{csrfHeader: other.token}},
		{"cross-origin", map[string]string{"Origin": "http://evil.example"}},
		{"cross-site fetch", map[string]string{"Sec-Fetch-Site": "cross-site"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _ := c.post(t, "/api/approve", url.Values{"id": {id}}, tc.hdr)
			assert.Equal(t, http.StatusForbidden, code)
		})
	}
	t.Run("no session cookie", func(t *testing.T) {
		bare := &client{Client: &http.Client{}, base: srv.url, token: c.token}
		code, _ := bare.post(t, "/api/approve", url.Values{"id": {id}}, nil)
		assert.Equal(t, http.StatusForbidden, code)
	})
	assert.Zero(t, srv.app.plat.Sent(id), "nothing refused was sent")
	code, _ := c.post(t, "/api/hold", url.Values{"id": {id}, "csrf": {c.token}}, map[string]string{csrfHeader: ""})
	assert.Equal(t, http.StatusOK, code, "the token may come as a form field")

	// The session cookie is HttpOnly and SameSite=Strict.
	resp, err := http.Get(srv.url + "/")
	require.NoError(t, err)
	resp.Body.Close()
	ck := resp.Cookies()
	require.Len(t, ck, 1)
	assert.True(t, ck[0].HttpOnly)
	assert.Equal(t, http.SameSiteStrictMode, ck[0].SameSite)
	srv.stop()
}

func TestServerHostAndHeaders(t *testing.T) {
	checkLeaks(t)
	srv := quietServer(t)
	for _, tc := range []struct {
		host string
		want int
	}{
		{"", http.StatusOK},
		{"localhost:8080", http.StatusOK},
		{"[::1]:8080", http.StatusOK},
		{"evil.example", http.StatusMisdirectedRequest},
		{"127.0.0.1.evil.example:80", http.StatusMisdirectedRequest},
	} {
		req, err := http.NewRequest(http.MethodGet, srv.url+"/", nil)
		require.NoError(t, err)
		if tc.host != "" {
			req.Host = tc.host
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, tc.want, resp.StatusCode, tc.host)
		if tc.want == http.StatusOK {
			csp := resp.Header.Get("Content-Security-Policy")
			assert.Contains(t, csp, "script-src 'self'")
			assert.NotContains(t, csp, "unsafe-inline")
			assert.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"))
		}
	}
	for _, path := range []string{"/static/app.js", "/static/app.css"} {
		resp, err := http.Get(srv.url + path)
		require.NoError(t, err)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Equal(t, http.StatusOK, resp.StatusCode, path)
		assert.NotEmpty(t, b)
	}
	srv.stop()
}

// TestServerEscapesPostText checks the page as served: hostile post text
// reaches the boot JSON escaped, never as markup, and the script shows post
// text only as text.
func TestServerEscapesPostText(t *testing.T) {
	checkLeaks(t)
	srv := quietServer(t)
	require.NoError(t, srv.app.ingest(context.Background(), hostilePost("bluesky-hostile", srv.app.clock.now())))
	srv.app.publish()
	var found bool
	for _, it := range state(t, srv.url).Queue {
		if it.ID == "bluesky-hostile" {
			found = true
			assert.Empty(t, it.URL, "a javascript: URL is dropped")
			assert.Contains(t, it.Text, "<script>", "the text is kept as written")
		}
	}
	require.True(t, found, "the hostile post is in the queue")

	resp, err := http.Get(srv.url + "/")
	require.NoError(t, err)
	page, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	html := string(page)
	assert.Contains(t, html, "bluesky-hostile")
	assert.NotContains(t, html, "<script>window")
	assert.NotContains(t, html, "<img")
	assert.NotContains(t, html, `href="javascript`)
	assert.Equal(t, 2, strings.Count(html, "<script"), "the page's own two scripts")

	js, err := webFS.ReadFile("web/static/app.js")
	require.NoError(t, err)
	for _, sink := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("} {
		assert.NotContains(t, string(js), sink, "the script never turns text into markup")
	}
	srv.stop()
}

func TestServerEvents(t *testing.T) {
	checkLeaks(t)
	srv := quietServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.url+"/events", nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 4<<20)
	require.True(t, sc.Scan())
	assert.Equal(t, "event: state", sc.Text())
	require.True(t, sc.Scan())
	data, ok := strings.CutPrefix(sc.Text(), "data: ")
	require.True(t, ok)
	var s snapshot
	require.NoError(t, json.Unmarshal([]byte(data), &s))
	assert.Positive(t, s.Posts)

	// A change reaches the stream.
	c := newClient(t, srv.url)
	id := aDraft(t, srv)
	code, _ := c.post(t, "/api/hold", url.Values{"id": {id}}, nil)
	require.Equal(t, http.StatusOK, code)
	held := false
	for !held && sc.Scan() {
		if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			var s snapshot
			require.NoError(t, json.Unmarshal([]byte(d), &s))
			for _, it := range s.Queue {
				held = held || it.ID == id && it.State == stHeld
			}
		}
	}
	assert.True(t, held, "the hold shows in the stream")

	// Stopping the app ends the stream.
	srv.stop()
	for sc.Scan() {
	}
}

// flipFirst returns s with its first character changed.
func flipFirst(s string) string {
	if s[0] == 'A' {
		return "B" + s[1:]
	}
	return "A" + s[1:]
}
