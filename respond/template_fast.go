package respond

import (
	"strings"
	"text/template"
	"text/template/parse"
)

// A fastText renders the common subset of reply templates without
// reflection: literal text, {{.Field}} and {{if .Field}}...{{else}}...{{end}}
// over the string-valued fields of ReplyData. A template with anything else
// (a function, a pipeline, a variable, a time field) is rendered by
// text/template; both give the same text.
type fastText struct {
	nodes []fastNode
	size  int // bytes of literal text, plus room for fields
}

type fastNode struct {
	text  string                  // literal text, when field is nil and cond is nil
	field func(*ReplyData) string // {{.Field}}
	cond  func(*ReplyData) string // {{if .Field}}: the field tested
	then  []fastNode              // with cond
	els   []fastNode              // with cond
}

// replyFields are the string-valued fields of ReplyData a fast template may
// use, with how to get them.
var replyFields = map[string]func(*ReplyData) string{
	"Name":     (*ReplyData).Name,
	"Handle":   (*ReplyData).Handle,
	"Product":  (*ReplyData).Product,
	"Place":    (*ReplyData).Place,
	"Quote":    (*ReplyData).Quote,
	"Source":   func(d *ReplyData) string { return d.Source },
	"Intent":   func(d *ReplyData) string { return d.Intent },
	"Language": func(d *ReplyData) string { return d.Language },
	"Priority": func(d *ReplyData) string { return string(d.Priority) },
	"Team":     func(d *ReplyData) string { return d.Team },
}

// compileFast returns the fast form of t, or nil if t uses more than the
// subset.
func compileFast(t *template.Template) *fastText {
	if t.Tree == nil || t.Root == nil || len(t.Templates()) > 1 {
		return nil
	}
	nodes, ok := fastNodes(t.Root)
	if !ok {
		return nil
	}
	size := 0
	var count func([]fastNode)
	count = func(ns []fastNode) {
		for _, n := range ns {
			size += len(n.text)
			if n.field != nil {
				size += 24
			}
			count(n.then)
			count(n.els)
		}
	}
	count(nodes)
	return &fastText{nodes: nodes, size: size}
}

func fastField(p *parse.PipeNode) (func(*ReplyData) string, bool) {
	if p == nil || len(p.Decl) > 0 || len(p.Cmds) != 1 || len(p.Cmds[0].Args) != 1 {
		return nil, false
	}
	f, ok := p.Cmds[0].Args[0].(*parse.FieldNode)
	if !ok || len(f.Ident) != 1 {
		return nil, false
	}
	get, ok := replyFields[f.Ident[0]]
	return get, ok
}

func fastNodes(l *parse.ListNode) ([]fastNode, bool) {
	if l == nil {
		return nil, true
	}
	var out []fastNode
	for _, n := range l.Nodes {
		switch n := n.(type) {
		case *parse.TextNode:
			out = append(out, fastNode{text: string(n.Text)})
		case *parse.ActionNode:
			get, ok := fastField(n.Pipe)
			if !ok {
				return nil, false
			}
			out = append(out, fastNode{field: get})
		case *parse.IfNode:
			get, ok := fastField(n.Pipe)
			if !ok {
				return nil, false
			}
			then, ok1 := fastNodes(n.List)
			els, ok2 := fastNodes(n.ElseList)
			if !ok1 || !ok2 {
				return nil, false
			}
			out = append(out, fastNode{cond: get, then: then, els: els})
		default:
			return nil, false
		}
	}
	return out, true
}

func (f *fastText) render(sb *strings.Builder, d *ReplyData) {
	sb.Grow(f.size)
	renderFast(sb, f.nodes, d)
}

func renderFast(sb *strings.Builder, nodes []fastNode, d *ReplyData) {
	for i := range nodes {
		n := &nodes[i]
		switch {
		case n.cond != nil:
			if n.cond(d) != "" {
				renderFast(sb, n.then, d)
			} else {
				renderFast(sb, n.els, d)
			}
		case n.field != nil:
			sb.WriteString(n.field(d))
		default:
			sb.WriteString(n.text)
		}
	}
}
