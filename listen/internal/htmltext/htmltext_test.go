package htmltext

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain text ", "plain text"},
		{"It&#x27;s <i>slow</i>.<p>Second &amp; last", "It's slow.\n\nSecond & last"},
		{`<p>See <a href="https://x.test" rel="nofollow">x.test</a></p><p>ok</p>`, "See x.test\n\nok"},
		{"a<br>b<br/>c", "a\nb\nc"},
		{"<script>alert(1)</script>hi<style>p{}</style>", "hi"},
		{"<p>  lots   of \n space </p>", "lots of space"},
		{"<pre><code>x := 1\ny := 2</code></pre>", "x := 1\ny := 2"},
		{"unclosed <b>tag", "unclosed tag"},
		{"1 < 2", "1 < 2"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, Text(tt.in), tt.in)
	}
}
