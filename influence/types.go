package influence

import "github.com/harkhq/hark"

// Standing is an author's attitude toward the brand, from the history of
// their sentiment about it.
type Standing string

// Standings.
const (
	StandingAdvocate  Standing = "advocate"
	StandingDetractor Standing = "detractor"
	StandingNeutral   Standing = "neutral"
)

// An AuthorScore is the judgement of one author: how far their voice
// carries and how they stand toward the brand.
type AuthorScore struct {
	// Author is the author's key (hark.Author.Key).
	Author string `json:"author"`
	// Influence is 0..100 on a log-like scale.
	Influence float64 `json:"influence"`
	// Reach is the expected impressions of one of the author's posts.
	Reach float64 `json:"reach"`
	// Rank is the author's place by graph rank, 1 = highest; 0 if unranked.
	Rank     int      `json:"rank"`
	Standing Standing `json:"standing"`
	// Helper reports a community helper: one who answers other customers'
	// questions.
	Helper bool `json:"helper"`
	// Bot is the likelihood, 0..1, that the account is a bot or spammer.
	Bot     float64       `json:"bot"`
	Reasons []hark.Reason `json:"reasons"`
	// Handle and Source describe the author, where known.
	Handle string `json:"handle,omitempty"`
	Source string `json:"source,omitempty"`
	// Brand reports one of the brand's own accounts (WithBrandAccounts).
	Brand bool `json:"brand,omitempty"`
	// Components are the parts the score is made of.
	Components Components `json:"components"`
}

// Components are the parts of an influence score (see the package doc for
// how they combine). Audience, Engagement and Graph are in orders of
// magnitude (log10 units); Topical, Activity and Age run from 0 to 1.
type Components struct {
	// Audience is log10(1+followers), normalised across sources.
	Audience float64 `json:"audience"`
	// Engagement is log10(1+engagement received), in weighted units.
	Engagement float64 `json:"engagement"`
	// Graph is log10 of the graph rank relative to the average author's,
	// 0 when at or below average or not ranked yet.
	Graph float64 `json:"graph"`
	// Topical is the share of their posts about the brand's field.
	Topical float64 `json:"topical"`
	// Activity grows with the days they posted on recently.
	Activity float64 `json:"activity"`
	// Age grows with the account's age, full at one year; 0.5 if unknown.
	Age float64 `json:"age"`
	// Points is the combined score before the scale and the bot discount.
	Points float64 `json:"points"`
}
