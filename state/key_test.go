package state_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkhq/hark/state"
)

func TestKeyPart(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"bluesky", "bluesky"},
		{"post_42-a", "post_42-a"},
		{"", "="},
		{"a.b", "=YS5i"},
		{"did:plc:xyz", "=ZGlkOnBsYzp4eXo"},
		{"@user.bsky.social", "=QHVzZXIuYnNreS5zb2NpYWw"},
		{"é", "=w6k"},
	} {
		got := state.KeyPart(tc.in)
		assert.Equal(t, tc.want, got, "KeyPart(%q)", tc.in)
		assert.True(t, state.ValidKey("ns."+got), "valid: %q", got)
		back, ok := state.ParseKeyPart(got)
		require.True(t, ok)
		assert.Equal(t, tc.in, back)
	}
	for _, bad := range []string{"a.b", "=!!", "=YQ", "a b"} {
		_, ok := state.ParseKeyPart(bad)
		assert.False(t, ok, "%q is not a key part", bad)
	}
	assert.Equal(t, "ledger.abc.=YS5i", state.Key("ledger", "abc", "a.b"))
}

func TestValidKey(t *testing.T) {
	t.Parallel()
	for k, want := range map[string]bool{
		"a": true, "a.b": true, "A-Z_0/9=": true, "": false, ".a": false, "a.": false,
		"a..b": false, "a b": false, "a*": false, "a>": false, "ä": false,
	} {
		assert.Equal(t, want, state.ValidKey(k), "%q", k)
	}
	assert.True(t, state.ValidPrefix(""))
	assert.True(t, state.ValidPrefix("a.b."))
	assert.False(t, state.ValidPrefix("a"))
	assert.False(t, state.ValidPrefix("."))
}

func FuzzKeyPart(f *testing.F) {
	for _, s := range []string{"", "bluesky", "a.b", "did:plc:x", "=", "=YS5i", "\xff", strings.Repeat("x", 300)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tok := state.KeyPart(s)
		if !state.ValidKey("ns." + tok) {
			t.Fatalf("KeyPart(%q) = %q: not a valid key part", s, tok)
		}
		if strings.Contains(tok, ".") {
			t.Fatalf("KeyPart(%q) = %q holds a dot", s, tok)
		}
		back, ok := state.ParseKeyPart(tok)
		if !ok || back != s {
			t.Fatalf("ParseKeyPart(KeyPart(%q)) = %q, %v", s, back, ok)
		}
		// ParseKeyPart accepts only KeyPart's outputs: one-to-one.
		if orig, ok := state.ParseKeyPart(s); ok && state.KeyPart(orig) != s {
			t.Fatalf("ParseKeyPart(%q) = %q, whose KeyPart is %q", s, orig, state.KeyPart(orig))
		}
	})
}
