package respond

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"
	_ "time/tzdata" // the property tests need zones whatever the host has

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// manualClock is a Clock a test moves by hand.
type manualClock struct {
	mu sync.Mutex
	t  time.Time
}

func newManualClock(t time.Time) *manualClock { return &manualClock{t: t} }

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *manualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func (c *manualClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func mustLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	require.NoError(t, err)
	return loc
}

func TestCalendarAddEdges(t *testing.T) {
	ny := mustLoc(t, "America/New_York")
	berlin := mustLoc(t, "Europe/Berlin")
	office := OfficeHours(ny, 9*time.Hour, 17*time.Hour)
	withHoliday := office
	withHoliday.Holidays = []Date{{2026, time.November, 30}} // a Monday
	de := OfficeHours(berlin, 9*time.Hour, 17*time.Hour)
	at := func(loc *time.Location, y int, m time.Month, d, h, min int) time.Time {
		return time.Date(y, m, d, h, min, 0, 0, loc)
	}
	tests := []struct {
		name  string
		cal   Calendar
		start time.Time
		d     time.Duration
		want  time.Time
	}{
		{"friday 16:45 + 30m is monday 09:15", office, at(ny, 2026, 11, 27, 16, 45), 30 * time.Minute, at(ny, 2026, 11, 30, 9, 15)},
		{"holiday monday moves to tuesday", withHoliday, at(ny, 2026, 11, 27, 16, 45), 30 * time.Minute, at(ny, 2026, 12, 1, 9, 15)},
		{"within the day", office, at(ny, 2026, 11, 25, 10, 0), 2 * time.Hour, at(ny, 2026, 11, 25, 12, 0)},
		{"exactly to close stays on close", office, at(ny, 2026, 11, 25, 16, 30), 30 * time.Minute, at(ny, 2026, 11, 25, 17, 0)},
		{"before opening starts at opening", office, at(ny, 2026, 11, 25, 6, 0), time.Hour, at(ny, 2026, 11, 25, 10, 0)},
		{"after closing starts next morning", office, at(ny, 2026, 11, 25, 20, 0), time.Hour, at(ny, 2026, 11, 26, 10, 0)},
		{"saturday starts monday", office, at(ny, 2026, 11, 28, 11, 0), time.Hour, at(ny, 2026, 11, 30, 10, 0)},
		{"zero at close is next opening", office, at(ny, 2026, 11, 27, 17, 0), 0, at(ny, 2026, 11, 30, 9, 0)},
		{"zero when open is start", office, at(ny, 2026, 11, 25, 12, 0), 0, at(ny, 2026, 11, 25, 12, 0)},
		{"two business days", office, at(ny, 2026, 11, 25, 9, 0), 16 * time.Hour, at(ny, 2026, 11, 26, 17, 0)},
		{"start given in UTC", office, time.Date(2026, 11, 27, 21, 45, 0, 0, time.UTC), 30 * time.Minute, at(ny, 2026, 11, 30, 9, 15)},
		// Europe/Berlin springs forward on 2026-03-29 (a Sunday); the
		// Friday before still runs 9-17 CET, Monday 9-17 CEST.
		{"across spring DST", de, at(berlin, 2026, 3, 27, 16, 0), 2 * time.Hour, at(berlin, 2026, 3, 30, 10, 0)},
		{"always open", Calendar{}, time.Date(2026, 11, 27, 16, 45, 0, 0, time.UTC), 30 * time.Minute, time.Date(2026, 11, 27, 17, 15, 0, 0, time.UTC)},
		// A 24/7 calendar in New York: the autumn night of 2026-11-01 has 25
		// hours, so 24h of clock time from midnight ends at 23:00 local.
		{"24/7 over fall back counts real time", Calendar{Location: ny}, at(ny, 2026, 11, 1, 0, 0), 24 * time.Hour, at(ny, 2026, 11, 1, 23, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.NoError(t, tt.cal.Validate())
			got := tt.cal.Add(tt.start, tt.d)
			assert.True(t, got.Equal(tt.want), "got %v want %v", got, tt.want)
			assert.Equal(t, max(tt.d, 0), tt.cal.Between(tt.start, got))
		})
	}
}

