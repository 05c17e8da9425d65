// Command natsworker runs Hark on many machines over NATS JetStream, or on
// one machine over a file: one program, three roles.
//
//	natsworker -role ingest -nats nats://a:4222,nats://b:4222 -in posts.jsonl -source forum [-follow]
//	natsworker -role work   -nats nats://a:4222,nats://b:4222 -policy policy.yaml [-worker w1] [-concurrency 4]
//	natsworker -role local  -db hark.db -in posts.jsonl -source forum -policy policy.yaml
//
// An ingester reads a JSONL file of posts (with -follow, as a tail of a file
// that grows) as a listen.Source, and publishes the posts to the stream
// HARK_POSTS, on the subject hark.posts.<source>, each with its message ID,
// so the server drops what was published before. Its cursor (a byte
// offset) is checkpointed in the JetStream key-value bucket "hark" after
// each published batch, and a lease in the same bucket lets one ingester
// per source poll at a time: start two for failover.
//
// A worker pulls posts from the durable consumer hark-workers, scores each,
// judges its author (author history kept in the bucket), decides with the
// policy, dispatches the decision (the reply ledger and conversation claims
// are in the bucket, so no reply goes out twice and no two workers answer
// one conversation), publishes the decision to hark.decisions.<source>,
// prints it as a JSON line on stdout, and only then acknowledges the post.
// Notifications are logged on stderr: wire respond's Slack, webhook or
// e-mail notifiers in their place.
//
// The local role is the one-machine default: the same pipeline called in
// the ingester's loop, with every piece of state in one bbolt file.
//
// The program stops on SIGINT or SIGTERM; a worker stops taking posts and
// leaves the unacknowledged ones to the others. With -idle D, a worker
// also stops after D without a post (batch runs and tests).
//
// With -metrics-addr ADDR, each role serves GET /healthz (the last success,
// last error and backoff of its source, publisher, worker and dispatcher)
// and GET /metrics (Hark's OpenTelemetry metrics in the Prometheus format)
// on ADDR. Ingesters and the local role drop posts already read through a
// dedupe set kept in the shared state (-seen-ttl), so a replica taking a
// source over, or a restart that lost its checkpoint, publishes nothing
// twice.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/influence"
	"github.com/harkhq/hark/listen"
	"github.com/harkhq/hark/observe"
	"github.com/harkhq/hark/respond"
	"github.com/harkhq/hark/state"
	"github.com/harkhq/hark/state/bolt"
	"github.com/harkhq/hark/state/natskv"
	"github.com/harkhq/hark/transport"
	hjs "github.com/harkhq/hark/transport/jetstream"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

