package report_test

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/observe/report"
	"github.com/harkhq/hark/respond"
	"github.com/harkhq/hark/respond/surge"
	"github.com/harkhq/hark/score"
)

// Feed the builder what a replay saw, then write the page.
func Example() {
	b := report.New(report.WithTitle("Monday"))
	start := time.Date(2026, 2, 16, 9, 0, 0, 0, time.UTC)
	for i := range 12 {
		label, intent := score.LabelNeutral, score.IntentQuestion
		if i >= 8 {
			label, intent = score.LabelNegative, score.IntentComplaint
		}
		p := hark.Post{ID: fmt.Sprint(i), Text: "…", Created: start.Add(time.Duration(i) * 10 * time.Minute),
			Author: hark.Author{ID: fmt.Sprint("u", i%3), Handle: fmt.Sprint("@u", i%3)}}
		b.Add(respond.Case{Post: p, Scores: score.Result{Label: label, Intent: intent}},
			respond.Decision{PostID: p.ID, Priority: respond.P3, RespondBy: p.Created.Add(time.Hour)})
	}
	b.Alerts(surge.Alert{Key: "intent:complaint", Kind: surge.KindVolume, At: start.Add(90 * time.Minute), Score: 0.9})
	var page bytes.Buffer
	if err := b.Write(&page); err != nil {
		panic(err)
	}
	html := page.String()
	fmt.Println(strings.Count(html, `<svg class="chart"`), "charts,", strings.Count(html, "<script"), "scripts")
	// The data ends at 10:50: deadlines before then passed with no reply.
	fmt.Println(strings.Contains(html, "12: 5 breached · 7 open"))
	// Output:
	// 6 charts, 0 scripts
	// true
}