func TestCalendarValidate(t *testing.T) {
	bad := []Calendar{
		OfficeHours(nil, 17*time.Hour, 9*time.Hour),
		OfficeHours(nil, -time.Hour, 9*time.Hour),
		OfficeHours(nil, 9*time.Hour, 25*time.Hour),
		{Holidays: []Date{{2026, time.February, 30}}},
	}
	for i, c := range bad {
		assert.Error(t, c.Validate(), "case %d", i)
	}
	var never Calendar
	never.Week[time.Monday] = Hours{Open: 5 * time.Hour, Close: 5 * time.Hour}
	assert.ErrorIs(t, never.Validate(), ErrBadHours)
	assert.True(t, never.Add(time.Now(), time.Hour).IsZero(), "a calendar that never opens gives the zero time")
	assert.Zero(t, never.Between(time.Now(), time.Now().Add(time.Hour)))

	d, err := ParseDate("2026-12-25")
	require.NoError(t, err)
	assert.Equal(t, Date{2026, time.December, 25}, d)
	assert.Equal(t, "2026-12-25", d.String())
	_, err = ParseDate("25/12/2026")
	assert.Error(t, err)
}

// randomCalendar makes a valid calendar with minute-aligned hours.
func randomCalendar(r *rand.Rand, locs []*time.Location) Calendar {
	c := Calendar{Location: locs[r.IntN(len(locs))]}
	if r.IntN(8) == 0 {
		return c // all day
	}
	for wd := range 7 {
		if r.IntN(4) == 0 {
			continue // closed
		}
		open := time.Duration(r.IntN(20*60)) * time.Minute
		close := open + time.Duration(1+r.IntN(int((24*time.Hour-open)/time.Minute)))*time.Minute
		c.Week[wd] = Hours{open, close}
	}
	if c.allDay() {
		c.Week[time.Wednesday] = Hours{9 * time.Hour, 17 * time.Hour}
	}
	for range r.IntN(6) {
		c.Holidays = append(c.Holidays, Date{2026 + r.IntN(2), time.Month(1 + r.IntN(12)), 1 + r.IntN(28)})
	}
	return c
}

func TestCalendarProperties(t *testing.T) {
	locs := []*time.Location{time.UTC, mustLoc(t, "America/New_York"), mustLoc(t, "Europe/Berlin"),
		mustLoc(t, "Australia/Lord_Howe"), mustLoc(t, "Asia/Kolkata"), mustLoc(t, "Pacific/Chatham")}
	r := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 3000 {
		c := randomCalendar(r, locs)
		require.NoError(t, c.Validate())
		start := base.Add(time.Duration(r.Int64N(int64(2 * 365 * 24 * time.Hour))))
		d1 := time.Duration(r.Int64N(int64(60 * time.Hour)))
		d2 := time.Duration(1 + r.Int64N(int64(60*time.Hour)))
		a1 := c.Add(start, d1)
		a12 := c.Add(start, d1+d2)
		msg := fmt.Sprintf("case %d: cal %+v start %v d1 %v d2 %v", i, c, start, d1, d2)
		require.False(t, a1.Before(start), msg)
		require.Equal(t, d1, c.Between(start, a1), msg)
		require.Equal(t, d1+d2, c.Between(start, a12), msg)
		require.False(t, a12.Before(a1), "monotone: "+msg)
		require.True(t, c.Add(a1, d2).Equal(a12), "associative for d2 > 0: "+msg)
		// The last instant before a deadline with d > 0 is open: deadlines
		// end inside business hours or exactly at a close.
		require.True(t, c.IsOpen(a12.Add(-time.Nanosecond)), msg)
		if d1 > 0 {
			require.True(t, c.IsOpen(a1.Add(-time.Nanosecond)), msg)
		}
		require.True(t, c.IsOpen(c.NextOpen(start)), msg)
	}
}

