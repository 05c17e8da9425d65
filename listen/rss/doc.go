// Package rss listens to RSS, Atom and JSON feeds: company and personal
// blogs, review sites that publish feeds, alert services (Google Alerts
// and its kind deliver Atom), forum and tracker feeds.
//
// Each fetch is a conditional GET (If-None-Match, If-Modified-Since): a
// 304 costs nothing. Feeds hold their latest items in no guaranteed order,
// so the cursor remembers the validators and a digest of every item of the
// feed as last read; an item is new when its digest is not there. New items
// are delivered oldest first.
//
// An item that cannot be read loses nothing else. RSS and Atom are read
// leniently by gofeed: an item with a date it cannot parse, or broken
// markup in a field, is delivered with what could be read. A JSON Feed
// item with a field of the wrong type is left out and reported in
// Batch.Skipped, once; only a feed whose envelope cannot be read fails.
package rss
