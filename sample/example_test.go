package sample_test

import (
	"fmt"

	"github.com/harkhq/hark/sample"
)

// The week, its script and the labels of its first post.
func Example() {
	week := sample.Week()
	f := sample.Script()
	fmt.Println(f.Brand, f.Handles)
	fmt.Println(f.Start.Format("Mon 2 Jan"), "to", f.End.Format("Mon 2 Jan 2006"))
	fmt.Println("sources:", f.Sources)
	fmt.Printf("incident: %s (%s) from %s to %s, restored %s\n", f.Incident.Key, f.Incident.Product,
		f.Incident.Start.Format("Mon 15:04"), f.Incident.End.Format("15:04"), f.Incident.Restored.Format("15:04"))
	fmt.Println("high reach:", f.HighReach[0].Name, f.HighReach[0].Followers)

	var incident int
	labels := sample.Labels()
	for _, p := range week {
		if labels[p.ID].Incident {
			incident++
		}
	}
	fmt.Println(len(week) > 3000, incident > 300)
	// Output:
	// Kestrel [@kestrel @kestrelhelp]
	// Mon 2 Mar to Mon 9 Mar 2026
	// sources: [blog bluesky forum mastodon news reddit reviews]
	// incident: payment (kestrelpay) from Fri 11:50 to 21:30, restored 19:40
	// high reach: Maya Okafor 250000
	// true true
}
