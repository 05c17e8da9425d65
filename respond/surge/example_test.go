package surge_test

import (
	"fmt"
	"time"

	"github.com/harkhq/hark/respond/surge"
)

// A series of counts every 5 minutes: quiet for two weeks with a daily
// rhythm, then a jump. The alert comes on the jump's first point, once.
func ExampleSeries() {
	s := surge.NewSeries(surge.SeriesConfig{Counts: true})
	start := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 14*288+24; i++ {
		t := start.Add(time.Duration(i) * 5 * time.Minute)
		v := float64(20 + 10*((t.Hour()/6)%2) + i%5) // a daily pattern with jitter
		if i >= 14*288+12 {
			v = 120 // the surge
		}
		if p := s.Observe(t, v); p.Alert {
			fmt.Printf("%s: %g against %.0f expected, score %.2f\n", t.Format("Jan 2 15:04"), p.Value, p.Expected, p.Score)
		}
	}
	// Output:
	// Mar 16 01:00: 120 against 22 expected, score 0.87
}

// Scored posts under two keys; the app key surges with posts about a
// login failure. The alert names the terms that rose and the top posts.
func ExampleDetector() {
	d := surge.New(surge.Config{})
	start := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	var alerts []surge.Alert
	id := 0
	post := func(t time.Time, key string, negative bool, terms ...string) {
		id++
		alerts = append(alerts, d.Observe(surge.Observation{
			Keys: []string{key}, Time: t, Negative: negative, Source: "bluesky",
			Terms: terms, PostID: fmt.Sprintf("p%d", id),
		})...)
	}
	// three days of ordinary traffic: a post per key every 10 minutes
	for m := 0; m < 3*24*60; m += 10 {
		t := start.Add(time.Duration(m) * time.Minute)
		post(t, "product:app", m%60 == 0, "update", "dark", "mode")
		post(t.Add(5*time.Minute), "product:card", false, "cashback", "points")
	}
	// then logins fail: thirty posts in ten minutes
	t := start.Add(3 * 24 * time.Hour)
	for i := 0; i < 30; i++ {
		post(t.Add(time.Duration(i)*20*time.Second), "product:app", true, "login", "error", "update")
	}
	alerts = append(alerts, d.Advance(t.Add(15*time.Minute))...)
	for _, a := range alerts {
		fmt.Printf("%s %s at %s, started %s\n", a.Key, a.Kind, a.At.Format("15:04:05"), a.Start.Format("15:04"))
		for _, dr := range a.Drivers.Terms {
			fmt.Printf("  term %q: %.0f recently, %.1f expected\n", dr.Name, dr.Recent, dr.Expected)
		}
		fmt.Println("  top posts:", a.Drivers.TopPosts)
	}
	// Output:
	// product:app negativity at 00:01:20, started 23:55
	//   term "error": 4 recently, 0.1 expected
	//   term "login": 4 recently, 0.1 expected
	//   top posts: [p865 p866 p867]
	// product:app volume at 00:05:40, started 23:55
	//   term "error": 15 recently, 0.6 expected
	//   term "login": 15 recently, 0.6 expected
	//   top posts: [p876 p877 p878]
}
