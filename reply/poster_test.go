package reply_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/listen/mastodon"
	"github.com/harkhq/hark/reply"
	"github.com/harkhq/hark/reply/replytest"
	"github.com/harkhq/hark/respond"
)

// fakeClock is a clock that moves only when told; its sleep moves it.
type fakeClock struct{ ns atomic.Int64 }

func newClock() *fakeClock {
	c := &fakeClock{}
	c.ns.Store(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC).UnixNano())
	return c
}
func (c *fakeClock) Now() time.Time          { return time.Unix(0, c.ns.Load()).UTC() }
func (c *fakeClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }
func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.Advance(d)
	return ctx.Err()
}

func draft(i int) reply.Draft {
	id := fmt.Sprintf("1100%06d", i)
	return reply.Draft{
		Key:  respond.IdempotencyKey(id, respond.Action{Kind: respond.ActReply, Rule: "answer", Template: "t"}),
		Post: hark.Post{ID: id, Source: "mastodon", Lang: "en", Author: hark.Author{ID: "bob@example.social", Handle: "@bob@example.social"}},
		Text: fmt.Sprintf("Sorry about that, we are on it (case %d).", i),
		Lang: "en",
	}
}

func newPoster(srv *replytest.Server, clk *fakeClock, l respond.Ledger, opts ...reply.PosterOption) *reply.Poster {
	base := []reply.PosterOption{reply.WithLedger(l), reply.WithClock(clk), reply.WithSleep(clk.Sleep),
		reply.WithAttemptTimeout(2 * time.Second), reply.WithJitterSeed(1)}
	cfg := srv.ReplyConfig()
	hc := *srv.Client()
	hc.Transport = replytest.NoReplay(hc.Transport)
	cfg.Client.HTTP = &hc
	r, err := mastodon.NewReplier(cfg)
	if err != nil {
		panic(err)
	}
	return reply.NewPoster(r, append(base, opts...)...)
}

// faultsAt returns a Faults function that injects the given faults at the
// given request numbers.
func faultsAt(m map[int]replytest.Fault) func(int) replytest.Fault {
	return func(n int) replytest.Fault { return m[n] }
}

func TestPosterSendsOnce(t *testing.T) {
	srv := replytest.NewServer(replytest.Options{})
	defer srv.Close()
	clk := newClock()
	p := newPoster(srv, clk, new(respond.MemLedger))
	d := draft(1)
	res, err := p.Post(t.Context(), d)
	require.NoError(t, err)
	assert.Equal(t, respond.OutSent, res.Outcome)
	assert.Equal(t, 1, res.Attempts)
	assert.NotEmpty(t, res.Posted.ID)
	got := srv.RepliesTo(d.Post.ID)
	require.Len(t, got, 1)
	assert.Equal(t, "@bob@example.social "+d.Text, got[0].Text, "the author is mentioned first on Mastodon")
	assert.Equal(t, d.Key, got[0].Key, "the key goes out as Idempotency-Key")
	assert.Equal(t, "en", got[0].Lang)

	res, err = p.Post(t.Context(), d)
	require.NoError(t, err)
	assert.Equal(t, respond.OutDuplicate, res.Outcome)
	assert.Len(t, srv.RepliesTo(d.Post.ID), 1)
}

