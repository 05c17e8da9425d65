package surge

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// feed runs a Series over n points every step from t0, with values from
// f(i, rng), and returns the indices of the points that raised alerts and
// of those that were escalations.
func feed(cfg SeriesConfig, n int, step time.Duration, f func(i int, rng *rand.Rand) float64) (alerts, escalations []int, s *Series) {
	rng := rand.New(rand.NewPCG(7, 11))
	s = NewSeries(cfg)
	for i := 0; i < n; i++ {
		p := s.Observe(t0.Add(time.Duration(i)*step), f(i, rng))
		if p.Alert {
			alerts = append(alerts, i)
			if p.Escalation {
				escalations = append(escalations, i)
			}
		}
	}
	return alerts, escalations, s
}

// daily is a Poisson count with a daily rhythm around mean.
func daily(i int, step time.Duration, mean float64, rng *rand.Rand) float64 {
	h := float64(time.Duration(i)*step%(24*time.Hour)) / float64(time.Hour)
	return poisson(rng, mean*(1+0.5*math.Sin(2*math.Pi*(h-9)/24)))
}

func TestSeriesEpisodes(t *testing.T) {
	const step = 5 * time.Minute
	const day = 288
	tests := []struct {
		name        string
		n           int
		f           func(i int, rng *rand.Rand) float64
		want        []int // alerts (all, escalations included)
		escalations []int
	}{
		{"quiet series", 10 * day, func(i int, rng *rand.Rand) float64 { return daily(i, step, 30, rng) }, nil, nil},
		{"spike alerts once, at its start", 10 * day, func(i int, rng *rand.Rand) float64 {
			v := daily(i, step, 30, rng)
			if i >= 8*day && i < 8*day+6 {
				v *= 5
			}
			return v
		}, []int{8 * day}, nil},
		{"level shift alerts once and becomes the norm", 12 * day, func(i int, rng *rand.Rand) float64 {
			if i >= 8*day {
				return daily(i, step, 120, rng)
			}
			return daily(i, step, 30, rng)
		}, []int{8 * day}, nil},
		{"an episode that doubles escalates", 10 * day, func(i int, rng *rand.Rand) float64 {
			v := daily(i, step, 30, rng)
			switch {
			case i >= 8*day && i < 8*day+6:
				v *= 4
			case i >= 8*day+6 && i < 8*day+24:
				v *= 12
			}
			return v
		}, []int{8 * day, 8*day + 6}, []int{8*day + 6}},
		{"a second spike within the cooldown is not a new alert", 10 * day, func(i int, rng *rand.Rand) float64 {
			v := daily(i, step, 30, rng)
			if i >= 8*day && i < 8*day+6 || i >= 8*day+60 && i < 8*day+66 {
				v *= 5
			}
			return v
		}, []int{8 * day}, nil},
		{"a second spike after the cooldown is", 10 * day, func(i int, rng *rand.Rand) float64 {
			v := daily(i, step, 30, rng)
			if i >= 7*day && i < 7*day+6 || i >= 8*day+60 && i < 8*day+66 {
				v *= 5
			}
			return v
		}, []int{7 * day, 8*day + 60}, nil},
		{"warm-up: a moderate jump on day one is not alerted", 3 * day, func(i int, rng *rand.Rand) float64 {
			v := daily(i, step, 30, rng)
			if i >= 100 && i < 106 {
				v *= 2.5
			}
			return v
		}, nil, nil},
		{"warm-up: an extreme one is", 3 * day, func(i int, rng *rand.Rand) float64 {
			v := daily(i, step, 30, rng)
			if i >= 100 && i < 106 {
				v *= 40
			}
			return v
		}, []int{100}, nil},
		{"low counts do not trigger on noise", 14 * day, func(i int, rng *rand.Rand) float64 { return poisson(rng, 0.3) }, nil, nil},
		{"a handful where there is usually nothing does", 10 * day, func(i int, rng *rand.Rand) float64 {
			if i >= 8*day && i < 8*day+4 {
				return 3
			}
			return poisson(rng, 0.05)
		}, []int{8*day + 1}, nil},
	}
	// an alert may come on the point named or the next (a short point
	// alone must be extreme; two in a row need less)
	near := func(got, want []int) bool {
		if len(got) != len(want) {
			return false
		}
		for i := range got {
			if got[i] < want[i] || got[i] > want[i]+1 {
				return false
			}
		}
		return true
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			alerts, esc, _ := feed(SeriesConfig{Counts: true}, tt.n, step, tt.f)
			assert.True(t, near(alerts, tt.want), "alerts %v, want %v", alerts, tt.want)
			assert.True(t, near(esc, tt.escalations), "escalations %v, want %v", esc, tt.escalations)
		})
	}
}

func TestSeriesGapsAreMissingData(t *testing.T) {
	// six hours missing in the middle of a day, then the series resumes
	// as before: no alert, and the interval is still five minutes
	rng := rand.New(rand.NewPCG(1, 2))
	s := NewSeries(SeriesConfig{Counts: true})
	for i := 0; i < 10*288; i++ {
		if i >= 5*288+100 && i < 5*288+172 {
			continue
		}
		p := s.Observe(t0.Add(time.Duration(i)*5*time.Minute), daily(i, 5*time.Minute, 40, rng))
		require.False(t, p.Alert, "point %d", i)
	}
	assert.Equal(t, 5*time.Minute, s.Interval())
}

