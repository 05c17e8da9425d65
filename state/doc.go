// Package state keeps Hark's durable state: source checkpoints, dedupe,
// the reply ledger and conversation claims, SLA timers, author profiles,
// leases and snapshots, so that a process restart loses no place and many
// workers keep the promises one process keeps: no mention lost, no reply
// sent twice, no two workers answering one conversation.
//
// Every feature is built on one small abstraction, [KV]: a key-value store
// with revisions (compare-and-set Create, Update and Delete) and optional
// expiry. It has three implementations:
//
//   - [Memory], in this package, for tests and for state that may be lost;
//   - package state/bolt, an embedded single-file store on disk (bbolt),
//     the default for one machine;
//   - package state/natskv, a NATS JetStream key-value bucket, for many
//     workers on many machines.
//
// The adapters turn any KV into the interfaces the other packages use:
// [Checkpoints] is a listen.Checkpoints, [Ledger] a respond.Ledger,
// [Claims] a respond.Claims, [Timers] a respond.TimerStore, [Profiles] an
// influence.ProfileStore; [KVSeen] is a durable dedupe set ([Seen]) and
// [Lease] makes one replica among many do a job. Each adapter keeps its keys
// under its own namespace, so one KV holds them all. Package
// state/statetest checks a KV, and every adapter on it, against the
// contracts.
//
// Durability has a price that differs by store. The on-disk store commits
// and syncs each write before it returns (a few milliseconds on an
// ordinary disk), and a dispatched decision costs several writes, so a
// process that dispatches handles several posts at once to let their
// writes share syncs (transport.Direct's Concurrency). The NATS store
// costs a network round trip per operation, and its durability is that of
// the JetStream servers (replicas, and their own sync interval).
//
// Components that keep their state in memory and can dump and restore it
// whole keep it as [Snapshots]: [SurgeBaselines] keeps a surge detector's
// baselines, so a restarted process does not warm up again.
package state
