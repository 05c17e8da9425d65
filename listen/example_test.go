package listen_test

import (
	"context"
	"fmt"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/listen"
	"github.com/harkhq/hark/listen/listentest"
)

func ExampleStream() {
	src := listentest.NewFakeSource("demo",
		hark.Post{ID: "1", Text: "the app crashes on login"},
		hark.Post{ID: "2", Text: "love the new release"},
		hark.Post{ID: "1", Text: "the app crashes on login"}, // served twice upstream
	)
	src.Finite = true
	cp := &listen.MemoryCheckpoints{}
	for posts, err := range listen.Stream(context.Background(), src,
		listen.WithCheckpoints(cp), listen.WithDedupe(listen.NewDedupe(1000, 0))) {
		if err != nil {
			fmt.Println("error:", err)
			continue
		}
		for _, p := range posts {
			fmt.Println(p.ID, p.Text)
		}
	}
	cursor, _ := cp.Load(context.Background(), "demo")
	fmt.Println("cursor:", cursor)
	// Output:
	// 1 the app crashes on login
	// 2 love the new release
	// cursor: 3
}

func ExampleRun() {
	a := listentest.NewFakeSource("forum", hark.Post{ID: "f1", Text: "how do I export?"})
	b := listentest.NewFakeSource("reviews", hark.Post{ID: "r1", Text: "five stars"})
	a.Finite, b.Finite = true, true
	n := 0
	err := listen.Run(context.Background(), []listen.Source{a, b}, func(_ context.Context, source string, posts []hark.Post) error {
		n += len(posts)
		return nil
	})
	fmt.Println(n, err)
	// Output: 2 <nil>
}
