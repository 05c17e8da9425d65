package respond_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkhq/hark/respond"
)

// TestLoadErrors checks that a policy that does not load says where and
// what, with the place of a CEL error mapped through the YAML's quoting,
// folding and indentation to the character in the file.
func TestLoadErrors(t *testing.T) {
	const head = "name: t\nteams: [care]\nchannels: [pager]\ntemplates: {ack: {en: hi}}\nrules:\n"
	// head has 5 lines: the first rule starts on line 6.
	tests := []struct {
		name string
		src  string
		want string // the first finding, as printed
	}{
		{
			name: "undeclared variable, plain scalar",
			src:  head + "  - name: r\n    when: scores.urgncy >= 2\n    priority: P1\n",
			want: `p.yaml:7:17: rule "r": when: undeclared reference to 'scores.urgncy' (did you mean 'scores.urgency'?)`,
		},
		{
			name: "undeclared variable, double-quoted",
			src:  head + "  - name: r\n    when: \"post.likes > 2 && auther.bot > 0.5\"\n    priority: P1\n",
			want: `p.yaml:7:36: rule "r": when: undeclared reference to 'auther.bot' (did you mean 'author.bot'?)`,
		},
		{
			name: "literal block, second line",
			src:  head + "  - name: r\n    when: |\n      scores.urgency >= 2 &&\n        scores.label = \"negative\"\n    priority: P1\n",
			want: `p.yaml:9:22: rule "r": when: Syntax error: token recognition error at: '= '`,
		},
		{
			name: "folded block",
			src:  head + "  - name: r\n    when: >\n      scores.urgency >= 2 &&\n      nosuch.thing\n    priority: P1\n",
			want: `p.yaml:9:7: rule "r": when: undeclared reference to 'nosuch'`,
		},
		{
			name: "type error",
			src:  head + "  - name: r\n    when: scores.urgency + 1\n",
			want: `p.yaml:7:11: rule "r": when: condition is of type int, want bool`,
		},
		{
			name: "no such overload",
			src:  head + "  - name: r\n    when: scores.intent > 2\n",
			want: `p.yaml:7:25: rule "r": when: found no matching overload for '_>_' applied to '(string, int)'`,
		},
		{
			name: "unknown team",
			src:  head + "  - name: r\n    when: \"true\"\n    route: billing/x\n",
			want: `p.yaml:8:12: rule "r": route: unknown team "billing" (declared: care)`,
		},
		{
			name: "unknown queue",
			src:  head + "  - name: r\n    when: \"true\"\n    route: care/x\n",
			want: `p.yaml:8:12: rule "r": route: team "care" has no queue "x" (none declared)`,
		},
		{
			name: "unknown channel",
			src:  head + "  - name: r\n    when: \"true\"\n    alert: [pager, pagr]\n",
			want: `p.yaml:8:20: rule "r": alert: unknown channel "pagr" (declared: pager)`,
		},
		{
			name: "unknown template",
			src:  head + "  - name: r\n    when: \"true\"\n    reply: ack2\n",
			want: `p.yaml:8:12: rule "r": reply: unknown template "ack2" (declared: ack)`,
		},
		{
			name: "unknown field",
			src:  head + "  - name: r\n    when: \"true\"\n    priorty: P1\n",
			want: `p.yaml:8:5: unknown field "priorty" (known: name, description, when, priority, route, respond_within, alert, reply, hold, escalate, tag, suppress, note, continue, stop)`,
		},
		{
			name: "bad priority",
			src:  head + "  - name: r\n    when: \"true\"\n    priority: P0\n",
			want: `p.yaml:8:15: rule "r": priority "P0": want P1, P2, P3 or P4`,
		},
		{
			name: "bad duration",
			src:  head + "  - name: r\n    when: \"true\"\n    respond_within: soon\n",
			want: `p.yaml:8:21: respond_within: duration "soon": want a Go duration such as 90m or 1h30m, or days such as 2d`,
		},
		{
			name: "duplicate rule",
			src:  head + "  - name: r\n    when: \"true\"\n  - name: r\n    when: \"true\"\n",
			want: `p.yaml:8:5: rule "r": rule "r" is also rule 1`,
		},
		{
			name: "yaml syntax",
			src:  head + "  - name: r\n    when: [unclosed\n",
			want: `p.yaml:6:1: did not find expected ',' or ']'`,
		},
		{
			name: "template syntax",
			src:  "name: t\ntemplates:\n  ack:\n    en: |\n      Hello\n      {{.Name}\nrules: [{name: r, when: \"true\", reply: ack}]\n",
			want: `p.yaml:6:7: template "ack" (en): bad character U+007D '}'`,
		},
		{
			name: "template field",
			src:  "name: t\ntemplates:\n  ack:\n    en: \"Hi {{.Nmae}}\"\nrules: [{name: r, when: \"true\", reply: ack}]\n",
			want: `p.yaml:4:10: template "ack" (en): executing "ack/en" at <.Nmae>: can't evaluate field Nmae in type *respond.ReplyData`,
		},
		{
			name: "template key",
			src:  "name: t\ntemplates:\n  ack:\n    english: \"Hi\"\nrules: [{name: r, when: \"true\", reply: ack}]\n",
			want: `p.yaml:4:14: template "ack": key "english": "english" is not a language code (en, pt-BR, ...) or default`,
		},
		{
			name: "continue in match all",
			src:  "name: t\nmatch: all\nrules:\n  - name: r\n    when: \"true\"\n    tag: x\n    continue: true\n",
			want: `p.yaml:7:15: rule "r": continue is for match: first policies (and suppressing rules); this one is match: all (use stop to end evaluation)`,
		},
		{
			name: "no rules",
			src:  "name: t\nrules: []\n",
			want: `p.yaml:2:8: the policy has no rules`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := respond.ParsePolicy("p.yaml", []byte(tt.src))
			require.Error(t, err)
			var pe *respond.PolicyError
			require.True(t, errors.As(err, &pe), "%T", err)
			require.NotEmpty(t, pe.Findings)
			assert.Equal(t, tt.want, pe.Findings[0].String())
			for _, f := range pe.Findings {
				assert.Equal(t, respond.SeverityError, f.Severity)
				assert.Positive(t, f.Pos.Line, f.String())
			}
		})
	}
}

func TestLoadPolicyFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "bad.yaml")
	require.NoError(t, os.WriteFile(path, []byte("name: t\nrules:\n  - name: r\n    when: nope\n"), 0o600))
	_, err := respond.LoadPolicy(path)
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), path+":4:11: "), err.Error())

	_, err = respond.LoadPolicy(filepath.Join(dir, "missing.yaml"))
	assert.ErrorIs(t, err, os.ErrNotExist)
}

func TestGoSpecErrorsNamePaths(t *testing.T) {
	_, err := respond.NewPolicy(respond.Spec{Name: "mine", Rules: []respond.RuleSpec{
		{Name: "ok", When: "true"},
		{Name: "bad", When: "scores.urgency >= 2 && x"},
	}})
	require.Error(t, err)
	assert.Equal(t, `mine: rules[1].when:1:24: rule "bad": when: undeclared reference to 'x'`, err.Error())
}

// FuzzParsePolicy feeds arbitrary bytes to the policy parser: it must never
// panic, and every error it reports must be placed in the file.
func FuzzParsePolicy(f *testing.F) {
	for _, seed := range []string{
		basePolicy + "rules: [{name: r, when: \"true\", priority: P3}]\n",
		"name: t\nrules:\n  - name: r\n    when: |\n      scores.urgency >= 2 &&\n      nosuch\n",
		"name: t\nrules:\n  - name: r\n    when: \"post.text_lower.containsAnyWord([\\\"a\\\"])\"\n    reply: x\n",
		"rules: [{name: r, when: '\"x\" == scores.intent', tag: [a, b], continue: true}]",
		"name: &a t\nrules: [{name: *a, when: true}]",
		"{",
		"",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, src string) {
		p, err := respond.ParsePolicy("f.yaml", []byte(src))
		if err != nil {
			var pe *respond.PolicyError
			if !errors.As(err, &pe) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			for _, fd := range pe.Findings {
				if fd.Pos.File != "f.yaml" || fd.Msg == "" {
					t.Fatalf("finding without place or message: %#v", fd)
				}
			}
			return
		}
		_ = p.Lint()
	})
}
