package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/listen"
	"github.com/harkhq/hark/listen/listentest"
	"github.com/harkhq/hark/respond"
	"github.com/harkhq/hark/respond/surge"
	"github.com/harkhq/hark/sample"
	"github.com/harkhq/hark/score"
)

var t0 = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

func TestRing(t *testing.T) {
	r := newRing(time.Hour, 4, 2)
	r.add(t0, 0)
	r.add(t0.Add(30*time.Minute), 1)
	r.add(t0.Add(2*time.Hour), 0)
	start, w := r.window(t0.Add(3*time.Hour), 4)
	assert.Equal(t, t0, start)
	assert.Equal(t, [][]int32{{1, 1}, {0, 0}, {1, 0}, {0, 0}}, w)

	// Moving past the window forgets the oldest buckets; an event older
	// than the window is dropped.
	r.add(t0.Add(5*time.Hour), 1)
	r.add(t0, 0)
	start, w = r.window(t0.Add(5*time.Hour), 4)
	assert.Equal(t, t0.Add(2*time.Hour), start)
	assert.Equal(t, [][]int32{{1, 0}, {0, 0}, {0, 0}, {0, 1}}, w)

	// A jump far ahead clears everything.
	r.add(t0.Add(100*time.Hour), 0)
	_, w = r.window(t0.Add(100*time.Hour), 4)
	assert.Equal(t, [][]int32{{0, 0}, {0, 0}, {0, 0}, {1, 0}}, w)
	assert.Len(t, r.vals, 4, "the ring never grows")
}

func TestVClock(t *testing.T) {
	wall := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	c := &vclock{speed: 60, wall: func() time.Time { return wall }}
	c.saw(t0.Add(time.Hour))
	assert.Equal(t, t0.Add(time.Hour), c.now(), "before pacing, the latest post")
	c.pace(t0.Add(2*time.Hour), t0.Add(3*time.Hour))
	wall = wall.Add(30 * time.Second)
	assert.Equal(t, t0.Add(2*time.Hour+30*time.Minute), c.now(), "paced: 30 s at 60x")
	wall = wall.Add(time.Hour)
	assert.Equal(t, t0.Add(3*time.Hour), c.now(), "never past the replay's end")
	live := &vclock{live: true, wall: func() time.Time { return wall }}
	assert.Equal(t, wall, live.now())
}

func TestParseFrom(t *testing.T) {
	week := sample.Script().Start // a Monday
	for _, tc := range []struct {
		in      string
		want    time.Time
		wantErr bool
	}{
		{"", time.Time{}, false},
		{"fri 11:00", week.AddDate(0, 0, 4).Add(11 * time.Hour), false},
		{"Friday", week.AddDate(0, 0, 4), false},
		{"mon 00:30", week.Add(30 * time.Minute), false},
		{"2026-03-06T12:00:00Z", time.Date(2026, 3, 6, 12, 0, 0, 0, time.UTC), false},
		{"someday", time.Time{}, true},
		{"fri 25:00", time.Time{}, true},
	} {
		got, err := parseFrom(tc.in, week)
		if tc.wantErr {
			assert.Error(t, err, tc.in)
			continue
		}
		require.NoError(t, err, tc.in)
		assert.True(t, tc.want.Equal(got), "%s: %s", tc.in, got)
	}
}

func TestSafeURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://bsky.app/profile/a/post/1": "https://bsky.app/profile/a/post/1",
		"http://example.com/x?y=1":          "http://example.com/x?y=1",
		"javascript:alert(1)":               "",
		" JavaScript:alert(1)":              "",
		"data:text/html,<script>":           "",
		"//evil.example/x":                  "",
		"/relative":                         "",
		"vbscript:x":                        "",
		"https://":                          "",
	} {
		assert.Equal(t, want, safeURL(in), in)
	}
}

