//go:build !unix

package main

import (
	"os"
	"path/filepath"
)

// lockDir opens dir's lock file without locking it: on systems without
// flock the operator makes sure one backup at a time writes into a target.
func lockDir(dir string) (*os.File, error) {
	return os.OpenFile(filepath.Join(dir, ".lock"), os.O_RDWR|os.O_CREATE, 0o600)
}