// TestCalendarBruteForce counts minutes one by one and compares.
func TestCalendarBruteForce(t *testing.T) {
	locs := []*time.Location{time.UTC, mustLoc(t, "America/New_York"), mustLoc(t, "Europe/Berlin")}
	r := rand.New(rand.NewPCG(3, 4))
	// Around both 2026 DST changes in New York and Berlin, and elsewhere.
	bases := []time.Time{
		time.Date(2026, 3, 6, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 3, 27, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 10, 23, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 12, 20, 0, 0, 0, 0, time.UTC),
	}
	for i := range 150 {
		c := randomCalendar(r, locs)
		start := bases[r.IntN(len(bases))].Add(time.Duration(r.IntN(10*24*60)) * time.Minute)
		mins := 1 + r.IntN(3*24*60)
		var got time.Time
		n := 0
		for tt := start; ; tt = tt.Add(time.Minute) {
			if c.IsOpen(tt) {
				n++
				if n == mins {
					got = tt.Add(time.Minute)
					break
				}
			}
		}
		want := c.Add(start, time.Duration(mins)*time.Minute)
		require.True(t, want.Equal(got), "case %d: %+v from %v for %d min: Add %v, counted %v", i, c, start, mins, want, got)
	}
}

func slaForTest(loc *time.Location) BusinessSLA {
	return BusinessSLA{
		Calendar: OfficeHours(loc, 9*time.Hour, 17*time.Hour),
		Targets: map[Priority]Target{
			P1: {Within: time.Hour, AllHours: true},
			P3: {Within: 30 * time.Minute},
		},
	}
}

type eventLog struct {
	mu  sync.Mutex
	evs []SLAEvent
}

func (l *eventLog) add(_ context.Context, e SLAEvent) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.evs = append(l.evs, e)
	return nil
}

func (l *eventLog) kinds() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, e := range l.evs {
		out = append(out, string(e.Kind)+":"+e.Key)
	}
	return out
}

func TestSLADeadline(t *testing.T) {
	ny := mustLoc(t, "America/New_York")
	s := slaForTest(ny)
	fri := time.Date(2026, 11, 27, 16, 45, 0, 0, ny)
	var _ Deadliner = s
	d := s.Due(fri, P3)
	assert.True(t, d.Equal(time.Date(2026, 11, 30, 9, 15, 0, 0, ny)), d)
	d = s.Due(fri, P1)
	assert.True(t, d.Equal(fri.Add(time.Hour)), "P1 runs around the clock")
	assert.True(t, s.Due(fri, P4).IsZero())
}

func TestTrackerWarnAndBreach(t *testing.T) {
	ctx := context.Background()
	ny := mustLoc(t, "America/New_York")
	fri := time.Date(2026, 11, 27, 16, 45, 0, 0, ny)
	clk := newManualClock(fri)
	tr := NewTracker(slaForTest(ny), nil, clk)
	var log eventLog

	timer, err := tr.Start(ctx, "post-1", P3, time.Time{})
	require.NoError(t, err)
	// 75% of 30m is 22m30s: 15m on Friday, 7m30s on Monday.
	assert.True(t, timer.WarnAt.Equal(time.Date(2026, 11, 30, 9, 7, 30, 0, ny)), timer.WarnAt)
	assert.True(t, timer.DueAt.Equal(time.Date(2026, 11, 30, 9, 15, 0, 0, ny)), timer.DueAt)
	_, err = tr.Start(ctx, "post-2", P1, fri)
	require.NoError(t, err)
	_, err = tr.Start(ctx, "post-3", P4, fri)
	assert.ErrorIs(t, err, ErrNoTarget)

	clk.Set(fri.Add(44 * time.Minute))
	require.NoError(t, tr.Check(ctx, log.add))
	assert.Empty(t, log.kinds())
	clk.Set(fri.Add(45 * time.Minute))
	require.NoError(t, tr.Check(ctx, log.add))
	assert.Equal(t, []string{"warn:post-2"}, log.kinds())
	require.NoError(t, tr.Check(ctx, log.add))
	assert.Equal(t, []string{"warn:post-2"}, log.kinds(), "an event is delivered once")

	// The whole weekend passes; a late check delivers in order.
	clk.Set(time.Date(2026, 11, 30, 10, 0, 0, 0, ny))
	require.NoError(t, tr.Check(ctx, log.add))
	assert.Equal(t, []string{"warn:post-2", "breach:post-2", "warn:post-1", "breach:post-1"}, log.kinds())
	log.mu.Lock()
	assert.True(t, log.evs[3].At.Equal(time.Date(2026, 11, 30, 9, 15, 0, 0, ny)), "At is when the threshold was crossed")
	log.mu.Unlock()

	final, met, err := tr.Stop(ctx, "post-1")
	require.NoError(t, err)
	assert.False(t, met)
	assert.True(t, final.Breached)
	_, err = tr.Get(ctx, "post-1")
	assert.ErrorIs(t, err, ErrNoTimer)
}

