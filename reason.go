package hark

// A Reason explains one part of a judgement in terms a person can check:
// what rule or feature fired (Code), on which text (Span), and how much it
// moved the result (Weight, signed where direction matters).
type Reason struct {
	Code   string  `json:"code"`
	Span   string  `json:"span,omitempty"`
	Weight float64 `json:"weight"`
}
