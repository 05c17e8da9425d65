package jetstream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/respond"
	"github.com/harkhq/hark/state"
	"github.com/harkhq/hark/transport"
)

// Config names the streams, subjects and consumer of a [Transport] and
// sets their limits. The zero Config is usable: every field has a default.
type Config struct {
	// Prefix starts every subject ("hark" if empty): posts go to
	// "<prefix>.posts.<source>", decisions to "<prefix>.decisions.<source>",
	// dead letters to "<prefix>.dead.<source>", where <source> is the
	// post's source as a state.KeyPart.
	Prefix string
	// Stream is the name of the posts' stream ("HARK_POSTS"); the
	// decisions' and dead letters' streams are named with the suffixes
	// "_DECISIONS" and "_DEAD" in its place ("HARK_DECISIONS", "HARK_DEAD").
	Stream string
	// Durable is the name of the workers' shared consumer ("hark-workers").
	Durable string
	// Replicas is how many servers keep each stream (1 if 0).
	Replicas int
	// MaxAge is how long a post is kept in the stream (72h if 0).
	MaxAge time.Duration
	// DuplicateWindow is how long the server remembers message IDs to
	// drop duplicates (20m if 0). A restarted ingester re-publishes at most
	// one batch, at once, so minutes are plenty.
	DuplicateWindow time.Duration
	// AckWait is how long a delivered post may go unacknowledged before it
	// is delivered again, to another worker (30s if 0). A handler that runs
	// longer keeps its post with progress reports every AckWait/2.
	AckWait time.Duration
	// MaxAckPending is how many posts may be delivered and unacknowledged
	// at once across all workers (1000 if 0): the backpressure.
	MaxAckPending int
	// MaxDeliver is how many deliveries a post gets before it is sent to
	// the dead letter (5 if 0). Crashed deliveries count.
	MaxDeliver int
	// NakDelay is the wait before a post that failed the n-th time (n from
	// 1) is delivered again; by default 1s doubling to 1m.
	NakDelay func(n int) time.Duration
}

func (c Config) withDefaults() Config {
	if c.Prefix == "" {
		c.Prefix = "hark"
	}
	if c.Stream == "" {
		c.Stream = "HARK_POSTS"
	}
	if c.Durable == "" {
		c.Durable = "hark-workers"
	}
	if c.Replicas <= 0 {
		c.Replicas = 1
	}
	if c.MaxAge <= 0 {
		c.MaxAge = 72 * time.Hour
	}
	if c.DuplicateWindow <= 0 {
		c.DuplicateWindow = 20 * time.Minute
	}
	if c.AckWait <= 0 {
		c.AckWait = 30 * time.Second
	}
	if c.MaxAckPending <= 0 {
		c.MaxAckPending = 1000
	}
	if c.MaxDeliver <= 0 {
		c.MaxDeliver = 5
	}
	if c.NakDelay == nil {
		c.NakDelay = func(n int) time.Duration {
			return min(time.Minute, time.Second<<min(max(n-1, 0), 6))
		}
	}
	return c
}

func (c Config) baseName() string {
	if s, ok := cutSuffix(c.Stream, "_POSTS"); ok {
		return s
	}
	return c.Stream
}

func cutSuffix(s, suf string) (string, bool) {
	if len(s) > len(suf) && s[len(s)-len(suf):] == suf {
		return s[:len(s)-len(suf)], true
	}
	return s, false
}

// A Transport publishes and consumes posts on JetStream. It implements
// transport.Publisher, transport.Consumer and transport.DecisionSink, and
// is safe for concurrent use: one Transport may serve an ingester and
// several worker goroutines of one process.
type Transport struct {
	js  jetstream.JetStream
	cfg Config
}

var (
	_ transport.Publisher    = (*Transport)(nil)
	_ transport.Consumer     = (*Transport)(nil)
	_ transport.DecisionSink = (*Transport)(nil)
)

