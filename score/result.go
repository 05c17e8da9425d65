package score

import "github.com/harkhq/hark"

// Label is the three-way sentiment label, or LabelUnknown when the scorer
// cannot judge (an unsupported language, no evidence).
type Label string

// Sentiment labels.
const (
	LabelPositive Label = "positive"
	LabelNeutral  Label = "neutral"
	LabelNegative Label = "negative"
	LabelUnknown  Label = "unknown"
)

// Intent is what the author of a post wants.
type Intent string

// Intents.
const (
	IntentComplaint  Intent = "complaint"
	IntentQuestion   Intent = "question"
	IntentPraise     Intent = "praise"
	IntentSuggestion Intent = "suggestion"
	IntentPurchase   Intent = "purchase_intent"
	IntentCrisis     Intent = "crisis"
	IntentSpam       Intent = "spam"
	IntentOther      Intent = "other"
)

// Urgency levels (see Result.Urgency).
const (
	UrgencyNone     = 0 // praise, chatter, spam, research without a problem
	UrgencyLow      = 1 // mild complaint, a question wanting an answer
	UrgencyHigh     = 2 // blocked from a core service now, money wrongly taken, churn threat, ...
	UrgencyCritical = 3 // safety, outage for many, breach or fraud, legal threat, stranded, viral
)

// A Result is the scorer's judgement of one post. Identical input and
// configuration give an identical Result.
type Result struct {
	// Sentiment runs from -1 (most negative) to 1 (most positive).
	Sentiment float64 `json:"sentiment"`
	Label     Label   `json:"label"`
	// Confidence in Label, 0..1. Low for unsupported languages and for
	// posts with little evidence.
	Confidence float64 `json:"confidence"`
	// Urgency is a level 0..3 (the Urgency* constants); UrgencyScore the
	// same judgement on a continuous 0..1 scale.
	Urgency      int     `json:"urgency"`
	UrgencyScore float64 `json:"urgency_score"`
	Intent       Intent  `json:"intent"`
	// Language is the detected language (ISO 639-1), or "und".
	Language string `json:"language"`
	// Spam is the likelihood, 0..1, that the post is spam or from a bot.
	Spam float64 `json:"spam"`
	// About lists what the post is about, each once in the order of its
	// first mention: brands, products, places and people of the catalogue
	// (Brand), and aspects such as "payment" or "delivery" (Aspect).
	About []Entity `json:"about,omitempty"`
	// Reasons explain the judgement.
	Reasons []hark.Reason `json:"reasons"`
}

// An Entity is something a post is about.
type Entity struct {
	Kind string `json:"kind"` // "product", "place", "person", "brand", "aspect"
	Name string `json:"name"`
}
