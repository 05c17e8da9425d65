// Package replytest starts a local stand-in for a platform that takes
// replies, so that examples and tests see replies go out offline.
//
// [NewServer] starts an httptest server shaped as a Mastodon instance
// (POST /api/v1/statuses with Idempotency-Key, GET
// /api/v1/statuses/:id/context, errors as {"error": "..."}), keeps a log
// of the replies it holds ([Server.Replies], [Server.RepliesTo]) and can
// inject faults: 429 with Retry-After, 503 before accepting, and after
// accepting a 502, a dropped connection or no answer at all
// ([Options.Faults], [RandomFaults]). [Server.Replier] wires a
// reply.Replier (listen/mastodon's) to it in one call:
//
//	srv := replytest.NewServer(replytest.Options{})
//	defer srv.Close()
//	poster := reply.NewPoster(srv.Replier())
//	poster.Post(ctx, draft) // srv.Replies() now holds it
package replytest
