package score

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/harkhq/hark"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newScorer(t testing.TB, opts ...Option) *Scorer {
	t.Helper()
	s, err := New(opts...)
	require.NoError(t, err)
	return s
}

func post(text string) hark.Post { return hark.Post{ID: "t", Text: text} }

func hasReason(r Result, code string) bool {
	for _, x := range r.Reasons {
		if x.Code == code {
			return true
		}
	}
	return false
}

func checkRanges(t *testing.T, r Result) {
	t.Helper()
	assert.True(t, r.Sentiment >= -1 && r.Sentiment <= 1, "sentiment %v", r.Sentiment)
	assert.True(t, r.Confidence >= 0 && r.Confidence <= 1, "confidence %v", r.Confidence)
	assert.True(t, r.Urgency >= 0 && r.Urgency <= 3, "urgency %v", r.Urgency)
	assert.True(t, r.UrgencyScore >= 0 && r.UrgencyScore <= 1, "urgency score %v", r.UrgencyScore)
	assert.True(t, r.Spam >= 0 && r.Spam <= 1, "spam %v", r.Spam)
	assert.True(t, validIntent(r.Intent), "intent %q", r.Intent)
	assert.Contains(t, []Label{LabelPositive, LabelNeutral, LabelNegative, LabelUnknown}, r.Label)
	assert.NotEmpty(t, r.Language)
	assert.NotNil(t, r.Reasons)
	for _, x := range r.Reasons {
		assert.NotEmpty(t, x.Code)
		assert.True(t, utf8.ValidString(x.Span))
	}
}

// The rules alone, on social-text phenomena. Each case compares two
// versions of a post that differ only in the phenomenon, so that the test
// checks the rule, not a tuned answer.
func TestRulesSocialText(t *testing.T) {
	s := newScorer(t, WithoutModel())
	sc := func(text string) float64 { return s.Score(post(text)).Sentiment }
	cases := []struct {
		name         string
		more, less   string // sentiment(more) > sentiment(less)
		strictlyMore bool
	}{
		{"negation flips", "the food was good", "the food was not good", true},
		{"negation with contraction", "it works great", "it doesn't work great", true},
		{"intensifier", "the staff were very helpful", "the staff were helpful", true},
		{"downtoner", "the room was nice", "the room was somewhat nice", true},
		{"capitals emphasise", "the show was GREAT tonight", "the show was great tonight", true},
		{"elongation emphasises", "this is sooo good", "this is so good", true},
		{"exclamation emphasises", "what a lovely day!!!", "what a lovely day", true},
		{"but shifts weight to what follows", "the wait was long but the food was excellent", "the food was excellent but the wait was long", true},
		{"emoji", "new phone arrived 😍", "new phone arrived 😡", true},
		{"emoji with skin tone", "team did it 👍🏽", "team did it 👎🏽", true},
		{"ZWJ sequence reads as its first emoji", "we did it 🤦‍♀️ not", "we did it 🤦‍♀️ not", false},
		{"emoticon", "see you soon :)", "see you soon :(", true},
		{"html heart", "thank you all &lt;3", "thank you all", true},
		{"hashtag split", "landed early #BestFlightEver", "landed early #WorstFlightEver", true},
		{"hashtag one case", "landed early #bestflightever", "landed early #worstflightever", true},
		{"zero-width inside a word", "that was g\u200bood", "that was bad", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, l := sc(c.more), sc(c.less)
			if c.strictlyMore {
				assert.Greater(t, m, l, "%q (%v) vs %q (%v)", c.more, m, c.less, l)
			} else {
				assert.Equal(t, m, l)
			}
		})
	}
}

// A post clearly in another language does not read its own function
// words as English ones: German "die" is an article.
func TestForeignFunctionWordsAreNotEnglish(t *testing.T) {
	s := newScorer(t, WithoutModel())
	r := s.Score(post("Vertrag gekündigt, trotzdem weiter abgebucht. Ich habe die Rechnung und die Kündigung noch hier."))
	require.Equal(t, "de", r.Language)
	for _, x := range r.Reasons {
		assert.NotEqual(t, "die", x.Span, "%+v", x)
	}
	// an English post keeps the word
	r = s.Score(post("I thought I would die waiting on hold"))
	assert.Less(t, r.Sentiment, 0.0)
}

