package report

import (
	"cmp"
	"fmt"
	"html/template"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/harkhq/hark/respond"
	"github.com/harkhq/hark/respond/surge"
	"github.com/harkhq/hark/score"
)

// Chart geometry, in SVG user units.
const (
	chartW, chartH         = 960.0, 220.0
	padL, padR, padT, padB = 52.0, 12.0, 12.0, 28.0
	barRowH                = 22.0
	barLabelW              = 170.0
	barW                   = 960.0
)

type stat struct{ Label, Value string }

type tick struct {
	X, Y  string
	Label string
}

type rect struct {
	X, Y, W, H string
	Class      string
	Title      string
}

type marker struct {
	X, Y1, Y2 string
	Class     string
	Title     string
}

// timeChart is a chart over time: bars or a line, with alert markers.
type timeChart struct {
	ID, Title, Desc string
	W, H            string
	Bars            []rect
	Path            string // the line, as SVG path data
	Dots            []rect // X, Y as circle centres
	Markers         []marker
	XTicks, YTicks  []tick
	X0, X1, Y0, Y1  string // plot area corners
	Empty           bool
}

// barChart is a horizontal bar chart; each row may stack segments.
type barChart struct {
	ID, Title, Desc string
	W, H            string
	Rows            []barRow
	Legend          []legend
	Empty           bool
}

type barRow struct {
	Label, Value string
	Y, TextY     string
	Segs         []rect
}

type legend struct{ Label, Class string }

type alertView struct {
	At, Key, Kind, Score, Observed, Expected, Reasons string
	Escalation                                        bool
}

type authorView struct {
	Name, Source, Standing string
	Influence, Bot         string
	Posts                  int
}

type view struct {
	Title    string
	Stats    []stat
	Bucket   string
	Volume   timeChart
	Negative timeChart
	Intent   barChart
	Priority barChart
	SLA      barChart
	Authors  barChart
	Top      []authorView
	Alerts   []alertView
}

func f1(x float64) string { return strconv.FormatFloat(x, 'f', 1, 64) }

func (b *Builder) view() view {
	v := view{Title: b.title}
	var start, end time.Time
	var neg, dated int
	for _, e := range b.entries {
		if e.negative {
			neg++
		}
		if e.at.IsZero() {
			continue
		}
		dated++
		if start.IsZero() || e.at.Before(start) {
			start = e.at
		}
		if e.at.After(end) {
			end = e.at
		}
	}
	v.Stats = []stat{{"Posts", strconv.Itoa(len(b.entries))}, {"Negative", pct(neg, len(b.entries))},
		{"Alerts", strconv.Itoa(len(b.alerts))}, {"Authors", strconv.Itoa(len(b.authors))}}
	if dated > 0 {
		v.Stats = append(v.Stats, stat{"From", start.UTC().Format("2006-01-02 15:04 MST")},
			stat{"To", end.UTC().Format("2006-01-02 15:04 MST")})
	}
	v.Volume, v.Negative = b.timeCharts(start, end, dated)
	if dated > 0 {
		v.Bucket = b.bucketFor(end.Sub(start)).String()
	}

	intents := map[score.Intent]int{}
	prios := map[respond.Priority]int{}
	for _, e := range b.entries {
		intents[e.intent]++
		prios[e.priority]++
	}
	v.Intent = countChart(b, "intent", "Intent mix", "Posts by the intent the scorer found.", byCount(intents),
		func(k score.Intent) (string, int) { return string(k), intents[k] }, "intent")
	var pkeys []respond.Priority
	for _, p := range []respond.Priority{respond.P1, respond.P2, respond.P3, respond.P4} {
		if prios[p] > 0 {
			pkeys = append(pkeys, p)
		}
	}
	for _, p := range byCount(prios) {
		if !slices.Contains(pkeys, p) {
			pkeys = append(pkeys, p)
		}
	}
	v.Priority = countChart(b, "priority", "Priority mix", "Decisions by priority (none: no priority set).", pkeys,
		func(p respond.Priority) (string, int) {
			if p == "" {
				return "none", prios[p]
			}
			return string(p), prios[p]
		}, "prio")
	v.SLA = b.slaChart(end)
	v.Authors, v.Top = b.authorChart()
	v.Alerts = b.alertViews()
	return v
}

