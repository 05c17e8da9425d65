package mastodon_test

import (
	"context"
	"fmt"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/listen/mastodon"
	"github.com/harkhq/hark/reply"
	"github.com/harkhq/hark/reply/replytest"
)

// A reply goes out as a status in reply to the post, through a Poster
// that posts it once; here against a local stand-in instance.
func ExampleReplier() {
	srv := replytest.NewServer(replytest.Options{})
	defer srv.Close()

	r, err := mastodon.NewReplier(mastodon.ReplyConfig{Instance: srv.URL, Token: "test-token"})
	if err != nil {
		fmt.Println(err)
		return
	}
	poster := reply.NewPoster(r)
	res, err := poster.Post(context.Background(), reply.Draft{Key: "k1",
		Text: "Sorry, @carol's order mix-up is on us: refund sent.",
		Post: hark.Post{ID: "109001", Author: hark.Author{Handle: "@bob@example.social"}}})
	fmt.Println(res.Outcome, err)
	fmt.Println(srv.Replies()[0].Text)
	// Output:
	// sent <nil>
	// @bob@example.social Sorry, carol's order mix-up is on us: refund sent.
}
