package replay_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/harkhq/hark/listen"
	"github.com/harkhq/hark/listen/replay"
	"github.com/harkhq/hark/sample"
)

// Replay the embedded sample week through listen.Stream as fast as
// possible, in batches of 500.
func Example() {
	src := replay.New(sample.Week(), replay.WithName("sample"), replay.WithBatchSize(500))
	batches, posts := 0, 0
	for batch, err := range listen.Stream(context.Background(), src) {
		if err != nil {
			fmt.Println(err)
			continue
		}
		batches++
		posts += len(batch)
	}
	fmt.Println(posts == src.Len(), batches == (src.Len()+499)/500)
	// Output: true true
}

// stepClock is a virtual-clock Clock that moves on at once when asked to
// wait, as a test's fake clock does.
type stepClock struct{ now time.Time }

func (c *stepClock) Now() time.Time { return c.now }

func (c *stepClock) Sleep(ctx context.Context, d time.Duration) error {
	c.now = c.now.Add(d)
	return ctx.Err()
}

// Replay JSONL on a virtual clock at a day per minute (1440x): each post
// is released when its time comes, and malformed lines are reported.
func ExampleWithSpeed() {
	jsonl := `{"id":"a","text":"card declined at Kestrel Leeds","created":"2026-03-06T11:52:00Z"}
{"id":"b","text":"payments down in Leeds too","created":"2026-03-06T12:16:00Z"}
{"id":"c","text":"still down","created":"2026-03-06T14:16:00Z"}
{"id":"d", oops
`
	clock := &stepClock{now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	start := clock.now
	src, err := replay.FromReader(strings.NewReader(jsonl),
		replay.WithSpeed(1440), replay.WithClock(clock),
		replay.WithOnError(func(err error) { fmt.Println("skipped:", err) }))
	if err != nil {
		fmt.Println(err)
		return
	}
	cursor := ""
	for {
		b, err := src.Fetch(context.Background(), cursor)
		if err != nil {
			fmt.Println(err)
			return
		}
		for _, p := range b.Posts {
			fmt.Printf("after %v: %s %q\n", clock.now.Sub(start), p.ID, p.Text)
		}
		if cursor = b.Cursor; b.Done {
			break
		}
	}
	// Output:
	// skipped: line 4: malformed JSON at byte 12: invalid character 'o' looking for beginning of object key string
	// after 0s: a "card declined at Kestrel Leeds"
	// after 1s: b "payments down in Leeds too"
	// after 6s: c "still down"
}
