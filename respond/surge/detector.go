package surge

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"
	"unsafe"

	"github.com/harkhq/hark"
)

// An Observation is one scored post as the [Detector] sees it. Only Keys and
// Time are required; the rest explains alerts.
type Observation struct {
	// Keys are the keys the post falls under, in whatever dimensions the
	// caller chooses: "brand:acme", "product:x2", "place:paris",
	// "intent:complaint", "source:bluesky", "lang:fr". Each key is watched
	// on its own. Put "source:NAME" among them to watch a source for
	// silence.
	Keys []string
	// Time is when the post was written (or heard); it drives the
	// detector's virtual clock.
	Time time.Time
	// Negative reports that the post was judged negative.
	Negative bool
	// Source names where the post was heard.
	Source string
	// Terms and Entities are what the post says and is about (see
	// [Terms] for a cheap tokenizer); they become drivers of alerts.
	Terms    []string
	Entities []string
	// PostID names the post among the top posts of an alert.
	PostID string
	// Weight ranks the post among top posts (reach, engagement); zero
	// counts as 1.
	Weight float64
}

// Kind is what an alert is about.
type Kind string

// Alert kinds.
const (
	// KindVolume: more posts under the key than its baseline allows.
	KindVolume Kind = "volume"
	// KindNegativity: a larger share of the key's posts is negative.
	KindNegativity Kind = "negativity"
	// KindSilence: the key stopped producing posts for several times its
	// usual interval, when its baseline expected many (an ingestion gap,
	// a dead source).
	KindSilence Kind = "silence"
)

// An Alert is a surge or a silence of one key, raised once per episode and
// again only when the episode escalates. It is an event a policy can route:
// page comms, open an incident.
type Alert struct {
	Key  string `json:"key"`
	Kind Kind   `json:"kind"`
	// Start is when the rise (or the silence) began. At is when the alert
	// was raised: the time of the post that tipped it, or the end of the
	// bucket whose close did (silences are noticed at sweeps, see
	// Config.Sweep, and At is then the end of the bucket that showed it).
	Start time.Time `json:"start"`
	At    time.Time `json:"at"`
	// Score is the surge score 0..1 at the alert (1 for a silence).
	Score float64 `json:"score"`
	// Escalation reports a re-alert of an open episode that grew.
	Escalation bool `json:"escalation,omitempty"`
	// Observed and Expected are, for volume, posts in the bucket and the
	// baseline's forecast; for negativity, negative posts in the bucket and
	// the baseline share's forecast of them; for silence, posts since Start
	// (zero) and the posts the baseline expected over the silence.
	Observed float64 `json:"observed"`
	Expected float64 `json:"expected"`
	// Drivers explain what rose against the baseline.
	Drivers Drivers `json:"drivers,omitzero"`
	// Reasons say why in a person's terms.
	Reasons []hark.Reason `json:"reasons"`
}

// Drivers are the terms, entities, sources and top posts that rose against
// a key's baseline when an alert was raised.
type Drivers struct {
	Terms    []Driver `json:"terms,omitempty"`
	Entities []Driver `json:"entities,omitempty"`
	Sources  []Driver `json:"sources,omitempty"`
	// TopPosts are the IDs of the heaviest recent posts, heaviest first.
	TopPosts []string `json:"top_posts,omitempty"`
}

// Config configures a [Detector]. The zero value is ready to use: zero
// fields take the defaults named in their comments.
type Config struct {
	// Bucket is the width of a key's count buckets. Default 5 minutes.
	Bucket time.Duration
	// Series configures each key's volume series; its Interval is Bucket
	// and Counts is set.
	Series SeriesConfig
	// MaxKeys bounds the number of keys held. When a new key would exceed
	// it, the tenth of keys idle longest is evicted. Default 100,000.
	MaxKeys int
	// IdleAfter evicts a key that has had no post for this long. Default
	// 14 days.
	IdleAfter time.Duration
	// MinNegative is the fewest negative posts in a bucket for a
	// negativity alert. Default 5.
	MinNegative int
	// Silence is how many times its usual interval between posts a key
	// must stay silent before a silence alert. Default 6. Only keys whose
	// interval is established are watched (50 posts over three days, past
	// the warm-up), and a silence must also last twice the longest gap the
	// key had at the same hours of the day in the past weeks (a lull it has
	// shown before is no silence).
	Silence float64
	// SilenceExpect is the fewest posts the baseline must have expected
	// over the silence, times the key's overdispersion (so that a bursty
	// key's lulls are not silences). Default 15.
	SilenceExpect float64
	// TopK is how many names each driver tally keeps per key, at most 16.
	// Default 16.
	TopK int
	// TopPosts is how many top posts an alert names, at most 4. Default 3.
	TopPosts int
	// Drivers is how many drivers of each dimension an alert names.
	// Default 5.
	Drivers int
	// Sweep is how often every key, posting or not, is brought up to
	// date: its empty buckets fed to its baseline, its silence checked.
	// Keys with posts are up to date at every bucket; a silence is noticed
	// at the first sweep after it shows. Default 30 minutes.
	Sweep time.Duration
	// HashSeed seeds the hash of the names the driver tallies count. Zero
	// means a fixed seed, so that the same posts always give the same
	// alerts and drivers; set a secret random one where the posts' words
	// could be chosen to collide in the tallies.
	HashSeed uint64
}

func (c Config) withDefaults() Config {
	if c.Bucket <= 0 {
		c.Bucket = 5 * time.Minute
	}
	if c.MaxKeys <= 0 {
		c.MaxKeys = 100_000
	}
	if c.IdleAfter <= 0 {
		c.IdleAfter = 14 * 24 * time.Hour
	}
	if c.MinNegative <= 0 {
		c.MinNegative = 5
	}
	if c.Silence <= 0 {
		c.Silence = 6
	}
	if c.SilenceExpect <= 0 {
		c.SilenceExpect = 15
	}
	if c.TopK <= 0 {
		c.TopK = maxTopK
	}
	c.TopK = min(c.TopK, maxTopK)
	if c.TopPosts <= 0 {
		c.TopPosts = 3
	}
	c.TopPosts = min(c.TopPosts, maxTopPosts)
	if c.Drivers <= 0 {
		c.Drivers = 5
	}
	if c.Sweep <= 0 {
		c.Sweep = 30 * time.Minute
	}
	c.Series.Interval = c.Bucket
	c.Series.Counts = true
	c.Series = c.Series.withDefaults()
	return c
}

