// Package hark holds the shared vocabulary of Hark, an embeddable SDK for social
// listening and customer response: the [Post] a person wrote somewhere, its
// [Author], its [Engagement], and the references that tie posts into threads.
//
// Hark lets a company's own Go programs hear what people say about it
// (social networks, forums, review sites, blogs), judge each post, and respond:
//
//   - package listen pulls posts from sources with cursors, checkpoints,
//     dedupe and rate limits (listen.Stream);
//   - package score judges a post: sentiment, urgency, intent, language, spam,
//     each with reasons a person can read;
//   - package influence judges an author: reach, graph rank, standing;
//   - package respond decides what to do (policies of CEL rules) and does it
//     (dispatch with idempotency, claims and pacing), and detects surges.
//
// The packages compose; Hark does not own the program's main loop. This
// package imports no other package of the project, so every other package can
// import it.
//
// The JSON form of a Post is the wire form used in JSONL files and on message
// subjects. [Reader] reads JSONL leniently (a bad line is reported with its
// line number and skipped), [Writer] writes it.
package hark
