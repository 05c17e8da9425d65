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

// aDraftNeeding returns the ID of a draft of the queue, on a post in
// English, that needs n approvals.
func aDraftNeeding(t *testing.T, srv *testServer, n int, not ...string) string {
	t.Helper()
	srv.app.publish()
	labels := sample.Labels()
	for _, it := range state(t, srv.url).Queue {
		// the tests' edits are in English, and the platform's rules refuse
		// a reply in another language than the post's
		english := labels[it.ID].Lang == "en"
		if it.State == stDraft && it.Required == n && len(it.Approvals) == 0 && english && !contains(not, it.ID) {
			return it.ID
		}
	}
	t.Fatalf("no draft needing %d approvals in the queue", n)
	return ""
}

// queueItem returns item id as the page sees it.
func queueItem(t *testing.T, srv *testServer, id string) *item {
	t.Helper()
	srv.app.publish()
	for _, it := range state(t, srv.url).Queue {
		if it.ID == id {
			return it
		}
	}
	t.Fatalf("item %s not on the page", id)
	return nil
}

// sentSoon checks that an approved item, in state after its approval, is
// out now or a moment later: the brand account's pacer may hold it while
// the replies sent before it use up the account's budget.
func sentSoon(t *testing.T, srv *testServer, id, state string) {
	t.Helper()
	assert.Contains(t, []string{stSent, stApproved}, state)
	require.Eventually(t, func() bool { return queueItem(t, srv, id).State == stSent }, 10*time.Second, 20*time.Millisecond)
}

func approve(t *testing.T, c *client, id string) (int, actionResult) {
	t.Helper()
	code, body := c.post(t, "/api/approve", url.Values{"id": {id}}, nil)
	var res actionResult
	require.NoError(t, json.Unmarshal([]byte(body), &res), body)
	return code, res
}

