package respond

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// LoadPolicy reads and builds the policy file at path. See [ParsePolicy].
func LoadPolicy(path string, opts ...PolicyOption) (*Policy, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParsePolicy(path, data, opts...)
}

// ParsePolicy builds a policy from its YAML form; filename names it in
// errors. A policy that does not parse, type-check or resolve fails with a
// *PolicyError whose findings each give file:line:column and what is wrong.
// Errors inside a condition are placed on the character of the condition
// in the file, through YAML quoting, folding and indentation. (A YAML
// syntax error is placed on its line only: the YAML parser gives no
// column.)
//
// The form, with every field:
//
//	name: acme-care
//	description: what the policy is for
//	match: first                # or all
//	sla: {P1: 30m, P2: 2h, P3: 8h, P4: 2d}
//	teams:                      # a team and its queues
//	  care: [billing, orders]
//	  comms: []
//	channels: [comms-pager, care-leads]
//	templates:
//	  thanks:
//	    en: "Thank you, {{.Name}}!"
//	    question/en: "..."       # for intent question in English
//	    default: "..."           # any other language
//	rules:
//	  - name: spam
//	    when: scores.intent == "spam" || scores.spam > 0.8
//	    suppress: spam
//	  - name: refund
//	    description: money taken twice
//	    when: scores.intent == "complaint" && post.text_lower.containsAny(["refund", "charged twice"])
//	    priority: P2
//	    route: care/billing
//	    respond_within: 1h
//	    alert: care-leads          # or a list
//	    reply: sorry
//	    hold: true
//	    escalate: comms
//	    note: why, for hold and escalate
//	    tag: [billing, refund]     # or one
//	    continue: false            # match: first only
//	    stop: false                # match: all only
//
// Unknown fields are errors, so that a misspelt field is not silently
// ignored. Durations are Go durations ("90m", "1h30m") or whole days ("2d").
func ParsePolicy(filename string, data []byte, opts ...PolicyOption) (*Policy, error) {
	spec, pos, err := parseSpec(filename, data)
	if err != nil {
		return nil, err
	}
	return compile(spec, pos, opts)
}

// LintPolicy returns every finding about the YAML policy in data: the
// errors that stop it from loading, or, if it loads, what [Policy.Lint]
// reports. It is meant for editors and CI checks of policy files.
func LintPolicy(filename string, data []byte, opts ...PolicyOption) []Finding {
	p, err := ParsePolicy(filename, data, opts...)
	if err != nil {
		var pe *PolicyError
		if errors.As(err, &pe) {
			return pe.Findings
		}
		return []Finding{{Pos: Position{File: filename}, Severity: SeverityError, Code: "load", Msg: err.Error()}}
	}
	return p.Lint()
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func parseSpec(filename string, data []byte) (Spec, *positions, error) {
	pos := &positions{file: filename, src: data, nodes: map[string]*yaml.Node{}}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		f := Finding{Pos: Position{File: filename}, Severity: SeverityError, Code: "yaml", Msg: err.Error()}
		if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
			f.Pos.Line, _ = strconv.Atoi(m[1])
			f.Pos.Column = 1
			f.Msg = m[2]
		}
		return Spec{}, nil, &PolicyError{Findings: []Finding{f}}
	}
	d := &ydec{pos: pos}
	var spec Spec
	if len(doc.Content) == 0 {
		d.errorf(&doc, "empty policy")
		return spec, nil, &PolicyError{Findings: d.errs}
	}
	root := deref(doc.Content[0])
	if !d.kind(root, yaml.MappingNode, "the policy", "a mapping of name, match, sla, teams, channels, templates, rules") {
		return spec, nil, &PolicyError{Findings: d.errs}
	}
	d.fields(root, "", func(key string, k, v *yaml.Node) {
		switch key {
		case "name":
			spec.Name = d.str(v, "name")
		case "description":
			spec.Description = d.str(v, "description")
		case "match":
			spec.Match = Match(d.str(v, "match"))
		case "sla":
			spec.SLA = d.sla(v)
		case "teams":
			spec.Teams = d.teams(v)
		case "channels":
			spec.Channels = d.channels(v)
		case "templates":
			spec.Templates = d.templates(v)
		case "rules":
			spec.Rules = d.rules(v)
		default:
			d.unknown(k, key, "name, description, match, sla, teams, channels, templates, rules")
		}
	})
	if len(d.errs) > 0 {
		return spec, nil, &PolicyError{Findings: d.errs}
	}
	return spec, pos, nil
}

// ydec decodes a policy's YAML nodes, keeping their positions.
type ydec struct {
	pos  *positions
	errs []Finding
}

