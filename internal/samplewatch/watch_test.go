package samplewatch

import (
	"testing"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/sample"
	"github.com/harkhq/hark/score"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestObserve(t *testing.T) {
	facts := sample.Script()
	w := New(facts)
	sc, err := score.New(score.WithBrand(w.Brand()))
	require.NoError(t, err)
	observe := func(p hark.Post) ([]string, bool) {
		o, ok := w.Observe(p, sc.Score(p))
		return o.Keys, ok
	}

	keys, ok := observe(hark.Post{ID: "1", Source: "bluesky", Text: "KestrelPay declined my card at the Kestrel Leeds till, twice. Ridiculous."})
	require.True(t, ok)
	assert.Subset(t, keys, []string{"brand", "source:bluesky", "product:kestrelpay", "place:leeds", "aspect:payment"})

	_, ok = observe(hark.Post{ID: "2", Text: "We're looking into payment problems in some stores.", Author: hark.Author{Handle: facts.Handles[0]}})
	assert.False(t, ok, "the company's own post")
	_, ok = observe(hark.Post{ID: "3", Text: "We're looking into payment problems in some stores.", RepostOf: "2"})
	assert.False(t, ok, "a repost of the company's own post")

	spam := hark.Post{ID: "4", Text: "FREE iPhone!!! click here http://spam.example http://spam.example/2 DM me for crypto giveaway $$$"}
	require.Equal(t, score.IntentSpam, sc.Score(spam).Intent, "the scorer reads it as spam")
	keys, ok = observe(spam)
	require.True(t, ok)
	assert.Equal(t, []string{"intent:spam"}, keys, "spam counts only towards a wave of spam")
}
