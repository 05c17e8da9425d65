package youtube_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/harkhq/hark/listen/youtube"
)

func Example() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"kind":"youtube#commentThreadListResponse","items":[{"id":"Ugw1",
			"snippet":{"totalReplyCount":0,"topLevelComment":{"id":"Ugw1","snippet":{"videoId":"v1",
			"textOriginal":"Exports broke after 4.2","authorDisplayName":"@DanaKowalski",
			"likeCount":41,"publishedAt":"2026-02-16T22:58:03Z"}}}}]}`)
	}))
	defer srv.Close()

	src, err := youtube.New(youtube.Config{APIKey: "key", VideoID: "v1", BaseURL: srv.URL, NoEnrich: true})
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
	// Output: Ugw1 @DanaKowalski 41 Exports broke after 4.2
}