// New returns a transport over js, creating (or updating) its streams and
// consumer.
func New(ctx context.Context, js jetstream.JetStream, cfg Config) (*Transport, error) {
	cfg = cfg.withDefaults()
	t := &Transport{js: js, cfg: cfg}
	base := cfg.baseName()
	streams := []jetstream.StreamConfig{
		{Name: cfg.Stream, Subjects: []string{cfg.Prefix + ".posts.>"}, MaxAge: cfg.MaxAge},
		{Name: base + "_DECISIONS", Subjects: []string{cfg.Prefix + ".decisions.>"}, MaxAge: cfg.MaxAge},
		{Name: base + "_DEAD", Subjects: []string{cfg.Prefix + ".dead.>"}},
	}
	for _, sc := range streams {
		sc.Storage = jetstream.FileStorage
		sc.Replicas = cfg.Replicas
		sc.Duplicates = cfg.DuplicateWindow
		sc.Retention = jetstream.LimitsPolicy
		if _, err := js.CreateOrUpdateStream(ctx, sc); err != nil {
			return nil, fmt.Errorf("transport/jetstream: stream %s: %w", sc.Name, err)
		}
	}
	_, err := js.CreateOrUpdateConsumer(ctx, cfg.Stream, jetstream.ConsumerConfig{
		Durable:       cfg.Durable,
		Description:   "Hark workers",
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       cfg.AckWait,
		MaxDeliver:    -1, // counted by the workers, so a crash loop still ends in the dead letter
		MaxAckPending: cfg.MaxAckPending,
		FilterSubject: cfg.Prefix + ".posts.>",
		DeliverPolicy: jetstream.DeliverAllPolicy,
	})
	if err != nil {
		return nil, fmt.Errorf("transport/jetstream: consumer %s: %w", cfg.Durable, err)
	}
	return t, nil
}

// Config returns the configuration with its defaults filled in.
func (t *Transport) Config() Config { return t.cfg }

// Subject returns the subject the posts of source are published to.
func (t *Transport) Subject(source string) string {
	return t.cfg.Prefix + ".posts." + state.KeyPart(source)
}

// Publish implements transport.Publisher: each post is published to its
// source's subject with transport.MessageID as its Nats-Msg-Id, all at
// once, and Publish waits for every acknowledgement. Posts without an ID
// are refused.
func (t *Transport) Publish(ctx context.Context, posts ...hark.Post) error {
	if len(posts) == 1 {
		return t.publishOne(ctx, posts[0])
	}
	// In windows, so the client's limit on acknowledgements outstanding
	// (4000 by default) is never reached.
	for len(posts) > 0 {
		n := min(len(posts), publishWindow)
		if err := t.publishAsync(ctx, posts[:n]); err != nil {
			return err
		}
		posts = posts[n:]
	}
	return nil
}

const publishWindow = 1000

