package state

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/harkhq/hark/listen"
)

// ErrCheckpointMoved is returned by [Checkpoints.Save] when the stored
// cursor was changed by someone else since this Checkpoints last loaded or
// saved it: another ingester polls the same source. The cursor is not
// saved; the ingester should stop polling the source.
var ErrCheckpointMoved = errors.New("state: checkpoint moved by another writer")

// Checkpoints is a [listen.Checkpoints] on a [KV], under the keys
// "<ns>.<source>". Saves are compare-and-set: after Load or Save, a Save
// succeeds only if nobody else wrote the source's cursor in between, and
// fails with [ErrCheckpointMoved] otherwise. This fences an ingester that
// lost its lease on a source (see [Lease]) from rewinding the cursor of the
// one that took over. A Save of a source not loaded before is
// unconditional. Safe for concurrent use.
type Checkpoints struct {
	kv KV
	ns string

	mu   sync.Mutex
	revs map[string]uint64
}

var _ listen.Checkpoints = (*Checkpoints)(nil)

// NewCheckpoints returns checkpoints kept in kv under namespace ns
// ("checkpoint" if empty).
func NewCheckpoints(kv KV, ns string) *Checkpoints {
	if ns == "" {
		ns = "checkpoint"
	}
	return &Checkpoints{kv: kv, ns: ns, revs: make(map[string]uint64)}
}

// Load implements [listen.Checkpoints].
func (c *Checkpoints) Load(ctx context.Context, source string) (string, error) {
	e, err := c.kv.Get(ctx, Key(c.ns, source))
	if errors.Is(err, ErrNotFound) {
		c.setRev(source, 0)
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("state: load checkpoint of %s: %w", source, err)
	}
	c.setRev(source, e.Revision)
	return string(e.Value), nil
}

// Save implements [listen.Checkpoints].
func (c *Checkpoints) Save(ctx context.Context, source, cursor string) error {
	key := Key(c.ns, source)
	c.mu.Lock()
	rev, known := c.revs[source]
	c.mu.Unlock()
	var err error
	switch {
	case !known:
		rev, err = c.kv.Put(ctx, key, []byte(cursor), 0)
	case rev == 0:
		rev, err = c.kv.Create(ctx, key, []byte(cursor), 0)
	default:
		rev, err = c.kv.Update(ctx, key, []byte(cursor), rev, 0)
	}
	if errors.Is(err, ErrExists) || errors.Is(err, ErrConflict) {
		return fmt.Errorf("%w: %s", ErrCheckpointMoved, source)
	}
	if err != nil {
		return fmt.Errorf("state: save checkpoint of %s: %w", source, err)
	}
	c.setRev(source, rev)
	return nil
}

func (c *Checkpoints) setRev(source string, rev uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.revs[source] = rev
}
