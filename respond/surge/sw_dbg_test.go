package surge_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/harkhq/hark/sample"
)

func TestDbgSampleCounts(t *testing.T) {
	posts := sample.Week()
	labels := sample.Labels()
	per := map[string]map[int]int{}
	inc := map[int]int{}
	for _, p := range posts {
		l := labels[p.ID]
		h := int(p.Created.Sub(sample.Script().Start) / (30 * time.Minute))
		for _, pr := range l.Products {
			if per[pr] == nil {
				per[pr] = map[int]int{}
			}
			per[pr][h]++
		}
		if l.Incident {
			inc[h]++
		}
	}
	fmt.Println("posts", len(posts))
	for _, k := range []string{"kestrelpay"} {
		for d := 0; d < 7; d++ {
			fmt.Printf("%s day %d:", k, d)
			for h := 0; h < 48; h++ {
				fmt.Printf(" %d", per[k][d*48+h])
			}
			fmt.Println()
		}
	}
	fmt.Print("incident day4:")
	for h := 0; h < 48; h++ {
		fmt.Printf(" %d", inc[4*48+h])
	}
	fmt.Println()
	// first incident posts minute by minute
	for _, p := range posts {
		if labels[p.ID].Incident && p.Created.Before(sample.Script().Incident.Start.Add(70*time.Minute)) {
			fmt.Println(p.Created.Format("15:04"), p.Source, labels[p.ID].Products, labels[p.ID].Label, p.Text[:min(80, len(p.Text))])
		}
	}
}
