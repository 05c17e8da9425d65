package listentest

import (
	"context"
	"errors"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/listen"
)

// A Conformance describes an adapter to [RunConformance].
type Conformance struct {
	// New returns a fresh source reading recorded fixtures (a [Server],
	// a [WSServer], an inbox fed by the test). It is called once per
	// check; sources it returns must read the same fixtures.
	New func(t *testing.T) listen.Source
	// MinPosts is the fewest posts the fixtures yield; 0 means 1.
	MinPosts int
	// MaxFetches bounds the fetches used to drain the fixtures; 0 means 20.
	MaxFetches int
}

// RunConformance checks that the source c describes keeps the
// [listen.Source] contract, as subtests of t:
//
//   - name: the name is non-empty and the same for every instance;
//   - posts: draining the fixtures gives at least MinPosts posts, each with
//     an ID, a source, a creation time and valid UTF-8, no ID twice;
//   - resume: a fresh instance given the cursor of the first batch does not
//     serve that batch's posts again;
//   - capabilities: the source declares [listen.Capabilities], and what it
//     declares shows in the posts (author metrics, engagement, replies);
//   - cancel: Fetch under a cancelled context fails, with no posts;
//   - stream: [listen.Stream] with dedupe delivers each drained post once.
func RunConformance(t *testing.T, c Conformance) {
	t.Helper()
	minPosts := max(c.MinPosts, 1)
	maxFetches := c.MaxFetches
	if maxFetches <= 0 {
		maxFetches = 20
	}
	drain := func(t *testing.T, src listen.Source) ([]hark.Post, string) {
		var (
			all         []hark.Post
			cursor      string
			firstCursor string
		)
		for range maxFetches {
			b, err := src.Fetch(t.Context(), cursor)
			if err != nil {
				t.Fatalf("Fetch(%q): %v", cursor, err)
			}
			all = append(all, b.Posts...)
			if firstCursor == "" && len(b.Posts) > 0 {
				firstCursor = b.Cursor
			}
			cursor = b.Cursor
			if b.Done || len(b.Posts) == 0 {
				break
			}
		}
		return all, firstCursor
	}

	t.Run("name", func(t *testing.T) {
		a, b := c.New(t).Name(), c.New(t).Name()
		if a == "" {
			t.Fatal("Name() is empty")
		}
		if a != b {
			t.Errorf("Name() differs between instances: %q, %q", a, b)
		}
	})

	t.Run("posts", func(t *testing.T) {
		posts, _ := drain(t, c.New(t))
		if len(posts) < minPosts {
			t.Fatalf("got %d posts, want at least %d", len(posts), minPosts)
		}
		seen := map[string]bool{}
		for i, p := range posts {
			switch {
			case p.ID == "":
				t.Errorf("post %d has no ID", i)
			case seen[p.ID]:
				t.Errorf("post %q served twice", p.ID)
			}
			seen[p.ID] = true
			if p.Source == "" {
				t.Errorf("post %q has no source", p.ID)
			}
			if p.Created.IsZero() {
				t.Errorf("post %q has no creation time", p.ID)
			}
			if !utf8.ValidString(p.ID) || !utf8.ValidString(p.Text) {
				t.Errorf("post %q: invalid UTF-8", p.ID)
			}
		}
	})

	t.Run("resume", func(t *testing.T) {
		src := c.New(t)
		first, err := src.Fetch(t.Context(), "")
		if err != nil {
			t.Fatalf("Fetch: %v", err)
		}
		if len(first.Posts) == 0 {
			t.Fatal("first Fetch returned no posts")
		}
		if first.Cursor == "" {
			t.Fatal("a batch with posts returned the empty cursor")
		}
		ids := map[string]bool{}
		for _, p := range first.Posts {
			ids[p.ID] = true
		}
		again, err := c.New(t).Fetch(t.Context(), first.Cursor)
		if err != nil {
			t.Fatalf("Fetch(%q) on a fresh instance: %v", first.Cursor, err)
		}
		for _, p := range again.Posts {
			if ids[p.ID] {
				t.Errorf("post %q served again after its cursor", p.ID)
			}
		}
	})

	t.Run("capabilities", func(t *testing.T) {
		src := c.New(t)
		d, ok := src.(listen.Describer)
		if !ok {
			t.Fatal("source does not implement listen.Describer")
		}
		caps := d.Capabilities()
		posts, _ := drain(t, src)
		var metrics, engagement, replies bool
		for _, p := range posts {
			a := p.Author
			metrics = metrics || a.Followers > 0 || a.Following > 0 || a.Posts > 0
			m := p.Metrics
			engagement = engagement || m.Likes > 0 || m.Reposts > 0 || m.Replies > 0 || m.Quotes > 0 || m.Views > 0
			replies = replies || p.ParentID != "" || p.ThreadID != ""
		}
		if caps.AuthorMetrics && !metrics {
			t.Error("declares AuthorMetrics, but no post carries author counts")
		}
		if caps.Engagement && !engagement {
			t.Error("declares Engagement, but no post carries engagement")
		}
		if caps.Replies && !replies {
			t.Error("declares Replies, but no post carries a thread or parent")
		}
	})

	t.Run("cancel", func(t *testing.T) {
		src := c.New(t)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		b, err := src.Fetch(ctx, "")
		if err == nil {
			t.Fatal("Fetch under a cancelled context returned no error")
		}
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Fetch under a cancelled context: %v, want context.Canceled in its chain", err)
		}
		if len(b.Posts) != 0 {
			t.Errorf("Fetch under a cancelled context returned %d posts", len(b.Posts))
		}
	})

	t.Run("stream", func(t *testing.T) {
		want, _ := drain(t, c.New(t))
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		// The stream ends at the first empty batch or wait.
		stop := func(context.Context, time.Duration) error { cancel(); return context.Canceled }
		got := map[string]int{}
		fetches := 0
		for posts, err := range listen.Stream(ctx, drainOnce{c.New(t)},
			listen.WithDedupe(listen.NewDedupe(10000, 0)), listen.WithClock(nil, stop)) {
			if err != nil {
				t.Fatalf("Stream: %v", err)
			}
			for _, p := range posts {
				got[p.ID]++
			}
			if fetches++; fetches > maxFetches {
				break
			}
		}
		for _, p := range want {
			switch got[p.ID] {
			case 0:
				t.Errorf("post %q not delivered", p.ID)
			case 1:
			default:
				t.Errorf("post %q delivered %d times", p.ID, got[p.ID])
			}
		}
	})
}

// drainOnce ends a source at its first empty batch.
type drainOnce struct{ listen.Source }

func (d drainOnce) Fetch(ctx context.Context, cursor string) (listen.Batch, error) {
	b, err := d.Source.Fetch(ctx, cursor)
	if err == nil && len(b.Posts) == 0 {
		b.Done = true
	}
	return b, err
}
