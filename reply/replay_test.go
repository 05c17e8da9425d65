package reply_test

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkhq/hark/reply"
	"github.com/harkhq/hark/reply/replytest"
	"github.com/harkhq/hark/respond"
)

// TestReplayTenThousand replays 10,000 approved replies through posters
// over one ledger against a stand-in that injects faults on about a
// quarter of its status creations (429 with Retry-After, 503 before
// accepting, and, after accepting, 502, a dropped connection or no answer
// until the client's timeout), and ignores the Idempotency-Key, as a
// platform without idempotency would, so only the Finder stands between a
// retry and a second reply. Posters also
// "crash" after the platform accepted 3% of the replies: they are
// abandoned without recording the send, and a fresh poster takes over
// once the lease lapses. Every reply must be on the platform exactly once.
func TestReplayTenThousand(t *testing.T) {
	n := 10_000
	if testing.Short() {
		n = 1_000
	}
	clk := newClock()
	srv := replytest.NewServer(replytest.Options{Now: clk.Now, KeyWindow: -1, Faults: replytest.RandomFaults(7, map[replytest.Fault]float64{
		replytest.FaultRateLimit:   0.06,
		replytest.FaultUnavailable: 0.06,
		replytest.FaultErrorAfter:  0.05,
		replytest.FaultDropAfter:   0.05,
		replytest.FaultHangAfter:   0.003,
	})})
	defer srv.Close()
	ledger := new(respond.MemLedger)
	dead := new(respond.MemDeadLetter)

	var crashMu sync.Mutex
	crashRnd := rand.New(rand.NewPCG(11, 12))
	crash := func(string) bool {
		crashMu.Lock()
		defer crashMu.Unlock()
		return crashRnd.Float64() < 0.03
	}
	var workerMu sync.Mutex
	worker := 0
	fresh := func() *reply.Poster {
		workerMu.Lock()
		worker++
		w := worker
		workerMu.Unlock()
		p := newPoster(srv, clk, ledger, reply.WithWorker(fmt.Sprint("w", w)), reply.WithDeadLetter(dead),
			reply.WithAttemptTimeout(time.Second), reply.WithJitterSeed(uint64(w)))
		reply.SetCrash(p, crash)
		return p
	}

	drafts := make([]reply.Draft, n)
	for i := range drafts {
		drafts[i] = draft(i)
	}
	pending := drafts
	outcomes := map[respond.Outcome]int{}
	rounds := 0
	for len(pending) > 0 && rounds < 10 {
		rounds++
		var (
			mu   sync.Mutex
			next []reply.Draft
			wg   sync.WaitGroup
		)
		work := make(chan reply.Draft)
		for range 16 {
			p := fresh()
			wg.Go(func() {
				for d := range work {
					res, _ := p.Post(t.Context(), d)
					mu.Lock()
					outcomes[res.Outcome]++
					switch res.Outcome {
					case respond.OutSent, reply.OutFound, respond.OutDuplicate:
					default:
						next = append(next, d)
					}
					mu.Unlock()
					if res.Outcome == respond.OutFailed {
						p = fresh() // the process died: a new one starts
					}
				}
			})
		}
		for _, d := range pending {
			work <- d
		}
		close(work)
		wg.Wait()
		pending = next
		clk.Advance(10 * time.Minute) // leases of the dead lapse
	}
	require.Empty(t, pending, "every reply settled within %d rounds", rounds)

	perParent := map[string]int{}
	for _, r := range srv.Replies() {
		perParent[r.InReplyTo]++
	}
	shown := 0
	for _, r := range srv.Replies() {
		if perParent[r.InReplyTo] > 1 && shown < 6 {
			shown++
			t.Logf("twice: %s %s fault %v at %v", r.InReplyTo, r.ID, r.Fault, r.At)
		}
	}
	twice, missing := 0, 0
	for _, d := range drafts {
		switch perParent[d.Post.ID] {
		case 0:
			missing++
		case 1:
		default:
			twice++
		}
		e, ok := ledger.Get(d.Key)
		require.True(t, ok)
		require.Equal(t, respond.LedgerSent, e.State)
	}
	assert.Zero(t, twice, "replies posted twice")
	assert.Zero(t, missing, "replies lost")
	assert.Equal(t, n, len(srv.Replies()))
	faults := srv.Faults()
	t.Logf("%d approved replies, %d on the platform (%d twice, %d lost); %d status creations, faults %v; outcomes %v; %d dead-lettered and retried; %d rounds",
		n, len(srv.Replies()), twice, missing, srv.Requests(), faults, outcomes, dead.Len(), rounds)
	assert.Positive(t, faults[replytest.FaultDropAfter])
	assert.Positive(t, faults[replytest.FaultHangAfter])
	assert.Positive(t, outcomes[reply.OutFound], "some replies were found after a lost answer")
}
