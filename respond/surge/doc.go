// Package surge detects surges and silences in streams of scored posts.
//
// It has two layers. A [Series] watches one regularly sampled series (counts
// per bucket, say): a robust baseline learns level, damped trend, and
// hour-of-day and hour-of-week seasonality, clipping outliers so that they do
// not move it; each point gets a robust standardised residual, variance
// stabilised for counts so that low counts cannot trigger on Poisson noise;
// the residual and its CUSUM give a score in 0..1; and an episode state
// machine (hysteresis, quiet period, cooldown) raises one alert when a surge
// starts, not when it peaks, and again only if it escalates. Thresholds
// calibrate themselves to the series' own tail, so that heavy-tailed noise
// does not cry wolf.
//
// A [Detector] sits on top: it takes observations of scored posts keyed by
// whatever dimensions the caller chooses (brand, product, place, intent,
// source, language), buckets them per key on a virtual clock, runs a volume
// series and a negative-share test per key, watches for keys and sources
// that fall silent, and emits [Alert] values that explain their drivers (the
// terms, entities, sources and top posts that rose against the baseline).
// Memory is bounded per key and in the number of keys.
//
// The package does not depend on a scorer or a policy: respond imports it
// and routes its alerts.
package surge
