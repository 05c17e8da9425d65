package respond

import (
	"context"
	"slices"
	"sync"
	"time"
)

// A DeadLetterEntry is a message a dispatcher could not deliver.
type DeadLetterEntry struct {
	Message Message
	// Notifier names the notifier, without secrets.
	Notifier string
	// Err is the last error, with secret URLs redacted.
	Err string
	// Attempts counts the calls made.
	Attempts int
	// Permanent reports the receiver refused the message for good (a retry
	// would fail the same way until someone fixes the cause).
	Permanent bool
	// At is when the message was dead-lettered.
	At time.Time
}

// A DeadLetter keeps the messages a dispatcher gave up on, for a person or
// a job to look at and send again. Since the dispatcher releases the
// ledger reservation of a dead-lettered message, dispatching its decision
// again retries it. Implementations must be safe for concurrent use.
type DeadLetter interface {
	Put(ctx context.Context, e DeadLetterEntry) error
}

// MemDeadLetter is an in-memory [DeadLetter]. Its zero value is ready to
// use.
type MemDeadLetter struct {
	mu sync.Mutex
	es []DeadLetterEntry
}

// Put implements [DeadLetter].
func (m *MemDeadLetter) Put(_ context.Context, e DeadLetterEntry) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.es = append(m.es, e)
	return nil
}

// Entries returns a copy of the entries, oldest first.
func (m *MemDeadLetter) Entries() []DeadLetterEntry {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.es)
}

// Len returns how many entries there are.
func (m *MemDeadLetter) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.es)
}
