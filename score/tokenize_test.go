package score

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// addWordASCII is the plain byte-by-byte form of what scanASCIIWord does:
// the two add the same token and lower form, for words of any length, in
// any mix of cases and digits, with runs, whatever follows them.
func TestScanASCIIWord(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const alphabet = "aAbBzZ09eExX"
	words := []string{"a", "Z", "7", "aaa", "aAa", "AAA", "111", "1aa", "ab12cd", "looooong", "NOOO", "abcdefgh", "abcdefghi",
		"abcdefgHHH", "abcdefGGG", "xxxxxxxx", "x" + strings.Repeat("Yy", 700)}
	for range 20000 {
		var b strings.Builder
		for range 1 + rng.IntN(8) {
			c := alphabet[rng.IntN(len(alphabet))]
			for range 1 + rng.IntN(3) {
				b.WriteByte(c)
			}
		}
		words = append(words, b.String())
	}
	for _, w := range words {
		for _, after := range []string{"", " x", "!", "@b", "'s", "é", "\x80abcdefghijk", ".abcdefghij", "[z", "`a", "{a", "/0", ":9"} {
			text := "@a " + w + after
			var got, want scratch
			got.low, want.low = []byte("@a"), []byte("@a")
			j := got.scanASCIIWord(text, 3, 2)
			if j < 0 {
				require.True(t, after == "'s" || after == "é" || after[0] == 0x80, "%.40q", text)
				continue
			}
			want.addWordASCII(text, 3, j, 2)
			require.Equal(t, 3+len(w), j, "%.40q", text)
			require.Equal(t, want.toks, got.toks, "%.40q", text)
			require.Equal(t, string(want.low), string(got.low), "%.40q", text)
		}
	}
}
