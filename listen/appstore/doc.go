// Package appstore listens to the customer reviews of an iOS app in the
// App Store, per country storefront, through Apple's public customer
// reviews feed in its JSON form (most recent first, 50 reviews a page, ten
// pages deep).
//
// A review becomes a post whose text is its title and body, and whose
// Lang is left empty (the feed does not say; the storefront is not a
// language). hark.Post has no field for the star rating, so the rating is
// not carried; [ParseFeed] exposes it for callers who want it.
//
// The cursor keeps, per country, the highest review ID delivered; review
// IDs grow with time. A fetch reads pages until it reaches the cursor.
package appstore
