// Package jetstream is Hark's transport on NATS JetStream: ingesters
// publish posts to a stream, with a subject per source and the message ID
// set so the server drops duplicates; workers share them through one
// durable pull consumer, acknowledge a post only after their handler has
// decided and dispatched it, ask for a delayed redelivery on transient
// errors, and send poison messages to a dead-letter subject; the server's
// MaxAckPending holds back a group of workers that falls behind. Decisions
// are published to a stream of their own.
package jetstream
