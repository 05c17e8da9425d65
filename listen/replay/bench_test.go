package replay_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/listen"
	"github.com/harkhq/hark/listen/replay"
	"github.com/harkhq/hark/sample"
)

// BenchmarkFetch replays the sample week with Fetch, as fast as possible,
// in batches of 500.
func BenchmarkFetch(b *testing.B) {
	src := replay.New(sample.Week(), replay.WithBatchSize(500))
	ctx := context.Background()
	n := 0
	for b.Loop() {
		cursor := ""
		for {
			batch, err := src.Fetch(ctx, cursor)
			if err != nil {
				b.Fatal(err)
			}
			n += len(batch.Posts)
			if cursor = batch.Cursor; batch.Done {
				break
			}
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "posts/s")
}

// BenchmarkStream replays the sample week through listen.Stream with
// checkpoints and dedupe, as a program would.
func BenchmarkStream(b *testing.B) {
	src := replay.New(sample.Week(), replay.WithBatchSize(500))
	ctx := context.Background()
	n := 0
	for b.Loop() {
		for posts, err := range listen.Stream(ctx, src, listen.WithDedupe(listen.NewDedupe(10000, 0))) {
			if err != nil {
				b.Fatal(err)
			}
			n += len(posts)
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "posts/s")
}

// BenchmarkFromReader reads the sample week's JSONL into a replay.
func BenchmarkFromReader(b *testing.B) {
	var buf bytes.Buffer
	w := hark.NewWriter(&buf)
	for _, p := range sample.Week() {
		if err := w.Write(p); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	n := 0
	for b.Loop() {
		src, err := replay.FromReader(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		n += src.Len()
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "posts/s")
}
