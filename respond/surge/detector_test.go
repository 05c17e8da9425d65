package surge

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// stream makes a deterministic keyed stream: per minute, per key, a Poisson
// number of posts whose rate follows a daily cycle, times the key's event
// factor; terms come from a common vocabulary, plus the event's own terms.
type streamKey struct {
	name    string
	rate    float64 // posts per minute at the daily mean
	negP    float64
	event   func(t time.Time) (mult float64, negP float64, terms []string)
	silence [2]time.Time // no posts in [0, 1)
}

var vocab = []string{"order", "delivery", "app", "price", "store", "staff", "login", "refund", "sale", "new", "love", "support"}

func genStream(seed uint64, start time.Time, days int, keys []streamKey) []Observation {
	rng := rand.New(rand.NewPCG(seed, 99))
	var obs []Observation
	id := 0
	for m := 0; m < days*24*60; m++ {
		t := start.Add(time.Duration(m) * time.Minute)
		hod := float64(t.Hour()) + float64(t.Minute())/60
		cycle := 1 + 0.6*math.Sin(2*math.Pi*(hod-9)/24)
		for _, k := range keys {
			if !t.Before(k.silence[0]) && t.Before(k.silence[1]) {
				continue
			}
			mult, negP, extra := 1.0, k.negP, []string(nil)
			if k.event != nil {
				mult, negP, extra = k.event(t)
				if negP == 0 {
					negP = k.negP
				}
			}
			n := int(poisson(rng, k.rate*cycle*mult))
			for i := 0; i < n; i++ {
				id++
				terms := []string{vocab[rng.IntN(len(vocab))], vocab[rng.IntN(len(vocab))]}
				if len(extra) > 0 && rng.Float64() < 1-1/mult {
					terms = append(terms, extra...)
				}
				src := "bluesky"
				if rng.IntN(3) == 0 {
					src = "reddit"
				}
				obs = append(obs, Observation{
					Keys: []string{k.name, "source:" + src}, Time: t.Add(time.Duration(rng.IntN(60)) * time.Second),
					Negative: rng.Float64() < negP, Source: src, Terms: terms, PostID: fmt.Sprintf("p%d", id),
					Weight: float64(1 + rng.IntN(100)),
				})
			}
		}
	}
	return obs
}

func runStream(d *Detector, obs []Observation, end time.Time) []Alert {
	var alerts []Alert
	for _, o := range obs {
		alerts = append(alerts, d.Observe(o)...)
	}
	return append(alerts, d.Advance(end)...)
}

var t0 = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC) // a Monday

func TestDetectorVolumeSurgeWithDrivers(t *testing.T) {
	incident := t0.Add(4*24*time.Hour + 14*time.Hour)
	keys := []streamKey{
		{name: "brand:acme", rate: 2, negP: 0.2, event: func(t time.Time) (float64, float64, []string) {
			if d := t.Sub(incident); d >= 0 && d < 3*time.Hour {
				return 1 + 4*math.Min(1, float64(d)/float64(20*time.Minute)), 0.7, []string{"outage", "checkout"}
			}
			return 1, 0, nil
		}},
		{name: "brand:other", rate: 1, negP: 0.2},
	}
	obs := genStream(1, t0, 6, keys)
	d := New(Config{})
	alerts := runStream(d, obs, t0.Add(6*24*time.Hour))

	var first *Alert
	for i, a := range alerts {
		if a.Kind == KindSilence {
			continue
		}
		t.Logf("%s %s %s start %s score %.2f esc %v obs %.0f exp %.1f", a.At.Format("01-02 15:04"), a.Key, a.Kind, a.Start.Format("15:04"), a.Score, a.Escalation, a.Observed, a.Expected)
		assert.NotEqual(t, "brand:other", a.Key, "only the incident's keys alert (its brand, the sources it flows through)")
		assert.False(t, a.At.Before(incident), "no alert before the incident")
		if first == nil && a.Kind == KindVolume && a.Key == "brand:acme" {
			first = &alerts[i]
		}
	}
	require.NotNil(t, first, "the incident raises a volume alert")
	assert.LessOrEqual(t, first.At.Sub(incident), 30*time.Minute, "caught within 30 minutes")
	assert.False(t, first.Escalation)
	t.Logf("first: %+v", *first)
	var terms []string
	for _, dr := range first.Drivers.Terms {
		terms = append(terms, dr.Name)
	}
	assert.Subset(t, terms, []string{"outage", "checkout"}, "the incident's terms drive the alert")
	assert.NotContains(t, terms, "order", "background terms do not")
	assert.Len(t, first.Drivers.TopPosts, 3)
	assert.NotEmpty(t, first.Reasons)
	assert.Equal(t, "volume_surge", first.Reasons[0].Code)
	// once per episode: no second non-escalation volume alert for the key
	n := 0
	for _, a := range alerts {
		if a.Key == "brand:acme" && a.Kind == KindVolume && !a.Escalation {
			n++
		}
	}
	assert.Equal(t, 1, n)
	// negativity rose too (0.2 -> 0.7)
	neg := 0
	for _, a := range alerts {
		if a.Key == "brand:acme" && a.Kind == KindNegativity {
			neg++
		}
	}
	assert.Equal(t, 1, neg, "one negativity alert")
}