func pct(n, of int) string {
	if of == 0 {
		return "0%"
	}
	return strconv.FormatFloat(100*float64(n)/float64(of), 'f', 1, 64) + "%"
}

func (b *Builder) bucketFor(span time.Duration) time.Duration {
	if b.bucket > 0 {
		return b.bucket
	}
	return pickBucket(span)
}

// timeCharts draws volume (bars) and negative share (line) per bucket,
// with the alerts marked.
func (b *Builder) timeCharts(start, end time.Time, dated int) (timeChart, timeChart) {
	vol := timeChart{ID: "volume", Title: "Volume over time",
		Desc: "Posts per time bucket; surge and silence alerts marked.", W: f1(chartW), H: f1(chartH)}
	negc := timeChart{ID: "negative", Title: "Negative share over time",
		Desc: "Share of negative posts per time bucket; negativity alerts marked.", W: f1(chartW), H: f1(chartH)}
	if dated == 0 {
		vol.Empty, negc.Empty = true, true
		return vol, negc
	}
	bucket := b.bucketFor(end.Sub(start))
	t0 := start.UTC().Truncate(bucket)
	n := int(end.Sub(t0)/bucket) + 1
	total := make([]int, n)
	negs := make([]int, n)
	for _, e := range b.entries {
		if e.at.IsZero() {
			continue
		}
		i := int(e.at.Sub(t0) / bucket)
		total[i]++
		if e.negative {
			negs[i]++
		}
	}
	plotW, plotH := chartW-padL-padR, chartH-padT-padB
	bw := plotW / float64(n)
	x := func(i float64) float64 { return padL + i*bw }
	tx := func(t time.Time) float64 { return padL + float64(t.Sub(t0))/float64(bucket)*bw }
	maxV := slices.Max(total)
	top := niceCeil(float64(maxV))
	y := func(v, top float64) float64 { return padT + plotH - v/top*plotH }
	for _, c := range []*timeChart{&vol, &negc} {
		c.X0, c.X1, c.Y0, c.Y1 = f1(padL), f1(chartW-padR), f1(padT), f1(padT+plotH)
		c.XTicks = xTicks(t0, bucket, n, x)
	}
	for i, v := range total {
		if v == 0 {
			continue
		}
		t := t0.Add(time.Duration(i) * bucket)
		vol.Bars = append(vol.Bars, rect{X: f1(x(float64(i)) + bw*0.1), Y: f1(y(float64(v), top)), W: f1(max(bw*0.8, 0.5)),
			H: f1(float64(v) / top * plotH), Class: "bar",
			Title: fmt.Sprintf("%s: %d posts, %d negative", t.Format("2006-01-02 15:04"), v, negs[i])})
	}
	vol.YTicks = yTicks(top, func(v float64) float64 { return y(v, top) }, func(v float64) string { return strconv.Itoa(int(v)) })
	var path strings.Builder
	pen := false
	for i, v := range total {
		if v == 0 {
			pen = false
			continue
		}
		share := float64(negs[i]) / float64(v)
		px, py := x(float64(i))+bw/2, y(share, 1)
		if pen {
			path.WriteString(" L")
		} else {
			if path.Len() > 0 {
				path.WriteString(" ")
			}
			path.WriteString("M")
		}
		path.WriteString(f1(px) + " " + f1(py))
		pen = true
		t := t0.Add(time.Duration(i) * bucket)
		negc.Dots = append(negc.Dots, rect{X: f1(px), Y: f1(py), Class: "dot",
			Title: fmt.Sprintf("%s: %s negative (%d of %d)", t.Format("2006-01-02 15:04"), pct(negs[i], v), negs[i], v)})
	}
	negc.Path = path.String()
	negc.YTicks = yTicks(1, func(v float64) float64 { return y(v, 1) }, func(v float64) string { return strconv.Itoa(int(v*100)) + "%" })
	for _, a := range b.sortedAlerts() {
		if a.At.Before(t0) || a.At.After(t0.Add(time.Duration(n)*bucket)) {
			continue
		}
		m := marker{X: f1(tx(a.At)), Y1: f1(padT), Y2: f1(padT + plotH), Class: "alert-" + kindClass(a.Kind),
			Title: fmt.Sprintf("%s %s alert on %s at %s (score %.2f, observed %.0f, expected %.1f)",
				escalation(a), a.Kind, a.Key, a.At.UTC().Format("2006-01-02 15:04"), a.Score, a.Observed, a.Expected)}
		if a.Kind == surge.KindNegativity {
			negc.Markers = append(negc.Markers, m)
		} else {
			vol.Markers = append(vol.Markers, m)
		}
	}
	return vol, negc
}

