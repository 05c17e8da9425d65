package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/harkhq/hark/state"
)

var bucketName = []byte("hark.kv")

// A Store is a [state.KV] kept in one bbolt file. It is safe for
// concurrent use. Revisions are a counter of the whole store, so they grow
// across keys and never repeat, even after a key is deleted.
type Store struct {
	db      *bbolt.DB
	now     func() time.Time
	writers atomic.Int32 // writes under way
}

var _ state.KV = (*Store)(nil)

// An Option configures [Open].
type Option func(*config)

type config struct {
	now     func() time.Time
	timeout time.Duration
	noSync  bool
	delay   time.Duration
}

// WithClock sets the clock expiry is measured with (time.Now by default).
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithLockTimeout sets how long Open waits for another process to let go
// of the file (5s by default).
func WithLockTimeout(d time.Duration) Option { return func(c *config) { c.timeout = d } }

// WithBatchDelay sets how long a write that arrives while others are
// under way waits for more to share its transaction and disk sync (1ms by
// default). Longer waits raise the throughput of many concurrent writers
// and the latency of each of their writes; a write alone never waits.
func WithBatchDelay(d time.Duration) Option { return func(c *config) { c.delay = max(d, 0) } }

// WithNoSync skips the disk sync after each commit: much faster, but a
// power loss (not a process crash) may lose recent writes or corrupt the
// file. For tests and throwaway state only.
func WithNoSync() Option { return func(c *config) { c.noSync = true } }

// Open opens (creating it if needed, mode 0600) the store in the file at
// path.
func Open(path string, opts ...Option) (*Store, error) {
	c := config{now: time.Now, timeout: 5 * time.Second, delay: time.Millisecond}
	for _, o := range opts {
		o(&c)
	}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: c.timeout, NoSync: c.noSync})
	if err != nil {
		return nil, fmt.Errorf("state/bolt: open %s: %w", path, err)
	}
	db.MaxBatchDelay = c.delay
	if err := db.Update(func(tx *bbolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucketName)
		return err
	}); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("state/bolt: open %s: %w", path, err)
	}
	return &Store{db: db, now: c.now}, nil
}

// Close closes the file. It waits for running transactions.
func (s *Store) Close() error { return s.db.Close() }

// Path returns the file's path.
func (s *Store) Path() string { return s.db.Path() }

// A stored value is its revision (8 bytes), its expiry in Unix nanoseconds
// (8 bytes, 0 for none) and the value.
const header = 16

func encode(rev uint64, expires int64, value []byte) []byte {
	b := make([]byte, header+len(value))
	binary.BigEndian.PutUint64(b, rev)
	binary.BigEndian.PutUint64(b[8:], uint64(expires))
	copy(b[header:], value)
	return b
}

type stored struct {
	rev     uint64
	expires int64
	value   []byte // aliases the page: copy before the transaction ends
}

func decode(b []byte) (stored, error) {
	if len(b) < header {
		return stored{}, errors.New("state/bolt: corrupt value")
	}
	return stored{rev: binary.BigEndian.Uint64(b), expires: int64(binary.BigEndian.Uint64(b[8:])), value: b[header:]}, nil
}

// live returns the live value of key in b at now.
func live(b *bbolt.Bucket, key []byte, now int64) (stored, bool, error) {
	raw := b.Get(key)
	if raw == nil {
		return stored{}, false, nil
	}
	v, err := decode(raw)
	if err != nil {
		return stored{}, false, fmt.Errorf("%w: key %s", err, key)
	}
	if v.expires != 0 && now >= v.expires {
		return stored{}, false, nil
	}
	return v, true, nil
}

func (s *Store) check(ctx context.Context, key string) error {
	if !state.ValidKey(key) {
		return fmt.Errorf("%w: %q", state.ErrInvalidKey, key)
	}
	return ctx.Err()
}

// Get implements [state.KV].
func (s *Store) Get(ctx context.Context, key string) (state.Entry, error) {
	if err := s.check(ctx, key); err != nil {
		return state.Entry{}, err
	}
	var e state.Entry
	err := s.db.View(func(tx *bbolt.Tx) error {
		v, ok, err := live(tx.Bucket(bucketName), []byte(key), s.now().UnixNano())
		if err != nil {
			return err
		}
		if !ok {
			return state.ErrNotFound
		}
		e = state.Entry{Key: key, Value: slices.Clone(v.value), Revision: v.rev}
		if e.Value == nil {
			e.Value = []byte{}
		}
		return nil
	})
	return e, err
}

// update runs fn in a write transaction: at once when it is the only write
// under way, or else in a batch shared with the other writes that arrive
// within the batch delay, which then share one commit and one disk sync.
// fn may run more than once (bbolt runs it alone again if its batch
// fails).
func (s *Store) update(fn func(*bbolt.Tx) error) error {
	n := s.writers.Add(1)
	defer s.writers.Add(-1)
	if n == 1 {
		return s.db.Update(fn)
	}
	return s.db.Batch(fn)
}