func TestHandlesAndBrandsAreNotSentimentWords(t *testing.T) {
	s := newScorer(t, WithoutModel())
	// "united" is a positive word in VADER's lexicon; @united is a handle.
	r := s.Score(post("@united flight to Denver"))
	assert.Equal(t, LabelNeutral, r.Label, "%+v", r)
	// a brand's product name with a loaded word
	plain := s.Score(post("War Zone season 3 drops tomorrow"))
	b := newScorer(t, WithoutModel(), WithBrand(Brand{Name: "Ironpeak", Neutral: []string{"War Zone"}, Products: []string{"War Zone"}}))
	br := b.Score(post("War Zone season 3 drops tomorrow"))
	assert.Less(t, plain.Sentiment, 0.0)
	assert.Equal(t, 0.0, br.Sentiment)
	assert.Contains(t, br.About, Entity{Kind: "product", Name: "War Zone"})
	assert.True(t, hasReason(br, "neutral.term"))
}

func TestBrandLexiconAndCues(t *testing.T) {
	base := newScorer(t, WithoutModel())
	skate := newScorer(t, WithoutModel(), WithBrand(Brand{Name: "Deckr", Lexicon: map[string]float64{"sick": 2.5}}))
	assert.Less(t, base.Score(post("that new deck is sick")).Sentiment, skate.Score(post("that new deck is sick")).Sentiment)

	cue := Cue{Code: "urgency.recall", Urgency: 3, Intent: IntentCrisis, Phrases: []string{"batch ~ contaminated"}}
	s := newScorer(t, WithoutModel(), WithBrand(Brand{Cues: []Cue{cue}}))
	r := s.Score(post("batch 42 is contaminated"))
	assert.Equal(t, UrgencyCritical, r.Urgency)
	assert.True(t, hasReason(r, "urgency.recall"))

	off := newScorer(t, WithoutModel(), WithBrand(Brand{DisableCues: []string{"urgency.money"}}))
	assert.False(t, hasReason(off.Score(post("I was charged twice")), "urgency.money"))
	assert.True(t, hasReason(base.Score(post("I was charged twice")), "urgency.money"))
}

func TestBadConfiguration(t *testing.T) {
	for name, b := range map[string]Brand{
		"urgency":      {Cues: []Cue{{Code: "x", Urgency: 4, Phrases: []string{"a"}}}},
		"code":         {Cues: []Cue{{Urgency: 1, Phrases: []string{"a"}}}},
		"intent":       {Cues: []Cue{{Code: "x", Intent: "shout", Phrases: []string{"a"}}}},
		"empty":        {Cues: []Cue{{Code: "x", Phrases: []string{"  "}}}},
		"leading gap":  {Cues: []Cue{{Code: "x", Phrases: []string{"~ a"}}}},
		"valence":      {Lexicon: map[string]float64{"meh": 9}},
		"phrase":       {Lexicon: map[string]float64{"war zone": 0}},
		"replace typo": {ReplaceCues: []string{"urgency.mony"}},
		"disable typo": {DisableCues: []string{"urgncy.safety"}},
	} {
		_, err := New(WithBrand(b))
		assert.Error(t, err, name)
	}
	_, err := New(WithBrand(Brand{Name: "Acme", DisableCues: []string{"urgency.moneys"}}))
	assert.ErrorContains(t, err, `did you mean "urgency.money"?`)
	_, err = New(WithBrand(Brand{DisableCues: []string{"URGENCY.MONEY", "killing time"}, ReplaceCues: []string{"urgency.safety"}}))
	assert.NoError(t, err, "a built-in code, in any case, and a built-in phrase")
}

