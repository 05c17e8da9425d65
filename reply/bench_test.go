package reply_test

import (
	"fmt"
	"testing"

	"github.com/harkhq/hark/reply"
	"github.com/harkhq/hark/reply/replytest"
	"github.com/harkhq/hark/respond"
)

// BenchmarkPoster posts replies through a Poster (rules, ledger, pacer
// allowing all) to the local stand-in over loopback HTTP, with and
// without faults; the figure is replies/s end to end.
func BenchmarkPoster(b *testing.B) {
	for _, faulty := range []bool{false, true} {
		b.Run(fmt.Sprintf("faults=%v", faulty), func(b *testing.B) {
			clk := newClock()
			opt := replytest.Options{Now: clk.Now, KeyWindow: -1}
			if faulty {
				opt.Faults = replytest.RandomFaults(3, map[replytest.Fault]float64{
					replytest.FaultRateLimit: 0.05, replytest.FaultUnavailable: 0.05,
					replytest.FaultErrorAfter: 0.05, replytest.FaultDropAfter: 0.05})
			}
			srv := replytest.NewServer(opt)
			defer srv.Close()
			p := newPoster(srv, clk, new(respond.MemLedger), reply.WithPacer(respond.NewPacer(respond.Pacing{})))
			b.ResetTimer()
			for i := range b.N {
				if res, err := p.Post(b.Context(), draft(i)); err != nil {
					b.Fatal(res.Outcome, err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "replies/s")
		})
	}
}
