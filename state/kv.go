package state

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// Errors of a [KV].
var (
	// ErrNotFound: the key has no live value (never written, deleted, or
	// expired).
	ErrNotFound = errors.New("state: key not found")
	// ErrExists: Create found a live value under the key.
	ErrExists = errors.New("state: key exists")
	// ErrConflict: Update or Delete expected a revision the key does not
	// have (it was written since, deleted, or expired).
	ErrConflict = errors.New("state: revision conflict")
	// ErrInvalidKey: the key is not a valid key (see [ValidKey]).
	ErrInvalidKey = errors.New("state: invalid key")
)

// An Entry is the live value of a key and its revision.
type Entry struct {
	Key   string
	Value []byte
	// Revision changes on every write of the key and never goes back; it
	// is what Update and Delete compare against. Revisions are positive.
	Revision uint64
}

// A KV is a small key-value store with revisions and expiry: the one
// abstraction every durable feature of Hark (checkpoints, dedupe, the reply
// ledger, conversation claims, SLA timers, author profiles, leases) is
// built on by the adapters of this package. Implementations are [Memory],
// the on-disk store of package state/bolt, and the NATS JetStream
// key-value store of package state/natskv; package state/statetest checks
// any of them against this contract.
//
// Writes are atomic per key: Create and Update are compare-and-set, so two
// processes racing on one key see exactly one of them win. A ttl greater
// than zero makes the written value expire about ttl after the write
// (JetStream rounds it up to whole seconds, and counts from the server's
// clock); an expired value is as if deleted. A ttl of zero keeps the value
// until it is overwritten or deleted. Expiry is for bounding storage and
// for dedupe windows; leases keep their own expiry in their values and
// compare it with the caller's clock, so they do not depend on it.
//
// Keys are made of the characters a-z A-Z 0-9 - _ / = and dots, and do not
// begin or end with a dot or hold two dots in a row (see [ValidKey] and
// [KeyPart] to build keys from arbitrary strings). Implementations must be
// safe for concurrent use.
type KV interface {
	// Get returns the live value of key, or ErrNotFound.
	Get(ctx context.Context, key string) (Entry, error)
	// Create writes value under key if the key has no live value, and
	// returns the new revision; otherwise it fails with ErrExists.
	Create(ctx context.Context, key string, value []byte, ttl time.Duration) (uint64, error)
	// Update writes value under key if the key's live value has revision
	// rev, and returns the new revision; otherwise it fails with
	// ErrConflict.
	Update(ctx context.Context, key string, value []byte, rev uint64, ttl time.Duration) (uint64, error)
	// Put writes value under key whatever is there, and returns the new
	// revision.
	Put(ctx context.Context, key string, value []byte, ttl time.Duration) (uint64, error)
	// Delete removes key. With rev 0 it always succeeds, deleting a missing
	// key included; with rev > 0 it deletes only if the live value has
	// revision rev, and fails with ErrConflict otherwise.
	Delete(ctx context.Context, key string, rev uint64) error
	// Keys returns the keys with a live value that begin with prefix, in
	// byte order. prefix is "" (every key) or ends with a dot.
	Keys(ctx context.Context, prefix string) ([]string, error)
}

// ValidKey reports whether k is a valid [KV] key.
func ValidKey(k string) bool {
	if k == "" || k[0] == '.' || k[len(k)-1] == '.' || strings.Contains(k, "..") {
		return false
	}
	for i := 0; i < len(k); i++ {
		if !keyByte(k[i]) && k[i] != '.' {
			return false
		}
	}
	return true
}

// ValidPrefix reports whether p is a valid prefix for [KV.Keys]: "" or a
// valid key followed by a dot.
func ValidPrefix(p string) bool {
	return p == "" || strings.HasSuffix(p, ".") && ValidKey(p[:len(p)-1])
}

func keyByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '/' || c == '='
}

// Memory is a [KV] held in memory, for tests and for a process that needs
// no durability. Expiry is measured with the clock given to [NewMemory].
type Memory struct {
	mu  sync.Mutex
	now func() time.Time
	rev uint64
	m   map[string]memEntry
}

type memEntry struct {
	value   []byte
	rev     uint64
	expires time.Time // zero: never
}

// NewMemory returns an empty Memory whose expiry reads the clock now
// (time.Now if nil).
func NewMemory(now func() time.Time) *Memory {
	if now == nil {
		now = time.Now
	}
	return &Memory{now: now, m: make(map[string]memEntry)}
}

func (s *Memory) live(key string) (memEntry, bool) {
	e, ok := s.m[key]
	if !ok {
		return e, false
	}
	if !e.expires.IsZero() && !s.now().Before(e.expires) {
		delete(s.m, key)
		return e, false
	}
	return e, true
}

func (s *Memory) write(key string, value []byte, ttl time.Duration) uint64 {
	s.rev++
	e := memEntry{value: slices.Clone(value), rev: s.rev}
	if ttl > 0 {
		e.expires = s.now().Add(ttl)
	}
	s.m[key] = e
	return s.rev
}

func checkKey(key string) error {
	if !ValidKey(key) {
		return fmt.Errorf("%w: %q", ErrInvalidKey, key)
	}
	return nil
}

// Get implements [KV].
func (s *Memory) Get(ctx context.Context, key string) (Entry, error) {
	if err := checkKey(key); err != nil {
		return Entry{}, err
	}
	if err := ctx.Err(); err != nil {
		return Entry{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.live(key)
	if !ok {
		return Entry{}, ErrNotFound
	}
	return Entry{Key: key, Value: slices.Clone(e.value), Revision: e.rev}, nil
}

// Create implements [KV].
func (s *Memory) Create(ctx context.Context, key string, value []byte, ttl time.Duration) (uint64, error) {
	if err := checkKey(key); err != nil {
		return 0, err
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.live(key); ok {
		return 0, ErrExists
	}
	return s.write(key, value, ttl), nil
}

// Update implements [KV].
func (s *Memory) Update(ctx context.Context, key string, value []byte, rev uint64, ttl time.Duration) (uint64, error) {
	if err := checkKey(key); err != nil {
		return 0, err
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.live(key); !ok || e.rev != rev {
		return 0, ErrConflict
	}
	return s.write(key, value, ttl), nil
}

// Put implements [KV].
func (s *Memory) Put(ctx context.Context, key string, value []byte, ttl time.Duration) (uint64, error) {
	if err := checkKey(key); err != nil {
		return 0, err
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.write(key, value, ttl), nil
}

// Delete implements [KV].
func (s *Memory) Delete(ctx context.Context, key string, rev uint64) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.live(key)
	if rev != 0 && (!ok || e.rev != rev) {
		return ErrConflict
	}
	delete(s.m, key)
	return nil
}

// Keys implements [KV].
func (s *Memory) Keys(ctx context.Context, prefix string) ([]string, error) {
	if !ValidPrefix(prefix) {
		return nil, fmt.Errorf("%w: prefix %q", ErrInvalidKey, prefix)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for k := range s.m {
		if strings.HasPrefix(k, prefix) {
			if _, ok := s.live(k); ok {
				out = append(out, k)
			}
		}
	}
	slices.Sort(out)
	return out, nil
}
