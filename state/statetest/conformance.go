package statetest

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkhq/hark/influence"
	"github.com/harkhq/hark/respond"
	"github.com/harkhq/hark/respond/ledgertest"
	"github.com/harkhq/hark/state"
)

// Open returns a new, empty KV for one subtest. It registers its own
// cleanup with t.
type Open func(t *testing.T) state.KV

// Run runs the conformance suite against the KVs open returns: the KV
// contract itself (revisions, compare-and-set, expiry, key listing,
// concurrent writers) and each adapter of package state on top of it,
// the ledger, claims and timer store through respond/ledgertest too. The
// expiry test waits for a one-second TTL to lapse in real time.
func Run(t *testing.T, open Open) {
	t.Run("KV", func(t *testing.T) { testKV(t, open(t)) })
	t.Run("KVConcurrent", func(t *testing.T) { testConcurrent(t, open(t)) })
	t.Run("KVExpiry", func(t *testing.T) { testExpiry(t, open(t)) })
	t.Run("Checkpoints", func(t *testing.T) { testCheckpoints(t, open(t)) })
	t.Run("Seen", func(t *testing.T) { testSeen(t, open(t)) })
	t.Run("Ledger", func(t *testing.T) { testLedger(t, open(t)) })
	t.Run("LedgerConcurrent", func(t *testing.T) { testLedgerConcurrent(t, open(t)) })
	t.Run("Claims", func(t *testing.T) { testClaims(t, open(t)) })
	t.Run("Timers", func(t *testing.T) { testTimers(t, open(t)) })
	t.Run("Profiles", func(t *testing.T) { testProfiles(t, open(t)) })
	t.Run("Snapshots", func(t *testing.T) { testSnapshots(t, open(t)) })
	t.Run("Lease", func(t *testing.T) { testLease(t, open(t)) })
	t.Run("LeaseLoss", func(t *testing.T) { testLeaseLoss(t, open(t)) })
	// respond's own checks of its contracts, on the adapters.
	t.Run("respond.Ledger", func(t *testing.T) {
		ledgertest.Ledger(t, func(t *testing.T) respond.Ledger { return state.NewLedger(open(t), "") })
	})
	t.Run("respond.Claims", func(t *testing.T) {
		ledgertest.Claims(t, func(t *testing.T) respond.Claims { return state.NewClaims(open(t), "") })
	})
	t.Run("respond.TimerStore", func(t *testing.T) {
		ledgertest.TimerStore(t, func(t *testing.T) respond.TimerStore { return state.NewTimers(open(t), "") })
	})
}