// Salts keep the names of the three driver dimensions apart in the global
// tally.
const (
	entitySalt = 0x9e3779b97f4a7c15
	sourceSalt = 0xc2b2ae3d27d4eb4f
)

// A Detector watches keyed streams of scored posts for volume and
// negativity surges and for silences. Its clock is virtual: it moves with
// the observations' times and with [Detector.Advance], never with the wall
// clock, so replays and tests are exact. Identical observations and
// configuration give identical alerts, in the same order.
//
// Memory is bounded: per key a fixed-size series, tallies of at most TopK
// names per dimension and TopPosts posts; and at most MaxKeys keys.
//
// A Detector is not safe for concurrent use; guard it with a mutex or give
// each worker its own keys.
type Detector struct {
	cfg     Config
	hash    hasher
	keys    keyTable
	keyMask uint64      // of the names' hashes for keys: all ones (fewer bits in tests, for collisions)
	list    []*keyState // the keys in a stable order, for sweeps
	start   time.Time   // first observation's bucket
	cur     time.Time   // start of the open bucket; zero before any
	end     int64       // end of the open bucket, unix nanoseconds (see setClock)
	epoch   int64       // buckets closed
	// sweepEvery is how many buckets pass between sweeps of all keys (see
	// Config.Sweep); in between, only keys with posts are closed and the
	// empty buckets of the others are fed to their series at the next
	// sweep or post.
	sweepEvery int64
	pending    []Alert // raised outside Observe and Advance, returned by the next
	// the hashes of a post's terms and entities (here rather than on
	// Observe's stack, which would clear them for every post)
	termHash, entHash [16]uint64
	global            *globalTally // names across all posts: the drivers' baseline floor
	// decays per bucket of the driver tallies
	fastDecay, slowDecay float32
	// their powers for the first decayN buckets: catchUp needs them per
	// key and bucket
	fastPow, slowPow [decayN]float32
	recentWin        time.Duration
	fetched          uintptr // the sums of keyState.prefetch, kept
}

type keyState struct {
	// What every post touches comes first, in two cache lines (a
	// keyState's size class is a multiple of 64 bytes, so its lines
	// start where it does); then the top posts' claims, which every post
	// compares with, in a third. Then the tallies (one or two lines per
	// name counted), and what bucket closes touch.
	n, neg             int    // open bucket
	fed                int64  // the next bucket to feed to the series, counted as Detector.epoch
	termSeen, entSeen  uint64 // filters of the names terms and ents hold (see tally.add)
	lastSeen           int64  // unix nanoseconds of the latest post
	epoch              int64  // buckets closed when the tallies were last decayed
	fastTotal          float64
	slowTotal          float64
	gap                float64 // usual interval between posts, seconds (EWMA)
	seen               int
	silentExp          float64
	gapLow             float64 // no gap this long beats a record of longest (see noteGap)
	peekVol, peekNeg   int32   // counts at which to look for an early alert again
	topMin, ntop       uint8   // index of the lightest of top; how many are held
	silent             bool
	earlyVol, earlyNeg bool // alerted early; the close must not again
	// the volume and negativity episodes were open at the open bucket's
	// first post, and so are still (only closes open and end them): the
	// bucket can raise no early alert of that kind (see early). Not in a
	// snapshot: a restored key has them false, and looks.
	volOpen, negOpen bool
	nterms, nsrcs    uint8 // names held by terms and srcs
	nents            uint8

	// claims[i] is top[i]'s claim to its place: about log2(weight), plus
	// an age discount (see addTop), as an orderKey
	claims [2 * maxTopPosts]int64

	terms, srcs, ents tally
	longest           [gapBands]gapRecord // longest ordinary gaps by time of day (see longestGap)
	// top posts: candidates, inline, no pointer to chase
	top [2 * maxTopPosts]topPost

	// what bucket closes touch
	name              string
	idx               int // in Detector.list
	volScore, negScr  float64
	volSince, negFrom time.Time
	// the volume baseline's forecast for the open bucket, set at its
	// first post (beside negScr, which the close before it writes)
	bucketExp float64
	ng        shareTest
	vol       Series
}

type topPost struct {
	id     string
	weight float64
	t      int64 // unix nanoseconds
	neg    bool
}

// New returns a Detector with the configuration cfg.
func New(cfg Config) *Detector {
	c := cfg.withDefaults()
	d := &Detector{cfg: c, hash: hasher{seed: c.HashSeed}, keyMask: math.MaxUint64}
	d.fastDecay = float32(1 - halfLifeAlpha(30*time.Minute, c.Bucket))
	d.slowDecay = float32(1 - halfLifeAlpha(2*24*time.Hour, c.Bucket))
	for i := range decayN {
		d.fastPow[i] = float32(math.Pow(float64(d.fastDecay), float64(i)))
		d.slowPow[i] = float32(math.Pow(float64(d.slowDecay), float64(i)))
	}
	d.recentWin = max(time.Hour, 3*c.Bucket)
	d.sweepEvery = max(1, int64(c.Sweep/c.Bucket))
	d.global = new(globalTally)
	d.global.init(d.slowDecay)
	return d
}

// Now returns the detector's virtual clock: the end of the last bucket
// closed, or the zero time before any observation.
func (d *Detector) Now() time.Time { return d.cur }

// Len returns the number of keys held.
func (d *Detector) Len() int { return len(d.list) }

// key returns the key named name, or nil.
func (d *Detector) key(name string) *keyState {
	return d.keys.find(name, d.hash.sum(name)&d.keyMask)
}

