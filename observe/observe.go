package observe

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
)

// ScopeName is the instrumentation scope of every instrument of this
// package.
const ScopeName = "github.com/harkhq/hark/observe"

// DefaultMaxValues is how many distinct values one attribute (a source
// name, a team, a rule, a language) may take before further values are
// recorded as [Other].
const DefaultMaxValues = 64

// Other is the attribute value that stands for every value past an
// attribute's limit, and for empty team or priority values it is "none".
const Other = "other"

// An Option configures [New].
type Option func(*config)

type config struct {
	logger    *slog.Logger
	health    *Health
	maxValues int
	now       func() time.Time
}

// WithLogger makes the instruments log what they notice on their own (a
// source that starts failing, a dispatch that dead-letters) to l. The
// default discards.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithHealth makes the wrappers of [Instruments] ([Instruments.Source],
// [Instruments.Dispatcher]) report to h as well: each wrapped component is
// registered under its name.
func WithHealth(h *Health) Option { return func(c *config) { c.health = h } }

// WithMaxValues caps the distinct values of each attribute at n (default
// [DefaultMaxValues]); the first n values seen are kept, later ones are
// recorded as [Other], so the number of time series stays bounded whatever
// the input.
func WithMaxValues(n int) Option { return func(c *config) { c.maxValues = n } }

// WithClock replaces the wall clock used for lag, cursor age and latency
// (tests).
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// A limiter bounds the distinct values of one attribute.
type limiter struct {
	mu   sync.RWMutex
	max  int
	seen map[string]struct{}
}

func newLimiter(max int) *limiter { return &limiter{max: max, seen: map[string]struct{}{}} }

