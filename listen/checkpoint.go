package listen

import (
	"context"
	"sync"
)

// Checkpoints keeps each source's cursor across restarts.
type Checkpoints interface {
	// Load returns the cursor saved for source, or "" if there is none.
	Load(ctx context.Context, source string) (string, error)
	// Save records cursor as source's position.
	Save(ctx context.Context, source, cursor string) error
}

// MemoryCheckpoints is a Checkpoints kept in memory, safe for concurrent
// use. Its zero value is ready to use. It forgets everything on exit.
type MemoryCheckpoints struct {
	mu sync.Mutex
	m  map[string]string
}

// Load implements [Checkpoints].
func (c *MemoryCheckpoints) Load(_ context.Context, source string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[source], nil
}

// Save implements [Checkpoints].
func (c *MemoryCheckpoints) Save(_ context.Context, source, cursor string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[string]string)
	}
	c.m[source] = cursor
	return nil
}
