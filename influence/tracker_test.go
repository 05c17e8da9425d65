package influence

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/score"
)

func track(t testing.TB, w week, opts ...Option) *Tracker {
	t.Helper()
	tr := NewTracker(append([]Option{WithBrandAccounts("@acme")}, opts...)...)
	for _, x := range w.posts {
		require.NoError(t, tr.Observe(x.p, x.s))
	}
	_, err := tr.Rank(context.Background())
	require.NoError(t, err)
	return tr
}

func byKey(scores []AuthorScore) map[string]AuthorScore {
	m := map[string]AuthorScore{}
	for _, s := range scores {
		m[s.Author] = s
	}
	return m
}

func TestRolesOnGeneratedWeek(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			w := genWeek(seed)
			tr := track(t, w)
			all, err := tr.Top(0)
			require.NoError(t, err)
			m := byKey(all)

			top := make([]string, 0, len(w.stars))
			for _, s := range all[:len(w.stars)] {
				top = append(top, s.Author)
			}
			assert.ElementsMatch(t, w.stars, top, "the stars lead")
			for _, k := range w.stars {
				assert.Greater(t, m[k].Influence, 60.0, k)
				assert.LessOrEqual(t, m[k].Rank, 5, k)
				assert.Less(t, m[k].Bot, 0.2, k)
			}
			for _, k := range w.advocates {
				assert.Equal(t, StandingAdvocate, m[k].Standing, k)
			}
			for _, k := range w.detractors {
				assert.Equal(t, StandingDetractor, m[k].Standing, k)
			}
			for _, k := range w.firstComplainers {
				assert.Equal(t, StandingNeutral, m[k].Standing, k)
				assert.True(t, hasReason(m[k], "standing_unsettled"), k)
			}
			for _, k := range w.helpers {
				assert.True(t, m[k].Helper, k)
			}
			helpers := 0
			for _, s := range all {
				if s.Helper {
					helpers++
				}
			}
			assert.Equal(t, len(w.helpers), helpers, "only the helpers help")
			for _, k := range w.bots {
				assert.GreaterOrEqual(t, m[k].Bot, 0.8, k)
				assert.Less(t, m[k].Influence, 10.0, k)
			}
			for _, s := range all {
				if !slices.Contains(w.bots, s.Author) {
					assert.Less(t, s.Bot, 0.5, s.Author)
				}
				assert.NotEmpty(t, s.Reasons, s.Author)
				assert.True(t, s.Influence >= 0 && s.Influence <= 100, s.Author)
				assert.NotEqual(t, "@acme", s.Author, "brand accounts are left out of Top")
			}
			// The brand is scored when asked, and flagged.
			b := tr.Score(hark.Author{Handle: "@acme"})
			assert.True(t, b.Brand)
			assert.Equal(t, StandingNeutral, b.Standing)
		})
	}
}

func hasReason(s AuthorScore, code string) bool {
	return slices.ContainsFunc(s.Reasons, func(r hark.Reason) bool { return r.Code == code })
}

func TestDeterministic(t *testing.T) {
	w := genWeek(9)
	a := track(t, w, WithRankOptions(RankOptions{Workers: 1}))
	b := track(t, w, WithRankOptions(RankOptions{Workers: 3}))
	ta, err := a.Top(0)
	require.NoError(t, err)
	tb, err := b.Top(0)
	require.NoError(t, err)
	ja, _ := json.Marshal(ta)
	jb, _ := json.Marshal(tb)
	assert.JSONEq(t, string(ja), string(jb))
}

func TestRedeliveryChangesNothing(t *testing.T) {
	w := genWeek(4)
	a := track(t, w)
	tr := NewTracker(WithBrandAccounts("@acme"))
	for _, x := range w.posts {
		require.NoError(t, tr.Observe(x.p, x.s))
		require.NoError(t, tr.Observe(x.p, x.s)) // at-least-once delivery
	}
	_, err := tr.Rank(context.Background())
	require.NoError(t, err)
	for _, k := range append(w.stars, w.advocates...) {
		assert.Equal(t, a.Score(hark.Author{ID: k}), tr.Score(hark.Author{ID: k}), k)
	}
}

