package respond

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/harkhq/hark"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// epReply is what a scripted endpoint does with one request.
type epReply struct {
	status     int
	retryAfter string
	// hang makes the endpoint not answer until the client gives up; with
	// act, it acts on the request first (the receiver got it, the sender
	// never hears so).
	hang, act bool
	// delay answers after a real pause (a slow receiver).
	delay time.Duration
}

// hookEndpoint is a webhook receiver that checks signatures, acts on each
// idempotency key at most once (as a receiver honouring Idempotency-Key
// does), and counts what it saw.
type hookEndpoint struct {
	t      *testing.T
	srv    *httptest.Server
	secret []byte
	script func(n int) epReply
	stop   chan struct{}
	// unsigned accepts requests without a valid signature (Slack's).
	unsigned bool

	mu       sync.Mutex
	requests int
	perKey   map[string]int // requests per key
	acted    map[string]int // effects per key, after dedupe: at most 1
	bodies   map[string]Message
}

func newEndpoint(t *testing.T, script func(n int) epReply) *hookEndpoint {
	e := &hookEndpoint{t: t, secret: []byte("whsec"), script: script, stop: make(chan struct{}),
		perKey: map[string]int{}, acted: map[string]int{}, bodies: map[string]Message{}}
	e.srv = httptest.NewServer(http.HandlerFunc(e.serve))
	return e
}

func (e *hookEndpoint) Close() {
	close(e.stop)
	e.srv.Close()
}

func (e *hookEndpoint) serve(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	unsigned, script := e.unsigned, e.script
	e.mu.Unlock()
	var raw []byte
	if unsigned {
		raw, _ = io.ReadAll(r.Body)
	} else {
		var err error
		// The signatures carry the fake clock's time; the tolerance only
		// has to cover the distance to the real one.
		raw, err = VerifyRequest(e.secret, r, time.Now(), 24*time.Hour*365*10)
		if err != nil {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
	}
	key := r.Header.Get(IdempotencyHeader)
	e.mu.Lock()
	e.requests++
	n := e.requests
	e.perKey[key]++
	e.mu.Unlock()
	rep := epReply{status: 200}
	if script != nil {
		rep = script(n)
	}
	act := func() {
		e.mu.Lock()
		defer e.mu.Unlock()
		if e.acted[key] == 0 {
			e.acted[key] = 1
			var m Message
			_ = json.Unmarshal(raw, &m)
			e.bodies[key] = m
		}
	}
	if rep.hang {
		if rep.act {
			act()
		}
		select {
		case <-r.Context().Done():
		case <-e.stop:
		}
		return
	}
	if rep.delay > 0 {
		select {
		case <-time.After(rep.delay):
		case <-e.stop:
		}
	}
	if rep.status >= 200 && rep.status < 300 {
		act()
	}
	if rep.retryAfter != "" {
		w.Header().Set("Retry-After", rep.retryAfter)
	}
	w.WriteHeader(rep.status)
}

func (e *hookEndpoint) counts() (requests, keys, effects int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, n := range e.acted {
		effects += n
	}
	return e.requests, len(e.perKey), effects
}

func (e *hookEndpoint) notifier() *Webhook {
	return &Webhook{URL: e.srv.URL + "/hooks/SECRETTOKEN", Secret: e.secret, Client: e.srv.Client()}
}

// sleeper records the waits a dispatcher asks for and moves the clock
// instead of sleeping.
type sleeper struct {
	mu    sync.Mutex
	clk   *manualClock
	waits []time.Duration
}

func (s *sleeper) sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	s.waits = append(s.waits, d)
	s.mu.Unlock()
	s.clk.Advance(d)
	return nil
}

func (s *sleeper) Waits() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.waits...)
}

var dispT0 = time.Date(2026, 11, 25, 14, 0, 0, 0, time.UTC)

func newTestDispatcher(r Router, clk *manualClock, opts ...DispatchOption) (*Dispatcher, *sleeper) {
	s := &sleeper{clk: clk}
	base := []DispatchOption{WithDispatchClock(clk), WithSleep(s.sleep), WithJitterSeed(7),
		WithRetry(Retry{Attempts: 5, Base: time.Second, Max: 4 * time.Second})}
	return NewDispatcher(r, append(base, opts...)...), s
}

