package replay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/listen"
)

// DefaultBatchSize is the most posts one Fetch returns unless
// [WithBatchSize] says otherwise.
const DefaultBatchSize = 100

// A Clock tells the time and waits. Tests replace the wall clock with one
// whose Sleep advances its Now at once.
type Clock interface {
	Now() time.Time
	// Sleep waits for d, or until ctx is done, when it returns ctx.Err().
	Sleep(ctx context.Context, d time.Duration) error
}

// wallClock is the real clock.
type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }

func (wallClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// An Option configures a [Source].
type Option func(*config)

type config struct {
	name    string
	batch   int
	speed   float64
	clock   Clock
	onError func(error)
}

// WithName sets the source's name, its checkpoint key. The default is
// "replay".
func WithName(name string) Option { return func(c *config) { c.name = name } }

// WithBatchSize sets the most posts one Fetch returns; n < 1 means
// [DefaultBatchSize].
func WithBatchSize(n int) Option { return func(c *config) { c.batch = n } }

// WithSpeed replays on a virtual clock running factor times faster than
// real time (1 is real time, 1440 a day per minute). A factor <= 0 replays
// as fast as possible, the default.
func WithSpeed(factor float64) Option { return func(c *config) { c.speed = factor } }

// WithClock sets the clock of the virtual-clock mode; the default is the
// wall clock.
func WithClock(c Clock) Option { return func(cfg *config) { cfg.clock = c } }

// WithOnError makes the JSONL readers call f with the *hark.LineError of
// each malformed line, as it is read.
func WithOnError(f func(error)) Option { return func(c *config) { c.onError = f } }

// ErrCursor reports a cursor that does not belong to the replay. It is
// permanent: errors.Is(err, listen.ErrPermanent) holds.
var ErrCursor = fmt.Errorf("replay: cursor does not match the input: %w", listen.ErrPermanent)

// A Source replays a fixed list of posts. It implements [listen.Source]
// and [listen.Describer]. Fetch must not be called concurrently, as the
// Source contract says; the other methods may be called at any time.
type Source struct {
	cfg    config
	posts  []hark.Post // in replay order
	times  []time.Time // effective time of each post
	errs   []error
	caps   listen.Capabilities
	mu     sync.Mutex
	origin time.Time // virtual time at wall start
	start  time.Time // wall time the virtual clock started; zero before the first Fetch
}

// New returns a Source replaying a copy of posts.
func New(posts []hark.Post, opts ...Option) *Source {
	s := &Source{cfg: config{name: "replay", batch: DefaultBatchSize, clock: wallClock{}}}
	for _, o := range opts {
		o(&s.cfg)
	}
	if s.cfg.batch < 1 {
		s.cfg.batch = DefaultBatchSize
	}
	if s.cfg.clock == nil {
		s.cfg.clock = wallClock{}
	}
	s.setPosts(posts)
	return s
}

// setPosts orders a copy of posts in time and notes what they carry.
func (s *Source) setPosts(posts []hark.Post) {
	type item struct {
		p hark.Post
		t time.Time
	}
	items := make([]item, len(posts))
	// Posts before the first with a Created go with that first one.
	var last time.Time
	if i := slices.IndexFunc(posts, func(p hark.Post) bool { return !p.Created.IsZero() }); i >= 0 {
		last = posts[i].Created
	}
	for i, p := range posts {
		if !p.Created.IsZero() {
			last = p.Created
		}
		items[i] = item{p: clonePost(p), t: last}
	}
	slices.SortStableFunc(items, func(a, b item) int { return a.t.Compare(b.t) })
	s.posts = make([]hark.Post, len(items))
	s.times = make([]time.Time, len(items))
	for i, it := range items {
		s.posts[i], s.times[i] = it.p, it.t
		p := &s.posts[i]
		s.caps.AuthorMetrics = s.caps.AuthorMetrics || p.Author.Followers > 0 || p.Author.Following > 0 || p.Author.Posts > 0
		m := p.Metrics
		s.caps.Engagement = s.caps.Engagement || m.Likes > 0 || m.Reposts > 0 || m.Replies > 0 || m.Quotes > 0 || m.Views > 0
		s.caps.Replies = s.caps.Replies || p.ParentID != "" || p.ThreadID != ""
	}
	s.caps.Backfill = true
}

// FromReader returns a Source replaying the JSONL posts read from r, all
// of which it reads now. Malformed lines are skipped and reported (see
// [WithOnError] and [Source.Errors]); the error is r's, if reading failed.
func FromReader(r io.Reader, opts ...Option) (*Source, error) {
	s := New(nil, opts...)
	jr := hark.NewReader(r)
	var posts []hark.Post
	for {
		p, err := jr.Read()
		if err == io.EOF {
			break
		}
		var le *hark.LineError
		if errors.As(err, &le) {
			s.errs = append(s.errs, le)
			if s.cfg.onError != nil {
				s.cfg.onError(le)
			}
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("replay: read line %d: %w", jr.Line()+1, err)
		}
		posts = append(posts, p)
	}
	s.setPosts(posts)
	return s, nil
}

// Open returns a Source replaying the JSONL file at path, as [FromReader].
// Unless [WithName] says otherwise, the source is named "replay:" and the
// path.
func Open(path string, opts ...Option) (*Source, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	defer f.Close()
	return FromReader(f, append([]Option{WithName("replay:" + path)}, opts...)...)
}

// Name implements [listen.Source].
func (s *Source) Name() string { return s.cfg.name }

// Capabilities implements [listen.Describer]: what the replayed posts
// carry. Backfill is always true: a replay is a recording.
func (s *Source) Capabilities() listen.Capabilities { return s.caps }

// Len returns the number of posts the source replays.
func (s *Source) Len() int { return len(s.posts) }

// Errors returns the *hark.LineError of each malformed line skipped when
// the JSONL was read, in order.
func (s *Source) Errors() []error { return slices.Clone(s.errs) }

// Fetch implements [listen.Source]. It returns the posts after cursor: the
// next batch, or on the virtual clock the posts now due (blocking until at
// least one is). The batch that reaches the end has Done set; so has any
// later one, with no posts. The virtual clock starts at the Source's first
// Fetch and runs on from there: fetching again from an earlier cursor finds
// those posts already due.
func (s *Source) Fetch(ctx context.Context, cursor string) (listen.Batch, error) {
	if err := ctx.Err(); err != nil {
		return listen.Batch{}, err
	}
	i, err := s.position(cursor)
	if err != nil {
		return listen.Batch{}, err
	}
	if i == len(s.posts) {
		return listen.Batch{Cursor: cursor, Done: true}, nil
	}
	j := min(i+s.cfg.batch, len(s.posts))
	if s.cfg.speed > 0 {
		if j, err = s.due(ctx, i, j); err != nil {
			return listen.Batch{}, err
		}
	}
	out := make([]hark.Post, j-i)
	for k := range out {
		out[k] = clonePost(s.posts[i+k])
	}
	return listen.Batch{Posts: out, Cursor: s.cursor(j), Done: j == len(s.posts)}, nil
}

// due waits until post i is due on the virtual clock and returns the end
// (at most j) of the run of posts due then.
func (s *Source) due(ctx context.Context, i, j int) (int, error) {
	for {
		now := s.virtualNow(i)
		if !s.times[i].After(now) {
			k := i + 1
			for k < j && !s.times[k].After(now) {
				k++
			}
			return k, nil
		}
		wait := time.Duration(float64(s.times[i].Sub(now)) / s.cfg.speed)
		if err := s.cfg.clock.Sleep(ctx, max(wait, time.Nanosecond)); err != nil {
			return 0, err
		}
	}
}

// virtualNow returns the replay's virtual time, starting the virtual clock
// on first use: at the first post's time, or when resuming at position i,
// at the time of the post before it.
func (s *Source) virtualNow(i int) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	wall := s.cfg.clock.Now()
	if s.start.IsZero() {
		s.start = wall
		s.origin = s.times[max(i-1, 0)]
	}
	return s.origin.Add(time.Duration(float64(wall.Sub(s.start)) * s.cfg.speed))
}

// cursor returns the cursor after the first n posts.
func (s *Source) cursor(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n) + ":" + s.posts[n-1].ID
}

// position parses a cursor into the number of posts delivered.
func (s *Source) position(cursor string) (int, error) {
	if cursor == "" {
		return 0, nil
	}
	n, id, ok := strings.Cut(cursor, ":")
	i, err := strconv.Atoi(n)
	if !ok || err != nil || i < 1 || i > len(s.posts) || s.posts[i-1].ID != id {
		return 0, fmt.Errorf("%w: %q", ErrCursor, cursor)
	}
	return i, nil
}

// clonePost copies p with its own Mentions and Tags.
func clonePost(p hark.Post) hark.Post {
	p.Mentions = slices.Clone(p.Mentions)
	p.Tags = slices.Clone(p.Tags)
	return p
}

var (
	_ listen.Source    = (*Source)(nil)
	_ listen.Describer = (*Source)(nil)
)
