package state

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/harkhq/hark/listen"
)

// seenParallel bounds the KV calls one Contains or Remember makes at once:
// on a networked KV each is a round trip.
const seenParallel = 8

// StreamStore returns s as a [listen.SeenStore] for listen.WithSeenStore:
// the posts a stream delivered are remembered for ttl (0: until forgotten
// otherwise) under the keys "<ns>.<source>.<id>", so that the stream's
// dedupe survives restarts and is shared by every process on the same KV.
func (s *KVSeen) StreamStore(ttl time.Duration) listen.SeenStore {
	return &seenStore{s: s, ttl: ttl}
}

type seenStore struct {
	s   *KVSeen
	ttl time.Duration
}

// Contains implements listen.SeenStore.
func (st *seenStore) Contains(ctx context.Context, source string, ids []string) ([]bool, error) {
	out := make([]bool, len(ids))
	err := each(ctx, len(ids), func(i int) error {
		_, err := st.s.kv.Get(ctx, Key(st.s.ns, source, ids[i]))
		switch {
		case err == nil:
			out[i] = true
		case !errors.Is(err, ErrNotFound):
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Remember implements listen.SeenStore.
func (st *seenStore) Remember(ctx context.Context, source string, ids []string) error {
	return each(ctx, len(ids), func(i int) error {
		_, err := st.s.kv.Create(ctx, Key(st.s.ns, source, ids[i]), nil, st.ttl)
		if errors.Is(err, ErrExists) {
			return nil
		}
		return err
	})
}

// each calls f for 0..n-1, at most seenParallel at once, and returns the
// errors joined.
func each(ctx context.Context, n int, f func(i int) error) error {
	if n <= 1 {
		if n == 1 {
			return f(0)
		}
		return nil
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
		next = make(chan int)
	)
	for range min(n, seenParallel) {
		wg.Go(func() {
			for i := range next {
				if err := f(i); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		})
	}
	for i := range n {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if len(errs) == 0 && ctx.Err() != nil {
		return ctx.Err()
	}
	return errors.Join(errs...)
}
