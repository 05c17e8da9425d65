package reddit_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/harkhq/hark/listen/reddit"
)

func Example() {
	mux := http.NewServeMux()
	mux.HandleFunc("/api/v1/access_token", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"access_token":"t","token_type":"bearer","expires_in":86400,"scope":"*"}`)
	})
	mux.HandleFunc("/search", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"kind":"Listing","data":{"after":null,"children":[{"kind":"t3","data":{
			"id":"1ir9x7k","name":"t3_1ir9x7k","title":"Acme Air refund still missing",
			"author":"throwaway_flyer","created_utc":1771285267.0,"score":48,"num_comments":17}}]}}`)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	src, err := reddit.New(reddit.Config{
		ClientID: "id", ClientSecret: "secret", UserAgent: "linux:example:v1 (by /u/you)",
		Query: "acme", BaseURL: srv.URL, TokenURL: srv.URL + "/api/v1/access_token",
	})
	if err != nil {
		panic(err)
	}
	b, err := src.Fetch(context.Background(), "")
	if err != nil {
		panic(err)
	}
	for _, p := range b.Posts {
		fmt.Println(p.ID, p.Author.Handle, p.Metrics.Likes, p.Text)
	}
	// Output: t3_1ir9x7k u/throwaway_flyer 48 Acme Air refund still missing
}
