package surge

// The generator of the labelled evaluation in testdata/eval. It is
// deterministic (seeded PCG); TestEvalDataUpToDate checks that the committed
// files are its output, and `go test ./respond/surge -run EvalData -update`
// rewrites them.

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite testdata/eval from the generator")

// A labelledSeries is one series of the evaluation with its windows.
type labelledSeries struct {
	Name   string `json:"name"`
	Family string `json:"family"`
	// Interval and Weeks describe the sampling, for the report.
	Interval string `json:"interval"`
	Days     int    `json:"days"`
	// Windows are the surges to catch: an alert in [Start, End] catches
	// one; lead is measured from Start.
	Windows []window `json:"windows"`
	// Quiet are stretches that look busy but are normal (a Monday-morning
	// peak, a recovery after an outage): an alert there is false.
	Quiet []window `json:"quiet,omitempty"`
}

type window struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	Kind  string    `json:"kind"`
}

// family describes how to make one kind of series.
type family struct {
	name     string
	interval time.Duration
	days     int
	seeds    int
	layout   string
	base     float64 // mean count per point at the daily mean
	daily    float64 // relative amplitude of the daily cycle
	weekly   float64 // relative dip at weekends
	mondayAM float64 // extra relative rise on Monday mornings (normal)
	trend    float64 // relative growth over the whole series
	noise    string  // "poisson", "negbin", "heavy"
	disp     float64 // negbin shape (smaller: more overdispersed); heavy: lognormal sigma
	events   []string
	gaps     int  // ingestion gaps (missing rows)
	dropout  bool // a stretch of zeros (a source down), with its recovery
}

var families = []family{
	{name: "poisson-daily-5m", interval: 5 * time.Minute, days: 28, seeds: 3, layout: "2006-01-02 15:04:05",
		base: 20, daily: 0.6, weekly: 0.2, noise: "poisson", events: []string{"spike", "spike", "ramp"}},
	{name: "negbin-weekly-1h", interval: time.Hour, days: 56, seeds: 3, layout: time.RFC3339,
		base: 150, daily: 0.5, weekly: 0.35, mondayAM: 0.5, noise: "negbin", disp: 30, events: []string{"spike", "shift", "ramp"}},
	{name: "trend-ramps-1m", interval: time.Minute, days: 14, seeds: 2, layout: "2006-01-02 15:04:05",
		base: 8, daily: 0.5, weekly: 0.15, trend: 1.0, noise: "negbin", disp: 20, events: []string{"ramp", "ramp", "spike"}},
	{name: "lowcount-5m", interval: 5 * time.Minute, days: 28, seeds: 3, layout: time.RFC3339,
		base: 1.2, daily: 0.7, weekly: 0.2, noise: "poisson", events: []string{"spike", "ramp"}},
	{name: "highcount-15m", interval: 15 * time.Minute, days: 35, seeds: 2, layout: time.RFC3339,
		base: 2500, daily: 0.5, weekly: 0.25, trend: -0.3, noise: "negbin", disp: 60, events: []string{"spike", "shift"}},
	{name: "gaps-5m", interval: 5 * time.Minute, days: 21, seeds: 2, layout: "2006-01-02 15:04:05",
		base: 30, daily: 0.5, weekly: 0.2, noise: "negbin", disp: 15, events: []string{"spike", "ramp"}, gaps: 4, dropout: true},
	{name: "realistic-5m", interval: 5 * time.Minute, days: 42, seeds: 4, layout: "2006-01-02 15:04:05",
		base: 40, daily: 0.55, weekly: 0.3, mondayAM: 0.4, trend: 0.3, noise: "heavy", disp: 0.3, events: []string{"event", "event", "spike"}},
	{name: "null-weekly-30m", interval: 30 * time.Minute, days: 42, seeds: 2, layout: time.RFC3339,
		base: 60, daily: 0.6, weekly: 0.4, mondayAM: 0.8, noise: "negbin", disp: 25},
}

// evalStart is a Monday.
var evalStart = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)

type genEvent struct {
	kind       string
	start      time.Time
	rise       time.Duration // time to full height
	hold       time.Duration
	decay      time.Duration
	mult       float64 // rate multiplier at full height
	persistent bool
}

