package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/influence"
	"github.com/harkhq/hark/respond"
	"github.com/harkhq/hark/respond/surge"
	"github.com/harkhq/hark/score"
)

// FuzzWrite feeds any text where the data puts text (handle, intent,
// priority, alert key and kind, reason) and any time offset: the page is
// written, and no tag of the input reaches it unescaped.
func FuzzWrite(f *testing.F) {
	f.Add("@ann", "complaint", "P1", "intent:complaint", "volume", int64(0))
	f.Add(`<script>alert(1)</script>`, `"><svg onload=x>`, "</title>", "</style>", "<!--", int64(-1<<40))
	f.Add("\xff\xfe", "", "", "", "silence", int64(1<<50))
	f.Fuzz(func(t *testing.T, handle, intent, prio, key, kind string, offset int64) {
		page := write(t, handle, intent, prio, key, kind, offset)
		// The same data with plain words: markup the page has of its own.
		plain := write(t, "h", "i", "p", "k", "volume", offset)
		for _, in := range []string{handle, intent, prio, key, kind} {
			if strings.Contains(in, "<") && strings.Count(page, in) > strings.Count(plain, in) {
				t.Fatalf("input %q reached the page unescaped", in)
			}
		}
	})
}

func write(t *testing.T, handle, intent, prio, key, kind string, offset int64) string {
	b := New(WithTitle(key))
	at := t0.Add(time.Duration(offset % int64(400*24*time.Hour)))
	for i := range 3 {
		p := hark.Post{ID: handle + string(rune('a'+i)), Text: "x", Created: at.Add(time.Duration(i) * time.Hour),
			Author: hark.Author{ID: handle, Handle: handle}}
		b.Add(respond.Case{Post: p, Scores: score.Result{Intent: score.Intent(intent)},
			Author: influence.AuthorScore{Standing: influence.Standing(kind)}},
			respond.Decision{Priority: respond.Priority(prio), RespondBy: p.Created.Add(time.Hour)})
	}
	b.Alerts(surge.Alert{Key: key, Kind: surge.Kind(kind), At: at, Reasons: []hark.Reason{{Code: handle}}})
	var out bytes.Buffer
	if err := b.Write(&out); err != nil {
		t.Fatal(err)
	}
	return out.String()
}