// Status is the surge state of one key: what a policy deciding about a
// post under the key may look at (respond.SurgeState gathers it over a
// post's keys).
type Status struct {
	// Active reports an open volume or negativity episode.
	Active bool
	// Silent reports an open silence.
	Silent bool
	// Score is the higher of the volume and negativity scores of the last
	// closed bucket, 0..1.
	Score float64
	// Since is when the open episode's rise began.
	Since time.Time
}

// Status returns the surge state of key; the zero Status for an unknown
// key. Alerts that bringing the key up to date raises (a silence noticed
// early) are returned by the next Observe or Advance.
func (d *Detector) Status(key string) Status {
	k := d.key(key)
	if k == nil {
		return Status{}
	}
	d.pending = d.bringUp(k, d.pending)
	st := Status{Silent: k.silent, Score: max(k.volScore, k.negScr)}
	if k.vol.Active() {
		st.Active, st.Since = true, k.volSince
	}
	if k.ng.active {
		st.Active = true
		if st.Since.IsZero() || k.negFrom.Before(st.Since) {
			st.Since = k.negFrom
		}
	}
	return st
}

// PostStatus is the surge state of the keys a post falls under, as a
// policy deciding about the post looks at it: it converts to
// respond.SurgeState, respond.SurgeState(d.PostStatus(keys)), for a
// respond.Case.
type PostStatus struct {
	// Active reports an open volume or negativity episode on one of the
	// keys.
	Active bool
	// Keys are the keys with an open episode, in the order given.
	Keys []string
	// Score is the highest score, 0..1, of the last closed bucket among
	// the keys.
	Score float64
}

// PostStatus returns the surge state of keys (see [Detector.Status] for
// each key's).
func (d *Detector) PostStatus(keys []string) PostStatus {
	var ps PostStatus
	for i, k := range keys {
		if i > 0 && slices.Contains(keys[:i], k) {
			continue
		}
		st := d.Status(k)
		ps.Score = max(ps.Score, st.Score)
		if st.Active {
			ps.Active = true
			ps.Keys = append(ps.Keys, k)
		}
	}
	return ps
}

// Observe counts o under each of its keys and returns the alerts raised by
// the buckets its time closed and by o itself, if any. An observation
// earlier than the open bucket, or without a time, counts in the open
// bucket (one without a time before any with a time is dropped: there is
// no clock yet).
func (d *Detector) Observe(o Observation) []Alert {
	var alerts []Alert
	switch {
	case o.Time.IsZero():
		if d.cur.IsZero() {
			return nil // no clock yet to count it on
		}
		o.Time = d.cur
	case d.cur.IsZero():
		d.setClock(o.Time.Truncate(d.cfg.Bucket))
		d.start = d.cur
	}
	tn := o.Time.UnixNano()
	if tn >= d.end || len(d.pending) > 0 {
		alerts = d.advance(o.Time)
	}
	th, eh := &d.termHash, &d.entHash
	nt, ne := min(len(o.Terms), len(th)), min(len(o.Entities), len(eh))
	for i := 0; i < nt; i++ {
		th[i] = d.hash.sum(o.Terms[i])
	}
	for i := 0; i < ne; i++ {
		eh[i] = d.hash.sum(o.Entities[i])
	}
	var sh uint64
	if o.Source != "" {
		sh = d.hash.sum(o.Source)
	}
	w := o.Weight
	if w <= 0 || math.IsNaN(w) {
		w = 1
	}
	// a post's claim to be a top post: see addTop
	off := zoneOffset(o.Time)
	claim := orderKey(log2ish(w) + float64(tn)/float64(10*time.Minute))
	d.global.post(o.Negative)
	for i := 0; i < nt; i++ {
		d.global.add(th[i])
	}
	for i := 0; i < ne; i++ {
		d.global.add(eh[i] ^ entitySalt)
	}
	if o.Source != "" {
		d.global.add(sh ^ sourceSalt)
	}
	for i, key := range o.Keys {
		if i > 0 && slices.Contains(o.Keys[:i], key) {
			continue // a key named twice counts once
		}
		k := d.key(key)
		if k == nil {
			k = d.newKey(key, o.Time)
		}
		d.fetched += k.prefetchPost(nt > 0, ne > 0, o.Source != "")
		if k.fed < d.epoch {
			// bring the key up to date first: close the bucket its
			// counts are in, and its empty buckets since (zeros, or
			// missing data if it was silent)
			alerts = d.bringUp(k, alerts)
		}
		if k.n == 0 { // the key's first post in the open bucket
			k.bucketExp = max(k.vol.Expect(d.cur), k.vol.rateFloor())
			k.peekVol = peekAt(max(2, int(2*k.bucketExp)+1))
			k.peekNeg = peekAt(max(2, int(2*k.bucketExp*max(k.ng.p, k.ng.pj))+1))
			k.volOpen, k.negOpen = k.vol.active, k.ng.active
		}
		k.n++
		if o.Negative {
			k.neg++
		}
		// (see early: most posts need no look, and those of a key in an
		// episode none of its kind, which this tells from the lines every
		// post reads)
		if (k.n >= int(k.peekVol) && !k.volOpen) || (k.neg >= int(k.peekNeg) && !k.negOpen) {
			alerts = d.early(k, o.Time, alerts)
		}
		if k.seen > 0 {
			if g := float64(tn-k.lastSeen) / 1e9; g >= 0 {
				if k.seen == 1 {
					k.gap = g
				} else {
					k.gap += 0.05 * (min(g, 10*k.gap+1) - k.gap)
				}
				// a silence declared is no ordinary gap: it must not
				// raise the bar for the next one
				if !k.silent && g > k.gapLow {
					k.noteGap(k.lastSeen, tn, off, g)
				}
			}
		}
		k.seen++
		if tn > k.lastSeen {
			k.lastSeen = tn
		}
		k.silent = false
		k.silentExp = 0
		if k.epoch < d.epoch { // (see catchUp)
			d.catchUp(k)
		}
		k.fastTotal++
		k.slowTotal++
		for i := 0; i < nt; i++ {
			k.terms.add(&k.nterms, &k.termSeen, th[i], o.Terms[i], d.cfg.TopK)
		}
		for i := 0; i < ne; i++ {
			k.ents.add(&k.nents, &k.entSeen, eh[i], o.Entities[i], d.cfg.TopK)
		}
		if o.Source != "" {
			k.srcs.add(&k.nsrcs, nil, sh, o.Source, d.cfg.TopK)
		}
		if o.PostID != "" {
			if int(k.ntop) < 2*d.cfg.TopPosts || claim >= k.claims[k.topMin] { // (see addTop)
				d.addTop(k, topPost{id: o.PostID, weight: w, t: tn, neg: o.Negative}, claim)
			}
		}
	}
	sortAlerts(alerts)
	return alerts
}

