package main

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/harkhq/hark/sample"
)

// BenchmarkSnapshot measures what each page update costs the server: the
// board's view of a busy day (Friday, the outage) and its JSON.
func BenchmarkSnapshot(b *testing.B) {
	a, err := newApp(config{Speed: 0})
	if err != nil {
		b.Fatal(err)
	}
	defer a.plat.Close() // Run, which would close the stand-in, is not started
	end := sample.Script().Incident.PeakEnd
	for _, p := range sample.Week() {
		if p.Created.After(end) {
			break
		}
		if err := a.ingest(context.Background(), p); err != nil {
			b.Fatal(err)
		}
	}
	var size int
	b.ResetTimer()
	for b.Loop() {
		buf, err := json.Marshal(a.snapshot())
		if err != nil {
			b.Fatal(err)
		}
		size = len(buf)
	}
	b.ReportMetric(float64(size)/1024, "KB/snapshot")
}

// BenchmarkIngest measures posts a second through the whole pipeline and
// the board, over the first two days of the sample week.
func BenchmarkIngest(b *testing.B) {
	posts := sample.Week()
	end := sample.Script().Start.Add(48 * time.Hour)
	n := 0
	for n < len(posts) && posts[n].Created.Before(end) {
		n++
	}
	posts = posts[:n]
	var total int
	for b.Loop() {
		b.StopTimer()
		a, err := newApp(config{Speed: 0})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		for _, p := range posts {
			if err := a.ingest(context.Background(), p); err != nil {
				b.Fatal(err)
			}
		}
		total += len(posts)
		b.StopTimer()
		a.plat.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "posts/s")
}
