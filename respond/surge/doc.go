// Package surge detects surges and silences in streams of scored posts.
//
// It has two layers.
//
// A [Series] watches one regularly sampled series (posts per bucket, say).
// A robust baseline forecasts each point: a level with a damped trend, an
// hour-of-day and an hour-of-week profile (learned once each hour is over,
// so that they do not chase what happens within it), and a robust noise
// scale; residuals are clipped before they are learned, so outliers barely
// move it, and nothing is learned from a surge. Counts are
// variance-stabilised (Anscombe), so that Poisson noise has unit scale and
// low counts cannot trigger on noise. Three kinds of evidence give a score
// in 0..1: the standardised residual of the point (one short point alone
// must be extreme; two in a row need less), a CUSUM of residuals for
// sustained rises and slow ramps, and, for counts, a Poisson scan statistic
// over the last twelve points, which weighs what a handful of posts means
// where there are usually none. Thresholds calibrate themselves to the
// series' own tail, so heavy-tailed noise does not cry wolf. An episode
// state machine (hysteresis, quiet period, cooldown) raises one alert when
// a surge starts, not when it peaks, and again only if it escalates; a
// surge that lasts becomes the new normal. A warm-up of two days learns
// before alerting on anything but extreme jumps. The sampling interval is
// given or inferred; gaps in the timestamps are missing data, not zeros.
//
// A [Detector] sits on top. It takes an [Observation] per scored post,
// keyed by whatever dimensions the caller chooses (brand, product, place,
// intent, source, language), buckets the posts per key on a virtual clock
// (the posts' times and [Detector.Advance], never the wall clock, so
// replays and tests are exact), and per key runs a volume series, a test of
// the negative share and of the negative count (against the key's share
// shrunk towards the share across all keys by ten pseudo-posts, a beta
// prior, so that a key with a few posts a day is judged from its third day
// rather than after weeks), and a silence watch (a key
// or source that stops producing for several times its usual interval,
// when its baseline expected many posts). Silence is watched only where
// the usual interval is established: a key with 50 posts over at least
// three days, past the warm-up; and a silence must last six times the
// usual interval, twice the longest gap the key had at the same hours of
// the day in the past weeks (so its nights are not silences), and long
// enough for the baseline to have expected 15 posts (times the key's
// overdispersion). An [Alert] is raised by the post
// that tips it, within the open bucket, and explains its drivers: the
// terms, entities and sources that rose against the key's baseline (and
// against all posts', for keys with little history), and the top posts of
// the episode. Memory is bounded per key (a few KB: fixed-size profiles and
// space-saving tallies) and in the number of keys (the idlest are evicted).
//
// [Detector.Snapshot] writes all of a detector's state (its clock, and
// every key's baselines, calibrated thresholds, open episodes and driver
// tallies) in a versioned, checksummed binary encoding, a few KB per key,
// and [Detector.Restore] reads it back, so that a restarted process goes on
// where it stopped rather than warming up again; package state keeps such
// snapshots in its stores.
//
// The package depends on no scorer and no policy: an Observation carries
// what a scorer said, and package respond imports this one to route alerts
// (page comms, open an incident) and to give a policy each post's surge
// state ([Detector.Status]).
//
// examples/surge runs a Series over a CSV of counts; examples/surge/quickstart
// scores the sample week and prints the alerts with their drivers.
package surge
