//go:build unix

package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// lockDir takes an exclusive lock on dir (a lock file in it) for as long
// as the process holds the returned file: two backups writing into one
// target at once would remove each other's generation. The kernel drops
// the lock when the process dies, so a killed run leaves none behind.
func lockDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close() //nolint:errcheck // nothing written
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("another shilu backup is writing into %s", dir)
		}
		return nil, err
	}
	return f, nil
}
