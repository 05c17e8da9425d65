package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/reply"
	"github.com/harkhq/hark/respond"
	"github.com/harkhq/hark/respond/surge"
	"github.com/harkhq/hark/score"
)

func TestBoundedStore(t *testing.T) {
	ctx := context.Background()
	s := newBoundedStore(20)
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	put := func(i int, st reply.State) {
		t.Helper()
		require.NoError(t, s.Put(ctx, reply.Item{ID: fmt.Sprintf("k%02d", i), State: st, Version: 1,
			Held: t0.Add(time.Duration(i) * time.Minute)}))
	}
	for i := range 20 {
		st := reply.StatePending
		if i%4 == 3 {
			st = reply.StatePosted
		}
		put(i, st)
	}
	// Compare-and-set: a stale version is refused, the next one taken.
	it, ok, err := s.Get(ctx, "k00")
	require.NoError(t, err)
	require.True(t, ok)
	assert.ErrorIs(t, s.Put(ctx, it), reply.ErrConflict, "the same version again")
	it.Version++
	require.NoError(t, s.Put(ctx, it))
	assert.ErrorIs(t, s.Put(ctx, reply.Item{ID: "new", Version: 2}), reply.ErrConflict, "a new item starts at 1")

	// Past the bound the settled drafts held longest ago go first.
	put(20, reply.StatePending)
	all, err := s.List(ctx, "")
	require.NoError(t, err)
	assert.LessOrEqual(t, len(all), 20)
	_, ok, _ = s.Get(ctx, "k03")
	assert.False(t, ok, "the oldest posted draft is dropped")
	_, ok, _ = s.Get(ctx, "k00")
	assert.True(t, ok, "pending drafts stay while settled ones can go")
	for i := range 200 {
		put(100+i, reply.StatePending)
	}
	all, _ = s.List(ctx, "")
	assert.LessOrEqual(t, len(all), 20)
	_, ok, _ = s.Get(ctx, "k299")
	assert.True(t, ok, "the latest is kept")
	pending, _ := s.List(ctx, reply.StatePending)
	assert.Equal(t, len(all), len(pending))
}

// TestServerDroppedDraftHeldAgain checks that a draft the approval queue
// dropped (to stay within its bound) is held again when a person approves
// it, and goes out once.
func TestServerDroppedDraftHeldAgain(t *testing.T) {
	checkLeaks(t)
	srv := quietServer(t)
	c := newClient(t, srv.url)
	id := aDraftNeeding(t, srv, 1)
	st := srv.app.pipe.replies.store
	st.mu.Lock()
	var n int
	for k, it := range st.m {
		if it.Draft.Post.ID == id {
			delete(st.m, k)
			n++
		}
	}
	st.mu.Unlock()
	require.Equal(t, 1, n, "the draft was in the queue")
	for range 2 {
		code, res := approve(t, c, id)
		require.Equal(t, http.StatusOK, code, res.Error)
		assert.Equal(t, stSent, res.State)
	}
	assert.Len(t, srv.app.plat.srv.RepliesTo(id), 1)
	srv.stop()
}

// TestAutoReplies checks that the replies the policy lets out alone (a
// thank-you for praise) reach the stand-in platform.
func TestAutoReplies(t *testing.T) {
	checkLeaks(t)
	srv := quietServer(t)
	// The replay may have spent the brand account's budget: wait for it.
	require.Eventually(t, func() bool {
		adm := srv.app.pipe.replies.pacer.Admit(time.Now(), respond.ActReply, srv.app.pipe.account, "")
		adm.Cancel()
		return adm.Verdict == respond.PaceAllow
	}, 30*time.Second, 50*time.Millisecond)
	require.NoError(t, srv.app.ingest(context.Background(), hark.Post{ID: "praise-1", Source: "bluesky",
		Text:    "Just picked up my new Kestrel Aero 6 and I absolutely love it, best purchase this year!",
		Created: srv.app.clock.now(), Author: hark.Author{ID: "fan-1", Handle: "@fan.bsky.social", Name: "Sam Fan"}}))
	srv.app.publish()
	got := srv.app.plat.srv.RepliesTo("praise-1")
	require.Len(t, got, 1, "the thank-you went out")
	assert.True(t, strings.HasPrefix(got[0].Text, "@fan.bsky.social "), "a Mastodon reply mentions the author first: %q", got[0].Text)
	assert.Contains(t, got[0].Text, "Sam Fan")
	assert.Positive(t, state(t, srv.url).Replies.Auto)
	// Heard again, it is not answered again.
	require.NoError(t, srv.app.ingest(context.Background(), hark.Post{ID: "praise-1", Source: "bluesky",
		Text:    "Just picked up my new Kestrel Aero 6 and I absolutely love it, best purchase this year!",
		Created: srv.app.clock.now(), Author: hark.Author{ID: "fan-1", Handle: "@fan.bsky.social", Name: "Sam Fan"}}))
	assert.Len(t, srv.app.plat.srv.RepliesTo("praise-1"), 1)
	srv.stop()
}

