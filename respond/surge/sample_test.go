package surge_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/respond/surge"
	"github.com/harkhq/hark/sample"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// observe turns a sample post into an observation. The sample's labels
// stand in for a scorer: its hand label says negative or not, and the
// products and stores it names are the entities (score.Result.About in a
// real pipeline). Like a real pipeline, it leaves out what is not the
// customers' voice: spam (score.Result.Spam) and the brand's own posts and
// their reposts; ok is false for those.
func observe(p hark.Post, l sample.Label) (o surge.Observation, ok bool) {
	if l.Bot || l.Kind == "brand_post" {
		return o, false
	}
	o = surge.Observation{
		Keys:     []string{"brand:kestrel", "source:" + p.Source},
		Time:     p.Created,
		Negative: l.Label == "negative",
		Source:   p.Source,
		Terms:    surge.Terms(p.Text, 12),
		PostID:   p.ID,
		Weight:   1 + float64(p.Author.Followers) + 10*float64(p.Metrics.Reposts+p.Metrics.Quotes),
	}
	for _, t := range p.Tags {
		o.Terms = append(o.Terms, strings.ToLower(t))
	}
	if l.Lang != "" {
		o.Keys = append(o.Keys, "lang:"+l.Lang)
	}
	for _, pr := range l.Products {
		o.Keys = append(o.Keys, "product:"+pr)
		o.Entities = append(o.Entities, pr)
	}
	for _, s := range l.Stores {
		o.Keys = append(o.Keys, "store:"+s)
		o.Entities = append(o.Entities, s)
	}
	return o, true
}

func TestSampleWeekIncident(t *testing.T) {
	posts := sample.Week()
	labels := sample.Labels()
	script := sample.Script()
	require.NotEmpty(t, posts)
	var first time.Time
	for _, p := range posts {
		if labels[p.ID].Incident && (first.IsZero() || p.Created.Before(first)) {
			first = p.Created
		}
	}
	require.False(t, first.IsZero())
	t.Logf("incident starts %s, first post %s", script.Incident.Start.Format("Mon 15:04"), first.Format("Mon 15:04"))

	d := surge.New(surge.Config{})
	var alerts []surge.Alert
	for _, p := range posts { // Week is in time order
		if o, ok := observe(p, labels[p.ID]); ok {
			alerts = append(alerts, d.Observe(o)...)
		}
	}
	alerts = append(alerts, d.Advance(script.End)...)

	var caught *surge.Alert
	incidentKeys := map[string]bool{"brand:kestrel": true, "product:" + script.Incident.Product: true}
	for i, a := range alerts {
		t.Logf("%s %-22s %-10s start %s score %.2f obs %.0f exp %.1f esc %v %v", a.At.Format("Mon 15:04"), a.Key, a.Kind,
			a.Start.Format("15:04"), a.Score, a.Observed, a.Expected, a.Escalation, names(a.Drivers.Terms))
		if caught == nil && incidentKeys[a.Key] && a.Kind != surge.KindSilence && !a.At.Before(first) {
			caught = &alerts[i]
		}
	}
	require.NotNil(t, caught, "the incident raises an alert on the brand or the incident's product")
	assert.LessOrEqual(t, caught.At.Sub(first), 30*time.Minute, "caught within 30 minutes of its first posts")
	require.NotEmpty(t, caught.Drivers.TopPosts, "the alert names its top posts")
	for _, id := range caught.Drivers.TopPosts {
		assert.True(t, labels[id].Incident, "top post %s is about the incident", id)
	}
	assert.NotEmpty(t, caught.Reasons)
	// a handful of posts in different words has no common term yet; as the
	// wave builds, the alerts of the incident's keys name its hashtag
	tag := strings.ToLower(script.Incident.Tags[0])
	named := false
	for _, a := range alerts {
		if incidentKeys[a.Key] && !a.At.After(script.Incident.PeakStart) && slices.Contains(names(a.Drivers.Terms), tag) {
			named = true
		}
	}
	assert.True(t, named, "an alert before the peak names %s among its drivers", tag)
	// before it, the incident's product had no negativity surge (volume
	// may surge: a journalist's post about it going round is one)
	for _, a := range alerts {
		if a.Key == "product:"+script.Incident.Product && a.Kind == surge.KindNegativity {
			assert.False(t, a.At.Before(first), "negativity alert on %s at %s before the incident", a.Key, a.At)
		}
	}
}

func names(ds []surge.Driver) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Name)
	}
	return out
}
