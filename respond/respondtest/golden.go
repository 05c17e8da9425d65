package respondtest

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/harkhq/hark/respond"
)

// goldenLine is the stable form of a decision in a golden file: what was
// decided, not the trace of how.
type goldenLine struct {
	ID        string           `json:"id"`
	Priority  respond.Priority `json:"priority"`
	Team      string           `json:"team"`
	Queue     string           `json:"queue,omitempty"`
	RespondBy string           `json:"respond_by"`
	Actions   []respond.Action `json:"actions"`
	Reply     string           `json:"reply,omitempty"`
	Rules     []string         `json:"rules"`
}

// GoldenOption configures Golden.
type GoldenOption func(*goldenConfig)

type goldenConfig struct{ update, set bool }

// Update rewrites the golden file instead of comparing with it when update
// is true. Without it, Golden rewrites the file when the test binary has a
// flag named "update" set to true, as the standard library's golden tests
// do: declare it in your test with
//
//	var update = flag.Bool("update", false, "rewrite golden files")
//
// and run go test -update.
func Update(update bool) GoldenOption {
	return func(c *goldenConfig) { c.update, c.set = update, true }
}

// FormatGolden returns the golden form of decisions: one JSON object a
// line with id, priority, team, queue, respond_by, actions, reply and
// rules.
func FormatGolden(ds []respond.Decision) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	for _, d := range ds {
		g := goldenLine{ID: d.PostID, Priority: d.Priority, Team: d.Team, Queue: d.Queue,
			Actions: d.Actions, Reply: d.Reply, Rules: d.Rules}
		if !d.RespondBy.IsZero() {
			g.RespondBy = d.RespondBy.UTC().Format(time.RFC3339)
		}
		if g.Actions == nil {
			g.Actions = []respond.Action{}
		}
		if g.Rules == nil {
			g.Rules = []string{}
		}
		_ = enc.Encode(g) // cannot fail on these types
	}
	return buf.Bytes()
}

// Golden compares decisions with the golden file at path, and reports on t
// the first lines that differ; with Update (or -update, see Update) it
// writes the file instead.
func Golden(t testing.TB, path string, ds []respond.Decision, opts ...GoldenOption) {
	t.Helper()
	var cfg goldenConfig
	for _, o := range opts {
		o(&cfg)
	}
	if !cfg.set {
		if f := flag.Lookup("update"); f != nil {
			cfg.update = f.Value.String() == "true"
		}
	}
	got := FormatGolden(ds)
	if cfg.update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("golden file: %v (run the test with -update to write it)", err)
		return
	}
	if bytes.Equal(got, want) {
		return
	}
	gl := strings.Split(strings.TrimSuffix(string(got), "\n"), "\n")
	wl := strings.Split(strings.TrimSuffix(string(want), "\n"), "\n")
	var diffs []string
	for i := 0; i < max(len(gl), len(wl)) && len(diffs) < 10; i++ {
		var g, w string
		if i < len(gl) {
			g = gl[i]
		}
		if i < len(wl) {
			w = wl[i]
		}
		if g != w {
			diffs = append(diffs, "line "+strconv.Itoa(i+1)+":\n\t got: "+g+"\n\twant: "+w)
		}
	}
	t.Errorf("decisions differ from %s (%d lines, want %d); run with -update if the change is meant:\n%s",
		path, len(gl), len(wl), strings.Join(diffs, "\n"))
}
