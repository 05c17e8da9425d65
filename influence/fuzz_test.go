package influence

import (
	"context"
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/score"
)

// FuzzObserve feeds the tracker posts with arbitrary fields, then checks
// that every score stays in its range and nothing is NaN.
func FuzzObserve(f *testing.F) {
	f.Add("p1", "u1", "@ann", "acme is great?", "", "", "@acme", int64(120), int64(300), int64(10), int64(5), int64(0), int64(0), 0.5, 0.9, int64(0))
	f.Add("p2", "u2", "", "x", "p1", "p1", "@u1", int64(-5), int64(1<<62), int64(-1), int64(1<<62), int64(-3), int64(1<<40), -7.0, math.Inf(1), int64(1<<40))
	f.Add("p3", "", "@b.bsky.social", "kestrel-deals.shop/x", "p3", "", "@B", int64(0), int64(0), int64(0), int64(0), int64(0), int64(0), math.NaN(), -1.0, int64(-1<<40))
	f.Fuzz(func(t *testing.T, id, aid, handle, text, parent, repost, mention string,
		followers, following, likes, reposts, replies, views int64, sent, spam float64, secs int64) {
		tr := NewTracker(WithTopics("acme"))
		base := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
		for i := range 3 {
			p := hark.Post{ID: id + string(rune('a'+i)), Source: "bluesky", Text: text, ParentID: parent, RepostOf: repost,
				Mentions: []string{mention}, Created: base.Add(time.Duration(secs%(1<<40)) * time.Second),
				Author:  hark.Author{ID: aid, Handle: handle, Followers: followers, Following: following, Created: base.Add(-time.Duration(secs%(1<<30)) * time.Second)},
				Metrics: hark.Engagement{Likes: likes, Reposts: reposts, Replies: replies, Views: views}}
			if i == 2 {
				p.ID = id + "a" // seen again
			}
			s := score.Result{Sentiment: sent, Label: score.LabelNegative, Confidence: spam, Intent: score.IntentQuestion, Spam: spam}
			if err := tr.Observe(p, s); err != nil {
				t.Fatal(err)
			}
			r := tr.Reach(p)
			if math.IsNaN(r.Impressions) || math.IsNaN(r.Velocity) || r.Impressions < 0 || r.Velocity < 0 {
				t.Fatalf("reach %+v", r)
			}
		}
		if _, err := tr.Rank(context.Background()); err != nil {
			t.Fatal(err)
		}
		all, err := tr.Top(0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := json.Marshal(all); err != nil {
			t.Fatal(err)
		}
		for _, a := range all {
			for _, r := range a.Reasons {
				if math.IsNaN(r.Weight) || math.IsInf(r.Weight, 0) {
					t.Fatalf("reason %+v", r)
				}
			}
			if !(a.Influence >= 0 && a.Influence <= 100) || !(a.Bot >= 0 && a.Bot <= 1) || math.IsNaN(a.Reach) || a.Reach < 0 {
				t.Fatalf("out of range: %+v", a)
			}
		}
	})
}