func outcomesOf(rep Report) []Outcome {
	out := make([]Outcome, len(rep.Results))
	for i, r := range rep.Results {
		out[i] = r.Outcome
	}
	return out
}

func TestDispatchSendsEachActionOnce(t *testing.T) {
	defer goleak.VerifyNone(t)
	ep := newEndpoint(t, nil)
	defer ep.Close()
	clk := newManualClock(dispT0)
	d, _ := newTestDispatcher(Routes{"*": ep.notifier()}, clk)
	dec := dispDecision("p1")
	ctx := context.Background()

	rep, err := d.Do(ctx, dec)
	require.NoError(t, err)
	assert.Equal(t, []Outcome{OutSent, OutSent, OutSent}, outcomesOf(rep))
	rep, err = d.Do(ctx, dec)
	require.NoError(t, err)
	assert.Equal(t, []Outcome{OutDuplicate, OutDuplicate, OutDuplicate}, outcomesOf(rep))
	req, keys, eff := ep.counts()
	assert.Equal(t, [3]int{3, 3, 3}, [3]int{req, keys, eff})
	for _, r := range rep.Results {
		m := ep.bodies[r.Key]
		assert.Equal(t, r.Key, m.Key)
		assert.Equal(t, r.Action.Kind, m.Kind)
	}
	assert.Equal(t, dec.Reply, ep.bodies[rep.Results[2].Key].Text)
}

func TestDispatchRetriesTransientFailures(t *testing.T) {
	defer goleak.VerifyNone(t)
	ep := newEndpoint(t, func(n int) epReply {
		if n <= 2 {
			return epReply{status: 500}
		}
		return epReply{status: 200}
	})
	defer ep.Close()
	clk := newManualClock(dispT0)
	d, s := newTestDispatcher(Routes{"alert": ep.notifier()}, clk)
	rep, err := d.Do(context.Background(), dispDecision("p1"))
	require.NoError(t, err)
	assert.Equal(t, []Outcome{OutSkipped, OutSent, OutSkipped}, outcomesOf(rep))
	assert.Equal(t, 3, rep.Results[1].Attempts)
	w := s.Waits()
	require.Len(t, w, 2)
	assert.True(t, w[0] >= 500*time.Millisecond && w[0] < time.Second, "first wait in [Base/2, Base): %v", w[0])
	assert.True(t, w[1] >= time.Second && w[1] < 2*time.Second, "second wait doubles: %v", w[1])
	_, _, eff := ep.counts()
	assert.Equal(t, 1, eff)
}

func TestDispatchBackoffIsCappedAndDeadLetters(t *testing.T) {
	defer goleak.VerifyNone(t)
	ep := newEndpoint(t, func(int) epReply { return epReply{status: 503} })
	defer ep.Close()
	clk := newManualClock(dispT0)
	var dl MemDeadLetter
	d, s := newTestDispatcher(Routes{"alert": ep.notifier()}, clk, WithDeadLetter(&dl))
	rep, err := d.Do(context.Background(), dispDecision("p1"))
	require.Error(t, err)
	r := rep.Results[1]
	assert.Equal(t, OutDeadLettered, r.Outcome)
	assert.Equal(t, 5, r.Attempts)
	caps := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second}
	w := s.Waits()
	require.Len(t, w, len(caps))
	for i, c := range caps {
		assert.True(t, w[i] >= c/2 && w[i] < c, "wait %d = %v, want in [%v, %v)", i, w[i], c/2, c)
	}
	require.Equal(t, 1, dl.Len())
	e := dl.Entries()[0]
	assert.Equal(t, r.Key, e.Message.Key)
	assert.Equal(t, 5, e.Attempts)
	assert.False(t, e.Permanent)
	assert.Contains(t, e.Err, "HTTP 503")

	// Nothing is lost for good: the key was released, and once the
	// endpoint recovers a new dispatch of the decision delivers it.
	ep.mu.Lock()
	ep.script = nil
	ep.mu.Unlock()
	rep, err = d.Do(context.Background(), dispDecision("p1"))
	require.NoError(t, err)
	assert.Equal(t, OutSent, rep.Results[1].Outcome)
	_, _, eff := ep.counts()
	assert.Equal(t, 1, eff)
}

