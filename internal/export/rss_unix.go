//go:build unix

package export

import (
	"os"
	"syscall"
)

// maxRSS is a finished child's peak resident memory in bytes (Linux counts
// kilobytes).
func maxRSS(ps *os.ProcessState) int64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return int64(ru.Maxrss) * 1024
	}
	return 0
}