// value returns v, or Other once max other values were seen.
func (l *limiter) value(v string) string {
	l.mu.RLock()
	_, ok := l.seen[v]
	n := len(l.seen)
	l.mu.RUnlock()
	if ok {
		return v
	}
	if n >= l.max {
		return Other
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.seen[v]; ok {
		return v
	}
	if len(l.seen) >= l.max {
		return Other
	}
	l.seen[v] = struct{}{}
	return v
}

// attrs is one attribute set as the options each kind of record takes,
// built once: passing a prebuilt slice to a variadic call allocates
// nothing.
type attrs struct {
	set attribute.Set
	add []metric.AddOption
	rec []metric.RecordOption
	obs []metric.ObserveOption
}

func newAttrs(kv []string) *attrs {
	list := make([]attribute.KeyValue, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		list = append(list, attribute.String(kv[i], kv[i+1]))
	}
	set := attribute.NewSet(list...)
	o := metric.WithAttributeSet(set)
	return &attrs{set: set, add: []metric.AddOption{o}, rec: []metric.RecordOption{o}, obs: []metric.ObserveOption{o}}
}

// An optCache holds the attrs of each combination of attribute values.
type optCache struct {
	mu sync.RWMutex
	m  map[optKey]*attrs
}

// optKey is up to three attribute pairs: key, value, key, value...
type optKey [6]string

func (c *optCache) get(kv []string) *attrs {
	var key optKey
	copy(key[:], kv)
	c.mu.RLock()
	o, ok := c.m[key]
	c.mu.RUnlock()
	if ok {
		return o
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if o, ok := c.m[key]; ok {
		return o
	}
	if c.m == nil {
		c.m = map[optKey]*attrs{}
	}
	o = newAttrs(kv)
	c.m[key] = o
	return o
}

// Instruments records what Hark's components do as OpenTelemetry metrics.
// Its methods and wrappers are safe for concurrent use. With a no-op
// MeterProvider (the default of otel when none is installed) every record
// is a no-op and the cost is a few nanoseconds.
//
// Every attribute has bounded cardinality: sources, teams, rules,
// notifiers and languages are capped at [WithMaxValues] distinct values
// each; kinds, outcomes and priorities come from fixed sets.
type Instruments struct {
	cfg config
	m   metric.Meter

	// sources
	posts, fetches, fetchErrs, rateLimits, silences, httpLimited metric.Int64Counter
	rateWait, httpWait                                           metric.Float64Counter
	waits                                                        metric.Int64Counter
	waited                                                       metric.Float64Counter
	fetchDur                                                     metric.Float64Histogram
	// scoring: posts by language and of unknown language, aggregated in
	// cells
	scoredBy    *cellMap
	unknownLang atomic.Int64
	scoreDur    metric.Float64Histogram
	scoreN      atomic.Uint64
	// deciding: decisions by priority (index of priorityIndex) and team,
	// rules fired, aggregated in cells
	decisionsBy [len(priorityNames)]*cellMap
	rulesBy     *cellMap
	decideErrs  metric.Int64Counter
	decideDur   metric.Float64Histogram
	decideN     atomic.Uint64
	// SLA
	sla metric.Int64Counter
	// dispatch and notifiers
	actions, retries, deadLetters, contention metric.Int64Counter
	sends, sendFails                          metric.Int64Counter
	sendDur                                   metric.Float64Histogram
	replies, replyRetries                     metric.Int64Counter
	// surges
	alerts metric.Int64Counter

	srcNames, teams, ruleNames, langs, notifiers *limiter

	opts optCache

	srcMu   sync.Mutex
	srcByNm map[string]*sourceState
}

// New returns the instruments of Hark on mp's meter. A nil mp means a
// no-op provider. It fails only if the provider refuses an instrument.
func New(mp metric.MeterProvider, opts ...Option) (*Instruments, error) {
	cfg := config{maxValues: DefaultMaxValues, now: time.Now}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.logger == nil {
		cfg.logger = slog.New(slog.DiscardHandler)
	}
	if cfg.maxValues < 1 {
		cfg.maxValues = 1
	}
	if mp == nil {
		mp = noop.NewMeterProvider()
	}
	in := &Instruments{
		cfg:       cfg,
		m:         mp.Meter(ScopeName),
		srcNames:  newLimiter(cfg.maxValues),
		teams:     newLimiter(cfg.maxValues),
		ruleNames: newLimiter(cfg.maxValues),
		langs:     newLimiter(cfg.maxValues),
		notifiers: newLimiter(cfg.maxValues),
		srcByNm:   map[string]*sourceState{},
	}
	if err := in.build(); err != nil {
		return nil, err
	}
	return in, nil
}

// latency buckets in seconds, from a microsecond to a minute.
var secondsBuckets = []float64{1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4,
	1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2, 5e-2, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}

func (in *Instruments) build() error {
	var errs []error
	ctr := func(name, unit, desc string) metric.Int64Counter {
		c, err := in.m.Int64Counter(name, metric.WithUnit(unit), metric.WithDescription(desc))
		errs = append(errs, err)
		return c
	}
	fctr := func(name, unit, desc string) metric.Float64Counter {
		c, err := in.m.Float64Counter(name, metric.WithUnit(unit), metric.WithDescription(desc))
		errs = append(errs, err)
		return c
	}
	hist := func(name, desc string) metric.Float64Histogram {
		h, err := in.m.Float64Histogram(name, metric.WithUnit("s"), metric.WithDescription(desc),
			metric.WithExplicitBucketBoundaries(secondsBuckets...))
		errs = append(errs, err)
		return h
	}
	in.posts = ctr("hark.source.posts", "{post}", "Posts received from a source, before dedupe.")
	in.fetches = ctr("hark.source.fetches", "{fetch}", "Fetches of a source, by result (ok or error).")
	in.fetchErrs = ctr("hark.source.errors", "{error}", "Failed fetches of a source, by kind (rate_limited, permanent, transient, malformed, too_large, canceled).")
	in.rateLimits = ctr("hark.source.rate_limit.waits", "{wait}", "Fetches refused by a platform's rate limit and left for the stream to wait out.")
	in.rateWait = fctr("hark.source.rate_limit.wait", "s", "Time the platforms asked a source to wait (Retry-After).")
	in.httpLimited = ctr("hark.http.rate_limited", "{response}", "HTTP answers that refused a request for quota reasons (429, or 403 with no quota left), including those the client sat out itself.")
	in.httpWait = fctr("hark.http.retry_after", "s", "Waits asked for by rate-limited HTTP answers.")
	in.waits = ctr("hark.source.waits", "{wait}", "Waits of a source's client or stream, by reason (rate_limit, paused, budget, retry).")
	in.waited = fctr("hark.source.waited", "s", "Time a source's client or stream waited, by reason (rate_limit, paused, budget, retry).")
	in.silences = ctr("hark.source.silences", "{silence}", "Silence signals raised by a source's stream.")
	in.fetchDur = hist("hark.source.fetch.duration", "Duration of a source's fetches.")
	in.scoreDur = hist("hark.score.duration", "Time to score one post, measured on one post in 8.")
	in.decideErrs = ctr("hark.decision.errors", "{error}", "Decisions that failed.")
	in.decideDur = hist("hark.decision.duration", "Time to decide about one post, measured on one decision in 16.")
	in.sla = ctr("hark.sla.events", "{event}", "SLA warnings and breaches, by kind and priority.")
	in.actions = ctr("hark.dispatch.actions", "{action}", "Dispatched actions, by action kind and outcome.")
	in.retries = ctr("hark.dispatch.retries", "{retry}", "Notifier calls beyond the first of an action.")
	in.deadLetters = ctr("hark.dispatch.dead_letters", "{action}", "Actions whose messages went to the dead letter.")
	in.contention = ctr("hark.dispatch.claim_contention", "{action}", "Replies not sent because another responder holds the conversation (claimed) or another dispatch holds the key (in_flight).")
	in.sends = ctr("hark.notifier.sends", "{send}", "Notifier calls, by notifier and result (ok, rate_limited, permanent, error).")
	in.sendFails = ctr("hark.notifier.failures", "{send}", "Failed notifier calls, by notifier.")
	in.sendDur = hist("hark.notifier.duration", "Duration of a notifier call.")
	in.replies = ctr("hark.reply.posts", "{draft}", "Drafts handed to a reply poster, by outcome.")
	in.replyRetries = ctr("hark.reply.retries", "{retry}", "Replier calls beyond the first of a draft.")
	in.alerts = ctr("hark.surge.alerts", "{alert}", "Surge and silence alerts, by kind and whether they escalate an open episode.")
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if err := in.buildCells(); err != nil {
		return err
	}
	lag, err := in.m.Float64ObservableGauge("hark.source.lag", metric.WithUnit("s"),
		metric.WithDescription("Now minus the creation time of the newest post a source delivered."))
	if err != nil {
		return err
	}
	age, err := in.m.Float64ObservableGauge("hark.source.cursor.age", metric.WithUnit("s"),
		metric.WithDescription("Time since a source's cursor last moved (the stream last saved a new checkpoint)."))
	if err != nil {
		return err
	}
	_, err = in.m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		now := in.cfg.now()
		for _, s := range in.sourceStates() {
			s.mu.Lock()
			newest, moved := s.newest, s.cursorMoved
			s.mu.Unlock()
			if !newest.IsZero() {
				o.ObserveFloat64(lag, now.Sub(newest).Seconds(), s.opt.obs...)
			}
			if !moved.IsZero() {
				o.ObserveFloat64(age, now.Sub(moved).Seconds(), s.opt.obs...)
			}
		}
		return nil
	}, lag, age)
	return err
}

