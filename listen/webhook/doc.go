// Package webhook is an inbox for platforms that push: it is both an
// http.Handler that receives Meta-style webhook deliveries and a
// listen.Source that Stream reads them from.
//
// The handler answers the verification challenge (GET with hub.mode,
// hub.verify_token and hub.challenge), checks the X-Hub-Signature-256 of
// every POST against the app secret in constant time, decodes the payload
// into posts and queues them. The queue is bounded: a delivery that does
// not fit is refused whole with 503, so the platform retries it later
// rather than Hark dropping part of it.
//
// The cursor is the sequence number of the last post handed out. Fetch
// drops the queued posts up to its cursor (they were delivered and
// committed) and returns the next ones without removing them, so a batch
// whose handling was interrupted is handed out again: at-least-once, as
// for every source. The queue lives in memory: posts accepted (answered
// 200) but not yet committed are lost if the process dies.
package webhook