func (t *Transport) publishAsync(ctx context.Context, posts []hark.Post) error {
	futures := make([]jetstream.PubAckFuture, 0, len(posts))
	for _, p := range posts {
		m, err := t.postMsg(p)
		if err != nil {
			return err
		}
		f, err := t.js.PublishMsgAsync(m, jetstream.WithMsgID(transport.MessageID(p)))
		if err != nil {
			return fmt.Errorf("transport/jetstream: publish %s: %w", transport.MessageID(p), err)
		}
		futures = append(futures, f)
	}
	var errs []error
	for _, f := range futures {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			errs = append(errs, fmt.Errorf("transport/jetstream: publish %s: %w", f.Msg().Header.Get(jetstream.MsgIDHeader), err))
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return errors.Join(errs...)
}

func (t *Transport) postMsg(p hark.Post) (*nats.Msg, error) {
	if p.ID == "" {
		return nil, fmt.Errorf("transport/jetstream: post without ID from %q", p.Source)
	}
	b, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	return &nats.Msg{Subject: t.Subject(p.Source), Data: b, Header: nats.Header{}}, nil
}

func (t *Transport) publishOne(ctx context.Context, p hark.Post) error {
	m, err := t.postMsg(p)
	if err != nil {
		return err
	}
	if _, err := t.js.PublishMsg(ctx, m, jetstream.WithMsgID(transport.MessageID(p))); err != nil {
		return fmt.Errorf("transport/jetstream: publish %s: %w", transport.MessageID(p), err)
	}
	return nil
}

// PublishDecision implements transport.DecisionSink: the decision's JSON
// goes to "<prefix>.decisions.<source>" with "<source>/<post ID>" as its
// message ID, so a decision re-made after a redelivery is dropped by the
// server within the duplicate window.
func (t *Transport) PublishDecision(ctx context.Context, source string, d respond.Decision) error {
	b, err := json.Marshal(d)
	if err != nil {
		return err
	}
	m := &nats.Msg{Subject: t.cfg.Prefix + ".decisions." + state.KeyPart(source), Data: b, Header: nats.Header{}}
	_, err = t.js.PublishMsg(ctx, m, jetstream.WithMsgID(source+"/"+d.PostID))
	return err
}

// Dead-letter headers: why a message was dead-lettered, and where it came
// from.
const (
	HeaderReason     = "Hark-Reason"
	HeaderSubject    = "Hark-Subject"
	HeaderStreamSeq  = "Hark-Stream-Seq"
	HeaderDeliveries = "Hark-Deliveries"
)

// A ConsumeOption configures a [Worker] (see [Transport.Worker]).
type ConsumeOption func(*consumeConfig)

type consumeConfig struct {
	concurrency int
	batch       int
	onError     func(error)
	log         *slog.Logger
}

// WithConcurrency sets how many posts one Consume handles at once (1 by
// default).
func WithConcurrency(n int) ConsumeOption {
	return func(c *consumeConfig) { c.concurrency = max(n, 1) }
}

// WithBatch sets how many posts the client asks the server for at a time
// (100 by default; at most MaxAckPending are out at once anyway).
func WithBatch(n int) ConsumeOption { return func(c *consumeConfig) { c.batch = max(n, 1) } }

// WithErrorHandler makes Consume report to f what went wrong along the
// way and was recovered from: handler errors, acknowledgements that could
// not be sent, lost heartbeats while the server is away. f must be safe for
// concurrent use.
func WithErrorHandler(f func(error)) ConsumeOption { return func(c *consumeConfig) { c.onError = f } }

// WithLogger makes Consume log to l each post handled (debug, with its
// message ID, deliveries so far and the handler's error) and what it
// reports to the error handler (warn). The default discards.
func WithLogger(l *slog.Logger) ConsumeOption { return func(c *consumeConfig) { c.log = l } }

// Consume implements transport.Consumer with the defaults of
// [Transport.Worker].
func (t *Transport) Consume(ctx context.Context, h transport.Handler) error {
	return t.Worker().Consume(ctx, h)
}

// A Worker consumes posts from a [Transport] with its options. It
// implements transport.Consumer.
type Worker struct {
	t  *Transport
	cc consumeConfig
}

var _ transport.Consumer = (*Worker)(nil)

// Worker returns a consumer of t's posts configured by opts.
func (t *Transport) Worker(opts ...ConsumeOption) *Worker {
	cc := consumeConfig{concurrency: 1, batch: 100, onError: func(error) {}}
	for _, o := range opts {
		o(&cc)
	}
	if cc.log != nil {
		onErr, log := cc.onError, cc.log
		cc.onError = func(err error) {
			log.LogAttrs(context.Background(), slog.LevelWarn, "transport/jetstream: consume", slog.String("err", err.Error()))
			onErr(err)
		}
	}
	return &Worker{t: t, cc: cc}
}

// Consume implements transport.Consumer. It pulls posts from the durable
// consumer and hands each to h:
//
//   - h returned nil: the post is acknowledged;
//   - h returned a transport.Permanent error, or the message is not a
//     valid post, or it was delivered more than MaxDeliver times: the
//     message is published to "<prefix>.dead.<source>" with the reason in
//     its headers, then terminated (never delivered again);
//   - any other error: a negative acknowledgement with a delay (the one
//     asked with transport.Retry, or NakDelay), so the post comes back
//     later, maybe to another worker;
//   - ctx ended while h ran: a negative acknowledgement without delay, so
//     another worker takes the post at once; posts fetched but not yet
//     handled are given back the same way.
//
// A worker that dies without stopping (a crash, kill -9, a lost network)
// gives nothing back: its posts come back after AckWait. Consume reconnects
// through server restarts and returns ctx's error when ctx ends, after the
// handlers running have returned.
func (w *Worker) Consume(ctx context.Context, h transport.Handler) error {
	t, cc := w.t, w.cc
	if log := cc.log; log != nil {
		next := h
		h = func(ctx context.Context, p hark.Post) error {
			err := next(ctx, p)
			if log.Enabled(ctx, slog.LevelDebug) {
				attrs := []slog.Attr{slog.String("post", transport.MessageID(p))}
				if err != nil {
					attrs = append(attrs, slog.String("err", err.Error()))
				}
				log.LogAttrs(ctx, slog.LevelDebug, "transport/jetstream: handled", attrs...)
			}
			return err
		}
	}
	work := make(chan jetstream.Msg)
	var wg sync.WaitGroup
	for range cc.concurrency {
		wg.Go(func() {
			for m := range work {
				t.handle(ctx, m, h, cc.onError)
			}
		})
	}
	err := t.pull(ctx, cc, work)
	close(work)
	wg.Wait()
	return err
}

// pull feeds work with messages until ctx ends.
func (t *Transport) pull(ctx context.Context, cc consumeConfig, work chan<- jetstream.Msg) error {
	wait := 100 * time.Millisecond
	for ctx.Err() == nil {
		cons, err := t.js.Consumer(ctx, t.cfg.Stream, t.cfg.Durable)
		if err != nil {
			cc.onError(fmt.Errorf("transport/jetstream: consumer: %w", err))
			if sleep(ctx, wait) != nil {
				break
			}
			wait = min(2*wait, 5*time.Second)
			continue
		}
		it, err := cons.Messages(jetstream.PullMaxMessages(cc.batch))
		if err != nil {
			cc.onError(fmt.Errorf("transport/jetstream: messages: %w", err))
			if sleep(ctx, wait) != nil {
				break
			}
			wait = min(2*wait, 5*time.Second)
			continue
		}
		wait = 100 * time.Millisecond
		t.drain(ctx, cc, it, work)
		if ctx.Err() != nil {
			// Stopping: give back what was fetched and not handled, so
			// the other workers get it now rather than after AckWait.
			it.Drain()
			for {
				m, err := it.Next(jetstream.NextMaxWait(100 * time.Millisecond))
				if err != nil {
					break
				}
				_ = m.Nak()
			}
		}
		it.Stop()
	}
	return ctx.Err()
}

// drain reads it until it closes or ctx ends.
func (t *Transport) drain(ctx context.Context, cc consumeConfig, it jetstream.MessagesContext, work chan<- jetstream.Msg) {
	for {
		m, err := it.Next(jetstream.NextContext(ctx))
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, jetstream.ErrMsgIteratorClosed) {
				return
			}
			// Missed heartbeats and the like, while the server is away:
			// the iterator keeps pulling once it is back. A consumer gone
			// or a connection closed for good needs a new iterator.
			cc.onError(fmt.Errorf("transport/jetstream: next: %w", err))
			if errors.Is(err, jetstream.ErrConsumerDeleted) || errors.Is(err, jetstream.ErrConsumerNotFound) ||
				errors.Is(err, nats.ErrConnectionClosed) {
				_ = sleep(ctx, time.Second)
				return
			}
			if sleep(ctx, 50*time.Millisecond) != nil {
				return
			}
			continue
		}
		select {
		case work <- m:
		case <-ctx.Done():
			_ = m.Nak() // stopping: give it back
			return
		}
	}
}