func (e genEvent) factor(t time.Time) float64 {
	d := t.Sub(e.start)
	if d < 0 {
		return 1
	}
	h := e.mult - 1
	switch {
	case d < e.rise:
		return 1 + h*float64(d+1)/float64(e.rise)
	case e.persistent || d < e.rise+e.hold:
		return 1 + h
	case d < e.rise+e.hold+e.decay:
		return 1 + h*(1-float64(d-e.rise-e.hold)/float64(e.decay))
	}
	return 1
}

func generate(f family, seed int) (labelledSeries, []byte) {
	rng := rand.New(rand.NewPCG(uint64(seed)+1, uint64(len(f.name))*7919))
	n := int(time.Duration(f.days) * 24 * time.Hour / f.interval)
	end := evalStart.Add(time.Duration(n) * f.interval)
	ls := labelledSeries{Name: fmt.Sprintf("%s-%d", f.name, seed), Family: f.name, Interval: f.interval.String(), Days: f.days}

	// events: spread over the series after the first week, apart
	var evs []genEvent
	slots := len(f.events)
	for i, k := range f.events {
		lo := evalStart.Add(8 * 24 * time.Hour)
		span := end.Sub(lo) / time.Duration(slots)
		at := lo.Add(span*time.Duration(i) + time.Duration(rng.Float64()*0.6*float64(span)))
		at = at.Truncate(f.interval)
		e := genEvent{kind: k, start: at}
		var win time.Duration
		switch k {
		case "spike": // short and sharp
			e.rise = f.interval
			e.hold = time.Duration(15+rng.IntN(45)) * time.Minute
			if e.hold < 2*f.interval {
				e.hold = 2 * f.interval
			}
			e.decay = f.interval
			e.mult = 3 + 4*rng.Float64()
			win = e.rise + e.hold + e.decay
		case "ramp": // slow: hours to full height
			e.rise = time.Duration(3+rng.IntN(6)) * time.Hour
			e.hold = 2 * time.Hour
			e.decay = 3 * time.Hour
			e.mult = 3 + 3*rng.Float64()
			win = e.rise + e.hold
		case "shift": // a new normal
			e.rise = f.interval
			e.persistent = true
			e.mult = 2.2 + rng.Float64()
			win = 12 * time.Hour
		case "event": // a real-world event: quick build, long tail
			e.rise = time.Duration(20+rng.IntN(70)) * time.Minute
			e.hold = time.Duration(1+rng.IntN(4)) * time.Hour
			e.decay = time.Duration(4+rng.IntN(12)) * time.Hour
			e.mult = 3 + 6*rng.Float64()
			win = e.rise + e.hold + e.decay/2
		}
		if f.base < 3 {
			// low counts: a surge must be large in absolute terms to be one
			e.mult *= 3
		}
		evs = append(evs, e)
		if win < 2*f.interval {
			win = 2 * f.interval
		}
		ls.Windows = append(ls.Windows, window{Start: at, End: at.Add(win), Kind: k})
	}
	// Monday-morning peaks (normal, learned from past weeks) in the later
	// weeks are quiet windows
	if f.mondayAM > 0 {
		for d := evalStart.Add(14 * 24 * time.Hour); d.Before(end); d = d.Add(7 * 24 * time.Hour) {
			ls.Quiet = append(ls.Quiet, window{Start: d.Add(7 * time.Hour), End: d.Add(11 * time.Hour), Kind: "monday-peak"})
		}
	}
	// gaps and a dropout
	type span struct{ a, b time.Time }
	var gaps []span
	for i := 0; i < f.gaps; i++ {
		// an ingestion gap never hides a labelled window: a surge that
		// left no data cannot be caught
		for try := 0; try < 50; try++ {
			a := evalStart.Add(time.Duration(2+rng.IntN(f.days-3)) * 24 * time.Hour).Add(time.Duration(rng.IntN(24)) * time.Hour)
			g := span{a, a.Add(time.Duration(1+rng.IntN(6)) * time.Hour)}
			hides := false
			for _, w := range ls.Windows {
				if g.a.Before(w.End) && w.Start.Before(g.b) {
					hides = true
				}
			}
			if !hides {
				gaps = append(gaps, g)
				break
			}
		}
	}
	var drop span
	if f.dropout {
		a := evalStart.Add(time.Duration(9+rng.IntN(3)) * 24 * time.Hour).Add(13 * time.Hour)
		drop = span{a, a.Add(2 * time.Hour)}
		ls.Quiet = append(ls.Quiet, window{Start: drop.a, End: drop.b.Add(3 * time.Hour), Kind: "dropout-recovery"})
	}

	var buf bytes.Buffer
	buf.WriteString("timestamp,value\n")
	burst := 1.0 // heavy noise: a persistent multiplicative AR(1) component
	for i := 0; i < n; i++ {
		t := evalStart.Add(time.Duration(i) * f.interval)
		skip := false
		for _, g := range gaps {
			if !t.Before(g.a) && t.Before(g.b) {
				skip = true
			}
		}
		hod := float64(t.Hour()) + float64(t.Minute())/60
		rate := f.base * (1 + f.daily*math.Sin(2*math.Pi*(hod-9)/24))
		if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
			rate *= 1 - f.weekly
		}
		if t.Weekday() == time.Monday && hod >= 7 && hod < 11 {
			rate *= 1 + f.mondayAM*math.Sin(math.Pi*(hod-7)/4)
		}
		rate *= 1 + f.trend*float64(i)/float64(n)
		for _, e := range evs {
			rate *= e.factor(t)
		}
		var v float64
		switch f.noise {
		case "poisson":
			v = poisson(rng, rate)
		case "negbin":
			v = poisson(rng, rate*gamma(rng, f.disp)/f.disp)
		case "heavy":
			// bursty: AR(1) in log space plus occasional unlabelled
			// small bursts, then Poisson
			burst = math.Exp(0.97*math.Log(burst) + 0.04*rng.NormFloat64())
			m := burst * math.Exp(f.disp*rng.NormFloat64()-f.disp*f.disp/2)
			if rng.Float64() < 0.004 {
				m *= 1.5 + 0.5*rng.Float64()
			}
			v = poisson(rng, rate*m)
		}
		if f.dropout && !t.Before(drop.a) && t.Before(drop.b) {
			v = 0
		}
		if skip {
			continue
		}
		fmt.Fprintf(&buf, "%s,%d\n", t.Format(f.layout), int64(v))
	}
	return ls, buf.Bytes()
}

