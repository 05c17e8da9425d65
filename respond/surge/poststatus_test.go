package surge_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/respond"
	"github.com/harkhq/hark/respond/surge"
)

const surgePolicy = `
name: surge-paging
match: first
sla: {P1: 30m, P4: 2d}
teams: {comms: []}
channels: [comms-pager]
rules:
  - name: surging
    when: surge.active && "brand:acme" in surge.keys && surge.score >= 0.5
    priority: P1
    route: comms
    alert: comms-pager
  - name: rest
    when: "true"
    priority: P4
`

// A detector's state fills respond.Case.Surge for a post's keys, and a
// policy routes on it: quiet, a post is P4; during a surge of its brand, P1.
func TestPostStatusFillsTheCase(t *testing.T) {
	ctx := context.Background()
	policy, err := respond.ParsePolicy("surge.yaml", []byte(surgePolicy))
	require.NoError(t, err)
	d := surge.New(surge.Config{})
	t0 := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	keys := []string{"brand:acme", "source:bluesky", "brand:acme"}
	decide := func(at time.Time, n int) respond.Decision {
		post := hark.Post{ID: fmt.Sprintf("p%d", n), Source: "bluesky", Text: "my order is late", Created: at}
		d.Observe(surge.Observation{Keys: keys, Time: at, Source: "bluesky", Terms: surge.Terms(post.Text, 8), PostID: post.ID})
		c := respond.Case{Post: post, Now: at, Surge: respond.SurgeState(d.PostStatus(keys))}
		dec, err := policy.Decide(ctx, c)
		require.NoError(t, err)
		return dec
	}
	// three days of a post every two minutes: no surge
	n := 0
	var last respond.Decision
	for at := t0; at.Before(t0.Add(72 * time.Hour)); at = at.Add(2 * time.Minute) {
		last = decide(at, n)
		n++
	}
	assert.Equal(t, respond.P4, last.Priority)
	assert.False(t, d.PostStatus(keys).Active)

	// then twenty posts a minute
	burst := t0.Add(72 * time.Hour)
	for i := range 600 {
		last = decide(burst.Add(time.Duration(i)*3*time.Second), n)
		n++
	}
	st := d.PostStatus(keys)
	require.True(t, st.Active)
	assert.Equal(t, "brand:acme", st.Keys[0], "in the order given")
	assert.NotContains(t, st.Keys[1:], "brand:acme", "a key named twice is listed once")
	assert.GreaterOrEqual(t, st.Score, 0.5)
	assert.Equal(t, respond.P1, last.Priority)
	assert.Equal(t, []string{"surging"}, last.Rules)
}