func TestDispatchRateLimited(t *testing.T) {
	defer goleak.VerifyNone(t)
	ep := newEndpoint(t, func(n int) epReply {
		switch n {
		case 1:
			return epReply{status: 429, retryAfter: "7"}
		case 2:
			return epReply{status: 429, retryAfter: "3600"}
		}
		return epReply{status: 200}
	})
	defer ep.Close()
	clk := newManualClock(dispT0)
	d, s := newTestDispatcher(Routes{"alert": ep.notifier()}, clk)
	ctx := context.Background()
	rep, err := d.Do(ctx, dispDecision("p1"))
	require.NoError(t, err)
	r := rep.Results[1]
	assert.Equal(t, []time.Duration{7 * time.Second}, s.Waits(), "Retry-After is honoured")
	assert.Equal(t, OutDeferred, r.Outcome, "a Retry-After beyond MaxRetryAfter defers")
	assert.Equal(t, dispT0.Add(7*time.Second+time.Hour), r.NotBefore)
	assert.Equal(t, 2, r.Attempts)

	clk.Set(r.NotBefore)
	rep, err = d.Do(ctx, dispDecision("p1"))
	require.NoError(t, err)
	assert.Equal(t, OutSent, rep.Results[1].Outcome)
	req, _, eff := ep.counts()
	assert.Equal(t, 3, req)
	assert.Equal(t, 1, eff)
}