func TestSeriesDeterministicAndBounded(t *testing.T) {
	f := func(i int, rng *rand.Rand) float64 { return daily(i, time.Hour, 500, rng) * (1 + float64(i/500)) }
	a1, _, s1 := feed(SeriesConfig{Counts: true}, 5000, time.Hour, f)
	a2, _, s2 := feed(SeriesConfig{Counts: true}, 5000, time.Hour, f)
	assert.Equal(t, a1, a2)
	assert.Equal(t, *s1, *s2)
	p := s1.Observe(t0.Add(5000*time.Hour), math.NaN())
	assert.False(t, p.Alert, "NaN is no data")
	assert.True(t, p.Score >= 0 && p.Score <= 1)
}

// hourOfWeek says what t.Hour and t.Weekday say, in any location, before
// and after 1970, across changes of the clocks.
func TestHourOfWeek(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var locs []*time.Location
	for _, name := range []string{"UTC", "Europe/London", "America/St_Johns", "Asia/Kolkata", "Pacific/Chatham"} {
		l, err := time.LoadLocation(name)
		require.NoError(t, err)
		locs = append(locs, l)
	}
	locs = append(locs, time.FixedZone("minus", -9*3600-30*60))
	for i := 0; i < 20000; i++ {
		tm := time.Unix(rng.Int64N(1<<34)-1<<33, rng.Int64N(1e9)).In(locs[i%len(locs)])
		h, w := hourOfWeek(tm)
		require.Equal(t, tm.Hour(), h, "%s", tm)
		require.Equal(t, int(tm.Weekday())*24+tm.Hour(), w, "%s", tm)
	}
}

// pushBest is the scan statistic as push computed it before llrBounds:
// every window that qualifies gets its logarithm. push must agree with it
// bit for bit.
func pushBest(sc *scan, phi float64) (float64, int) {
	if sc.total < scanMin-0.5 {
		return 0, 0
	}
	var sx, sl, best float64
	bw := 0
	j := sc.i
	for w := 1; w <= sc.n; w++ {
		if j--; j < 0 {
			j = scanW - 1
		}
		sx += float64(sc.x[j])
		sl += float64(sc.lam[j])
		if w >= 2 && sx >= scanMin && sx >= scanRise*sl && sx > sl+2*math.Sqrt(sl*phi)+1 {
			if g := (sx*math.Log(sx/sl) - (sx - sl)) / phi; g > best {
				best, bw = g, w
			}
		}
	}
	return best, bw
}

// The scan statistic's windows bounded by a cheap logarithm give the same
// statistic and window as the exact logarithm of every window, over counts
// near and far above their expectations (where the statistics of windows
// come close to each other).
func TestScanPushExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var sc scan
	looks := 0
	for i := 0; i < 400_000; i++ {
		if i%5000 == 0 {
			sc.reset()
		}
		lam := math.Exp(rng.Float64()*12 - 6)
		var x float64
		switch rng.IntN(4) {
		case 0:
			x = 0
		case 1:
			x = math.Floor(lam * (1 + 3*rng.Float64()))
		case 2:
			x = math.Floor(lam*(2+20*rng.Float64())) + float64(rng.IntN(8))
		default:
			x = float64(rng.IntN(40))
		}
		phi := 1 + rng.Float64()*rng.Float64()*8
		g, w := sc.push(x, lam, phi)
		wg, ww := pushBest(&sc, phi)
		if w > 1 {
			looks++
		}
		require.Equal(t, math.Float64bits(wg), math.Float64bits(g), "push %d: statistic", i)
		require.Equal(t, ww, w, "push %d: window", i)
	}
	assert.Greater(t, looks, 50_000, "windows that stand out")
}

// llrLow and llrGap bound the statistic as computed with math.Log, at
// ratios where the cheap logarithm is furthest from the true one (mantissa
// 1/ln 2) and nearest (powers of two), and at random ones.
func TestLLRBounds(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	check := func(sx, sl float64) {
		t.Helper()
		f := sx*math.Log(sx/sl) - (sx - sl)
		lo := llrLow(sx, sl)
		require.LessOrEqual(t, lo, f, "sx %v sl %v", sx, sl)
		require.GreaterOrEqual(t, lo+sx*llrGap, f, "sx %v sl %v", sx, sl)
	}
	for e := 1; e < 60; e++ {
		for _, m := range []float64{1, 1 / math.Ln2, math.Nextafter(1/math.Ln2, 2), 1.4426, 1.4428, math.Nextafter(2, 1)} {
			sl := 0.02 + rng.Float64()*50
			check(sl*math.Ldexp(m, e), sl)
		}
	}
	for i := 0; i < 100_000; i++ {
		sl := math.Exp(rng.Float64()*20 - 8)
		check(sl*(2+rng.Float64()*1e4), sl)
	}
}
