// Package hn listens to Hacker News through the Algolia HN Search API's
// search_by_date endpoint: stories and comments matching a query, oldest
// first from a start time.
//
// The cursor is the creation time (Unix seconds) of the newest post
// delivered, with the IDs delivered at that second, so a fetch asks for
// created_at_i >= that time and drops what it already gave: a post written
// in the same second as the last one is neither lost nor repeated. When
// more posts match than one page holds, the time window is narrowed until
// the oldest posts fit in a page, so a backlog is read in order, oldest
// first, however long it is (up to the API's cap of 1000 hits per query).
package hn