func TestDispatchPermanentFailureIsNotRetried(t *testing.T) {
	defer goleak.VerifyNone(t)
	ep := newEndpoint(t, func(int) epReply { return epReply{status: 410} })
	defer ep.Close()
	clk := newManualClock(dispT0)
	var dl MemDeadLetter
	var logs bytes.Buffer
	d, s := newTestDispatcher(Routes{"alert": ep.notifier()}, clk, WithDeadLetter(&dl),
		WithLogger(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	rep, err := d.Do(context.Background(), dispDecision("p1"))
	require.Error(t, err)
	assert.Equal(t, OutDeadLettered, rep.Results[1].Outcome)
	assert.Equal(t, 1, rep.Results[1].Attempts)
	assert.Empty(t, s.Waits())
	require.Equal(t, 1, dl.Len())
	assert.True(t, dl.Entries()[0].Permanent)
	assert.Contains(t, logs.String(), `"outcome":"dead_lettered"`)
}

// TestDispatchNeverLeaksSecrets: webhook URLs carry tokens; neither the
// logs, nor the report's errors, nor the dead letter may show them, and the
// logs do not carry the post's text.
func TestDispatchNeverLeaksSecrets(t *testing.T) {
	defer goleak.VerifyNone(t)
	ep := newEndpoint(t, func(int) epReply { return epReply{hang: true} })
	defer ep.Close()
	clk := newManualClock(dispT0)
	var dl MemDeadLetter
	var logs bytes.Buffer
	ep.mu.Lock()
	ep.unsigned = true // Slack sends no signature
	ep.mu.Unlock()
	refused := &Webhook{URL: "http://127.0.0.1:1/hooks/SECRETTOKEN?sig=SECRETTOKEN", Secret: []byte("whsec"),
		Client: ep.srv.Client()}
	slack := &Slack{URL: ep.srv.URL + "/services/T0/B0/SECRETTOKEN", Client: ep.srv.Client()}
	d, _ := newTestDispatcher(Routes{"alert": refused, "route": slack}, clk, WithDeadLetter(&dl),
		WithAttemptTimeout(50*time.Millisecond), WithRetry(Retry{Attempts: 2}),
		WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	rep, err := d.Do(context.Background(), dispDecision("p1"))
	require.Error(t, err)
	assert.Equal(t, []Outcome{OutDeadLettered, OutDeadLettered, OutSkipped}, outcomesOf(rep))
	assert.NotContains(t, err.Error(), "SECRETTOKEN")
	for _, r := range rep.Results {
		if r.Err != nil {
			assert.NotContains(t, r.Err.Error(), "SECRETTOKEN")
		}
	}
	require.Equal(t, 2, dl.Len())
	for _, e := range dl.Entries() {
		assert.NotContains(t, e.Err, "SECRETTOKEN")
		assert.NotContains(t, e.Notifier, "SECRETTOKEN")
		assert.NotContains(t, e.Message.Text, "whsec")
	}
	assert.NotEmpty(t, logs.String())
	assert.NotContains(t, logs.String(), "SECRETTOKEN")
	assert.NotContains(t, logs.String(), "charged twice", "message text is not logged")
	assert.Contains(t, err.Error(), "deadline exceeded", "the cause survives redaction")
}

// TestDispatchTimeoutAfterReceiverActed: the receiver acts on the request
// but the answer never arrives; the retry carries the same key and the
// receiver's dedupe keeps the effect single.
func TestDispatchTimeoutAfterReceiverActed(t *testing.T) {
	defer goleak.VerifyNone(t)
	ep := newEndpoint(t, func(n int) epReply {
		if n == 1 {
			return epReply{hang: true, act: true}
		}
		return epReply{status: 200}
	})
	defer ep.Close()
	clk := newManualClock(dispT0)
	d, _ := newTestDispatcher(Routes{"alert": ep.notifier()}, clk, WithAttemptTimeout(300*time.Millisecond))
	rep, err := d.Do(context.Background(), dispDecision("p1"))
	require.NoError(t, err)
	assert.Equal(t, OutSent, rep.Results[1].Outcome)
	assert.GreaterOrEqual(t, rep.Results[1].Attempts, 2)
	req, keys, eff := ep.counts()
	assert.Equal(t, rep.Results[1].Attempts, req, "at-least-once: the endpoint saw the key on every attempt")
	assert.Equal(t, 1, keys)
	assert.Equal(t, 1, eff, "exactly-once in effect")
}

func TestDispatchSlowEndpoint(t *testing.T) {
	defer goleak.VerifyNone(t)
	ep := newEndpoint(t, func(int) epReply { return epReply{status: 200, delay: 30 * time.Millisecond} })
	defer ep.Close()
	clk := newManualClock(dispT0)
	d, s := newTestDispatcher(Routes{"*": ep.notifier()}, clk, WithAttemptTimeout(5*time.Second))
	rep, err := d.Do(context.Background(), dispDecision("p1"))
	require.NoError(t, err)
	assert.Equal(t, 3, rep.Count(OutSent))
	assert.Empty(t, s.Waits(), "a slow answer within the timeout is not retried")
}

// crashLedger fails MarkSent: the process "dies" after the notifier
// accepted a message and before the ledger recorded it.
type crashLedger struct {
	Ledger
	crash bool
}

func (l *crashLedger) MarkSent(ctx context.Context, key, owner string, at time.Time) error {
	if l.crash {
		return errors.New("killed before the ledger write")
	}
	return l.Ledger.MarkSent(ctx, key, owner, at)
}

func TestDispatchCrashBetweenSendAndRecord(t *testing.T) {
	defer goleak.VerifyNone(t)
	ep := newEndpoint(t, nil)
	defer ep.Close()
	clk := newManualClock(dispT0)
	shared := new(MemLedger)
	dec := dispDecision("p1")
	dec.Actions = dec.Actions[1:2] // one alert
	ctx := context.Background()

	first, _ := newTestDispatcher(Routes{"*": ep.notifier()}, clk, WithWorker("w1"),
		WithLedger(&crashLedger{Ledger: shared, crash: true}), WithLeaseTTL(time.Minute))
	rep, err := first.Do(ctx, dec)
	require.Error(t, err, "the lost record is reported")
	assert.Equal(t, OutSent, rep.Results[0].Outcome)
	e, _ := shared.Get(rep.Results[0].Key)
	assert.Equal(t, LedgerPending, e.State)

	// A new worker over the same ledger while w1's lease is live does not
	// send: w1 might still record it.
	second, _ := newTestDispatcher(Routes{"*": ep.notifier()}, clk, WithWorker("w2"),
		WithLedger(shared), WithLeaseTTL(time.Minute))
	rep, err = second.Do(ctx, dec)
	require.NoError(t, err)
	assert.Equal(t, OutInFlight, rep.Results[0].Outcome)

	// Once the lease lapses, the new worker resumes: it sends again with
	// the same key, and the receiver's dedupe keeps one effect.
	clk.Advance(61 * time.Second)
	rep, err = second.Do(ctx, dec)
	require.NoError(t, err)
	assert.Equal(t, OutSent, rep.Results[0].Outcome)
	req, keys, eff := ep.counts()
	assert.Equal(t, [3]int{2, 1, 1}, [3]int{req, keys, eff})

	// Recorded now: no dispatcher over this ledger sends it again.
	third, _ := newTestDispatcher(Routes{"*": ep.notifier()}, clk, WithWorker("w3"), WithLedger(shared))
	clk.Advance(time.Hour)
	rep, err = third.Do(ctx, dec)
	require.NoError(t, err)
	assert.Equal(t, OutDuplicate, rep.Results[0].Outcome)
	req, _, _ = ep.counts()
	assert.Equal(t, 2, req)
}

func TestDispatchConcurrentSameDecision(t *testing.T) {
	defer goleak.VerifyNone(t)
	ep := newEndpoint(t, func(int) epReply { return epReply{status: 200, delay: 5 * time.Millisecond} })
	defer ep.Close()
	clk := newManualClock(dispT0)
	ledger := new(MemLedger)
	claims := new(MemClaims)
	a, _ := newTestDispatcher(Routes{"*": ep.notifier()}, clk, WithLedger(ledger), WithClaims(claims), WithWorker("a"))
	b, _ := newTestDispatcher(Routes{"*": ep.notifier()}, clk, WithLedger(ledger), WithClaims(claims), WithWorker("b"))
	dec := dispDecision("p1")
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := map[Outcome]int{}
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := a
			if i%2 == 1 {
				d = b
			}
			rep, err := d.Do(context.Background(), dec)
			assert.NoError(t, err)
			mu.Lock()
			for _, r := range rep.Results {
				total[r.Outcome]++
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	req, keys, eff := ep.counts()
	assert.Equal(t, 3, req, "each action was sent exactly once")
	assert.Equal(t, 3, keys)
	assert.Equal(t, 3, eff)
	assert.Equal(t, 3, total[OutSent])
	assert.Equal(t, 40*3-3, total[OutDuplicate]+total[OutInFlight]+total[OutClaimed])
}

func TestDispatchClaims(t *testing.T) {
	ctx := context.Background()
	clk := newManualClock(dispT0)
	var mu sync.Mutex
	var sent []string
	rec := NotifierFunc(func(_ context.Context, m Message) error {
		mu.Lock()
		defer mu.Unlock()
		sent = append(sent, m.PostID)
		return nil
	})
	claims := new(MemClaims)
	ledger := new(MemLedger)
	a, _ := newTestDispatcher(Routes{"reply": rec}, clk, WithClaims(claims), WithLedger(ledger), WithWorker("a"),
		WithClaimTTL(10*time.Minute))
	b, _ := newTestDispatcher(Routes{"reply": rec}, clk, WithClaims(claims), WithLedger(ledger), WithWorker("b"),
		WithClaimTTL(10*time.Minute))
	p1 := dispDecision("p1")
	p2 := dispDecision("p2")
	p2.Case.Post.ThreadID = p1.Case.Post.ThreadID // same conversation

	rep, _ := a.Do(ctx, p1)
	assert.Equal(t, OutSent, rep.Results[2].Outcome)
	rep, _ = b.Do(ctx, p2)
	assert.Equal(t, OutClaimed, rep.Results[2].Outcome, "worker b may not reply in a's thread")
	rep, _ = a.Do(ctx, p2)
	assert.Equal(t, OutSent, rep.Results[2].Outcome, "the holder replies again")

	// A person takes the thread: no bot replies there.
	p3 := dispDecision("p3")
	_, err := claims.Acquire(ctx, "bluesky:t-p3", "agent:alice", clk.Now(), time.Hour)
	require.NoError(t, err)
	rep, _ = a.Do(ctx, p3)
	assert.Equal(t, OutClaimed, rep.Results[2].Outcome)
	e, _ := ledger.Get(rep.Results[2].Key)
	assert.Empty(t, e.Owner, "a claimed reply releases its ledger key for later")

	clk.Advance(11 * time.Minute)
	rep, _ = b.Do(ctx, p2)
	assert.Equal(t, OutDuplicate, rep.Results[2].Outcome)
	p4 := dispDecision("p4")
	p4.Case.Post.ThreadID = p1.Case.Post.ThreadID
	rep, _ = b.Do(ctx, p4)
	assert.Equal(t, OutSent, rep.Results[2].Outcome, "a lapsed claim frees the thread")
	assert.Equal(t, []string{"p1", "p2", "p4"}, sent)
}

func TestDispatchStale(t *testing.T) {
	ctx := context.Background()
	clk := newManualClock(dispT0)
	var n int
	rec := NotifierFunc(func(context.Context, Message) error { n++; return nil })
	stale := true
	var asked []string
	claims := new(MemClaims)
	d, _ := newTestDispatcher(Routes{"*": rec}, clk, WithClaims(claims), WithStale(func(_ context.Context, dec Decision) (bool, error) {
		asked = append(asked, dec.PostID)
		return stale, nil
	}))
	rep, err := d.Do(ctx, dispDecision("p1"))
	require.NoError(t, err)
	assert.Equal(t, []Outcome{OutSent, OutSent, OutStale}, outcomesOf(rep), "only replies are checked")
	assert.Equal(t, []string{"p1"}, asked)
	_, held := claims.Holder("bluesky:t-p1", clk.Now())
	assert.False(t, held, "a stale reply releases its claim")
	stale = false
	rep, err = d.Do(ctx, dispDecision("p1"))
	require.NoError(t, err)
	assert.Equal(t, []Outcome{OutDuplicate, OutDuplicate, OutSent}, outcomesOf(rep))
	assert.Equal(t, 3, n)

	d2, _ := newTestDispatcher(Routes{"*": rec}, clk, WithStale(func(context.Context, Decision) (bool, error) {
		return false, errors.New("thread API down")
	}))
	rep, err = d2.Do(ctx, dispDecision("p2"))
	assert.ErrorContains(t, err, "thread API down")
	assert.Equal(t, OutFailed, rep.Results[2].Outcome)
}

func TestDispatchPacing(t *testing.T) {
	ctx := context.Background()
	ny := mustLoc(t, "America/New_York")
	clk := newManualClock(time.Date(2026, 11, 25, 12, 0, 0, 0, ny))
	var n int
	rec := NotifierFunc(func(context.Context, Message) error { n++; return nil })
	p := NewPacer(Pacing{AuthorPerDay: 2, Quiet: QuietHours{Location: ny, Start: 22 * time.Hour, End: 7 * time.Hour}})
	d, _ := newTestDispatcher(Routes{"reply": rec}, clk, WithPacer(p))
	replyOutcome := func(id string) Result {
		rep, err := d.Do(ctx, dispDecision(id))
		require.NoError(t, err)
		return rep.Results[2]
	}
	assert.Equal(t, OutSent, replyOutcome("p1").Outcome)
	assert.Equal(t, OutSent, replyOutcome("p2").Outcome)
	r := replyOutcome("p3")
	assert.Equal(t, OutDeferred, r.Outcome, "two auto-replies per author per day")
	assert.True(t, r.NotBefore.Equal(clk.Now().Add(24*time.Hour)))

	clk.Set(time.Date(2026, 11, 26, 23, 0, 0, 0, ny))
	r = replyOutcome("p3")
	assert.Equal(t, OutDeferred, r.Outcome, "quiet hours")
	assert.True(t, r.NotBefore.Equal(time.Date(2026, 11, 27, 7, 0, 0, 0, ny)), r.NotBefore)
	clk.Set(r.NotBefore)
	assert.Equal(t, OutSent, replyOutcome("p3").Outcome)
	assert.Equal(t, 3, n)

	hold := NewPacer(Pacing{Quiet: QuietHours{Location: ny, Start: 22 * time.Hour, End: 7 * time.Hour, Hold: true}})
	dh, _ := newTestDispatcher(Routes{"reply": rec}, clk, WithPacer(hold))
	clk.Set(time.Date(2026, 11, 27, 23, 0, 0, 0, ny))
	rep, err := dh.Do(ctx, dispDecision("p9"))
	require.NoError(t, err)
	assert.Equal(t, OutHeld, rep.Results[2].Outcome)
	assert.Equal(t, 3, n)
}

func TestDispatchHoldAndSkip(t *testing.T) {
	ctx := context.Background()
	clk := newManualClock(dispT0)
	var got []Message
	rec := NotifierFunc(func(_ context.Context, m Message) error { got = append(got, m); return nil })
	d, _ := newTestDispatcher(Routes{"hold": rec, "reply": rec}, clk)
	dec := dispDecision("p1")
	dec.Actions = append(dec.Actions, Action{Kind: ActHold, Reason: "vip author", Rule: "vip"})
	rep, err := d.Do(ctx, dec)
	require.NoError(t, err)
	assert.Equal(t, []Outcome{OutSkipped, OutSkipped, OutHeld, OutSent}, outcomesOf(rep))
	require.Len(t, got, 1)
	assert.Equal(t, ActHold, got[0].Kind)
	assert.Contains(t, got[0].Text, "draft reply: "+dec.Reply)

	noText := dispDecision("p2")
	noText.Reply = ""
	rep, err = d.Do(ctx, noText)
	require.NoError(t, err)
	assert.Equal(t, OutSkipped, rep.Results[2].Outcome)
}

func TestRoutes(t *testing.T) {
	named := func(s string) Notifier {
		return NotifierFunc(func(context.Context, Message) error { return errors.New(s) })
	}
	r := Routes{"alert:#crisis": named("pager"), "alert": named("slack"), "route:billing": named("billing"), "*": named("any")}
	name := func(a Action) string {
		n := r.Route(a)
		if n == nil {
			return ""
		}
		return n.Notify(context.Background(), Message{}).Error()
	}
	assert.Equal(t, "pager", name(Action{Kind: ActAlert, Channel: "#crisis"}))
	assert.Equal(t, "slack", name(Action{Kind: ActAlert, Channel: "#support"}))
	assert.Equal(t, "billing", name(Action{Kind: ActRoute, Team: "billing"}))
	assert.Equal(t, "any", name(Action{Kind: ActRoute, Team: "sales"}))
	assert.Nil(t, Routes{"alert": named("x")}.Route(Action{Kind: ActTag, Tag: "t"}))
	rf := RouterFunc(func(a Action) Notifier { return named(string(a.Kind)) })
	assert.Equal(t, "tag", rf.Route(Action{Kind: ActTag}).Notify(context.Background(), Message{}).Error())
}

// failLedger fails every call.
type failLedger struct{}

func (failLedger) Reserve(context.Context, string, string, time.Time, time.Duration) (LedgerEntry, bool, error) {
	return LedgerEntry{}, false, errors.New("ledger down")
}
func (failLedger) MarkSent(context.Context, string, string, time.Time) error {
	return errors.New("ledger down")
}
func (failLedger) Release(context.Context, string, string) error { return errors.New("ledger down") }

func TestDispatchFailures(t *testing.T) {
	clk := newManualClock(dispT0)
	var n int
	rec := NotifierFunc(func(context.Context, Message) error { n++; return errors.New("flaky") })
	d, _ := newTestDispatcher(Routes{"*": rec}, clk, WithLedger(failLedger{}))
	rep, err := d.Do(context.Background(), dispDecision("p1"))
	assert.ErrorContains(t, err, "ledger down")
	assert.Equal(t, []Outcome{OutFailed, OutFailed, OutFailed}, outcomesOf(rep))
	assert.Zero(t, n, "nothing is sent without a reservation")

	// ctx ends while waiting between attempts: the action fails, its key
	// is released, and nothing is dead-lettered.
	ctx, cancel := context.WithCancel(context.Background())
	ledger := new(MemLedger)
	var dl MemDeadLetter
	d, _ = newTestDispatcher(Routes{"alert": rec}, clk, WithLedger(ledger), WithDeadLetter(&dl),
		WithSleep(func(ctx context.Context, _ time.Duration) error { cancel(); return ctx.Err() }))
	rep, err = d.Do(ctx, dispDecision("p2"))
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, OutFailed, rep.Results[1].Outcome)
	e, _ := ledger.Get(rep.Results[1].Key)
	assert.Empty(t, e.Owner, "released")
	assert.Zero(t, dl.Len())

	rep, err = d.Do(ctx, dispDecision("p3"))
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, OutFailed, rep.Results[1].Outcome)
}

func TestDispatchEmail(t *testing.T) {
	defer goleak.VerifyNone(t)
	srv := newFakeSMTP(t)
	defer srv.Close()
	srv.dataReplies = []string{"421 busy"}
	clk := newManualClock(dispT0)
	mail := &Email{Addr: srv.ln.Addr().String(), From: "hark@acme.example", To: []string{"team@acme.example"}, Clock: clk}
	d, s := newTestDispatcher(Routes{"route": mail}, clk)
	rep, err := d.Do(context.Background(), dispDecision("p1"))
	require.NoError(t, err)
	assert.Equal(t, OutSent, rep.Results[0].Outcome)
	assert.Equal(t, 2, rep.Results[0].Attempts, "a 4xx reply is retried")
	assert.Len(t, s.Waits(), 1)
	mails := srv.Mails()
	require.Len(t, mails, 1)
	assert.Contains(t, mails[0].Data, "Message-ID: <"+rep.Results[0].Key+"@acme.example>")
}

func TestDispatchAccountAndAuthorKeys(t *testing.T) {
	clk := newManualClock(dispT0)
	rec := NotifierFunc(func(context.Context, Message) error { return nil })
	p := NewPacer(Pacing{Account: Rate{Every: time.Hour, Burst: 1}})
	var accounts []string
	d, _ := newTestDispatcher(Routes{"reply": rec}, clk, WithPacer(p), WithAccount(func(dec Decision, _ Action) string {
		accounts = append(accounts, "brand-"+dec.Case.Post.Source)
		return "brand-" + dec.Case.Post.Source
	}))
	dec := dispDecision("p1")
	rep, _ := d.Do(context.Background(), dec)
	assert.Equal(t, OutSent, rep.Results[2].Outcome)
	dec2 := dispDecision("p2")
	dec2.Case.Post.Author = hark.Author{Handle: "@other"}
	rep, _ = d.Do(context.Background(), dec2)
	assert.Equal(t, OutDeferred, rep.Results[2].Outcome, "one reply per hour on the brand account")
	assert.Equal(t, []string{"brand-bluesky", "brand-bluesky"}, accounts)
}

func TestDispatchRunsSLAClocks(t *testing.T) {
	ctx := context.Background()
	clk := newManualClock(dispT0)
	tr := NewTracker(slaForTest(time.UTC), nil, clk)
	fail := true
	rec := NotifierFunc(func(context.Context, Message) error {
		if fail {
			return Permanent(errors.New("down"))
		}
		return nil
	})
	d, _ := newTestDispatcher(Routes{"reply": rec}, clk, WithTracker(tr))
	dec := dispDecision("p1")
	dec.Priority = P1
	dec.Case.Post.Created = dispT0.Add(-10 * time.Minute)
	_, err := d.Do(ctx, dec)
	require.Error(t, err)
	tm, err := tr.Get(ctx, "p1")
	require.NoError(t, err, "the clock runs while the reply failed")
	assert.Equal(t, dispT0.Add(-10*time.Minute), tm.Started, "counted from the post")

	fail = false
	clk.Advance(20 * time.Minute)
	_, err = d.Do(ctx, dec)
	require.NoError(t, err)
	_, err = tr.Get(ctx, "p1")
	assert.ErrorIs(t, err, ErrNoTimer, "the sent reply stopped the clock")
	_, err = d.Do(ctx, dec)
	require.NoError(t, err)
	_, err = tr.Get(ctx, "p1")
	assert.ErrorIs(t, err, ErrNoTimer, "dispatching the answered decision again starts no clock")

	noTarget := dispDecision("p2")
	noTarget.Priority = P4
	_, err = d.Do(ctx, noTarget)
	assert.NoError(t, err, "a priority without a target is not timed")
}

func TestDispatchNeedsPostID(t *testing.T) {
	var n int
	rec := NotifierFunc(func(context.Context, Message) error { n++; return nil })
	d, _ := newTestDispatcher(Routes{"*": rec}, newManualClock(dispT0))
	dec := dispDecision("p1")
	dec.PostID = ""
	rep, err := d.Do(context.Background(), dec)
	assert.ErrorIs(t, err, ErrNoPostID)
	assert.Equal(t, []Outcome{OutFailed, OutFailed, OutFailed}, outcomesOf(rep))
	assert.Zero(t, n)
}
