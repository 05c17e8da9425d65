// Package samplewatch wires the sample week's company into the scorer and
// the surge detector, the same way in every example: what the scorer is
// told about the brand, and which keys a post is watched under.
package samplewatch

import (
	"slices"
	"strings"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/respond/surge"
	"github.com/harkhq/hark/sample"
	"github.com/harkhq/hark/score"
)

// A Watch turns scored posts about the sample company into surge
// observations. It is not safe for concurrent use.
type Watch struct {
	facts sample.Facts
	keyOf map[string]string // lower-case product or place name or alias -> key
	own   map[string]bool   // IDs of the company's own posts, whose reposts are its too
}

// New returns a Watch of the company of facts.
func New(facts sample.Facts) *Watch {
	w := &Watch{facts: facts, keyOf: map[string]string{}, own: map[string]bool{}}
	for _, p := range facts.Products {
		for _, a := range append([]string{p.Name}, p.Aliases...) {
			w.keyOf[strings.ToLower(a)] = "product:" + p.Key
		}
	}
	for _, s := range facts.Stores {
		for _, a := range append([]string{s.City}, s.Aliases...) {
			w.keyOf[strings.ToLower(a)] = "place:" + s.Key
		}
	}
	return w
}

// Brand tells the scorer about the company: its names and handles are not
// sentiment words, its products (with their aliases) carry no sentiment,
// and its products and stores are what posts are about.
func (w *Watch) Brand() score.Brand {
	b := score.Brand{Name: w.facts.Brand, Handles: w.facts.Handles}
	for _, p := range w.facts.Products {
		b.Products = append(append(b.Products, p.Name), p.Aliases...)
		b.Neutral = append(b.Neutral, p.Name)
	}
	for _, s := range w.facts.Stores {
		b.Places = append(append(b.Places, s.City), s.Aliases...)
	}
	return b
}

// Observe returns the surge observation of post p scored r, and false for
// the company's own posts and their reposts, which are not what people say
// about it. A post is watched under the brand as a whole, each product,
// place and aspect it is about (an aspect such as "payment" gathers the
// first posts of an incident that name no product; a product's aliases
// count as the product), its intent and its source. Spam is watched only
// under intent:spam, so that a wave of it is seen without raising a surge
// of complaints.
func (w *Watch) Observe(p hark.Post, r score.Result) (surge.Observation, bool) {
	if slices.ContainsFunc(w.facts.Handles, func(h string) bool { return strings.EqualFold(h, p.Author.Handle) }) ||
		(p.RepostOf != "" && w.own[p.RepostOf]) {
		w.own[p.ID] = true
		return surge.Observation{}, false
	}
	o := surge.Observation{
		Time:     p.Created,
		Negative: r.Label == score.LabelNegative,
		Source:   p.Source,
		Terms:    surge.Terms(p.Text, 8),
		PostID:   p.ID,
		Weight:   1 + float64(p.Metrics.Reposts+p.Metrics.Replies),
	}
	if r.Intent == score.IntentSpam {
		o.Keys = []string{"intent:spam"}
		return o, true
	}
	o.Keys = []string{"brand", "intent:" + string(r.Intent)}
	if p.Source != "" {
		o.Keys = append(o.Keys, "source:"+p.Source)
	}
	for _, e := range r.About {
		o.Entities = append(o.Entities, e.Name)
		var k string
		switch e.Kind {
		case "product", "place":
			k = w.keyOf[strings.ToLower(e.Name)]
			if k == "" {
				k = e.Kind + ":" + strings.ToLower(e.Name)
			}
		case "aspect":
			k = "aspect:" + e.Name
		default:
			continue
		}
		if !slices.Contains(o.Keys, k) {
			o.Keys = append(o.Keys, k)
		}
	}
	return o, true
}
