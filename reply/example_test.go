package reply_test

import (
	"context"
	"fmt"
	"time"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/reply"
	"github.com/harkhq/hark/reply/replytest"
	"github.com/harkhq/hark/respond"
)

// A held reply is approved, posted to a local stand-in platform, and
// posted only once however often the loop runs.
func Example() {
	ctx := context.Background()
	srv := replytest.NewServer(replytest.Options{})
	defer srv.Close()

	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	clock := respond.ClockFunc(func() time.Time { return now })
	queue := reply.NewQueue(reply.WithQueueClock(clock))
	poster := reply.NewPoster(srv.Replier(), reply.WithClock(clock),
		reply.WithPacer(respond.NewPacer(respond.Pacing{Account: respond.Rate{Every: time.Minute, Burst: 5}})))

	post := hark.Post{ID: "109001", Source: "mastodon", Lang: "en",
		Author: hark.Author{ID: "bob@example.social", Handle: "@bob@example.social"}}
	d := reply.Draft{Key: "k-109001", Post: post, Lang: "en",
		Text: "Sorry about the double charge, @carol will... no: we refunded you today."}

	if _, err := queue.Hold(ctx, d, 1, "first contact"); err != nil {
		fmt.Println(err)
		return
	}
	if _, err := queue.Approve(ctx, d.Key, "ana"); err != nil {
		fmt.Println(err)
		return
	}
	for range 2 {
		res, err := queue.PostApproved(ctx, poster)
		fmt.Println(len(res), err)
	}
	for _, r := range srv.Replies() {
		fmt.Printf("in reply to %s: %s\n", r.InReplyTo, r.Text)
	}
	// Output:
	// 1 <nil>
	// 0 <nil>
	// in reply to 109001: @bob@example.social Sorry about the double charge, carol will... no: we refunded you today.
}
