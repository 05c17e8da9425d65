package jetstream_test

import (
	"testing"
	"time"

	"github.com/harkhq/hark/transport"
	hjs "github.com/harkhq/hark/transport/jetstream"
	"github.com/harkhq/hark/transport/natstest"
	"github.com/harkhq/hark/transport/transporttest"
)

func TestConformance(t *testing.T) {
	transporttest.Run(t, func(t *testing.T) transporttest.Group {
		srv := natstest.Start(t, "")
		cfg := hjs.Config{NakDelay: func(int) time.Duration { return 50 * time.Millisecond }}
		pub, _ := newTransport(t, srv, cfg)
		return transporttest.Group{
			Publisher: pub,
			NewConsumer: func() transport.Consumer {
				tr, _ := newTransport(t, srv, cfg)
				return tr.Worker(hjs.WithConcurrency(3))
			},
		}
	})
}
