// Package x listens to X (formerly Twitter) through the v2 recent search
// endpoint with an app's bearer token: posts of the last seven days
// matching a query in X's own search syntax, with their authors expanded
// inline (followers, following, post counts, verification).
//
// The cursor is the newest post ID delivered (since_id). A fetch pages
// through the results (next_token) up to a bound; when more remain, the
// cursor also records the gap still to read (until_id) and the next fetch
// reads it, so a burst larger than the bound is read in full, never
// skipped. X's rate-limit headers (x-rate-limit-remaining, and
// x-rate-limit-reset in Unix seconds) pause the quota before a 429.
package x
