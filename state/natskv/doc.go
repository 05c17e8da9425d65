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
//
// Writes with a TTL other than Create are published straight to the
// bucket's subjects ("$KV.<bucket>.<key>"), as the key-value API does
// underneath, because its Update and Put take no TTL; a JetStream domain or
// API prefix on the connection is not supported for them.
//
// Every operation is a round trip to the server, and the adapters of
// package state spend one to three per call, so a worker keeps many posts
// in flight (transport/jetstream's WithConcurrency) to use its time.
package natskv
