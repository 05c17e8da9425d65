// Package reddit listens to Reddit through its OAuth API as an application
// (client credentials): a site-wide or subreddit search sorted by new, a
// subreddit's new submissions, or its new comments.
//
// Listings come newest first, at most 100 a page and 1000 deep. A fetch
// pages back (after=) until it reaches the cursor, then delivers oldest
// first. The cursor is the creation time of the newest item delivered and
// the fullnames delivered at that second: Reddit's own before= cursor
// breaks when the item it names is deleted, a time does not.
//
// Reddit's rate-limit headers (X-Ratelimit-Remaining as a decimal,
// X-Ratelimit-Reset in seconds) pause the shared quota before a 429; the
// access token is fetched, cached until it expires and renewed on a 401.
package reddit
