package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const posts = `{"id":"p1","source":"bluesky","text":"@acme my card was charged twice and the app just says contact support. please help","created":"2026-03-02T09:00:00Z","author":{"id":"u1","handle":"@maya","followers":120}}
{"id":"p2","text":"charger from acme caught FIRE on my desk. kids were next to it. how many are you still selling??","author":{"id":"u3","handle":"@ron"}}
not json
{"id":"p3","source":"reddit","text":"acme x2 or the pro for a small flat? torn","author":{"id":"u4","handle":"@sam","followers":3}}
`

func TestReplay(t *testing.T) {
	var out, errb bytes.Buffer
	code := run([]string{"-policy", "policy.yaml", "-now", "2026-03-02T10:00:00Z"}, strings.NewReader(posts), &out, &errb)
	if code != 2 {
		t.Fatalf("exit %d, want 2 (a malformed line); stderr: %s", code, errb.String())
	}
	if !strings.Contains(errb.String(), "line 3") {
		t.Errorf("stderr does not name line 3: %q", errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d decisions, want 3:\n%s", len(lines), out.String())
	}
	for i, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"id", "priority", "team", "respond_by", "actions", "reply", "rules"} {
			if _, ok := m[k]; !ok {
				t.Errorf("line %d has no %q: %s", i+1, k, l)
			}
		}
	}
	// The same input gives the same output.
	var again bytes.Buffer
	run([]string{"-policy", "policy.yaml", "-now", "2026-03-02T10:00:00Z"}, strings.NewReader(posts), &again, &bytes.Buffer{})
	if again.String() != out.String() {
		t.Error("two runs on the same input differ")
	}
}

func TestReplayBadPolicy(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(path, []byte("name: bad\nrules:\n  - name: r\n    when: scores.urgncy > 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := run([]string{"-policy", path}, strings.NewReader(posts), &out, &errb)
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	if want := path + ":4:17: "; !strings.HasPrefix(errb.String(), want) {
		t.Errorf("stderr %q does not start with %q", errb.String(), want)
	}
	if out.Len() != 0 {
		t.Errorf("output despite a bad policy: %s", out.String())
	}
}

func TestReplayDiff(t *testing.T) {
	src, err := os.ReadFile("policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// The other version had looser first-response times.
	other := strings.NewReplacer("P1: 30m", "P1: 1h", "P2: 2h", "P2: 4h", "P3: 8h", "P3: 1d", "P4: 2d", "P4: 3d").Replace(string(src))
	if other == string(src) {
		t.Fatal("the SLA was not found to change")
	}
	path := filepath.Join(t.TempDir(), "old.yaml")
	if err := os.WriteFile(path, []byte(other), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	run([]string{"-policy", "policy.yaml", "-diff", path, "-now", "2026-03-02T10:00:00Z"}, strings.NewReader(posts), &out, &errb)
	if !strings.Contains(errb.String(), "3 posts, ") || !strings.Contains(errb.String(), "decisions changed") {
		t.Errorf("no summary on stderr: %q", errb.String())
	}
	changed := 0
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if l == "" {
			continue
		}
		var d diffLine
		if err := json.Unmarshal([]byte(l), &d); err != nil {
			t.Fatal(err)
		}
		changed++
		if len(d.Changed) == 0 || d.Changed[0] != "respond_by" || d.Before.RespondBy == d.After.RespondBy {
			t.Errorf("want a change of respond_by only: %s", l)
		}
	}
	if changed == 0 {
		t.Error("no decision changed with the SLA")
	}
	// A policy compared with itself changes nothing.
	out.Reset()
	errb.Reset()
	run([]string{"-policy", "policy.yaml", "-diff", "policy.yaml"}, strings.NewReader(posts), &out, &errb)
	if out.Len() != 0 || !strings.Contains(errb.String(), "0 decisions changed") {
		t.Errorf("self-diff: out %q, stderr %q", out.String(), errb.String())
	}
}

func TestReplayLint(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"-policy", "policy.yaml", "-lint"}, strings.NewReader(""), &out, &errb); code != 0 || out.Len() != 0 {
		t.Errorf("shipped policy: exit %d, findings %q", code, out.String())
	}
	path := filepath.Join(t.TempDir(), "p.yaml")
	src := "name: p\nteams: [care, idle]\nrules:\n  - name: all\n    when: \"true\"\n    route: care\n  - name: late\n    when: scores.urgency > 2\n    route: care\n"
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if code := run([]string{"-policy", path, "-lint"}, strings.NewReader(""), &out, &errb); code != 0 {
		t.Errorf("exit %d for warnings only", code)
	}
	for _, want := range []string{`p.yaml:2:15: info: team "idle" is declared but no rule routes`, `p.yaml:7:5: warning: rule "late": unreachable: rule "all" before it always fires`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("lint output lacks %q:\n%s", want, out.String())
		}
	}
}