func escalation(a surge.Alert) string {
	if a.Escalation {
		return "escalated"
	}
	return "new"
}

func kindClass(k surge.Kind) string {
	switch k {
	case surge.KindVolume, surge.KindNegativity, surge.KindSilence:
		return string(k)
	}
	return "other"
}

func (b *Builder) sortedAlerts() []surge.Alert {
	out := slices.Clone(b.alerts)
	slices.SortStableFunc(out, func(x, y surge.Alert) int {
		if c := x.At.Compare(y.At); c != 0 {
			return c
		}
		return cmp.Compare(x.Key, y.Key)
	})
	return out
}

// niceCeil returns the smallest of 1, 2, 2.5, 5 times a power of ten that
// is at least v (1 for v <= 1).
func niceCeil(v float64) float64 {
	if v <= 1 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

func yTicks(top float64, y func(float64) float64, label func(float64) string) []tick {
	var out []tick
	for i := 0; i <= 4; i++ {
		v := top * float64(i) / 4
		if top >= 4 && v != math.Trunc(v) {
			continue
		}
		out = append(out, tick{X: f1(padL - 6), Y: f1(y(v)), Label: label(v)})
	}
	return out
}

func xTicks(t0 time.Time, bucket time.Duration, n int, x func(float64) float64) []tick {
	layout := "Jan 2 15:04"
	if bucket >= 24*time.Hour {
		layout = "Jan 2"
	}
	step := max(1, (n+7)/8)
	var out []tick
	for i := 0; i < n; i += step {
		out = append(out, tick{X: f1(x(float64(i))), Y: f1(chartH - 8), Label: t0.Add(time.Duration(i) * bucket).Format(layout)})
	}
	return out
}

// countChart draws one bar per key.
func countChart[K any](b *Builder, id, title, desc string, keys []K, get func(K) (string, int), class string) barChart {
	c := barChart{ID: id, Title: title, Desc: desc, W: f1(barW)}
	maxV := 0
	for _, k := range keys {
		_, n := get(k)
		maxV = max(maxV, n)
	}
	c.Empty = maxV == 0
	for i, k := range keys {
		label, n := get(k)
		y := float64(i) * barRowH
		w := 0.0
		if maxV > 0 {
			w = float64(n) / float64(maxV) * (barW - barLabelW - 80)
		}
		c.Rows = append(c.Rows, barRow{Label: label, Value: fmt.Sprintf("%d (%s)", n, pct(n, len(b.entries))),
			Y: f1(y + 3), TextY: f1(y + 15),
			Segs: []rect{{X: f1(barLabelW), W: f1(max(w, 1)), H: f1(barRowH - 6), Class: class + " " + class + "-" + cssToken(label),
				Title: fmt.Sprintf("%s: %d", label, n)}}})
	}
	c.H = f1(max(float64(len(keys)), 1) * barRowH)
	return c
}

// cssToken keeps letters, digits and dashes, for a class name.
func cssToken(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return '-'
	}, s)
}

// slaShort are the outcomes' names in a row's breakdown.
var slaShort = []string{"met", "late", "breached", "open"}