// TestBoardBounds feeds the board far more than it keeps and checks that
// every part of it stays within its bound.
func TestBoardBounds(t *testing.T) {
	b := newBoard(&vclock{wall: time.Now})
	none := func(string) surge.Status { return surge.Status{} }
	var alerts int
	for i := range 3000 {
		at := t0.Add(time.Duration(i) * time.Minute)
		p := hark.Post{ID: fmt.Sprintf("p%d", i), Source: fmt.Sprintf("src%d", i%100), Text: "help", Created: at}
		d := respond.Decision{PostID: p.ID, Priority: respond.Priority(fmt.Sprintf("P%d", 1+i%3)), Reply: "Hi",
			RespondBy: at.Add(time.Hour),
			Actions:   []respond.Action{{Kind: respond.ActReply, Template: "sorry"}, {Kind: respond.ActHold}}}
		rep := respond.Report{PostID: p.ID, Results: []respond.Result{{Action: d.Actions[0], Outcome: respond.OutHeld}}}
		var as []surge.Alert
		if i%2 == 0 {
			as = append(as, surge.Alert{Key: fmt.Sprintf("k%d", i), Kind: surge.KindVolume, At: at})
			alerts++
		}
		b.add(p, score.Result{Label: score.LabelNegative, Intent: "complaint"}, d, rep,
			[]string{"brand", fmt.Sprintf("key%d", i)}, as, none, replyStatus{})
		if i == 100 {
			_, err := b.hold("p100")
			require.NoError(t, err)
		}
	}
	assert.LessOrEqual(t, len(b.items), maxItems)
	assert.LessOrEqual(t, len(b.series), maxKeys)
	assert.Contains(t, b.series, "brand", "the brand's chart is never evicted")
	assert.LessOrEqual(t, len(b.alerts), maxAlerts)
	assert.LessOrEqual(t, len(b.recent), recentPosts)
	assert.LessOrEqual(t, len(b.platforms), 64)
	assert.Equal(t, alerts, b.alertsAll)
	assert.Contains(t, b.items, "p100", "the latest items people acted on are kept")

	s := b.view(t0.Add(3000 * time.Minute))
	assert.LessOrEqual(t, len(s.Queue), queueShown+handledShown)
	assert.LessOrEqual(t, len(s.Surges), chartsShown)
	assert.Equal(t, "brand", s.Surges[0].Key)
	assert.Len(t, s.Mood.Mood, moodHours)
	assert.Positive(t, s.Counts.Dropped+s.Counts.Missed, "what no longer fits is counted")
	for i := 1; i < len(s.Queue); i++ {
		assert.LessOrEqual(t, prioOrder(s.Queue[i-1].Priority), prioOrder(s.Queue[i].Priority), "P1 first")
	}
}

func TestFeedCountsRateLimits(t *testing.T) {
	src := listentest.NewFakeSource("fake", hark.Post{ID: "1", Text: "a"}, hark.Post{ID: "2", Text: "b"})
	src.Finite = true
	src.FailNext(&listen.RateLimitError{RetryAfter: 30 * time.Millisecond, Status: 429})
	f := &feed{name: "fake", src: src}
	var got []string
	f.stream(context.Background(), func(_ context.Context, p hark.Post) error {
		got = append(got, p.ID)
		return nil
	}, discard(), listen.WithPollInterval(time.Millisecond))
	assert.Equal(t, []string{"1", "2"}, got)
	assert.EqualValues(t, 1, f.rateLimits.Load())
	assert.GreaterOrEqual(t, time.Duration(f.waited.Load()), 30*time.Millisecond)
}

// TestLiveJSONL runs the command center on a live source (a JSONL file) and
// checks that its posts reach the board and its health shows.
func TestLiveJSONL(t *testing.T) {
	checkLeaks(t)
	posts := sample.Week()[:40]
	path := filepath.Join(t.TempDir(), "posts.jsonl")
	fh, err := os.Create(path)
	require.NoError(t, err)
	w := hark.NewWriter(fh)
	for _, p := range posts {
		require.NoError(t, w.Write(p))
	}
	require.NoError(t, w.Flush())
	require.NoError(t, fh.Close())

	srv := startServer(t, config{Live: liveFlags{jsonl: path}, Tick: 20 * time.Millisecond})
	require.Eventually(t, func() bool {
		srv.app.publish()
		s := state(t, srv.url)
		return s.Posts == len(posts) && s.Done
	}, 20*time.Second, 50*time.Millisecond)
	s := state(t, srv.url)
	assert.Equal(t, "live", s.Mode)
	require.Len(t, s.Health, 1)
	assert.Equal(t, "jsonl:"+path, s.Health[0].Name)
	assert.EqualValues(t, len(posts), s.Health[0].Delivered)
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