func TestReadBrand(t *testing.T) {
	b, err := ReadBrand(strings.NewReader(`{"name":"Acme","handles":["@acme"],"neutral":["Dead Sea"],"cues":[{"code":"urgency.x","urgency":2,"phrases":["boom"]}]}`))
	require.NoError(t, err)
	assert.Equal(t, "Acme", b.Name)
	assert.Len(t, b.Cues, 1)
	_, err = ReadBrand(strings.NewReader(`{"nmae":"Acme"}`))
	assert.Error(t, err, "unknown field")
	cs, err := ReadCues(strings.NewReader(`[{"code":"a","phrases":["b"]}]`))
	require.NoError(t, err)
	assert.Len(t, cs, 1)
	assert.NotEmpty(t, DefaultCues())
}

func TestCustomerCareJudgements(t *testing.T) {
	s := newScorer(t)
	cases := []struct {
		text      string
		label     Label
		minUrg    int
		intent    Intent
		reasonHas string
	}{
		{"@acmebank my card was charged twice for the same order, could you help?", LabelNegative, 2, IntentComplaint, "urgency.money"},
		{"the charger you sold me caught fire on my desk, my kids were next to it", "", 3, "", "urgency.safety"},
		{"thank you @acme, the support agent sorted my problem in five minutes!", LabelPositive, 0, IntentPraise, ""},
		{"does the basic fare include a carry-on bag?", "", 1, IntentQuestion, ""},
	}
	for _, c := range cases {
		r := s.Score(post(c.text))
		checkRanges(t, r)
		if c.label != "" {
			assert.Equal(t, c.label, r.Label, c.text)
		}
		assert.GreaterOrEqual(t, r.Urgency, c.minUrg, c.text)
		if c.intent != "" {
			assert.Equal(t, c.intent, r.Intent, c.text)
		}
		if c.reasonHas != "" {
			assert.True(t, hasReason(r, c.reasonHas), "%s: %+v", c.text, r.Reasons)
		}
	}
	fire := s.Score(post("the charger you sold me caught fire on my desk, my kids were next to it"))
	assert.Less(t, fire.Sentiment, 0.0)
	assert.NotEqual(t, LabelPositive, fire.Label)
	praise := s.Score(post("Love my new headphones, best purchase this year 😍"))
	assert.Equal(t, UrgencyNone, praise.Urgency)
}

func TestNegatedCue(t *testing.T) {
	s := newScorer(t, WithoutModel())
	r := s.Score(post("good news: no fraud on my account after all"))
	assert.False(t, hasReason(r, "urgency.breach"), "%+v", r.Reasons)
	assert.True(t, hasReason(r, "negated.urgency.breach"), "%+v", r.Reasons)

	// Portuguese "no" is "in the", not a negator; in Spanish it negates
	r = s.Score(post("vou abrir reclamação no Procon contra a loja, o produto nunca chegou"))
	assert.Equal(t, "pt", r.Language)
	assert.True(t, hasReason(r, "urgency.legal"), "%+v", r.Reasons)
	r = s.Score(post("no hay ningún fraude en mi cuenta, todo está bien, gracias"))
	assert.Equal(t, "es", r.Language)
	assert.False(t, hasReason(r, "urgency.breach"), "%+v", r.Reasons)
	// a negator does not reach past "and" into another clause
	r = s.Score(post("nobody replied and press are calling me about it"))
	assert.False(t, hasReason(r, "negated.urgency.viral"), "%+v", r.Reasons)
	r = s.Score(post("le service client ne répond pas et la presse commence à en parler"))
	assert.False(t, hasReason(r, "negated.urgency.viral"), "%+v", r.Reasons)
}

