package bolt_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harkhq/hark/state"
	"github.com/harkhq/hark/state/bolt"
)

// The crash test re-runs this test binary as a child that writes to a store
// as fast as it can, and kills it with SIGKILL in the middle of writing.
const crashEnv = "HARK_BOLT_CRASH_CHILD"

const crashWriters = 4

// crashValue is the value the child writes under writer g's i-th key:
// large enough to span pages, and checkable.
func crashValue(g, i int) []byte {
	b := make([]byte, 0, 6*1024)
	seed := sha256.Sum256(binary.BigEndian.AppendUint64([]byte{byte(g)}, uint64(i)))
	for len(b) < cap(b) {
		seed = sha256.Sum256(seed[:])
		b = append(b, seed[:]...)
	}
	return b
}

func crashKey(g, i int) string { return fmt.Sprintf("crash.g%d.%08d", g, i) }

// crashChild runs the child's part when the test binary was started as
// one, and reports whether it was.
func crashChild() bool {
	path := os.Getenv(crashEnv)
	if path == "" {
		return false
	}
	s, err := bolt.Open(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	ctx := context.Background()
	var mu sync.Mutex
	out := bufio.NewWriter(os.Stdout)
	var wg sync.WaitGroup
	for g := range crashWriters {
		wg.Go(func() {
			// Resume after the last counted step of the previous child.
			start := 0
			if e, err := s.Get(ctx, fmt.Sprintf("crash.count.g%d", g)); err == nil {
				start, _ = strconv.Atoi(string(e.Value))
			}
			for i := start; ; i++ {
				// A key written, then a counter moved by compare-and-set:
				// two commits per step, each all or nothing.
				if _, err := s.Put(ctx, crashKey(g, i), crashValue(g, i), 0); err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(4)
				}
				_, _, err := state.Modify(ctx, s, fmt.Sprintf("crash.count.g%d", g), 0,
					func(state.Entry, bool) ([]byte, bool, error) { return []byte(strconv.Itoa(i + 1)), true, nil })
				if err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(4)
				}
				mu.Lock()
				fmt.Fprintf(out, "%d %d\n", g, i)
				_ = out.Flush()
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return true
}

func TestKill9MidWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a child process")
	}
	t.Parallel()
	path := filepath.Join(t.TempDir(), "hark.db")
	acked := make([]int, crashWriters) // highest i each writer reported committed
	for i := range acked {
		acked[i] = -1
	}
	for round := range 3 {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), crashEnv+"="+path)
		cmd.Stderr = os.Stderr
		stdout, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		sc := bufio.NewScanner(stdout)
		// Let it commit a few hundred writes (more each round), then kill
		// it wherever it is.
		for n := 0; n < 150*(round+1) && sc.Scan(); n++ {
			f := strings.Fields(sc.Text())
			require.Len(t, f, 2)
			g, _ := strconv.Atoi(f[0])
			i, _ := strconv.Atoi(f[1])
			acked[g] = max(acked[g], i)
		}
		require.NoError(t, cmd.Process.Kill())
		for sc.Scan() {
			// Drain what it printed before it died: those commits happened.
			f := strings.Fields(sc.Text())
			if len(f) == 2 {
				g, _ := strconv.Atoi(f[0])
				i, _ := strconv.Atoi(f[1])
				acked[g] = max(acked[g], i)
			}
		}
		_ = cmd.Wait()

		s, err := bolt.Open(path)
		require.NoError(t, err, "round %d: reopen after kill -9", round)
		require.NoError(t, s.Check(context.Background()), "round %d: file consistent", round)
		ctx := context.Background()
		for g := range crashWriters {
			c, err := s.Get(ctx, fmt.Sprintf("crash.count.g%d", g))
			require.NoError(t, err)
			count, err := strconv.Atoi(string(c.Value))
			require.NoError(t, err)
			assert.GreaterOrEqual(t, count, acked[g]+1, "round %d writer %d: every reported commit survived", round, g)
			keys, err := s.Keys(ctx, fmt.Sprintf("crash.g%d.", g))
			require.NoError(t, err)
			// Keys are written in order, so they are a gap-free prefix, and
			// at most one key past the counter (written, counter not yet).
			require.GreaterOrEqual(t, len(keys), count)
			assert.LessOrEqual(t, len(keys), count+1)
			for i, k := range keys {
				require.Equal(t, crashKey(g, i), k, "no gap")
				e, err := s.Get(ctx, k)
				require.NoError(t, err)
				require.Equal(t, crashValue(g, i), e.Value, "value %s intact", k)
			}
		}
		require.NoError(t, s.Close())
	}
}
