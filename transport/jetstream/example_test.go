package jetstream_test

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/harkhq/hark"
	hjs "github.com/harkhq/hark/transport/jetstream"
)

// An ingester publishes posts (a duplicate among them), and a worker
// handles each once. The server is embedded, as in a test.
func Example() {
	dir, _ := os.MkdirTemp("", "hark-example")
	defer os.RemoveAll(dir)
	srv, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: dir, NoLog: true, NoSigs: true})
	if err != nil {
		panic(err)
	}
	go srv.Start()
	defer func() { srv.Shutdown(); srv.WaitForShutdown() }()
	if !srv.ReadyForConnections(5 * time.Second) {
		panic("not ready")
	}
	nc, err := nats.Connect(srv.ClientURL())
	if err != nil {
		panic(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tr, err := hjs.New(ctx, js, hjs.Config{})
	if err != nil {
		panic(err)
	}
	p1 := hark.Post{ID: "1", Source: "forum", Text: "my order is late"}
	p2 := hark.Post{ID: "2", Source: "forum", Text: "love it"}
	_ = tr.Publish(ctx, p1, p2)
	_ = tr.Publish(ctx, p1) // published again after a crash: dropped

	var n atomic.Int32
	_ = tr.Consume(ctx, func(_ context.Context, p hark.Post) error {
		fmt.Println("decide", p.Source, p.ID)
		if n.Add(1) == 2 {
			cancel()
		}
		return nil
	})
	// Output:
	// decide forum 1
	// decide forum 2
}
