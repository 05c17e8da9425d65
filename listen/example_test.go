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

func ExampleCompile() {
	q, err := listen.Compile(`acme AND (refund* OR "never arrived") -#ad lang:en`)
	if err != nil {
		panic(err)
	}
	for _, p := range []hark.Post{
		{ID: "1", Lang: "en", Text: "Acme refunded me in two days, thanks!"},
		{ID: "2", Lang: "en", Text: "My acme parcel never arrived #ad"},
		{ID: "3", Lang: "en-GB", Text: "ACME: parcel never arrived. Again."},
		{ID: "4", Lang: "de", Text: "acme refund kam nie an"},
	} {
		fmt.Println(p.ID, q.Match(&p))
	}
	_, err = listen.Compile(`acme AND (refund OR`)
	fmt.Println(err)
	// Output:
	// 1 true
	// 2 false
	// 3 true
	// 4 false
	// query: column 18: OR needs a term after it
}
