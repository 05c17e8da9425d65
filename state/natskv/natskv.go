package natskv

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/harkhq/hark/state"
)

// A Store is a [state.KV] on one JetStream key-value bucket. It is safe for
// concurrent use; many processes may share one bucket.
type Store struct {
	js     jetstream.JetStream
	kv     jetstream.KeyValue
	prefix string // the subject prefix of the bucket's keys, "$KV.<bucket>."
}

var _ state.KV = (*Store)(nil)

// A Config says which bucket to use and how to create it.
type Config struct {
	// Bucket is the bucket's name ("hark" if empty).
	Bucket string
	// Replicas is how many servers keep each value (1 if 0); use 3 on a
	// cluster so losing a server loses nothing.
	Replicas int
	// Memory keeps the bucket in memory rather than on disk (tests).
	Memory bool
	// MarkerTTL is how long the server keeps the marker of a value removed
	// by its TTL (1m if 0).
	MarkerTTL time.Duration
}

// Open returns the store on the bucket named in cfg, creating the bucket
// (or updating its configuration) if needed.
func Open(ctx context.Context, js jetstream.JetStream, cfg Config) (*Store, error) {
	if cfg.Bucket == "" {
		cfg.Bucket = "hark"
	}
	if cfg.Replicas <= 0 {
		cfg.Replicas = 1
	}
	if cfg.MarkerTTL <= 0 {
		cfg.MarkerTTL = time.Minute
	}
	storage := jetstream.FileStorage
	if cfg.Memory {
		storage = jetstream.MemoryStorage
	}
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:         cfg.Bucket,
		Description:    "Hark durable state",
		History:        1,
		Storage:        storage,
		Replicas:       cfg.Replicas,
		LimitMarkerTTL: cfg.MarkerTTL,
	})
	if err != nil {
		return nil, fmt.Errorf("state/natskv: bucket %s: %w", cfg.Bucket, err)
	}
	return &Store{js: js, kv: kv, prefix: "$KV." + cfg.Bucket + "."}, nil
}

// Bucket returns the underlying bucket.
func (s *Store) Bucket() jetstream.KeyValue { return s.kv }

func check(key string) error {
	if !state.ValidKey(key) {
		return fmt.Errorf("%w: %q", state.ErrInvalidKey, key)
	}
	return nil
}

// msgTTL rounds a TTL up to whole seconds, the server's unit.
func msgTTL(d time.Duration) time.Duration {
	return max(time.Second, (d+time.Second-1)/time.Second*time.Second)
}

func wrongLastSeq(err error) bool {
	var apiErr *jetstream.APIError
	return errors.Is(err, jetstream.ErrKeyRevisionMismatch) || errors.As(err, &apiErr) &&
		(apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
			apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant)
}

// Get implements [state.KV].
func (s *Store) Get(ctx context.Context, key string) (state.Entry, error) {
	if err := check(key); err != nil {
		return state.Entry{}, err
	}
	e, err := s.kv.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted) {
		return state.Entry{}, state.ErrNotFound
	}
	if err != nil {
		return state.Entry{}, err
	}
	v := e.Value()
	if v == nil {
		v = []byte{}
	}
	return state.Entry{Key: key, Value: v, Revision: e.Revision()}, nil
}

// Create implements [state.KV].
func (s *Store) Create(ctx context.Context, key string, value []byte, ttl time.Duration) (uint64, error) {
	if err := check(key); err != nil {
		return 0, err
	}
	var opts []jetstream.KVCreateOpt
	if ttl > 0 {
		opts = append(opts, jetstream.KeyTTL(msgTTL(ttl)))
	}
	rev, err := s.kv.Create(ctx, key, value, opts...)
	if errors.Is(err, jetstream.ErrKeyExists) || wrongLastSeq(err) {
		return 0, state.ErrExists
	}
	return rev, err
}

// publish writes a value with a TTL, which the bucket's Update and Put do
// not offer, straight to the key's subject, as they do.
func (s *Store) publish(ctx context.Context, key string, value []byte, ttl time.Duration, opts ...jetstream.PublishOpt) (uint64, error) {
	m := &nats.Msg{Subject: s.prefix + key, Data: value, Header: nats.Header{}}
	if ttl > 0 {
		opts = append(opts, jetstream.WithMsgTTL(msgTTL(ttl)))
	}
	ack, err := s.js.PublishMsg(ctx, m, opts...)
	if err != nil {
		return 0, err
	}
	return ack.Sequence, nil
}

// Update implements [state.KV].
func (s *Store) Update(ctx context.Context, key string, value []byte, rev uint64, ttl time.Duration) (uint64, error) {
	if err := check(key); err != nil {
		return 0, err
	}
	if rev == 0 {
		return 0, state.ErrConflict // 0 would mean "no value" to the server
	}
	var r uint64
	var err error
	if ttl > 0 {
		r, err = s.publish(ctx, key, value, ttl, jetstream.WithExpectLastSequencePerSubject(rev))
	} else {
		r, err = s.kv.Update(ctx, key, value, rev)
	}
	if wrongLastSeq(err) {
		return 0, state.ErrConflict
	}
	if err != nil {
		return 0, err
	}
	return r, nil
}

// Put implements [state.KV].
func (s *Store) Put(ctx context.Context, key string, value []byte, ttl time.Duration) (uint64, error) {
	if err := check(key); err != nil {
		return 0, err
	}
	if ttl > 0 {
		return s.publish(ctx, key, value, ttl)
	}
	return s.kv.Put(ctx, key, value)
}

// Delete implements [state.KV].
func (s *Store) Delete(ctx context.Context, key string, rev uint64) error {
	if err := check(key); err != nil {
		return err
	}
	var opts []jetstream.KVDeleteOpt
	if rev > 0 {
		opts = append(opts, jetstream.LastRevision(rev))
	}
	err := s.kv.Delete(ctx, key, opts...)
	if wrongLastSeq(err) {
		return state.ErrConflict
	}
	return err
}

// Keys implements [state.KV].
func (s *Store) Keys(ctx context.Context, prefix string) ([]string, error) {
	if !state.ValidPrefix(prefix) {
		return nil, fmt.Errorf("%w: prefix %q", state.ErrInvalidKey, prefix)
	}
	var kl jetstream.KeyLister
	var err error
	if prefix == "" {
		kl, err = s.kv.ListKeys(ctx)
	} else {
		kl, err = s.kv.ListKeysFiltered(ctx, prefix+">")
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for k := range kl.Keys() {
		if strings.HasPrefix(k, prefix) {
			out = append(out, k)
		}
	}
	// The lister closes its channel and stops its watcher itself once it
	// has listed every key, or when ctx ends; Stop then only reports the
	// watcher gone, so what tells a partial listing is ctx.
	_ = kl.Stop()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	slices.Sort(out)
	return out, nil
}