// sortAlerts orders alerts by time, key and kind.
func sortAlerts(alerts []Alert) {
	if len(alerts) > 1 { // (most posts raise none: a check inlined, no call)
		sortSome(alerts)
	}
}

func sortSome(alerts []Alert) {
	slices.SortStableFunc(alerts, func(a, b Alert) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Key, b.Key); c != 0 {
			return c
		}
		return cmp.Compare(a.Kind, b.Kind)
	})
}

func (d *Detector) newKey(name string, t time.Time) *keyState {
	if len(d.list) >= d.cfg.MaxKeys {
		d.evict(max(1, d.cfg.MaxKeys/10))
	}
	k := &keyState{name: name, lastSeen: t.UnixNano(), epoch: d.epoch, fed: d.epoch, idx: len(d.list)}
	k.vol.init(&d.cfg.Series)
	k.ng.init(&d.cfg)
	// A key first seen after the detector has watched for a day was quiet
	// until now: its baseline starts at zero, so that a new topic's first
	// burst is a surge, not a warm-up.
	if d.cur.Sub(d.start) >= 24*time.Hour {
		k.vol.primeZero(d.start, d.cur)
	}
	d.keys.add(k, d.hash.sum(name)&d.keyMask)
	d.list = append(d.list, k)
	return k
}

// drop forgets k.
func (d *Detector) drop(k *keyState) {
	last := d.list[len(d.list)-1]
	d.list[k.idx] = last
	last.idx = k.idx
	d.list = d.list[:len(d.list)-1]
	d.keys.remove(k, d.hash.sum(k.name)&d.keyMask)
}

// evict drops the n keys idle longest (ties by name, for determinism).
func (d *Detector) evict(n int) {
	ks := slices.Clone(d.list)
	slices.SortFunc(ks, func(a, b *keyState) int {
		if c := cmp.Compare(a.lastSeen, b.lastSeen); c != 0 {
			return c
		}
		return cmp.Compare(a.name, b.name)
	})
	for _, k := range ks[:min(n, len(ks))] {
		d.drop(k)
	}
}

// decayN is how many powers of the decays are kept (a day of 5-minute
// buckets).
const decayN = 288

// catchUp applies to k's tallies the decay of the buckets closed since they
// were last touched (decay is lazy, so idle keys cost nothing).
func (d *Detector) catchUp(k *keyState) {
	n := d.epoch - k.epoch
	if n <= 0 {
		return
	}
	k.epoch = d.epoch
	var df, ds float32
	if n < decayN {
		df, ds = d.fastPow[n], d.slowPow[n]
	} else {
		df = float32(math.Pow(float64(d.fastDecay), float64(n)))
		ds = float32(math.Pow(float64(d.slowDecay), float64(n)))
	}
	k.terms.decay(k.nterms, df, ds)
	k.ents.decay(k.nents, df, ds)
	k.srcs.decay(k.nsrcs, df, ds)
	k.fastTotal *= float64(df)
	k.slowTotal *= float64(ds)
}

// log2ish is a cheap stand-in for math.Log2 for the claims of top posts:
// exact at powers of two, linear between, and increasing, so that it
// orders weights as Log2 does.
func log2ish(w float64) float64 {
	if !(w >= 0x1p-1022) || w > math.MaxFloat64 { // subnormal, zero, NaN, Inf
		return math.Log2(w)
	}
	b := math.Float64bits(w)
	e := int((b>>52)&0x7ff) - 1023
	return float64(e) + float64(b&(1<<52-1))/(1<<52)
}

// addTop keeps p among the key's candidate top posts: twice as many as an
// alert names, since an alert names only those of its episode (and, for
// negativity, the negative ones). A candidate's claim to its place is its
// weight discounted by its age (halved every ten minutes), so that a new
// episode's posts get in even where heavier posts came before; the claims
// of posts held keep their order as time passes, so the weakest is known.
func (d *Detector) addTop(k *keyState, p topPost, claim int64) {
	if int(k.ntop) < 2*d.cfg.TopPosts {
		k.top[k.ntop], k.claims[k.ntop] = p, claim
		if claim < k.claims[k.topMin] {
			k.topMin = k.ntop
		}
		k.ntop++
		return
	}
	if claim < k.claims[k.topMin] {
		return
	}
	k.top[k.topMin], k.claims[k.topMin] = p, claim
	m, mc := 0, k.claims[0]
	for i, c := range k.claims[1:k.ntop] {
		if c < mc {
			m, mc = i+1, c
		}
	}
	k.topMin = uint8(m)
}

// orderKey returns an integer that orders as x does among floats that are
// not NaN (a negative float's magnitude bits are flipped), so that the
// weakest claim is found by integer comparisons, without branches to
// mispredict. It is its own inverse.
func orderKey(x float64) int64 {
	b := int64(math.Float64bits(x))
	return b ^ int64(uint64(b>>63)>>1)
}

// keyFloat returns the float whose orderKey is k.
func keyFloat(k int64) float64 { return math.Float64frombits(uint64(k ^ int64(uint64(k>>63)>>1))) }

