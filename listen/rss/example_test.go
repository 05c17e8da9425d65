package rss_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/harkhq/hark/listen/rss"
)

func Example() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Blog</title>
			<item><title>Acme refund took 23 days</title><guid>r1</guid>
			<pubDate>Tue, 10 Feb 2026 15:12:00 +0000</pubDate></item></channel></rss>`)
	}))
	defer srv.Close()

	src := rss.New(rss.Config{URL: srv.URL, Source: "blog"})
	b, err := src.Fetch(context.Background(), "")
	if err != nil {
		panic(err)
	}
	for _, p := range b.Posts {
		fmt.Println(p.Source, p.ID, p.Created.Format("2006-01-02"), p.Text)
	}
	// Output: blog r1 2026-02-10 Acme refund took 23 days
}
