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
}
