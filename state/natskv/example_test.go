package natskv_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/harkhq/hark/respond"
	"github.com/harkhq/hark/state"
	"github.com/harkhq/hark/state/natskv"
)

// Two workers race for one conversation; the bucket's compare-and-set
// gives it to one.
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
	ctx := context.Background()
	kv, err := natskv.Open(ctx, js, natskv.Config{Bucket: "hark"})
	if err != nil {
		panic(err)
	}

	claims := state.NewClaims(kv, "")
	now := time.Now()
	_, err = claims.Acquire(ctx, "thread-7", "worker-a", now, time.Minute)
	fmt.Println("worker-a:", err)
	_, err = claims.Acquire(ctx, "thread-7", "worker-b", now, time.Minute)
	var held *respond.ClaimedError
	fmt.Println("worker-b held off:", errors.As(err, &held), "by", held.Claim.Owner)
	// Output:
	// worker-a: <nil>
	// worker-b held off: true by worker-a
}
