package state

import (
	"encoding/base64"
	"strings"
)

// KeyPart turns an arbitrary string (a source name, a post or conversation
// ID, an author key) into one dot-free token of a valid [KV] key. A string
// made only of a-z A-Z 0-9 - and _ is kept as it is, so keys stay readable;
// any other string, the empty one included, becomes "=" followed by its
// unpadded URL-safe base64. The mapping is one-to-one, and [ParseKeyPart]
// reverses it.
func KeyPart(s string) string {
	if plain(s) {
		return s
	}
	return "=" + base64.RawURLEncoding.EncodeToString([]byte(s))
}

// ParseKeyPart returns the string a [KeyPart] token was made from, and
// false if tok is not such a token.
func ParseKeyPart(tok string) (string, bool) {
	if rest, ok := strings.CutPrefix(tok, "="); ok {
		b, err := base64.RawURLEncoding.Strict().DecodeString(rest)
		if err != nil || plain(string(b)) {
			return "", false
		}
		return string(b), true
	}
	if !plain(tok) {
		return "", false
	}
	return tok, true
}

func plain(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// Key joins a namespace (a valid key without the trailing dot, such as
// "ledger" or "hark.ledger") and the [KeyPart] of each part with dots.
func Key(ns string, parts ...string) string {
	var b strings.Builder
	b.WriteString(ns)
	for _, p := range parts {
		b.WriteByte('.')
		b.WriteString(KeyPart(p))
	}
	return b.String()
}