func TestFresherMetricsAddOnlyTheGain(t *testing.T) {
	tr := NewTracker()
	a := author("x", 1000, 100, t0.AddDate(-2, 0, 0))
	p := hark.Post{ID: "1", Text: "acme", Created: t0, Author: a, Metrics: hark.Engagement{Reposts: 10}}
	require.NoError(t, tr.Observe(p, res(0, score.IntentOther)))
	s1 := tr.Score(a)
	p.Metrics.Reposts = 30
	require.NoError(t, tr.Observe(p, res(0, score.IntentOther)))
	s2 := tr.Score(a)
	require.NoError(t, tr.Observe(p, res(0, score.IntentOther)))
	s3 := tr.Score(a)
	assert.Greater(t, s2.Influence, s1.Influence)
	assert.Equal(t, s2, s3)
	assert.Contains(t, s3.Reasons[1].Span, "30 reposts")
}

// More engagement received never lowers a score, all else equal.
func TestPropertyEngagementMonotone(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	for i := range 300 {
		followers := int64(r.IntN(100000))
		base := hark.Engagement{Likes: int64(r.IntN(50)), Reposts: int64(r.IntN(20)), Replies: int64(r.IntN(10)), Quotes: int64(r.IntN(5))}
		more := base
		switch r.IntN(4) {
		case 0:
			more.Likes += int64(1 + r.IntN(100))
		case 1:
			more.Reposts += int64(1 + r.IntN(100))
		case 2:
			more.Replies += int64(1 + r.IntN(100))
		case 3:
			more.Quotes += int64(1 + r.IntN(100))
		}
		extraReposters := r.IntN(3)
		a := author("subject", followers, int64(r.IntN(1000)), t0.AddDate(0, -r.IntN(40), 0))
		run := func(e hark.Engagement, reposters int) AuthorScore {
			tr := NewTracker()
			crowd := author("other", 50, 50, t0.AddDate(-1, 0, 0))
			for k := range 3 {
				require.NoError(t, tr.Observe(hark.Post{ID: fmt.Sprint("c", k), Text: "hello world", Created: t0, Author: crowd}, res(0, score.IntentOther)))
			}
			p := hark.Post{ID: "s", Text: "acme news", Created: t0.Add(time.Hour), Author: a, Metrics: e}
			require.NoError(t, tr.Observe(p, res(0.1, score.IntentOther)))
			for k := range reposters {
				ra := author(fmt.Sprint("r", k), 100, 100, t0.AddDate(-1, 0, 0))
				require.NoError(t, tr.Observe(hark.Post{ID: fmt.Sprint("rp", k), Text: "RT", RepostOf: "s", Created: t0.Add(2 * time.Hour), Author: ra}, res(0, score.IntentOther)))
			}
			_, err := tr.Rank(context.Background())
			require.NoError(t, err)
			return tr.Score(a)
		}
		// Reposters seen in the stream are engagement too; they count from
		// the same clock, so the base run sees the same time.
		lo := run(base, 0)
		hi := run(more, extraReposters)
		if !assert.GreaterOrEqual(t, hi.Influence, lo.Influence, "case %d: %+v -> %+v (%d reposters)\n%+v\n%+v", i, base, more, extraReposters, lo, hi) {
			return
		}
	}
}

