package score

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
)

// An Aspect is a part of what a company offers that posts talk about:
// payment, delivery, the app, staff, price. A post that says one of its
// phrases is about it, and the Result lists it in About as an Entity of
// kind "aspect" named Name. Aspects let a surge be watched per theme
// ("payment") when the first posts of an incident name no product ("the
// card reader keeps declining").
//
// The built-in aspects are data (score/data/aspects.json, see
// [DefaultAspects]); a brand adds to them, replaces them or switches them
// off with [Brand.Aspects] and [Brand.ReplaceAspects]. Aspects only
// describe: they never change sentiment, urgency or intent.
type Aspect struct {
	// Name is reported in lower case, e.g. "payment"; names are compared
	// without regard to case.
	Name string `json:"name"`
	// Phrases are what the post must say (any one of them), in the syntax
	// of Cue.Phrases.
	Phrases []string `json:"phrases"`
}

//go:embed data/aspects.json
var aspectData []byte

// DefaultAspects returns the built-in aspects in their fixed order: broad
// customer-care themes that hold across industries, with phrases in
// English and, where they do not collide with English words, Spanish,
// French, German and Portuguese.
func DefaultAspects() []Aspect {
	as, err := parseAspects(aspectData)
	if err != nil {
		panic(err) // embedded data is checked by the tests
	}
	return as
}

func parseAspects(b []byte) ([]Aspect, error) {
	var f struct {
		Aspects []Aspect `json:"aspects"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("score: aspects: %w", err)
	}
	return f.Aspects, nil
}

// buildAspects adds the aspects, built-in and of the brands, to the phrase
// matcher: one entry per aspect name, built-ins first in their order, then
// the brands' new names in the order given.
func (s *Scorer) buildAspects() error {
	replace := map[string]bool{}
	for _, b := range s.cfg.brands {
		for _, n := range b.ReplaceAspects {
			replace[strings.ToLower(strings.TrimSpace(n))] = true
		}
	}
	var names []string
	phrases := map[string][]string{}
	put := func(name string, ps []string) {
		if _, ok := phrases[name]; !ok {
			names = append(names, name)
			phrases[name] = nil
		}
		phrases[name] = append(phrases[name], ps...)
	}
	builtin, err := parseAspects(aspectData)
	if err != nil {
		return err
	}
	for _, a := range builtin {
		if n := strings.ToLower(a.Name); !replace[n] {
			put(n, a.Phrases)
		}
	}
	for _, b := range s.cfg.brands {
		for _, a := range b.Aspects {
			n := strings.ToLower(strings.TrimSpace(a.Name))
			if n == "" {
				return fmt.Errorf("score: brand %q: aspect without a name", b.Name)
			}
			put(n, a.Phrases)
		}
	}
	for _, n := range names {
		e := matchEntry{kind: ekAspect, code: "about.aspect", family: -1, entity: Entity{Kind: "aspect", Name: n}}
		id := int32(len(s.m.entries))
		s.m.entries = append(s.m.entries, e)
		for _, p := range phrases[n] {
			if err := s.m.add(p, id, s.lx.negator); err != nil {
				return fmt.Errorf("score: aspect %q: %w", n, err)
			}
		}
	}
	return nil
}