func TestTrackerPauseResume(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	clk := newManualClock(start)
	tr := NewTracker(slaForTest(time.UTC), nil, clk)
	var log eventLog

	_, err := tr.Start(ctx, "c", P3, time.Time{})
	require.NoError(t, err)
	clk.Advance(10 * time.Minute)
	tm, err := tr.Pause(ctx, "c")
	require.NoError(t, err)
	assert.True(t, tm.Paused())
	assert.Equal(t, 10*time.Minute, tm.Used)
	assert.True(t, tm.Next.IsZero(), "a paused clock has nothing pending")
	_, err = tr.Pause(ctx, "c") // no-op
	require.NoError(t, err)

	clk.Advance(3 * time.Hour) // waiting on the customer
	require.NoError(t, tr.Check(ctx, log.add))
	assert.Empty(t, log.kinds())
	tm, err = tr.Resume(ctx, "c")
	require.NoError(t, err)
	resumed := start.Add(3*time.Hour + 10*time.Minute)
	assert.True(t, tm.WarnAt.Equal(resumed.Add(12*time.Minute+30*time.Second)), tm.WarnAt)
	assert.True(t, tm.DueAt.Equal(resumed.Add(20*time.Minute)), tm.DueAt)

	clk.Advance(15 * time.Minute)
	require.NoError(t, tr.Check(ctx, log.add))
	assert.Equal(t, []string{"warn:c"}, log.kinds())
	_, met, err := tr.Stop(ctx, "c")
	require.NoError(t, err)
	assert.True(t, met)
}

func TestTrackerPauseAfterThresholdKeepsEvent(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	clk := newManualClock(start)
	tr := NewTracker(slaForTest(time.UTC), nil, clk)
	var log eventLog
	_, err := tr.Start(ctx, "c", P3, time.Time{})
	require.NoError(t, err)
	clk.Advance(25 * time.Minute) // past the warning, nobody checked
	_, err = tr.Pause(ctx, "c")
	require.NoError(t, err)
	require.NoError(t, tr.Check(ctx, log.add))
	assert.Equal(t, []string{"warn:c"}, log.kinds(), "a crossed threshold is still delivered while paused")
	clk.Advance(time.Hour)
	_, err = tr.Resume(ctx, "c")
	require.NoError(t, err)
	clk.Advance(5 * time.Minute)
	require.NoError(t, tr.Check(ctx, log.add))
	assert.Equal(t, []string{"warn:c", "breach:c"}, log.kinds())
}

func TestTrackerCallbackErrorRedelivers(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	clk := newManualClock(start)
	store := new(MemTimerStore)
	tr := NewTracker(slaForTest(time.UTC), store, clk)
	_, err := tr.Start(ctx, "c", P1, time.Time{})
	require.NoError(t, err)
	clk.Advance(2 * time.Hour)
	boom := errors.New("pager down")
	err = tr.Check(ctx, func(context.Context, SLAEvent) error { return boom })
	assert.ErrorIs(t, err, boom)
	// A second tracker over the same store (a restart) delivers both.
	var log eventLog
	require.NoError(t, NewTracker(slaForTest(time.UTC), store, clk).Check(ctx, log.add))
	assert.Equal(t, []string{"warn:c", "breach:c"}, log.kinds())
	assert.Equal(t, 1, store.Len())
}

