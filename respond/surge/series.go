package surge

import (
	"math"
	"math/bits"
	"time"
)

// SeriesConfig configures a [Series]. The zero value is ready to use: every
// zero field takes the default named in its comment. Durations are in time,
// not in points, so one configuration fits minute and hour sampling alike.
type SeriesConfig struct {
	// Interval is the sampling interval. Zero infers it from the timestamps
	// (the smallest positive step among the first points).
	Interval time.Duration
	// Counts says the values are counts (non-negative): they are
	// variance-stabilised (Anscombe) so Poisson noise has unit scale and low
	// counts cannot trigger on noise. Without it the values are used as they
	// are and the noise scale is learned alone.
	Counts bool
	// Threshold is the standardised residual (robust z) at which two
	// points in a row raise an alert, after warm-up; one point alone needs
	// half as much again. Default 6.
	Threshold float64
	// Sustained is the level at which sustained evidence raises an alert:
	// the CUSUM of z-scores above 1.5, and for counts the Poisson scan
	// statistic (a log-likelihood ratio). Default 10.
	Sustained float64
	// Warmup is the learning period from the first point: during it only
	// jumps of twice the usual size alert. Default 2 days.
	Warmup time.Duration
	// Cooldown is how long after an episode ends no new alert is raised.
	// Default 12 hours.
	Cooldown time.Duration
	// Quiet is how long the score must stay low for an episode to end.
	// Default 1 hour (at least 3 points).
	Quiet time.Duration
	// Adapt is how long an episode may last before the baseline accepts the
	// new level (a level shift becomes the norm). Default 12 hours.
	Adapt time.Duration
	// Escalate is the factor by which an episode must grow since its last
	// alert, in excess over the baseline and in ratio to it, to raise an
	// escalation. Default 2.
	Escalate float64
	// LevelHalfLife is the half-life of the robust level. Default 1 day.
	LevelHalfLife time.Duration
	// NoCalibration switches off tail calibration: by default the alert
	// thresholds rise to the rarest values the series produced in the last
	// weeks outside episodes, so a series with heavy-tailed noise does not
	// cry wolf.
	NoCalibration bool

	allowance float64 // CUSUM allowance in scales; default cusumK (for sweeps in tests)
}

func (c SeriesConfig) withDefaults() SeriesConfig {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	deff := func(f *float64, v float64) {
		if *f <= 0 || math.IsNaN(*f) {
			*f = v
		}
	}
	deff(&c.Threshold, 6)
	deff(&c.Sustained, 10)
	deff(&c.Escalate, 2)
	deff(&c.allowance, cusumK)
	def(&c.Warmup, 48*time.Hour)
	def(&c.Cooldown, 12*time.Hour)
	def(&c.Quiet, time.Hour)
	def(&c.Adapt, 12*time.Hour)
	def(&c.LevelHalfLife, 24*time.Hour)
	return c
}

// A Point is the judgement of one observation of a [Series].
type Point struct {
	Time  time.Time
	Value float64
	// Expected is the baseline's forecast of Value.
	Expected float64
	// Z is the robust standardised residual of Value (variance-stabilised
	// for counts).
	Z float64
	// Score is the surge score, 0..1: about 0.5 where an alert is raised,
	// near 0 for ordinary values.
	Score float64
	// Alert reports that this point raised an alert: the start of an
	// episode, or an escalation of an open one.
	Alert bool
	// Escalation reports that the alert is an escalation of an open episode.
	Escalation bool
	// Active reports that an episode is open at this point.
	Active bool
	// Start is when the open episode's rise began (the first point of the
	// run of evidence that led to the alert); zero when none is open.
	Start time.Time
	// Warmup reports that the baseline was still learning.
	Warmup bool
	// Window, WindowValue and WindowExpected describe, for counts, the
	// span of recent points whose sum stands out most against the
	// baseline (the scan statistic's window), when one does: a handful of
	// posts over the last half hour where one was expected, say.
	Window         time.Duration
	WindowValue    float64
	WindowExpected float64
}

