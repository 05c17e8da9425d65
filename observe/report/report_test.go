package report

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/influence"
	"github.com/harkhq/hark/respond"
	"github.com/harkhq/hark/respond/surge"
	"github.com/harkhq/hark/score"
)

var t0 = time.Date(2026, 2, 16, 8, 0, 0, 0, time.UTC)

// fixture is a made-up day: a steady trickle of posts, a burst of
// complaints at noon, brand replies to some, and an alert on the burst.
func fixture(opts ...Option) *Builder {
	b := New(opts...)
	intents := []score.Intent{score.IntentQuestion, score.IntentPraise, score.IntentOther, score.IntentComplaint}
	prios := []respond.Priority{respond.P3, "", respond.P4, respond.P2}
	n := 0
	add := func(at time.Time, intent score.Intent, label score.Label, prio respond.Priority, author string, infl float64) string {
		n++
		id := fmt.Sprintf("p%d", n)
		c := respond.Case{Post: hark.Post{ID: id, Source: "bluesky", Text: "text", Created: at,
			Author: hark.Author{ID: author, Handle: "@" + author}},
			Scores: score.Result{Intent: intent, Label: label},
			Author: influence.AuthorScore{Author: "bluesky:" + author, Influence: infl, Standing: influence.Standing("neutral")}}
		d := respond.Decision{PostID: id, Priority: prio}
		if prio != "" {
			d.RespondBy = at.Add(time.Hour)
		}
		b.Add(c, d)
		return id
	}
	for i := range 48 {
		at := t0.Add(time.Duration(i) * 15 * time.Minute)
		add(at, intents[i%4], score.LabelNeutral, prios[i%4], fmt.Sprintf("u%d", i%7), float64(i%7)*10)
	}
	var burst []string
	for i := range 20 {
		at := t0.Add(4*time.Hour + time.Duration(i)*time.Minute)
		burst = append(burst, add(at, score.IntentComplaint, score.LabelNegative, respond.P1, fmt.Sprintf("angry%d", i), 5))
	}
	// The brand answers the first burst post in 30 minutes and the second
	// in two hours.
	brand := func(at time.Time, parent string) {
		n++
		b.Add(respond.Case{Post: hark.Post{ID: fmt.Sprintf("p%d", n), Text: "sorry", Created: at, ParentID: parent,
			Author: hark.Author{ID: "acme", Handle: "@acme"}},
			Author: influence.AuthorScore{Author: "bluesky:acme", Influence: 99, Brand: true}},
			respond.Decision{PostID: fmt.Sprintf("p%d", n)})
	}
	brand(t0.Add(4*time.Hour+30*time.Minute), burst[0])
	brand(t0.Add(6*time.Hour+time.Minute), burst[1])
	b.Alerts(surge.Alert{Key: "intent:complaint", Kind: surge.KindVolume, Start: t0.Add(4 * time.Hour),
		At: t0.Add(4*time.Hour + 5*time.Minute), Score: 0.93, Observed: 12, Expected: 1.5,
		Reasons: []hark.Reason{{Code: "volume.rise"}}},
		surge.Alert{Key: "all", Kind: surge.KindNegativity, At: t0.Add(4*time.Hour + 9*time.Minute), Score: 0.8})
	return b
}

func TestSLAOutcomes(t *testing.T) {
	v := fixture().view()
	byLabel := map[string]string{}
	for _, r := range v.SLA.Rows {
		byLabel[r.Label] = r.Value
	}
	// P1: the burst of 20; one met, one late, the rest breached (the data
	// runs to 11:45 plus the brand's 14:01 reply, past every deadline).
	assert.Equal(t, "20: 1 met · 1 late · 18 breached", byLabel["P1"])
	// The last P2 post, at 19:45, has its deadline past the data's end.
	assert.Contains(t, byLabel["P2"], "open")
	assert.NotContains(t, byLabel, "none", "posts without a deadline are not in the SLA chart")
}

func TestWrite(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, fixture(WithTitle("Week 7 <replay>")).Write(&out))
	html := out.String()

	assert.Contains(t, html, "<title>Week 7 &lt;replay&gt;</title>")
	assert.NotContains(t, html, "<script", "no script")
	for _, m := range regexp.MustCompile(`(?i)(?:src|href)\s*=|url\(|@import|https?://[^"\s]*`).FindAllString(html, -1) {
		assert.Equal(t, "http://www.w3.org/2000/svg", m, "no external reference")
	}
	for _, id := range []string{"volume-chart", "negative-chart", "intent-chart", "priority-chart", "sla-chart", "authors-chart"} {
		assert.Contains(t, html, `id="`+id+`"`)
	}
	assert.Equal(t, 2, strings.Count(html, `class="marker alert-`), "both alerts marked")
	assert.Contains(t, html, "intent:complaint")
	// The brand is not among the influential authors.
	assert.NotContains(t, html, "<td>@acme</td>")
	assert.Contains(t, html, "<td>@u6</td>")

	var again bytes.Buffer
	require.NoError(t, fixture(WithTitle("Week 7 <replay>")).Write(&again))
	assert.Equal(t, html, again.String(), "deterministic")
}

func TestWriteEscapes(t *testing.T) {
	b := New()
	evil := `<script>alert("x")</script>`
	b.Add(respond.Case{Post: hark.Post{ID: "1", Text: "t", Created: t0, Author: hark.Author{ID: "e", Handle: evil}},
		Scores: score.Result{Intent: score.Intent(evil)}},
		respond.Decision{Priority: respond.Priority(evil), Team: evil, RespondBy: t0.Add(time.Hour)})
	b.Alerts(surge.Alert{Key: evil, Kind: surge.Kind(evil), At: t0})
	var out bytes.Buffer
	require.NoError(t, b.Write(&out))
	assert.NotContains(t, out.String(), "<script")
	assert.Contains(t, out.String(), "&lt;script&gt;")
}

func TestWriteEmpty(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, New().Write(&out))
	assert.Contains(t, out.String(), "No dated posts.")
	assert.Contains(t, out.String(), "No alerts.")
}

func TestPickBucket(t *testing.T) {
	for _, tc := range []struct {
		span, want time.Duration
	}{
		{0, 5 * time.Minute},
		{2 * time.Hour, 5 * time.Minute},
		{23 * time.Hour, 15 * time.Minute},
		{24 * time.Hour, time.Hour},
		{7 * 24 * time.Hour, 3 * time.Hour},
		{30 * 24 * time.Hour, 12 * time.Hour},
		{365 * 24 * time.Hour, 4 * 24 * time.Hour},
	} {
		assert.Equal(t, tc.want, pickBucket(tc.span), "%v", tc.span)
	}
}