func (t *Transport) handle(ctx context.Context, m jetstream.Msg, h transport.Handler, onErr func(error)) {
	md, err := m.Metadata()
	if err != nil {
		onErr(fmt.Errorf("transport/jetstream: metadata: %w", err))
		return
	}
	if md.NumDelivered > uint64(t.cfg.MaxDeliver) {
		t.deadLetter(ctx, m, md, fmt.Sprintf("delivered %d times", md.NumDelivered), onErr)
		return
	}
	var p hark.Post
	if err := json.Unmarshal(m.Data(), &p); err != nil {
		t.deadLetter(ctx, m, md, "not a post: "+err.Error(), onErr)
		return
	}
	if err := p.Validate(); err != nil {
		t.deadLetter(ctx, m, md, "invalid post: "+err.Error(), onErr)
		return
	}
	stop := t.keepAlive(m)
	err = h(ctx, p)
	stop()
	switch {
	case err == nil:
		if err := m.Ack(); err != nil {
			onErr(fmt.Errorf("transport/jetstream: ack %s: %w", transport.MessageID(p), err))
		}
	case ctx.Err() != nil:
		// The worker is stopping: give the post back at once. (A worker
		// that dies cannot; its posts come back after AckWait.)
		_ = m.Nak()
	case transport.IsPermanent(err):
		onErr(fmt.Errorf("transport/jetstream: %s: %w", transport.MessageID(p), err))
		t.deadLetter(ctx, m, md, err.Error(), onErr)
	case md.NumDelivered >= uint64(t.cfg.MaxDeliver):
		onErr(fmt.Errorf("transport/jetstream: %s: %w", transport.MessageID(p), err))
		t.deadLetter(ctx, m, md, fmt.Sprintf("failed %d times, last: %v", md.NumDelivered, err), onErr)
	default:
		onErr(fmt.Errorf("transport/jetstream: %s: %w", transport.MessageID(p), err))
		d, ok := transport.RetryAfter(err)
		if !ok {
			d = t.cfg.NakDelay(int(md.NumDelivered))
		}
		if err := m.NakWithDelay(d); err != nil {
			onErr(fmt.Errorf("transport/jetstream: nak %s: %w", transport.MessageID(p), err))
		}
	}
}

