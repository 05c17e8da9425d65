// Package rss listens to RSS, Atom and JSON feeds: company and personal
// blogs, review sites that publish feeds, alert services (Google Alerts
// and its kind deliver Atom), forum and tracker feeds.
//
// Each fetch is a conditional GET (If-None-Match, If-Modified-Since): a
// 304 costs nothing. Feeds hold their latest items in no guaranteed order,
// so the cursor remembers the validators and a digest of every item of the
// feed as last read; an item is new when its digest is not there. New items
// are delivered oldest first.
package rss
