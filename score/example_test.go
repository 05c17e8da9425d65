package score_test

import (
	"fmt"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/score"
)

func Example() {
	s, err := score.New(score.WithBrand(score.Brand{Name: "Acme", Handles: []string{"@acme"}}))
	if err != nil {
		panic(err)
	}
	for _, text := range []string{
		"@acme my card was charged twice, could you help?",
		"Honestly the new acme headphones are insanely good 😍",
	} {
		r := s.Score(hark.Post{ID: "1", Text: text})
		fmt.Println(r.Label, r.Urgency, r.Intent, r.Reasons[0].Code, r.About)
	}
	// Output:
	// negative 2 complaint urgency.money [{brand Acme} {aspect payment}]
	// positive 0 praise emoji [{brand Acme}]
}

func ExampleBrand() {
	// A game studio whose title reads as negative words.
	s, err := score.New(score.WithoutModel(), score.WithBrand(score.Brand{
		Name:     "Ironpeak",
		Neutral:  []string{"War Zone"},
		Products: []string{"War Zone"},
	}))
	if err != nil {
		panic(err)
	}
	r := s.Score(hark.Post{ID: "1", Text: "War Zone season 3 is out"})
	fmt.Println(r.Sentiment, r.Label, r.About)
	// Output:
	// 0 neutral [{product War Zone}]
}
