package bluesky_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/harkhq/hark/listen/bluesky"
)

func Example() {
	// A stand-in for Jetstream sending one post.
	js := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		c.Write(r.Context(), websocket.MessageText, []byte(`{"did":"did:plc:kira","time_us":1771285267101000,
			"kind":"commit","commit":{"operation":"create","collection":"app.bsky.feed.post","rkey":"3lhx",
			"record":{"text":"Acme exports broken again","createdAt":"2026-02-16T23:41:07Z"}}}`))
		<-c.CloseRead(r.Context()).Done() // until the client closes

	}))
	defer js.Close()

	src, err := bluesky.New(bluesky.Config{
		Query:     "acme",
		Jetstream: "ws" + strings.TrimPrefix(js.URL, "http"),
		NoEnrich:  true,
		Window:    200 * time.Millisecond,
	})
	if err != nil {
		panic(err)
	}
	defer src.Close()
	b, err := src.Fetch(context.Background(), "")
	if err != nil {
		panic(err)
	}
	for _, p := range b.Posts {
		fmt.Println(p.ID, p.Text)
	}
	// Output: at://did:plc:kira/app.bsky.feed.post/3lhx Acme exports broken again
}