func TestServerActions(t *testing.T) {
	checkLeaks(t)
	srv := quietServer(t)
	stand := srv.app.plat.srv // the stand-in platform
	c := newClient(t, srv.url)
	s := state(t, srv.url)
	require.NotEmpty(t, s.Queue, "the queue fills")
	assert.Positive(t, s.Posts)
	assert.True(t, s.Done)

	var done []string // items acted on
	id := aDraftNeeding(t, srv, 1)
	done = append(done, id)
	t.Run("approve twice sends once", func(t *testing.T) {
		for range 2 {
			code, res := approve(t, c, id)
			assert.Equal(t, http.StatusOK, code, res.Error)
			assert.Equal(t, stSent, res.State)
			assert.Equal(t, 1, res.Sends)
		}
		got := stand.RepliesTo(id)
		require.Len(t, got, 1, "one reply on the platform")
		it := queueItem(t, srv, id)
		assert.Equal(t, stSent, it.State)
		require.NotNil(t, it.Reply, "the page shows the reply")
		assert.Equal(t, got[0].ID, it.Reply.ID, "with the platform's ID")
		assert.Contains(t, it.Reply.URL, got[0].ID, "and its URL")
		assert.Equal(t, got[0].Text, it.Reply.Text)
		require.Len(t, it.Approvals, 1)
		assert.Equal(t, srv.app.operatorOf(c.session(t)), it.Approvals[0].By, "who approved")
		assert.False(t, it.Approvals[0].At.IsZero(), "and when")
	})
	t.Run("concurrent approvals send once", func(t *testing.T) {
		id2 := aDraftNeeding(t, srv, 1, done...)
		done = append(done, id2)
		var wg sync.WaitGroup
		codes := make([]int, 8)
		for i := range codes {
			wg.Go(func() { codes[i], _ = c.post(t, "/api/approve", url.Values{"id": {id2}}, nil) })
		}
		wg.Wait()
		for _, code := range codes {
			assert.Equal(t, http.StatusOK, code)
		}
		assert.Len(t, stand.RepliesTo(id2), 1)
		assert.Equal(t, 1, srv.app.plat.Sent(id2))
	})
	t.Run("a high-risk draft needs two people", func(t *testing.T) {
		id4 := aDraftNeeding(t, srv, 2, done...)
		done = append(done, id4)
		other := newClient(t, srv.url)
		for range 2 { // the same person twice counts once
			code, res := approve(t, c, id4)
			assert.Equal(t, http.StatusOK, code, res.Error)
			assert.Equal(t, stDraft, res.State)
		}
		it := queueItem(t, srv, id4)
		assert.Len(t, it.Approvals, 1)
		assert.Equal(t, 2, it.Required)
		assert.Contains(t, it.Risk, "high risk")
		assert.Empty(t, stand.RepliesTo(id4), "nothing posted on one approval")

		// The second person's approvals race the first's: one reply.
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Go(func() {
				code, res := approve(t, []*client{c, other}[i%2], id4)
				assert.Equal(t, http.StatusOK, code, res.Error)
			})
		}
		wg.Wait()
		sentSoon(t, srv, id4, queueItem(t, srv, id4).State)
		assert.Len(t, stand.RepliesTo(id4), 1)
		assert.Len(t, queueItem(t, srv, id4).Approvals, 2)
	})
	t.Run("sent replies are not edited, held or rejected", func(t *testing.T) {
		code, _ := c.post(t, "/api/edit", url.Values{"id": {id}, "text": {"changed"}}, nil)
		assert.Equal(t, http.StatusConflict, code)
		code, _ = c.post(t, "/api/hold", url.Values{"id": {id}}, nil)
		assert.Equal(t, http.StatusConflict, code)
		code, _ = c.post(t, "/api/reject", url.Values{"id": {id}}, nil)
		assert.Equal(t, http.StatusConflict, code)
		assert.Len(t, stand.RepliesTo(id), 1)
	})
	t.Run("edit then approve sends the edited text", func(t *testing.T) {
		id3 := aDraftNeeding(t, srv, 1, done...)
		done = append(done, id3)
		before := queueItem(t, srv, id3).Draft
		code, body := c.post(t, "/api/hold", url.Values{"id": {id3}}, nil)
		require.Equal(t, http.StatusOK, code, body)
		assert.Contains(t, body, `"state":"held"`)
		code, body = c.post(t, "/api/edit", url.Values{"id": {id3}, "text": {"  We're on it — DM us.  "}}, nil)
		require.Equal(t, http.StatusOK, code, body)
		assert.Contains(t, body, `"state":"draft"`)
		code, res := approve(t, c, id3)
		require.Equal(t, http.StatusOK, code, res.Error)
		sentSoon(t, srv, id3, res.State)
		got := stand.RepliesTo(id3)
		require.Len(t, got, 1)
		assert.True(t, strings.HasSuffix(got[0].Text, "We're on it — DM us."), got[0].Text)
		assert.NotContains(t, got[0].Text, before)
		it := queueItem(t, srv, id3)
		assert.True(t, it.Edited)
		assert.Equal(t, got[0].Text, it.Reply.Text)
	})
	t.Run("hostile text is neutralised and stays escaped", func(t *testing.T) {
		id5 := aDraftNeeding(t, srv, 1, done...)
		done = append(done, id5)
		hostile := `Sorry! <script>window.__pwned=1</script><img src=x onerror=alert(1)> ask @someone.else or @ceo for help.`
		code, body := c.post(t, "/api/edit", url.Values{"id": {id5}, "text": {hostile}}, nil)
		require.Equal(t, http.StatusOK, code, body)
		code, res := approve(t, c, id5)
		require.Equal(t, http.StatusOK, code, res.Error)
		sentSoon(t, srv, id5, res.State)
		got := stand.RepliesTo(id5)
		require.Len(t, got, 1)
		assert.NotContains(t, got[0].Text, "<", "no markup reaches the platform")
		assert.NotContains(t, got[0].Text, "@someone.else", "nobody but the author is mentioned")
		assert.NotContains(t, got[0].Text, "@ceo")

		resp, err := http.Get(srv.url + "/api/platform/replies")
		require.NoError(t, err)
		raw, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
		assert.NotContains(t, string(raw), "<", "the log is JSON with markup escaped")
		var log struct {
			Total   int `json:"total"`
			Replies []struct {
				ID        string `json:"id"`
				InReplyTo string `json:"in_reply_to_id"`
				Text      string `json:"text"`
			} `json:"replies"`
		}
		require.NoError(t, json.Unmarshal(raw, &log))
		assert.Equal(t, len(stand.Replies()), log.Total)
		require.NotEmpty(t, log.Replies)
		assert.Equal(t, got[0].ID, log.Replies[0].ID, "newest first")
		assert.Equal(t, id5, log.Replies[0].InReplyTo)
	})
	t.Run("a link the policy does not allow is refused until edited", func(t *testing.T) {
		id6 := aDraftNeeding(t, srv, 1, done...)
		done = append(done, id6)
		code, body := c.post(t, "/api/edit", url.Values{"id": {id6}, "text": {"See https://evil.example/login for a refund."}}, nil)
		require.Equal(t, http.StatusOK, code, body)
		code, res := approve(t, c, id6)
		assert.Equal(t, http.StatusConflict, code)
		assert.Contains(t, res.Error, "link")
		assert.Equal(t, stApproved, res.State)
		assert.Empty(t, stand.RepliesTo(id6))
		assert.Contains(t, queueItem(t, srv, id6).Note, "refused")
		code, body = c.post(t, "/api/edit", url.Values{"id": {id6}, "text": {"See https://help.kestrel.example/refunds for a refund."}}, nil)
		require.Equal(t, http.StatusOK, code, body)
		code, res = approve(t, c, id6)
		require.Equal(t, http.StatusOK, code, res.Error)
		sentSoon(t, srv, id6, res.State)
		assert.Len(t, stand.RepliesTo(id6), 1)
	})
	t.Run("a rejected draft is never posted", func(t *testing.T) {
		id7 := aDraftNeeding(t, srv, 1, done...)
		done = append(done, id7)
		code, body := c.post(t, "/api/reject", url.Values{"id": {id7}}, nil)
		require.Equal(t, http.StatusOK, code, body)
		assert.Contains(t, body, `"state":"rejected"`)
		code, _ = approve(t, c, id7)
		assert.Equal(t, http.StatusConflict, code)
		assert.Empty(t, stand.RepliesTo(id7))
	})
	t.Run("bad requests", func(t *testing.T) {
		code, _ := c.post(t, "/api/approve", url.Values{"id": {"no-such-post"}}, nil)
		assert.Equal(t, http.StatusNotFound, code)
		code, _ = c.post(t, "/api/edit", url.Values{"id": {aDraft(t, srv, done...)}, "text": {strings.Repeat("x", maxDraftRunes+1)}}, nil)
		assert.Equal(t, http.StatusConflict, code)
		code, _ = c.post(t, "/api/edit", url.Values{"id": {"x"}, "text": {strings.Repeat("x", maxBody)}}, nil)
		assert.Equal(t, http.StatusRequestEntityTooLarge, code)
		resp, err := c.Get(srv.url + "/api/approve?id=" + id)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
	})
	// Every reply on the platform answers a different post: nothing twice.
	seen := map[string]bool{}
	for _, r := range stand.Replies() {
		assert.False(t, seen[r.InReplyTo], "a second reply to %s", r.InReplyTo)
		seen[r.InReplyTo] = true
	}
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
