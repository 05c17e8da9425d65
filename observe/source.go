package observe

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel/metric"

	"github.com/harkhq/hark/listen"
)

// sourceState is what the lag and cursor-age gauges read of one source.
type sourceState struct {
	name string
	opt  *attrs

	mu          sync.Mutex
	newest      time.Time // Created of the newest post received
	cursor      string    // the cursor last passed to Fetch
	cursorMoved time.Time // when that cursor was first passed
	started     bool
}

func (in *Instruments) sourceState(name string) *sourceState {
	name = in.srcNames.value(name)
	in.srcMu.Lock()
	defer in.srcMu.Unlock()
	s, ok := in.srcByNm[name]
	if !ok {
		s = &sourceState{name: name, opt: in.opt("source", name)}
		in.srcByNm[name] = s
	}
	return s
}

func (in *Instruments) sourceStates() []*sourceState {
	in.srcMu.Lock()
	defer in.srcMu.Unlock()
	out := make([]*sourceState, 0, len(in.srcByNm))
	for _, s := range in.srcByNm {
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b *sourceState) int { return strings.Compare(a.name, b.name) })
	return out
}

// ErrorKind classifies a fetch error for the hark.source.errors metric:
// "canceled" (the context ended), "rate_limited", "malformed",
// "too_large", "permanent" or "transient" (any other error, as
// [listen.Stream] treats it).
func ErrorKind(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return "canceled"
	case errors.Is(err, listen.ErrRateLimited):
		return "rate_limited"
	case errors.Is(err, listen.ErrMalformed):
		return "malformed"
	case errors.Is(err, listen.ErrBodyTooLarge):
		return "too_large"
	case listen.IsPermanent(err):
		return "permanent"
	}
	return "transient"
}

// Source wraps src so that each Fetch is recorded: posts received (before
// dedupe; the stream's duplicates are in [Instruments.Watermarks]),
// fetches and their duration, errors by [ErrorKind] (each item of a batch's
// Skipped counts as one "malformed"), rate-limit refusals
// handed to the stream and the wait they asked for, and, as gauges, the
// source's lag (now minus the newest post's creation time) and cursor age
// (time since the cursor passed to Fetch last changed, that is since the
// stream last saved a new checkpoint). With [WithHealth], the source is
// registered as component "source:"+src.Name(): a fetch that returns posts
// or an empty batch is a success, an error a failure whose backoff is the
// wait it asked for.
//
// The wrapper keeps src's name and declares src's capabilities; it adds no
// goroutine and changes no result.
func (in *Instruments) Source(src listen.Source) listen.Source {
	s := &source{src: src, in: in, st: in.sourceState(src.Name())}
	if in.cfg.health != nil {
		s.comp = in.cfg.health.Register("source:" + src.Name())
	}
	s.ok = in.opt("source", s.st.name, "result", "ok")
	s.failed = in.opt("source", s.st.name, "result", "error")
	return s
}

type source struct {
	src        listen.Source
	in         *Instruments
	st         *sourceState
	comp       *Component
	ok, failed *attrs
}

func (s *source) Name() string { return s.src.Name() }

// Capabilities implements listen.Describer with the wrapped source's.
func (s *source) Capabilities() listen.Capabilities { return listen.CapabilitiesOf(s.src) }

func (s *source) Fetch(ctx context.Context, cursor string) (listen.Batch, error) {
	in := s.in
	start := in.cfg.now()
	s.st.mu.Lock()
	if !s.st.started || cursor != s.st.cursor {
		s.st.started, s.st.cursor, s.st.cursorMoved = true, cursor, start
	}
	s.st.mu.Unlock()
	b, err := s.src.Fetch(ctx, cursor)
	end := in.cfg.now()
	in.fetchDur.Record(ctx, end.Sub(start).Seconds(), s.st.opt.rec...)
	if err != nil {
		in.fetches.Add(ctx, 1, s.failed.add...)
		kind := ErrorKind(err)
		in.fetchErrs.Add(ctx, 1, in.opt("source", s.st.name, "kind", kind).add...)
		wait := listen.RetryAfterOf(err)
		if kind == "rate_limited" {
			in.rateLimits.Add(ctx, 1, s.st.opt.add...)
			in.rateWait.Add(ctx, wait.Seconds(), s.st.opt.add...)
		}
		if s.comp != nil && kind != "canceled" {
			s.comp.Failure(err, wait)
		}
		return b, err
	}
	in.fetches.Add(ctx, 1, s.ok.add...)
	if n := len(b.Skipped); n > 0 {
		// Items the source could not read are errors of their own.
		in.fetchErrs.Add(ctx, int64(n), in.opt("source", s.st.name, "kind", "malformed").add...)
	}
	if n := len(b.Posts); n > 0 {
		in.posts.Add(ctx, int64(n), s.st.opt.add...)
		var newest time.Time
		for i := range b.Posts {
			if c := b.Posts[i].Created; c.After(newest) {
				newest = c
			}
		}
		s.st.mu.Lock()
		if newest.After(s.st.newest) {
			s.st.newest = newest
		}
		s.st.mu.Unlock()
	}
	if s.comp != nil {
		s.comp.Success()
	}
	return b, nil
}

