package hark_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/harkhq/hark"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// designExample is the wire form as the design note shows it.
const designExample = `{"id":"at://1","source":"bluesky","url":"https://bsky.app/x/1","text":"hello @acme","lang":"en","created":"2026-02-16T23:36:00Z",` +
	`"author":{"id":"did:1","handle":"@maya","name":"Maya","followers":1200,"following":300,"posts":5400,"verified":false,"created":"2019-05-01T00:00:00Z"},` +
	`"metrics":{"likes":3,"reposts":1,"replies":0,"quotes":0,"views":0},` +
	`"thread_id":"at://0","parent_id":"at://0","mentions":["@acme"],"tags":["#acme"]}`

func TestWireFormRoundTrip(t *testing.T) {
	var p hark.Post
	require.NoError(t, json.Unmarshal([]byte(designExample), &p))
	assert.Equal(t, "at://1", p.ID)
	assert.Equal(t, int64(1200), p.Author.Followers)
	assert.Equal(t, time.Date(2026, 2, 16, 23, 36, 0, 0, time.UTC), p.Created)
	assert.Equal(t, []string{"@acme"}, p.Mentions)

	out, err := json.Marshal(p)
	require.NoError(t, err)
	assert.Equal(t, designExample, string(out), "the design's wire form must round-trip byte for byte")

	var back hark.Post
	require.NoError(t, json.Unmarshal(out, &back))
	assert.Equal(t, p, back)
}

func TestWireFormMinimal(t *testing.T) {
	var p hark.Post
	require.NoError(t, json.Unmarshal([]byte(`{"id":"1","text":"hi","future_field":{"x":1},"author":{"handle":"@a","karma":9}}`), &p))
	require.NoError(t, p.Validate())
	assert.Equal(t, "@a", p.Author.Handle)

	out, err := json.Marshal(hark.Post{ID: "1", Text: "hi"})
	require.NoError(t, err)
	assert.Equal(t, `{"id":"1","text":"hi"}`, string(out), "zero optional fields are left out")
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name  string
		post  hark.Post
		err   error
		field string
	}{
		{"ok", hark.Post{ID: "1", Text: "fine"}, nil, ""},
		{"missing id", hark.Post{Text: "x"}, hark.ErrMissingID, "id"},
		{"blank id", hark.Post{ID: "  ", Text: "x"}, hark.ErrMissingID, "id"},
		{"missing text", hark.Post{ID: "1"}, hark.ErrMissingText, "text"},
		{"blank text", hark.Post{ID: "1", Text: "\n\t "}, hark.ErrMissingText, "text"},
		{"huge text", hark.Post{ID: "1", Text: strings.Repeat("a", hark.MaxTextBytes+1)}, hark.ErrTextTooLong, "text"},
		{"bad utf8 text", hark.Post{ID: "1", Text: "ok \xff"}, hark.ErrInvalidUTF8, "text"},
		{"bad utf8 id", hark.Post{ID: "\xfe", Text: "ok"}, hark.ErrInvalidUTF8, "id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.post.Validate()
			if tt.err == nil {
				assert.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tt.err)
			var ve *hark.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, tt.field, ve.Field)
		})
	}
}

func TestRepair(t *testing.T) {
	p := hark.Post{ID: "1", Text: "caf\xe9 ok", Author: hark.Author{Name: "J\xffo"}}
	assert.True(t, p.Repair())
	assert.Equal(t, "caf\uFFFD ok", p.Text)
	assert.Equal(t, "J\uFFFDo", p.Author.Name)
	assert.NoError(t, p.Validate())
	assert.False(t, p.Repair(), "a valid post is left alone")
}

func TestAuthorKey(t *testing.T) {
	assert.Equal(t, "id", hark.Author{ID: "id", Handle: "@h"}.Key())
	assert.Equal(t, "@h", hark.Author{Handle: "@h", Name: "n"}.Key())
	assert.Equal(t, "n", hark.Author{Name: "n"}.Key())
	assert.Equal(t, "", hark.Author{}.Key())
}