const (
	hoursPerWeek = 168
	tailBins     = 96 // histogram of evidence, bins of tailStep
	tailStep     = 0.25
	clipK        = 2.5              // residuals are clipped at clipK scales for learning
	cusumK       = 1.5              // CUSUM allowance, in scales
	poissonRise  = 4.0              // the rate ratio the Poisson CUSUM looks for
	minRate      = 0.02             // the smallest expected count the Poisson CUSUM trusts
	confirmSpan  = 10 * time.Minute // points shorter than this need a second
	soloK        = 1.5              // one point alone alerts at soloK times Threshold
	pairK        = 1.0              // two points in a row alert at pairK times Threshold each
	recentN      = 12               // residuals kept for re-baselining
	aDailyHour   = 0.2063           // 1-0.5^(1/3): three days' half-life, per day
	aWeeklyHour  = 0.2929           // 1-0.5^(1/2): two weeks' half-life, per week
)

// A Series is a detector for one regularly sampled series: a robust
// baseline (level with damped trend, hour-of-day and hour-of-week profiles,
// robust scale) forecasts each point; the standardised residual, its CUSUM
// and (for counts) a Poisson scan statistic give a score in 0..1; and an
// episode state machine raises one alert when a surge starts, again only
// when it escalates, and none during the cooldown after it ends. Seasonal
// slots follow the timestamps' location. Memory is fixed (about 2 KB). A
// Series is not safe for concurrent use.
type Series struct {
	// scalars first, together, and the arrays after them, so that a point
	// touches few cache lines
	cfg *SeriesConfig // shared by the keys of a Detector; read only

	n        int
	first    time.Time
	warmEnd  time.Time // first + Warmup (see setFirst)
	last     time.Time
	interval time.Duration // effective; 0 until known
	fixed    bool          // interval no longer re-estimated

	// rates per point, derived from interval
	aLevel, aTrend, aScale, phi float64

	level, trend, mad float64
	meanRaw           float64 // mean value over about the last day (untransformed)
	lastV             float64 // the value being learned
	accW              int     // hour-of-week slot whose residuals accSum holds
	accSum            float64 // sum of the clipped residuals of that hour
	accN              int

	cusum      float64
	zPrev      float64 // the last point's z
	g          float64 // the scan statistic's last value
	cusumLo    float64 // CUSUM of falls below the baseline
	lowSince   time.Time
	runStart   time.Time
	recentI    int
	tailW      float32 // weight of the next histogram entry
	tailTotal  float32
	calibDecay float64
	calibAt    int     // point count at which to look the tail up again
	tailN      int     // points added to the tail
	calibZ     float64 // calibrated thresholds, as last looked up
	calibC     float64

	// the highest bins of tailZ and tailC that hold mass: tailQuantile
	// starts there rather than at the top of empty bins
	tailTopZ, tailTopC uint8
	// calibZ and calibC are what the tail gives now: nothing was added to
	// it, nor the interval changed, since they were looked up (a series in
	// an episode adds nothing, and need not look again)
	calibOK bool

	// episode
	hot         bool // the last point had evidence enough for an alert
	active      bool
	quiet       bool
	epStart     time.Time
	epOpened    time.Time
	lastAlertEx float64 // excess (raw units) at the last alert
	alertRatio  float64 // smoothed ratio to the baseline at the last alert
	epRatio     float64 // ratio to the baseline, smoothed over the episode
	quietSince  time.Time
	cooldown    time.Time

	pendI, pendN int // evidence waiting to be learned by the tail
	pendZ, pendC [pendW]float32

	glr     scan // Poisson scan statistic (counts only)
	recent  [recentN]float32
	daily   [24]float32
	dailyN  [24]uint8 // (capped: beyond a few, only the floor rate matters)
	tailZ   [tailBins]float32
	tailC   [tailBins]float32
	weekly  [hoursPerWeek]float32
	weeklyN [hoursPerWeek]uint8
}

