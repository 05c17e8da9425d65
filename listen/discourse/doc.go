// Package discourse listens to a Discourse forum — the community and
// support forums where customers help customers — through its JSON API:
// the forum's latest posts (/posts.json, full text) or a search
// (/search.json, ordered by latest; excerpts).
//
// A post's ID is "<topic id>/<post number>", so its parent (the post it
// replies to) and its thread (the topic's first post) are IDs of the same
// form. The cursor is the highest numeric post ID delivered; a fetch of the
// latest posts pages back (before=) until it reaches the cursor, then
// delivers oldest first.
package discourse
