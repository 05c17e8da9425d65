// Package observe lets a team see Hark working inside its own service:
// OpenTelemetry metrics, health, and the wiring of /healthz and /metrics.
//
// Metrics go through the OpenTelemetry metric API. [New] takes a
// MeterProvider (nil means a no-op, so instrumented code costs a few
// nanoseconds per record when nobody installed a provider) and returns
// [Instruments], whose wrappers compose the way otelhttp wraps handlers:
//
//	in, _ := observe.New(provider, observe.WithHealth(health))
//	src = in.Source(src)                    // posts, errors by kind, rate limits, lag, cursor age
//	client.OnWait = in.Waits("x")           // the client's waits: rate limits, paused quota, retries
//	listen.WithOnWait(in.Waits(""))         // the stream's waits after failed fetches
//	reg, _ := in.Watermarks(&watermarks)    // duplicates dropped, delivered, silent
//	scorer := in.Scorer(scorer)             // throughput, latency, unknown language
//	decide := in.Decider(policy.Decide)     // decisions by priority, team and rule
//	in.Decision(ctx, &d)                    // the same, for a decision made elsewhere
//	disp := in.Dispatcher("dispatch", d)    // outcomes, retries, dead letters, claim contention
//	n = in.Notifier("slack", n)             // sends and failures per notifier
//	tracker.Check(ctx, in.SLAHandler(fn))   // SLA warnings and breaches
//	in.Alerts(ctx, detector.Observe(o))     // surge and silence alerts
//
// The busiest counters (posts scored, decisions, rules) are aggregated in
// atomic cells, found by the identity of their attribute strings, and
// collected as observable counters; latencies are sampled (one post in 8,
// one decision in 16). With an SDK provider installed, instrumentation
// costs about 2 % of scoring and 3 % of deciding when the decision is
// recorded with [Instruments.Decision]; the [Instruments.Decider] wrapper
// costs about 9 %, most of it copying the case and the decision through
// one more call (BenchmarkOverheadInterleaved*, medians of 5 runs).
//
// Logging: every long-running component of Hark takes a *slog.Logger
// (listen.WithLogger and listen.Client.Logger, the adapters' Config.Logger
// where they run loops or serve, respond.WithLogger,
// respond.WithTrackerLogger, reply.WithLogger and reply.WithQueueLogger,
// the NATS worker's jetstream.WithLogger, [WithLogger] and
// [WithHealthLogger] here). Without one, each discards its records. None
// logs a credential, a signature, a URL's query or a draft's text: the
// secrets tests run them all at debug level with known secrets and look.
//
// Every attribute has bounded cardinality: source, team, rule, notifier
// and language values are capped (see [WithMaxValues]) and kinds, outcomes
// and priorities come from fixed sets. No record carries a post's text, an
// author, a URL or a credential.
//
// [Health] is a registry of long-running components (streams, dispatchers,
// workers), each with its last success, last error and backoff state;
// [Health.Handler] serves it as JSON at /healthz, 503 once a component has
// failed several times in a row. [NewPrometheus] gives a MeterProvider
// served by the OpenTelemetry Prometheus exporter, and [Mux] mounts both.
//
// The HTML report of a replay is in the subpackage observe/report.
package observe