// NewSeries returns a Series with the configuration cfg.
func NewSeries(cfg SeriesConfig) *Series {
	c := cfg.withDefaults()
	s := new(Series)
	s.init(&c)
	return s
}

// init readies s to watch with cfg, which must have its defaults.
func (s *Series) init(cfg *SeriesConfig) {
	*s = Series{cfg: cfg}
	if s.cfg.Interval > 0 {
		s.setInterval(s.cfg.Interval)
		s.fixed = true
	}
	s.tailW = 1
}

func halfLifeAlpha(halfLife, step time.Duration) float64 {
	if halfLife <= 0 || step <= 0 {
		return 1
	}
	pts := float64(halfLife) / float64(step)
	if pts < 1 {
		return 1
	}
	return 1 - math.Pow(0.5, 1/pts)
}

func (s *Series) setInterval(d time.Duration) {
	s.interval = d
	s.calibOK = false
	s.aLevel = halfLifeAlpha(s.cfg.LevelHalfLife, d)
	s.aTrend = halfLifeAlpha(3*24*time.Hour, d) * 0.1
	s.phi = 1 - halfLifeAlpha(24*time.Hour, d)
	s.aScale = halfLifeAlpha(24*time.Hour, d)
	// calibration memory: two weeks
	s.calibDecay = 1 - halfLifeAlpha(14*24*time.Hour, d)
}

func (s *Series) transform(v float64) float64 {
	if s.cfg.Counts {
		if v <= 0 {
			return anscombeZero // empty buckets are common
		}
		return 2 * math.Sqrt(v+0.375)
	}
	return v
}

// anscombeZero is the Anscombe transform of 0: 2*sqrt(3/8).
const anscombeZero = 1.2247448713915890491

func (s *Series) untransform(y float64) float64 {
	if !s.cfg.Counts {
		return y
	}
	if y <= 1.2 {
		return 0
	}
	// the closed-form unbiased inverse of the Anscombe transform
	// (Mäkitalo and Foi): the naive (y/2)^2-3/8 underestimates low rates
	c := math.Sqrt(1.5)
	v := y*y/4 - 0.125 + 0.25*c/y - 1.375/(y*y) + 0.625*c/(y*y*y)
	return max(v, 0)
}

// scale is the robust noise scale in the transformed domain.
func (s *Series) scale() float64 {
	sc := 1.2533 * s.mad
	if s.cfg.Counts {
		// Poisson noise has unit scale after the transform; never trust
		// less, so that low counts do not trigger.
		if sc < 1 {
			sc = 1
		}
	} else if min := 1e-6 * (math.Abs(s.level) + 1); sc < min {
		sc = min
	}
	return sc
}

func (s *Series) season(t time.Time) (float64, int, int) {
	h, w := hourOfWeek(t)
	se := float64(s.daily[h])
	if s.weeklyN[w] > 0 {
		// the weekly profile holds what the daily one misses; trust it
		// as it sees more weeks
		se += float64(s.weekly[w])
	}
	return se, h, w
}

// hourOfWeek returns the hour of the day of t and its hour of the week
// from Sunday midnight, in t's location: what t.Hour and t.Weekday say,
// with one look-up of the zone rather than two.
func hourOfWeek(t time.Time) (h, w int) {
	s := t.Unix() + zoneOffset(t)
	days := s / 86400
	if s%86400 < 0 {
		days-- // (rounded down)
	}
	h = int(s-days*86400) / 3600
	wd := (days + 4) % 7 // 1 January 1970 was a Thursday
	if wd < 0 {
		wd += 7
	}
	return h, int(wd)*24 + h
}

// primeZero sets the series up as if it had observed zeros from first to
// last: the baseline of a key that was quiet all along.
func (s *Series) primeZero(first, last time.Time) {
	s.n = 1
	if s.interval > 0 {
		s.n += int(last.Sub(first) / s.interval)
	}
	s.setFirst(first)
	s.last = last
	s.level = s.transform(0)
}

// setFirst makes t the time of the first point.
func (s *Series) setFirst(t time.Time) {
	s.first, s.warmEnd = t, t.Add(s.cfg.Warmup)
}

