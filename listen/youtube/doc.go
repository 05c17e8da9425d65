// Package youtube listens to the comments on a YouTube video, or on all
// the videos of a channel, through the YouTube Data API v3
// (commentThreads.list, newest first), and enriches commenters with their
// channel's subscriber and video counts (channels.list, 50 a call).
//
// YouTube meters its API in quota units per day (10,000 by default),
// reset at midnight Pacific time. The Source counts the units it spends
// (one per list call) against a budget shared by the Sources on one API
// key; a fetch that would overspend, or a quotaExceeded answer, is
// returned as a *listen.RateLimitError whose RetryAfter reaches the reset.
//
// The cursor is the publication time of the newest thread delivered, with
// the IDs delivered at that second. Replies come with their thread, as
// many as commentThreads returns inline (up to five); replies added later
// to an old thread are not followed.
package youtube
