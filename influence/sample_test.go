package influence_test

import (
	"context"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkhq/hark/influence"
	"github.com/harkhq/hark/sample"
	"github.com/harkhq/hark/score"
)

// sampleTracker observes the sample week, each post with the score judge
// gives it, configured with the brand's field and accounts as a user would
// (its name, its products' aliases, its handles), and ranks the graph.
func sampleTracker(t *testing.T, judge func(i int) score.Result) (sample.Facts, map[string]influence.AuthorScore, []influence.AuthorScore) {
	t.Helper()
	f := sample.Script()
	topics := []string{f.Brand}
	for _, p := range f.Products {
		topics = append(topics, p.Aliases...)
	}
	topics = append(topics, f.Handles...)
	tr := influence.NewTracker(influence.WithTopics(topics...), influence.WithBrandAccounts(f.Handles...))
	for i, p := range sample.Week() {
		require.NoError(t, tr.Observe(p, judge(i)))
	}
	_, err := tr.Rank(context.Background())
	require.NoError(t, err)
	all, err := tr.Top(0)
	require.NoError(t, err)
	m := map[string]influence.AuthorScore{}
	for _, a := range all {
		m[a.Author] = a
	}
	return f, m, all
}

// checkReachHelpersBots checks the roles that do not depend on sentiment.
func checkReachHelpersBots(t *testing.T, f sample.Facts, m map[string]influence.AuthorScore, all []influence.AuthorScore) {
	// The high-reach authors lead the list.
	n := len(f.HighReach) + 2
	var top []string
	for _, a := range all[:n] {
		top = append(top, a.Author)
	}
	for _, p := range f.HighReach {
		assert.Contains(t, top, p.AuthorID, "high reach %s (%s) in the top %d", p.Handle, p.Role, n)
		assert.Greater(t, m[p.AuthorID].Influence, 65.0, p.Handle)
	}
	for _, p := range f.Helpers {
		assert.True(t, m[p.AuthorID].Helper, "helper %s", p.Handle)
	}
	bots := map[string]bool{}
	for _, p := range f.Bots {
		bots[p.AuthorID] = true
		a := m[p.AuthorID]
		assert.GreaterOrEqual(t, a.Bot, 0.5, "bot %s: %v", p.Handle, a.Reasons)
		assert.Less(t, a.Influence, 20.0, "bot %s", p.Handle)
		assert.Equal(t, influence.StandingNeutral, a.Standing, "bot %s", p.Handle)
	}
	// No one else is taken for a bot, or for the brand.
	for _, a := range all {
		if !bots[a.Author] {
			assert.Less(t, a.Bot, 0.5, "%s %s taken for a bot: %v", a.Author, a.Handle, a.Reasons)
		}
		assert.False(t, slices.Contains(f.Handles, a.Handle) || a.Brand, "brand account %s listed", a.Handle)
	}
}

// TestSampleWeekRoles judges the sample week with its hand-written labels as
// the scores: every scripted role must come out.
func TestSampleWeekRoles(t *testing.T) {
	posts := sample.Week()
	labels := sample.Labels()
	f, m, all := sampleTracker(t, func(i int) score.Result {
		l := labels[posts[i].ID]
		return score.Result{Sentiment: l.Sentiment, Label: score.Label(l.Label), Confidence: 0.9,
			Intent: score.Intent(l.Intent), Urgency: l.Urgency}
	})
	checkReachHelpersBots(t, f, m, all)
	for _, p := range f.Advocates {
		assert.Equal(t, influence.StandingAdvocate, m[p.AuthorID].Standing, "advocate %s: %v", p.Handle, m[p.AuthorID].Reasons)
	}
	for _, p := range f.Detractors {
		assert.Equal(t, influence.StandingDetractor, m[p.AuthorID].Standing, "detractor %s: %v", p.Handle, m[p.AuthorID].Reasons)
	}
}

// TestSampleWeekWithScorer judges the sample week end to end, with the
// scores of package score. Reach, helpers and bots must come out as with
// the labels; standing depends on the scorer's sentiment, so most of the
// scripted advocates and detractors must, and none may be taken for the
// opposite.
func TestSampleWeekWithScorer(t *testing.T) {
	f := sample.Script()
	sc, err := score.New(score.WithBrand(score.Brand{Name: f.Brand, Handles: f.Handles}))
	require.NoError(t, err)
	posts := sample.Week()
	f, m, all := sampleTracker(t, func(i int) score.Result { return sc.Score(posts[i]) })
	checkReachHelpersBots(t, f, m, all)
	for _, g := range []struct {
		ps         []sample.Persona
		want, anti influence.Standing
	}{
		{f.Advocates, influence.StandingAdvocate, influence.StandingDetractor},
		{f.Detractors, influence.StandingDetractor, influence.StandingAdvocate},
	} {
		right := 0
		for _, p := range g.ps {
			s := m[p.AuthorID].Standing
			assert.NotEqual(t, g.anti, s, "%s taken for a %s", p.Handle, g.anti)
			if s == g.want {
				right++
			}
		}
		assert.GreaterOrEqual(t, 3*right, 2*len(g.ps), "%d of %d %ss found", right, len(g.ps), g.want)
	}
}