// Advance moves the virtual clock to now, closing every bucket that ends at
// or before it, brings every key up to date, and returns the alerts
// raised, ordered by time, key and kind. A clock that would go back does
// not move. Call it when the input falls quiet (a timer, the end of a
// replay): Observe moves the clock too, but brings up to date only the keys
// it counts a post under, and the others at sweeps (Config.Sweep).
func (d *Detector) Advance(now time.Time) []Alert {
	alerts := d.advance(now)
	alerts = d.sweep(alerts)
	sortAlerts(alerts)
	return alerts
}

// advance moves the clock to now, closing buckets; keys are brought up to
// date at sweeps, or when they next have a post.
func (d *Detector) advance(now time.Time) []Alert {
	if d.cur.IsZero() {
		d.setClock(now.Truncate(d.cfg.Bucket))
		d.start = d.cur
		return nil
	}
	alerts := d.pending
	d.pending = nil
	// a jump longer than a day is a gap in the input: close a day of
	// buckets (time enough for silences to show), then leap; the series
	// see the leap as missing data
	if limit := d.cur.Add(24 * time.Hour); now.After(limit) {
		for d.cur.Add(d.cfg.Bucket).Compare(limit) <= 0 {
			alerts = d.closeBucket(alerts)
		}
		alerts = d.sweep(alerts)
		to := now.Truncate(d.cfg.Bucket)
		d.epoch += int64(to.Sub(d.cur) / d.cfg.Bucket)
		d.setClock(to)
		for i := len(d.list) - 1; i >= 0; i-- {
			k := d.list[i]
			k.fed = d.epoch
			if now.UnixNano()-k.lastSeen > int64(d.cfg.IdleAfter) {
				d.drop(k)
			}
		}
	}
	for !now.Before(d.cur.Add(d.cfg.Bucket)) {
		alerts = d.closeBucket(alerts)
	}
	return alerts
}

// setClock makes t the start of the open bucket.
func (d *Detector) setClock(t time.Time) {
	d.cur = t
	d.end = t.Add(d.cfg.Bucket).UnixNano()
}

// closeBucket opens the next bucket, and sweeps all keys when a sweep is
// due. A key's own buckets are closed when it is next brought up to date.
func (d *Detector) closeBucket(alerts []Alert) []Alert {
	d.setClock(d.cur.Add(d.cfg.Bucket))
	d.epoch++
	d.global.tick()
	if d.epoch%d.sweepEvery == 0 {
		alerts = d.sweep(alerts)
	}
	return alerts
}

// sweep brings every key up to date (so silences and the ends of episodes
// show) and drops idle keys.
func (d *Detector) sweep(alerts []Alert) []Alert {
	now := d.cur.UnixNano()
	for i := len(d.list) - 1; i >= 0; i-- {
		k := d.list[i]
		if i > 0 {
			// the next key's lines are on their way while this one closes
			d.fetched += d.list[i-1].prefetch()
		}
		if now-k.lastSeen > int64(d.cfg.IdleAfter) {
			d.drop(k)
			continue
		}
		alerts = d.bringUp(k, alerts)
	}
	return alerts
}

// bringUp closes k's buckets from k.fed up to the open one: the first with
// the posts counted in it, the others empty. Closing a key's buckets when
// it is touched anyway (its next post, or a sweep) keeps the work where its
// state is in cache; alerts keep the times of the buckets that raised them.
func (d *Detector) bringUp(k *keyState, alerts []Alert) []Alert {
	if k.fed >= d.epoch {
		return alerts
	}
	d.fetched += k.prefetch()
	bt := d.fedTime(k)
	for k.fed < d.epoch {
		at := bt.Add(d.cfg.Bucket)
		n, neg := k.n, k.neg
		k.n, k.neg = 0, 0
		alerts = d.closeKey(k, bt, at, n, neg, alerts)
		k.fed++
		bt = at
	}
	return alerts
}

// prefetch reads a word of each cache line of k that a close reads: the
// two lines every post reads, and the span from its name to the end of its
// series' daily profile (its negativity test, its series' scalars and
// scan windows), but not the series' tail histograms and weekly slots, of
// which a close reads a line or two. The loads do not depend on each
// other, so that their misses overlap, where the close would meet them one
// after another; the caller keeps the sum so that they are not dropped.
func (k *keyState) prefetch() uintptr {
	const (
		from = unsafe.Offsetof(k.name)
		to   = unsafe.Offsetof(k.vol) + unsafe.Offsetof(k.vol.tailZ)
	)
	return touch(unsafe.Pointer(k), 128) + touch(unsafe.Pointer(&k.name), to-from)
}

// prefetchPost reads, as prefetch does, a word of each line of k that a
// post reads once it has found k: the second of the lines every post
// reads, the top posts' claims, and the fingerprints and counts of the
// tallies of the names it has (the names themselves are only written).
func (k *keyState) prefetchPost(terms, ents, srcs bool) uintptr {
	const counted = unsafe.Offsetof(k.terms.name) // fingerprints and counts
	sum := touch(unsafe.Add(unsafe.Pointer(k), 64), 64) + touch(unsafe.Pointer(&k.claims), unsafe.Sizeof(k.claims))
	if terms {
		sum += touch(unsafe.Pointer(&k.terms), counted)
	}
	if ents {
		sum += touch(unsafe.Pointer(&k.ents), counted)
	}
	if srcs {
		sum += touch(unsafe.Pointer(&k.srcs), counted)
	}
	return sum
}

// touch returns the sum of a word of each cache line of the n bytes at p,
// which is aligned to a word (if it is not to a line, the last line of
// the span may be left out).
func touch(p unsafe.Pointer, n uintptr) (sum uintptr) {
	for off := uintptr(0); off < n; off += 64 {
		sum += *(*uintptr)(unsafe.Add(p, off))
	}
	return sum
}

// fedTime returns the start of the next bucket of k to feed to its series.
func (d *Detector) fedTime(k *keyState) time.Time {
	return d.cur.Add(-time.Duration(d.epoch-k.fed) * d.cfg.Bucket)
}