func TestDetectorNegativityOnly(t *testing.T) {
	shift := t0.Add(4*24*time.Hour + 10*time.Hour)
	keys := []streamKey{{name: "product:x2", rate: 3, negP: 0.1, event: func(t time.Time) (float64, float64, []string) {
		if d := t.Sub(shift); d >= 0 && d < 4*time.Hour {
			return 1, 0.45, nil
		}
		return 1, 0, nil
	}}}
	obs := genStream(2, t0, 5, keys)
	d := New(Config{})
	alerts := runStream(d, obs, t0.Add(5*24*time.Hour))
	var kinds []Kind
	for _, a := range alerts {
		if a.Key == "product:x2" {
			kinds = append(kinds, a.Kind)
			assert.False(t, a.At.Before(shift))
			if a.Kind == KindNegativity {
				assert.LessOrEqual(t, a.At.Sub(shift), time.Hour)
			}
		}
	}
	assert.Equal(t, []Kind{KindNegativity}, kinds)
}

func TestDetectorSilence(t *testing.T) {
	gapStart := t0.Add(3*24*time.Hour + 12*time.Hour)
	gapEnd := gapStart.Add(5 * time.Hour)
	keys := []streamKey{
		{name: "feed:forum", rate: 1.5, silence: [2]time.Time{gapStart, gapEnd}},
		{name: "feed:reviews", rate: 1.5},
	}
	obs := genStream(3, t0, 5, keys)
	for i := range obs { // watch the feeds, not the sources
		obs[i].Keys = obs[i].Keys[:1]
	}
	d := New(Config{})
	alerts := runStream(d, obs, t0.Add(5*24*time.Hour))
	require.Len(t, alerts, 1, "one silence alert and no surge on recovery: %+v", alerts)
	a := alerts[0]
	assert.Equal(t, KindSilence, a.Kind)
	assert.Equal(t, "feed:forum", a.Key)
	assert.True(t, a.At.After(gapStart))
	assert.LessOrEqual(t, a.At.Sub(gapStart), 45*time.Minute)
	assert.GreaterOrEqual(t, a.Expected, 10.0)
	assert.Equal(t, "silence", a.Reasons[0].Code)
}

// A key that falls silent some nights, as many do, has no silence alert for
// its nights, though its baseline expects posts then; a daytime gap as long
// is one.
func TestDetectorSilenceNotNightly(t *testing.T) {
	nightly := func(days int, gap [2]time.Time) []Observation {
		var keys []streamKey
		for d := 0; d < days; d += 2 {
			night := t0.Add(time.Duration(d)*24*time.Hour + time.Hour)
			keys = append(keys, streamKey{name: fmt.Sprintf("night%d", d), silence: [2]time.Time{night, night.Add(3 * time.Hour)}})
		}
		obs := genStream(5, t0, days, []streamKey{{name: "feed:shop", rate: 2}})
		kept := obs[:0]
		for _, o := range obs {
			quiet := !o.Time.Before(gap[0]) && o.Time.Before(gap[1])
			for _, k := range keys {
				quiet = quiet || !o.Time.Before(k.silence[0]) && o.Time.Before(k.silence[1])
			}
			if !quiet {
				o.Keys = o.Keys[:1]
				kept = append(kept, o)
			}
		}
		return kept
	}
	alerts := runStream(New(Config{}), nightly(8, [2]time.Time{}), t0.Add(8*24*time.Hour))
	for _, a := range alerts {
		assert.NotEqual(t, KindSilence, a.Kind, "a nightly lull is no silence: %+v", a)
	}
	gap := t0.Add(6*24*time.Hour + 10*time.Hour)
	alerts = runStream(New(Config{}), nightly(8, [2]time.Time{gap, gap.Add(5 * time.Hour)}), t0.Add(8*24*time.Hour))
	var silences []Alert
	for _, a := range alerts {
		if a.Kind == KindSilence {
			silences = append(silences, a)
		}
	}
	require.Len(t, silences, 1, "the daytime gap is a silence")
	assert.True(t, silences[0].At.After(gap))
	assert.Contains(t, silences[0].Reasons[0].Span, "never more than")
}

