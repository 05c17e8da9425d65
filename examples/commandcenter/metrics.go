package main

import (
	"log/slog"

	"github.com/harkhq/hark/listen"
	"github.com/harkhq/hark/observe"
)

// observability is what GET /healthz and GET /metrics serve: the health of
// each source and of the dispatcher, and the OpenTelemetry metrics of the
// whole pipeline (sources, waits, scoring, decisions, dispatch, surges)
// through the Prometheus exporter.
type observability struct {
	prom   *observe.Prometheus
	health *observe.Health
	in     *observe.Instruments
}

func newObservability(log *slog.Logger, wm *listen.Watermarks) (*observability, error) {
	prom, err := observe.NewPrometheus()
	if err != nil {
		return nil, err
	}
	health := observe.NewHealth(observe.WithHealthLogger(log))
	in, err := observe.New(prom.Provider, observe.WithHealth(health), observe.WithLogger(log))
	if err != nil {
		return nil, err
	}
	if _, err := in.Watermarks(wm); err != nil {
		return nil, err
	}
	return &observability{prom: prom, health: health, in: in}, nil
}
