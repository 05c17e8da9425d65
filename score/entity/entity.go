// Package entity finds what posts are about (people and places) with the
// named-entity recogniser of github.com/jdkato/prose/v2.
//
// It is kept out of the score package on purpose: prose's models are large
// and slow to load (about 0.4 s), and its recogniser costs far more per post
// than the whole scorer. An Extractor loads them once and is meant for the
// posts that need it (those routed to a person, a daily digest), not for
// the per-post hot path, where score.Brand's catalogue terms do the work.
package entity

import (
	"strings"
	"sync"

	"github.com/harkhq/hark/score"
	"github.com/jdkato/prose/v2"
)

// An Extractor finds people and places in text. It is safe for concurrent
// use (calls are serialised: prose's model is not documented as safe to
// share between goroutines).
type Extractor struct {
	mu    sync.Mutex
	model *prose.Model
}

// New loads prose's tagger and recogniser once.
func New() *Extractor {
	return &Extractor{model: prose.ModelFromData("hark")}
}

// maxText bounds the text given to the recogniser.
const maxText = 8 << 10

// About returns the people ("person") and places ("place") text names, each
// once, in order of first mention. Other entity kinds keep prose's label in
// lower case.
func (x *Extractor) About(text string) ([]score.Entity, error) {
	if len(text) > maxText {
		cut := maxText
		for cut > 0 && (text[cut]&0xC0) == 0x80 {
			cut--
		}
		text = text[:cut]
	}
	x.mu.Lock()
	doc, err := prose.NewDocument(text, prose.UsingModel(x.model), prose.WithSegmentation(false))
	x.mu.Unlock()
	if err != nil {
		return nil, err
	}
	var out []score.Entity
	seen := map[score.Entity]bool{}
	for _, e := range doc.Entities() {
		kind := strings.ToLower(e.Label)
		switch e.Label {
		case "GPE", "LOC", "LOCATION":
			kind = "place"
		case "PERSON":
			kind = "person"
		case "ORG":
			kind = "brand"
		}
		en := score.Entity{Kind: kind, Name: strings.TrimPrefix(e.Text, "@")}
		if en.Name == "" || seen[en] {
			continue
		}
		seen[en] = true
		out = append(out, en)
	}
	return out, nil
}