// Interval returns the sampling interval in use, inferred or configured; 0
// before it is known.
func (s *Series) Interval() time.Duration { return s.interval }

// warm reports whether the series is still learning at t.
func (s *Series) warm(t time.Time) bool { return s.n == 0 || t.Sub(s.first) < s.cfg.Warmup }

// Active reports whether an episode is open.
func (s *Series) Active() bool { return s.active }

// Expect returns the baseline's forecast for time t without observing.
func (s *Series) Expect(t time.Time) float64 {
	if s.n == 0 {
		return 0
	}
	se, _, _ := s.season(t)
	return s.untransform(s.level + s.trend + se)
}

// Observe judges the value v at time t and learns from it. Points should
// come in time order; a point earlier than the previous one is judged but
// does not move the clock. A gap in the timestamps is missing data, not
// zeros: the baseline does not learn from it.
func (s *Series) Observe(t time.Time, v float64) Point {
	p := Point{Time: t, Value: v}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		p.Expected = s.Expect(t)
		p.Active = s.active
		p.Start = s.epStart
		return p
	}
	y := s.transform(v)
	if s.n == 0 {
		s.n = 1
		s.setFirst(t)
		s.last = t
		s.level = y
		s.meanRaw = max(v, 0)
		s.mad = 0
		if !s.cfg.Counts {
			s.mad = 0.1*math.Abs(y) + 1e-9
		}
		p.Expected = v
		p.Warmup = true
		return p
	}
	gapPts := 1.0
	if dt := t.Sub(s.last); dt > 0 {
		if !s.fixed && (s.interval == 0 || dt < s.interval) {
			s.setInterval(dt)
		}
		if s.interval > 0 {
			gapPts = float64(dt) / float64(s.interval)
		}
		s.last = t
	}
	if !s.fixed && s.n >= 32 {
		s.fixed = true
	}
	s.n++
	if gapPts > 3 {
		// missing data: forget the run in progress and let the trend fade
		s.cusum, s.g = 0, 0
		s.glr.reset()
		s.trend *= math.Pow(s.phi, gapPts)
	}

	se, h, w := s.season(t)
	pred := s.level + s.trend + se
	sc := s.scale()
	r := y - pred
	z := r / sc
	warm := t.Before(s.warmEnd) // (what a Sub would say, for less)
	p.Warmup = warm
	p.Expected = s.untransform(pred)
	p.Z = z

	// evidence: a CUSUM of the standardised residuals (scale-free, for
	// sustained rises at any level) and, for counts, a Poisson scan
	// statistic over the last points, tempered by the learned
	// overdispersion (it sees what a few posts mean where a key usually
	// has none)
	zc := min(z, 4)
	s.cusum = min(2*s.cfg.Sustained, max(0, s.cusum+zc-s.cfg.allowance))
	var win int
	if s.cfg.Counts {
		s.g, win = s.glr.push(v, max(p.Expected, s.rateFloor()), max(1, sc*sc))
		if win > 1 && s.interval > 0 {
			p.Window = time.Duration(win) * s.interval
			p.WindowValue, p.WindowExpected = s.glr.window(win)
		}
	}
	switch {
	case s.cusum == 0 && s.g == 0:
		s.runStart = time.Time{}
	case s.runStart.IsZero():
		s.runStart = t
		if win > 1 && s.interval > 0 {
			s.runStart = t.Add(-time.Duration(win-1) * s.interval)
		}
	}
	thZ, thC := s.thresholds(warm)
	// one point alone must be extreme (half again the threshold); two
	// in a row need the threshold each: a lone blip in heavy-tailed noise
	// is no surge
	// (a point of ten minutes or more is enough on its own)
	pz := z / thZ
	if s.interval < confirmSpan {
		pz = max(z/(soloK*thZ), min(z, s.zPrev)/(pairK*thZ))
	}
	s.zPrev = z
	ev := max(pz, max(s.cusum, s.g)/thC)
	// evidence enough for an alert is kept out of the baseline even when
	// no alert is raised (in the cooldown after an episode)
	s.hot = ev >= 1
	p.Score = scoreOf(ev)

	excess := v - p.Expected
	if !s.active {
		if ev >= 1 && !t.Before(s.cooldown) {
			s.active = true
			s.epStart = s.runStart
			if s.epStart.IsZero() || z >= thZ {
				s.epStart = t
			}
			s.epOpened = t
			s.lastAlertEx = excess
			s.epRatio = (v + 1) / (p.Expected + 1)
			s.alertRatio = s.epRatio
			s.quiet = false
			p.Alert = true
			s.pendN = 0 // the run that led here is no ordinary time
		} else if !warm && !s.cfg.NoCalibration && !t.Before(s.cooldown) {
			s.settle(z, max(s.cusum, s.g))
		} else {
			s.pendN = 0
		}
	} else {
		// an episode escalates when it grows by Escalate both in excess
		// and in its ratio to the baseline (smoothed over a few points,
		// so that neither the daily rhythm nor one noisy point does it)
		s.epRatio = 0.5*s.epRatio + 0.5*(v+1)/(p.Expected+1)
		if ev >= 1 && s.lastAlertEx > 0 && excess >= s.cfg.Escalate*s.lastAlertEx &&
			s.epRatio >= s.cfg.Escalate*s.alertRatio {
			p.Alert, p.Escalation = true, true
			s.lastAlertEx = excess
			s.alertRatio = s.epRatio
		}
		if ev < 0.5 {
			if !s.quiet {
				s.quiet, s.quietSince = true, t
			}
			q := s.cfg.Quiet
			if min := 3 * s.interval; q < min {
				q = min
			}
			if t.Sub(s.quietSince) >= q {
				s.active = false
				s.epStart = time.Time{}
				s.cooldown = t.Add(s.cfg.Cooldown)
				s.cusum, s.g = 0, 0
				s.glr.reset()
			}
		} else {
			s.quiet = false
		}
	}
	p.Active = s.active
	p.Start = s.epStart

	// learn
	s.recent[s.recentI%recentN] = float32(r)
	s.recentI++
	if s.active && t.Sub(s.epOpened) >= s.cfg.Adapt {
		// an episode this long is either a new normal, whose level the
		// baseline accepts, or a surge long faded that the evidence kept
		// open, which ends here
		if m := median32(s.recent[:min(s.recentI, recentN)]); m > 2*sc {
			s.level += m
			s.lastAlertEx = math.Inf(1) // no escalation from a re-baseline
			r = 0
		} else {
			s.active = false
			s.epStart = time.Time{}
			s.cooldown = t.Add(s.cfg.Cooldown)
		}
		s.epOpened = t
		s.cusum, s.g = 0, 0
		s.glr.reset()
	}
	if !s.lowSince.IsZero() && t.Sub(s.lowSince) >= s.cfg.Adapt {
		// a fall that lasts is a new, lower normal (or a level that was
		// set too high): accept it
		s.level += min(0, median32(s.recent[:min(s.recentI, recentN)]))
		s.lowSince = time.Time{}
		s.cusumLo = 0
		r = 0
	}
	s.lastV = max(v, 0)
	s.learn(r, sc, h, w, gapPts)
	return p
}