func poisson(rng *rand.Rand, lambda float64) float64 {
	if lambda <= 0 {
		return 0
	}
	if lambda > 40 {
		v := math.Round(lambda + math.Sqrt(lambda)*rng.NormFloat64())
		return math.Max(0, v)
	}
	l, k, p := math.Exp(-lambda), 0.0, 1.0
	for {
		p *= rng.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// gamma draws from Gamma(shape, 1) (Marsaglia and Tsang).
func gamma(rng *rand.Rand, shape float64) float64 {
	if shape < 1 {
		return gamma(rng, shape+1) * math.Pow(rng.Float64(), 1/shape)
	}
	d := shape - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := rng.NormFloat64()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := rng.Float64()
		if math.Log(u) < 0.5*x*x+d-d*v+d*math.Log(v) {
			return d * v
		}
	}
}

func generateAll() ([]labelledSeries, map[string][]byte) {
	var labels []labelledSeries
	files := map[string][]byte{}
	for _, f := range families {
		for s := 0; s < f.seeds; s++ {
			ls, data := generate(f, s)
			labels = append(labels, ls)
			files[ls.Name+".csv"] = data
		}
	}
	lj, _ := json.MarshalIndent(labels, "", "  ")
	files["labels.json"] = append(lj, '\n')
	return labels, files
}

func TestEvalDataUpToDate(t *testing.T) {
	_, files := generateAll()
	dir := filepath.Join("testdata", "eval")
	if *update {
		require.NoError(t, os.MkdirAll(dir, 0o755))
		for name, data := range files {
			require.NoError(t, os.WriteFile(filepath.Join(dir, name), data, 0o644))
		}
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, name := range names {
		got, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err, "run go test ./respond/surge -run EvalData -update")
		assert.True(t, bytes.Equal(files[name], got), "%s differs from the generator's output", name)
	}
}