// A bot-like author never outranks an otherwise identical human.
func TestPropertyBotNeverOutranksHuman(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 6))
	for i := range 200 {
		followers := int64(r.IntN(50000))
		following := int64(r.IntN(800))
		created := t0.AddDate(0, -1-r.IntN(60), 0)
		lifetime := int64(10 + r.IntN(3000))
		n := 2 + r.IntN(8)
		onTopic := r.IntN(2) == 0
		eng := hark.Engagement{Likes: int64(r.IntN(200)), Reposts: int64(r.IntN(50))}
		human := hark.Author{ID: "a", Handle: "@a", Followers: followers, Following: following, Posts: lifetime, Created: created}
		bot := human
		// One or more bot signals, each pushed in the bot's direction.
		signals := 1 + r.IntN(31)
		if signals&1 != 0 {
			bot.Following = following + int64(2000+r.IntN(10000))
		}
		if signals&2 != 0 {
			bot.Created = t0.AddDate(0, 0, -r.IntN(25))
		}
		if signals&4 != 0 {
			bot.Posts = lifetime + int64(5000+r.IntN(50000))
		}
		duplicate := signals&8 != 0
		spam := 0.0
		if signals&16 != 0 {
			spam = 0.5 + 0.5*r.Float64()
		}
		run := func(a hark.Author, dup bool, spam float64) AuthorScore {
			tr := NewTracker(WithTopics("acme"))
			for k := range n {
				text := fmt.Sprintf("post number %c about the weather", 'a'+k)
				if onTopic {
					text = fmt.Sprintf("acme post number %c", 'a'+k)
				}
				if dup {
					text = "the same text again"
					if onTopic {
						text = "acme the same text again"
					}
				}
				p := hark.Post{ID: fmt.Sprint(k), Text: text, Created: t0.Add(time.Duration(k) * 3 * time.Hour), Author: a, Metrics: eng}
				require.NoError(t, tr.Observe(p, score.Result{Sentiment: 0.1, Label: score.LabelNeutral, Confidence: 0.5, Intent: score.IntentOther, Spam: spam}))
			}
			return tr.Score(a)
		}
		h, b := run(human, false, 0), run(bot, duplicate, spam)
		if !assert.LessOrEqual(t, b.Influence, h.Influence, "case %d (signals %05b): human %+v bot %+v", i, signals, h.Components, b.Components) {
			return
		}
		assert.GreaterOrEqual(t, b.Bot, h.Bot, "case %d", i)
	}
}

func TestAudienceNormalisedPerSource(t *testing.T) {
	tr := NewTracker()
	// On "big", 10,000 followers is ordinary; on "small", it is rare.
	for i := range 200 {
		for _, src := range []string{"big", "small"} {
			f := int64(8000 + i*20)
			if src == "small" {
				f = int64(50 + i)
			}
			a := hark.Author{ID: fmt.Sprint(src, i), Followers: f}
			require.NoError(t, tr.Observe(hark.Post{ID: fmt.Sprint(src, i), Source: src, Text: "hi", Created: t0, Author: a}, res(0, score.IntentOther)))
		}
	}
	x := hark.Author{ID: "x", Followers: 10000}
	y := hark.Author{ID: "y", Followers: 10000}
	require.NoError(t, tr.Observe(hark.Post{ID: "x", Source: "big", Text: "hi", Created: t0, Author: x}, res(0, score.IntentOther)))
	require.NoError(t, tr.Observe(hark.Post{ID: "y", Source: "small", Text: "hi", Created: t0, Author: y}, res(0, score.IntentOther)))
	sx, sy := tr.Score(x), tr.Score(y)
	assert.Less(t, sx.Components.Audience, sy.Components.Audience)
	assert.Less(t, sx.Influence, sy.Influence)
}

func TestMentionBeforeFirstPost(t *testing.T) {
	tr := NewTracker()
	fan := hark.Author{ID: "u1", Handle: "@fan", Followers: 10}
	for i := range 3 {
		require.NoError(t, tr.Observe(hark.Post{ID: fmt.Sprint(i), Source: "bluesky", Text: "look @li", Created: t0, Author: fan, Mentions: []string{"@Li"}}, res(0, score.IntentOther)))
	}
	li := hark.Author{ID: "u2", Handle: "@li", Followers: 500}
	require.NoError(t, tr.Observe(hark.Post{ID: "l", Source: "bluesky", Text: "hello", Created: t0.Add(time.Minute), Author: li}, res(0, score.IntentOther)))
	_, err := tr.Rank(context.Background())
	require.NoError(t, err)
	all, err := tr.Top(0)
	require.NoError(t, err)
	m := byKey(all)
	assert.NotContains(t, m, "@li", "the placeholder became u2")
	require.Contains(t, m, "u2")
	assert.Equal(t, 1, m["u2"].Rank)
	assert.InDelta(t, 3.0, decayedMentions(t, tr, "u2"), 1e-3)
}

func decayedMentions(t *testing.T, tr *Tracker, key string) float64 {
	p, ok, err := tr.cfg.store.Get(key)
	require.NoError(t, err)
	require.True(t, ok)
	return p.Counters.Mentions
}