// rateFloor is the least the scan statistic expects at any point: a
// quarter of the mean count of the last day. Near zero the
// variance-stabilised baseline is fragile (a small error in the square
// root is a large one in the rate), and a quiet hour's forecast must not
// make a handful of posts look like a surge.
func (s *Series) rateFloor() float64 { return 0.25 * s.meanRaw }

func (s *Series) learn(r, sc float64, h, w int, gapPts float64) {
	rc := max(-clipK*sc, min(clipK*sc, r))
	// during a surge or a lasting fall the level must not chase the
	// anomaly; the seasonal profiles must not learn a surge, but they do
	// learn falls (before they know it, every night's lull is one)
	anomalous := s.active || s.hot || !s.lowSince.IsZero()
	if anomalous {
		rc *= 0.1
	}
	aL := max(s.aLevel, 1/float64(s.n))
	if gapPts > 1 && gapPts < 1e6 {
		aL = 1 - math.Pow(1-aL, min(gapPts, 50))
	}
	if !s.active && !s.hot {
		s.meanRaw += max(s.aScale, 1/float64(s.n)) * (s.lastV - s.meanRaw)
	}
	s.level += s.trend + aL*rc
	s.trend = s.phi*s.trend + s.aTrend*aL*rc
	if s.active || s.hot {
		return
	}
	// the seasonal profiles learn an hour's mean residual once the hour
	// is over, so that within an hour they do not chase what is happening
	// in it (a few posts where there are usually none)
	if s.accN > 0 && w != s.accW {
		s.flushSeason()
	}
	s.accW = w
	s.accSum += rc
	s.accN++
	// scale: mean absolute residual, clipped so outliers do not inflate it
	ar := math.Abs(r)
	if cap := clipK * max(sc, 1e-12); ar > cap && s.n > 8 {
		ar = cap
	}
	aS := max(s.aScale, 1/float64(s.n))
	s.mad += aS * (ar - s.mad)
}

