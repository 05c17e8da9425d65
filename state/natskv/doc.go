// Package natskv is a state.KV on a NATS JetStream key-value bucket: the
// store Hark's workers share when they run on many machines. Create and
// Update are compare-and-set on the key's last revision (the server checks
// the expected last sequence of the key's subject), Delete with a revision
// is conditional the same way, and a TTL becomes a per-message TTL the
// server enforces, so dedupe keys and leases vanish by themselves.
//
// Per-message TTLs need nats-server 2.11 or later and a bucket created
// with a LimitMarkerTTL; [Open] creates the bucket so. Keys are state.KV
// keys, which are all valid NATS key-value keys.
package natskv