func TestLanguages(t *testing.T) {
	assert.Equal(t, []string{"en", "es", "fr", "de", "pt"}, SupportedLanguages())
	s := newScorer(t)
	for _, c := range []struct{ text, lang string }{
		{"The delivery was late again and nobody answers the phone", "en"},
		{"El pedido llegó tarde otra vez y nadie contesta el teléfono", "es"},
		{"La livraison est encore en retard et personne ne répond au téléphone", "fr"},
		{"Die Lieferung ist wieder zu spät und niemand geht ans Telefon", "de"},
		{"A entrega atrasou de novo e ninguém atende o telefone", "pt"},
		{"この製品は素晴らしいです", "ja"},
		{"Доставка снова опоздала", "ru"},
		{"De levering is weer te laat en niemand neemt de telefoon op", "nl"},
	} {
		r := s.Score(post(c.text))
		assert.Equal(t, c.lang, r.Language, c.text)
		checkRanges(t, r)
		if !isSupported(c.lang) {
			assert.Equal(t, LabelUnknown, r.Label, c.text)
			assert.LessOrEqual(t, r.Confidence, 0.2, c.text)
		}
	}
	// sentiment words in the supported languages
	assert.Equal(t, LabelNegative, s.Score(post("Servicio pésimo, nunca más compro aquí")).Label)
	assert.Equal(t, LabelPositive, s.Score(post("Merci beaucoup, service excellent et très rapide !")).Label)
	assert.Equal(t, LabelNegative, s.Score(post("Das ist eine Katastrophe, total enttäuscht")).Label)
	assert.Equal(t, LabelPositive, s.Score(post("Adorei o atendimento, muito obrigado!")).Label)
	// too little evidence
	assert.Equal(t, "und", s.Score(post("12345 ...")).Language)
}

// Short posts typed on a phone have few of the words a language is told
// by, and often no accents; these are found by their function words.
func TestLanguagesOfShortPhonePosts(t *testing.T) {
	s := newScorer(t)
	for _, c := range []struct{ text, lang string }{
		{"la talla de esta campera es mas chica de lo normal, pueden cambiarla?", "es"},
		{"ya les mande dm hace 2 dias y nada", "es"},
		{"mir wurde doppelt abgebucht, konto gesperrt", "de"},
		{"warum dauert das so lange bei euch", "de"},
		{"toujours rien depuis hier, c'est quand que vous répondez?", "fr"},
		{"vc pode me ajudar? ta travado desde ontem", "pt"},
		{"eh this new card design is lush ngl", "en"},
		{"cheers ta, sorted now", "en"},
	} {
		assert.Equal(t, c.lang, s.Score(post(c.text)).Language, c.text)
	}
}

func TestTruncation(t *testing.T) {
	s := newScorer(t)
	big := strings.Repeat("my card was charged twice 😡 ", hark.MaxTextBytes/28)
	r := s.Score(post(big))
	checkRanges(t, r)
	assert.True(t, hasReason(r, "input.truncated"))
	assert.Equal(t, "input.truncated", r.Reasons[0].Code, "meta reasons come first")
	assert.LessOrEqual(t, len(r.Reasons), 12)
	// a cut never splits a character
	small := newScorer(t, WithMaxBytes(10))
	r = small.Score(post("ééééééééééééééé"))
	assert.True(t, hasReason(r, "input.truncated"))
}

func TestDeterministicAndConcurrent(t *testing.T) {
	s := newScorer(t)
	texts := []string{
		"@acme my card was charged twice and the app just says contact support. please help",
		"Honestly the new acme headphones are insanely good 😍",
		"Vol annulé, aucun hôtel proposé, on dort à l'aéroport.",
		"Great, another 3 hour delay. love it 🙄",
	}
	want := make([]Result, len(texts))
	for i, x := range texts {
		want[i] = s.Score(post(x))
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; n < 50; n++ {
				i := (g + n) % len(texts)
				assert.Equal(t, want[i], s.Score(post(texts[i])))
			}
		}()
	}
	wg.Wait()
	// a second Scorer with the same configuration agrees
	s2 := newScorer(t)
	for i, x := range texts {
		assert.Equal(t, want[i], s2.Score(post(x)))
	}
}

func TestSpam(t *testing.T) {
	s := newScorer(t)
	r := s.Score(post("🔥 FREE followers!! click here http://x.co/a #follow #f4f #followback #gain #likes #viral"))
	assert.Greater(t, r.Spam, 0.6)
	assert.Equal(t, IntentSpam, r.Intent)
	assert.Equal(t, UrgencyNone, r.Urgency)
	assert.Less(t, s.Score(post("my order arrived broken, please help")).Spam, 0.3)

	// clickbait, whose scare words (doctors, overnight) read as safety
	// and stranding cues without it
	for _, text := range []string{
		"DOCTORS HATE HER 😱 this simple trick burns belly fat while you sleep, link in comments",
		"one weird trick the banks don't want you to know, link in my profile",
	} {
		r := s.Score(post(text))
		assert.Equal(t, IntentSpam, r.Intent, text)
		assert.Equal(t, UrgencyNone, r.Urgency, text)
	}
	for _, text := range []string{"one trick i learned: call before 9am and you get through", "the doctors at the clinic were lovely, thank you"} {
		assert.NotEqual(t, IntentSpam, s.Score(post(text)).Intent, text)
	}
}

