package state

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/harkhq/hark/influence"
)

// Profiles is an [influence.ProfileStore] on a [KV], each profile under
// the key "<ns>.<author key>". influence.ProfileStore takes no context, so
// each call runs under a context bounded by the timeout given to
// [NewProfiles]. Writes are last-writer-wins, as the ProfileStore contract
// allows; give each author to one tracker (for instance by routing posts by
// author) when many workers share the store.
type Profiles struct {
	kv      KV
	ns      string
	timeout time.Duration
}

var _ influence.ProfileStore = (*Profiles)(nil)

// NewProfiles returns a profile store kept in kv under namespace ns
// ("author" if empty), each call bounded by timeout (10s if 0 or less).
func NewProfiles(kv KV, ns string, timeout time.Duration) *Profiles {
	if ns == "" {
		ns = "author"
	}
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	return &Profiles{kv: kv, ns: ns, timeout: timeout}
}

func (s *Profiles) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), s.timeout)
}

// Get implements [influence.ProfileStore].
func (s *Profiles) Get(key string) (influence.AuthorProfile, bool, error) {
	ctx, cancel := s.ctx()
	defer cancel()
	return s.get(ctx, Key(s.ns, key))
}

func (s *Profiles) get(ctx context.Context, k string) (influence.AuthorProfile, bool, error) {
	e, err := s.kv.Get(ctx, k)
	if errors.Is(err, ErrNotFound) {
		return influence.AuthorProfile{}, false, nil
	}
	if err != nil {
		return influence.AuthorProfile{}, false, err
	}
	var p influence.AuthorProfile
	if err := json.Unmarshal(e.Value, &p); err != nil {
		return influence.AuthorProfile{}, false, fmt.Errorf("state: profile %s: %w: %w", k, errUnreadable, err)
	}
	return p, true, nil
}

// Put implements [influence.ProfileStore].
func (s *Profiles) Put(p influence.AuthorProfile) error {
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	ctx, cancel := s.ctx()
	defer cancel()
	_, err = s.kv.Put(ctx, Key(s.ns, p.Key), b, 0)
	return err
}

// Delete implements [influence.ProfileStore].
func (s *Profiles) Delete(key string) error {
	ctx, cancel := s.ctx()
	defer cancel()
	return s.kv.Delete(ctx, Key(s.ns, key), 0)
}

// errUnreadable marks a stored profile that does not decode.
var errUnreadable = errors.New("unreadable")

// Range implements [influence.ProfileStore]. It visits profiles in the
// order of their keys. It reads every profile before calling fn, so fn may
// call the store's methods. A stored profile that does not decode is
// skipped and reported in the error, which names its key, once the others
// have been visited.
func (s *Profiles) Range(fn func(influence.AuthorProfile) bool) error {
	ctx, cancel := s.ctx()
	defer cancel()
	keys, err := s.kv.Keys(ctx, s.ns+".")
	if err != nil {
		return err
	}
	ps := make([]influence.AuthorProfile, 0, len(keys))
	var bad []error
	for _, k := range keys {
		p, ok, err := s.get(ctx, k)
		if errors.Is(err, errUnreadable) {
			// One unreadable profile must not hide all the others.
			bad = append(bad, err)
			continue
		}
		if err != nil {
			return err
		}
		if ok {
			ps = append(ps, p)
		}
	}
	cancel()
	slices.SortFunc(ps, func(a, b influence.AuthorProfile) int { return cmp.Compare(a.Key, b.Key) })
	for _, p := range ps {
		if !fn(p) {
			break
		}
	}
	return errors.Join(bad...)
}
