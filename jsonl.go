package hark

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"unicode/utf8"
)

// MaxLineBytes is the longest JSONL line [Reader] reads. Longer lines are
// skipped (without being held in memory) and reported as [ErrLineTooLong].
const MaxLineBytes = 4 << 20

// ErrLineTooLong is the error of a line longer than [MaxLineBytes].
var ErrLineTooLong = fmt.Errorf("line longer than %d bytes", MaxLineBytes)

// A LineError reports a line of JSONL input that was skipped.
type LineError struct {
	Line int   // 1-based
	Err  error // what was wrong with it
}

func (e *LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }
func (e *LineError) Unwrap() error { return e.Err }

// A Reader reads posts from JSONL: one JSON object per line, blank lines
// ignored. It is lenient in the way a pipeline must be: a line that is not a
// valid post is reported as a *LineError and skipped, and reading goes on
// with the next line. Invalid UTF-8 in a line is repaired (replaced with
// U+FFFD) rather than losing the post; [Reader.Repaired] says so.
type Reader struct {
	br       *bufio.Reader
	line     int
	skipped  int
	repaired bool
	err      error // sticky I/O error
}

// NewReader returns a Reader reading from r.
func NewReader(r io.Reader) *Reader {
	return &Reader{br: bufio.NewReaderSize(r, 64<<10)}
}

// Read returns the next post. At the end of input it returns io.EOF. A bad
// line gives a *LineError, after which Read may be called again; any other
// error is from the underlying reader and is returned from then on.
func (r *Reader) Read() (Post, error) {
	for {
		if r.err != nil {
			return Post{}, r.err
		}
		line, err := r.readLine()
		if err != nil {
			if errors.Is(err, ErrLineTooLong) {
				r.skipped++
				return Post{}, &LineError{Line: r.line, Err: err}
			}
			r.err = err
			return Post{}, err
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		p, err := decodeLine(line)
		r.repaired = err == nil && !utf8.Valid(line)
		if err != nil {
			r.skipped++
			return Post{}, &LineError{Line: r.line, Err: err}
		}
		return p, nil
	}
}

// decodeLine decodes one JSON object into a valid post. encoding/json
// already replaces invalid UTF-8 in strings with U+FFFD.
func decodeLine(line []byte) (Post, error) {
	if line[0] != '{' {
		return Post{}, errors.New("not a JSON object")
	}
	var p Post
	if err := json.Unmarshal(line, &p); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return Post{}, fmt.Errorf("malformed JSON at byte %d: %v", se.Offset, se)
		}
		return Post{}, err
	}
	p.Repair() // belt and braces: Validate must not see invalid UTF-8 here
	if err := p.Validate(); err != nil {
		return Post{}, err
	}
	return p, nil
}

// readLine returns the next line without its newline. A line longer than
// MaxLineBytes is consumed and discarded in chunks and reported as
// ErrLineTooLong; the final line may lack a newline.
func (r *Reader) readLine() ([]byte, error) {
	var buf []byte
	for {
		chunk, err := r.br.ReadSlice('\n')
		if len(buf)+len(chunk) > MaxLineBytes {
			r.line++
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = r.br.ReadSlice('\n')
			}
			if err != nil && err != io.EOF {
				return nil, err
			}
			return nil, ErrLineTooLong
		}
		switch {
		case err == nil:
			r.line++
			return append(buf, chunk...), nil
		case errors.Is(err, bufio.ErrBufferFull):
			buf = append(buf, chunk...)
		case err == io.EOF:
			if len(buf)+len(chunk) == 0 {
				return nil, io.EOF
			}
			r.line++
			return append(buf, chunk...), nil
		default:
			return nil, err
		}
	}
}

// Line returns the line number of the post or error Read returned last.
func (r *Reader) Line() int { return r.line }

// Repaired reports whether the post Read returned last had invalid UTF-8
// that was replaced with U+FFFD.
func (r *Reader) Repaired() bool { return r.repaired }

// Skipped returns how many lines have been skipped so far.
func (r *Reader) Skipped() int { return r.skipped }

// All returns an iterator over the posts, yielding each skipped line's
// *LineError and, last, any I/O error. It stops at the end of input.
func (r *Reader) All() iter.Seq2[Post, error] {
	return func(yield func(Post, error) bool) {
		for {
			p, err := r.Read()
			if err == io.EOF {
				return
			}
			var le *LineError
			if !yield(p, err) || (err != nil && !errors.As(err, &le)) {
				return
			}
		}
	}
}

// A Writer writes posts as JSONL. Call Flush when done.
type Writer struct {
	bw  *bufio.Writer
	enc *json.Encoder
}

// NewWriter returns a Writer writing to w.
func NewWriter(w io.Writer) *Writer {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	return &Writer{bw: bw, enc: enc}
}

// Write writes p as one line. It does not validate p.
func (w *Writer) Write(p Post) error { return w.enc.Encode(p) }

// Flush writes any buffered data to the underlying writer.
func (w *Writer) Flush() error { return w.bw.Flush() }