// A key with a handful of posts a day, too few to learn its own negative
// share soon, is judged against the share across all keys: a burst of
// complaints under it on day five is a negativity alert, and its quiet days
// raise none.
func TestDetectorSparseKeyNegativity(t *testing.T) {
	keys := []streamKey{
		{name: "brand:acme", rate: 1, negP: 0.2},
		{name: "place:leeds", rate: 5.0 / (24 * 60), negP: 0.2},
	}
	obs := genStream(11, t0, 5, keys)
	burst := t0.Add(4*24*time.Hour + 14*time.Hour)
	var mixed []Observation
	for _, o := range obs {
		if o.Time.Before(burst) {
			mixed = append(mixed, o)
		}
	}
	for i := range 6 {
		mixed = append(mixed, Observation{Keys: []string{"brand:acme", "place:leeds"}, Time: burst.Add(time.Duration(i) * 4 * time.Minute),
			Negative: true, Terms: []string{"closed", "queue"}, PostID: fmt.Sprintf("b%d", i)})
	}
	d := New(Config{})
	alerts := runStream(d, mixed, burst.Add(2*time.Hour))
	var neg []Alert
	for _, a := range alerts {
		if a.Key == "place:leeds" {
			assert.False(t, a.At.Before(burst), "no alert on the quiet days: %+v", a)
			if a.Kind == KindNegativity {
				neg = append(neg, a)
			}
		}
	}
	require.NotEmpty(t, neg, "the burst of complaints is a negativity alert")
	assert.LessOrEqual(t, neg[0].At.Sub(burst), 30*time.Minute)
}

func TestDetectorDeterministic(t *testing.T) {
	incident := t0.Add(3*24*time.Hour + 9*time.Hour)
	keys := []streamKey{{name: "k", rate: 2, negP: 0.2, event: func(t time.Time) (float64, float64, []string) {
		if d := t.Sub(incident); d >= 0 && d < time.Hour {
			// more names than a tally keeps, so that evictions happen
			return 6, 0.6, []string{"fire", fmt.Sprintf("w%d", t.Minute()%40), fmt.Sprintf("v%d", t.Second()%30)}
		}
		return 1, 0, []string{fmt.Sprintf("u%d", t.Minute()%25)}
	}}}
	obs := genStream(4, t0, 4, keys)
	a1 := runStream(New(Config{}), obs, t0.Add(4*24*time.Hour))
	a2 := runStream(New(Config{}), obs, t0.Add(4*24*time.Hour))
	require.NotEmpty(t, a1)
	assert.Equal(t, a1, a2)
}

func TestDetectorBoundedKeys(t *testing.T) {
	d := New(Config{MaxKeys: 100})
	for i := 0; i < 1000; i++ {
		d.Observe(Observation{Keys: []string{fmt.Sprintf("k%d", i)}, Time: t0.Add(time.Duration(i) * time.Second)})
		require.LessOrEqual(t, d.Len(), 100)
	}
	// the most recent keys are the ones kept
	assert.NotNil(t, d.key("k999"))
	assert.Nil(t, d.key("k0"))
	// idle keys are dropped as the clock moves
	d.Advance(t0.Add(15 * 24 * time.Hour))
	assert.Zero(t, d.Len())
}

func TestDetectorNewKeyBurst(t *testing.T) {
	// a key never seen in two days bursts: its baseline is zero, not a
	// warm-up
	keys := []streamKey{{name: "brand:acme", rate: 2}}
	obs := genStream(5, t0, 3, keys)
	d := New(Config{})
	alerts := runStream(d, obs, t0.Add(3*24*time.Hour))
	require.Empty(t, alerts)
	at := t0.Add(3*24*time.Hour + 10*time.Minute)
	for i := 0; i < 40; i++ {
		alerts = append(alerts, d.Observe(Observation{Keys: []string{"place:store-42"}, Time: at.Add(time.Duration(i) * 10 * time.Second),
			Terms: []string{"closed", "tills"}, PostID: fmt.Sprint(i)})...)
	}
	alerts = append(alerts, d.Advance(at.Add(15*time.Minute))...)
	require.Len(t, alerts, 1)
	assert.Equal(t, "place:store-42", alerts[0].Key)
	assert.Equal(t, KindVolume, alerts[0].Kind)
	assert.True(t, d.Status("place:store-42").Active)
	assert.False(t, d.Status("brand:acme").Active)
	assert.Equal(t, Status{}, d.Status("nope"))
}

