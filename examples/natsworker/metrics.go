package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/listen"
	"github.com/harkhq/hark/observe"
	"github.com/harkhq/hark/transport"
)

// observability is what GET /healthz and GET /metrics serve (-metrics-addr):
// the health of each long-running part of the role (the source, the
// publisher, the worker, the dispatcher) and Hark's OpenTelemetry metrics
// through the Prometheus exporter.
type observability struct {
	prom   *observe.Prometheus
	health *observe.Health
	in     *observe.Instruments
	// wm is given to the role's stream, for the metrics only it knows
	// (posts delivered, duplicates dropped).
	wm *listen.Watermarks
}

func newObservability(log *slog.Logger) (*observability, error) {
	prom, err := observe.NewPrometheus()
	if err != nil {
		return nil, err
	}
	health := observe.NewHealth(observe.WithHealthLogger(log))
	in, err := observe.New(prom.Provider, observe.WithHealth(health), observe.WithLogger(log))
	if err != nil {
		return nil, err
	}
	wm := new(listen.Watermarks)
	if _, err := in.Watermarks(wm); err != nil {
		return nil, err
	}
	return &observability{prom: prom, health: health, in: in, wm: wm}, nil
}

// handler serves /healthz and /metrics.
func (o *observability) handler() http.Handler {
	return observe.Mux(o.health, o.prom)
}

// serve listens on addr (nothing if addr is empty) and serves the handler
// until the returned stop is called.
func (o *observability) serve(addr string, log *slog.Logger) (stop func(), err error) {
	if addr == "" {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: o.handler(), ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Warn("metrics server", "err", err)
		}
	}()
	log.Info("serving health and metrics", "url", "http://"+ln.Addr().String()+"/healthz")
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
		_ = o.prom.Shutdown(ctx)
	}, nil
}

// track wraps h so that comp reports its outcomes: a post handled is a
// success, a post given back to be retried later a backoff, any other
// error a failure. The errors it returns are marked as reported (see
// [consumeErrors]); they still say what h said (transport.IsPermanent,
// transport.RetryAfter).
func track(comp *observe.Component, h transport.Handler) transport.Handler {
	return func(ctx context.Context, p hark.Post) error {
		err := h(ctx, p)
		switch d, retry := transport.RetryAfter(err); {
		case err == nil:
			comp.Success()
			return nil
		case retry:
			comp.Backoff(d)
		case ctx.Err() == nil:
			comp.Failure(err, 0)
		}
		return &trackedError{err}
	}
}

// trackedError is a handler error that track reported already.
type trackedError struct{ err error }

func (e *trackedError) Error() string { return e.err.Error() }
func (e *trackedError) Unwrap() error { return e.err }

// consumeErrors returns the error handler of a worker: it logs each error
// and reports to comp those that track did not (an acknowledgement that
// could not be sent, the server away).
func consumeErrors(comp *observe.Component, log *slog.Logger) func(error) {
	return func(err error) {
		log.Warn("consume", "err", err)
		if te := (*trackedError)(nil); !errors.As(err, &te) {
			comp.Failure(err, 0)
		}
	}
}