// flushSeason teaches the hour-of-day and hour-of-week profiles the mean
// residual of the hour accumulated. The daily slot learns with a half-life
// of three days (faster while it has seen few), the weekly one with a
// half-life of two weeks what the daily one leaves, and only half as fast
// in the first week, when the daily profile is still learning.
func (s *Series) flushSeason() {
	m := s.accSum / float64(s.accN)
	w := s.accW
	h := w % 24
	s.accSum, s.accN = 0, 0
	aD := max(aDailyHour, 1/(float64(s.dailyN[h])+1))
	if s.dailyN[h] < math.MaxUint8 {
		s.dailyN[h]++
	}
	s.daily[h] += float32(aD * m)
	aW := aWeeklyHour / 2
	if s.dailyN[h] > 7 {
		aW = max(aWeeklyHour, 1/(float64(s.weeklyN[w])+1))
	}
	if s.weeklyN[w] < math.MaxUint8 {
		s.weeklyN[w]++
	}
	s.weekly[w] += float32(aW * (1 - aD) * m)
}

// pendW is how many points evidence waits before the tail learns it.
const pendW = 12

// scanW is how many recent points the Poisson scan statistic looks back.
const scanW = 12

// scanRise is the smallest rise of the rate the scan statistic looks at,
// and scanMin the smallest count in a window: posts come in small clusters
// (a thread, a few reposts), so a couple of posts where there are usually
// none is no surge.
const (
	scanRise = 2
	scanMin  = 5
)

// A scan is a Poisson scan statistic (Kulldorff's): over the windows of
// the last 1..scanW points, the largest log-likelihood ratio of "the rate
// rose, by whatever factor" against "the rate is as expected", given the
// counts and their expectations. It needs no guess of how large a rise to
// look for, and weighs a handful of posts where a key usually has none as
// it should. Windows are at least two points long, and each point's count
// is capped near its expectation's upper noise, so that one outlier alone
// cannot make a window (single points are the z-score's business).
type scan struct {
	x, lam, raw [scanW]float32 // capped counts, expectations, counts
	n, i        int
	total       float64 // of x over the window
}

// window returns the counts and expectation summed over the last w points.
func (sc *scan) window(w int) (count, expected float64) {
	j := sc.i
	for k := 1; k <= min(w, sc.n); k++ {
		if j--; j < 0 {
			j = scanW - 1
		}
		count += float64(sc.raw[j])
		expected += float64(sc.lam[j])
	}
	return count, expected
}

func (sc *scan) reset() { *sc = scan{} }