// Each fault that comes after the platform accepted the reply must not
// lead to a second reply, with or without the platform's idempotency; each
// fault before it must lead to one.
func TestPosterFaults(t *testing.T) {
	for _, ignoreKey := range []bool{false, true} {
		for _, f := range []replytest.Fault{replytest.FaultRateLimit, replytest.FaultUnavailable,
			replytest.FaultErrorAfter, replytest.FaultDropAfter, replytest.FaultHangAfter} {
			t.Run(fmt.Sprintf("%v/ignoreKey=%v", f, ignoreKey), func(t *testing.T) {
				t.Parallel()
				clk := newClock()
				opt := replytest.Options{Now: clk.Now, Faults: faultsAt(map[int]replytest.Fault{0: f, 1: f})}
				if ignoreKey {
					opt.KeyWindow = -1
				}
				srv := replytest.NewServer(opt)
				defer srv.Close()
				p := newPoster(srv, clk, new(respond.MemLedger), reply.WithAttemptTimeout(time.Second))
				d := draft(2)
				start := clk.Now()
				res, err := p.Post(t.Context(), d)
				require.NoError(t, err)
				assert.Contains(t, []respond.Outcome{respond.OutSent, reply.OutFound}, res.Outcome)
				assert.Len(t, srv.RepliesTo(d.Post.ID), 1, "one reply, never two")
				if f == replytest.FaultRateLimit {
					assert.GreaterOrEqual(t, clk.Now().Sub(start), 2*time.Second, "Retry-After waited out twice")
					assert.Equal(t, respond.OutSent, res.Outcome)
				}
				if f == replytest.FaultDropAfter || f == replytest.FaultErrorAfter || f == replytest.FaultHangAfter {
					if ignoreKey {
						assert.Equal(t, reply.OutFound, res.Outcome, "found, not posted again")
						assert.Equal(t, 1, res.Attempts)
					}
				}
			})
		}
	}
}

func TestPosterCrashBetweenPostAndRecord(t *testing.T) {
	clk := newClock()
	srv := replytest.NewServer(replytest.Options{Now: clk.Now, KeyWindow: -1})
	defer srv.Close()
	ledger := new(respond.MemLedger)
	first := newPoster(srv, clk, ledger, reply.WithWorker("w1"))
	reply.SetCrash(first, func(string) bool { return true })
	d := draft(3)
	res, _ := first.Post(t.Context(), d)
	require.Equal(t, respond.OutFailed, res.Outcome)
	require.Len(t, srv.RepliesTo(d.Post.ID), 1, "the platform has it")
	e, ok := ledger.Get(d.Key)
	require.True(t, ok)
	require.Equal(t, respond.LedgerPending, e.State, "not recorded: the process died")

	// A fresh poster over the same ledger: in flight while the lease lasts,
	// then it finds the reply instead of posting it.
	second := newPoster(srv, clk, ledger, reply.WithWorker("w2"))
	res, err := second.Post(t.Context(), d)
	require.NoError(t, err)
	assert.Equal(t, respond.OutInFlight, res.Outcome)
	clk.Advance(6 * time.Minute)
	res, err = second.Post(t.Context(), d)
	require.NoError(t, err)
	assert.Equal(t, reply.OutFound, res.Outcome)
	assert.Equal(t, 0, res.Attempts)
	assert.Equal(t, srv.RepliesTo(d.Post.ID)[0].ID, res.Posted.ID)
	assert.Len(t, srv.RepliesTo(d.Post.ID), 1)
	e, _ = ledger.Get(d.Key)
	assert.Equal(t, respond.LedgerSent, e.State)
}

func TestPosterConcurrentSameDraft(t *testing.T) {
	clk := newClock()
	srv := replytest.NewServer(replytest.Options{Now: clk.Now, KeyWindow: -1})
	defer srv.Close()
	ledger := new(respond.MemLedger)
	d := draft(4)
	var wg sync.WaitGroup
	outs := make([]respond.Outcome, 8)
	for i := range outs {
		wg.Go(func() {
			p := newPoster(srv, clk, ledger, reply.WithWorker(fmt.Sprint("w", i)))
			res, _ := p.Post(t.Context(), d)
			outs[i] = res.Outcome
		})
	}
	wg.Wait()
	assert.Len(t, srv.RepliesTo(d.Post.ID), 1)
	sent := 0
	for _, o := range outs {
		if o == respond.OutSent {
			sent++
		}
	}
	assert.Equal(t, 1, sent, "%v", outs)
}

