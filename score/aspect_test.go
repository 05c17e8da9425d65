package score

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func aspectsOf(r Result) []string {
	var out []string
	for _, e := range r.About {
		if e.Kind == "aspect" {
			out = append(out, e.Name)
		}
	}
	return out
}

func TestDefaultAspects(t *testing.T) {
	as := DefaultAspects()
	require.NotEmpty(t, as)
	seen := map[string]bool{}
	for _, a := range as {
		assert.Equal(t, strings.ToLower(a.Name), a.Name, "names are lower case")
		assert.False(t, seen[a.Name], "aspect %q twice", a.Name)
		seen[a.Name] = true
		assert.NotEmpty(t, a.Phrases, a.Name)
		// each phrase compiles on its own
		m := newMatcher()
		m.entries = append(m.entries, matchEntry{kind: ekAspect})
		for _, p := range a.Phrases {
			assert.NoError(t, m.add(p, 0, nil), "%s: %q", a.Name, p)
		}
	}
}

// Aspects are found however the post puts it, in the supported languages.
func TestAspectsFound(t *testing.T) {
	s := newScorer(t)
	cases := []struct{ text, aspect string }{
		{"the card reader at the Leeds store is down again", "payment"},
		{"contactless not working at any of your shops??", "payment"},
		{"Your self-checkout won't take any card", "payment"},
		{"card got declined twice at the till, so embarrassing", "payment"},
		{"I've been charged twice for one order", "payment"},
		{"why is my bill £40 higher this month", "payment"},
		{"no consigo pagar con tarjeta en la tienda", "payment"},
		{"Kartenzahlung geht seit heute morgen nicht", "payment"},
		{"my parcel still hasn't arrived after 10 days", "delivery"},
		{"the courier left it in the rain", "delivery"},
		{"ma livraison est en retard de trois jours", "delivery"},
		{"I keep getting locked out of my account", "account"},
		{"password reset email never comes", "account"},
		{"the app crashes every time I open it", "app"},
		{"your website is down", "app"},
		{"the staff at the Oxford St branch were lovely", "service"},
		{"on hold for 2 hours with customer service", "service"},
		{"prices went up again, what a rip off", "price"},
		{"the zip broke after a week, really poor quality", "quality"},
		{"phone battery drains in 3 hours", "battery"},
		{"still waiting for my refund", "returns"},
		{"the heater caught fire in my kitchen", "safety"},
		{"no signal in the whole town since this morning", "connectivity"},
		{"wifi keeps dropping every 10 minutes", "connectivity"},
		{"how do I cancel my subscription", "subscription"},
		{"flight cancelled and no rebooking offered", "booking"},
		{"my appointment was moved without telling me", "booking"},
		{"the chicken was undercooked", "food"},
		{"someone made unauthorised transactions on my card", "security"},
		{"sold out everywhere, when will you restock", "stock"},
	}
	for _, c := range cases {
		r := s.Score(post(c.text))
		assert.Contains(t, aspectsOf(r), c.aspect, "%q", c.text)
	}
}

// Text about nothing a company offers names no aspect, however loaded its
// words.
func TestAspectsNotFound(t *testing.T) {
	s := newScorer(t)
	for _, text := range []string{
		"what a lovely day at the beach",
		"I recall the old days fondly",
		"taking everything into account, a good year",
		"Bill and I went to the park",
		"that's precious",
		"crack of dawn run done",
		"you're on fire today!",
		"paid attention the whole lecture",
		"good morning everyone",
		"I hate Mondays so much",
		"",
	} {
		assert.Empty(t, aspectsOf(s.Score(post(text))), "%q", text)
	}
}

// About lists each aspect once, in the order of its first mention.
func TestAspectsOrder(t *testing.T) {
	s := newScorer(t)
	r := s.Score(post("my parcel never came, then my card was declined when I reordered, and the parcel is still missing"))
	assert.Equal(t, []string{"delivery", "payment"}, aspectsOf(r))
	assert.Equal(t, r, s.Score(post("my parcel never came, then my card was declined when I reordered, and the parcel is still missing")))
}

