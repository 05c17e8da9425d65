// Package htmltext turns the HTML fragments platforms put in post bodies
// (HN comments, Mastodon statuses, Discourse posts, feed descriptions,
// YouTube comments) into plain text.
package htmltext