func TestPosterDeadLettersAndRecovers(t *testing.T) {
	// The first three creations fail with 503: the poster cannot tell
	// whether the platform took the reply (it did not).
	clk := newClock()
	srv := replytest.NewServer(replytest.Options{Now: clk.Now, KeyWindow: -1, Faults: func(n int) replytest.Fault {
		if n < 3 {
			return replytest.FaultUnavailable
		}
		return replytest.FaultNone
	}})
	defer srv.Close()
	ledger := new(respond.MemLedger)
	dl := new(respond.MemDeadLetter)
	p := newPoster(srv, clk, ledger, reply.WithDeadLetter(dl), reply.WithRetry(respond.Retry{Attempts: 3}))
	d := draft(5)
	res, err := p.Post(t.Context(), d)
	require.Error(t, err)
	assert.Equal(t, respond.OutDeadLettered, res.Outcome)
	assert.Equal(t, 3, res.Attempts)
	require.Equal(t, 1, dl.Len())
	assert.Equal(t, d.Key, dl.Entries()[0].Message.Key)
	assert.False(t, dl.Entries()[0].Permanent)
	assert.Empty(t, srv.RepliesTo(d.Post.ID))
	e, _ := ledger.Get(d.Key)
	assert.Equal(t, respond.LedgerPending, e.State)
	assert.NotEmpty(t, e.Owner, "after an ambiguous failure the key is left to lapse, not released")
	assert.Zero(t, ledger.Forget(clk.Now().Add(time.Hour)), "so the ledger cannot forget it")

	res, err = p.Post(t.Context(), d)
	require.NoError(t, err)
	assert.Equal(t, respond.OutInFlight, res.Outcome)
	clk.Advance(6 * time.Minute)
	res, err = p.Post(t.Context(), d)
	require.NoError(t, err)
	assert.Equal(t, respond.OutSent, res.Outcome, "the Finder found nothing: posted now, once")
	assert.Len(t, srv.RepliesTo(d.Post.ID), 1)
}

// A refusal before the platform could take the reply releases the key at
// once.
func TestPosterPermanentReleases(t *testing.T) {
	clk := newClock()
	srv := replytest.NewServer(replytest.Options{Now: clk.Now, MaxChars: 10})
	defer srv.Close()
	ledger := new(respond.MemLedger)
	p := newPoster(srv, clk, ledger, reply.WithRules(reply.Rules{}))
	d := draft(6)
	res, err := p.Post(t.Context(), d)
	require.Error(t, err)
	assert.Equal(t, respond.OutDeadLettered, res.Outcome)
	assert.Equal(t, 1, res.Attempts, "a 422 is not retried")
	assert.True(t, reply.Permanent(err))
	e, _ := ledger.Get(d.Key)
	assert.Empty(t, e.Owner, "released")
}

func TestPosterRejectsByRules(t *testing.T) {
	srv := replytest.NewServer(replytest.Options{})
	defer srv.Close()
	clk := newClock()
	ledger := new(respond.MemLedger)
	p := newPoster(srv, clk, ledger)
	d := draft(6)
	d.Text = "See https://evil.example.com/x for details"
	res, err := p.Post(t.Context(), d)
	require.ErrorIs(t, err, reply.ErrLink)
	assert.Equal(t, reply.OutRejected, res.Outcome)
	_, reserved := ledger.Get(d.Key)
	assert.False(t, reserved, "nothing reserved for a rejected draft")
	assert.Zero(t, srv.Requests())
}

func TestPosterLongRetryAfterDefers(t *testing.T) {
	srv := replytest.NewServer(replytest.Options{RetryAfter: 600, Faults: faultsAt(map[int]replytest.Fault{0: replytest.FaultRateLimit})})
	defer srv.Close()
	clk := newClock()
	p := newPoster(srv, clk, new(respond.MemLedger))
	d := draft(7)
	res, err := p.Post(t.Context(), d)
	require.NoError(t, err)
	assert.Equal(t, respond.OutDeferred, res.Outcome)
	assert.Equal(t, clk.Now().Add(10*time.Minute), res.NotBefore)
	res, err = p.Post(t.Context(), d)
	require.NoError(t, err)
	assert.Equal(t, respond.OutSent, res.Outcome)
	assert.Len(t, srv.RepliesTo(d.Post.ID), 1)
}