// TestBoardQueuedInOrder checks that the board never shows an older state
// of a held draft over a newer one: a slow approval's answer arriving after
// the reply went out leaves the item sent.
func TestBoardQueuedInOrder(t *testing.T) {
	b := newBoard(&vclock{wall: time.Now})
	p := hark.Post{ID: "p1", Source: "bluesky", Text: "help", Created: t0}
	d := respond.Decision{PostID: p.ID, Priority: respond.P2, Reply: "Hi", RespondBy: t0.Add(time.Hour),
		Actions: []respond.Action{{Kind: respond.ActReply, Template: "sorry"}, {Kind: respond.ActHold}}}
	rep := respond.Report{PostID: p.ID, Results: []respond.Result{{Action: d.Actions[0], Outcome: respond.OutHeld}}}
	q := reply.Item{ID: "key", Draft: reply.Draft{Key: "key", Post: p, Text: "Hi"}, State: reply.StatePending, Required: 1, Version: 1}
	b.add(p, score.Result{Label: score.LabelNegative}, d, rep, []string{"brand"}, nil,
		func(string) surge.Status { return surge.Status{} }, replyStatus{queued: &q})
	require.Equal(t, stDraft, b.stateOf("p1"))

	approved := q
	approved.State, approved.Version = reply.StateApproved, 2
	approved.Approvals = []reply.Approval{{By: "operator-a", At: time.Now()}}
	posted := approved
	posted.State, posted.Version, posted.Posted = reply.StatePosted, 3, reply.Posted{ID: "110", URL: "http://x/110"}

	assert.Equal(t, stApproved, b.queued("p1", approved))
	assert.Equal(t, stSent, b.posting(posted, reply.Result{Key: "key", Outcome: respond.OutSent, Posted: posted.Posted, Text: "@a Hi"}))
	assert.Equal(t, stSent, b.queued("p1", approved), "the older approval does not undo the send")
	assert.Equal(t, stSent, b.posting(approved, reply.Result{Key: "key", Outcome: respond.OutInFlight}))
	b.mu.Lock()
	it := *b.items["p1"]
	b.mu.Unlock()
	require.NotNil(t, it.Reply)
	assert.Equal(t, "110", it.Reply.ID)
	assert.Equal(t, "@a Hi", it.Reply.Text)
	assert.Equal(t, 1, it.Sends)
}

// TestServerReplyRules checks the platform's rules on approved drafts: a
// reply over the length limit goes out as a numbered thread, once; one in
// another language than the post's is refused until edited.
func TestServerReplyRules(t *testing.T) {
	checkLeaks(t)
	srv := quietServer(t)
	stand := srv.app.plat.srv
	c := newClient(t, srv.url)
	// English drafts needing one approval.
	var ids []string
	srv.app.publish()
	for _, it := range state(t, srv.url).Queue {
		if it.State != stDraft || it.Required != 1 {
			continue
		}
		srv.app.board.mu.Lock()
		lang := srv.app.board.items[it.ID].dec.Case.Scores.Language
		srv.app.board.mu.Unlock()
		if lang == "en" {
			ids = append(ids, it.ID)
		}
	}
	require.GreaterOrEqual(t, len(ids), 2, "English drafts in the queue")

	t.Run("too long: a thread", func(t *testing.T) {
		id := ids[0]
		long := strings.Repeat("We are sorry for the trouble and we are looking into it right now for you. ", 9)
		require.Greater(t, len([]rune(long)), 500)
		code, body := c.post(t, "/api/edit", url.Values{"id": {id}, "text": {long}}, nil)
		require.Equal(t, http.StatusOK, code, body)
		before := len(stand.Replies())
		for range 2 {
			code, res := approve(t, c, id)
			require.Equal(t, http.StatusOK, code, res.Error)
			assert.Equal(t, stSent, res.State)
		}
		all := stand.Replies()
		require.Len(t, all, before+2, "two parts, posted once")
		first, second := all[before], all[before+1]
		assert.Equal(t, id, first.InReplyTo)
		assert.Equal(t, first.ID, second.InReplyTo, "the second part answers the first")
		assert.Contains(t, first.Text, "(1/2)")
		assert.Contains(t, second.Text, "(2/2)")
		for _, r := range []string{first.Text, second.Text} {
			assert.LessOrEqual(t, len([]rune(r)), 500)
		}
		assert.Equal(t, first.ID, queueItem(t, srv, id).Reply.ID, "the page shows the first part")
	})
	t.Run("another language: refused", func(t *testing.T) {
		id := ids[1]
		de := "Hallo, das tut uns wirklich sehr leid. Bitte schick uns eine Direktnachricht mit deiner Bestellnummer, damit wir dir schnell helfen können."
		code, body := c.post(t, "/api/edit", url.Values{"id": {id}, "text": {de}}, nil)
		require.Equal(t, http.StatusOK, code, body)
		code, res := approve(t, c, id)
		assert.Equal(t, http.StatusConflict, code)
		assert.Contains(t, res.Error, "language")
		assert.Empty(t, stand.RepliesTo(id))
		assert.Contains(t, queueItem(t, srv, id).Note, "language")
	})
	srv.stop()
}
