// Package sample is an embedded week of conversation about one fictional
// company, so that every example, test and benchmark of Hark runs on a
// fresh machine with no network.
//
// The company is Kestrel, a consumer-electronics retailer with its own
// products (the Aero phone, the KestrelBook laptop, Buds earbuds, the Halo
// speaker, the Pulse watch, Vista TVs), an app, a payment card
// (KestrelPay), a repair service, a membership, and stores in 17 cities.
// Its handles are @kestrel and @kestrelhelp.
//
// [Week] returns about 4,400 posts from Monday 2 March 2026 to the next
// Monday, from about 1,180 authors on seven sources (bluesky, mastodon,
// reddit, a forum, a review site, blogs and news), in the [hark.Post] wire
// form. It holds what the real world holds: chatter; complaints of every
// urgency; questions, and other customers answering them; praise; product
// ideas; purchase research; bots posting bursts of near-duplicate spam and
// fake reviews; posts in Spanish, French, German, Portuguese, Italian,
// Dutch and a few other languages; replies, reposts and quotes forming
// threads and an interaction graph with a few high-reach authors, loyal
// advocates, persistent detractors and community helpers; and, on day 5
// (Friday 6 March), a payment outage in most stores that starts with a
// handful of posts and snowballs for hours while the company says nothing.
// [Script] says who is who and when the incident happens; [Labels] gives
// every post's hand-written labels.
//
// # The texts
//
// The posts are made from about 840 texts written by hand in varied voices,
// each labelled by a person: sentiment, label, urgency, intent, language
// ([Texts], and testdata/texts.jsonl, a development set for a scorer).
// Urgency follows the scorer's contract: 3 critical (safety, outage for
// many, breach or fraud, legal threat, stranded traveller, going viral); 2
// high (blocked from a core service now, money wrongly taken, churn threat,
// repeated unresolved contact, deadline within hours); 1 low (mild
// complaint, a question wanting an answer); 0 none (praise, chatter, spam,
// research without a problem).
//
// The texts live in texts/*.txt, one per line after a header that sets the
// defaults of the lines below it:
//
//	== kind=complaint intent=complaint urgency=1 lang=en
//	-0.4 | why is the kestrel app logging me out every single time i open it
//	-0.7 u=2 | Still no refund. 5 weeks now. Contacted them 11 times.
//
// A line's own keys override the header's: kind, stage, intent, urgency
// (u), lang, label, t (topic: pairs questions with their answers), role and
// after (hours into the incident before the text may be written). Without
// a label, sentiment >= 0.2 is positive, <= -0.2 negative, else neutral.
// Slots: {city} becomes the city of a store of the text's language, {code}
// a random code.
//
// # The week
//
// A deterministic generator (a seeded PCG from math/rand/v2; no map order,
// no clock) deals the texts into the week when the package is first used,
// in about 25 ms: every text at least once, roots following a daily rhythm
// (night lull, lunchtime bump, evening peak, later weekends), replies
// minutes to hours after their parents, reposts of popular posts, bot
// bursts at any hour, and the incident's ramp. Identical on every run.
//
//go:generate go run ../examples/sampleweek -texts -o testdata/texts.jsonl
package sample
