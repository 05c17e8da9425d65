package observe

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// DefaultFailureThreshold is how many failures in a row make a component
// unhealthy, unless [WithFailureThreshold] says otherwise.
const DefaultFailureThreshold = 3

// A HealthOption configures [NewHealth].
type HealthOption func(*Health)

// WithFailureThreshold sets how many failures in a row make a component
// unhealthy (default [DefaultFailureThreshold]).
func WithFailureThreshold(n int) HealthOption {
	return func(h *Health) { h.threshold = max(n, 1) }
}

// WithHealthLogger makes h log each component that turns unhealthy (warn)
// and recovers (info). The default discards.
func WithHealthLogger(l *slog.Logger) HealthOption { return func(h *Health) { h.log = l } }

// WithHealthClock replaces the wall clock (tests).
func WithHealthClock(now func() time.Time) HealthOption { return func(h *Health) { h.now = now } }

// Health is the registry of the long-running components of a program
// (streams, dispatchers, workers): each reports its last success, last
// error and backoff state, and [Health.Handler] serves them at /healthz.
// A Health is safe for concurrent use.
type Health struct {
	threshold int
	log       *slog.Logger
	now       func() time.Time

	mu    sync.Mutex
	comps map[string]*Component
}

// NewHealth returns an empty registry.
func NewHealth(opts ...HealthOption) *Health {
	h := &Health{threshold: DefaultFailureThreshold, now: time.Now, comps: map[string]*Component{}}
	for _, o := range opts {
		o(h)
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	return h
}

// Register returns the component called name, adding it if it is new: two
// registrations of one name share one component.
func (h *Health) Register(name string) *Component {
	h.mu.Lock()
	defer h.mu.Unlock()
	c, ok := h.comps[name]
	if !ok {
		c = &Component{name: name, h: h, since: h.now()}
		h.comps[name] = c
	}
	return c
}

// A Component is one long-running part of a program as [Health] sees it.
// Its methods are safe for concurrent use.
type Component struct {
	name string
	h    *Health

	mu          sync.Mutex
	since       time.Time // registered
	lastSuccess time.Time
	lastError   time.Time
	err         string
	failures    int // in a row
	retryAt     time.Time
}

// Name returns the name the component was registered under.
func (c *Component) Name() string { return c.name }

// Success records that the component did its work: the run of failures
// ends and the backoff is over.
func (c *Component) Success() {
	now := c.h.now()
	c.mu.Lock()
	was := c.failures
	c.lastSuccess, c.failures, c.retryAt = now, 0, time.Time{}
	c.mu.Unlock()
	if was >= c.h.threshold {
		c.h.log.Info("observe: component recovered", "component", c.name, "after_failures", was)
	}
}

// Failure records that the component failed with err and will wait
// backoff (0 if unknown) before trying again. The error's text is kept as
// the component's last error: it must not hold a secret (Hark's errors
// never do).
func (c *Component) Failure(err error, backoff time.Duration) {
	now := c.h.now()
	msg := "failed"
	if err != nil {
		msg = err.Error()
	}
	c.mu.Lock()
	c.lastError, c.err = now, msg
	c.failures++
	n := c.failures
	if backoff > 0 {
		c.retryAt = now.Add(backoff)
	} else {
		c.retryAt = time.Time{}
	}
	c.mu.Unlock()
	if n == c.h.threshold {
		c.h.log.Warn("observe: component unhealthy", "component", c.name, "failures", n, "err", msg)
	}
}

// Backoff records that the component waits d before its next try (a rate
// limit it sits out) without counting a failure; a later Success ends the
// backoff early.
func (c *Component) Backoff(d time.Duration) {
	if d <= 0 {
		return
	}
	at := c.h.now().Add(d)
	c.mu.Lock()
	if at.After(c.retryAt) {
		c.retryAt = at
	}
	c.mu.Unlock()
}

// A ComponentStatus is a component's state at one instant, as served at
// /healthz.
type ComponentStatus struct {
	Name    string `json:"name"`
	Healthy bool   `json:"healthy"`
	// LastSuccess and LastError are when the component last succeeded and
	// failed (zero if never); Error is the last error's text.
	LastSuccess time.Time `json:"last_success,omitzero"`
	LastError   time.Time `json:"last_error,omitzero"`
	Error       string    `json:"error,omitempty"`
	// Failures counts the failures since the last success.
	Failures int `json:"failures"`
	// BackingOff reports that the component waits before its next try,
	// until RetryAt.
	BackingOff bool      `json:"backing_off"`
	RetryAt    time.Time `json:"retry_at,omitzero"`
}

// Status returns the state of c now. A component is healthy until it has
// failed [WithFailureThreshold] times in a row.
func (c *Component) Status() ComponentStatus {
	now := c.h.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	st := ComponentStatus{Name: c.name, Healthy: c.failures < c.h.threshold,
		LastSuccess: c.lastSuccess, LastError: c.lastError, Failures: c.failures}
	if c.failures > 0 {
		st.Error = c.err
	}
	if c.retryAt.After(now) {
		st.BackingOff, st.RetryAt = true, c.retryAt
	}
	return st
}

// Check returns the status of every component, ordered by name, and
// whether all are healthy.
func (h *Health) Check() (bool, []ComponentStatus) {
	h.mu.Lock()
	comps := make([]*Component, 0, len(h.comps))
	for _, c := range h.comps {
		comps = append(comps, c)
	}
	h.mu.Unlock()
	slices.SortFunc(comps, func(a, b *Component) int { return strings.Compare(a.name, b.name) })
	ok := true
	out := make([]ComponentStatus, len(comps))
	for i, c := range comps {
		out[i] = c.Status()
		ok = ok && out[i].Healthy
	}
	return ok, out
}

// Handler serves the health of every component as JSON,
// {"status":"ok"|"failing","components":[...]}, with status 200 when all
// are healthy and 503 when one is not. It answers GET and HEAD only.
func (h *Health) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		ok, comps := h.Check()
		body := struct {
			Status     string            `json:"status"`
			Components []ComponentStatus `json:"components"`
		}{Status: "ok", Components: comps}
		code := http.StatusOK
		if !ok {
			body.Status, code = "failing", http.StatusServiceUnavailable
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(code)
		if r.Method == http.MethodHead {
			return
		}
		_ = json.NewEncoder(w).Encode(body)
	})
}
