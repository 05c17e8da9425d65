package influence

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/harkhq/hark"
)

// Weights and scale of the influence score (see the package doc).
const (
	weightAudience   = 1.0
	weightEngagement = 1.5
	weightGraph      = 1.0
	// scalePoints is the number of points at which the score reaches
	// 100·(1-1/e) ≈ 63.
	scalePoints = 6.0
)

// Score returns the judgement of the author as of the tracker's clock. An
// author never observed is judged from the description a gives.
func (t *Tracker) Score(a hark.Author) AuthorScore {
	key := a.Key()
	t.mu.Lock()
	defer t.mu.Unlock()
	p, ok, err := t.cfg.store.Get(key)
	if err != nil {
		return AuthorScore{Author: key, Standing: StandingNeutral,
			Reasons: []hark.Reason{{Code: "store_error", Span: err.Error()}}}
	}
	if !ok {
		p = AuthorProfile{Key: key}
		t.describeOnly(&p, a)
	}
	return t.judge(p, true)
}

// describeOnly fills a profile from an author description without touching
// the audience statistics.
func (t *Tracker) describeOnly(p *AuthorProfile, a hark.Author) {
	p.Handle = a.Handle
	p.Followers, p.Following, p.Posts = max(a.Followers, 0), max(a.Following, 0), max(a.Posts, 0)
	p.Verified, p.Created = a.Verified, a.Created
}