// closeKey closes the bucket of k from bt to at, with n posts, neg of them
// negative.
func (d *Detector) closeKey(k *keyState, bt, at time.Time, n, neg int, alerts []Alert) []Alert {
	// silence: once declared, empty buckets are missing data, not zeros
	if n == 0 && k.silent {
		k.volScore, k.negScr = 0, 0
		return alerts
	}
	p := k.vol.Observe(bt, float64(n))
	k.volScore = p.Score
	if p.Alert && !(k.earlyVol && !p.Escalation) {
		alerts = append(alerts, d.volAlert(k, p, at, n))
	}
	ok, esc, sc, exp := k.ng.observe(bt, n, neg, max(p.Expected, k.vol.rateFloor()), d.global.negShare())
	if ok && !(k.earlyNeg && !esc) {
		alerts = append(alerts, d.negAlert(k, esc, sc, exp, at, n, neg))
	}
	k.earlyVol, k.earlyNeg = false, false
	k.negScr = k.ng.score
	// silence
	if n > 0 {
		k.silentExp = 0
		return alerts
	}
	k.silentExp += p.Expected
	// (the cheap tests first: the clock's are not)
	if quiet := float64(at.UnixNano()-k.lastSeen) / 1e9; !k.silent && k.seen >= silenceSeen && k.gap > 0 &&
		quiet >= d.cfg.Silence*max(k.gap, d.cfg.Bucket.Seconds()) &&
		k.silentExp >= d.cfg.SilenceExpect*max(1, sq(k.vol.scale())) &&
		!k.vol.warm(bt) && bt.Sub(k.vol.first) >= silenceWatch &&
		quiet >= silenceLongest*k.longestGap(k.lastSeen, at.UnixNano(), zoneOffset(at)) {
		k.silent = true
		last := time.Unix(0, k.lastSeen).In(at.Location())
		a := Alert{Key: k.name, Kind: KindSilence, Start: last, At: at, Score: 1, Expected: round2(k.silentExp)}
		a.Reasons = []hark.Reason{{Code: "silence",
			Span: fmt.Sprintf("no post for %s, usually one every %s and never more than %s apart at these hours; about %.0f expected",
				at.Sub(last).Round(time.Second), time.Duration(k.gap*float64(time.Second)).Round(time.Second),
				time.Duration(k.longestGap(k.lastSeen, at.UnixNano(), zoneOffset(at))*float64(time.Second)).Round(time.Minute), k.silentExp),
			Weight: 1}}
		alerts = append(alerts, a)
	}
	return alerts
}

// A key is watched for silence once its usual interval is established:
// silenceSeen posts over silenceWatch (every hour of the day seen three
// times), and the volume baseline's warm-up over. A silence must
// then outlast silenceLongest times the longest gap the key had in the
// same hours of the day in the past weeks (see longestGap), so that the
// lulls a key has shown, its nights, are not silences.
const (
	silenceSeen     = 50
	silenceWatch    = 3 * 24 * time.Hour
	silenceLongest  = 2
	longestHalfLife = 7 * 24 * 3600 // seconds
	gapBands        = 6             // bands of the day, of 24/gapBands hours
	bandSecs        = 24 * 3600 / gapBands
)

// A gapRecord is the longest gap, in seconds, seen in one band of the day,
// and when (unix seconds).
type gapRecord struct {
	secs float32
	at   int64
}

// fadedTo returns the record faded to now, with a half-life of a week, so that a
// key whose rhythm quickens is watched more tightly in time.
func (r gapRecord) fadedTo(now int64) float64 {
	if r.secs == 0 || now <= r.at {
		return float64(r.secs)
	}
	return float64(r.secs) * math.Exp2(-float64(now-r.at)/longestHalfLife)
}

// zoneOffset returns the offset of t's location from UTC, in seconds,
// without a zone lookup for UTC times.
func zoneOffset(t time.Time) int64 {
	if t.Location() == time.UTC {
		return 0
	}
	_, off := t.Zone()
	return int64(off)
}

// bandSpan returns the bands of the day, counted from the epoch, of the
// span from..to (unix nanoseconds) in a location off seconds east of UTC;
// at most a day of them.
func bandSpan(from, to, off int64) (a, z int64) {
	a = (from/1e9 + off) / bandSecs
	z = (to/1e9 + off) / bandSecs
	return a, min(z, a+gapBands-1)
}

// bandOf returns the band of the day of band i counted from the epoch.
func bandOf(i int64) int {
	b := int(i % gapBands)
	if b < 0 {
		b += gapBands
	}
	return b
}

// noteGap records a gap of g seconds between posts at from and to (unix
// nanoseconds, off seconds east of UTC) in the bands of the day it spans.
// Gaps shorter than a quarter of a band's record cannot beat it, faded or
// not, within a fortnight: they are let go without a look at the clock, and
// those no longer than k.gapLow, a quarter of the shortest record, without
// a look at the records (the caller's test).
func (k *keyState) noteGap(from, to, off int64, g float64) {
	a, z := bandSpan(from, to, off)
	b := bandOf(a)
	for i := a; i <= z; i++ {
		r := &k.longest[b]
		if g > 0.25*float64(r.secs) {
			// (a record faded is never more than it was: one beaten
			// unfaded needs no exponential)
			if now := to / 1e9; g >= float64(r.secs) || g >= r.fadedTo(now) {
				r.secs, r.at = float32(g), now
				k.setGapLow()
			}
		}
		if b++; b == gapBands {
			b = 0
		}
	}
}

// setGapLow sets k.gapLow from the records of longest.
func (k *keyState) setGapLow() {
	m := k.longest[0].secs
	for _, r := range k.longest[1:] {
		m = min(m, r.secs)
	}
	k.gapLow = 0.25 * float64(m)
}

// longestGap returns the longest gap between posts of k, in seconds, that
// was not itself a silence, among the bands of the day the span from..to
// overlaps.
func (k *keyState) longestGap(from, to, off int64) float64 {
	var m float64
	a, z := bandSpan(from, to, off)
	for i := a; i <= z; i++ {
		m = max(m, k.longest[bandOf(i)].fadedTo(to/1e9))
	}
	return m
}

