package reply_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/influence"
	"github.com/harkhq/hark/reply"
	"github.com/harkhq/hark/reply/replytest"
	"github.com/harkhq/hark/respond"
	"github.com/harkhq/hark/score"
)

func TestQueueApproveAndPost(t *testing.T) {
	clk := newClock()
	srv := replytest.NewServer(replytest.Options{Now: clk.Now})
	defer srv.Close()
	q := reply.NewQueue(reply.WithQueueClock(clk))
	d := draft(20)
	it, err := q.Hold(t.Context(), d, 1, "first contact")
	require.NoError(t, err)
	assert.Equal(t, reply.StatePending, it.State)

	// Nothing goes out before approval.
	res, err := q.PostApproved(t.Context(), newPoster(srv, clk, new(respond.MemLedger)))
	require.NoError(t, err)
	assert.Empty(t, res)
	assert.Zero(t, srv.Requests())

	clk.Advance(time.Minute)
	it, err = q.Edit(t.Context(), d.Key, "ana", "Sorry Bob, refund sent today.")
	require.NoError(t, err)
	clk.Advance(time.Minute)
	it, err = q.Approve(t.Context(), d.Key, "ana")
	require.NoError(t, err)
	assert.Equal(t, reply.StateApproved, it.State)
	require.Len(t, it.Approvals, 1)
	assert.Equal(t, reply.Approval{By: "ana", At: clk.Now()}, it.Approvals[0])

	ledger := new(respond.MemLedger)
	res, err = q.PostApproved(t.Context(), newPoster(srv, clk, ledger))
	require.NoError(t, err)
	require.Len(t, res, 1)
	assert.Equal(t, respond.OutSent, res[0].Outcome)
	got := srv.RepliesTo(d.Post.ID)
	require.Len(t, got, 1)
	assert.Equal(t, "@bob@example.social Sorry Bob, refund sent today.", got[0].Text, "the edited text went out")

	it, err = q.Get(t.Context(), d.Key)
	require.NoError(t, err)
	assert.Equal(t, reply.StatePosted, it.State)
	assert.Equal(t, got[0].ID, it.Posted.ID)
	var actions []string
	for _, e := range it.Audit {
		actions = append(actions, e.Action+":"+e.By)
	}
	assert.Equal(t, []string{"hold:hark", "edit:ana", "approve:ana", "posted:hark"}, actions)
	assert.Equal(t, d.Text, it.Audit[1].Prev)

	// Posting again posts nothing.
	res, err = q.PostApproved(t.Context(), newPoster(srv, clk, ledger))
	require.NoError(t, err)
	assert.Empty(t, res)
	assert.Len(t, srv.RepliesTo(d.Post.ID), 1)
}

func TestQueueTiers(t *testing.T) {
	clk := newClock()
	q := reply.NewQueue(reply.WithQueueClock(clk), reply.WithExpiry(24*time.Hour, time.Hour))
	var risk reply.Risk
	c := respond.Case{Post: hark.Post{ID: "1"}, Scores: score.Result{Intent: score.IntentCrisis}}
	n, why := risk.Approvals(c)
	require.Equal(t, 2, n)
	assert.Contains(t, why, "crisis")
	n, _ = risk.Approvals(respond.Case{Author: influence.AuthorScore{Influence: 80}})
	assert.Equal(t, 2, n)
	n, _ = risk.Approvals(respond.Case{Post: hark.Post{Author: hark.Author{Followers: 2_000_000}}})
	assert.Equal(t, 2, n)
	n, why = risk.Approvals(respond.Case{Scores: score.Result{Intent: score.IntentQuestion}})
	assert.Equal(t, 1, n)
	assert.Empty(t, why)

	d := draft(21)
	_, err := q.Hold(t.Context(), d, 2, why)
	require.NoError(t, err)
	it, err := q.Approve(t.Context(), d.Key, "ana")
	require.NoError(t, err)
	assert.Equal(t, reply.StatePending, it.State)
	it, err = q.Approve(t.Context(), d.Key, "ana")
	require.NoError(t, err)
	assert.Equal(t, reply.StatePending, it.State, "the same person twice is one approval")
	assert.Len(t, it.Approvals, 1)
	// An approval older than the window no longer counts.
	clk.Advance(61 * time.Minute)
	it, err = q.Approve(t.Context(), d.Key, "ben")
	require.NoError(t, err)
	assert.Equal(t, reply.StatePending, it.State)
	it, err = q.Approve(t.Context(), d.Key, "ana")
	require.NoError(t, err)
	assert.Equal(t, reply.StateApproved, it.State)
	assert.Len(t, it.Approvals, 2)
}

