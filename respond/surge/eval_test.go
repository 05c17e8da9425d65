package surge

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// evalResult is the outcome of one labelled series.
type evalResult struct {
	name, family     string
	windows, caught  int
	falseAlerts      int
	quietAlerts      int // false alerts inside quiet windows
	months           float64
	leads            []time.Duration
	falseAt, missed  []string
	alertsInWindows  int
	firstAlertsTotal int
}

func evaluate(t testing.TB, ls labelledSeries, cfg SeriesConfig) evalResult {
	f, err := os.Open(filepath.Join("testdata", "eval", ls.Name+".csv"))
	require.NoError(t, err)
	defer f.Close()
	rows, bad, err := ReadCSV(f, nil)
	require.NoError(t, err)
	require.Zero(t, bad)
	require.NotEmpty(t, rows)
	cfg.Counts = true
	if cfg.Interval == 0 {
		cfg.Interval = InferInterval(rows)
	}
	s := NewSeries(cfg)
	r := evalResult{name: ls.Name, family: ls.Family, windows: len(ls.Windows)}
	r.months = rows[len(rows)-1].Time.Sub(rows[0].Time).Hours() / 24 / 30
	caught := make([]bool, len(ls.Windows))
	for _, row := range rows {
		p := s.Observe(row.Time, row.Value)
		if !p.Alert {
			continue
		}
		in := false
		for i, w := range ls.Windows {
			if !row.Time.Before(w.Start) && !row.Time.After(w.End) {
				in = true
				if !caught[i] {
					caught[i] = true
					r.leads = append(r.leads, row.Time.Sub(w.Start))
				}
			}
		}
		if in {
			r.alertsInWindows++
			continue
		}
		r.falseAlerts++
		r.falseAt = append(r.falseAt, row.Raw)
		for _, q := range ls.Quiet {
			if !row.Time.Before(q.Start) && !row.Time.After(q.End) {
				r.quietAlerts++
				break
			}
		}
	}
	for i, c := range caught {
		if c {
			r.caught++
		} else {
			r.missed = append(r.missed, ls.Windows[i].Kind+"@"+ls.Windows[i].Start.Format("01-02T15:04"))
		}
	}
	return r
}

func loadLabels(t testing.TB) []labelledSeries {
	data, err := os.ReadFile(filepath.Join("testdata", "eval", "labels.json"))
	require.NoError(t, err)
	var labels []labelledSeries
	require.NoError(t, json.Unmarshal(data, &labels))
	require.NotEmpty(t, labels)
	return labels
}

type familyFigures struct {
	windows, caught, falses, quiet int
	months                         float64
	leads                          []time.Duration
}

func medianDur(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// TestEvaluation runs the series detector with its defaults over the
// labelled evaluation and reports windows caught, false alerts per
// series-month and the median lead, per family; it fails when the targets
// are missed: 85 % of windows caught, at most one false alert per
// series-month overall, none in the quiet windows of normal peaks.
func TestEvaluation(t *testing.T) {
	labels := loadLabels(t)
	fams := map[string]*familyFigures{}
	var order []string
	all := &familyFigures{}
	for _, ls := range labels {
		r := evaluate(t, ls, SeriesConfig{})
		ff := fams[r.family]
		if ff == nil {
			ff = &familyFigures{}
			fams[r.family] = ff
			order = append(order, r.family)
		}
		for _, x := range []*familyFigures{ff, all} {
			x.windows += r.windows
			x.caught += r.caught
			x.falses += r.falseAlerts
			x.quiet += r.quietAlerts
			x.months += r.months
			x.leads = append(x.leads, r.leads...)
		}
		if len(r.missed) > 0 || r.falseAlerts > 0 {
			t.Logf("%-24s missed %v false at %v", r.name, r.missed, r.falseAt)
		}
	}
	sort.Strings(order)
	var b strings.Builder
	fmt.Fprintf(&b, "\n%-20s %8s %9s %12s %10s\n", "family", "windows", "caught", "false/s-mo", "lead(med)")
	line := func(name string, f *familyFigures) {
		fmt.Fprintf(&b, "%-20s %8d %8.0f%% %12.2f %10s\n", name, f.windows,
			100*float64(f.caught)/float64(max(f.windows, 1)), float64(f.falses)/f.months, medianDur(f.leads))
	}
	for _, name := range order {
		line(name, fams[name])
	}
	line("ALL", all)
	t.Log(b.String())

	assert.GreaterOrEqual(t, float64(all.caught)/float64(all.windows), 0.85, "windows caught")
	assert.LessOrEqual(t, float64(all.falses)/all.months, 1.0, "false alerts per series-month")
	assert.Zero(t, all.quiet, "alerts in quiet windows (normal peaks, recoveries)")
}