// opt returns the cached measurement option for the attribute pairs kv
// (key, value, key, value...; at most three pairs).
func (in *Instruments) opt(kv ...string) *attrs { return in.opts.get(kv) }

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// priorityNames are the values of the priority attribute, by index.
var priorityNames = [...]string{"P1", "P2", "P3", "P4", "none", Other}

func priorityIndex(p string) int {
	switch p {
	case "P1":
		return 0
	case "P2":
		return 1
	case "P3":
		return 2
	case "P4":
		return 3
	case "":
		return 4
	}
	return 5
}

func (in *Instruments) buildCells() error {
	maxRaw := max(4*in.cfg.maxValues, 64)
	in.scoredBy = newCellMap(maxRaw, func(lang string) *attrs {
		return in.opt("language", in.langs.value(lang))
	})
	for i, p := range priorityNames {
		in.decisionsBy[i] = newCellMap(maxRaw, func(team string) *attrs {
			return in.opt("priority", p, "team", in.teams.value(orNone(team)))
		})
	}
	in.rulesBy = newCellMap(maxRaw, func(rule string) *attrs {
		return in.opt("rule", in.ruleNames.value(rule))
	})
	scored, err1 := in.m.Int64ObservableCounter("hark.score.posts", metric.WithUnit("{post}"),
		metric.WithDescription("Posts scored, by detected language."))
	unknown, err2 := in.m.Int64ObservableCounter("hark.score.unknown_language", metric.WithUnit("{post}"),
		metric.WithDescription("Posts whose language the scorer could not tell (und); their share is the ratio to hark.score.posts."))
	decisions, err3 := in.m.Int64ObservableCounter("hark.decisions", metric.WithUnit("{decision}"),
		metric.WithDescription("Decisions, by priority and team."))
	rules, err4 := in.m.Int64ObservableCounter("hark.decision.rules", metric.WithUnit("{rule}"),
		metric.WithDescription("Rules that fired, by rule."))
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		return err
	}
	_, err := in.m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		in.scoredBy.observe(o, scored)
		o.ObserveInt64(unknown, in.unknownLang.Load())
		for _, c := range in.decisionsBy {
			c.observe(o, decisions)
		}
		in.rulesBy.observe(o, rules)
		return nil
	}, scored, unknown, decisions, rules)
	return err
}
