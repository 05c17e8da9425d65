// Package mastodon listens to Mastodon (and API-compatible servers): the
// public timeline of a hashtag on one instance, or a full-text status
// search on an instance that offers it (with an access token).
//
// The cursor is the newest status ID delivered; each fetch asks for the
// statuses immediately newer (min_id), so a backlog is read in order,
// oldest first, a page of up to 40 at a time. Authors come inline with
// their follower, following and status counts. Mastodon's rate-limit
// headers (X-RateLimit-Remaining, X-RateLimit-Reset as an ISO 8601 time)
// pause the instance's quota before it refuses.
package mastodon
