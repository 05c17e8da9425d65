package main

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/harkhq/hark"
)

// testServer is the command center on a loopback httptest server, running
// until the test ends.
type testServer struct {
	app  *app
	url  string
	stop func()
}

func startServer(t *testing.T, cfg config) *testServer {
	t.Helper()
	a, err := newApp(cfg)
	require.NoError(t, err)
	ts := httptest.NewServer(a.handler(true))
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan struct{})
	go func() { defer close(ran); a.Run(ctx) }()
	var once bool
	stop := func() {
		if once {
			return
		}
		once = true
		cancel()
		<-ran
		ts.Close()
	}
	t.Cleanup(stop)
	return &testServer{app: a, url: ts.URL, stop: stop}
}

// client is a browser-like HTTP client with a cookie jar, and the CSRF
// token the page gave it.
type client struct {
	*http.Client
	base  string
	token string
}

var csrfMeta = regexp.MustCompile(`<meta name="csrf-token" content="([^"]+)">`)

func newClient(t *testing.T, base string) *client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	c := &client{Client: &http.Client{Jar: jar, Timeout: 10 * time.Second}, base: base}
	resp, err := c.Get(base + "/")
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	m := csrfMeta.FindSubmatch(body)
	require.NotNil(t, m, "the page carries a CSRF token")
	c.token = string(m[1])
	return c
}

// session returns the client's session ID (its cookie).
func (c *client) session(t *testing.T) string {
	t.Helper()
	u, err := url.Parse(c.base)
	require.NoError(t, err)
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == sessionCookie {
			return ck.Value
		}
	}
	t.Fatal("no session cookie")
	return ""
}

// post sends a form to path with the client's token (unless token is set
// in hdr) and returns the status and body.
func (c *client) post(t *testing.T, path string, form url.Values, hdr map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.base+path, strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set(csrfHeader, c.token)
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// hostilePost is a post written to break the page: markup in its text,
// handle and name, a javascript: URL, and words that make it urgent so that
// it lands in the triage queue.
func hostilePost(id string, at time.Time) hark.Post {
	return hark.Post{
		ID:     id,
		Source: "bluesky",
		URL:    "javascript:window.__pwned='url'",
		Text: `URGENT: my KestrelPay card was charged twice and now it's fraud, I'm stranded at the store! ` +
			`<script>window.__pwned='script'</script><img src=x onerror="window.__pwned='img'"> ` +
			`<a href="javascript:window.__pwned='link'">click</a> javascript:alert(1)`,
		Created: at,
		Author: hark.Author{ID: "evil-1", Handle: `<b onmouseover="window.__pwned='handle'">@evil</b>`,
			Name: `<script>window.__pwned='name'</script>`, Followers: 90000},
	}
}

// riskyPost is a complaint from an author with a large audience: its
// drafted reply needs two approvers.
func riskyPost(id string, at time.Time) hark.Post {
	return hark.Post{
		ID: id, Source: "bluesky", URL: "https://bsky.app/profile/bigvoice.bsky.social/post/" + id,
		Text:    "My Kestrel order never arrived and nobody answers my emails. Really disappointed, Kestrel.",
		Created: at, Lang: "en",
		Author: hark.Author{ID: "big-1", Handle: "@bigvoice.bsky.social", Name: "Big Voice", Followers: 250_000},
	}
}
