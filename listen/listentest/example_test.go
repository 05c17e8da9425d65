package listentest_test

import (
	"context"
	"fmt"
	"time"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/listen"
	"github.com/harkhq/hark/listen/listentest"
)

// A test of a user's own wiring runs Stream over a FakeSource that fails
// once; the clock makes the backoff instant.
func ExampleFakeSource() {
	src := listentest.NewFakeSource("forum",
		hark.Post{ID: "1", Text: "how do I export?"},
		hark.Post{ID: "2", Text: "export is broken"})
	src.Finite = true
	src.FailNext(listen.Transient(fmt.Errorf("connection reset")))
	clk := listentest.NewClock(time.Date(2026, 2, 16, 0, 0, 0, 0, time.UTC))
	for posts, err := range listen.Stream(context.Background(), src, listen.WithClock(clk.Now, clk.Sleep)) {
		if err != nil {
			fmt.Println("error:", err)
			continue
		}
		fmt.Println(len(posts), "posts")
	}
	fmt.Println("cursors asked:", src.Cursors())
	// Output:
	// error: listen: forum: connection reset
	// 2 posts
	// cursors asked: [ ]
}