func TestTerms(t *testing.T) {
	tests := []struct {
		text string
		max  int
		want []string
	}{
		{"The checkout is DOWN again!! #AcmeOutage https://x.co/abc", 10, []string{"checkout", "down", "#acmeoutage"}},
		{"to be or not", 10, nil},
		{"Café fermé, café fermé", 10, []string{"café", "fermé"}},
		{"one two three four five six", 2, []string{"three", "four"}},
		{"", 3, nil},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, Terms(tt.text, tt.max), tt.text)
	}
}

func TestSeriesSaturatedCountersStayFinite(t *testing.T) {
	s := NewSeries(SeriesConfig{Counts: true, Interval: time.Hour})
	for i := range s.dailyN {
		s.dailyN[i] = math.MaxUint8
	}
	for i := range s.weeklyN {
		s.weeklyN[i] = math.MaxUint8
	}
	for i := 0; i < 1000; i++ {
		p := s.Observe(t0.Add(time.Duration(i)*time.Hour), float64(10+i%5))
		require.False(t, math.IsNaN(p.Z) || math.IsInf(p.Z, 0), "point %d", i)
		require.False(t, math.IsNaN(p.Score))
	}
}

func TestDetectorOddObservations(t *testing.T) {
	d := New(Config{})
	assert.Nil(t, d.Observe(Observation{Keys: []string{"k"}}), "no time, no clock: dropped")
	assert.Zero(t, d.Len())
	d.Observe(Observation{Keys: []string{"k", "k"}, Time: t0.Add(time.Minute)})
	d.Observe(Observation{Keys: []string{"k"}})                           // no time: the open bucket
	d.Observe(Observation{Keys: []string{"k"}, Time: t0.Add(-time.Hour)}) // late: the open bucket
	require.Equal(t, 1, d.Len())
	assert.Equal(t, 3, d.key("k").n, "a key named twice counts once")
	assert.Equal(t, t0, d.Now())
}

// Ordinary streams of every size, with a daily rhythm and no event, raise
// next to no alerts over two weeks: the detector does not cry wolf.
func TestDetectorQuietStreamsStayQuiet(t *testing.T) {
	var keys []streamKey
	for i, rate := range []float64{0.005, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10} {
		keys = append(keys, streamKey{name: fmt.Sprintf("k%02d", i), rate: rate, negP: 0.1 + 0.03*float64(i)})
	}
	obs := genStream(9, t0, 14, keys)
	for i := range obs {
		obs[i].Keys = obs[i].Keys[:1]
	}
	alerts := runStream(New(Config{}), obs, t0.Add(14*24*time.Hour))
	for _, a := range alerts {
		t.Logf("%s %s %s obs %.0f exp %.2f", a.At.Format("01-02 15:04"), a.Key, a.Kind, a.Observed, a.Expected)
	}
	// ten keys, two weeks, three tests each: at most one alert in all
	assert.LessOrEqual(t, len(alerts), 1)
}

// The integers the hot paths compare order as the floats they stand for:
// a tally's counts (fast, then slow; never negative) and top posts'
// claims (any float but NaN), and a claim comes back from its key.
func TestOrderKeys(t *testing.T) {
	vals := []float64{math.Inf(-1), -1e300, -3.5, -1, -math.SmallestNonzeroFloat64, 0,
		math.SmallestNonzeroFloat64, 1e-300, 0.5, 1, 1.0000001, 2.9e6, 1e300, math.Inf(1)}
	for i, x := range vals {
		assert.Equal(t, math.Float64bits(x), math.Float64bits(keyFloat(orderKey(x))), "%v", x)
		for _, y := range vals[i+1:] {
			assert.Less(t, orderKey(x), orderKey(y), "%v < %v", x, y)
		}
	}
	counts32 := []float32{0, math.SmallestNonzeroFloat32, 1e-30, 0.25, 1, 1.5, 3e7, math.MaxFloat32}
	for _, f1 := range counts32 {
		for _, s1 := range counts32 {
			for _, f2 := range counts32 {
				for _, s2 := range counts32 {
					less := f1 < f2 || f1 == f2 && s1 < s2
					assert.Equal(t, less, counts(f1, s1) < counts(f2, s2), "(%v,%v) < (%v,%v)", f1, s1, f2, s2)
				}
			}
			c := counts(f1, s1)
			assert.Equal(t, f1, c.fast())
			assert.Equal(t, s1, c.slow())
		}
	}
}