func (d *Detector) volAlert(k *keyState, p Point, at time.Time, n int) Alert {
	if !p.Escalation {
		k.volSince = p.Start
	}
	a := Alert{Key: k.name, Kind: KindVolume, Start: p.Start, At: at, Score: round2(p.Score),
		Escalation: p.Escalation, Observed: float64(n), Expected: round2(p.Expected)}
	why := fmt.Sprintf("%d posts in %s against %.1f expected (z %.1f)", n, d.cfg.Bucket, p.Expected, p.Z)
	if p.Window > d.cfg.Bucket && p.Z < d.cfg.Series.Threshold {
		why = fmt.Sprintf("%.0f posts in the last %s against %.1f expected", p.WindowValue, p.Window, p.WindowExpected)
	}
	d.explain(k, &a, why)
	return a
}

func (d *Detector) negAlert(k *keyState, esc bool, score, exp float64, at time.Time, n, neg int) Alert {
	a := Alert{Key: k.name, Kind: KindNegativity, Start: k.ng.start, At: at, Score: round2(score),
		Escalation: esc, Observed: float64(neg), Expected: round2(exp)}
	if !esc {
		k.negFrom = k.ng.start
	}
	why := fmt.Sprintf("%d of %d posts negative against %.0f%% usually", neg, n, 100*k.ng.pj)
	if k.ng.win > 1 && k.ng.g >= k.ng.cusum {
		why = fmt.Sprintf("%d negative posts in the last %s against %.1f expected (%.0f%% usually negative)",
			k.ng.runNeg, time.Duration(k.ng.win)*d.cfg.Bucket, k.ng.winExp, 100*k.ng.pj)
	}
	d.explain(k, &a, why)
	return a
}

// early raises an alert within the open bucket, at the post that tips it:
// when the bucket's count so far is already enough for the bucket to raise
// it at its close (more posts can only add evidence), there is no reason to
// wait for the close. It looks only when the count has doubled its
// forecast, and then again only after another quarter, so that ordinary
// traffic costs nothing.
//
// A look judges the bucket on a copy of the key's baselines; none is taken
// in the cooldown after an episode, when the close could raise no alert
// either (no episode opens before the cooldown's end, and only an open one
// escalates).
func (d *Detector) early(k *keyState, t time.Time, alerts []Alert) []Alert {
	if k.n >= int(k.peekVol) && !k.earlyVol && !k.vol.Active() && !k.silent {
		if !d.cur.Before(k.vol.cooldown) {
			cp := k.vol
			p := cp.Observe(d.cur, float64(k.n))
			if p.Alert {
				k.earlyVol = true
				alerts = append(alerts, d.volAlert(k, p, t, k.n))
			}
		}
		k.peekVol = peekAt(k.n + max(1, k.n/4))
	}
	if k.neg >= int(k.peekNeg) && !k.earlyNeg && !k.ng.active {
		if !d.cur.Before(k.ng.cooldown) {
			cp := k.ng
			if ok, _, sc, exp := cp.observe(d.cur, k.n, k.neg, k.bucketExp, d.global.negShare()); ok {
				k.earlyNeg = true
				// explain by the state the bucket would close with
				saved := k.ng
				k.ng = cp
				alerts = append(alerts, d.negAlert(k, false, sc, exp, t, k.n, k.neg))
				k.ng = saved
			}
		}
		k.peekNeg = peekAt(k.neg + max(1, k.neg/4))
	}
	return alerts
}

// peekAt returns the count n at which to look for an early alert, as a
// keyState holds it (a bucket of more than 2^31-1 posts is not looked into
// again).
func peekAt(n int) int32 { return int32(min(n, math.MaxInt32)) }

// explain fills an alert's drivers and reasons from the key's tallies.
func (d *Detector) explain(k *keyState, a *Alert, what string) {
	d.catchUp(k)
	n := d.cfg.Drivers
	// the tallies keep fingerprints only: the names are hashed again here,
	// where it is rare
	share := func(salt uint64) func(string) float64 {
		return func(name string) float64 { return d.global.share(d.hash.sum(name) ^ salt) }
	}
	a.Drivers.Terms = k.terms.drivers(k.nterms, k.fastTotal, k.slowTotal, share(0), n)
	a.Drivers.Entities = k.ents.drivers(k.nents, k.fastTotal, k.slowTotal, share(entitySalt), n)
	a.Drivers.Sources = k.srcs.drivers(k.nsrcs, k.fastTotal, k.slowTotal, share(sourceSalt), n)
	top := slices.Clone(k.top[:k.ntop])
	slices.SortStableFunc(top, func(x, y topPost) int {
		if x.weight != y.weight {
			return cmp.Compare(y.weight, x.weight)
		}
		if c := cmp.Compare(x.t, y.t); c != 0 {
			return c
		}
		return cmp.Compare(x.id, y.id)
	})
	for _, p := range top {
		if len(a.Drivers.TopPosts) == d.cfg.TopPosts {
			break
		}
		if a.At.UnixNano()-p.t > int64(d.recentWin) || (!a.Start.IsZero() && p.t < a.Start.UnixNano()) ||
			(a.Kind == KindNegativity && !p.neg) {
			continue
		}
		a.Drivers.TopPosts = append(a.Drivers.TopPosts, p.id)
	}
	code := string(a.Kind) + "_surge"
	if a.Escalation {
		code = string(a.Kind) + "_escalation"
	}
	a.Reasons = append(a.Reasons, hark.Reason{Code: code, Span: what, Weight: a.Score})
	for _, g := range []struct {
		code string
		ds   []Driver
	}{{"driver_term", a.Drivers.Terms}, {"driver_entity", a.Drivers.Entities}, {"driver_source", a.Drivers.Sources}} {
		for _, dr := range g.ds {
			a.Reasons = append(a.Reasons, hark.Reason{Code: g.code,
				Span: fmt.Sprintf("%s: %.0f recently against %.1f expected", dr.Name, dr.Recent, dr.Expected), Weight: dr.Lift})
		}
	}
}