func TestPosterSharesPacerWithDispatcher(t *testing.T) {
	srv := replytest.NewServer(replytest.Options{})
	defer srv.Close()
	clk := newClock()
	pacer := respond.NewPacer(respond.Pacing{Account: respond.Rate{Every: time.Minute, Burst: 1}})
	// The dispatcher spends the account's budget on a reply...
	disp := respond.NewDispatcher(respond.Routes{"reply": respond.NotifierFunc(func(context.Context, respond.Message) error { return nil })},
		respond.WithPacer(pacer), respond.WithDispatchClock(clk))
	dec := respond.Decision{PostID: "p0", Reply: "hi", Actions: []respond.Action{{Kind: respond.ActReply, Rule: "r"}},
		Case: respond.Case{Post: hark.Post{ID: "p0", Source: "mastodon"}}}
	rep, err := disp.Do(t.Context(), dec)
	require.NoError(t, err)
	require.Equal(t, 1, rep.Count(respond.OutSent))
	// ... so the poster, on the same account, must wait.
	p := newPoster(srv, clk, new(respond.MemLedger), reply.WithPacer(pacer))
	d := draft(8)
	res, err := p.Post(t.Context(), d)
	require.NoError(t, err)
	assert.Equal(t, respond.OutDeferred, res.Outcome)
	assert.Equal(t, clk.Now().Add(time.Minute), res.NotBefore)
	clk.Advance(time.Minute)
	res, err = p.Post(t.Context(), d)
	require.NoError(t, err)
	assert.Equal(t, respond.OutSent, res.Outcome)
}

func TestPosterQuietHours(t *testing.T) {
	srv := replytest.NewServer(replytest.Options{})
	defer srv.Close()
	clk := newClock() // 10:00 UTC
	pacer := respond.NewPacer(respond.Pacing{Quiet: respond.QuietHours{Start: 9 * time.Hour, End: 11 * time.Hour}})
	p := newPoster(srv, clk, new(respond.MemLedger), reply.WithPacer(pacer))
	res, err := p.Post(t.Context(), draft(9))
	require.NoError(t, err)
	assert.Equal(t, respond.OutDeferred, res.Outcome)
	assert.Equal(t, 11, res.NotBefore.Hour())
	assert.Zero(t, srv.Requests())
}

// A reply too long for one status goes out as a thread; a crash between
// two parts resumes without posting a part twice.
func TestPosterThread(t *testing.T) {
	clk := newClock()
	srv := replytest.NewServer(replytest.Options{Now: clk.Now, KeyWindow: -1, MaxChars: 80})
	defer srv.Close()
	ledger := new(respond.MemLedger)
	rules := reply.Rules{Platform: "mastodon", MaxChars: 80, MentionAuthor: true, Thread: true}
	first := newPoster(srv, clk, ledger, reply.WithRules(rules), reply.WithWorker("w1"))
	crashes := 0
	reply.SetCrash(first, func(key string) bool {
		if strings.HasSuffix(key, "/2") && crashes == 0 {
			crashes++
			return true
		}
		return false
	})
	d := draft(50)
	d.Text = "We are sorry about the double charge on your card. The refund of both payments went out today and reaches you within three days. Thank you for your patience."
	res, _ := first.Post(t.Context(), d)
	require.Equal(t, respond.OutFailed, res.Outcome, "crashed after part 2 was accepted")
	require.Len(t, res.Parts, 1)

	clk.Advance(10 * time.Minute)
	second := newPoster(srv, clk, ledger, reply.WithRules(rules), reply.WithWorker("w2"))
	res, err := second.Post(t.Context(), d)
	require.NoError(t, err)
	assert.Equal(t, respond.OutSent, res.Outcome)
	all := srv.Replies()
	require.Len(t, all, len(res.Parts), "each part once")
	require.GreaterOrEqual(t, len(all), 3)
	assert.Equal(t, d.Post.ID, all[0].InReplyTo)
	for i := 1; i < len(all); i++ {
		assert.Equal(t, all[i-1].ID, all[i].InReplyTo, "part %d answers part %d", i+1, i)
		assert.Equal(t, res.Parts[i].ID, all[i].ID)
	}
	assert.Equal(t, res.Parts[0], res.Posted)

	res, err = second.Post(t.Context(), d)
	require.NoError(t, err)
	assert.Equal(t, respond.OutDuplicate, res.Outcome)
	assert.Len(t, srv.Replies(), len(all))
}
