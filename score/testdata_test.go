package score

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// labelledText is a post of the labelled sets under testdata.
type labelledText struct {
	Text string `json:"text"`
	Lang string `json:"lang"`
}

// labelledTexts reads the labelled posts of the JSONL files matching
// pattern (e.g. "testdata/care/*.jsonl"), in file-name order.
func labelledTexts(tb testing.TB, pattern string) []labelledText {
	tb.Helper()
	files, err := filepath.Glob(pattern)
	if err != nil || len(files) == 0 {
		tb.Fatalf("no labelled posts match %s (%v)", pattern, err)
	}
	var out []labelledText
	for _, fn := range files {
		f, err := os.Open(fn)
		if err != nil {
			tb.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var row labelledText
			if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
				tb.Fatalf("%s: %v", fn, err)
			}
			out = append(out, row)
		}
		f.Close()
		if err := sc.Err(); err != nil {
			tb.Fatalf("%s: %v", fn, err)
		}
	}
	return out
}

// The sets that judge the model or choose its thresholds (blind,
// blind-inbox, validation) share no post with the care set it is trained
// on, nor with each other.
func TestHeldOutSetsAreNotTrainedOn(t *testing.T) {
	seen := map[string]string{}
	for _, dir := range []string{"care", "blind", "blind-inbox", "validation"} {
		for _, p := range labelledTexts(t, filepath.Join("testdata", dir, "*.jsonl")) {
			if other, ok := seen[p.Text]; ok && other != dir {
				t.Errorf("%s and %s both hold %q", other, dir, p.Text)
			}
			seen[p.Text] = dir
		}
	}
}
