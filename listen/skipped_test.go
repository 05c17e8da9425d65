package listen_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/listen"
)

// pagesSource answers Fetch from a list of batches, one per cursor "0",
// "1", ...; past the end it is done.
type pagesSource struct {
	pages   []listen.Batch
	cursors []string
}

func (p *pagesSource) Name() string { return "pages" }

func (p *pagesSource) Fetch(_ context.Context, cursor string) (listen.Batch, error) {
	p.cursors = append(p.cursors, cursor)
	i := 0
	if cursor != "" {
		i = int(cursor[0]-'0') + 1
	}
	if i >= len(p.pages) {
		return listen.Batch{Cursor: cursor, Done: true}, nil
	}
	return p.pages[i], nil
}

func TestStreamYieldsSkippedItems(t *testing.T) {
	bad := &listen.ItemError{Index: 1, ID: "b", Err: errors.New(`json: cannot unmarshal string into Go value of type int64`)}
	src := &pagesSource{pages: []listen.Batch{
		{Posts: []hark.Post{{ID: "a", Text: "x"}, {ID: "c", Text: "y"}}, Cursor: "0", Skipped: []error{bad}},
		{Cursor: "1", Skipped: []error{&listen.ItemError{Index: 0, Err: errors.New("eof")}}}, // nothing readable at all
		{Posts: []hark.Post{{ID: "d", Text: "z"}}, Cursor: "2"},
	}}
	cp := &listen.MemoryCheckpoints{}
	wm := &listen.Watermarks{}
	var got []string
	var errs []error
	var waits []time.Duration
	for posts, err := range listen.Stream(t.Context(), src, listen.WithCheckpoints(cp), listen.WithWatermarks(wm), noWait(10, &waits)) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		got = append(got, ids(posts)...)
	}
	assert.Equal(t, []string{"a", "c", "d"}, got)
	require.Len(t, errs, 2)
	var se *listen.SkippedError
	require.ErrorAs(t, errs[0], &se)
	assert.Equal(t, "pages", se.Source)
	assert.Equal(t, []error{bad}, se.Items)
	assert.ErrorIs(t, errs[0], listen.ErrMalformed)
	assert.False(t, listen.IsPermanent(errs[0]))
	assert.Contains(t, errs[0].Error(), "item 1 (id b)")
	assert.ErrorIs(t, errs[1], listen.ErrMalformed)
	// Each cursor is asked for once: the skipped items are not retried.
	assert.Equal(t, []string{"", "0", "1", "2"}, src.cursors)
	saved, err := cp.Load(t.Context(), "pages")
	require.NoError(t, err)
	assert.Equal(t, "2", saved)
	w, _ := wm.Get("pages")
	assert.Equal(t, int64(2), w.Invalid)
}

func TestStreamSkippedBreakKeepsCursor(t *testing.T) {
	src := &pagesSource{pages: []listen.Batch{
		{Posts: []hark.Post{{ID: "a", Text: "x"}}, Cursor: "0", Skipped: []error{&listen.ItemError{Index: 1, Err: errors.New("bad")}}},
	}}
	cp := &listen.MemoryCheckpoints{}
	for _, err := range listen.Stream(t.Context(), src, listen.WithCheckpoints(cp)) {
		if err != nil {
			break
		}
	}
	// The posts were handled before the report: the cursor is saved.
	saved, err := cp.Load(t.Context(), "pages")
	require.NoError(t, err)
	assert.Equal(t, "0", saved)
}

type item struct {
	ID     string `json:"id"`
	Points int64  `json:"points"`
}

func TestDecodeItems(t *testing.T) {
	var raw []json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(`[{"id":"a","points":1},{"id":"b","points":"12"},{"id":7,"points":2},[],{"id":"d","points":3}]`), &raw))
	items, skipped := listen.DecodeItems[item](raw, "id")
	assert.Equal(t, []item{{"a", 1}, {"d", 3}}, items)
	require.Len(t, skipped, 3)
	ids := make([]string, len(skipped))
	for i, err := range skipped {
		var ie *listen.ItemError
		require.ErrorAs(t, err, &ie)
		assert.ErrorIs(t, err, listen.ErrMalformed)
		ids[i] = ie.ID
	}
	assert.Equal(t, []string{"b", "7", ""}, ids)
	assert.Equal(t, 1, skipped[0].(*listen.ItemError).Index)
	assert.Equal(t, 3, skipped[2].(*listen.ItemError).Index)
}
