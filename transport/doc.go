// Package transport moves posts from the ingesters that hear them to the
// workers that decide about them, and decisions on to whoever follows
// them, behind small interfaces so the broker can change: [Publisher],
// [Consumer] (with a [Handler] per post) and [DecisionSink].
//
// Package transport/jetstream implements them on NATS JetStream, for many
// workers on many machines. [Direct] is the transport of one machine: the
// handler is called in the ingester's loop. [Ingest] reads a listen.Source
// with durable checkpoints and publishes what it reads; run it under a
// state.Lease so that exactly one replica polls each source.
//
// The promises, on either transport: no post is lost (a cursor is saved
// only once its batch is published, a post is acknowledged only once its
// handler returned), no post is published twice (message IDs), and a post
// delivered again after a crash has its effects once, because the handler
// dispatches through a ledger (respond.Dispatcher with a state.Ledger).
//
// Package transport/transporttest checks an implementation against the
// contract of these interfaces; run it for any new broker.
package transport
