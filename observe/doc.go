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
// atomic cells and collected as observable counters, and latencies are
// sampled (one post in 8, one decision in 16), so that instrumentation
// costs about 1 % of scoring and 2-3 % of deciding with an SDK provider
// installed (BenchmarkOverheadInterleaved*).
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
