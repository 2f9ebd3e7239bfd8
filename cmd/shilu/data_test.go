package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
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

// The keys live apart from the data where SHILU_KEYS says (docs/security.md:
// whoever holds audit.key and the database can rewrite history): a new
// archive makes them there, every command finds them there, and the custody
// log verifies. An archive opened without its key is refused instead of
// being given a new one, and so is a key left in the data directory while
// SHILU_KEYS names another place.
func TestKeysApart(t *testing.T) {
	data, keys := t.TempDir(), t.TempDir()
	env := map[string]string{"SHILU_KEYS": keys}
	shilu := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(context.Background(), args, func(k string) string { return env[k] }, &out, &out)
		return out.String(), err
	}
	if out, err := shilu("user", "add", "--data", data, "--name", "zhangwei", "--role", "officer"); err != nil {
		t.Fatalf("user add: %v\n%s", err, out)
	}
	for _, name := range []string{"audit.key", "audit.pub", "secrets.key"} {
		if _, err := os.Stat(filepath.Join(keys, name)); err != nil {
			t.Errorf("%s not made in SHILU_KEYS: %v", name, err)
		}
		if _, err := os.Stat(filepath.Join(data, name)); err == nil {
			t.Errorf("%s made in the data directory too", name)
		}
	}
	if out, err := shilu("audit", "verify", "--data", data, "--quiet"); err != nil || !strings.Contains(out, "custody log verifies") {
		t.Fatalf("audit verify with SHILU_KEYS: %v\n%s", err, out)
	}

	delete(env, "SHILU_KEYS")
	if out, err := shilu("audit", "verify", "--data", data, "--quiet"); err == nil || !strings.Contains(err.Error(), "SHILU_KEYS") {
		t.Fatalf("audit verify without SHILU_KEYS: %v, want a refusal naming SHILU_KEYS\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(data, "audit.key")); err == nil {
		t.Fatal("a new audit.key was made for the existing archive")
	}

	env["SHILU_KEYS"] = keys
	b, err := os.ReadFile(filepath.Join(keys, "audit.key"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(data, "audit.key"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := shilu("audit", "verify", "--data", data, "--quiet"); err == nil || !strings.Contains(err.Error(), "in the data directory") {
		t.Fatalf("audit verify with a key in both places: %v, want a refusal\n%s", err, out)
	}
}
