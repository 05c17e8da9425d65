package mastodon_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/harkhq/hark/listen/mastodon"
)

func Example() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `[{"id":"113998877665544222","created_at":"2026-02-16T23:38:12.000Z",
			"content":"<p>Exports broken since the update</p>","favourites_count":1,
			"account":{"id":"1","acct":"jonas@mastodon.social","followers_count":220}}]`)
	}))
	defer srv.Close()

	src, err := mastodon.New(mastodon.Config{Instance: srv.URL, Hashtag: "AcmeCloud"})
	if err != nil {
		panic(err)
	}
	b, err := src.Fetch(context.Background(), "")
	if err != nil {
		panic(err)
	}
	for _, p := range b.Posts {
		fmt.Println(p.ID, p.Author.Handle, p.Author.Followers, p.Text)
	}
	// Output: 113998877665544222 @jonas@mastodon.social 220 Exports broken since the update
}
