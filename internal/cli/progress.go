package cli

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"time"
)

// progressEvery is the shortest time between two progress lines.
const progressEvery = 250 * time.Millisecond

// A progress draws, on a terminal, how far a tool has read a file of
// known size: posts read, share of bytes, rate and time left, on one line
// rewritten in place. A nil *progress does nothing, so callers need not
// check.
type progress struct {
	w      io.Writer
	size   int64
	read   *countingReader
	now    func() time.Time
	start  time.Time
	last   time.Time
	posts  int64
	drawn  bool
	unit   string
	lineSz int
}

// newProgress returns a progress for reading r with the line drawn on
// stderr, or nil when stderr is not a terminal (piped, redirected to a
// file, a buffer) or the size of r is unknown (a pipe, not a regular
// file), or when the tool's output (os.Stdout) is the terminal too. It
// returns the reader to read instead of r.
func newProgress(r io.Reader, stderr io.Writer) (io.Reader, *progress) {
	if !isTerminal(stderr) {
		return r, nil
	}
	if stderr == io.Writer(os.Stderr) && isTerminal(os.Stdout) {
		return r, nil // the output would run into the line
	}
	f, ok := r.(*os.File)
	if !ok {
		return r, nil
	}
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() || fi.Size() <= 0 {
		return r, nil
	}
	// Bytes already read (a file opened and partly read) do not count.
	pos, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		pos = 0
	}
	cr := &countingReader{r: f}
	return cr, newProgressFor(stderr, fi.Size()-pos, cr, time.Now)
}

func newProgressFor(w io.Writer, size int64, cr *countingReader, now func() time.Time) *progress {
	t := now()
	return &progress{w: w, size: size, read: cr, now: now, start: t, last: t, unit: "posts"}
}

// isTerminal reports whether w is a character device: a terminal (or
// /dev/null, where drawing is harmless).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || f == nil {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// add counts one post and redraws the line when it is due.
func (p *progress) add() {
	if p == nil {
		return
	}
	p.posts++
	now := p.now()
	if now.Sub(p.last) < progressEvery {
		return
	}
	p.last = now
	p.draw(now)
}

func (p *progress) draw(now time.Time) {
	line := formatProgress(p.posts, p.unit, p.read.n, p.size, now.Sub(p.start))
	pad := p.lineSz - len(line)
	p.lineSz = len(line)
	if pad > 0 {
		line += fmt.Sprintf("%*s", pad, "")
	}
	fmt.Fprint(p.w, "\r"+line)
	p.drawn = true
}

// clear removes the line before another message is written to stderr; the
// next add draws it again.
func (p *progress) clear() {
	if p == nil || !p.drawn {
		return
	}
	fmt.Fprintf(p.w, "\r%*s\r", p.lineSz, "")
	p.drawn, p.lineSz = false, 0
}

// done removes the line: the tool's output and its own messages are what
// remain.
func (p *progress) done() { p.clear() }

// formatProgress gives the progress line: "12,345 posts  48%  3,210 posts/s
// ETA 1m05s". The rate is of posts, the time left is from the bytes read
// so far against the size; both are left out before there is a rate to
// speak of.
func formatProgress(posts int64, unit string, read, size int64, elapsed time.Duration) string {
	s := group(posts) + " " + unit
	if size > 0 {
		pct := min(100, read*100/size)
		s += "  " + strconv.FormatInt(pct, 10) + "%"
	}
	secs := elapsed.Seconds()
	if secs <= 0 || posts == 0 {
		return s
	}
	s += "  " + group(int64(float64(posts)/secs+0.5)) + " " + unit + "/s"
	if size > 0 && read > 0 && read < size {
		left := time.Duration(float64(size-read) / (float64(read) / secs) * float64(time.Second))
		s += "  ETA " + left.Round(time.Second).String()
	}
	return s
}

// group writes n with commas between thousands.
func group(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := ""
	if n < 0 {
		neg, s = "-", s[1:]
	}
	out := make([]byte, 0, len(s)+len(s)/3)
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return neg + string(out)
}