// priorPosts is the weight, in posts, of the share across all keys in the
// share a key is judged against.
const priorPosts = 10

// shareTest watches the negative share of a key's posts: a binomial
// z-score per bucket against a slowly learned share, with learned
// overdispersion, its CUSUM, and an episode with quiet period and cooldown.
type shareTest struct {
	cfg        *SeriesConfig // the detector's
	minNeg     int
	aShare     float64
	negEW, nEW float64 // EWMA of negative and all posts per non-empty bucket
	buckets    int     // non-empty buckets learned from
	p          float64 // baseline negative share, learned
	pj         float64 // the share judged against: p with its prior (see observe)
	od         float64 // overdispersion (variance factor), >= 1
	cusum      float64 // CUSUM of the share's z-scores
	scan       scan    // Poisson scan statistic of the negative count
	g          float64 // its last value
	runNeg     int     // negative posts in its window
	win        int     // its window, in buckets
	winExp     float64 // negative posts expected over it
	runStart   time.Time
	score      float64
	active     bool
	quiet      bool // (beside active: no padding between them)
	start      time.Time
	lastExcess float64
	quietSince time.Time
	cooldown   time.Time
	first      time.Time
	warmEnd    time.Time // first + Warmup (see setFirst)
}

func (s *shareTest) init(c *Config) {
	s.cfg = &c.Series
	s.minNeg = c.MinNegative
	s.aShare = halfLifeAlpha(3*24*time.Hour, c.Bucket)
	s.od = 1
}

// observe judges one closed bucket of n posts, neg negative, where the
// volume baseline expected volExp posts. Two tests share one episode: the
// negative share against its baseline (binomial z-score, with learned
// overdispersion, and its CUSUM), and the count of negative posts against
// baseline share times expected volume (a Poisson scan statistic: a
// handful of complaints where there are usually none). It reports
// whether an alert is raised, whether it is an escalation, the score and
// the expected number of negative posts.
func (s *shareTest) observe(t time.Time, n, neg int, volExp, prior float64) (alert, esc bool, score, expected float64) {
	if s.first.IsZero() {
		s.setFirst(t)
	}
	if n == 0 && !s.active && s.cusum == 0 && s.scan.total == 0 {
		// nothing to judge and nothing in flight: an empty window stays
		// empty (the scan only needs to know this point held nothing)
		s.scan.push(0, 0, 1)
		s.g, s.score = 0, 0
		return false, false, 0, 0
	}
	fn, fk := float64(n), float64(neg)
	// the key's share, shrunk towards the share across all keys by
	// priorPosts pseudo-posts (a beta prior): a key with few posts is
	// judged against the common share more than against its own few
	var mem float64 // posts the learned share rests on
	if s.buckets > 0 {
		mem = s.nEW / max(s.aShare, 1/float64(s.buckets))
	}
	s.pj = (s.p*mem + priorPosts*prior) / (mem + priorPosts)
	warm := t.Before(s.warmEnd) // (what a Sub would say, for less)
	pp := min(max(s.pj, 0.02), 0.98)
	thZ, thC := s.cfg.Threshold, s.cfg.Sustained
	if warm {
		thZ, thC = 2*thZ, 3*thC
	}
	// negative count against the baseline
	var win int
	// (not while learning: the volume baseline it rests on is not yet
	// trustworthy)
	s.g, win = s.scan.push(fk, pp*volExp, s.od)
	if warm {
		s.g, win = 0, 0
	}
	var rn float64
	rn, s.winExp = s.scan.window(win)
	s.runNeg, s.win = int(rn), win
	// negative share
	var z float64
	if n > 0 {
		expected = fn * pp
		z = (fk - expected) / math.Sqrt(fn*pp*(1-pp)*s.od+0.25)
		s.cusum = max(0, s.cusum+min(z, 4)-cusumK)
	}
	if s.cusum == 0 && s.g == 0 {
		s.runStart = time.Time{}
	} else if s.runStart.IsZero() {
		s.runStart = t.Add(-time.Duration(max(win-1, 0)) * s.cfg.Interval)
	}
	ev := max(z/thZ, max(s.cusum, s.g)/thC)
	s.score = scoreOf(ev)
	enough := neg >= s.minNeg || s.runNeg >= s.minNeg
	excess := fk - expected
	switch {
	case !s.active:
		if ev >= 1 && enough && !t.Before(s.cooldown) {
			s.active = true
			s.start = s.runStart
			if s.start.IsZero() || z >= thZ {
				s.start = t
			}
			s.lastExcess = max(excess, 1)
			s.quiet = false
			alert = true
		}
	case ev >= 1 && excess >= s.cfg.Escalate*s.lastExcess && neg >= s.minNeg:
		alert, esc = true, true
		s.lastExcess = excess
	}
	s.tick(t, max(z/thZ, s.cusum/thC))
	// learn the baseline share, but not from an episode
	if !s.active && n > 0 {
		s.buckets++
		a := max(s.aShare, 1/float64(s.buckets))
		s.negEW += a * (fk - s.negEW)
		s.nEW += a * (fn - s.nEW)
		s.p = s.negEW / max(s.nEW, 1e-9)
		if !warm {
			s.od += 0.01 * (min(z*z, 9) - s.od)
			s.od = max(s.od, 1)
		}
	}
	return alert, esc, s.score, expected
}

// setFirst makes t the time of the first bucket judged.
func (s *shareTest) setFirst(t time.Time) {
	s.first, s.warmEnd = t, t.Add(s.cfg.Warmup)
}

func (s *shareTest) tick(t time.Time, ev float64) {
	if !s.active {
		return
	}
	if ev < 0.5 {
		if !s.quiet {
			s.quiet, s.quietSince = true, t
		}
		if t.Sub(s.quietSince) >= s.cfg.Quiet {
			s.active = false
			s.cooldown = t.Add(s.cfg.Cooldown)
			s.cusum, s.g = 0, 0
			s.scan.reset()
		}
	} else {
		s.quiet = false
	}
}

func sq(x float64) float64 { return x * x }
