package appstore_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/harkhq/hark/listen/appstore"
)

func Example() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/us/rss/customerreviews/page=1/id=1480000000/sortby=mostrecent/json" {
			fmt.Fprint(w, `{"feed":{}}`)
			return
		}
		fmt.Fprint(w, `{"feed":{"entry":{"author":{"name":{"label":"Ken"}},"updated":{"label":"2026-02-15T20:44:00-07:00"},
			"im:rating":{"label":"2"},"id":{"label":"12086999000"},"title":{"label":"Refund button does nothing"},
			"content":{"label":"It spins forever."}}}}`)
	}))
	defer srv.Close()

	src, err := appstore.New(appstore.Config{AppID: "1480000000", Countries: []string{"us"}, BaseURL: srv.URL})
	if err != nil {
		panic(err)
	}
	b, err := src.Fetch(context.Background(), "")
	if err != nil {
		panic(err)
	}
	for _, p := range b.Posts {
		fmt.Printf("%s %s: %q\n", p.ID, p.Author.Name, p.Text)
	}
	fmt.Println(b.Cursor)
	// Output:
	// 12086999000 Ken: "Refund button does nothing\n\nIt spins forever."
	// us=12086999000
}
