package influence_test

import (
	"context"
	"fmt"
	"time"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/influence"
	"github.com/harkhq/hark/score"
)

// A tracker observes posts with their scores, ranks the interaction graph,
// and lists the most influential authors with their standing and reasons.
// Scores are written by hand here; in a program they come from a
// score.Scorer.
func Example() {
	t := influence.NewTracker(influence.WithTopics("acme"), influence.WithBrandAccounts("@acme"))
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	li := hark.Author{ID: "u2", Handle: "@li", Followers: 11000, Created: at.AddDate(-4, 0, 0)}
	praise := score.Result{Sentiment: 0.8, Label: score.LabelPositive, Confidence: 0.9, Intent: score.IntentPraise}
	for i, text := range []string{"the acme x2 is superb", "acme x2, week two: still superb", "acme support sorted my x2 in minutes"} {
		t.Observe(hark.Post{ID: fmt.Sprint("li", i), Source: "mastodon", Text: text,
			Created: at.Add(time.Duration(i) * time.Hour), Author: li, Metrics: hark.Engagement{Reposts: 40, Likes: 300}}, praise)
	}
	for i := range 20 {
		fan := hark.Author{ID: fmt.Sprint("f", i), Handle: fmt.Sprint("@f", i), Followers: 150}
		t.Observe(hark.Post{ID: fmt.Sprint("rt", i), Source: "mastodon", Text: "the acme x2 is superb",
			RepostOf: "li0", Created: at.Add(time.Duration(i) * time.Minute), Author: fan}, score.Result{})
	}
	t.Rank(context.Background())
	top, _ := t.Top(3)
	for _, a := range top {
		fmt.Printf("%s %.0f %s rank %d\n", a.Author, a.Influence, a.Standing, a.Rank)
	}
	for _, r := range top[0].Reasons {
		fmt.Printf("  %s: %s\n", r.Code, r.Span)
	}
	// Output:
	// u2 76 advocate rank 1
	// f13 27 neutral rank 7
	// f14 27 neutral rank 8
	//   audience: 11000 followers on mastodon, as 11245 on the reference scale
	//   engagement: received 120 reposts and quotes, 0 replies, 0 mentions, 899 likes (809 weighted)
	//   graph_rank: #1 of 21 in the interaction graph, 9.9 times the average rank
	//   topical: 100% of their posts are about the brand's field
	//   advocate: 3.0 posts about the brand, net sentiment +0.77
}
