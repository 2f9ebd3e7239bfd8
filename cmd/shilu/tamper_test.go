package main

import (
	"database/sql"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"
)

// copyDir copies an archive so that each tamper case starts from the same
// untouched state.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "data")
	if out, err := exec.Command("cp", "-a", src, dst).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
	return dst
}

func sqlExec(t *testing.T, data string, stmts ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(data, "shilu.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer closeT(t, db)
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// R-AUD-1, X-AUD-1: changing, deleting or reordering any stored custody
// entry makes `shilu audit verify` fail; R-STORE-2: a flipped byte in an
// original makes `shilu verify` fail and name it.
func TestTamperingIsDetected(t *testing.T) {
	data := t.TempDir()
	for _, u := range []string{"a", "b", "c", "d", "e"} {
		mustCLI(t, "user", "add", "--data", data, "--name", u, "--role", "officer")
	}
	station := newStation(t, data, "station-01")
	srv := startServer(t, data, "127.0.0.1:0")
	f := randomFile(t, t.TempDir(), "clip.bin", 1<<20, 3)
	mustCLI(t, "upload", "--server", srv.URL, "--token", station, "--quiet", "--state", t.TempDir(), f)
	srv.stop()
	if out := mustCLI(t, "audit", "verify", "--data", data); !strings.Contains(out, "custody log verifies") {
		t.Fatalf("untouched log does not verify: %s", out)
	}

	auditCases := []struct {
		name  string
		stmts []string
	}{
		{"ChangeEntry", []string{`UPDATE audit_entries SET data = replace(data, CAST('user:b' AS BLOB), CAST('user:x' AS BLOB)) WHERE idx = 1`}},
		{"ChangeEntryAndLeafHash", []string{`UPDATE audit_entries SET data = replace(data, CAST('officer' AS BLOB), CAST('leader!' AS BLOB)), leaf_hash = zeroblob(32) WHERE idx = 2`}},
		{"DeleteEntry", []string{`DELETE FROM audit_entries WHERE idx = 2`}},
		{"DeleteLastEntry", []string{`DELETE FROM audit_entries WHERE idx = (SELECT MAX(idx) FROM audit_entries)`}},
		{"ReorderEntries", []string{
			`UPDATE audit_entries SET idx = -1 WHERE idx = 1`,
			`UPDATE audit_entries SET idx = 1 WHERE idx = 3`,
			`UPDATE audit_entries SET idx = 3 WHERE idx = -1`}},
	}
	for _, c := range auditCases {
		t.Run("Audit"+c.name, func(t *testing.T) {
			d := copyDir(t, data)
			sqlExec(t, d, append([]string{"PRAGMA foreign_keys = OFF"}, c.stmts...)...)
			out, err := cli(t, "audit", "verify", "--data", d)
			var ee exitError
			if !errors.As(err, &ee) || ee != 1 || !strings.Contains(out, "PROBLEM") {
				t.Fatalf("audit verify after %s: err %v, output %q; want exit 1 with problems", c.name, err, out)
			}
		})
	}

	t.Run("FlippedByteInBlob", func(t *testing.T) {
		d := copyDir(t, data)
		blobs, _ := filepath.Glob(filepath.Join(d, "blobs", "sha256", "*", "*"))
		if len(blobs) != 1 {
			t.Fatalf("found %d blobs, want 1", len(blobs))
		}
		if err := os.Chmod(blobs[0], 0o644); err != nil {
			t.Fatal(err)
		}
		fh, err := os.OpenFile(blobs[0], os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		b := make([]byte, 1)
		_, rerr := fh.ReadAt(b, 4096)
		if rerr == nil {
			_, rerr = fh.WriteAt([]byte{b[0] ^ 1}, 4096)
		}
		if err := errors.Join(rerr, fh.Close()); err != nil {
			t.Fatal(err)
		}
		out, err := cli(t, "verify", "--data", d, "--quiet")
		var ee exitError
		if !errors.As(err, &ee) || ee != 1 || !strings.Contains(out, "CORRUPT recording 1 sha256-") || !strings.Contains(out, filepath.Base(blobs[0])) {
			t.Fatalf("verify after a flipped byte: err %v, output %q; want exit 1 naming the blob", err, out)
		}
	})

	t.Run("MissingBlob", func(t *testing.T) {
		d := copyDir(t, data)
		blobs, _ := filepath.Glob(filepath.Join(d, "blobs", "sha256", "*", "*"))
		if len(blobs) != 1 {
			t.Fatalf("found %d blobs, want 1", len(blobs))
		}
		if err := os.Remove(blobs[0]); err != nil {
			t.Fatal(err)
		}
		out, err := cli(t, "verify", "--data", d, "--quiet")
		if err == nil || !strings.Contains(out, "MISSING recording 1") {
			t.Fatalf("verify with a missing blob: err %v, output %q", err, out)
		}
	})
}

// Issue 9 point 6, R-AUD-1, X-SEC-3: the custody log is the source of
// truth. A recording, account, grant, request or viewing row changed, added
// or deleted with sqlite3 passed both verifications; `shilu audit verify` now replays the log against the
// tables, exits 1 and names the row.
func TestStateTamperingIsDetected(t *testing.T) {
	data := t.TempDir()
	mustCLI(t, "user", "add", "--data", data, "--name", "a", "--role", "officer")
	station := newStation(t, data, "station-01")
	srv := startServer(t, data, "127.0.0.1:0")
	dir := t.TempDir()
	for i, name := range []string{"one.bin", "two.bin"} {
		f := randomFile(t, dir, name, 64<<10, byte(10+i))
		mustCLI(t, "upload", "--server", srv.URL, "--token", station, "--quiet", "--state", t.TempDir(), f)
	}
	srv.stop()
	if out := mustCLI(t, "audit", "verify", "--data", data, "--quiet"); !strings.Contains(out, "match the custody log") {
		t.Fatalf("untouched archive: %s", out)
	}
	for _, c := range []struct {
		name  string
		stmts []string
		want  []string // in the output
	}{
		{"SwapDigests", []string{ // one recording would serve the other's bytes
			`UPDATE recordings SET probe_error = hex(digest) WHERE id IN (1, 2)`,
			`UPDATE recordings SET digest = zeroblob(32) WHERE id = 1`,
			`UPDATE recordings SET digest = unhex((SELECT probe_error FROM recordings r WHERE r.id = 1)) WHERE id = 2`,
			`UPDATE recordings SET digest = unhex((SELECT probe_error FROM recordings r WHERE r.id = 2)) WHERE id = 1`,
			`UPDATE recordings SET probe_error = '' WHERE id IN (1, 2)`,
		}, []string{"recording:1 differs", "recording:2 differs"}},
		{"ChangeSize", []string{`UPDATE recordings SET size = size + 1 WHERE id = 2`}, []string{"recording:2 differs: size"}},
		{"InsertRecording", []string{`INSERT INTO recordings (id, digest, size, filename, kind, ingested_at, uploader_id)
			SELECT 99, randomblob(32), 5, 'forged.mp4', 'video', ingested_at, uploader_id FROM recordings WHERE id = 1`}, []string{"recording:99 unlogged"}},
		{"DeleteRecording", []string{`DELETE FROM recordings WHERE id = 2`}, []string{"recording:2 missing"}},
		{"RaiseRole", []string{`UPDATE users SET role = 'leader' WHERE name = 'a'`}, []string{"user:a differs: role leader"}},
		{"InsertAccount", []string{`INSERT INTO users (name, role, password_hash, created_at) SELECT 'mallory', 'leader', password_hash, created_at FROM users WHERE name = 'a'`},
			[]string{"user:mallory unlogged"}},
		// A grant forged with its request would show content (R-VIEW-1).
		{"ForgedGrant", []string{
			`INSERT INTO access_requests (id, requester_id, purpose, reason, valid_from, valid_until, status, created_at, decided_by, decided_at)
				SELECT 1, id, 'case_work', '案件调查需要', created_at, created_at + 86400000000, 'approved', created_at, id, created_at FROM users WHERE name = 'a'`,
			`INSERT INTO access_request_recordings (request_id, recording_id) VALUES (1, 1)`,
			`INSERT INTO grants (id, request_id, grantee_id, valid_from, valid_until, created_at)
				SELECT 1, 1, requester_id, valid_from, valid_until, created_at FROM access_requests WHERE id = 1`,
		}, []string{"grant:1 unlogged", "request:1 unlogged"}},
		{"ForgedViewing", []string{`INSERT INTO viewings (id, user_id, recording_id, started_at, last_at, requests, bytes)
			SELECT 1, id, 1, created_at, created_at, 1, 5 FROM users WHERE name = 'a'`}, []string{"viewing:1 unlogged"}},
		{"PasswordHashSwapped", []string{`UPDATE users SET password_hash = '$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$aGFzaA' WHERE name = 'a'`},
			[]string{"user:a differs: password hash"}},
		{"Disabled", []string{`UPDATE users SET disabled = 1 WHERE name = 'station-01'`}, []string{"user:station-01 differs: disabled true"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := copyDir(t, data)
			sqlExec(t, d, append([]string{"PRAGMA foreign_keys = OFF"}, c.stmts...)...)
			out, err := cli(t, "audit", "verify", "--data", d, "--quiet")
			var ee exitError
			if !errors.As(err, &ee) || ee != 1 {
				t.Fatalf("err %v, want exit 1; output %q", err, out)
			}
			for _, w := range c.want {
				if !strings.Contains(out, "PROBLEM state "+w) {
					t.Errorf("output does not name %q:\n%s", w, out)
				}
			}
		})
	}
}
