package respond

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPacerAuthorPerDay(t *testing.T) {
	p := NewPacer(Pacing{AuthorPerDay: 2})
	dispT0 := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	a1 := p.Admit(dispT0, ActReply, "", "ann")
	a2 := p.Admit(dispT0.Add(time.Hour), ActReply, "", "ann")
	require.Equal(t, PaceAllow, a1.Verdict)
	require.Equal(t, PaceAllow, a2.Verdict)
	a3 := p.Admit(dispT0.Add(2*time.Hour), ActReply, "", "ann")
	assert.Equal(t, PaceDefer, a3.Verdict)
	assert.Equal(t, dispT0.Add(24*time.Hour), a3.NotBefore, "the window frees when the oldest reply is a day old")
	assert.Equal(t, "author per day", a3.Why)

	assert.Equal(t, PaceAllow, p.Admit(dispT0.Add(2*time.Hour), ActReply, "", "bob").Verdict, "per author")
	assert.Equal(t, PaceAllow, p.Admit(dispT0.Add(2*time.Hour), ActAlert, "", "ann").Verdict, "replies only")
	assert.Equal(t, PaceAllow, p.Admit(dispT0.Add(24*time.Hour+time.Second), ActReply, "", "ann").Verdict)

	// An exact sliding window: never more than N in any 24 hours.
	q := NewPacer(Pacing{AuthorPerDay: 3})
	var sent []time.Time
	for i := range 500 {
		now := dispT0.Add(time.Duration(i) * 17 * time.Minute)
		if q.Admit(now, ActReply, "", "x").Verdict == PaceAllow {
			sent = append(sent, now)
		}
	}
	for i := range sent {
		n := 0
		for _, s := range sent[i:] {
			if s.Sub(sent[i]) < 24*time.Hour {
				n++
			}
		}
		require.LessOrEqual(t, n, 3, "window from %v", sent[i])
	}
	assert.Greater(t, len(sent), 3*5, "the budget refills")

	// Cancel gives the budget back.
	c := NewPacer(Pacing{AuthorPerDay: 1})
	adm := c.Admit(dispT0, ActReply, "", "ann")
	require.Equal(t, PaceAllow, adm.Verdict)
	adm.Cancel()
	assert.Equal(t, PaceAllow, c.Admit(dispT0, ActReply, "", "ann").Verdict)
}

func TestPacerRates(t *testing.T) {
	dispT0 := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	p := NewPacer(Pacing{
		Account: Rate{Every: time.Minute, Burst: 2},
		Kinds:   map[ActionKind]Rate{ActAlert: {Every: 10 * time.Second, Burst: 1}},
	})
	assert.Equal(t, PaceAllow, p.Admit(dispT0, ActReply, "bluesky", "a").Verdict)
	assert.Equal(t, PaceAllow, p.Admit(dispT0, ActReply, "bluesky", "b").Verdict)
	d := p.Admit(dispT0, ActReply, "bluesky", "c")
	assert.Equal(t, PaceDefer, d.Verdict)
	assert.Equal(t, dispT0.Add(time.Minute), d.NotBefore)
	assert.Equal(t, "account rate", d.Why)
	assert.Equal(t, PaceAllow, p.Admit(dispT0, ActReply, "mastodon", "c").Verdict, "per account")
	assert.Equal(t, PaceAllow, p.Admit(dispT0.Add(time.Minute), ActReply, "bluesky", "c").Verdict)

	assert.Equal(t, PaceAllow, p.Admit(dispT0, ActAlert, "", "").Verdict)
	d = p.Admit(dispT0.Add(time.Second), ActAlert, "", "")
	assert.Equal(t, PaceDefer, d.Verdict)
	assert.Equal(t, dispT0.Add(10*time.Second), d.NotBefore)
	assert.Equal(t, PaceAllow, p.Admit(dispT0, ActRoute, "", "").Verdict, "kinds without a budget are free")

	// When one budget says no, the others are not spent.
	q := NewPacer(Pacing{Account: Rate{Every: time.Hour, Burst: 1}, AuthorPerDay: 1})
	require.Equal(t, PaceAllow, q.Admit(dispT0, ActReply, "acct", "ann").Verdict)
	require.Equal(t, PaceDefer, q.Admit(dispT0, ActReply, "acct2", "ann").Verdict, "author budget spent")
	assert.Equal(t, PaceAllow, q.Admit(dispT0, ActReply, "acct2", "bob").Verdict, "acct2 kept its token")

	var nilPacer *Pacer
	assert.Equal(t, PaceAllow, nilPacer.Admit(dispT0, ActReply, "a", "b").Verdict)
}

func TestQuietHours(t *testing.T) {
	ny := mustLoc(t, "America/New_York")
	night := QuietHours{Location: ny, Start: 22 * time.Hour, End: 7 * time.Hour}
	day := QuietHours{Location: ny, Start: 12 * time.Hour, End: 13 * time.Hour, Hold: true, Kinds: []ActionKind{ActAlert}}
	at := func(d, h, m int) time.Time { return time.Date(2026, 11, d, h, m, 0, 0, ny) }
	tests := []struct {
		q       QuietHours
		kind    ActionKind
		now     time.Time
		verdict Verdict
		until   time.Time
	}{
		{night, ActReply, at(25, 23, 30), PaceDefer, at(26, 7, 0)},
		{night, ActReply, at(26, 3, 0), PaceDefer, at(26, 7, 0)},
		{night, ActReply, at(26, 7, 0), PaceAllow, time.Time{}},
		{night, ActReply, at(25, 21, 59), PaceAllow, time.Time{}},
		{night, ActAlert, at(25, 23, 30), PaceAllow, time.Time{}},
		{day, ActAlert, at(25, 12, 30), PaceHold, time.Time{}},
		{day, ActReply, at(25, 12, 30), PaceAllow, time.Time{}},
		{QuietHours{Start: time.Hour, End: time.Hour}, ActReply, at(25, 1, 0), PaceAllow, time.Time{}},
	}
	for i, tt := range tests {
		a := NewPacer(Pacing{Quiet: tt.q}).Admit(tt.now, tt.kind, "acct", "ann")
		assert.Equal(t, tt.verdict, a.Verdict, "case %d", i)
		assert.True(t, a.NotBefore.Equal(tt.until), "case %d: %v", i, a.NotBefore)
	}
}
