package x_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/harkhq/hark/listen/x"
)

func Example() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"data":[{"id":"1891234567890123459","author_id":"149","created_at":"2026-02-16T23:41:07.000Z",
			"text":"stranded at LIS, no hotel","public_metrics":{"like_count":88}}],
			"includes":{"users":[{"id":"149","username":"marta_travels","public_metrics":{"followers_count":48210}}]},
			"meta":{"result_count":1}}`)
	}))
	defer srv.Close()

	src, err := x.New(x.Config{BearerToken: "token", Query: "acme -is:retweet", BaseURL: srv.URL})
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
	// Output: 1891234567890123459 @marta_travels 48210 stranded at LIS, no hotel
}
