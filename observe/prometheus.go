package observe

import (
	"context"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

// Prometheus is a MeterProvider whose metrics are served in the
// Prometheus text format, through the OpenTelemetry Prometheus exporter
// and a registry of its own (not the global one).
type Prometheus struct {
	// Provider is the meter provider to pass to [New].
	Provider *sdkmetric.MeterProvider
	reg      *prometheus.Registry
}

// NewPrometheus returns a provider and registry ready to serve /metrics.
func NewPrometheus() (*Prometheus, error) {
	reg := prometheus.NewRegistry()
	exp, err := otelprom.New(otelprom.WithRegisterer(reg))
	if err != nil {
		return nil, err
	}
	return &Prometheus{Provider: sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp)), reg: reg}, nil
}

// Handler serves the metrics at each scrape.
func (p *Prometheus) Handler() http.Handler {
	return promhttp.HandlerFor(p.reg, promhttp.HandlerOpts{})
}

// Shutdown stops the provider; later scrapes serve nothing new.
func (p *Prometheus) Shutdown(ctx context.Context) error { return p.Provider.Shutdown(ctx) }

// Mux returns a ServeMux serving h at GET /healthz and, when p is not nil, p
// at GET /metrics: what the command center and the NATS worker expose.
func Mux(h *Health, p *Prometheus) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("GET /healthz", h.Handler())
	if p != nil {
		mux.Handle("GET /metrics", p.Handler())
	}
	return mux
}