func TestViral(t *testing.T) {
	s := newScorer(t)
	p := post("this airline lost my bag and laughed at me, disgusting service")
	quiet := s.Score(p)
	p.Metrics.Reposts = 4000
	loud := s.Score(p)
	assert.Equal(t, UrgencyCritical, loud.Urgency)
	assert.Greater(t, loud.Urgency, quiet.Urgency)
}

func TestFitSaveLoad(t *testing.T) {
	s := newScorer(t, WithoutModel())
	var ex []Example
	for i := 0; i < 40; i++ {
		v := 0.8
		u := 0
		e := Example{Post: post(fmt.Sprintf("love the service %d", i)), Label: LabelPositive, Intent: IntentPraise}
		if i%2 == 1 {
			v, u = -0.8, 2
			e = Example{Post: post(fmt.Sprintf("you charged me twice again %d", i)), Label: LabelNegative, Intent: IntentComplaint}
		}
		e.Sentiment, e.Urgency = &v, &u
		ex = append(ex, e)
	}
	m, err := s.Fit(ex, FitOptions{Seed: 3})
	require.NoError(t, err)
	assert.Equal(t, []string{"sentiment", "valence", "urgency", "intent"}, m.Trained)
	var buf bytes.Buffer
	require.NoError(t, m.Save(&buf))
	m2, err := LoadModel(bytes.NewReader(buf.Bytes()))
	require.NoError(t, err)
	a, b := newScorer(t, WithModel(m)), newScorer(t, WithModel(m2))
	for _, x := range []string{"love it", "charged twice", "what time do you open?"} {
		assert.Equal(t, a.Score(post(x)), b.Score(post(x)))
	}
	assert.Equal(t, LabelNegative, a.Score(post("you charged me twice again")).Label)
	// fitting is deterministic
	m3, err := s.Fit(ex, FitOptions{Seed: 3})
	require.NoError(t, err)
	var buf3 bytes.Buffer
	require.NoError(t, m3.Save(&buf3))
	assert.Equal(t, buf.Bytes(), buf3.Bytes())
	// adapting starts from the base and keeps heads without labels
	def, err := DefaultModel()
	require.NoError(t, err)
	require.NotNil(t, def)
	ad, err := s.Fit(ex[:4], FitOptions{Base: def, Epochs: 1})
	require.NoError(t, err)
	assert.Len(t, ad.Trained, 4)
	// bad input
	_, err = s.Fit(nil, FitOptions{})
	assert.Error(t, err)
	bad := 7
	_, err = s.Fit([]Example{{Post: post("x"), Urgency: &bad}}, FitOptions{})
	assert.Error(t, err)
	_, err = LoadModel(strings.NewReader("not a model"))
	assert.Error(t, err)
}

// With ModelDecides the urgency head alone sets the level: a post in which
// the rules find nothing to act on can be urgent if the model says so, and
// the setting survives saving, loading and adapting.
func TestModelDecides(t *testing.T) {
	s := newScorer(t, WithoutModel())
	var ex []Example
	for i := 0; i < 60; i++ {
		u := 0
		e := Example{Post: post(fmt.Sprintf("the blue lamp in the hall %d", i))}
		if i%2 == 1 {
			u = 2
			e = Example{Post: post(fmt.Sprintf("the green lamp in the hall %d", i))}
		}
		e.Urgency = &u
		ex = append(ex, e)
	}
	m, err := s.Fit(ex, FitOptions{Seed: 1, Epochs: 20})
	require.NoError(t, err)
	m.HighThreshold, m.CritThreshold = 0.4, 0.4
	green := post("the green lamp in the hall")
	require.Equal(t, 0, s.Score(green).Urgency, "the rules alone find nothing")
	assert.Less(t, newScorer(t, WithModel(m)).Score(green).Urgency, 2, "gated by the rules")
	m.ModelDecides = true
	assert.Equal(t, 2, newScorer(t, WithModel(m)).Score(green).Urgency)
	assert.Less(t, newScorer(t, WithModel(m)).Score(post("the blue lamp in the hall")).Urgency, 2)

	var buf bytes.Buffer
	require.NoError(t, m.Save(&buf))
	m2, err := LoadModel(&buf)
	require.NoError(t, err)
	assert.True(t, m2.ModelDecides)
	ad, err := s.Fit(ex[:4], FitOptions{Base: m2, Epochs: 1})
	require.NoError(t, err)
	assert.True(t, ad.ModelDecides)
}

