// Package influence judges authors: how far their voice carries, how they
// stand toward the brand, and whether they are likely bots.
//
// Follower counts alone mislead: who gets reposted, replied to and mentioned
// is what spreads a message. A [Tracker] observes each post with its score
// (package score), keeps a profile per author and the interaction graph
// (who reposts, replies to and mentions whom), and answers with an
// [AuthorScore] per author:
//
//	t := influence.NewTracker(influence.WithTopics("acme", "headphones"))
//	for _, p := range posts {
//		t.Observe(p, scorer.Score(p))
//	}
//	t.Rank(ctx) // on demand or on a schedule
//	top, _ := t.Top(10)
//
// # The score
//
// Influence runs from 0 to 100 on a log-like scale. Three components are in
// orders of magnitude (log10 units):
//
//   - Audience A: log10(1+followers), normalised per source: shifted by
//     the difference between a reference mean (2.3, about 200 followers)
//     and the running mean of log-followers of the source's authors (which
//     starts from the reference with the weight of 50 authors; the shift is
//     at most 1.5). Where authors typically have ten times fewer followers,
//     a follower counts ten times: a follower count that is ordinary on its
//     network scores as an ordinary one anywhere.
//   - Engagement E: log10(1+engagement received), where a repost or quote
//     counts 3, a reply or mention 2 and a like 0.5, decayed with age.
//     Engagement weighs 1.5 times the audience.
//   - Graph G: log10 of the author's PageRank relative to the average
//     author's, 0 at or below average. The rank is computed over the
//     interaction graph, edges weighted by kind (repost 1, reply 0.7,
//     mention 0.5) and halved every half-life, by [Tracker.Rank].
//
// Two factors scale them: topical authority (the share T of their posts
// about the brand's field, see [WithTopics]), activity D (grows with the
// days they posted on recently) and account age Y (full at one year):
//
//	P = (0.55 + 0.25T + 0.1D + 0.1Y) · (A + 1.5E + G)
//	Influence = 100 · (1 − e^(−P/6)) · (1 − Bot)
//
// So a point of P is worth about 15 at the bottom of the scale and less
// higher up: 200 followers and nothing more score about 20; 11,000
// followers whose posts were reposted a hundred times and liked nine
// hundred times score near 75 (see the package example); 100 is
// approached, never passed.
//
// Bot is the likelihood, 0..1, that the account is a bot or spammer. It
// combines, as independent pieces of evidence, a posting rate above 40 a
// day, repeated texts, following far more than followed, an account
// younger than 30 days, and the scorer's spam judgement; it is cut to 30%
// for verified accounts. It discounts the score: a bot-like author never
// outranks an otherwise identical human.
//
// Every score comes with its components and reasons a person can read.
//
// # Standing and helpers
//
// Each post about the brand's field adds its sentiment (leaning negative for
// complaints, positive for praise, scaled by the scorer's confidence) to
// decayed positive and negative sums. With a history of such posts (2.5
// decayed: three in a few days, more if older) and a net sentiment of 0.2
// or more the author is an advocate, −0.2 or less a detractor; a
// first-time complainer stays neutral, with a reason saying so. An author
// whose replies answer questions of other people (1.5 decayed: two recent
// answers) is a community helper. The brand's own accounts and likely bots
// (Bot 0.5 or more) are neither.
//
// # Reach and velocity
//
// [AuthorScore.Reach] is the expected impressions of one of the author's
// posts: views as reported by the source where it reports them, else the
// share of followers who see a post ([WithVisibility], default 10%) plus
// the followers of those who usually repost them. [Tracker.Reach] gives the
// same for one post, with its amplification velocity: reposts per minute,
// counted in a decaying window of ten minutes from reposts observed in the
// stream and from the growth of its metrics (a post first heard with
// reposts already counts them over its age, or over the window if
// younger). A post at one repost a minute or more ([WithViralVelocity]) is
// going viral; PostReach.Peak keeps the highest velocity it had.
//
// # Incremental, deterministic, bounded
//
// Observe costs O(1) per post: a fixed set of decayed counters per author,
// all brought to the same time at once, and one 12-byte edge per
// interaction appended to a log that never moves. A bounded index of recent
// posts ([WithPostIndex]) attributes replies and reposts to the authors of
// the posts they answer. The graph rank is recomputed by Rank in
// compressed sparse row form, by power iteration split over the cores; its
// result does not depend on the number of cores.
//
// The clock is the latest creation time of the posts observed, never the
// wall clock, so replaying a stream gives the same scores as living it.
// Profiles go through a [ProfileStore]: [MemoryProfiles] in memory, or
// any store on disk or shared by many workers.
package influence