func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func (d *ydec) errorf(n *yaml.Node, format string, args ...any) {
	d.errs = append(d.errs, Finding{
		Pos:      Position{File: d.pos.file, Line: n.Line, Column: n.Column},
		Severity: SeverityError, Code: "yaml", Msg: fmt.Sprintf(format, args...),
	})
}

func kindName(k yaml.Kind) string {
	switch k {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return "a single value"
	}
	return "nothing"
}

func (d *ydec) kind(n *yaml.Node, k yaml.Kind, what, want string) bool {
	if n.Kind != k {
		d.errorf(n, "%s is %s, want %s", what, kindName(n.Kind), want)
		return false
	}
	return true
}

// fields calls f for each key of a mapping, in order, and records the
// value's position under prefix+key.
func (d *ydec) fields(n *yaml.Node, prefix string, f func(key string, k, v *yaml.Node)) {
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), deref(n.Content[i+1])
		key := k.Value
		if seen[key] {
			d.errorf(k, "%q appears twice", prefix+key)
			continue
		}
		seen[key] = true
		d.pos.nodes[prefix+key] = v
		f(key, k, v)
	}
}

func (d *ydec) unknown(k *yaml.Node, key, known string) {
	d.errorf(k, "unknown field %q (known: %s)", key, known)
}

func (d *ydec) str(n *yaml.Node, what string) string {
	if !d.kind(n, yaml.ScalarNode, what, "a string") {
		return ""
	}
	return n.Value
}

func (d *ydec) boolean(n *yaml.Node, what string) bool {
	if !d.kind(n, yaml.ScalarNode, what, "true or false") {
		return false
	}
	switch n.Value {
	case "true", "True", "TRUE", "yes", "on":
		return true
	case "false", "False", "FALSE", "no", "off":
		return false
	}
	d.errorf(n, "%s is %q, want true or false", what, n.Value)
	return false
}

func (d *ydec) duration(n *yaml.Node, what string) time.Duration {
	s := d.str(n, what)
	if s == "" {
		return 0
	}
	dur, err := parseDuration(s)
	if err != nil {
		d.errorf(n, "%s: %v", what, err)
	}
	return dur
}

// parseDuration parses a Go duration or a whole number of days ("2d").
func parseDuration(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.Atoi(days); err == nil && n >= 0 && n < 10000 {
			return time.Duration(n) * 24 * time.Hour, nil
		}
	}
	dur, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("duration %q: want a Go duration such as 90m or 1h30m, or days such as 2d", s)
	}
	return dur, nil
}

// strs reads one string or a list of strings.
func (d *ydec) strs(n *yaml.Node, path, what string) []string {
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return nil
		}
		d.pos.nodes[path+"[0]"] = n
		return []string{n.Value}
	case yaml.SequenceNode:
		out := make([]string, 0, len(n.Content))
		for i, c := range n.Content {
			c = deref(c)
			d.pos.nodes[fmt.Sprintf("%s[%d]", path, i)] = c
			out = append(out, d.str(c, what))
		}
		return out
	}
	d.errorf(n, "%s is %s, want a name or a list of names", what, kindName(n.Kind))
	return nil
}

func (d *ydec) sla(n *yaml.Node) map[Priority]time.Duration {
	if !d.kind(n, yaml.MappingNode, "sla", "a mapping of priority to duration, as {P1: 30m, P2: 2h}") {
		return nil
	}
	out := map[Priority]time.Duration{}
	d.fields(n, "sla.", func(key string, k, v *yaml.Node) {
		p := Priority(key)
		if p == "" || !p.Valid() {
			d.errorf(k, "sla: unknown priority %q: want P1, P2, P3 or P4", key)
			return
		}
		out[p] = d.duration(v, "sla."+key)
	})
	return out
}

func (d *ydec) teams(n *yaml.Node) []TeamSpec {
	var out []TeamSpec
	switch n.Kind {
	case yaml.SequenceNode:
		for i, c := range n.Content {
			c = deref(c)
			d.pos.nodes[fmt.Sprintf("teams[%d]", i)] = c
			out = append(out, TeamSpec{Name: d.str(c, "team")})
		}
	case yaml.MappingNode:
		i := 0
		for j := 0; j+1 < len(n.Content); j += 2 {
			k, v := deref(n.Content[j]), deref(n.Content[j+1])
			path := fmt.Sprintf("teams[%d]", i)
			d.pos.nodes[path] = k
			t := TeamSpec{Name: k.Value}
			if !(v.Kind == yaml.ScalarNode && v.Tag == "!!null") {
				t.Queues = d.strs(v, path+".queues", "queues of team "+k.Value)
			}
			out = append(out, t)
			i++
		}
	default:
		d.errorf(n, "teams is %s, want a mapping of team to its queues, or a list of teams", kindName(n.Kind))
	}
	return out
}