func TestReachAndVelocity(t *testing.T) {
	tr := NewTracker()
	a := author("a", 5000, 100, t0.AddDate(-2, 0, 0))
	viral := hark.Post{ID: "v", Text: "acme fire on the ship", Created: t0, Author: a}
	calm := hark.Post{ID: "c", Text: "acme lunch", Created: t0, Author: a}
	require.NoError(t, tr.Observe(viral, res(-0.5, score.IntentCrisis)))
	require.NoError(t, tr.Observe(calm, res(0, score.IntentOther)))
	for i := range 60 { // 60 reposts in 20 minutes for one, 3 for the other
		ra := author(fmt.Sprint("r", i), 300, 100, t0.AddDate(-1, 0, 0))
		of := "v"
		if i%20 == 0 {
			of = "c"
		}
		require.NoError(t, tr.Observe(hark.Post{ID: fmt.Sprint("rp", i), Text: "RT", RepostOf: of, Created: t0.Add(time.Duration(i) * 20 * time.Second), Author: ra}, res(0, score.IntentOther)))
	}
	rv, rc := tr.Reach(viral), tr.Reach(calm)
	assert.True(t, rv.Viral, "%+v", rv)
	assert.False(t, rc.Viral, "%+v", rc)
	assert.Greater(t, rv.Velocity, 1.0)
	assert.Less(t, rc.Velocity, 0.5)
	assert.Equal(t, 57.0, rv.Reposts)
	assert.Greater(t, rv.Impressions, rc.Impressions)
	assert.InDelta(t, 0.1*(5000+57*300), rv.Impressions, 1)

	// A post never observed is judged from its metrics.
	u := hark.Post{ID: "u", Text: "x", Created: tr.Now().Add(-10 * time.Minute), Author: a, Metrics: hark.Engagement{Reposts: 100, Views: 90000}}
	ru := tr.Reach(u)
	assert.InDelta(t, 10.0, ru.Velocity, 1e-9)
	assert.Equal(t, 90000.0, ru.Impressions)
}

func TestPostIndexBounded(t *testing.T) {
	tr := NewTracker(WithPostIndex(10))
	for i := range 100 {
		a := hark.Author{ID: fmt.Sprint("a", i%7)}
		require.NoError(t, tr.Observe(hark.Post{ID: fmt.Sprint(i), Text: "x", Created: t0, Author: a}, res(0, score.IntentOther)))
	}
	assert.Equal(t, 10, tr.posts.len())
	// A reply to a forgotten post adds no edge; to a remembered one it does.
	b := hark.Author{ID: "b"}
	require.NoError(t, tr.Observe(hark.Post{ID: "r1", Text: "x", ParentID: "3", Created: t0, Author: b}, res(0, score.IntentOther)))
	_, edges, _ := tr.Stats()
	assert.Equal(t, 0, edges)
	require.NoError(t, tr.Observe(hark.Post{ID: "r2", Text: "x", ParentID: "95", Created: t0, Author: b}, res(0, score.IntentOther)))
	_, edges, _ = tr.Stats()
	assert.Equal(t, 1, edges)
}

func TestDecay(t *testing.T) {
	tr := NewTracker(WithHalfLife(24 * time.Hour))
	a := author("a", 100, 100, t0.AddDate(-2, 0, 0))
	for i := range 3 {
		require.NoError(t, tr.Observe(hark.Post{ID: fmt.Sprint(i), Text: "acme is bad", Created: t0, Author: a}, res(-0.8, score.IntentComplaint)))
	}
	assert.Equal(t, StandingDetractor, tr.Score(a).Standing)
	// Ten days later, the complaints have faded.
	require.NoError(t, tr.Observe(hark.Post{ID: "late", Text: "weather", Created: t0.Add(240 * time.Hour), Author: hark.Author{ID: "z"}}, res(0, score.IntentOther)))
	assert.Equal(t, StandingNeutral, tr.Score(a).Standing)
}

func TestUnknownAuthorScoredFromDescription(t *testing.T) {
	tr := NewTracker()
	s := tr.Score(hark.Author{ID: "new", Followers: 200})
	assert.InDelta(t, 20, s.Influence, 2, "200 followers and nothing else: about 20 (package doc)")
	assert.Equal(t, StandingNeutral, s.Standing)
	assert.Zero(t, s.Rank)
	assert.Equal(t, 20.0, s.Reach)
}

