package bolt_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/harkhq/hark/state"
	"github.com/harkhq/hark/state/bolt"
)

// A checkpoint saved before a restart is there after it.
func Example() {
	dir, _ := os.MkdirTemp("", "hark")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "hark.db")
	ctx := context.Background()

	kv, err := bolt.Open(path)
	if err != nil {
		panic(err)
	}
	_ = state.NewCheckpoints(kv, "").Save(ctx, "forum", "cursor-42")
	_ = kv.Close() // the process exits

	kv, err = bolt.Open(path) // and starts again
	if err != nil {
		panic(err)
	}
	defer kv.Close()
	cur, _ := state.NewCheckpoints(kv, "").Load(ctx, "forum")
	fmt.Println(cur)
	// Output: cursor-42
}