// A key's state keeps what every post touches in its first two cache
// lines, the claims of its top posts in the third, and each tally in whole
// lines; its size class is a multiple of 64 bytes, so that its lines start
// where it does (see keyState). A field added in the wrong place fails
// here rather than in a benchmark.
func TestKeyStateLayout(t *testing.T) {
	var k keyState
	assert.LessOrEqual(t, unsafe.Offsetof(k.nents), uintptr(127), "the fields every post touches fit two lines")
	assert.Equal(t, uintptr(128), unsafe.Offsetof(k.claims))
	assert.Equal(t, uintptr(64), unsafe.Sizeof(k.claims))
	assert.Equal(t, uintptr(8*64), unsafe.Sizeof(k.terms))
	for _, off := range []uintptr{unsafe.Offsetof(k.terms), unsafe.Offsetof(k.srcs), unsafe.Offsetof(k.ents)} {
		assert.Zero(t, off%64, "tally at %d", off)
	}
	// the allocator's size class for a keyState: the smallest of its
	// classes above 4 KB that holds one
	var class uintptr
	for _, c := range []uintptr{4864, 5376, 6144, 6528, 6784, 6912, 8192} {
		if unsafe.Sizeof(k) <= c {
			class = c
			break
		}
	}
	assert.Zero(t, class%64, "size class %d of a keyState of %d bytes", class, unsafe.Sizeof(k))
	// the series, whose scalars come first, together, starts a line
	assert.Zero(t, unsafe.Offsetof(k.vol)%64, "series at %d", unsafe.Offsetof(k.vol))
	// what a close reads lies in the span prefetch reads: after the name
	// come the scores, the negativity test and the series, whose scan
	// windows, recent residuals and daily profile come before its tail
	// histograms
	for _, off := range []uintptr{unsafe.Offsetof(k.volScore), unsafe.Offsetof(k.ng), unsafe.Offsetof(k.vol)} {
		assert.Greater(t, off, unsafe.Offsetof(k.name))
	}
	// and prefetchPost reads a tally's fingerprints and counts, before its names
	assert.Equal(t, unsafe.Sizeof(k.terms.fp)+unsafe.Sizeof(k.terms.c)+unsafe.Sizeof(k.terms.err), unsafe.Offsetof(k.terms.name))
	for _, off := range []uintptr{unsafe.Offsetof(k.vol.glr), unsafe.Offsetof(k.vol.recent), unsafe.Offsetof(k.vol.daily), unsafe.Offsetof(k.vol.dailyN)} {
		assert.Less(t, off, unsafe.Offsetof(k.vol.tailZ))
	}
}

// Keys whose names share a hash are told apart by name: with four hashes
// for 300 names (long runs in the table), a detector finds, evicts and
// drops keys as one with the full hash does, and raises the same alerts.
func TestDetectorKeyChains(t *testing.T) {
	full, few := New(Config{MaxKeys: 200}), New(Config{MaxKeys: 200})
	few.keyMask = 3
	rng := rand.New(rand.NewPCG(3, 8))
	var fullAlerts, fewAlerts []Alert
	tm := t0
	for i := 0; i < 30_000; i++ {
		tm = tm.Add(time.Duration(rng.IntN(60)) * time.Second)
		n := rng.IntN(300)
		if i > 20_000 {
			n = rng.IntN(20) // the others fall idle and are dropped
		}
		o := Observation{Keys: []string{fmt.Sprintf("k%d", n), "all"}, Time: tm, Negative: rng.IntN(4) == 0,
			Terms: []string{fmt.Sprintf("w%d", rng.IntN(50))}, PostID: fmt.Sprint(i)}
		fullAlerts = append(fullAlerts, full.Observe(o)...)
		fewAlerts = append(fewAlerts, few.Observe(o)...)
		require.Equal(t, full.Len(), few.Len())
		if i%1000 == 0 {
			for j := range 300 {
				name := fmt.Sprintf("k%d", j)
				require.Equal(t, full.key(name) == nil, few.key(name) == nil, name)
				require.Equal(t, full.Status(name), few.Status(name))
			}
		}
	}
	fullAlerts = append(fullAlerts, full.Advance(tm.Add(15*24*time.Hour))...)
	fewAlerts = append(fewAlerts, few.Advance(tm.Add(15*24*time.Hour))...)
	assert.Equal(t, fullAlerts, fewAlerts)
	assert.NotEmpty(t, fullAlerts)
	assert.Zero(t, few.Len())
	assert.Zero(t, few.keys.n)
	for _, s := range few.keys.slots {
		assert.Nil(t, s.k)
	}
}

