//go:build !unix

package respond_test

import "time"

func cpuTime() time.Duration { return 0 }