func TestAnonymousIgnored(t *testing.T) {
	tr := NewTracker()
	require.NoError(t, tr.Observe(hark.Post{ID: "1", Text: "x"}, score.Result{}))
	all, err := tr.Top(0)
	require.NoError(t, err)
	assert.Empty(t, all)
}

// Observe, Rank, Score and Top may run at once.
func TestConcurrentUse(t *testing.T) {
	w := genWeek(11)
	tr := NewTracker()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 5 {
			_, err := tr.Rank(context.Background())
			assert.NoError(t, err)
			_, err = tr.Top(3)
			assert.NoError(t, err)
		}
	}()
	for _, x := range w.posts {
		require.NoError(t, tr.Observe(x.p, x.s))
		tr.Score(x.p.Author)
	}
	<-done
	_, err := tr.Rank(context.Background())
	require.NoError(t, err)
	a, edges, st := tr.Stats()
	assert.Positive(t, a)
	assert.Positive(t, edges)
	assert.True(t, st.Converged)
}

func TestRankEvery(t *testing.T) {
	w := genWeek(12)
	tr := NewTracker()
	for _, x := range w.posts {
		require.NoError(t, tr.Observe(x.p, x.s))
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- tr.RankEvery(ctx, time.Millisecond, func(err error) { t.Error(err) }) }()
	for {
		if _, _, st := tr.Stats(); st.Converged {
			break
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	assert.ErrorIs(t, <-done, context.Canceled)
	assert.NotZero(t, tr.Score(hark.Author{ID: w.stars[0]}).Rank)
}

// A post first heard an hour after it was written, with 120 reposts, has
// gone at two reposts a minute on average.
func TestVelocityOfLateHeardPost(t *testing.T) {
	tr := NewTracker()
	a := author("a", 5000, 100, t0.AddDate(-2, 0, 0))
	require.NoError(t, tr.Observe(hark.Post{ID: "now", Text: "x", Created: t0.Add(time.Hour), Author: hark.Author{ID: "b"}}, res(0, score.IntentOther)))
	p := hark.Post{ID: "old", Text: "acme", Created: t0, Author: a, Metrics: hark.Engagement{Reposts: 120}}
	require.NoError(t, tr.Observe(p, res(0, score.IntentOther)))
	r := tr.Reach(p)
	assert.InDelta(t, 2.0, r.Velocity, 1e-3)
	assert.True(t, r.Viral)
}

func TestTextHash(t *testing.T) {
	same := [][2]string{
		{"Claim now 👉 kestrel-deals.shop/rq22f", "claim NOW 👉 kestrel-deals.shop/7bwm4"},
		{"win at https://x.co/1 today", "win at http://y.io/abc today"},
		{"order #123 shipped @bob", "order #456 shipped @alice"},
		{"see example.com!", "see other.org"},
	}
	for _, p := range same {
		assert.Equal(t, textHash(p[0]), textHash(p[1]), "%q %q", p[0], p[1])
	}
	differ := [][2]string{
		{"the battery died", "the screen died"},
		{"version 2.0 is out", "version is out now"},
		{"e.g. this", "this"},
	}
	for _, p := range differ {
		assert.NotEqual(t, textHash(p[0]), textHash(p[1]), "%q %q", p[0], p[1])
	}
}

func TestPrune(t *testing.T) {
	tr := NewTracker(WithHalfLife(24 * time.Hour))
	a, b, c := hark.Author{ID: "a"}, hark.Author{ID: "b"}, hark.Author{ID: "c"}
	require.NoError(t, tr.Observe(hark.Post{ID: "1", Text: "x", Created: t0, Author: a}, score.Result{}))
	require.NoError(t, tr.Observe(hark.Post{ID: "2", Text: "x", Created: t0, Author: b, RepostOf: "1"}, score.Result{}))
	require.NoError(t, tr.Observe(hark.Post{ID: "3", Text: "x", Created: t0.Add(20 * 24 * time.Hour), Author: c, RepostOf: "1"}, score.Result{}))
	_, edges, _ := tr.Stats()
	require.Equal(t, 2, edges)
	assert.Zero(t, tr.Prune(1e-9))
	assert.Equal(t, 1, tr.Prune(1e-3), "the repost of 20 half-lives ago goes")
	_, edges, _ = tr.Stats()
	assert.Equal(t, 1, edges)
	_, err := tr.Rank(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 1, tr.Score(a).Rank)
}