type options struct {
	role        string
	natsURL     string
	bucket      string
	replicas    int
	in          string
	source      string
	follow      bool
	policy      string
	worker      string
	concurrency int
	db          string
	idle        time.Duration
	lease       time.Duration
	sendLease   time.Duration
	seenTTL     time.Duration
	metricsAddr string
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("natsworker", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	host, _ := os.Hostname()
	fs.StringVar(&o.role, "role", "", "ingest, work or local")
	fs.StringVar(&o.natsURL, "nats", nats.DefaultURL, "NATS server URLs, comma-separated")
	fs.StringVar(&o.bucket, "bucket", "hark", "JetStream key-value bucket of the shared state")
	fs.IntVar(&o.replicas, "replicas", 1, "replicas of the streams and the bucket (3 on a cluster)")
	fs.StringVar(&o.in, "in", "", "ingest, local: JSONL file of posts")
	fs.StringVar(&o.source, "source", "file", "ingest, local: the source's name (checkpoint key; default source of posts without one)")
	fs.BoolVar(&o.follow, "follow", false, "ingest, local: wait for lines appended to -in instead of stopping at its end")
	fs.StringVar(&o.policy, "policy", "", "work, local: response policy (YAML)")
	fs.StringVar(&o.worker, "worker", fmt.Sprintf("%s-%d", host, os.Getpid()), "work, ingest: this replica's name in leases and claims")
	fs.IntVar(&o.concurrency, "concurrency", 4, "work, local: posts handled at once")
	fs.StringVar(&o.db, "db", "hark.db", "local: the state file")
	fs.DurationVar(&o.idle, "idle", 0, "work: stop after this long without a post (0: never)")
	fs.DurationVar(&o.lease, "lease", 15*time.Second, "ingest: how long a dead ingester's lease on its source lasts")
	fs.DurationVar(&o.sendLease, "send-lease", time.Minute,
		"work, local: how long a send reserved by a dead process blocks its retry (longer than one notifier attempt plus its wait)")
	fs.DurationVar(&o.seenTTL, "seen-ttl", 7*24*time.Hour,
		"ingest, local: how long the shared dedupe set remembers a post read from the source")
	fs.StringVar(&o.metricsAddr, "metrics-addr", "",
		"serve GET /healthz and GET /metrics (Prometheus) on this address, as 127.0.0.1:9090 (empty: off)")
	if err := fs.Parse(args); err != nil {
		return 1
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if o.role != "ingest" && o.role != "work" && o.role != "local" {
		fmt.Fprintln(stderr, "usage: natsworker -role ingest|work|local [flags]; -h for the flags")
		return 1
	}
	obs, err := newObservability(log)
	if err != nil {
		fmt.Fprintf(stderr, "natsworker: %v\n", err)
		return 1
	}
	stopMetrics, err := obs.serve(o.metricsAddr, log)
	if err != nil {
		fmt.Fprintf(stderr, "natsworker: -metrics-addr: %v\n", err)
		return 1
	}
	defer stopMetrics()
	switch o.role {
	case "ingest":
		err = ingest(ctx, o, log, obs)
	case "work":
		err = work(ctx, o, stdout, log, obs)
	case "local":
		err = local(ctx, o, stdout, log, obs)
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintf(stderr, "natsworker: %v\n", err)
		return 1
	}
	return 0
}

// connect opens the connection, the transport and the shared state.
func connect(ctx context.Context, o options, log *slog.Logger) (*nats.Conn, *hjs.Transport, *natskv.Store, error) {
	nc, err := nats.Connect(o.natsURL, nats.Name("hark-"+o.role+"-"+o.worker),
		nats.MaxReconnects(-1), nats.RetryOnFailedConnect(true),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) { log.Warn("disconnected", "err", err) }),
		nats.ReconnectHandler(func(c *nats.Conn) { log.Info("reconnected", "url", c.ConnectedUrlRedacted()) }))
	if err != nil {
		return nil, nil, nil, err
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, nil, nil, err
	}
	tr, err := hjs.New(ctx, js, hjs.Config{Replicas: o.replicas})
	if err != nil {
		nc.Close()
		return nil, nil, nil, err
	}
	kv, err := natskv.Open(ctx, js, natskv.Config{Bucket: o.bucket, Replicas: o.replicas})
	if err != nil {
		nc.Close()
		return nil, nil, nil, err
	}
	return nc, tr, kv, nil
}

func ingest(ctx context.Context, o options, log *slog.Logger, obs *observability) error {
	if o.in == "" {
		return errors.New("-role ingest needs -in FILE")
	}
	nc, tr, kv, err := connect(ctx, o, log)
	if err != nil {
		return err
	}
	defer nc.Close()
	src := obs.in.Source(&fileSource{name: o.source, path: o.in, follow: o.follow, page: 200, log: log})
	lease := state.NewLease(state.NewClaims(kv, "lease"), "ingest."+state.KeyPart(o.source), o.worker, o.lease, nil)
	log.Info("waiting for the source's lease", "source", o.source, "replica", o.worker)
	var published atomic.Int64
	pub := countingPublisher{tr, &published, obs.health.Register("publisher")}
	// The dedupe set is in the shared bucket: a post one replica published
	// is not published again by another, nor after a restart.
	seen := state.NewSeen(kv, "").StreamStore(o.seenTTL)
	for {
		err = lease.Hold(ctx, func(ctx context.Context) error {
			log.Info("polling", "source", o.source)
			return transport.Ingest(ctx, src, pub, func(err error) { log.Warn("ingest", "err", err) },
				listen.WithCheckpoints(state.NewCheckpoints(kv, "")), listen.WithSeenStore(seen),
				listen.WithPollInterval(time.Second), listen.WithLogger(log), listen.WithOnWait(obs.in.Waits("")), listen.WithWatermarks(obs.wm))
		})
		// The job ends when the source is done, ctx ends, or the lease was
		// lost (then another replica polls; wait to take it back).
		if ctx.Err() != nil || err == nil || listen.IsPermanent(err) {
			break
		}
		log.Warn("lost the source's lease", "source", o.source, "err", err)
	}
	log.Info("ingester stopped", "published", published.Load(), "err", err)
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nc.Flush()
}

// countingPublisher counts the posts published and reports to comp.
type countingPublisher struct {
	p    transport.Publisher
	n    *atomic.Int64
	comp *observe.Component
}

