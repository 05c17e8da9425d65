package influence

import (
	"cmp"
	"context"
	"hash/fnv"
	"math"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/score"
)

// Engagement weights: what one act of another author is worth, in the
// units of [Counters.Engagement]. Acts that carry a message further weigh
// more than a like; all weigh more than a follower does in the score.
const (
	EngageRepost  = 3.0
	EngageQuote   = 3.0
	EngageReply   = 2.0
	EngageMention = 2.0
	EngageLike    = 0.5
)

// An Option configures a [Tracker].
type Option func(*config)

type config struct {
	store          ProfileStore
	halfLife       time.Duration
	topics         []string
	brand          map[string]bool
	rank           RankOptions
	postCap        int
	visibility     map[string]float64
	defVisibility  float64
	ampAudience    float64
	viralVelocity  float64
	velocityWindow time.Duration
	kindWeights    [numKinds]float64
	minStanding    float64
	standingNet    float64
	minAnswers     float64
}

// WithStore keeps author profiles in s instead of in memory.
func WithStore(s ProfileStore) Option { return func(c *config) { c.store = s } }

// WithHalfLife sets the half-life of every decayed counter and of the edges
// of the interaction graph: an act that old counts half. Default 30 days.
func WithHalfLife(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.halfLife = d
		}
	}
}

// WithTopics names the brand's field: words and phrases (case-insensitive;
// hashtags and handles match without their # and @) whose presence makes a
// post about it. A reply to such a post, or a repost of it, is about it
// too. It drives topical authority and standing. Without topics,
// a post is about the brand's field when the scorer found something it is
// about (Result.About) or an intent other than "other" and "spam".
func WithTopics(terms ...string) Option {
	return func(c *config) {
		for _, t := range terms {
			if t = normTerm(t); t != "" {
				c.topics = append(c.topics, t)
			}
		}
	}
}

// WithBrandAccounts names the brand's own accounts, by key or handle. They
// are ranked like anyone, but never called advocate, detractor or helper,
// and [Tracker.Top] leaves them out.
func WithBrandAccounts(keysOrHandles ...string) Option {
	return func(c *config) {
		for _, k := range keysOrHandles {
			c.brand[strings.ToLower(k)] = true
			c.brand[normHandle(k)] = true
		}
	}
}

// WithRankOptions sets the options of the graph rank (damping, tolerance,
// workers).
func WithRankOptions(o RankOptions) Option { return func(c *config) { c.rank = o } }

// WithPostIndex bounds how many recent posts the tracker remembers to
// attribute replies and reposts to their authors. Default 1<<20 (about
// 80 MB); a reply to a post older than that adds no edge.
func WithPostIndex(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.postCap = n
		}
	}
}

// WithVisibility sets the share of an author's followers who see one of
// their posts on the source; "" sets the default for other sources.
// Default 0.1 everywhere.
func WithVisibility(source string, share float64) Option {
	return func(c *config) {
		if share > 0 {
			if source == "" {
				c.defVisibility = share
			} else {
				c.visibility[source] = share
			}
		}
	}
}

// WithViralVelocity sets the reposts per minute from which a post is said
// to go viral. Default 1.
func WithViralVelocity(perMinute float64) Option {
	return func(c *config) {
		if perMinute > 0 {
			c.viralVelocity = perMinute
		}
	}
}

// Tracker judges authors from the posts it observes. Observe updates an
// author's profile in O(1); Rank recomputes the graph rank, on demand or on
// a schedule the caller keeps. It takes "now" from the posts (the latest
// creation time seen), so a replay gives the same result as the live run.
// A Tracker is safe for concurrent use.
type Tracker struct {
	cfg config

	mu      sync.Mutex
	now     time.Time
	graph   *Graph
	posts   *postIndex
	handles map[string]uint32 // source \x00 handle -> node
	sources map[string]*audienceStats
	err     error // first store error, sticky

	// The last ranking.
	rank    []float64
	rankPos []uint32
	ranked  int // nodes ranked
	stats   RankStats
}