func TestTrackerRun(t *testing.T) {
	defer goleak.VerifyNone(t)
	start := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	clk := newManualClock(start)
	tr := NewTracker(slaForTest(time.UTC), nil, clk)
	ctx, cancel := context.WithCancel(context.Background())
	_, err := tr.Start(ctx, "c", P1, time.Time{})
	require.NoError(t, err)
	ticks := make(chan time.Time)
	events := make(chan SLAEvent, 4)
	done := make(chan error)
	go func() {
		done <- tr.Run(ctx, ticks, func(_ context.Context, e SLAEvent) error { events <- e; return nil })
	}()
	clk.Advance(50 * time.Minute)
	ticks <- clk.Now()
	assert.Equal(t, SLAWarn, (<-events).Kind)
	clk.Advance(10 * time.Minute)
	ticks <- clk.Now()
	assert.Equal(t, SLABreach, (<-events).Kind)
	cancel()
	assert.ErrorIs(t, <-done, context.Canceled)
}

func TestTrackerCallbackMayStop(t *testing.T) {
	ctx := context.Background()
	clk := newManualClock(time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC))
	tr := NewTracker(slaForTest(time.UTC), nil, clk)
	_, err := tr.Start(ctx, "c", P1, time.Time{})
	require.NoError(t, err)
	clk.Advance(2 * time.Hour)
	var got []SLAEventKind
	require.NoError(t, tr.Check(ctx, func(_ context.Context, e SLAEvent) error {
		got = append(got, e.Kind)
		_, _, err := tr.Stop(ctx, e.Key) // the case is closed on its first event
		return err
	}))
	assert.Equal(t, []SLAEventKind{SLAWarn}, got, "a stopped timer delivers nothing more")
}

func TestTrackerConcurrent(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := context.Background()
	clk := newManualClock(time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC))
	tr := NewTracker(slaForTest(time.UTC), nil, clk)
	var log eventLog
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				key := fmt.Sprintf("k%d", i%10)
				switch (i + w) % 4 {
				case 0:
					_, _ = tr.Start(ctx, key, P1, time.Time{})
				case 1:
					_, _ = tr.Pause(ctx, key)
				case 2:
					_, _ = tr.Resume(ctx, key)
				default:
					clk.Advance(time.Minute)
					assert.NoError(t, tr.Check(ctx, log.add))
				}
			}
		}()
	}
	wg.Wait()
	seen := map[string]int{}
	for _, k := range log.kinds() {
		seen[k]++
	}
	for k, n := range seen {
		assert.Equal(t, 1, n, "%s delivered once", k)
	}
}

func TestSLANotifier(t *testing.T) {
	ctx := context.Background()
	clk := newManualClock(time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC))
	tr := NewTracker(slaForTest(time.UTC), nil, clk)
	_, err := tr.Start(ctx, "p1", P1, time.Time{})
	require.NoError(t, err)
	var got []Message
	fail := true
	n := NotifierFunc(func(_ context.Context, m Message) error {
		got = append(got, m)
		if fail {
			return errors.New("down")
		}
		return nil
	})
	clk.Advance(time.Hour)
	require.Error(t, tr.Check(ctx, SLANotifier(n)))
	fail = false
	require.NoError(t, tr.Check(ctx, SLANotifier(n)))
	require.Len(t, got, 3, "the failed warning is delivered again, then the breach")
	assert.Equal(t, got[0].Key, got[1].Key, "a redelivered event keeps its key")
	assert.NotEqual(t, got[1].Key, got[2].Key)
	assert.Equal(t, "[P1] 75% of the SLA used: post p1", got[1].Subject)
	assert.Equal(t, "[P1] SLA breached: post p1", got[2].Subject)
	assert.Contains(t, got[2].Text, "due 2026-11-25T11:00:00Z")
	assert.Equal(t, ActAlert, got[2].Kind)
}
