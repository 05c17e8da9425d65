package discourse_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/harkhq/hark/listen/discourse"
)

func Example() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"latest_posts":[{"id":98760,"username":"sam_ops","post_number":2,"post_type":1,
			"topic_id":4521,"topic_slug":"exports-fail","created_at":"2026-02-16T23:35:42Z",
			"cooked":"<p>Workaround: use <code>--legacy</code></p>"}]}`)
	}))
	defer srv.Close()

	src, err := discourse.New(discourse.Config{Forum: srv.URL})
	if err != nil {
		panic(err)
	}
	b, err := src.Fetch(context.Background(), "")
	if err != nil {
		panic(err)
	}
	for _, p := range b.Posts {
		fmt.Println(p.ID, p.ParentID, p.Author.Handle, p.Text)
	}
	// Output: 4521/2 4521/1 @sam_ops Workaround: use --legacy
}