func testKV(t *testing.T, kv state.KV) {
	ctx := context.Background()
	_, err := kv.Get(ctx, "a.b")
	require.ErrorIs(t, err, state.ErrNotFound)

	r1, err := kv.Create(ctx, "a.b", []byte("one"), 0)
	require.NoError(t, err)
	assert.Positive(t, r1)
	_, err = kv.Create(ctx, "a.b", []byte("again"), 0)
	assert.ErrorIs(t, err, state.ErrExists)

	e, err := kv.Get(ctx, "a.b")
	require.NoError(t, err)
	assert.Equal(t, state.Entry{Key: "a.b", Value: []byte("one"), Revision: r1}, e)

	_, err = kv.Update(ctx, "a.b", []byte("two"), r1+1000, 0)
	assert.ErrorIs(t, err, state.ErrConflict)
	r2, err := kv.Update(ctx, "a.b", []byte("two"), r1, 0)
	require.NoError(t, err)
	assert.Greater(t, r2, r1)
	_, err = kv.Update(ctx, "a.b", []byte("three"), r1, 0)
	assert.ErrorIs(t, err, state.ErrConflict, "stale revision")
	_, err = kv.Update(ctx, "a.missing", []byte("x"), r1, 0)
	assert.ErrorIs(t, err, state.ErrConflict, "update of a missing key")

	r3, err := kv.Put(ctx, "a.b", []byte{0, 1, 2, 255}, 0)
	require.NoError(t, err)
	assert.Greater(t, r3, r2)
	e, err = kv.Get(ctx, "a.b")
	require.NoError(t, err)
	assert.Equal(t, []byte{0, 1, 2, 255}, e.Value, "binary values round-trip")

	assert.ErrorIs(t, kv.Delete(ctx, "a.b", r2), state.ErrConflict)
	require.NoError(t, kv.Delete(ctx, "a.b", r3))
	_, err = kv.Get(ctx, "a.b")
	assert.ErrorIs(t, err, state.ErrNotFound)
	assert.NoError(t, kv.Delete(ctx, "a.b", 0), "deleting a missing key")
	assert.ErrorIs(t, kv.Delete(ctx, "a.b", r3), state.ErrConflict)

	r4, err := kv.Create(ctx, "a.b", []byte("reborn"), 0)
	require.NoError(t, err, "create after delete")
	assert.Greater(t, r4, r3, "revisions never go back")

	_, err = kv.Put(ctx, "a.empty", []byte{}, 0)
	require.NoError(t, err)
	e, err = kv.Get(ctx, "a.empty")
	require.NoError(t, err)
	assert.Empty(t, e.Value)

	for _, k := range []string{"b.2", "b.1", "b.10", "bb.1", "c"} {
		_, err := kv.Put(ctx, k, []byte(k), 0)
		require.NoError(t, err)
	}
	require.NoError(t, kv.Delete(ctx, "b.10", 0))
	keys, err := kv.Keys(ctx, "b.")
	require.NoError(t, err)
	assert.Equal(t, []string{"b.1", "b.2"}, keys)
	all, err := kv.Keys(ctx, "")
	require.NoError(t, err)
	assert.Equal(t, []string{"a.b", "a.empty", "b.1", "b.2", "bb.1", "c"}, all)

	for _, bad := range []string{"", ".a", "a.", "a..b", "a b", "a*", "a>", "é"} {
		_, err := kv.Put(ctx, bad, nil, 0)
		assert.ErrorIs(t, err, state.ErrInvalidKey, "key %q", bad)
		_, err = kv.Get(ctx, bad)
		assert.ErrorIs(t, err, state.ErrInvalidKey, "key %q", bad)
	}
	_, err = kv.Keys(ctx, "b")
	assert.ErrorIs(t, err, state.ErrInvalidKey, "prefix without its dot")
}

func testConcurrent(t *testing.T, kv state.KV) {
	ctx := context.Background()
	const n = 8
	var wins atomic.Int32
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, err := kv.Create(ctx, "race.one", []byte(strconv.Itoa(i)), 0)
			if err == nil {
				wins.Add(1)
			} else {
				assert.ErrorIs(t, err, state.ErrExists)
			}
		})
	}
	wg.Wait()
	assert.Equal(t, int32(1), wins.Load(), "exactly one Create wins")

	const per = 15
	for range 4 {
		wg.Go(func() {
			for range per {
				_, _, err := state.Modify(ctx, kv, "race.counter", 0, func(cur state.Entry, ok bool) ([]byte, bool, error) {
					v := 0
					if ok {
						v, _ = strconv.Atoi(string(cur.Value))
					}
					return []byte(strconv.Itoa(v + 1)), true, nil
				})
				assert.NoError(t, err)
			}
		})
	}
	wg.Wait()
	e, err := kv.Get(ctx, "race.counter")
	require.NoError(t, err)
	assert.Equal(t, strconv.Itoa(4*per), string(e.Value), "no increment lost under compare-and-set")
}

func testExpiry(t *testing.T, kv state.KV) {
	ctx := context.Background()
	_, err := kv.Create(ctx, "ttl.short", []byte("x"), time.Second)
	require.NoError(t, err)
	_, err = kv.Create(ctx, "ttl.long", []byte("x"), time.Hour)
	require.NoError(t, err)
	_, err = kv.Create(ctx, "ttl.none", []byte("x"), 0)
	require.NoError(t, err)
	_, err = kv.Create(ctx, "ttl.short", []byte("y"), time.Second)
	require.ErrorIs(t, err, state.ErrExists, "live until its TTL lapses")
	require.Eventually(t, func() bool {
		_, err := kv.Get(ctx, "ttl.short")
		return errors.Is(err, state.ErrNotFound)
	}, 15*time.Second, 50*time.Millisecond, "a 1s TTL lapses")
	_, err = kv.Create(ctx, "ttl.short", []byte("y"), 0)
	assert.NoError(t, err, "an expired key can be created again")
	keys, err := kv.Keys(ctx, "ttl.")
	require.NoError(t, err)
	assert.Equal(t, []string{"ttl.long", "ttl.none", "ttl.short"}, keys)
}