// keepAlive reports progress on m every AckWait/2 until stop is called, so
// a slow handler keeps its post.
func (t *Transport) keepAlive(m jetstream.Msg) (stop func()) {
	every := t.cfg.AckWait / 2
	var mu sync.Mutex
	stopped := false
	var timer *time.Timer
	var tick func()
	tick = func() {
		mu.Lock()
		defer mu.Unlock()
		if stopped {
			return
		}
		_ = m.InProgress()
		timer.Reset(every)
	}
	mu.Lock()
	timer = time.AfterFunc(every, tick)
	mu.Unlock()
	return func() {
		mu.Lock()
		defer mu.Unlock()
		stopped = true
		timer.Stop()
	}
}

// deadLetter publishes m to the dead-letter subject and terminates it. If
// the publish fails, the message is left to come back after AckWait, so
// nothing is lost.
func (t *Transport) deadLetter(ctx context.Context, m jetstream.Msg, md *jetstream.MsgMetadata, reason string, onErr func(error)) {
	// The source's token is the last of the subject, valid even when the
	// message is not.
	src := m.Subject()
	if i := strings.LastIndexByte(src, '.'); i >= 0 {
		src = src[i+1:]
	}
	dm := &nats.Msg{Subject: t.cfg.Prefix + ".dead." + src, Data: m.Data(), Header: nats.Header{}}
	dm.Header.Set(HeaderReason, reason)
	dm.Header.Set(HeaderSubject, m.Subject())
	dm.Header.Set(HeaderStreamSeq, strconv.FormatUint(md.Sequence.Stream, 10))
	dm.Header.Set(HeaderDeliveries, strconv.FormatUint(md.NumDelivered, 10))
	id := t.cfg.Stream + "/" + strconv.FormatUint(md.Sequence.Stream, 10)
	if _, err := t.js.PublishMsg(ctx, dm, jetstream.WithMsgID(id)); err != nil {
		onErr(fmt.Errorf("transport/jetstream: dead letter: %w", err))
		return
	}
	if err := m.TermWithReason(reason); err != nil {
		onErr(fmt.Errorf("transport/jetstream: term: %w", err))
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
