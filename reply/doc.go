// Package reply makes replies go out on the platforms where customers
// spoke: safely, once, at a human pace, and only when people approved the
// ones a policy would not let out alone.
//
// The pieces:
//
//   - [Replier] is the capability of an adapter whose platform takes
//     replies: listen/mastodon (a status in reply, with the
//     Idempotency-Key header), listen/bluesky (a post record whose record
//     key derives from the idempotency key), listen/reddit (a comment),
//     listen/x (a post in reply), listen/youtube (a comment reply),
//     listen/discourse (a post in the topic, replying to the post number)
//     and listen/webhook (a comment reply through Meta's Graph API). Each
//     also is a [Finder]: it can find our own earlier reply among the
//     replies of the post, by our account and the exact text.
//   - [Rules] are each platform's: its length limit (a longer reply is
//     refused, never cut, except where the platform threads replies
//     naturally, Mastodon, Bluesky and X, where it becomes a numbered
//     thread), replies to the author only (mentions of anyone else are
//     neutralised), links only to the domains a policy allows, the reply in
//     the language of the post (with a detector, [DetectWith]), and
//     untrusted markup escaped as respond.EscapeText does.
//   - [Poster] posts drafts exactly once in effect: the key is reserved in
//     a respond.Ledger, the platform's idempotency or the Finder is asked
//     before any retry, the send is recorded; replies are paced per brand
//     account and kept out of quiet hours by the respond.Pacer the
//     dispatcher shares.
//   - [Queue] holds drafts for approval: approve, edit or reject with who
//     and when recorded, two (or more) different approvers for high-risk
//     replies ([Risk]), drafts and approvals that expire.
//
// A typical wiring, after a policy decided:
//
//	d, ok := reply.DraftFor(dec, "acme")
//	if reply.Held(dec) { // the policy fired a hold action
//		n, why := risk.Approvals(dec.Case)
//		queue.Hold(ctx, d, n, why) // people approve through the Queue
//	} else {
//		poster.Post(ctx, d)
//	}
//	...
//	queue.PostApproved(ctx, poster) // from a loop or a timer
//
// The package reply/replytest starts a local stand-in platform (shaped as
// a Mastodon instance) with a log of the replies it received and fault
// injection, so that examples and tests see replies go out offline.
package reply