func testCheckpoints(t *testing.T, kv state.KV) {
	ctx := context.Background()
	a := state.NewCheckpoints(kv, "")
	cur, err := a.Load(ctx, "bluesky")
	require.NoError(t, err)
	assert.Empty(t, cur)
	require.NoError(t, a.Save(ctx, "bluesky", "c1"))
	require.NoError(t, a.Save(ctx, "bluesky", "c2"))
	require.NoError(t, a.Save(ctx, "weird source/ä", "x"))

	b := state.NewCheckpoints(kv, "")
	cur, err = b.Load(ctx, "bluesky")
	require.NoError(t, err)
	assert.Equal(t, "c2", cur, "a restart resumes where the last save left off")
	cur, err = b.Load(ctx, "weird source/ä")
	require.NoError(t, err)
	assert.Equal(t, "x", cur)

	// b took over; a is fenced off.
	require.NoError(t, b.Save(ctx, "bluesky", "c3"))
	assert.ErrorIs(t, a.Save(ctx, "bluesky", "c2-stale"), state.ErrCheckpointMoved)
	cur, err = state.NewCheckpoints(kv, "").Load(ctx, "bluesky")
	require.NoError(t, err)
	assert.Equal(t, "c3", cur, "a fenced save writes nothing")

	// Two that both loaded "nothing" race to create: one wins.
	c, d := state.NewCheckpoints(kv, ""), state.NewCheckpoints(kv, "")
	_, _ = c.Load(ctx, "hn")
	_, _ = d.Load(ctx, "hn")
	require.NoError(t, c.Save(ctx, "hn", "1"))
	assert.ErrorIs(t, d.Save(ctx, "hn", "1"), state.ErrCheckpointMoved)
}

func testSeen(t *testing.T, kv state.KV) {
	ctx := context.Background()
	s := state.NewSeen(kv, "")
	fresh, err := s.Add(ctx, "bluesky/1", time.Hour)
	require.NoError(t, err)
	assert.True(t, fresh)
	fresh, err = s.Add(ctx, "bluesky/1", time.Hour)
	require.NoError(t, err)
	assert.False(t, fresh)
	ok, err := s.Contains(ctx, "bluesky/2")
	require.NoError(t, err)
	assert.False(t, ok)

	var fresh2 atomic.Int32
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() {
			f, err := s.Add(ctx, "race", 0)
			assert.NoError(t, err)
			if f {
				fresh2.Add(1)
			}
		})
	}
	wg.Wait()
	assert.Equal(t, int32(1), fresh2.Load(), "exactly one concurrent Add is fresh")
}

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func testLedger(t *testing.T, kv state.KV) {
	ctx := context.Background()
	l := state.NewLedger(kv, "")
	const key = "0123456789abcdef0123456789abcdef"

	e, ok, err := l.Reserve(ctx, key, "w1", t0, time.Minute)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, respond.LedgerEntry{Key: key, State: respond.LedgerPending, Owner: "w1",
		Expires: t0.Add(time.Minute), Reservations: 1}, e)

	e, ok, err = l.Reserve(ctx, key, "w2", t0.Add(time.Second), time.Minute)
	require.NoError(t, err)
	assert.False(t, ok, "another owner's live lease")
	assert.Equal(t, "w1", e.Owner)

	_, ok, err = l.Reserve(ctx, key, "w1", t0.Add(time.Second), time.Minute)
	require.NoError(t, err)
	assert.True(t, ok, "the same owner again")

	_, ok, err = l.Reserve(ctx, key, "w2", t0.Add(2*time.Minute), time.Minute)
	require.NoError(t, err)
	assert.True(t, ok, "a lapsed lease is taken over")

	require.NoError(t, l.Release(ctx, key, "w1"), "releasing another's lease does nothing")
	got, found, err := l.Get(ctx, key)
	require.NoError(t, err)
	require.True(t, found)
	assert.Equal(t, "w2", got.Owner)
	assert.Equal(t, 3, got.Reservations)

	require.NoError(t, l.Release(ctx, key, "w2"))
	_, ok, err = l.Reserve(ctx, key, "w3", t0.Add(2*time.Minute), time.Minute)
	require.NoError(t, err)
	assert.True(t, ok, "a released key is free")

	require.NoError(t, l.MarkSent(ctx, key, "w3", t0.Add(3*time.Minute)))
	e, ok, err = l.Reserve(ctx, key, "w3", t0.Add(time.Hour), time.Minute)
	require.NoError(t, err)
	assert.False(t, ok, "a sent key is never reserved again")
	assert.Equal(t, respond.LedgerSent, e.State)
	assert.Equal(t, t0.Add(3*time.Minute), e.SentAt.UTC())
	require.NoError(t, l.Release(ctx, key, "w3"))
	got, _, err = l.Get(ctx, key)
	require.NoError(t, err)
	assert.Equal(t, respond.LedgerSent, got.State, "release does nothing to a sent key")

	assert.ErrorIs(t, l.MarkSent(ctx, "ffffffffffffffffffffffffffffffff", "w1", t0), respond.ErrNotReserved)

	// A second Ledger value over the same KV (another process) agrees.
	_, ok, err = state.NewLedger(kv, "").Reserve(ctx, key, "w9", t0.Add(time.Hour), time.Minute)
	require.NoError(t, err)
	assert.False(t, ok)

	// A worker whose lease lapsed and was taken over still records its
	// send (it happened), though what it last wrote is stale.
	a, b := state.NewLedger(kv, ""), state.NewLedger(kv, "")
	const k2 = "k2"
	_, ok, err = a.Reserve(ctx, k2, "a", t0, time.Minute)
	require.NoError(t, err)
	require.True(t, ok)
	_, ok, err = b.Reserve(ctx, k2, "b", t0.Add(2*time.Minute), time.Minute)
	require.NoError(t, err)
	require.True(t, ok)
	require.NoError(t, a.MarkSent(ctx, k2, "a", t0.Add(3*time.Minute)))
	got, _, err = b.Get(ctx, k2)
	require.NoError(t, err)
	assert.Equal(t, respond.LedgerSent, got.State)
	assert.Equal(t, "a", got.Owner)
	require.NoError(t, b.Release(ctx, k2, "b"), "b's stale release does nothing to a sent key")
	got, _, err = a.Get(ctx, k2)
	require.NoError(t, err)
	assert.Equal(t, respond.LedgerSent, got.State)
}

