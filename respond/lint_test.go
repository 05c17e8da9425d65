package respond_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkhq/hark/respond"
)

type finding struct{ rule, code string }

func lintOf(t *testing.T, rules string) []finding {
	t.Helper()
	p := mustParse(t, "name: t\nteams: [care]\nrules:\n"+rules)
	var out []finding
	for _, f := range p.Lint() {
		if f.Code == "unused" {
			continue
		}
		out = append(out, finding{f.Rule, f.Code})
	}
	return out
}

func rule(name, when string, extra ...string) string {
	s := fmt.Sprintf("  - name: %s\n    when: '%s'\n    route: care\n", name, when)
	for _, e := range extra {
		s += "    " + e + "\n"
	}
	return s
}

func TestLint(t *testing.T) {
	tests := []struct {
		name  string
		rules string
		want  []finding
	}{
		{"clean", rule("a", "scores.urgency >= 3") + rule("b", "scores.urgency >= 2") + rule("c", "true"), nil},
		{
			"after an always-true rule",
			rule("all", "true") + rule("late", "scores.urgency >= 2"),
			[]finding{{"late", "unreachable"}},
		},
		{
			"narrower after wider",
			rule("wide", "scores.urgency >= 2") + rule("narrow", `scores.urgency == 3 && scores.intent == "complaint"`),
			[]finding{{"narrow", "unreachable"}},
		},
		{
			"set inclusion",
			rule("wide", `scores.intent in ["complaint", "crisis"] && !thread.opted_out`) +
				rule("narrow", `scores.intent == "crisis" && thread.opted_out == false && author.influence > 50.0`),
			[]finding{{"narrow", "unreachable"}},
		},
		{
			"disjunction earlier",
			rule("either", `scores.intent == "spam" || scores.spam >= 0.8`) + rule("spammy", "scores.spam > 0.9"),
			[]finding{{"spammy", "unreachable"}},
		},
		{
			"same opaque text",
			rule("w", `post.text_lower.contains("refund")`) + rule("n", `post.text_lower.contains("refund") && scores.urgency >= 1`),
			[]finding{{"n", "unreachable"}},
		},
		{
			"fewer words",
			rule("w", `post.text_lower.containsAnyWord(["refund*", "charged", "bank"])`) +
				rule("n", `scores.urgency >= 2 && post.text_lower.containsAnyWord(["charged", "bank"])`),
			[]finding{{"n", "unreachable"}},
		},
		{
			"more words is not implied",
			rule("w", `post.text_lower.containsAnyWord(["charged"])`) +
				rule("n", `post.text_lower.containsAnyWord(["charged", "bank"])`) +
				rule("m", `post.text_lower.containsAny(["charged"])`),
			nil,
		},
		{"empty word list", rule("a", `post.text.containsAnyWord([])`), []finding{{"a", "always-false"}}},
		{
			"continue rules do not shadow",
			rule("tag", "true", "continue: true") + rule("b", "scores.urgency >= 2"),
			nil,
		},
		{
			"not implied",
			rule("a", "scores.urgency >= 2 && thread.opted_out") + rule("b", "scores.urgency >= 3"),
			nil,
		},
		{"out of range", rule("a", "scores.urgency > 3"), []finding{{"a", "always-false"}}},
		{"contradiction", rule("a", "scores.sentiment > 0.5 && scores.sentiment < 0.2"), []finding{{"a", "always-false"}}},
		{"bool contradiction", rule("a", "thread.opted_out && !thread.opted_out"), []finding{{"a", "always-false"}}},
		{"tautology by range", rule("a", "scores.confidence >= 0.0"), []finding{{"a", "always-true"}}},
		{"tautology by cover", rule("a", "scores.urgency > 1 || scores.urgency <= 1"), []finding{{"a", "always-true"}}},
		{"tautology by enum", rule("a", `scores.label != "unknown" || scores.label == "unknown"`), []finding{{"a", "always-true"}}},
		{"constant folding", rule("a", "1 + 1 == 3 || false"), []finding{{"a", "always-false"}}},
		{
			"unknown enum value",
			rule("a", `scores.intent == "complain"`),
			[]finding{{"a", "unknown-value"}, {"a", "always-false"}},
		},
		{"unknown language", rule("a", `scores.language == "english"`), []finding{{"a", "unknown-value"}}},
		{"no action", "  - name: a\n    when: scores.urgency >= 2\n", []finding{{"a", "no-action"}}},
		{
			"int ranges are integral",
			rule("a", "scores.urgency > 2") + rule("b", "scores.urgency == 3"),
			[]finding{{"b", "unreachable"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, lintOf(t, tt.rules))
		})
	}
}

func TestLintUnused(t *testing.T) {
	p := mustParse(t, `
name: t
teams: {care: [], idle: []}
channels: [quiet]
templates: {spare: {en: hi}}
rules: [{name: r, when: "true", route: care}]
`)
	var msgs []string
	for _, f := range p.Lint() {
		require.Equal(t, respond.SeverityInfo, f.Severity)
		msgs = append(msgs, f.String())
	}
	assert.Equal(t, []string{
		`test.yaml:3:19: info: team "idle" is declared but no rule routes or escalates to it`,
		`test.yaml:4:12: info: channel "quiet" is declared but no rule alerts it`,
		`test.yaml:5:13: info: template "spare" is declared but no rule replies with it`,
	}, msgs)
}

func TestShippedPolicyLintClean(t *testing.T) {
	p, err := respond.LoadPolicy("../examples/replay/policy.yaml")
	require.NoError(t, err)
	assert.Empty(t, p.Lint())
}