// Watermarks makes the collection read w, the watermarks of streams run
// with [listen.WithWatermarks], for what only the stream knows: per
// source, posts delivered (hark.source.delivered), duplicates dropped by
// dedupe (hark.source.duplicates), posts dropped for having no ID
// (hark.source.invalid), and whether the silence signal is raised
// (hark.source.silent, 0 or 1). Unregister the returned registration when
// w is no longer used.
func (in *Instruments) Watermarks(w *listen.Watermarks) (metric.Registration, error) {
	delivered, err1 := in.m.Int64ObservableCounter("hark.source.delivered", metric.WithUnit("{post}"),
		metric.WithDescription("Posts a stream delivered to its loop body and committed."))
	dups, err2 := in.m.Int64ObservableCounter("hark.source.duplicates", metric.WithUnit("{post}"),
		metric.WithDescription("Posts a stream's dedupe dropped."))
	invalid, err3 := in.m.Int64ObservableCounter("hark.source.invalid", metric.WithUnit("{post}"),
		metric.WithDescription("Posts a stream dropped for having no ID."))
	silent, err4 := in.m.Int64ObservableGauge("hark.source.silent", metric.WithUnit("1"),
		metric.WithDescription("1 while a source's silence signal is raised, else 0."))
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		return nil, err
	}
	return in.m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		// Watermarks of sources past the attribute limit fold into
		// "other": sum them so the counters stay monotonic.
		type sums struct{ d, u, i, s int64 }
		by := map[string]*sums{}
		var names []string
		for _, m := range w.All() {
			name := in.srcNames.value(m.Source)
			x, ok := by[name]
			if !ok {
				x = &sums{}
				by[name] = x
				names = append(names, name)
			}
			x.d += m.Delivered
			x.u += m.Duplicates
			x.i += m.Invalid
			if m.Silent {
				x.s = 1
			}
		}
		for _, name := range names {
			x, opt := by[name], in.opt("source", name)
			o.ObserveInt64(delivered, x.d, opt.obs...)
			o.ObserveInt64(dups, x.u, opt.obs...)
			o.ObserveInt64(invalid, x.i, opt.obs...)
			o.ObserveInt64(silent, x.s, opt.obs...)
		}
		return nil
	}, delivered, dups, invalid, silent)
}

// Silence records a stream's silence signal (hark.source.silences). Pass
// it, or a function calling it, to [listen.WithSilence].
func (in *Instruments) Silence(s listen.Silence) {
	in.silences.Add(context.Background(), 1, in.sourceState(s.Source).opt.add...)
	in.cfg.logger.Warn("observe: source silent", "source", s.Source, "for", s.For)
}

// Transport wraps next (http.DefaultTransport when nil) so that answers
// refusing a request for quota reasons are counted per source
// (hark.http.rate_limited), with the wait they ask for
// (hark.http.retry_after): a 429, or a 403 whose rate-limit remaining
// header is 0. Unlike [Instruments.Source], it also sees the refusals the
// [listen.Client] sits out itself. Put it in the http.Client of the
// source's listen.Client. It never reads or records URLs or headers other
// than the rate-limit ones.
func (in *Instruments) Transport(source string, next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return &transport{next: next, in: in, opt: in.sourceState(source).opt}
}

type transport struct {
	next http.RoundTripper
	in   *Instruments
	opt  *attrs
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := t.next.RoundTrip(req)
	if err != nil || res == nil {
		return res, err
	}
	limited := res.StatusCode == http.StatusTooManyRequests
	if res.StatusCode == http.StatusForbidden {
		if rem, ok := listen.RateLimitRemaining(res.Header); ok && rem < 1 {
			limited = true
		}
	}
	if limited {
		ctx := req.Context()
		now := t.in.cfg.now()
		t.in.httpLimited.Add(ctx, 1, t.opt.add...)
		if d, ok := listen.RetryAfter(res.Header.Get("Retry-After"), now); ok {
			t.in.httpWait.Add(ctx, d.Seconds(), t.opt.add...)
		} else if reset, ok := listen.RateLimitReset(res.Header, now); ok && reset.After(now) {
			t.in.httpWait.Add(ctx, reset.Sub(now).Seconds(), t.opt.add...)
		}
	}
	return res, err
}

// waitReasons are the reasons recorded as themselves; any other is
// recorded as Other.
var waitReasons = map[listen.WaitReason]bool{
	listen.WaitRateLimit: true, listen.WaitPaused: true, listen.WaitBudget: true, listen.WaitRetry: true,
}

// Waits returns an observer of the waits of source's client (set it as
// its listen.Client's OnWait) or stream (pass it to [listen.WithOnWait];
// an empty source takes the stream's name from each Wait): each wait is
// counted (hark.source.waits) and its duration added up
// (hark.source.waited), per source and reason. With [WithHealth], a
// rate-limit or paused wait of a client marks the component
// "source:"+source as backing off until it ends, without counting a
// failure (the stream's fetch reports the outcome).
func (in *Instruments) Waits(source string) func(context.Context, listen.Wait) {
	var fixed *sourceState
	var comp *Component
	if source != "" {
		fixed = in.sourceState(source)
		if in.cfg.health != nil {
			comp = in.cfg.health.Register("source:" + source)
		}
	}
	return func(ctx context.Context, w listen.Wait) {
		st := fixed
		if st == nil {
			st = in.sourceState(w.Source)
		}
		reason := string(w.Reason)
		if !waitReasons[w.Reason] {
			reason = Other
		}
		opt := in.opt("source", st.name, "reason", reason)
		in.waits.Add(ctx, 1, opt.add...)
		in.waited.Add(ctx, w.Duration.Seconds(), opt.add...)
		if comp != nil && (w.Reason == listen.WaitRateLimit || w.Reason == listen.WaitPaused) {
			comp.Backoff(w.Duration)
		}
	}
}
