package respond

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkDispatch measures the dispatcher's own cost per decision (three
// actions: route, alert, reply; memory ledger and claims; no pacing) with a
// notifier that does nothing.
func BenchmarkDispatch(b *testing.B) {
	noop := NotifierFunc(func(context.Context, Message) error { return nil })
	clk := newManualClock(dispT0)
	d := NewDispatcher(Routes{"*": noop}, WithDispatchClock(clk))
	base := dispDecision("p")
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		dec := base
		dec.PostID = "p" + strconv.Itoa(i)
		dec.Case.Post.ID, dec.Case.Post.ThreadID = dec.PostID, dec.PostID
		rep, err := d.Do(ctx, dec)
		if err != nil || rep.Count(OutSent) != 3 {
			b.Fatal(err, outcomesOf(rep))
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "decisions/s")
}

// BenchmarkDispatchParallel is BenchmarkDispatch from GOMAXPROCS goroutines
// over one dispatcher.
func BenchmarkDispatchParallel(b *testing.B) {
	noop := NotifierFunc(func(context.Context, Message) error { return nil })
	clk := newManualClock(dispT0)
	d := NewDispatcher(Routes{"*": noop}, WithDispatchClock(clk), WithPacer(NewPacer(Pacing{AuthorPerDay: 1 << 30})))
	base := dispDecision("p")
	var n atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			dec := base
			dec.PostID = "p" + strconv.FormatInt(n.Add(1), 10)
			dec.Case.Post.ID, dec.Case.Post.ThreadID = dec.PostID, dec.PostID
			if _, err := d.Do(ctx, dec); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "decisions/s")
}

func BenchmarkCalendarAdd(b *testing.B) {
	cal := OfficeHours(time.UTC, 9*time.Hour, 17*time.Hour)
	cal.Holidays = []Date{{2026, time.December, 25}, {2026, time.December, 26}, {2027, time.January, 1}}
	start := time.Date(2026, 11, 27, 16, 45, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		_ = cal.Add(start, 30*time.Hour)
	}
}
