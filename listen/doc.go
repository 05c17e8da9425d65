// Package listen pulls posts from the places people talk: the [Source]
// contract, [Stream] which polls a source with a cursor and checkpoints it,
// and the shared machinery adapters use. Each adapter lives in its own
// subpackage (listen/replay replays JSONL or the embedded sample week).
//
// Listening is pull-based: a source is asked for the posts after a cursor
// and answers with a batch and the next cursor. [Stream] saves the cursor
// only after the loop body has asked for the next batch, so a crash or a
// break before then redelivers the batch: delivery is at-least-once.
package listen