// push adds a point with count x and expectation lam under overdispersion
// phi, and returns the statistic and the length of the window attaining it.
func (sc *scan) push(x, lam, phi float64) (float64, int) {
	lam = max(lam, minRate)
	raw := max(x, 0)
	x = raw
	if raw > scanMin+1 { // the cap is never below scanMin+1
		x = min(raw, max(lam+2*math.Sqrt(lam*phi)+2, scanMin+1))
	}
	sc.total += float64(float32(x)) - float64(sc.x[sc.i])
	sc.x[sc.i], sc.lam[sc.i], sc.raw[sc.i] = float32(x), float32(lam), float32(raw)
	sc.i = (sc.i + 1) % scanW
	sc.n = min(sc.n+1, scanW)
	if sc.i == 0 { // now and then, the exact sum, so that rounding cannot drift
		sc.total = 0
		for _, v := range sc.x {
			sc.total += float64(v)
		}
	}
	if sc.total < scanMin-0.5 {
		return 0, 0 // no window can hold enough posts
	}
	// The statistic of a window is (sx*ln(sx/sl) - (sx-sl))/phi, and the
	// largest, the first of equals, is wanted. A logarithm costs more than
	// the rest of a window's work, so the windows that qualify are first
	// bounded with a cheap one (see llrLow), and only those whose bound
	// from above reaches the largest bound from below, most often one, get
	// the exact one: the result is the same, bit for bit.
	var sxs, sls, los [scanW]float64
	var qual uint16 // bit w-1: window w qualifies
	var sx, sl, floor float64
	j := sc.i // the points from the latest back, without a division each
	for w := 1; w <= sc.n; w++ {
		if j--; j < 0 {
			j = scanW - 1
		}
		sx += float64(sc.x[j])
		sl += float64(sc.lam[j])
		// a surge at least doubles the rate; anything less is left to
		// the CUSUM of z-scores, which tolerates the slow drifts and
		// autocorrelated noise of real series
		if w >= 2 && sx >= scanMin && sx >= scanRise*sl && sx > sl+2*math.Sqrt(sl*phi)+1 {
			lo := llrLow(sx, sl)
			sxs[w-1], sls[w-1], los[w-1] = sx, sl, lo
			qual |= 1 << (w - 1)
			floor = max(floor, lo)
		}
	}
	var best float64
	bw := 0
	for ; qual != 0; qual &= qual - 1 {
		i := bits.TrailingZeros16(qual)
		sx, sl := sxs[i], sls[i]
		if los[i]+sx*llrGap < floor {
			continue // another window's statistic is surely larger
		}
		if g := (sx*math.Log(sx/sl) - (sx - sl)) / phi; g > best {
			best, bw = g, i+1
		}
	}
	return best, bw
}

// llrLow returns a bound from below of sx*ln(sx/sl) - (sx-sl), as
// computed with math.Log, for sx >= 2*sl > 0 (finite); the statistic is
// less than llrGap*sx above it. The logarithm's exponent part is exact, and
// its mantissa m in [1, 2) is bounded by m-1 <= log2(m) < m-1+0.08608 (the
// chord below the concave log2, and its largest gap, at m = 1/ln 2:
// log2(1/ln 2)-1/ln 2+1 = 0.086071); the margins of 1e-9*sx are far beyond
// the rounding of either computation (the logarithm is below 100).
func llrLow(sx, sl float64) float64 {
	b := math.Float64bits(sx / sl)
	e := float64(int(b>>52&0x7ff) - 1023)
	m := math.Float64frombits(b&(1<<52-1) | 1023<<52) // in [1, 2)
	return sx*((e+m-1)*math.Ln2-1e-9) - (sx - sl)
}

// llrGap bounds, times sx, how far the statistic is above llrLow.
const llrGap = 0.08608*math.Ln2 + 2e-9