// Top returns the n most influential authors, highest first (ties by
// key), leaving out the brand's own accounts. n <= 0 means all. It scores
// every author without reasons, then gives reasons to the n it returns;
// Observe waits meanwhile.
func (t *Tracker) Top(n int) ([]AuthorScore, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	type cand struct {
		key       string
		influence float64
	}
	var all []cand
	err := t.cfg.store.Range(func(p AuthorProfile) bool {
		if s := t.judge(p, false); !s.Brand {
			all = append(all, cand{p.Key, s.Influence})
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(all, func(a, b cand) int {
		if c := cmp.Compare(b.influence, a.influence); c != 0 {
			return c
		}
		return cmp.Compare(a.key, b.key)
	})
	if n > 0 && len(all) > n {
		all = all[:n]
	}
	out := make([]AuthorScore, 0, len(all))
	for _, c := range all {
		p, ok, err := t.cfg.store.Get(c.key)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, t.judge(p, true))
		}
	}
	return out, nil
}

func (t *Tracker) visibility(source string) float64 {
	if v, ok := t.cfg.visibility[source]; ok {
		return v
	}
	return t.cfg.defVisibility
}

// judge scores a profile as of the tracker's clock. t.mu is held.
func (t *Tracker) judge(p AuthorProfile, withReasons bool) AuthorScore {
	now := t.now
	p.decayTo(now, t.cfg.halfLife)
	c := p.Counters
	s := AuthorScore{Author: p.Key, Handle: p.Handle, Source: p.Source, Standing: StandingNeutral,
		Brand: t.isBrand(p.Key, p.Handle)}
	var rs []hark.Reason
	reason := func(code string, w float64, format string, args ...any) {
		if !withReasons {
			return
		}
		rs = append(rs, hark.Reason{Code: code, Span: fmt.Sprintf(format, args...), Weight: round3(w)})
	}
	cp := &s.Components

	// Audience, normalised across sources.
	if p.Followers > 0 {
		l := math.Log10(1 + float64(p.Followers))
		st := t.sources[p.Source]
		if st == nil {
			st = &audienceStats{}
		}
		cp.Audience = st.normalise(l)
		src := p.Source
		if src == "" {
			src = "an unnamed source"
		}
		reason("audience", weightAudience*cp.Audience, "%d followers on %s, as %.0f on the reference scale",
			p.Followers, src, math.Pow(10, cp.Audience)-1)
	}
	// Engagement received.
	if c.Engagement > 0 {
		cp.Engagement = math.Log10(1 + c.Engagement)
		reason("engagement", weightEngagement*cp.Engagement,
			"received %.0f reposts and quotes, %.0f replies, %.0f mentions, %.0f likes (%.0f weighted)",
			c.Reposts, c.Replies, c.Mentions, c.Likes, c.Engagement)
	}
	// Graph rank.
	if node, ok := t.graph.lookup(p.Key); ok && int(node) < t.ranked {
		s.Rank = int(t.rankPos[node])
		rel := t.rank[node] * float64(t.ranked)
		cp.Graph = max(0, math.Log10(rel))
		if cp.Graph > 0 {
			reason("graph_rank", weightGraph*cp.Graph, "#%d of %d in the interaction graph, %.1f times the average rank",
				s.Rank, t.ranked, rel)
		}
	}
	// Topical authority, activity, account age.
	if c.Posts > 0 {
		cp.Topical = clamp01(c.OnTopic / max(c.Posts, 1))
		if cp.Topical > 0 {
			reason("topical", 0, "%.0f%% of their posts are about the brand's field", 100*cp.Topical)
		}
	}
	cp.Activity = 1 - math.Exp(-c.Days/4)
	cp.Age = 0.5
	if !p.Created.IsZero() && !now.IsZero() {
		cp.Age = clamp01(float64(now.Sub(p.Created)) / float64(365*24*time.Hour))
	}
	q := 0.55 + 0.25*cp.Topical + 0.1*cp.Activity + 0.1*cp.Age
	cp.Points = q * (weightAudience*cp.Audience + weightEngagement*cp.Engagement + weightGraph*cp.Graph)

	// Bot or spam likelihood.
	s.Bot = t.bot(p, now, reason)
	s.Influence = round3(100 * (1 - math.Exp(-cp.Points/scalePoints)) * (1 - s.Bot))
	cp.Audience, cp.Engagement, cp.Graph = round3(cp.Audience), round3(cp.Engagement), round3(cp.Graph)
	cp.Topical, cp.Activity, cp.Age, cp.Points = round3(cp.Topical), round3(cp.Activity), round3(cp.Age), round3(cp.Points)

	// Reach: expected impressions of one post.
	s.Reach = math.Round(t.typicalReach(p))

	// Standing and helping.
	switch {
	case s.Brand:
		reason("brand_account", 0, "one of the brand's own accounts")
	case s.Bot >= 0.5:
		reason("no_standing", 0, "likely a bot: neither advocate, detractor nor helper")
	default:
		net := (c.Positive - c.Negative) / (c.BrandPosts + 0.5)
		switch {
		case c.BrandPosts >= t.cfg.minStanding && net >= t.cfg.standingNet:
			s.Standing = StandingAdvocate
			reason("advocate", net, "%.1f posts about the brand, net sentiment %+.2f", c.BrandPosts, net)
		case c.BrandPosts >= t.cfg.minStanding && net <= -t.cfg.standingNet:
			s.Standing = StandingDetractor
			reason("detractor", net, "%.1f posts about the brand, net sentiment %+.2f", c.BrandPosts, net)
		case c.BrandPosts > 0 && c.BrandPosts < t.cfg.minStanding && math.Abs(net) >= t.cfg.standingNet:
			reason("standing_unsettled", net, "only %.1f posts about the brand so far, net sentiment %+.2f", c.BrandPosts, net)
		}
		if c.Answers >= t.cfg.minAnswers {
			s.Helper = true
			reason("community_helper", c.Answers, "answered %.1f questions of other people", c.Answers)
		}
	}
	if rs == nil && withReasons {
		rs = []hark.Reason{{Code: "little_known", Span: "no followers, engagement or interactions known"}}
	}
	s.Reasons = rs
	return s
}

// bot returns the likelihood that the author is a bot or spammer, and
// gives the reasons.
func (t *Tracker) bot(p AuthorProfile, now time.Time, reason func(string, float64, string, ...any)) float64 {
	c := p.Counters
	var parts []float64
	add := func(code string, weight, f float64, format string, args ...any) {
		if f <= 0 {
			return
		}
		parts = append(parts, weight*f)
		reason(code, -weight*f, format, args...)
	}
	// Posting rate: over the account's life, and as observed.
	var rate float64
	ageDays := -1.0
	if !p.Created.IsZero() && !now.IsZero() {
		ageDays = float64(now.Sub(p.Created)) / float64(24*time.Hour)
		if ageDays >= 1 && p.Posts > 0 {
			rate = float64(p.Posts) / ageDays
		}
	}
	if p.Seen > 0 {
		span := max(float64(p.LastSeen.Sub(p.FirstSeen))/float64(24*time.Hour), 1)
		rate = max(rate, float64(p.Seen)/span)
	}
	add("bot_posting_rate", 0.6, clamp01(math.Log10(max(rate, 1)/40)), "%.0f posts a day", rate)
	// Duplicate texts.
	if c.Own > 0 {
		frac := c.Duplicates / c.Own
		add("bot_duplicates", 0.7, clamp01((frac-0.3)/0.4)*clamp01(float64(p.Seen-2)/5),
			"%.0f%% of their recent posts repeat an earlier text", 100*frac)
	}
	// Following many, followed by few.
	if p.Following >= 200 {
		r := float64(p.Following+1) / float64(p.Followers+1)
		add("bot_follow_ratio", 0.35, clamp01((math.Log10(r)-0.7)/1.3), "follows %d, followed by %d", p.Following, p.Followers)
	}
	// Young account.
	if ageDays >= 0 && ageDays < 30 {
		add("bot_young_account", 0.35, 1-ageDays/30, "account %.0f days old", ageDays)
	}
	// The scorer's spam judgement of their posts.
	if c.Own > 0 {
		m := c.Spam / c.Own
		// Judged on a few posts, the evidence counts less.
		add("bot_spam", 0.7, clamp01((m-0.25)/0.5)*clamp01(c.Own/3), "their posts look like spam (%.2f on average)", m)
	}
	keep := 1.0
	for _, x := range parts {
		keep *= 1 - x
	}
	b := 1 - keep
	if p.Verified {
		b *= 0.3
	}
	return round3(b)
}

// typicalReach returns the expected impressions of one post of the author:
// the views the source reported, when it did; else the share of their
// followers who see a post, plus the followers of those who repost it.
func (t *Tracker) typicalReach(p AuthorProfile) float64 {
	c := p.Counters
	if c.Viewed >= 0.5 {
		return c.Views / c.Viewed
	}
	amp := t.cfg.ampAudience
	if c.Amplifiers >= 0.5 {
		amp = c.AmpAudience / c.Amplifiers
	}
	perPost := c.Reposts / max(c.Posts, 1)
	return t.visibility(p.Source) * (float64(p.Followers) + perPost*amp)
}

// A PostReach is how far one post goes.
type PostReach struct {
	ID     string `json:"id"`
	Author string `json:"author"`
	// Impressions is the expected number of people who see the post.
	Impressions float64 `json:"impressions"`
	// Reposts is the reposts and quotes known, from its metrics or seen.
	Reposts float64 `json:"reposts"`
	// Velocity is reposts per minute over the last minutes.
	Velocity float64 `json:"velocity"`
	// Peak is the highest velocity the post has had.
	Peak float64 `json:"peak"`
	// Viral reports a velocity at or above the viral threshold
	// (WithViralVelocity); WentViral a peak at or above it.
	Viral     bool          `json:"viral"`
	WentViral bool          `json:"went_viral"`
	Reasons   []hark.Reason `json:"reasons"`
}

// Reach returns the reach of a post as of the tracker's clock: its
// expected impressions and its amplification velocity. A post observed
// before is judged with what was seen of it since (reposts observed in the
// stream, fresher metrics); another from its own metrics.
func (t *Tracker) Reach(p hark.Post) PostReach {
	t.mu.Lock()
	defer t.mu.Unlock()
	r := PostReach{ID: p.ID, Author: p.Author.Key()}
	prof, ok, err := t.cfg.store.Get(r.Author)
	if err != nil || !ok {
		prof = AuthorProfile{Key: r.Author, Source: p.Source}
		t.describeOnly(&prof, p.Author)
	}
	prof.decayTo(t.now, t.cfg.halfLife)
	window := t.cfg.velocityWindow
	reposts := float64(p.Metrics.Reposts + p.Metrics.Quotes)
	var velocity float64
	if e, ok := t.posts.get(postKey(p.Source, p.ID)); ok {
		reposts = max(reposts, e.reposts())
		velocity = e.rateAt2(t.now.Unix(), window) / window.Minutes()
		r.Peak = round3(float64(e.peak) / window.Minutes())
	} else if !p.Created.IsZero() && reposts > 0 {
		age := max(t.now.Sub(p.Created), time.Minute)
		velocity = reposts / age.Minutes()
	}
	r.Peak = max(r.Peak, round3(velocity))
	amp := t.cfg.ampAudience
	if prof.Counters.Amplifiers >= 0.5 {
		amp = prof.Counters.AmpAudience / prof.Counters.Amplifiers
	}
	vis := t.visibility(p.Source)
	r.Impressions = math.Round(max(float64(p.Metrics.Views), vis*(float64(prof.Followers)+reposts*amp)))
	r.Reposts = reposts
	r.Velocity = round3(velocity)
	r.Viral = velocity >= t.cfg.viralVelocity
	r.WentViral = r.Peak >= t.cfg.viralVelocity
	r.Reasons = []hark.Reason{{Code: "impressions", Weight: r.Impressions,
		Span: fmt.Sprintf("%d followers, %.0f reposts reaching about %.0f followers each, %.0f%% see a post", prof.Followers, reposts, amp, 100*vis)}}
	if r.Viral {
		r.Reasons = append(r.Reasons, hark.Reason{Code: "viral", Weight: r.Velocity,
			Span: fmt.Sprintf("%.1f reposts a minute (threshold %.1f)", velocity, t.cfg.viralVelocity)})
	} else if r.WentViral {
		r.Reasons = append(r.Reasons, hark.Reason{Code: "went_viral", Weight: r.Peak,
			Span: fmt.Sprintf("peaked at %.1f reposts a minute (threshold %.1f)", r.Peak, t.cfg.viralVelocity)})
	}
	if typ := t.typicalReach(prof); typ > 0 && r.Impressions >= 10*typ {
		r.Reasons = append(r.Reasons, hark.Reason{Code: "above_usual_reach", Weight: round3(r.Impressions / typ),
			Span: fmt.Sprintf("%.0f times the author's usual reach", r.Impressions/typ)})
	}
	return r
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }
