// Package score judges social posts: how negative they are, how urgent,
// what the author wants, in which language, how likely spam, what they are
// about, and why.
//
// A [Scorer] is built once with [New] and shared: it is safe for concurrent
// use, makes no network calls, and carries everything it needs embedded:
// the VADER lexicons (MIT, see data/vader/LICENSE.txt), Hark's own word
// data and customer-care cues (data/lexicon.tsv, data/cues.json), a small
// language detector and a learned layer (data/model.bin, trained by
// score/internal/train).
//
// Judgement runs in three stages. Rules read the post as social text:
// @handles, URLs and brand names carry no sentiment; hashtags are split
// (#NeverFlyingAgain); emoji (ZWJ sequences and skin tones included) and
// emoticons count; capitals, elongation ("sooo") and repeated punctuation
// emphasise; negation flips the words in its scope; "but" shifts weight to
// what follows; intensifiers and downtoners scale; sarcasm markers turn
// praise in a complaint round; long posts are read sentence by sentence.
// Cues, customer-care knowledge kept as data that a [Brand] extends or
// overrides, find urgency (safety, outage, breach, legal threat, stranded,
// money wrongly taken, churn threat, repeated contact, deadline, blocked
// from a service) and intent. A cue counts only as it is meant: not inside
// an idiom ("killing time") or a name, not negated ("no outage"), not in
// an if-clause ("what if my flight is cancelled?", threats excepted), and
// a weak cue ("fire", "3am", "died") only where the post agrees with it
// ([Cue.Weak]). A learned layer, linear models over the
// rules' findings and hashed words, turns them into the final label, value,
// urgency level and intent; [Scorer.Fit] retrains or adapts it on a user's
// own labelled posts.
//
// What a post is about comes from the brand's catalogue (Brand.Products,
// Places, People, names and handles), matched on the hot path. The
// subpackage score/entity finds people and places with prose/v2's
// recogniser, loaded once, for the posts that need it.
//
// The development figures (Pearson r and macro-F1 on the VADER sets and the
// customer-care posts, cross-validated) are printed by
// `go run ./score/internal/eval`; `go run ./score/internal/train` re-trains
// the embedded model.
//
// English is supported fully; Spanish, French, German and Portuguese get
// sentiment and urgency cues ([SupportedLanguages]). A post in any other
// language gets [LabelUnknown] and a low confidence, never a confident
// guess.
package score
