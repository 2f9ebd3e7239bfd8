package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// copyFile copies src to dst, or does nothing when src does not exist.
func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if os.IsNotExist(err) {
		if err := os.Remove(dst); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// Issue 9 point 7, R-AUD-1: a database restored from an older copy (the
// newest entries gone with their checkpoints) verifies on its own; a
// checkpoint held outside the data directory finds it.
func TestAuditRollbackFoundByHeldCheckpoint(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	mustCLI(t, "user", "add", "--data", data, "--name", "zhangwei", "--role", "officer")
	backup := t.TempDir()
	for _, f := range []string{"shilu.db", "shilu.db-wal", "shilu.db-shm"} {
		copyFile(t, filepath.Join(data, f), filepath.Join(backup, f))
	}
	mustCLI(t, "user", "add", "--data", data, "--name", "lina", "--role", "officer")
	mustCLI(t, "user", "add", "--data", data, "--name", "wangfang", "--role", "custodian")
	held := filepath.Join(t.TempDir(), "held.checkpoint")
	if err := os.WriteFile(held, []byte(mustCLI(t, "audit", "checkpoint", "--data", data)), 0o600); err != nil {
		t.Fatal(err)
	}
	if out := mustCLI(t, "audit", "verify", "--data", data, "--quiet", "--checkpoint", held); !strings.Contains(out, "extends the held checkpoint") {
		t.Errorf("untouched log: %s", out)
	}

	for _, f := range []string{"shilu.db", "shilu.db-wal", "shilu.db-shm"} { // the rollback
		copyFile(t, filepath.Join(backup, f), filepath.Join(data, f))
	}
	if out := mustCLI(t, "audit", "verify", "--data", data, "--quiet"); !strings.Contains(out, "custody log verifies") {
		t.Fatalf("the rolled-back log on its own: %s", out)
	}
	out, err := cli(t, "audit", "verify", "--data", data, "--quiet", "--checkpoint", held)
	if err == nil || !strings.Contains(out, "shorter than a checkpoint held outside it") {
		t.Errorf("rolled-back log against the held checkpoint: %v\n%s", err, out)
	}
}

// serve --witness keeps the latest checkpoint in a file outside the data
// directory, which audit verify --checkpoint accepts; a witness inside the
// data directory is refused.
func TestServeWitness(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	mustCLI(t, "user", "add", "--data", data, "--name", "zhangwei", "--role", "officer")
	if _, err := cli(t, "serve", "--data", data, "--listen", "127.0.0.1:0", "--witness", filepath.Join(data, "witness")); err == nil {
		t.Error("a witness inside the data directory was accepted")
	}
	witness := filepath.Join(t.TempDir(), "witness")
	srv := startServer(t, data, "127.0.0.1:0", "--witness", witness)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if b, err := os.ReadFile(witness); err == nil && len(b) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no witness file")
		}
		time.Sleep(50 * time.Millisecond)
	}
	srv.stop()
	if out := mustCLI(t, "audit", "verify", "--data", data, "--quiet", "--checkpoint", witness); !strings.Contains(out, "extends the held checkpoint") {
		t.Errorf("verify against the witness: %s", out)
	}
}