func (s *Series) thresholds(warm bool) (float64, float64) {
	thZ, thC := s.cfg.Threshold, s.cfg.Sustained
	if warm {
		return 2 * thZ, 3 * thC
	}
	if !s.cfg.NoCalibration && s.tailTotal > 0 && s.interval > 0 {
		// the rarest evidence of ordinary times: exceeded about once a
		// week of points (the tail moves slowly: looked up every 16
		// points)
		if s.n >= s.calibAt {
			if s.tailN > 2000 {
				s.calibAt = s.n + 16
			}
			if !s.calibOK {
				p := float64(s.interval) / float64(7*24*time.Hour)
				s.calibZ = 1.1 * tailQuantile(s.tailZ[:s.tailTopZ+1], s.tailTotal, p)
				s.calibC = 1.1 * tailQuantile(s.tailC[:s.tailTopC+1], s.tailTotal, p)
				s.calibOK = true
			}
		}
		thZ, thC = max(thZ, s.calibZ), max(thC, s.calibC)
	}
	return thZ, thC
}

// settle holds a point's evidence back for pendW points before the tail
// learns it, so that the first points of a surge, not yet alerted, do not
// raise the thresholds that would catch it.
func (s *Series) settle(z, c float64) {
	if s.pendN == pendW {
		j := s.pendI // the oldest, about to be overwritten
		s.addTail(float64(s.pendZ[j]), float64(s.pendC[j]))
		s.pendN--
	}
	s.pendZ[s.pendI], s.pendC[s.pendI] = float32(z), float32(c)
	s.pendI = (s.pendI + 1) % pendW
	s.pendN++
}

func (s *Series) addTail(z, c float64) {
	bin := func(x float64) int {
		if !(x > 0) { // also NaN
			return 0
		}
		i := int(x / tailStep)
		if i >= tailBins {
			i = tailBins - 1
		}
		return i
	}
	bz, bc := bin(z), bin(c)
	s.tailZ[bz] += s.tailW
	s.tailC[bc] += s.tailW
	s.tailTopZ, s.tailTopC = max(s.tailTopZ, uint8(bz)), max(s.tailTopC, uint8(bc))
	s.tailTotal += s.tailW
	s.tailN++
	s.calibOK = false
	if 1.1*z >= s.calibZ || 1.1*c >= s.calibC {
		// mass at or above a threshold can raise it: look again now
		// (mass below can only lower it, and a late lowering is safe)
		s.calibAt = 0
	}
	// exponential forgetting by growing the weight of new entries
	s.tailW /= float32(s.calibDecay)
	if s.tailW > 1e20 {
		for i := range s.tailZ {
			s.tailZ[i] /= s.tailW
			s.tailC[i] /= s.tailW
		}
		s.tailTotal /= s.tailW
		s.tailW = 1
	}
}

// tailQuantile returns the value exceeded by a fraction p of the mass of
// the histogram h, whose bins past len(h) are empty.
func tailQuantile(h []float32, total float32, p float64) float64 {
	need := float32(p) * total
	var acc float32
	for i := len(h) - 1; i >= 0; i-- {
		acc += h[i]
		if acc > need {
			return float64(i+1) * tailStep
		}
	}
	return 0
}

// topBin returns the highest bin of h that holds mass, 0 if none does.
func topBin(h *[tailBins]float32) uint8 {
	for i := tailBins - 1; i > 0; i-- {
		if h[i] != 0 {
			return uint8(i)
		}
	}
	return 0
}

func median32(xs []float32) float64 {
	if len(xs) == 0 {
		return 0
	}
	var buf [recentN]float32
	b := buf[:len(xs)]
	copy(b, xs)
	// insertion sort: at most recentN values
	for i := 1; i < len(b); i++ {
		for j := i; j > 0 && b[j] < b[j-1]; j-- {
			b[j], b[j-1] = b[j-1], b[j]
		}
	}
	m := len(b) / 2
	if len(b)%2 == 1 {
		return float64(b[m])
	}
	return float64(b[m-1]+b[m]) / 2
}

// scoreOf maps evidence (1 at the alert threshold) to a score in 0..1: a
// logistic, 0.5 at the threshold.
func scoreOf(ev float64) float64 {
	if ev <= 0 {
		return scoreAtZero // the common case, without an exponential
	}
	return 1 / (1 + math.Exp(-5*(ev-1)))
}

// scoreAtZero is scoreOf(0): 1/(1+e^5).
const scoreAtZero = 0.0066928509242848554
