package jetstream

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/transport/natstest"
)

// fuzzMsg is a delivered message whose fate is recorded.
type fuzzMsg struct {
	data []byte
	n    uint64

	mu     sync.Mutex
	acks   int
	naks   int
	terms  int
	reason string
}

func (m *fuzzMsg) Metadata() (*jetstream.MsgMetadata, error) {
	return &jetstream.MsgMetadata{NumDelivered: m.n, Sequence: jetstream.SequencePair{Stream: 7, Consumer: 7}}, nil
}
func (m *fuzzMsg) Data() []byte                     { return m.data }
func (m *fuzzMsg) Headers() nats.Header             { return nil }
func (m *fuzzMsg) Subject() string                  { return "hark.posts.fuzz" }
func (m *fuzzMsg) Reply() string                    { return "" }
func (m *fuzzMsg) Ack() error                       { m.mu.Lock(); m.acks++; m.mu.Unlock(); return nil }
func (m *fuzzMsg) DoubleAck(context.Context) error  { return m.Ack() }
func (m *fuzzMsg) Nak() error                       { m.mu.Lock(); m.naks++; m.mu.Unlock(); return nil }
func (m *fuzzMsg) NakWithDelay(time.Duration) error { return m.Nak() }
func (m *fuzzMsg) InProgress() error                { return nil }
func (m *fuzzMsg) Term() error                      { return m.TermWithReason("") }
func (m *fuzzMsg) TermWithReason(reason string) error {
	m.mu.Lock()
	m.terms++
	m.reason = reason
	m.mu.Unlock()
	return nil
}

// FuzzHandle hands the worker any message body, at any delivery count: it
// never panics, the handler only ever sees valid posts, and every message
// ends one way, acknowledged after the handler or dead-lettered with a
// reason. Seeds are in testdata/fuzz/FuzzHandle.
func FuzzHandle(f *testing.F) {
	srv := natstest.Start(f, "")
	nc := srv.Connect()
	f.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		f.Fatal(err)
	}
	tr, err := New(context.Background(), js, Config{MaxDeliver: 3})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte, delivered uint8) {
		m := &fuzzMsg{data: data, n: uint64(delivered%5) + 1}
		var seen []hark.Post
		tr.handle(context.Background(), m, func(_ context.Context, p hark.Post) error {
			if err := p.Validate(); err != nil {
				t.Fatalf("handler got an invalid post: %v", err)
			}
			seen = append(seen, p)
			return nil
		}, func(error) {})
		switch {
		case m.acks == 1 && m.terms == 0 && m.naks == 0:
			if len(seen) != 1 {
				t.Fatalf("acknowledged after %d handler calls", len(seen))
			}
		case m.terms == 1 && m.acks == 0 && m.naks == 0:
			if m.reason == "" || len(seen) != 0 {
				t.Fatalf("dead-lettered with reason %q after %d handler calls", m.reason, len(seen))
			}
		default:
			t.Fatalf("acks %d, naks %d, terms %d", m.acks, m.naks, m.terms)
		}
	})
}