// The urgency and intent heads decide apart, but a result keeps the
// levels' promise: a crisis is critical, spam is never urgent. A model
// trained to disagree with itself shows it.
func TestIntentAgreesWithUrgency(t *testing.T) {
	s := newScorer(t, WithoutModel())
	var ex []Example
	for i := 0; i < 90; i++ {
		colour, u, in := "blue", 1, IntentComplaint
		switch i % 3 {
		case 1:
			colour, u, in = "green", 0, IntentCrisis
		case 2:
			colour, u, in = "red", 2, IntentSpam
		}
		ex = append(ex, Example{Post: post(fmt.Sprintf("the %s lamp in the hall %d", colour, i)), Urgency: &u, Intent: in})
	}
	m, err := s.Fit(ex, FitOptions{Seed: 1, Epochs: 20})
	require.NoError(t, err)
	m.ModelDecides = true
	ms := newScorer(t, WithModel(m))
	for text, want := range map[string]struct {
		intent  Intent
		urgency int
	}{
		"the green lamp in the hall": {IntentCrisis, UrgencyCritical},
		"the red lamp in the hall":   {IntentSpam, UrgencyNone},
		"the blue lamp in the hall":  {IntentComplaint, UrgencyLow},
	} {
		r := ms.Score(post(text))
		assert.Equal(t, want.intent, r.Intent, text)
		assert.Equal(t, want.urgency, r.Urgency, text)
		assert.InDelta(t, float64(want.urgency)/3, r.UrgencyScore, 0.34, "the score follows the level: %q", text)
	}
	shipped := newScorer(t)
	for _, row := range labelledTexts(t, "testdata/care/*.jsonl") {
		for _, sc := range []*Scorer{s, shipped} {
			r := sc.Score(post(row.Text))
			if r.Intent == IntentCrisis && r.Urgency != UrgencyCritical || r.Intent == IntentSpam && r.Urgency != UrgencyNone {
				t.Errorf("%q: intent %s with urgency %d", row.Text, r.Intent, r.Urgency)
			}
		}
	}
}

func TestEmptyAndOdd(t *testing.T) {
	s := newScorer(t)
	for _, x := range []string{"", " ", "\x00\xff\xfe", "😀", "@a @b @c", "#", "http://x.y", "&amp;&lt;&#39;", strings.Repeat("!", 5000), "\u200b\u200d\ufe0f"} {
		r := s.Score(post(x))
		checkRanges(t, r)
	}
}

func FuzzScore(f *testing.F) {
	for _, seed := range []string{
		"@united cancelled my flight AGAIN #NeverFlyingAgain 🙄",
		"not bad at all :) but the wait was loooong!!!",
		"👨‍👩‍👧‍👦🏽 &lt;3 \u200b caught fire",
		"Vol annulé, aucun hôtel proposé",
		"charged ~ twice | * ~~",
		"\xff\xfe invalid",
	} {
		f.Add(seed)
	}
	s, err := New()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text string) {
		r := s.Score(hark.Post{ID: "f", Text: text})
		if r.Sentiment < -1 || r.Sentiment > 1 || r.Urgency < 0 || r.Urgency > 3 || r.Confidence < 0 || r.Confidence > 1 ||
			r.UrgencyScore < 0 || r.UrgencyScore > 1 || r.Spam < 0 || r.Spam > 1 || !validIntent(r.Intent) || r.Language == "" {
			t.Fatalf("out of range: %+v", r)
		}
		for _, x := range r.Reasons {
			if !strings.Contains(text, x.Span) && x.Code != "language.unsupported" {
				t.Fatalf("span %q not in text", x.Span)
			}
		}
	})
}