func (d *ydec) channels(n *yaml.Node) []string {
	switch n.Kind {
	case yaml.SequenceNode:
		out := make([]string, 0, len(n.Content))
		for i, c := range n.Content {
			c = deref(c)
			d.pos.nodes[fmt.Sprintf("channels[%d]", i)] = c
			out = append(out, d.str(c, "channel"))
		}
		return out
	case yaml.MappingNode: // channel: description
		var out []string
		for j := 0; j+1 < len(n.Content); j += 2 {
			k := deref(n.Content[j])
			d.pos.nodes[fmt.Sprintf("channels[%d]", len(out))] = k
			out = append(out, k.Value)
		}
		return out
	}
	d.errorf(n, "channels is %s, want a list of channels", kindName(n.Kind))
	return nil
}

func (d *ydec) templates(n *yaml.Node) []TemplateSpec {
	if !d.kind(n, yaml.MappingNode, "templates", "a mapping of template name to its texts by language") {
		return nil
	}
	var out []TemplateSpec
	for j := 0; j+1 < len(n.Content); j += 2 {
		k, v := deref(n.Content[j]), deref(n.Content[j+1])
		path := fmt.Sprintf("templates[%d]", len(out))
		d.pos.nodes[path] = k
		t := TemplateSpec{Name: k.Value, Text: map[string]string{}}
		switch v.Kind {
		case yaml.ScalarNode: // one text for every language
			d.pos.nodes[path+".text.default"] = v
			t.Text["default"] = v.Value
		case yaml.MappingNode:
			d.fields(v, path+".text.", func(key string, _, tv *yaml.Node) {
				t.Text[key] = d.str(tv, "template "+k.Value+" "+key)
			})
		default:
			d.errorf(v, "template %s is %s, want a mapping of language (en, fr, question/en, default) to text", k.Value, kindName(v.Kind))
		}
		out = append(out, t)
	}
	return out
}

var ruleFields = []string{"name", "description", "when", "priority", "route", "respond_within", "alert", "reply", "hold", "escalate", "tag", "suppress", "note", "continue", "stop"}

func (d *ydec) rules(n *yaml.Node) []RuleSpec {
	if !d.kind(n, yaml.SequenceNode, "rules", "a list of rules") {
		return nil
	}
	out := make([]RuleSpec, 0, len(n.Content))
	for i, c := range n.Content {
		c = deref(c)
		path := fmt.Sprintf("rules[%d]", i)
		d.pos.nodes[path] = c
		if !d.kind(c, yaml.MappingNode, fmt.Sprintf("rule %d", i+1), "a mapping with name, when and actions") {
			continue
		}
		var r RuleSpec
		d.fields(c, path+".", func(key string, k, v *yaml.Node) {
			switch key {
			case "name":
				r.Name = d.str(v, "name")
			case "description":
				r.Description = d.str(v, "description")
			case "when":
				if v.Kind == yaml.ScalarNode && v.Tag == "!!bool" {
					r.When = v.Value // when: true
					return
				}
				r.When = d.str(v, "when")
			case "priority":
				r.Priority = Priority(d.str(v, "priority"))
			case "route":
				r.Route = d.str(v, "route")
			case "respond_within":
				r.RespondWithin = d.duration(v, "respond_within")
			case "alert":
				r.Alert = d.strs(v, path+".alert", "alert")
			case "reply":
				r.Reply = d.str(v, "reply")
			case "hold":
				r.Hold = d.boolean(v, "hold")
			case "escalate":
				r.Escalate = d.str(v, "escalate")
			case "tag", "tags":
				r.Tag = d.strs(v, path+".tag", "tag")
			case "suppress":
				r.Suppress = d.str(v, "suppress")
				if r.Suppress == "" {
					d.errorf(v, "suppress needs a reason, as suppress: spam")
				}
			case "note":
				r.Note = d.str(v, "note")
			case "continue":
				r.Continue = d.boolean(v, "continue")
			case "stop":
				r.Stop = d.boolean(v, "stop")
			default:
				d.unknown(k, key, strings.Join(ruleFields, ", "))
			}
		})
		if r.Name == "" && !slices.ContainsFunc(c.Content, func(x *yaml.Node) bool { return x.Value == "name" }) {
			d.errorf(c, "rule %d has no name", i+1)
		}
		out = append(out, r)
	}
	return out
}
