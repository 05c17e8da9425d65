package respond

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// A Position is a place in a policy: a file, line and column (1-based,
// columns counted in characters) for a policy file, or the path of a field
// in a Spec built in Go ("rules[2].when:1:9": the field, then the line and
// column in its text).
type Position struct {
	File   string
	Line   int // 0 if unknown
	Column int // 0 if unknown
	// Path is the field of the specification, as "rules[2].when".
	Path string
}

// String formats the position as "file:line:column", or "file: path" when
// the line is unknown.
func (p Position) String() string {
	switch {
	case p.Line > 0 && p.Column > 0:
		return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Column)
	case p.Line > 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	case p.Path != "":
		return p.File + ": " + p.Path
	}
	return p.File
}

// Severity grades a finding.
type Severity int

// Severities. A policy with an error finding does not load.
const (
	SeverityError Severity = iota + 1
	SeverityWarning
	SeverityInfo
)

// String returns "error", "warning" or "info".
func (s Severity) String() string {
	switch s {
	case SeverityError:
		return "error"
	case SeverityWarning:
		return "warning"
	case SeverityInfo:
		return "info"
	}
	return fmt.Sprintf("Severity(%d)", int(s))
}

// A Finding is one problem found in a policy, when it loads or by lint.
type Finding struct {
	Pos Position
	// Rule is the name of the rule concerned, if any.
	Rule     string
	Severity Severity
	// Code classifies the finding: "yaml", "cel", "unknown-team",
	// "unreachable", "always-true", ...
	Code string
	Msg  string
}

// String formats the finding as "file:line:column: [warning: ]rule "name": message".
func (f Finding) String() string {
	var sb strings.Builder
	sb.WriteString(f.Pos.String())
	sb.WriteString(": ")
	if f.Severity != SeverityError {
		sb.WriteString(f.Severity.String())
		sb.WriteString(": ")
	}
	if f.Rule != "" {
		fmt.Fprintf(&sb, "rule %q: ", f.Rule)
	}
	sb.WriteString(f.Msg)
	return sb.String()
}

// A PolicyError is a policy that does not load, with every problem found.
type PolicyError struct {
	Findings []Finding
}

// Error lists the findings, one a line.
func (e *PolicyError) Error() string {
	lines := make([]string, len(e.Findings))
	for i, f := range e.Findings {
		lines[i] = f.String()
	}
	return strings.Join(lines, "\n")
}

// positions maps the fields of a specification to places in its file.
type positions struct {
	file  string
	src   []byte
	nodes map[string]*yaml.Node
	lines []int // byte offset of the start of each line
}

// at returns the position of a field, or of its nearest enclosing field
// known.
func (ps *positions) at(path string) Position {
	for p := path; p != ""; p = parentPath(p) {
		if n := ps.nodes[p]; n != nil {
			return Position{File: ps.file, Line: n.Line, Column: n.Column, Path: path}
		}
	}
	return Position{File: ps.file, Path: path}
}

func parentPath(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i <= 0 {
		return ""
	}
	return p[:i]
}

// expr returns the position in the file of the character at line (1-based)
// and column (0-based, in characters) of the text of field path, whose
// value is text. The text's characters are aligned with the file's from
// where the field's value starts, so folding, indentation and quoting in
// the YAML are accounted for.
func (ps *positions) expr(path, text string, line, col int) Position {
	n := ps.nodes[path]
	if n == nil || ps.src == nil {
		return Position{File: ps.file, Path: fmt.Sprintf("%s:%d:%d", path, max(line, 1), col+1)}
	}
	off := offsetIn(text, line, col)
	src := ps.src
	j := ps.offset(n.Line, n.Column)
	switch n.Style {
	case yaml.LiteralStyle, yaml.FoldedStyle:
		for j < len(src) && src[j] != '\n' {
			j++
		}
	case yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle:
		j++
	}
	i := 0
	for i < off && j < len(src) {
		switch {
		case text[i] == src[j]:
			i++
			j++
		case isSpace(text[i]):
			i++
		case isSpace(src[j]) || src[j] == '"' || src[j] == '\'' || src[j] == '\\':
			j++
		default:
			i = off // cannot align further; stop here
		}
	}
	if off < len(text) && !isSpace(text[off]) {
		for j < len(src) && isSpace(src[j]) {
			j++
		}
	}
	return ps.posOf(j, path)
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// offsetIn is the byte offset in s of line (1-based), column (0-based,
// characters).
func offsetIn(s string, line, col int) int {
	off := 0
	for l := 1; l < line; l++ {
		i := strings.IndexByte(s[off:], '\n')
		if i < 0 {
			return len(s)
		}
		off += i + 1
	}
	for c := 0; c < col && off < len(s); c++ {
		if s[off] == '\n' {
			break
		}
		_, size := utf8.DecodeRuneInString(s[off:])
		off += size
	}
	return off
}

func (ps *positions) lineStarts() []int {
	if ps.lines == nil {
		ps.lines = []int{0}
		for i, c := range ps.src {
			if c == '\n' {
				ps.lines = append(ps.lines, i+1)
			}
		}
	}
	return ps.lines
}

// offset is the byte offset of line, column (1-based, characters).
func (ps *positions) offset(line, col int) int {
	ls := ps.lineStarts()
	if line < 1 || line > len(ls) {
		return len(ps.src)
	}
	off := ls[line-1]
	for c := 1; c < col && off < len(ps.src) && ps.src[off] != '\n'; c++ {
		_, size := utf8.DecodeRune(ps.src[off:])
		off += size
	}
	return off
}

func (ps *positions) posOf(off int, path string) Position {
	ls := ps.lineStarts()
	line := 1
	for line < len(ls) && ls[line] <= off {
		line++
	}
	start := ls[line-1]
	if off > len(ps.src) {
		off = len(ps.src)
	}
	return Position{File: ps.file, Line: line, Column: utf8.RuneCount(ps.src[start:off]) + 1, Path: path}
}