// write runs a read-check-write of one key in a (batched) transaction.
// check returns an error to refuse the write.
func (s *Store) write(ctx context.Context, key string, value []byte, ttl time.Duration,
	check func(cur stored, ok bool) error) (uint64, error) {
	if err := s.check(ctx, key); err != nil {
		return 0, err
	}
	var rev uint64
	err := s.update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketName)
		now := s.now()
		cur, ok, err := live(b, []byte(key), now.UnixNano())
		if err != nil {
			return err
		}
		if err := check(cur, ok); err != nil {
			return err
		}
		r, err := b.NextSequence()
		if err != nil {
			return err
		}
		var exp int64
		if ttl > 0 {
			exp = now.Add(ttl).UnixNano()
		}
		if err := b.Put([]byte(key), encode(r, exp, value)); err != nil {
			return err
		}
		rev = r
		return nil
	})
	return rev, err
}

// Create implements [state.KV].
func (s *Store) Create(ctx context.Context, key string, value []byte, ttl time.Duration) (uint64, error) {
	return s.write(ctx, key, value, ttl, func(_ stored, ok bool) error {
		if ok {
			return state.ErrExists
		}
		return nil
	})
}

// Update implements [state.KV].
func (s *Store) Update(ctx context.Context, key string, value []byte, rev uint64, ttl time.Duration) (uint64, error) {
	return s.write(ctx, key, value, ttl, func(cur stored, ok bool) error {
		if !ok || cur.rev != rev {
			return state.ErrConflict
		}
		return nil
	})
}

// Put implements [state.KV].
func (s *Store) Put(ctx context.Context, key string, value []byte, ttl time.Duration) (uint64, error) {
	return s.write(ctx, key, value, ttl, func(stored, bool) error { return nil })
}

// Delete implements [state.KV].
func (s *Store) Delete(ctx context.Context, key string, rev uint64) error {
	if err := s.check(ctx, key); err != nil {
		return err
	}
	return s.update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketName)
		cur, ok, err := live(b, []byte(key), s.now().UnixNano())
		if err != nil {
			return err
		}
		if rev != 0 && (!ok || cur.rev != rev) {
			return state.ErrConflict
		}
		return b.Delete([]byte(key))
	})
}

// Keys implements [state.KV].
func (s *Store) Keys(ctx context.Context, prefix string) ([]string, error) {
	if !state.ValidPrefix(prefix) {
		return nil, fmt.Errorf("%w: prefix %q", state.ErrInvalidKey, prefix)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []string
	err := s.db.View(func(tx *bbolt.Tx) error {
		now := s.now().UnixNano()
		c := tx.Bucket(bucketName).Cursor()
		p := []byte(prefix)
		for k, raw := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, raw = c.Next() {
			v, err := decode(raw)
			if err != nil {
				return fmt.Errorf("%w: key %s", err, k)
			}
			if v.expires == 0 || now < v.expires {
				out = append(out, string(k))
			}
		}
		return nil
	})
	return out, err
}

// Check verifies the file's consistency (every page reachable once, no
// page both free and used, keys in order) and that every stored value is
// well formed. It returns the problems found, joined, or nil.
func (s *Store) Check(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.View(func(tx *bbolt.Tx) error {
		var errs []error
		for err := range tx.Check() {
			errs = append(errs, err)
		}
		b := tx.Bucket(bucketName)
		if b == nil {
			return errors.Join(append(errs, errors.New("state/bolt: bucket missing"))...)
		}
		_ = b.ForEach(func(k, v []byte) error {
			if _, err := decode(v); err != nil {
				errs = append(errs, fmt.Errorf("%w: key %s", err, k))
			} else if !state.ValidKey(string(k)) {
				errs = append(errs, fmt.Errorf("state/bolt: invalid key %q", k))
			}
			return nil
		})
		return errors.Join(errs...)
	})
}

// Sweep deletes the values that have expired and returns how many it
// deleted. Expired values are invisible without it; Sweep gives their
// space back. Call it now and then (every few minutes) in a long-running
// process.
func (s *Store) Sweep(ctx context.Context) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	n := 0
	err := s.db.Update(func(tx *bbolt.Tx) error {
		n = 0
		now := s.now().UnixNano()
		c := tx.Bucket(bucketName).Cursor()
		for k, raw := c.First(); k != nil; {
			v, err := decode(raw)
			if err == nil && v.expires != 0 && now >= v.expires {
				if err := c.Delete(); err != nil {
					return err
				}
				n++
				k, raw = c.Seek(k)
				continue
			}
			k, raw = c.Next()
		}
		return nil
	})
	return n, err
}

// SweepEvery calls Sweep every interval until ctx ends, and returns ctx's
// error then, or the first error of Sweep. Run it in a goroutine of a
// long-running process.
func (s *Store) SweepEvery(ctx context.Context, interval time.Duration) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			if _, err := s.Sweep(ctx); err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				return err
			}
		}
	}
}