func TestQueueRejectAndExpire(t *testing.T) {
	clk := newClock()
	q := reply.NewQueue(reply.WithQueueClock(clk), reply.WithExpiry(time.Hour, 10*time.Minute))
	a, b, c := draft(30), draft(31), draft(32)
	for _, d := range []reply.Draft{a, b, c} {
		_, err := q.Hold(t.Context(), d, 1, "")
		require.NoError(t, err)
	}
	it, err := q.Reject(t.Context(), a.Key, "ana", "wrong tone")
	require.NoError(t, err)
	assert.Equal(t, reply.StateRejected, it.State)
	_, err = q.Approve(t.Context(), a.Key, "ben")
	require.ErrorIs(t, err, reply.ErrNotPending)
	_, err = q.Approve(t.Context(), b.Key, "")
	require.ErrorIs(t, err, reply.ErrNoActor)

	_, err = q.Approve(t.Context(), c.Key, "ana")
	require.NoError(t, err)
	clk.Advance(11 * time.Minute) // c's approval lapses
	srv := replytest.NewServer(replytest.Options{Now: clk.Now})
	defer srv.Close()
	res, err := q.PostApproved(t.Context(), newPoster(srv, clk, new(respond.MemLedger)))
	require.NoError(t, err)
	assert.Empty(t, res)
	assert.Zero(t, srv.Requests(), "a lapsed approval posts nothing")
	it, _ = q.Get(t.Context(), c.Key)
	assert.Equal(t, reply.StateExpired, it.State)

	clk.Advance(time.Hour)
	n, err := q.Expire(t.Context())
	require.NoError(t, err)
	assert.Equal(t, 1, n, "b expired")
	_, err = q.Approve(t.Context(), b.Key, "ana")
	require.ErrorIs(t, err, reply.ErrNotPending)

	// Holding an expired draft again asks anew.
	it, err = q.Hold(t.Context(), b, 1, "again")
	require.NoError(t, err)
	assert.Equal(t, reply.StatePending, it.State)
	_, err = q.Get(t.Context(), "nope")
	require.ErrorIs(t, err, reply.ErrNotFound)
}

// Two people approving at once, and two posting loops at once: one reply.
func TestQueueDoubleApprovalPostsOnce(t *testing.T) {
	clk := newClock()
	srv := replytest.NewServer(replytest.Options{Now: clk.Now, KeyWindow: -1})
	defer srv.Close()
	q := reply.NewQueue(reply.WithQueueClock(clk))
	ledger := new(respond.MemLedger)
	drafts := make([]reply.Draft, 20)
	for i := range drafts {
		drafts[i] = draft(100 + i)
		_, err := q.Hold(t.Context(), drafts[i], 1, "")
		require.NoError(t, err)
	}
	var wg sync.WaitGroup
	for _, who := range []string{"ana", "ben", "ana"} {
		wg.Go(func() {
			for _, d := range drafts {
				_, err := q.Approve(t.Context(), d.Key, who)
				assert.NoError(t, err)
			}
		})
	}
	wg.Wait()
	for i := range 4 {
		wg.Go(func() {
			p := newPoster(srv, clk, ledger, reply.WithWorker(fmt.Sprint("w", i)))
			_, err := q.PostApproved(t.Context(), p)
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	for _, d := range drafts {
		assert.Len(t, srv.RepliesTo(d.Post.ID), 1)
		it, err := q.Get(t.Context(), d.Key)
		require.NoError(t, err)
		assert.Equal(t, reply.StatePosted, it.State)
		assert.Len(t, it.Approvals, 1, "the first approval approved it; later ones changed nothing")
	}
}

func TestDraftForAndHeld(t *testing.T) {
	dec := respond.Decision{PostID: "p1", Reply: "Sorry!",
		Actions: []respond.Action{{Kind: respond.ActRoute, Rule: "r0"}, {Kind: respond.ActReply, Rule: "r1", Template: "t"}},
		Case:    respond.Case{Post: hark.Post{ID: "p1", Source: "mastodon", Lang: "en"}, Scores: score.Result{Language: "en"}}}
	d, ok := reply.DraftFor(dec, "acme")
	require.True(t, ok)
	assert.Equal(t, respond.IdempotencyKey("p1", dec.Actions[1]), d.Key, "the dispatcher's key of the reply action")
	assert.Equal(t, "Sorry!", d.Text)
	assert.Equal(t, "en", d.Lang)
	assert.Equal(t, "acme", d.PacingAccount())
	d.Account = ""
	assert.Equal(t, "mastodon", d.PacingAccount(), "as the dispatcher budgets")
	assert.False(t, reply.Held(dec))
	dec.Actions = append(dec.Actions, respond.Action{Kind: respond.ActHold, Rule: "r2"})
	assert.True(t, reply.Held(dec))
	dec.Reply = ""
	_, ok = reply.DraftFor(dec, "acme")
	assert.False(t, ok)
}
