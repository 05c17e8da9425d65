package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/harkhq/hark/listen"
	"github.com/harkhq/hark/listen/appstore"
	"github.com/harkhq/hark/listen/bluesky"
	"github.com/harkhq/hark/listen/discourse"
	"github.com/harkhq/hark/listen/hn"
	"github.com/harkhq/hark/listen/mastodon"
	"github.com/harkhq/hark/listen/reddit"
	"github.com/harkhq/hark/listen/rss"
	"github.com/harkhq/hark/listen/webhook"
	"github.com/harkhq/hark/listen/x"
	"github.com/harkhq/hark/listen/youtube"
)

// The recorded fixtures: the same documented response shapes the adapters'
// tests use.
//
//go:embed demo
var demoFS embed.FS

func fixture(name string) []byte {
	b, err := demoFS.ReadFile("demo/" + name)
	if err != nil {
		panic(err) // embedded: cannot fail
	}
	return b
}

// fast is a client without a quota: the fixtures are local.
func fast() *listen.Client { return &listen.Client{Timeout: 10 * time.Second} }

// drained ends a source at its first empty batch: the demo reads the
// fixtures once and exits.
type drained struct{ listen.Source }

func (d drained) Fetch(ctx context.Context, cursor string) (listen.Batch, error) {
	b, err := d.Source.Fetch(ctx, cursor)
	if err == nil && len(b.Posts) == 0 {
		b.Done = true
	}
	return b, err
}

// demoSources serves the fixtures in-process (HTTP APIs, a Jetstream
// websocket, a signed webhook delivery) and returns every adapter pointed
// at them.
func demoSources(c *config) ([]listen.Source, error) {
	files := map[string]string{
		"/hn/search_by_date":                    "hn.json",
		"/blog/feed.xml":                        "blog.rss",
		"/mastodon/api/v1/timelines/tag/acme":   "mastodon.json",
		"/reddit/api/v1/access_token":           "reddit_token.json",
		"/reddit/search":                        "reddit.json",
		"/bsky/xrpc/app.bsky.actor.getProfiles": "getProfiles.json",
		"/forum/posts.json":                     "discourse.json",
		"/x/2/tweets/search/recent":             "x.json",
		"/yt/commentThreads":                    "youtube.json",
		"/yt/channels":                          "channels.json",
		"/itunes/us/rss/customerreviews/page=1/id=1480000000/sortby=mostrecent/json": "appstore.json",
	}
	mux := http.NewServeMux()
	for path, file := range files {
		body := fixture(file)
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) { w.Write(body) })
	}
	mux.HandleFunc("/itunes/", func(w http.ResponseWriter, r *http.Request) { w.Write(fixture("appstore_empty.json")) })
	api := httptest.NewServer(mux)

	var wg sync.WaitGroup
	js := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		wg.Add(1)
		defer wg.Done()
		defer conn.CloseNow()
		ctx := conn.CloseRead(r.Context())
		sc := bufio.NewScanner(bytes.NewReader(fixture("jetstream.jsonl")))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			if conn.Write(ctx, websocket.MessageText, sc.Bytes()) != nil {
				return
			}
		}
		<-ctx.Done()
	}))
	c.closers = append(c.closers, func() {
		js.CloseClientConnections()
		js.Close()
		wg.Wait()
		api.Close()
	})

	now := func() time.Time { return time.Date(2026, 2, 17, 0, 0, 0, 0, time.UTC) }
	var srcs []listen.Source
	add := func(s listen.Source, err error) error {
		if err != nil {
			return err
		}
		srcs = append(srcs, drained{s})
		return nil
	}
	add(hn.New(hn.Config{Query: "acme", BaseURL: api.URL + "/hn", Now: now, Client: fast()}), nil)
	add(rss.New(rss.Config{URL: api.URL + "/blog/feed.xml", Source: "blog", Client: fast()}), nil)
	if err := add(mastodon.New(mastodon.Config{Instance: api.URL + "/mastodon", Hashtag: "acme", Client: fast()})); err != nil {
		return nil, err
	}
	if err := add(reddit.New(reddit.Config{ClientID: "demo", ClientSecret: "demo", UserAgent: "demo:hark:v1 (by /u/hark)",
		Query: "acme", BaseURL: api.URL + "/reddit", TokenURL: api.URL + "/reddit/api/v1/access_token", Client: fast()})); err != nil {
		return nil, err
	}
	bs, err := bluesky.New(bluesky.Config{Query: "acme", Jetstream: "ws" + strings.TrimPrefix(js.URL, "http") + "/subscribe",
		AppView: api.URL + "/bsky", Window: 300 * time.Millisecond, Now: now, Client: fast()})
	if err != nil {
		return nil, err
	}
	c.closers = append([]func(){func() { bs.Close() }}, c.closers...)
	add(bs, nil)
	if err := add(discourse.New(discourse.Config{Forum: api.URL + "/forum", Client: fast()})); err != nil {
		return nil, err
	}
	if err := add(x.New(x.Config{BearerToken: "demo", Query: "acme", BaseURL: api.URL + "/x", Client: fast()})); err != nil {
		return nil, err
	}
	if err := add(youtube.New(youtube.Config{APIKey: "demo", VideoID: "dQw4acme001", BaseURL: api.URL + "/yt", Client: fast()})); err != nil {
		return nil, err
	}
	if err := add(appstore.New(appstore.Config{AppID: "1480000000", BaseURL: api.URL + "/itunes", Client: fast()})); err != nil {
		return nil, err
	}
	// The webhook inbox receives one signed delivery, as Meta would send it.
	secret := []byte("demo-secret")
	in, err := webhook.New(webhook.Config{Secret: secret, Wait: -1})
	if err != nil {
		return nil, err
	}
	body := fixture("instagram.json")
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	req := httptest.NewRequest(http.MethodPost, "/webhook", bytes.NewReader(body))
	req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(m.Sum(nil)))
	in.ServeHTTP(httptest.NewRecorder(), req)
	add(in, nil)
	return srcs, nil
}