// A brand adds phrases to a built-in aspect, adds its own aspects, and
// replaces or switches off built-in ones.
func TestBrandAspects(t *testing.T) {
	br := Brand{
		Name: "Zap",
		Aspects: []Aspect{
			{Name: "Payment", Phrases: []string{"top-up|topup*"}},
			{Name: "loyalty", Phrases: []string{"points balance", "reward* card"}},
			{Name: "delivery", Phrases: []string{"drone drop*"}},
		},
		ReplaceAspects: []string{"delivery", "food"},
	}
	s := newScorer(t, WithBrand(br))
	assert.Contains(t, aspectsOf(s.Score(post("my topup failed again"))), "payment")
	assert.Contains(t, aspectsOf(s.Score(post("card declined"))), "payment", "adding keeps the built-in phrases")
	assert.Equal(t, []string{"loyalty"}, aspectsOf(s.Score(post("my points balance is wrong"))))
	assert.Equal(t, []string{"delivery"}, aspectsOf(s.Score(post("the drone dropped it in the pond"))))
	assert.NotContains(t, aspectsOf(s.Score(post("my parcel never arrived"))), "delivery", "replaced")
	assert.Empty(t, aspectsOf(s.Score(post("the food was cold"))), "switched off")

	// the same from JSON
	jb, err := ReadBrand(strings.NewReader(`{"name": "Zap", "aspects": [{"name": "loyalty", "phrases": ["points balance"]}], "replace_aspects": ["food"]}`))
	require.NoError(t, err)
	s = newScorer(t, WithBrand(jb))
	assert.Equal(t, []string{"loyalty"}, aspectsOf(s.Score(post("my points balance is wrong"))))
	assert.Empty(t, aspectsOf(s.Score(post("the food was cold"))))

	_, err = New(WithBrand(Brand{Aspects: []Aspect{{Phrases: []string{"x"}}}}))
	assert.ErrorContains(t, err, "aspect without a name")
	_, err = New(WithBrand(Brand{Aspects: []Aspect{{Name: "x", Phrases: []string{"~ x"}}}}))
	assert.ErrorContains(t, err, `aspect "x"`)
}

// An aspect word inside the brand's own name does not count: "Delivery
// Hero" is a name, not a post about delivery.
func TestAspectInsideName(t *testing.T) {
	s := newScorer(t, WithBrand(Brand{Name: "Delivery Hero"}))
	r := s.Score(post("Delivery Hero is hiring"))
	assert.NotContains(t, aspectsOf(r), "delivery")
	assert.Contains(t, aspectsOf(s.Score(post("Delivery Hero lost my delivery"))), "delivery")
}

// Aspects describe and nothing more: with every built-in aspect switched
// off, the labelled care posts get the same sentiment, urgency, intent and
// reasons.
func TestAspectsChangeNoJudgement(t *testing.T) {
	var off []string
	for _, a := range DefaultAspects() {
		off = append(off, a.Name)
	}
	with := newScorer(t)
	without := newScorer(t, WithBrand(Brand{ReplaceAspects: off}))
	n, found := 0, 0
	for _, row := range labelledTexts(t, "testdata/care/*.jsonl") {
		a, b := with.Score(post(row.Text)), without.Score(post(row.Text))
		if len(aspectsOf(a)) > 0 {
			found++
		}
		assert.Empty(t, aspectsOf(b))
		a.About = slices.DeleteFunc(a.About, func(e Entity) bool { return e.Kind == "aspect" })
		if len(a.About) == 0 {
			a.About = nil
		}
		assert.Equal(t, b, a, "%q", row.Text)
		n++
	}
	require.Greater(t, n, 500)
	t.Logf("%d of %d care posts name an aspect", found, n)
	// the set also holds posts in which a brand turns up only in passing,
	// which seldom name an aspect
	assert.Greater(t, found, n*2/5, "many care posts are about some aspect")
}
