// Package cli holds what the example tools share: reading JSONL posts from
// stdin with malformed lines reported and skipped, writing JSON lines, and
// the exit status contract of the design note (2 when any line was skipped).
package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"

	"github.com/harkhq/hark"
)

// ExitSkipped is the exit status of a tool that skipped a malformed line.
const ExitSkipped = 2

// Posts yields the posts of the JSONL in r. Each skipped line and each
// repaired one is reported on stderr with its line number. After the loop,
// *skipped holds the number of lines skipped. An I/O error ends the
// sequence and is reported too.
//
// When r is a regular file and stderr a terminal, a progress line (posts
// read, share of the file, posts per second, time left) is drawn on stderr
// and rewritten in place at most four times a second, and removed at the
// end; piped or redirected, the tool stays silent.
func Posts(r io.Reader, stderr io.Writer, skipped *int) iter.Seq[hark.Post] {
	return func(yield func(hark.Post) bool) {
		r, prog := newProgress(r, stderr)
		defer prog.done()
		jr := hark.NewReader(r)
		for {
			p, err := jr.Read()
			if err == io.EOF {
				return
			}
			var le *hark.LineError
			if errors.As(err, &le) {
				*skipped++
				prog.clear()
				fmt.Fprintf(stderr, "line %d: skipped: %v\n", le.Line, le.Err)
				continue
			}
			if err != nil {
				*skipped++
				prog.clear()
				fmt.Fprintf(stderr, "line %d: read error: %v\n", jr.Line()+1, err)
				return
			}
			if jr.Repaired() {
				prog.clear()
				fmt.Fprintf(stderr, "line %d: invalid UTF-8 replaced with U+FFFD\n", jr.Line())
			}
			prog.add()
			if !yield(p) {
				return
			}
		}
	}
}

// Encoder returns a JSON encoder for one object per line that leaves <, >
// and & as they are (the output is data, not HTML).
func Encoder(w io.Writer) *json.Encoder {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc
}
