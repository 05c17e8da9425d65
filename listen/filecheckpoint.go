package listen

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// FileCheckpoints is a [Checkpoints] kept in one JSON file mapping source
// names to cursors. Every Save rewrites the file atomically: it writes a
// temporary file beside it, syncs it, renames it over the old one and syncs
// the directory, so a crash leaves either the old or the new cursors, never
// a torn file. It is safe for concurrent use within one process; two
// processes must not share a file.
type FileCheckpoints struct {
	path string

	mu     sync.Mutex
	loaded bool
	m      map[string]string
}

// NewFileCheckpoints returns the checkpoints kept at path. The file is read
// on first use; a missing file means no cursors yet.
func NewFileCheckpoints(path string) *FileCheckpoints {
	return &FileCheckpoints{path: path}
}

// Path returns the file the checkpoints are kept in.
func (c *FileCheckpoints) Path() string { return c.path }

func (c *FileCheckpoints) load() error {
	if c.loaded {
		return nil
	}
	data, err := os.ReadFile(c.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		c.m = map[string]string{}
	case err != nil:
		return err
	default:
		m := map[string]string{}
		if err := json.Unmarshal(data, &m); err != nil {
			return fmt.Errorf("checkpoints %s: %w", c.path, err)
		}
		c.m = m
	}
	c.loaded = true
	return nil
}

// Load implements [Checkpoints].
func (c *FileCheckpoints) Load(ctx context.Context, source string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.load(); err != nil {
		return "", err
	}
	return c.m[source], nil
}

// Save implements [Checkpoints]. The cursor is on disk when Save returns
// nil.
func (c *FileCheckpoints) Save(ctx context.Context, source, cursor string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.load(); err != nil {
		return err
	}
	next := make(map[string]string, len(c.m)+1)
	for k, v := range c.m {
		next[k] = v
	}
	next[source] = cursor
	data, err := json.MarshalIndent(next, "", "  ")
	if err != nil {
		return err
	}
	if err := writeFileAtomic(c.path, append(data, '\n')); err != nil {
		return fmt.Errorf("checkpoints %s: %w", c.path, err)
	}
	c.m = next
	return nil
}

// writeFileAtomic replaces path with data: temp file, fsync, rename, fsync
// of the directory.
func writeFileAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			os.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err = f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
