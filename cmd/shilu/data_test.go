package main

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
)

// A signer key's base64 part may contain '+', the separator of its other
// parts; about half of all keys do, so 32 keys exercise it.
func TestLoadKeyRoundTrip(t *testing.T) {
	for range 32 {
		dir := t.TempDir()
		log1, v1, err := loadKey(dir)
		if err != nil {
			t.Fatalf("create key: %v", err)
		}
		log2, v2, err := loadKey(dir)
		if err != nil {
			t.Fatalf("reload key: %v", err)
		}
		if log1.Origin != log2.Origin || v1.KeyHash() != v2.KeyHash() {
			t.Fatalf("reloaded key differs: %s/%d vs %s/%d", log1.Origin, v1.KeyHash(), log2.Origin, v2.KeyHash())
		}
	}
}

// Issue 9 point 8: a data directory that others may read (made by hand or
// an installer with a loose umask) is made private before anything is
// written into it; a new one is private from the start.
func TestDataDirIsPrivate(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, mode := range []os.FileMode{0o755, 0o750, 0o777, 0o700} {
		dir := filepath.Join(t.TempDir(), "data")
		if err := os.Mkdir(dir, mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(dir, mode); err != nil { // past the umask
			t.Fatal(err)
		}
		if err := privateDir(dir, log); err != nil {
			t.Fatalf("%v: %v", mode, err)
		}
		if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
			t.Errorf("%v: now %v, want 0700", mode, fi.Mode().Perm())
		}
	}
	dir := filepath.Join(t.TempDir(), "new", "data")
	if err := privateDir(dir, log); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("new directory: %v, want 0700", fi.Mode().Perm())
	}
}