// NewTracker returns a tracker with the options.
func NewTracker(opts ...Option) *Tracker {
	c := config{
		halfLife:       30 * 24 * time.Hour,
		brand:          map[string]bool{},
		postCap:        1 << 20,
		visibility:     map[string]float64{},
		defVisibility:  0.1,
		ampAudience:    200,
		viralVelocity:  1,
		velocityWindow: 10 * time.Minute,
		kindWeights:    defaultKindWeights,
		minStanding:    2.5,
		standingNet:    0.2,
		minAnswers:     1.5,
	}
	for _, o := range opts {
		o(&c)
	}
	if c.store == nil {
		c.store = &MemoryProfiles{}
	}
	return &Tracker{
		cfg:     c,
		graph:   newGraph(c.halfLife, c.kindWeights),
		posts:   newPostIndex(c.postCap),
		handles: map[string]uint32{},
		sources: map[string]*audienceStats{},
	}
}

// Now returns the tracker's clock: the latest creation time of the posts
// observed.
func (t *Tracker) Now() time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.now
}

// Observe takes one post and the scorer's judgement of it into account: it
// updates the author's profile, counts the engagement the post shows, and
// adds the edges of the interaction graph (reply to the parent's author,
// repost to the original's author, mention to the mentioned handle). A
// post seen again adds only the engagement it gained. Posts of anonymous
// authors are ignored. The error is the profile store's.
func (t *Tracker) Observe(p hark.Post, s score.Result) error {
	key := p.Author.Key()
	if key == "" {
		return nil
	}
	sanitize(&p, &s)
	t.mu.Lock()
	defer t.mu.Unlock()
	at := p.Created
	if at.After(t.now) {
		t.now = at
	}
	if at.IsZero() {
		at = t.now
	}
	err := t.observe(p, s, key, at)
	if err != nil && t.err == nil {
		t.err = err
	}
	return err
}

// sanitize puts the numbers of a post and its score in their ranges: no
// negative counts, no NaN.
func sanitize(p *hark.Post, s *score.Result) {
	for _, n := range []*int64{&p.Metrics.Likes, &p.Metrics.Reposts, &p.Metrics.Replies, &p.Metrics.Quotes,
		&p.Metrics.Views, &p.Author.Followers, &p.Author.Following, &p.Author.Posts} {
		*n = max(*n, 0)
	}
	finite := func(x float64) float64 {
		if math.IsNaN(x) {
			return 0
		}
		return x
	}
	s.Sentiment = max(-1, min(1, finite(s.Sentiment)))
	s.Confidence = clamp01(finite(s.Confidence))
	s.Spam = clamp01(finite(s.Spam))
}

