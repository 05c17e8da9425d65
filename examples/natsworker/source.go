package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"

	"github.com/harkhq/hark"
	"github.com/harkhq/hark/listen"
)

// fileSource is a listen.Source over a JSONL file of posts: its cursor is
// the byte offset after the last whole line read, so a checkpoint resumes
// exactly there. With follow it waits for lines appended to the file (a
// tail), otherwise it is done at the end of the file. Malformed lines are
// logged and skipped.
type fileSource struct {
	name   string
	path   string
	follow bool
	page   int
	log    *slog.Logger
}

func (s *fileSource) Name() string { return s.name }

func (s *fileSource) Fetch(ctx context.Context, cursor string) (listen.Batch, error) {
	if err := ctx.Err(); err != nil {
		return listen.Batch{}, err
	}
	var off int64
	if cursor != "" {
		n, err := strconv.ParseInt(cursor, 10, 64)
		if err != nil || n < 0 {
			return listen.Batch{}, listen.Permanent(fmt.Errorf("%s: bad cursor %q", s.path, cursor))
		}
		off = n
	}
	f, err := os.Open(s.path)
	if err != nil {
		return listen.Batch{}, listen.Permanent(err)
	}
	defer f.Close()
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		return listen.Batch{}, err
	}
	r := bufio.NewReaderSize(f, 64<<10)
	var b listen.Batch
	for len(b.Posts) < s.page {
		line, n, err := readLine(r, hark.MaxLineBytes)
		if errors.Is(err, io.EOF) {
			// A last line without its newline may still be being written:
			// leave it for the next fetch, unless the file is finished.
			if n > 0 && !s.follow {
				off += n
				s.add(&b, line, n, off)
			}
			b.Done = !s.follow
			break
		}
		if err != nil {
			return listen.Batch{}, err
		}
		off += n
		s.add(&b, line, n, off)
	}
	b.Cursor = strconv.FormatInt(off, 10)
	return b, nil
}

// readLine returns the next line of r, newline included, and the n bytes
// it took. A line over max bytes is read through but not kept (line is
// nil): a file with one endless line costs max bytes, not its size.
func readLine(r *bufio.Reader, max int) (line []byte, n int64, err error) {
	for {
		chunk, err := r.ReadSlice('\n')
		n += int64(len(chunk))
		if n <= int64(max) {
			line = append(line, chunk...)
		} else {
			line = nil
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return line, n, err
		}
	}
}

func (s *fileSource) add(b *listen.Batch, line []byte, n, off int64) {
	if n > hark.MaxLineBytes {
		s.log.Warn("skipped line too long", "file", s.path, "offset", off, "bytes", n, "max", hark.MaxLineBytes)
		return
	}
	line = bytes.TrimSpace(line)
	if len(line) == 0 {
		return
	}
	var p hark.Post
	if err := json.Unmarshal(line, &p); err != nil {
		s.log.Warn("skipped malformed line", "file", s.path, "offset", off, "err", err)
		return
	}
	if p.Source == "" {
		p.Source = s.name
	}
	if err := p.Validate(); err != nil {
		s.log.Warn("skipped invalid post", "file", s.path, "offset", off, "err", err)
		return
	}
	b.Posts = append(b.Posts, p)
}
