package hn_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/harkhq/hark/listen/hn"
)

func Example() {
	// A stand-in for hn.algolia.com serving one comment.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"hits":[{"objectID":"46011050","author":"pg_fan","created_at_i":1771285092,
			"comment_text":"Is Acme down for anyone else?","story_id":46011001,"parent_id":46011001,
			"_tags":["comment"]}],"nbHits":1,"nbPages":1,"page":0,"hitsPerPage":100}`)
	}))
	defer srv.Close()

	src := hn.New(hn.Config{Query: "acme", BaseURL: srv.URL,
		Now: func() time.Time { return time.Unix(1771286400, 0) }})
	b, err := src.Fetch(context.Background(), "")
	if err != nil {
		panic(err)
	}
	for _, p := range b.Posts {
		fmt.Println(p.ID, p.Author.Handle, p.Text)
	}
	fmt.Println("cursor:", b.Cursor)
	// Output:
	// 46011050 pg_fan Is Acme down for anyone else?
	// cursor: 1771285092:46011050
}
