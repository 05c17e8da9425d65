package bench

import (
	"syscall"
	"time"
)

// cpuTime returns the CPU time (user and system) the process has used so far,
// so that a benchmark can report how many cores it kept busy.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
