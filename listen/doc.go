// Package listen pulls posts from the places people talk: the [Source]
// contract, [Stream] which polls a source with a cursor and checkpoints it,
// [Run] which fans many sources in, and the machinery adapters share: the
// HTTP [Client] (per-credential [Quota], capped exponential backoff with
// jitter, Retry-After and X-RateLimit-Reset, timeouts, body limits), typed
// errors ([ErrPermanent], [ErrTransient], [RateLimitError]), the bounded
// [Dedupe] set (or any durable [SeenStore]), [FileCheckpoints],
// [Watermarks] and the [Silence] signal, [Capabilities], and the Boolean
// [Query] filter. Each adapter lives in its own subpackage
// (hn, rss, mastodon, reddit, bluesky, webhook, ...; listen/replay replays
// JSONL or the embedded sample week); listen/listentest holds fakes and the
// adapter conformance suite.
//
// Listening is pull-based: a source is asked for the posts after a cursor
// and answers with a batch and the next cursor. [Stream] saves the cursor
// only after the loop body has asked for the next batch, so a crash or a
// break before then redelivers the batch: delivery is at-least-once, and
// [WithDedupe] makes the effect once.
//
// Failures are values of three classes: permanent (ends a stream),
// transient (retried after a capped, jittered backoff), rate-limited
// (waited out as the upstream says). The fault suite in faults_test.go
// drives real adapters through 429 storms, 5xx, hangs, truncated JSON,
// invalid UTF-8, 10 MB bodies, duplicated items and windows that go back
// before the cursor, and checks that every post served is delivered once;
// testdata/fault-suite.svg is its figure.
//
// Every wait can be watched without reaching into the machinery: a
// Client's OnWait and a Stream's [WithOnWait] are told of each [Wait]
// (rate limit, paused quota, token bucket, retry backoff) with its
// duration and upstream before it starts (package observe counts them).
// Logging goes to the *slog.Logger given with [WithLogger] and
// Client.Logger; without one, nothing is logged.
package listen