// A surge in the cooldown after an episode raises nothing, neither early
// nor at a close; one after the cooldown is raised early, at the post that
// tips it, by volume and by negativity (early looks are skipped in a
// cooldown, not after it).
func TestDetectorEarlyAfterCooldown(t *testing.T) {
	day := 24 * time.Hour
	bursts := []time.Time{t0.Add(4*day + 10*time.Hour), t0.Add(4*day + 16*time.Hour), t0.Add(5*day + 6*time.Hour)}
	keys := []streamKey{{name: "brand:acme", rate: 1, negP: 0.1, event: func(t time.Time) (float64, float64, []string) {
		for _, b := range bursts {
			if d := t.Sub(b); d >= 0 && d < 40*time.Minute {
				return 12, 0.7, []string{"outage"}
			}
		}
		return 1, 0, nil
	}}}
	obs := genStream(4, t0, 6, keys)
	d := New(Config{})
	alerts := runStream(d, obs, t0.Add(6*day))
	var at [3][]Alert
	for _, a := range alerts {
		if a.Key != "brand:acme" {
			continue
		}
		require.False(t, a.At.Before(bursts[0]), "an alert before the first burst: %+v", a)
		for i := len(bursts) - 1; i >= 0; i-- {
			if !a.At.Before(bursts[i]) {
				at[i] = append(at[i], a)
				break
			}
		}
	}
	require.NotEmpty(t, at[0], "the first burst")
	assert.Empty(t, at[1], "a burst in the cooldown")
	kinds := map[Kind]bool{}
	for _, a := range at[2] {
		if !a.Escalation && a.At.Sub(bursts[2]) < 30*time.Minute && a.At.Truncate(5*time.Minute) != a.At {
			kinds[a.Kind] = true // early: at a post, within a bucket
		}
	}
	assert.Equal(t, map[Kind]bool{KindVolume: true, KindNegativity: true}, kinds, "early alerts after the cooldown: %+v", at[2])
}

// A negativity surge within an open volume episode is raised early, at the
// post that tips it, as one outside it is (an open episode of one kind
// stops early looks of that kind only).
func TestDetectorEarlyNegativityInVolumeEpisode(t *testing.T) {
	day := 24 * time.Hour
	burst := t0.Add(4*day + 10*time.Hour)
	turn := burst.Add(40 * time.Minute)
	keys := []streamKey{{name: "brand:acme", rate: 1, negP: 0.1, event: func(t time.Time) (float64, float64, []string) {
		switch d := t.Sub(burst); {
		case d < 0 || d >= 2*time.Hour:
			return 1, 0, nil
		case t.Before(turn):
			return 12, 0.001, []string{"launch"} // (no more negative posts than usual)
		default:
			return 12, 0.7, []string{"outage"}
		}
	}}}
	obs := genStream(5, t0, 5, keys)
	d := New(Config{})
	alerts := runStream(d, obs, t0.Add(5*day))
	var vol, neg []Alert
	for _, a := range alerts {
		if a.Key != "brand:acme" || a.Escalation {
			continue
		}
		require.False(t, a.At.Before(burst), "an alert before the burst: %+v", a)
		switch a.Kind {
		case KindVolume:
			vol = append(vol, a)
		case KindNegativity:
			neg = append(neg, a)
		}
	}
	require.Len(t, vol, 1)
	require.Len(t, neg, 1)
	assert.Less(t, vol[0].At.Sub(burst), 15*time.Minute)
	assert.False(t, neg[0].At.Before(turn), "negativity before it rose: %+v", neg[0])
	assert.Less(t, neg[0].At.Sub(turn), 30*time.Minute)
	assert.NotEqual(t, neg[0].At.Truncate(5*time.Minute), neg[0].At, "raised early, at a post: %+v", neg[0])
}