// slaChart stacks the SLA outcomes of the posts with a deadline, per
// priority.
func (b *Builder) slaChart(end time.Time) barChart {
	c := barChart{ID: "sla", Title: "SLA outcomes",
		Desc: "Posts with a first-response deadline, by priority and whether a response was seen in the data in time.",
		W:    f1(barW)}
	for i, o := range slaOrder {
		c.Legend = append(c.Legend, legend{Label: o, Class: "sla" + strconv.Itoa(i)})
	}
	by := map[respond.Priority]map[string]int{}
	for _, e := range b.entries {
		if e.respondBy.IsZero() || e.responder {
			continue
		}
		m := by[e.priority]
		if m == nil {
			m = map[string]int{}
			by[e.priority] = m
		}
		m[b.slaOutcome(e, end)]++
	}
	prios := make([]respond.Priority, 0, len(by))
	for p := range by {
		prios = append(prios, p)
	}
	slices.Sort(prios)
	maxV := 0
	for _, m := range by {
		n := 0
		for _, v := range m {
			n += v
		}
		maxV = max(maxV, n)
	}
	c.Empty = maxV == 0
	span := barW - barLabelW - 330 // room for the breakdown
	for i, p := range prios {
		y := float64(i) * barRowH
		row := barRow{Label: string(p), Y: f1(y + 3), TextY: f1(y + 15)}
		if p == "" {
			row.Label = "none"
		}
		x := barLabelW
		total := 0
		var parts []string
		for j, o := range slaOrder {
			n := by[p][o]
			if n == 0 {
				continue
			}
			total += n
			w := float64(n) / float64(maxV) * span
			row.Segs = append(row.Segs, rect{X: f1(x), W: f1(max(w, 1)), H: f1(barRowH - 6), Class: "sla" + strconv.Itoa(j),
				Title: fmt.Sprintf("%s: %d %s", row.Label, n, o)})
			parts = append(parts, fmt.Sprintf("%d %s", n, slaShort[j]))
			x += w
		}
		row.Value = fmt.Sprintf("%d: %s", total, strings.Join(parts, " · "))
		c.Rows = append(c.Rows, row)
	}
	c.H = f1(max(float64(len(prios)), 1) * barRowH)
	return c
}

// authorChart ranks the authors by influence.
func (b *Builder) authorChart() (barChart, []authorView) {
	rows := make([]*authorRow, 0, len(b.authors))
	for _, r := range b.authors {
		if !r.score.Brand {
			rows = append(rows, r)
		}
	}
	slices.SortFunc(rows, func(x, y *authorRow) int {
		if c := cmp.Compare(y.score.Influence, x.score.Influence); c != 0 {
			return c
		}
		if c := cmp.Compare(y.posts, x.posts); c != 0 {
			return c
		}
		return cmp.Compare(x.first, y.first)
	})
	rows = rows[:min(len(rows), b.top)]
	c := barChart{ID: "authors", Title: "Most influential authors",
		Desc: "Influence 0 to 100 of the authors seen, highest first.", W: f1(barW), Empty: len(rows) == 0}
	var top []authorView
	span := barW - barLabelW - 80
	for i, r := range rows {
		a := r.score
		name := a.Handle
		if name == "" {
			name = a.Author
		}
		y := float64(i) * barRowH
		c.Rows = append(c.Rows, barRow{Label: truncate(name, 24), Value: f1(a.Influence), Y: f1(y + 3), TextY: f1(y + 15),
			Segs: []rect{{X: f1(barLabelW), W: f1(max(a.Influence/100*span, 1)), H: f1(barRowH - 6),
				Class: "author author-" + cssToken(string(a.Standing)),
				Title: fmt.Sprintf("%s: influence %.1f, %s, %d posts", name, a.Influence, a.Standing, r.posts)}}})
		top = append(top, authorView{Name: name, Source: a.Source, Standing: string(a.Standing),
			Influence: f1(a.Influence), Bot: strconv.FormatFloat(a.Bot, 'f', 2, 64), Posts: r.posts})
	}
	c.H = f1(max(float64(len(rows)), 1) * barRowH)
	return c, top
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func (b *Builder) alertViews() []alertView {
	var out []alertView
	for _, a := range b.sortedAlerts() {
		var reasons []string
		for _, r := range a.Reasons {
			reasons = append(reasons, r.Code)
		}
		out = append(out, alertView{At: a.At.UTC().Format("2006-01-02 15:04"), Key: a.Key, Kind: string(a.Kind),
			Score: strconv.FormatFloat(a.Score, 'f', 2, 64), Observed: strconv.FormatFloat(a.Observed, 'f', 0, 64),
			Expected: strconv.FormatFloat(a.Expected, 'f', 1, 64), Reasons: strings.Join(reasons, ", "), Escalation: a.Escalation})
	}
	return out
}

var page = template.Must(template.New("page").Parse(pageHTML))
