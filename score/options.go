package score

import (
	"encoding/json"
	"fmt"
	"io"
)

// A Brand is what one company knows about how people talk to it: the names
// and handles that are not sentiment words, terms that carry no sentiment in
// its world (a game called "War Zone"), its own word valences, cues to add,
// replace or switch off, and a catalogue of what posts may be about.
//
// A Brand is plain data: write it in Go, or load it from JSON with
// [ReadBrand]. Several brands may be given to one Scorer.
type Brand struct {
	// Name is the brand's name, e.g. "Acme". It and Aliases are neutral
	// terms and are reported in Result.About as kind "brand".
	Name    string   `json:"name"`
	Aliases []string `json:"aliases,omitempty"`
	// Handles are the brand's accounts ("@acme", "@acmehelp"). Handles
	// never carry sentiment; listing them makes mentions count as About.
	Handles []string `json:"handles,omitempty"`
	// Neutral terms carry no sentiment (product names with loaded words:
	// "War Zone", "Dead Island", "Killer Deals").
	Neutral []string `json:"neutral,omitempty"`
	// Lexicon overrides word valences on the -4..4 scale ("sick": 2 for a
	// skate brand). Its keys are single words; a phrase's valence goes in
	// a Cue, and a phrase without sentiment in Neutral.
	Lexicon map[string]float64 `json:"lexicon,omitempty"`
	// Cues are added to the built-in cues; a cue whose Code is listed in
	// ReplaceCues replaces that whole built-in family.
	Cues        []Cue    `json:"cues,omitempty"`
	ReplaceCues []string `json:"replace_cues,omitempty"`
	// DisableCues switches built-in cue families off by code
	// ("urgency.viral"), or single built-in phrases by their text.
	DisableCues []string `json:"disable_cues,omitempty"`
	// Products, Places and People are catalogue terms reported in
	// Result.About when a post names them.
	Products []string `json:"products,omitempty"`
	Places   []string `json:"places,omitempty"`
	People   []string `json:"people,omitempty"`
	// Aspects are added to the built-in aspects (see [DefaultAspects]): an
	// aspect with a built-in's name adds its phrases to it ("payment":
	// "top-up"), one with a new name is new ("loyalty": "points"). A
	// built-in aspect named in ReplaceAspects is dropped, so that the
	// brand's phrases, if any, replace it; naming it without giving
	// phrases switches it off.
	Aspects        []Aspect `json:"aspects,omitempty"`
	ReplaceAspects []string `json:"replace_aspects,omitempty"`
}

// ReadBrand reads a Brand from JSON. Unknown fields are an error, so that
// a misspelt key does not silently do nothing.
func ReadBrand(r io.Reader) (Brand, error) {
	var br Brand
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&br); err != nil {
		return Brand{}, fmt.Errorf("score: brand: %w", err)
	}
	return br, nil
}

// An Option configures a Scorer.
type Option func(*config)

type config struct {
	brands    []Brand
	model     *Model
	noModel   bool
	maxBytes  int
	maxReason int
}

// WithBrand adds a brand's knowledge. It may be given more than once.
func WithBrand(b Brand) Option {
	return func(c *config) { c.brands = append(c.brands, b) }
}

// WithNeutralTerms makes terms carry no sentiment: brand names, product
// names, handles.
func WithNeutralTerms(terms ...string) Option {
	return func(c *config) { c.brands = append(c.brands, Brand{Neutral: terms}) }
}

// WithModel replaces the embedded learned layer with m (see [Fit]).
func WithModel(m *Model) Option {
	return func(c *config) { c.model = m; c.noModel = m == nil }
}

// WithoutModel switches the learned layer off: the Scorer judges by the
// lexicon, the rules and the cues alone. It is the baseline the learned
// layer is measured against, and what [Fit] trains on.
func WithoutModel() Option {
	return func(c *config) { c.model = nil; c.noModel = true }
}

// WithMaxBytes sets how much of a post's text is read (default
// [DefaultMaxBytes]); longer texts are cut at a character boundary and the
// Result says so with the reason "input.truncated".
func WithMaxBytes(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.maxBytes = n
		}
	}
}

// WithMaxReasons bounds how many reasons a Result carries (default 12).
func WithMaxReasons(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.maxReason = n
		}
	}
}

// DefaultMaxBytes is how much of a post's text the scorer reads by default:
// enough for long reviews, small enough to bound time and memory.
const DefaultMaxBytes = 32 << 10