func (t *Tracker) observe(p hark.Post, s score.Result, key string, at time.Time) error {
	hl := t.cfg.halfLife
	node, prof, err := t.author(p.Source, key, p.Author)
	if err != nil {
		return err
	}
	prof.decayTo(at, hl)
	if !at.Before(prof.Described) || prof.Described.IsZero() {
		t.describe(&prof, p.Source, p.Author, at)
	}
	pk := postKey(p.Source, p.ID)
	e, seen := t.posts.get(pk)
	if !seen {
		// A question: so judged, or a post that asks something (customers
		// often ask inside a complaint).
		q := s.Intent == score.IntentQuestion || (s.Intent != score.IntentSpam && strings.Contains(p.Text, "?"))
		// About the brand's field: by its own words, or as a reply in, or
		// a repost of, a post that is.
		about := t.onTopic(p, s)
		for _, ref := range []string{p.ParentID, p.RepostOf} {
			if ref != "" && !about {
				if pe, ok := t.posts.get(postKey(p.Source, ref)); ok && pe.about {
					about = true
				}
			}
		}
		e = &postEntry{author: node, question: q, about: about, created: at.Unix(), rateAt: at.Unix()}
		t.writes(&prof, p, s, at, about)
		t.posts.put(pk, e)
	}
	// Engagement the post's metrics show, beyond what was counted.
	m := p.Metrics
	w := prof.weightAt(at, hl)
	metEng := float32(EngageRepost*float64(m.Reposts) + EngageQuote*float64(m.Quotes) +
		EngageReply*float64(m.Replies) + EngageLike*float64(m.Likes))
	metRep := float32(m.Reposts + m.Quotes)
	oldEng, oldRep := e.engagement(), e.reposts()
	if metEng > e.metEng {
		e.metEng = metEng
	}
	if metRep > e.metRep {
		if !seen && at.Unix() > 0 {
			// First sight: its reposts came over its age; the counter
			// holds rate × window.
			age := max(float64(t.now.Sub(at)), float64(time.Minute))
			e.addReposts(float64(metRep)*min(1, float64(t.cfg.velocityWindow)/age), t.now.Unix(), t.cfg.velocityWindow)
		} else {
			e.addReposts(float64(metRep-e.metRep), t.now.Unix(), t.cfg.velocityWindow)
		}
		e.metRep = metRep
	}
	c := &prof.Counters
	c.Engagement += w * (e.engagement() - oldEng)
	c.Reposts += w * (e.reposts() - oldRep)
	if !seen {
		c.Replies += w * float64(m.Replies)
		c.Likes += w * float64(m.Likes)
		if m.Views > 0 {
			c.Views += w * float64(m.Views)
			c.Viewed += w
		}
	}
	if err := t.cfg.store.Put(prof); err != nil {
		return err
	}
	if seen {
		return nil // its edges were added the first time
	}
	// Edges of the interaction graph.
	if p.ParentID != "" {
		if pe, ok := t.posts.get(postKey(p.Source, p.ParentID)); ok && pe.author != node {
			// An answer: a reply to a question that is not itself a
			// question, a complaint or spam.
			answer := pe.question && s.Intent != score.IntentQuestion && s.Intent != score.IntentComplaint &&
				s.Intent != score.IntentCrisis && s.Intent != score.IntentSpam
			if answer && !t.isBrand(key, p.Author.Handle) {
				if err := t.updateAuthor(key, at, func(a *AuthorProfile, w float64) { a.Counters.Answers += w }); err != nil {
					return err
				}
			}
			if err := t.interact(node, pe, KindReply, at, p.Author.Followers); err != nil {
				return err
			}
		}
	}
	if p.RepostOf != "" {
		if pe, ok := t.posts.get(postKey(p.Source, p.RepostOf)); ok && pe.author != node {
			if err := t.interact(node, pe, KindRepost, at, p.Author.Followers); err != nil {
				return err
			}
		}
	}
	done := map[uint32]bool{node: true}
	for _, h := range p.Mentions {
		h = normHandle(h)
		if h == "" {
			continue
		}
		v, ok := t.handles[p.Source+"\x00"+h]
		if !ok {
			v = t.graph.node("@" + h)
			t.handles[p.Source+"\x00"+h] = v
		}
		if done[v] {
			continue
		}
		done[v] = true
		t.graph.add(node, v, KindMention, at)
		err := t.updateAuthor(t.graph.keys[v], at, func(a *AuthorProfile, w float64) {
			if a.Handle == "" {
				a.Handle = "@" + h
				a.Source = p.Source
			}
			a.Counters.Mentions += w
			a.Counters.Engagement += w * EngageMention
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// interact adds the edge from node to the author of the post pe and counts
// the engagement for them: only what goes beyond what the post's metrics
// already showed, which may hold the same act.
func (t *Tracker) interact(node uint32, pe *postEntry, k Kind, at time.Time, followers int64) error {
	t.graph.add(node, pe.author, k, at)
	oldEng, oldRep := pe.engagement(), pe.reposts()
	switch k {
	case KindReply:
		pe.seenEng += EngageReply
	case KindRepost:
		pe.seenEng += EngageRepost
		pe.seenRep++
	}
	dEng, dRep := pe.engagement()-oldEng, pe.reposts()-oldRep
	pe.addReposts(dRep, at.Unix(), t.cfg.velocityWindow)
	return t.updateAuthor(t.graph.keys[pe.author], at, func(a *AuthorProfile, w float64) {
		a.Counters.Engagement += w * dEng
		a.Counters.Reposts += w * dRep
		switch k {
		case KindReply:
			a.Counters.Replies += w * min(dEng/EngageReply, 1)
		case KindRepost:
			a.Counters.AmpAudience += w * float64(max(followers, 0))
			a.Counters.Amplifiers += w
		}
	})
}

// updateAuthor applies f to the stored profile of key, decayed to at; w is
// the weight of an event at time at.
func (t *Tracker) updateAuthor(key string, at time.Time, f func(a *AuthorProfile, w float64)) error {
	a, ok, err := t.cfg.store.Get(key)
	if err != nil {
		return err
	}
	if !ok {
		a = AuthorProfile{Key: key}
	}
	a.decayTo(at, t.cfg.halfLife)
	f(&a, a.weightAt(at, t.cfg.halfLife))
	return t.cfg.store.Put(a)
}

// author finds or creates the graph node and profile of the author of a
// post. An author first known only by a mention of their handle keeps that
// node and profile, now under their key.
func (t *Tracker) author(source, key string, a hark.Author) (uint32, AuthorProfile, error) {
	h := normHandle(a.Handle)
	hk := source + "\x00" + h
	node, ok := t.graph.lookup(key)
	if !ok && h != "" {
		if v, found := t.handles[hk]; found && t.graph.keys[v] == "@"+h && key != "@"+h {
			// Adopt the placeholder made by a mention.
			ph, had, err := t.cfg.store.Get("@" + h)
			if err != nil {
				return 0, AuthorProfile{}, err
			}
			delete(t.graph.ids, "@"+h)
			t.graph.ids[key] = v
			t.graph.keys[v] = key
			node, ok = v, true
			if had {
				if err := t.cfg.store.Delete(ph.Key); err != nil {
					return 0, AuthorProfile{}, err
				}
				ph.Key = key
				if err := t.cfg.store.Put(ph); err != nil {
					return 0, AuthorProfile{}, err
				}
			}
		}
	}
	if !ok {
		node = t.graph.node(key)
	}
	if h != "" {
		t.handles[hk] = node
	}
	p, found, err := t.cfg.store.Get(key)
	if err != nil {
		return 0, AuthorProfile{}, err
	}
	if !found {
		p = AuthorProfile{Key: key}
	}
	return node, p, nil
}

// describe keeps the author description of a post as the latest one, and
// the per-source audience statistics with it.
func (t *Tracker) describe(p *AuthorProfile, source string, a hark.Author, at time.Time) {
	if p.Source == "" || (p.Seen == 0 && source != "") {
		p.Source = source
	}
	if a.Followers > 0 {
		if p.Followers > 0 {
			t.audience(p.Source).remove(p.Followers)
		}
		t.audience(p.Source).add(a.Followers)
	}
	if a.Handle != "" {
		p.Handle = a.Handle
	}
	if a.Followers != 0 || a.Following != 0 || a.Posts != 0 {
		p.Followers, p.Following, p.Posts = max(a.Followers, 0), max(a.Following, 0), max(a.Posts, 0)
	}
	p.Verified = p.Verified || a.Verified
	if !a.Created.IsZero() {
		p.Created = a.Created
	}
	p.Described = at
}

// writes counts a new post of the author.
func (t *Tracker) writes(p *AuthorProfile, post hark.Post, s score.Result, at time.Time, about bool) {
	w := p.weightAt(at, t.cfg.halfLife)
	c := &p.Counters
	if p.Seen == 0 || at.Before(p.FirstSeen) {
		p.FirstSeen = at
	}
	if at.After(p.LastSeen) {
		p.LastSeen = at
	}
	p.Seen++
	c.Posts += w
	if day := at.Unix() / 86400; day > p.Day || p.Seen == 1 {
		p.Day = day
		c.Days += w
	}
	// Duplicate texts: the same normalised text as one of the last four.
	// A repost carries someone else's text and is not compared.
	if post.RepostOf == "" {
		c.Own += w
		h := textHash(post.Text)
		if slices.Contains(p.Texts[:], h) {
			c.Duplicates += w
		}
		copy(p.Texts[1:], p.Texts[:len(p.Texts)-1])
		p.Texts[0] = h
		c.Spam += w * clamp01(s.Spam)
	}
	if !about {
		return
	}
	c.OnTopic += w
	if t.isBrand(p.Key, p.Handle) || s.Label == score.LabelUnknown || s.Label == "" || s.Intent == score.IntentSpam {
		return
	}
	// Standing: the post's sentiment about the brand, leaning with its
	// intent, counted with the scorer's confidence (at least 0.3).
	v := s.Sentiment
	switch s.Intent {
	case score.IntentComplaint, score.IntentCrisis:
		v -= 0.3
	case score.IntentPraise:
		v += 0.3
	}
	v = max(-1, min(1, v)) * max(0.3, clamp01(s.Confidence))
	if v > 0 {
		c.Positive += w * v
	} else {
		c.Negative -= w * v
	}
	c.BrandPosts += w
}

// onTopic reports whether the post is about the brand's field.
func (t *Tracker) onTopic(p hark.Post, s score.Result) bool {
	if len(t.cfg.topics) == 0 {
		return len(s.About) > 0 || (s.Intent != "" && s.Intent != score.IntentOther && s.Intent != score.IntentSpam)
	}
	text := strings.ToLower(p.Text)
	for _, term := range t.cfg.topics {
		if containsWord(text, term) {
			return true
		}
		for _, x := range p.Tags {
			if normTerm(x) == term {
				return true
			}
		}
		for _, x := range p.Mentions {
			if normTerm(x) == term {
				return true
			}
		}
	}
	return false
}

func (t *Tracker) isBrand(key, handle string) bool {
	return t.cfg.brand[strings.ToLower(key)] || (handle != "" && t.cfg.brand[normHandle(handle)])
}

// Rank recomputes the graph rank from the interactions observed so far,
// decayed to the tracker's clock. Observe may go on meanwhile; what it adds
// counts from the next Rank.
func (t *Tracker) Rank(ctx context.Context) (RankStats, error) {
	t.mu.Lock()
	n, es := t.graph.snapshot(t.now)
	opts := t.cfg.rank
	keys := slices.Clone(t.graph.keys[:n]) // Observe may rename a node meanwhile
	t.mu.Unlock()
	r, st, err := pageRank(ctx, n, es, opts)
	if err != nil {
		return st, err
	}
	order := make([]uint32, n)
	for i := range order {
		order[i] = uint32(i)
	}
	slices.SortFunc(order, func(a, b uint32) int {
		if c := cmp.Compare(r[b], r[a]); c != 0 {
			return c
		}
		return cmp.Compare(keys[a], keys[b])
	})
	pos := make([]uint32, n)
	for i, v := range order {
		pos[v] = uint32(i + 1)
	}
	t.mu.Lock()
	t.rank, t.rankPos, t.ranked, t.stats = r, pos, n, st
	t.mu.Unlock()
	return st, nil
}

// Err returns the first error of the profile store, if any.
func (t *Tracker) Err() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.err
}

// Stats returns the size of the interaction graph and the last ranking.
func (t *Tracker) Stats() (authors, interactions int, last RankStats) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.graph.Nodes(), t.graph.Edges(), t.stats
}

// audienceStats are running statistics of log10(1+followers) over the
// authors of one source, for normalising audiences across sources.
type audienceStats struct{ n, sum float64 }

func (t *Tracker) audience(source string) *audienceStats {
	a := t.sources[source]
	if a == nil {
		a = &audienceStats{}
		t.sources[source] = a
	}
	return a
}

func (a *audienceStats) add(f int64) {
	a.n++
	a.sum += math.Log10(1 + float64(f))
}

func (a *audienceStats) remove(f int64) {
	a.n--
	a.sum -= math.Log10(1 + float64(f))
}

// The reference audience: log10(1+followers) averages 2.3 (about 200
// followers). The per-source mean starts from it, with the weight of
// priorWeight authors, and may move it by at most maxShift orders of
// magnitude.
const (
	refLogMean  = 2.3
	priorWeight = 50
	maxShift    = 1.5
)

// normalise maps log10(1+followers) on the source to the reference scale by
// the difference of the source's mean from the reference: where authors
// typically have ten times fewer followers, a follower counts ten times.
func (a *audienceStats) normalise(l float64) float64 {
	mean := (priorWeight*refLogMean + a.sum) / (priorWeight + max(a.n, 0))
	return max(0, l+max(-maxShift, min(maxShift, refLogMean-mean)))
}

// normHandle returns the canonical form of a handle, as mentions and
// authors are matched: lower case, without its "@", without the server of
// a fediverse handle ("@ann@fosstodon.org" is "ann") and without the
// default Bluesky domain ("ann.bsky.social" is "ann"), so that a mention
// "@ann" finds the author "@ann.bsky.social" on the same source.
func normHandle(h string) string {
	h = strings.ToLower(strings.TrimLeft(strings.TrimSpace(h), "@"))
	if i := strings.IndexByte(h, '@'); i >= 0 {
		h = h[:i]
	}
	return strings.TrimSuffix(h, ".bsky.social")
}

// normTerm lower-cases a topic term and drops a leading "#" or "@".
func normTerm(s string) string {
	return strings.ToLower(strings.TrimLeft(strings.TrimSpace(s), "#@"))
}

// containsWord reports whether term occurs in text at word boundaries.
func containsWord(text, term string) bool {
	for i := 0; ; {
		j := strings.Index(text[i:], term)
		if j < 0 {
			return false
		}
		j += i
		end := j + len(term)
		if (j == 0 || !isWordByte(text[j-1])) && (end == len(text) || !isWordByte(text[end])) {
			return true
		}
		i = j + 1
	}
}

func isWordByte(b byte) bool {
	return b == '_' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 0x80
}

// textHash hashes a text's words, lower-cased, leaving out links, handles
// and numbers, so that templated spam ("claim now kestrel-deals.shop/rq22f",
// then ".../7bwm4") hashes alike.
func textHash(s string) uint64 {
	h := fnv.New64a()
	for _, w := range strings.FieldsFunc(strings.ToLower(s), unicode.IsSpace) {
		if strings.HasPrefix(w, "@") || isLink(w) {
			continue
		}
		w = strings.TrimFunc(w, func(r rune) bool { return !unicode.IsLetter(r) })
		if w == "" {
			continue
		}
		h.Write([]byte(w))
		h.Write([]byte{' '})
	}
	return h.Sum64()
}

// isLink reports whether a word is a link: it has a scheme or a path, or
// ends in a domain ("kestrel-deals.shop").
func isLink(w string) bool {
	if strings.Contains(w, "://") || strings.HasPrefix(w, "www.") || strings.Contains(strings.TrimRight(w, "/.,!?)"), "/") {
		return true
	}
	w = strings.TrimRight(w, ".,!?)")
	i := strings.LastIndexByte(w, '.')
	if i <= 0 || len(w)-i-1 < 2 {
		return false
	}
	for _, r := range w[i+1:] {
		if r < 'a' || r > 'z' {
			return false
		}
	}
	return true
}

func clamp01(x float64) float64 { return max(0, min(1, x)) }

// RankEvery recomputes the graph rank every interval of wall-clock time
// until ctx is done, and then returns ctx's error. Ranking errors other than
// ctx's go to onErr, if not nil, and the schedule goes on. Run it in its own
// goroutine.
func (t *Tracker) RankEvery(ctx context.Context, interval time.Duration, onErr func(error)) error {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
			if _, err := t.Rank(ctx); err != nil && ctx.Err() == nil && onErr != nil {
				onErr(err)
			}
		}
	}
}

// Prune drops the interactions of the graph whose weight, decayed to the
// tracker's clock, has fallen below minWeight (see [Graph.Prune]), and
// returns how many. Ranks change only by what those edges still carried.
func (t *Tracker) Prune(minWeight float64) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.graph.Prune(t.now, minWeight)
}