func testLedgerConcurrent(t *testing.T, kv state.KV) {
	ctx := context.Background()
	var won atomic.Int32
	var wg sync.WaitGroup
	for i := range 6 {
		l := state.NewLedger(kv, "")
		wg.Go(func() {
			_, ok, err := l.Reserve(ctx, "k", fmt.Sprintf("w%d", i), t0, time.Minute)
			assert.NoError(t, err)
			if ok {
				won.Add(1)
			}
		})
	}
	wg.Wait()
	assert.Equal(t, int32(1), won.Load(), "one reservation among racing workers")
}

func testClaims(t *testing.T, kv state.KV) {
	ctx := context.Background()
	c := state.NewClaims(kv, "")
	cl, err := c.Acquire(ctx, "thread/1", "w1", t0, time.Minute)
	require.NoError(t, err)
	assert.Equal(t, respond.Claim{Conversation: "thread/1", Owner: "w1", Expires: t0.Add(time.Minute)}, cl)

	_, err = c.Acquire(ctx, "thread/1", "w2", t0.Add(time.Second), time.Minute)
	var ce *respond.ClaimedError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "w1", ce.Claim.Owner)
	assert.True(t, ce.Claim.Expires.Equal(t0.Add(time.Minute)))

	cl, err = c.Acquire(ctx, "thread/1", "w1", t0.Add(30*time.Second), time.Minute)
	require.NoError(t, err, "the holder extends")
	assert.True(t, cl.Expires.Equal(t0.Add(90*time.Second)))

	cl, err = c.Renew(ctx, "thread/1", "w1", t0.Add(time.Minute), time.Minute)
	require.NoError(t, err)
	assert.True(t, cl.Expires.Equal(t0.Add(2*time.Minute)))
	_, err = c.Renew(ctx, "thread/1", "w2", t0.Add(time.Minute), time.Minute)
	assert.ErrorIs(t, err, respond.ErrClaimLost)
	_, err = c.Renew(ctx, "thread/1", "w1", t0.Add(3*time.Minute), time.Minute)
	assert.ErrorIs(t, err, respond.ErrClaimLost, "a lapsed claim cannot be renewed")

	_, err = c.Acquire(ctx, "thread/1", "w2", t0.Add(3*time.Minute), time.Minute)
	require.NoError(t, err, "a lapsed claim is free")
	require.NoError(t, c.Release(ctx, "thread/1", "w1"), "not w1's any more")
	h, ok, err := c.Holder(ctx, "thread/1", t0.Add(3*time.Minute))
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, "w2", h.Owner)
	require.NoError(t, c.Release(ctx, "thread/1", "w2"))
	_, ok, err = c.Holder(ctx, "thread/1", t0.Add(3*time.Minute))
	require.NoError(t, err)
	assert.False(t, ok)
	_, err = c.Renew(ctx, "thread/1", "w2", t0.Add(3*time.Minute), time.Minute)
	assert.ErrorIs(t, err, respond.ErrClaimLost)

	var won atomic.Int32
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Go(func() {
			_, err := c.Acquire(ctx, "thread/2", fmt.Sprintf("w%d", i), t0, time.Minute)
			if err == nil {
				won.Add(1)
			} else {
				assert.ErrorAs(t, err, new(*respond.ClaimedError))
			}
		})
	}
	wg.Wait()
	assert.Equal(t, int32(1), won.Load(), "one worker holds a conversation")
}

func testTimers(t *testing.T, kv state.KV) {
	ctx := context.Background()
	s := state.NewTimers(kv, "")
	_, ok, err := s.Get(ctx, "p1")
	require.NoError(t, err)
	assert.False(t, ok)
	timers := []respond.SLATimer{
		{Key: "p1", Priority: respond.Priority("P1"), Started: t0, Target: time.Hour, RunningSince: t0, Next: t0.Add(45 * time.Minute)},
		{Key: "p2", Priority: respond.Priority("P2"), Started: t0, Target: time.Hour, Next: t0.Add(10 * time.Minute)},
		{Key: "p0", Priority: respond.Priority("P2"), Started: t0, Target: time.Hour, Next: t0.Add(10 * time.Minute)},
		{Key: "paused", Started: t0, PausedAt: t0},
		{Key: "later", Started: t0, Next: t0.Add(5 * time.Hour)},
	}
	for _, tm := range timers {
		require.NoError(t, s.Put(ctx, tm))
	}
	got, ok, err := s.Get(ctx, "p1")
	require.NoError(t, err)
	require.True(t, ok)
	assert.True(t, got.Next.Equal(timers[0].Next))
	assert.Equal(t, timers[0].Target, got.Target)

	due, err := s.Due(ctx, t0.Add(time.Hour))
	require.NoError(t, err)
	var keys []string
	for _, d := range due {
		keys = append(keys, d.Key)
	}
	assert.Equal(t, []string{"p0", "p2", "p1"}, keys, "ordered by Next then Key")
	require.NoError(t, s.Delete(ctx, "p2"))
	require.NoError(t, s.Delete(ctx, "p2"), "deleting a missing timer")
	due, err = s.Due(ctx, t0.Add(time.Hour))
	require.NoError(t, err)
	assert.Len(t, due, 2)
}

func testProfiles(t *testing.T, kv state.KV) {
	s := state.NewProfiles(kv, "", 0)
	for _, k := range []string{"did:plc:zz", "@b.example", "a"} {
		require.NoError(t, s.Put(influence.AuthorProfile{Key: k, Followers: int64(len(k)), Seen: 2}))
	}
	p, ok, err := s.Get("@b.example")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, int64(10), p.Followers)
	var order []string
	require.NoError(t, s.Range(func(p influence.AuthorProfile) bool {
		order = append(order, p.Key)
		return true
	}))
	assert.Equal(t, []string{"@b.example", "a", "did:plc:zz"}, order, "key order")
	n := 0
	require.NoError(t, s.Range(func(influence.AuthorProfile) bool { n++; return false }))
	assert.Equal(t, 1, n, "Range stops when fn says so")
	require.NoError(t, s.Delete("a"))
	_, ok, err = s.Get("a")
	require.NoError(t, err)
	assert.False(t, ok)
}