// TestSlashS checks slashS against a plain search for every "/s" in
// strings made of the characters that matter.
func TestSlashS(t *testing.T) {
	ref := func(text string) bool {
		for i := 0; i+2 <= len(text); i++ {
			if text[i:i+2] == "/s" && (i == 0 || text[i-1] == ' ') && (i+2 == len(text) || !isASCIIAlnum(text[i+2])) {
				return true
			}
		}
		return false
	}
	const alphabet = "/s a!"
	for n := range 7 {
		total := 1
		for range n {
			total *= len(alphabet)
		}
		for k := range total {
			b := make([]byte, n)
			for i, x := 0, k; i < n; i, x = i+1, x/len(alphabet) {
				b[i] = alphabet[x%len(alphabet)]
			}
			require.Equal(t, ref(string(b)), slashS(string(b)), "%q", b)
		}
	}
}

// intentOf picks what the argmax of the intent head's softmax picks, ties,
// near ties and outputs that are not finite included.
func TestIntentOf(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	p := make([]float64, len(intents))
	for n := range 20000 {
		var raw [numOut]float32
		for c := range raw {
			raw[c] = float32(rng.NormFloat64() * 3)
		}
		out := raw[headOff[headIntent]:][:len(intents)]
		switch n % 5 {
		case 1: // a tie for the top
			out[rng.IntN(8)] = slices.Max(out)
		case 2: // a near tie, a float32 step or two apart
			b := slices.Index(out, slices.Max(out))
			out[(b+1+rng.IntN(7))%8] = math.Nextafter32(math.Nextafter32(out[b], -1), -1)
		case 3: // tiny outputs
			for c := range out {
				out[c] *= 1e-30
			}
		case 4:
			out[rng.IntN(8)] = []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))}[rng.IntN(3)]
		}
		want := argmax(softmax(&raw, headIntent, slices.Clone(p)))
		require.Equal(t, want, intentOf(&raw, p), "%v", out)
	}
}

// A contrast word makes what follows it count more ("but") or its own
// clause count less ("although"), in the languages that list it: typed
// without its accent, Spanish "más" is Portuguese "mas", "but".
func TestContrastInItsLanguages(t *testing.T) {
	s := newScorer(t, WithoutModel())
	for _, c := range []struct {
		text, lang string
		contrast   bool
		label      Label
	}{
		{"The staff were nice but the room was dirty and smelly", "en", true, LabelNegative},
		{"Although the delivery was late, the sofa is gorgeous and comfy", "en", true, LabelPositive},
		{"o atendimento foi ótimo, mas o produto chegou quebrado e ninguém resolve", "pt", true, LabelNegative},
		{"la entrega fue rápida pero el producto llegó roto", "es", true, LabelNegative},
		{"llevo mas de una semana sin internet y nadie me responde", "es", false, LabelNegative},
		{"ya no quiero saber nada mas de ustedes, pesimo servicio", "es", false, LabelNegative},
		{"nicht schlecht, trotzdem bin ich enttäuscht von der Lieferung", "de", true, LabelNegative},
	} {
		r := s.Score(post(c.text))
		require.Equal(t, c.lang, r.Language, c.text)
		assert.Equal(t, c.contrast, hasReason(r, "contrast"), c.text)
		assert.Equal(t, c.label, r.Label, c.text)
	}
}

// lexicon.tsv holds single words: the scorer looks words up one by one, so
// a phrase there would never match.
func TestLexiconFileHoldsSingleWords(t *testing.T) {
	b, err := dataFS.ReadFile("data/lexicon.tsv")
	require.NoError(t, err)
	for n, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) > 0 && f[0][0] != '#' {
			assert.Len(t, f, 3, "line %d: %q", n+1, line)
			assert.NotContains(t, f[1], "_", "line %d", n+1)
		}
	}
}
