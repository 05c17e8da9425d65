package htmltext

import (
	"strings"

	"golang.org/x/net/html"
)

// blocks are the elements that break a line (or a paragraph).
var blocks = map[string]string{
	"p": "\n\n", "div": "\n", "br": "\n", "li": "\n", "ul": "\n", "ol": "\n",
	"blockquote": "\n", "pre": "\n", "h1": "\n", "h2": "\n", "h3": "\n",
	"h4": "\n", "h5": "\n", "h6": "\n", "tr": "\n", "aside": "\n",
}

// Text returns the text of the HTML fragment s: tags dropped, entities
// decoded, paragraphs and line breaks kept as newlines, script and style
// dropped, runs of blank lines and spaces squeezed, the ends trimmed. Text
// that holds no tag or entity is returned as is, trimmed.
func Text(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return strings.TrimSpace(s)
	}
	var b strings.Builder
	z := html.NewTokenizer(strings.NewReader(s))
	skip, pre := 0, 0
	for {
		switch z.Next() {
		case html.ErrorToken:
			return squeeze(b.String())
		case html.TextToken:
			if skip == 0 {
				t := z.Text()
				if pre == 0 {
					// Outside pre, a newline in HTML text is a space.
					for i, c := range t {
						if c == '\n' || c == '\r' || c == '\t' {
							t[i] = ' '
						}
					}
				}
				b.Write(t)
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			n := string(name)
			if n == "script" || n == "style" {
				skip++
			}
			if n == "pre" {
				pre++
			}
			if sep, ok := blocks[n]; ok {
				b.WriteString(sep)
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			n := string(name)
			if (n == "script" || n == "style") && skip > 0 {
				skip--
			}
			if n == "pre" && pre > 0 {
				pre--
			}
			if n == "p" || n == "div" || n == "li" || n == "blockquote" {
				b.WriteString("\n")
			}
		}
	}
}

// squeeze collapses spaces within lines and blank lines between them.
func squeeze(s string) string {
	lines := strings.Split(s, "\n")
	out := lines[:0]
	blank := false
	for _, l := range lines {
		l = strings.Join(strings.Fields(l), " ")
		if l == "" {
			if len(out) > 0 {
				blank = true
			}
			continue
		}
		if blank {
			out = append(out, "")
			blank = false
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}