func testSnapshots(t *testing.T, kv state.KV) {
	ctx := context.Background()
	s := state.NewSnapshots(kv, "")
	_, ok, err := s.Load(ctx, "surge")
	require.NoError(t, err)
	assert.False(t, ok)
	require.NoError(t, s.Save(ctx, "surge", []byte("v1")))
	require.NoError(t, s.Save(ctx, "surge", []byte("v2")))
	b, ok, err := s.Load(ctx, "surge")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, "v2", string(b))
}

func testLease(t *testing.T, kv state.KV) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	claims := state.NewClaims(kv, "lease")
	// Three replicas each run the job three times; the lease lets one at a
	// time in.
	var inside, maxInside, runs atomic.Int32
	var wg sync.WaitGroup
	for i := range 3 {
		l := state.NewLease(claims, "poll/bluesky", fmt.Sprintf("replica-%d", i), time.Second, nil)
		wg.Go(func() {
			for range 3 {
				err := l.Hold(ctx, func(ctx context.Context) error {
					n := inside.Add(1)
					for {
						m := maxInside.Load()
						if n <= m || maxInside.CompareAndSwap(m, n) {
							break
						}
					}
					runs.Add(1)
					time.Sleep(20 * time.Millisecond)
					inside.Add(-1)
					return nil
				})
				assert.NoError(t, err)
			}
		})
	}
	wg.Wait()
	assert.Equal(t, int32(9), runs.Load())
	assert.Equal(t, int32(1), maxInside.Load(), "never two holders at once")

	// A job whose context ends when ctx ends; Hold returns its error.
	hctx, hcancel := context.WithCancel(ctx)
	l := state.NewLease(claims, "poll/hn", "r", time.Second, nil)
	go func() { time.Sleep(10 * time.Millisecond); hcancel() }()
	err := l.Hold(hctx, func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() })
	assert.ErrorIs(t, err, context.Canceled)
	h, ok, err := claims.Holder(ctx, "poll/hn", time.Now())
	require.NoError(t, err)
	assert.False(t, ok, "released after the job, held by %q", h.Owner)
}

// flakyClaims fails renewals while failing is set.
type flakyClaims struct {
	respond.Claims
	failing  atomic.Bool
	failures atomic.Int32
}

func (f *flakyClaims) Renew(ctx context.Context, conv, owner string, now time.Time, ttl time.Duration) (respond.Claim, error) {
	if f.failing.Load() {
		f.failures.Add(1)
		return respond.Claim{}, errors.New("store unreachable")
	}
	return f.Claims.Renew(ctx, conv, owner, now, ttl)
}

func testLeaseLoss(t *testing.T, kv state.KV) {
	ctx := context.Background()
	claims := &flakyClaims{Claims: state.NewClaims(kv, "lease")}
	var clock atomic.Int64
	clock.Store(t0.UnixNano())
	now := func() time.Time { return time.Unix(0, clock.Load()) }
	l := state.NewLease(claims, "poll/x", "a", time.Second, now)
	running := make(chan struct{})
	errc := make(chan error, 1)
	go func() {
		errc <- l.Hold(ctx, func(jctx context.Context) error {
			close(running)
			<-jctx.Done()
			return jctx.Err()
		})
	}()
	<-running

	// Renewals fail for a while, but the lease has not lapsed on the
	// clock: the job goes on.
	claims.failing.Store(true)
	require.Eventually(t, func() bool { return claims.failures.Load() >= 2 }, 10*time.Second, 10*time.Millisecond)
	claims.failing.Store(false)
	select {
	case err := <-errc:
		t.Fatalf("job stopped on transient renewal failures: %v", err)
	default:
	}

	// The lease lapses on the clock and b takes it: a's job is stopped.
	clock.Add(int64(time.Hour))
	_, err := claims.Acquire(ctx, "poll/x", "b", now(), time.Minute)
	require.NoError(t, err)
	select {
	case err := <-errc:
		assert.ErrorIs(t, err, context.Canceled)
	case <-time.After(10 * time.Second):
		t.Fatal("the job kept running after its lease was taken")
	}
	h, ok, err := state.NewClaims(kv, "lease").Holder(ctx, "poll/x", now())
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, "b", h.Owner, "a's release did not free b's lease")
}