func (c countingPublisher) Publish(ctx context.Context, posts ...hark.Post) error {
	err := c.p.Publish(ctx, posts...)
	switch {
	case err == nil:
		c.n.Add(int64(len(posts)))
		c.comp.Success()
	case ctx.Err() == nil:
		c.comp.Failure(err, 0)
	}
	return err
}

func loadPolicy(path string) (*respond.Policy, error) {
	if path == "" {
		return nil, errors.New("needs -policy FILE")
	}
	return respond.LoadPolicy(path)
}

func work(ctx context.Context, o options, stdout io.Writer, log *slog.Logger, obs *observability) error {
	policy, err := loadPolicy(o.policy)
	if err != nil {
		return err
	}
	nc, tr, kv, err := connect(ctx, o, log)
	if err != nil {
		return err
	}
	defer nc.Close()
	d := respond.NewDispatcher(respond.Routes{"*": obs.in.Notifier("log", logNotifier(log))},
		respond.WithLedger(state.NewLedger(kv, "", state.WithRetention(30*24*time.Hour))),
		respond.WithClaims(state.NewClaims(kv, "")), respond.WithWorker(o.worker), respond.WithLogger(log),
		respond.WithLeaseTTL(o.sendLease))
	authors := influence.NewTracker(influence.WithStore(state.NewProfiles(kv, "", 0)))
	pl, err := newPipeline(policy, authors, d, tr, stdout, log, obs.in)
	if err != nil {
		return err
	}
	worker := obs.health.Register("worker")
	h := track(worker, pl.handle)
	if o.idle > 0 {
		h, ctx = idleStop(ctx, o.idle, h)
	}
	log.Info("working", "worker", o.worker, "concurrency", o.concurrency)
	err = tr.Worker(hjs.WithConcurrency(o.concurrency),
		hjs.WithErrorHandler(consumeErrors(worker, log))).Consume(ctx, h)
	return errors.Join(err, nc.Flush())
}

// idleStop wraps h so that the returned context ends after idle with no
// post handled.
func idleStop(ctx context.Context, idle time.Duration, h transport.Handler) (transport.Handler, context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	t := time.AfterFunc(idle, cancel)
	return func(hctx context.Context, p hark.Post) error {
		t.Reset(idle)
		defer t.Reset(idle)
		return h(hctx, p)
	}, ctx
}

func local(ctx context.Context, o options, stdout io.Writer, log *slog.Logger, obs *observability) error {
	if o.in == "" {
		return errors.New("-role local needs -in FILE")
	}
	policy, err := loadPolicy(o.policy)
	if err != nil {
		return err
	}
	kv, err := bolt.Open(o.db)
	if err != nil {
		return err
	}
	defer kv.Close()
	sctx, stopSweep := context.WithCancel(ctx)
	swept := make(chan struct{})
	go func() {
		defer close(swept)
		if err := kv.SweepEvery(sctx, 10*time.Minute); err != nil && !errors.Is(err, context.Canceled) {
			log.Warn("sweep", "err", err)
		}
	}()
	defer func() { stopSweep(); <-swept }()
	d := respond.NewDispatcher(respond.Routes{"*": obs.in.Notifier("log", logNotifier(log))},
		respond.WithLedger(state.NewLedger(kv, "", state.WithRetention(30*24*time.Hour))),
		respond.WithClaims(state.NewClaims(kv, "")), respond.WithWorker(o.worker), respond.WithLogger(log),
		respond.WithLeaseTTL(o.sendLease))
	authors := influence.NewTracker(influence.WithStore(state.NewProfiles(kv, "", 0)))
	pl, err := newPipeline(policy, authors, d, nil, stdout, log, obs.in)
	if err != nil {
		return err
	}
	src := obs.in.Source(&fileSource{name: o.source, path: o.in, follow: o.follow, page: 200, log: log})
	dead := func(p hark.Post, err error) { log.Error("dead letter", "source", p.Source, "post", p.ID, "err", err) }
	retry := func(p hark.Post, err error) { log.Warn("retry", "source", p.Source, "post", p.ID, "err", err) }
	h := track(obs.health.Register("worker"), pl.handle)
	return transport.Ingest(ctx, src, transport.Direct{Handler: h, Dead: dead, OnRetry: retry, Concurrency: o.concurrency},
		func(err error) { log.Warn("ingest", "err", err) },
		listen.WithCheckpoints(state.NewCheckpoints(kv, "")), listen.WithSeenStore(state.NewSeen(kv, "").StreamStore(o.seenTTL)),
		listen.WithPollInterval(time.Second), listen.WithLogger(log), listen.WithOnWait(obs.in.Waits("")), listen.WithWatermarks(obs.wm))
}
