// Package bluesky listens to Bluesky through Jetstream, the JSON form of
// the AT Protocol firehose, keeping the posts that match a keyword query,
// and enriches their authors in batches from the public AppView
// (app.bsky.actor.getProfiles, 25 actors a call, cached).
//
// Jetstream pushes; the Source turns it into a pull: a reader goroutine
// keeps one websocket open and queues events, and Fetch gathers what
// arrived within a short window. The cursor is Jetstream's own: the
// time_us of the last event read. On every (re)connection the Source
// rewinds the cursor a few seconds, as Jetstream's operators advise, so a
// switch between instances or a dropped connection loses nothing; the
// posts of that rewound span that were already delivered are named in the
// cursor and skipped, so they are not delivered twice either.
//
// Call Close when done: it ends the reader goroutine.
package bluesky
