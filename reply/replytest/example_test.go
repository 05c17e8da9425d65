package replytest_test

import (
	"context"
	"fmt"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/reply"
	"github.com/harkhq/hark/reply/replytest"
)

// A stand-in platform receives a reply; its log shows what went out.
func Example() {
	srv := replytest.NewServer(replytest.Options{})
	defer srv.Close()

	poster := reply.NewPoster(srv.Replier())
	d := reply.Draft{Key: "key-1", Text: "Thanks for telling us, a fix ships today.",
		Post: hark.Post{ID: "at://did:plc:bob/app.bsky.feed.post/3kabc", Author: hark.Author{Handle: "@bob@example.social"}}}
	for range 2 {
		res, err := poster.Post(context.Background(), d)
		fmt.Println(res.Outcome, err)
	}
	for _, r := range srv.Replies() {
		fmt.Printf("%s <- %q\n", r.InReplyTo, r.Text)
	}
	// Output:
	// sent <nil>
	// duplicate <nil>
	// at://did:plc:bob/app.bsky.feed.post/3kabc <- "@bob@example.social Thanks for telling us, a fix ships today."
}
