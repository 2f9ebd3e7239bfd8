package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"shilu/internal/app"
	"shilu/internal/audit"
	"shilu/internal/blob"
	"shilu/internal/blob/disk"
	"shilu/internal/evidence"
	"shilu/internal/store"
)

// X-SEC-4, issue 11 point 5: the restore drill. Recordings are ingested
// (real camera files made by ffmpeg), backed up while the server runs and
// ingests, the data directory is wiped, the backup is restored with the
// keys kept apart, `shilu verify` and `shilu audit verify` pass, the
// restored archive serves and ingests again, and the next backup into the
// same directory copies only the new original.
func TestBackupRestoreDrill(t *testing.T) {
	data, media, to := t.TempDir(), t.TempDir(), t.TempDir()
	station := newStation(t, data, "station-01")
	srv := startServer(t, data, "127.0.0.1:0")
	start := time.Date(2026, 11, 30, 9, 0, 0, 0, evidence.Zone)
	var clips []string
	for i := range 4 {
		clips = append(clips, makeVideo(t, media, fmt.Sprintf("DSJ001_20261130%02d0000_0001.mp4", 9+i), 2, start.Add(time.Duration(i)*time.Hour)))
	}
	mustCLI(t, append([]string{"upload", "--server", srv.URL, "--token", station, "--quiet", "--state", t.TempDir()}, clips[:3]...)...)

	// Online: an upload runs while the backup is made.
	var wg sync.WaitGroup
	var upErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, upErr = cli(t, "upload", "--server", srv.URL, "--token", station, "--quiet", "--state", t.TempDir(), clips[3])
	}()
	out := mustCLI(t, "backup", "--data", data, "--to", to, "--quiet")
	wg.Wait()
	if upErr != nil {
		t.Fatalf("upload during the backup: %v", upErr)
	}
	if !strings.Contains(out, "backup complete") || !strings.Contains(out, "keys kept apart") {
		t.Errorf("backup: %q", out)
	}
	m := readManifestT(t, to)
	if m.Blobs.Count < 3 || m.Blobs.Copied != m.Blobs.Count || m.Keys.Included {
		t.Errorf("manifest: %d originals, %d copied, keys included %v", m.Blobs.Count, m.Blobs.Copied, m.Keys.Included)
	}
	if _, err := os.Stat(filepath.Join(to, m.Generation, "keys")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("keys in a backup made without --with-keys: %v", err)
	}
	// The backup is in the live archive's custody log.
	if out := mustCLI(t, "audit", "verify", "--data", data, "--quiet"); !strings.Contains(out, "custody log verifies") {
		t.Errorf("audit verify of the live archive: %s", out)
	}
	srv.stop()

	// The operator keeps the keys apart; the data directory is lost.
	keys := t.TempDir()
	for _, k := range backupKeys {
		copyFileT(t, filepath.Join(data, k), filepath.Join(keys, k))
	}
	if err := os.RemoveAll(data); err != nil {
		t.Fatal(err)
	}
	if _, err := cli(t, "restore", "--from", to, "--data", data); err == nil || !strings.Contains(err.Error(), "--keys") {
		t.Errorf("restore without keys: %v, want a refusal naming --keys", err)
	}
	out = mustCLI(t, "restore", "--from", to, "--data", data, "--keys", keys, "--quiet")
	if want := fmt.Sprintf("%d originals restored and verified", m.Blobs.Count); !strings.Contains(out, want) {
		t.Errorf("restore: %q, want %q", out, want)
	}
	if out := mustCLI(t, "verify", "--data", data, "--quiet"); !strings.Contains(out, fmt.Sprintf("%d recordings verified", m.Blobs.Count)) {
		t.Errorf("verify after restore: %s", out)
	}
	out = mustCLI(t, "audit", "verify", "--data", data, "--quiet")
	if !strings.Contains(out, "custody log verifies") || strings.Contains(out, "PROBLEM") || strings.Contains(out, "WARNING") {
		t.Errorf("audit verify after restore: %s", out)
	}
	t.Logf("the backup made during an upload holds %d of 4 recordings", m.Blobs.Count)

	// The restored archive serves and ingests; the next backup copies the
	// new original only.
	srv = startServer(t, data, "127.0.0.1:0")
	more := makeVideo(t, media, "DSJ001_20261130140000_0001.mp4", 3, start.Add(5*time.Hour))
	mustCLI(t, "upload", "--server", srv.URL, "--token", station, "--quiet", "--state", t.TempDir(), more)
	out = mustCLI(t, "backup", "--data", data, "--to", to, "--quiet")
	srv.stop()
	m2 := readManifestT(t, to)
	if m2.Blobs.Count != m.Blobs.Count+1 || m2.Blobs.Copied != 1 {
		t.Errorf("incremental backup: %d originals, %d copied; want %d and 1\n%s", m2.Blobs.Count, m2.Blobs.Copied, m.Blobs.Count+1, out)
	}
	if gens, _ := filepath.Glob(filepath.Join(to, "gen-*")); len(gens) != 1 {
		t.Errorf("generations left in the backup: %v", gens)
	}
	again := filepath.Join(t.TempDir(), "again")
	mustCLI(t, "restore", "--from", to, "--data", again, "--keys", keys, "--quiet")
	if out := mustCLI(t, "verify", "--data", again, "--quiet"); !strings.Contains(out, fmt.Sprintf("%d recordings verified", m2.Blobs.Count)) {
		t.Errorf("verify after the second restore: %s", out)
	}
	if out := mustCLI(t, "audit", "verify", "--data", again, "--quiet"); !strings.Contains(out, "custody log verifies") || strings.Contains(out, "PROBLEM") {
		t.Errorf("audit verify after the second restore: %s", out)
	}
}

// X-SEC-4: what restore refuses, each with a message that says why: a
// directory without a complete backup, a data directory in use, keys that
// are not the backup's, a changed catalogue, a missing or changed
// original, a custody log shorter than the manifest says. --with-keys puts
// the keys in the backup, and restore uses them.
func TestRestoreRefuses(t *testing.T) {
	data, files := t.TempDir(), t.TempDir()
	station := newStation(t, data, "station-01")
	srv := startServer(t, data, "127.0.0.1:0")
	for i := range 3 {
		f := randomFile(t, files, fmt.Sprintf("clip-%d.bin", i), 1<<18, byte(i+1))
		mustCLI(t, "upload", "--server", srv.URL, "--token", station, "--quiet", "--state", t.TempDir(), f)
	}
	good := t.TempDir()
	var stderr strings.Builder
	if err := run(context.Background(), []string{"backup", "--data", data, "--to", good, "--with-keys", "--quiet"}, func(string) string { return "" }, io.Discard, &stderr); err != nil {
		t.Fatal(err)
	}
	srv.stop()
	if !strings.Contains(stderr.String(), "WARNING the backup holds the keys") {
		t.Errorf("--with-keys without a warning: %q", stderr.String())
	}
	m := readManifestT(t, good)
	if !m.Keys.Included {
		t.Fatal("--with-keys: manifest says the keys are apart")
	}
	anyBlob := func(dir string) string {
		var p string
		b, err := disk.Open(filepath.Join(dir, "blobs"))
		if err != nil {
			t.Fatal(err)
		}
		if err := b.List(context.Background(), func(d blob.Digest) error { p = b.Path(d); return nil }); err != nil || p == "" {
			t.Fatalf("no blob in the backup: %v", err)
		}
		return p
	}
	otherKeys := t.TempDir()
	for _, k := range backupKeys {
		if err := os.WriteFile(filepath.Join(otherKeys, k), []byte("not the key\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	tests := []struct {
		name   string
		damage func(t *testing.T, dir string) // on a copy of the good backup
		flags  []string
		dataIn bool // the target data directory holds a file
		want   string
	}{
		{name: "OK"},
		{name: "ErrIncomplete", want: "no complete backup", damage: func(t *testing.T, dir string) {
			rm(t, filepath.Join(dir, manifestName))
		}},
		{name: "ErrNotEmpty", dataIn: true, want: "not empty"},
		{name: "ErrWrongKeys", flags: []string{"--keys", otherKeys}, want: "is not the key this backup was made with"},
		{name: "ErrCatalogueChanged", want: "the backup is damaged", damage: func(t *testing.T, dir string) {
			f, err := os.OpenFile(filepath.Join(dir, m.Catalogue.File), os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				t.Fatal(err)
			}
			_, err = f.Write([]byte{0})
			if err := errors.Join(err, f.Close()); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "ErrBlobMissing", want: "lacks the original", damage: func(t *testing.T, dir string) {
			rm(t, anyBlob(dir))
		}},
		{name: "ErrBlobChanged", want: "digest mismatch", damage: func(t *testing.T, dir string) {
			p := anyBlob(dir)
			if err := os.Chmod(p, 0o644); err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			b[len(b)/2] ^= 1
			if err := os.WriteFile(p, b, 0o444); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "ErrLogShorter", want: "custody log does not verify", damage: func(t *testing.T, dir string) {
			mm := readManifestT(t, dir)
			mm.Log.Entries++
			if err := writeManifest(dir, mm); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "backup")
			copyTreeT(t, good, dir)
			if tc.damage != nil {
				tc.damage(t, dir)
			}
			target := filepath.Join(t.TempDir(), "data")
			if tc.dataIn {
				if err := os.MkdirAll(target, 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(target, "shilu.db"), nil, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			_, err := cli(t, append([]string{"restore", "--from", dir, "--data", target, "--quiet"}, tc.flags...)...)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("restore: %v", err)
				}
				if out := mustCLI(t, "verify", "--data", target, "--quiet"); !strings.Contains(out, "3 recordings verified") {
					t.Errorf("verify: %s", out)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("restore: %v, want an error saying %q", err, tc.want)
			}
			// Nothing that looks like an archive is left behind.
			if !tc.dataIn {
				if _, err := os.Stat(target); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("a refused restore left %s: %v", target, err)
				}
			}
			if left, _ := filepath.Glob(filepath.Join(filepath.Dir(target), ".shilu-restore-*")); len(left) > 0 {
				t.Errorf("a refused restore left %v", left)
			}
		})
	}
}

// R-RET-3, X-SEC-4: a recording disposed of after a backup is not brought
// back by a restore. The next backup lists its tombstone and removes its
// file from the backup; a file the backup still holds (an earlier run's,
// its removal interrupted) is skipped by restore, which says so, and the
// restored archive's verify reports the recording disposed of, not missing.
func TestBackupKeepsDisposalsDisposed(t *testing.T) {
	data, files, to := t.TempDir(), t.TempDir(), t.TempDir()
	station := newStation(t, data, "station-01")
	custodian := newPerson(t, data, "guanli", "custodian")
	leader := newPerson(t, data, "liuyang", "leader")
	srv := startServer(t, data, "127.0.0.1:0")
	mustCLI(t, "upload", "--server", srv.URL, "--token", station, "--quiet", "--state", t.TempDir(), randomFile(t, files, "kept.bin", 1<<16, 1))
	id := uploadedID(t, mustCLI(t, "upload", "--server", srv.URL, "--token", station, "--quiet", "--state", t.TempDir(), randomFile(t, files, "gone.bin", 1<<16, 2)))
	srv.stop()
	mustCLI(t, "backup", "--data", data, "--to", to, "--quiet")

	// A year and a month on, the recording is disposed of.
	ctx := context.Background()
	rec, err := disposeLater(t, data, id, custodian.name, leader.name, func(b *disk.Store) app.Deleter { return b })
	if err != nil {
		t.Fatal(err)
	}

	bk, err := disk.Open(filepath.Join(to, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	kept := filepath.Join(t.TempDir(), "kept")
	copyFileT(t, bk.Path(rec.Digest), kept)
	out := mustCLI(t, "backup", "--data", data, "--to", to, "--quiet")
	if !strings.Contains(out, "1 recordings disposed of") || !strings.Contains(out, "1 removed from the backup") {
		t.Errorf("backup after a disposal: %q", out)
	}
	if m := readManifestT(t, to); len(m.Tombstones) != 1 || m.Tombstones[0].Digest != rec.Digest || m.Blobs.Count != 1 {
		t.Errorf("manifest: tombstones %v, %d originals", m.Tombstones, m.Blobs.Count)
	}
	if _, err := bk.Stat(ctx, rec.Digest); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("the disposed file is still in the backup: %v", err)
	}
	// An interrupted removal left the file in the backup.
	if err := bk.Put(ctx, rec.Digest, openT(t, kept), -1); err != nil {
		t.Fatal(err)
	}
	restored := filepath.Join(t.TempDir(), "restored")
	out = mustCLI(t, "restore", "--from", to, "--data", restored, "--keys", data, "--quiet")
	if !strings.Contains(out, "SKIPPED "+rec.Digest.String()) || !strings.Contains(out, "1 files skipped") {
		t.Errorf("restore: %q", out)
	}
	rb, err := disk.Open(filepath.Join(restored, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rb.Stat(ctx, rec.Digest); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("restore brought back a disposed recording's file: %v", err)
	}
	out = mustCLI(t, "verify", "--data", restored, "--quiet")
	if !strings.Contains(out, "1 recordings verified") || !strings.Contains(out, "1 recordings disposed of") || strings.Contains(out, "MISSING") {
		t.Errorf("verify after restore: %q", out)
	}
	if out := mustCLI(t, "audit", "verify", "--data", restored, "--quiet"); !strings.Contains(out, "custody log verifies") || strings.Contains(out, "PROBLEM") {
		t.Errorf("audit verify after restore: %q", out)
	}
}

// X-SEC-4, issue 11 acceptance and performance: `shilu backup` killed with
// SIGKILL at random moments leaves a target that restore either takes
// whole (and it verifies) or refuses as incomplete, never a half backup;
// a killed run into a directory that held a complete backup leaves that
// backup restorable. An archive of which 1% changed (new originals) is
// backed up again by copying about 1% of the bytes (asserted <= 2%). The
// figures (incremental share, backup MB/s against a plain copy of the
// blob files) are logged.
func TestBackupKilledAndIncremental(t *testing.T) {
	data, files := t.TempDir(), t.TempDir()
	station := newStation(t, data, "station-01")
	srv := startServer(t, data, "127.0.0.1:0")
	const n, size = 100, 640 << 10
	var paths []string
	for i := range n {
		paths = append(paths, randomFile(t, files, fmt.Sprintf("clip-%03d.bin", i), size, byte(i+1)))
	}
	mustCLI(t, append([]string{"upload", "--server", srv.URL, "--token", station, "--quiet", "--state", t.TempDir()}, paths...)...)

	// A full backup, timed against a plain copy of the same files.
	ref := t.TempDir()
	begin := time.Now()
	mustCLI(t, "backup", "--data", data, "--to", ref, "--quiet")
	full := time.Since(begin)
	begin = time.Now()
	plainCopy(t, filepath.Join(data, "blobs"), t.TempDir())
	plain := time.Since(begin)
	mb := float64(n*size) / (1 << 20)
	t.Logf("full backup of %d originals, %.0f MiB: %v (%.0f MiB/s); plain copy of the blob files: %v (%.0f MiB/s)",
		n, mb, full.Round(time.Millisecond), mb/full.Seconds(), plain.Round(time.Millisecond), mb/plain.Seconds())

	// 1% changed: one new original of the same size.
	mustCLI(t, "upload", "--server", srv.URL, "--token", station, "--quiet", "--state", t.TempDir(), randomFile(t, files, "new.bin", size, 200))
	mustCLI(t, "backup", "--data", data, "--to", ref, "--quiet")
	m := readManifestT(t, ref)
	share := float64(m.Blobs.CopiedBytes) / float64(m.Blobs.Bytes)
	t.Logf("incremental backup after 1%% changed: copied %d of %d originals, %d of %d bytes (%.2f%%)", m.Blobs.Copied, m.Blobs.Count, m.Blobs.CopiedBytes, m.Blobs.Bytes, 100*share)
	if m.Blobs.Count != n+1 || share > 0.02 {
		t.Errorf("incremental backup copied %.2f%% of the bytes (%d originals), want <= 2%%", 100*share, m.Blobs.Count)
	}

	kill := func(to string, after time.Duration) bool {
		cmd := exec.Command(shiluBin, "backup", "--data", data, "--to", to, "--quiet")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("shilu backup: %v", err)
			}
			return false // finished first
		case <-time.After(after):
		}
		if err := cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
			t.Fatal(err)
		}
		// nil: it finished just before the kill landed.
		return <-done != nil
	}
	// restoreOrRefused restores to; a refusal must say the backup is
	// incomplete. It returns how many originals were restored (-1: refused).
	restoreOrRefused := func(to string) int {
		target := filepath.Join(t.TempDir(), "data")
		out, err := cli(t, "restore", "--from", to, "--data", target, "--keys", data, "--quiet")
		if err != nil {
			if !strings.Contains(err.Error(), "no complete backup") {
				t.Errorf("restore of a killed backup: %v, want it restored or refused as incomplete", err)
			}
			return -1
		}
		got := restoredCount(t, out)
		if out := mustCLI(t, "verify", "--data", target, "--quiet"); !strings.Contains(out, fmt.Sprintf("%d recordings verified", got)) {
			t.Errorf("verify of a restored killed backup: %s", out)
		}
		if out := mustCLI(t, "audit", "verify", "--data", target, "--quiet"); !strings.Contains(out, "custody log verifies") || strings.Contains(out, "PROBLEM") {
			t.Errorf("audit verify of a restored killed backup: %s", out)
		}
		return got
	}
	rnd := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	span := full + full/4
	for range 4 {
		to := t.TempDir()
		after := time.Duration(rnd.Int64N(int64(span)))
		killed := kill(to, after)
		got := restoreOrRefused(to)
		t.Logf("fresh target, killed after %v (killed: %v): restored %d originals (-1: refused as incomplete)", after.Round(time.Millisecond), killed, got)
		if got >= 0 && got != n+1 {
			t.Errorf("a restorable killed backup holds %d originals, want %d", got, n+1)
		}
		// Run again to the end: it completes what the killed run began,
		// copying only the originals the killed run had not.
		mustCLI(t, "backup", "--data", data, "--to", to, "--quiet")
		if mm := readManifestT(t, to); mm.Blobs.Count != n+1 {
			t.Errorf("the rerun after a kill: %d originals, want %d", mm.Blobs.Count, n+1)
		} else {
			t.Logf("the rerun copied %d of %d originals", mm.Blobs.Copied, mm.Blobs.Count)
		}
	}
	// Into a directory that holds a complete backup: the old one survives.
	mustCLI(t, "upload", "--server", srv.URL, "--token", station, "--quiet", "--state", t.TempDir(), randomFile(t, files, "newer.bin", size, 201))
	for range 3 {
		after := time.Duration(rnd.Int64N(int64(full / 4)))
		killed := kill(ref, after)
		got := restoreOrRefused(ref)
		t.Logf("complete target, killed after %v (killed: %v): restored %d originals", after.Round(time.Millisecond), killed, got)
		if got != n+1 && got != n+2 {
			t.Errorf("after a killed run into a complete backup, restore gave %d originals, want %d or %d", got, n+1, n+2)
		}
	}
	srv.stop()
}

// plainCopy copies every file under src into dst, fsyncing each: what a
// backup costs at the least.
func plainCopy(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close() //nolint:errcheck // read-only
		out, err := os.Create(filepath.Join(dst, e.Name()))
		if err != nil {
			return err
		}
		_, err = io.Copy(out, in)
		return errors.Join(err, out.Sync(), out.Close())
	})
	if err != nil {
		t.Fatal(err)
	}
}

func readManifestT(t *testing.T, dir string) backupManifest {
	t.Helper()
	var m backupManifest
	b, err := os.ReadFile(filepath.Join(dir, manifestName))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func copyFileT(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// copyTreeT copies the directory src to dst (a new directory).
func copyTreeT(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, e os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if e.IsDir() {
			return os.MkdirAll(target, 0o700)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func rm(t *testing.T, p string) {
	t.Helper()
	if err := os.Remove(p); err != nil {
		t.Fatal(err)
	}
}

func openT(t *testing.T, p string) io.Reader {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeT(t, f) })
	return f
}

// restoredCount reads "N originals restored" from restore's output.
func restoredCount(t *testing.T, out string) int {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		var got int
		if _, err := fmt.Sscanf(line, "%d originals restored", &got); err == nil {
			return got
		}
	}
	t.Errorf("no count of originals in restore's output %q", out)
	return -1
}

// Two backups never write into one target at once: the second is refused
// while the first holds the target's lock. A directory without an archive
// is refused, not made into an empty one and backed up.
func TestBackupLocksItsTarget(t *testing.T) {
	data, to := t.TempDir(), t.TempDir()
	mustCLI(t, "user", "add", "--data", data, "--name", "guanli", "--role", "custodian")
	lock, err := lockDir(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cli(t, "backup", "--data", data, "--to", to, "--quiet"); err == nil || !strings.Contains(err.Error(), "another shilu backup") {
		t.Errorf("backup into a locked target: %v", err)
	}
	closeT(t, lock)
	mustCLI(t, "backup", "--data", data, "--to", to, "--quiet")
	// Both are in the custody log: the refused one as failed, with why.
	ctx := context.Background()
	db, err := store.OpenSQLite(ctx, filepath.Join(data, "shilu.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var outcomes []string
	err = db.View(ctx, func(tx *store.Tx) error {
		entries, err := tx.AuditTrail(ctx, "backup", 10)
		for _, data := range entries {
			e, err := audit.Decode(data)
			if err != nil {
				return err
			}
			outcomes = append(outcomes, e.Outcome+" "+e.Details["error"])
		}
		return err
	})
	closeT(t, db)
	if err != nil {
		t.Fatal(err)
	}
	if len(outcomes) != 2 || !strings.HasPrefix(outcomes[0], "failed") && !strings.HasPrefix(outcomes[1], "failed") || !strings.Contains(strings.Join(outcomes, "|"), "another shilu backup") {
		t.Errorf("backup.made entries: %q, want one failed (naming the lock) and one ok", outcomes)
	}
	// A mistyped --data is not backed up as a new, empty archive.
	wrong := filepath.Join(t.TempDir(), "typo")
	if _, err := cli(t, "backup", "--data", wrong, "--to", t.TempDir(), "--quiet"); err == nil || !strings.Contains(err.Error(), "no archive in") {
		t.Errorf("backup of a directory without an archive: %v", err)
	}
	if _, err := os.Stat(wrong); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("backup made %s: %v", wrong, err)
	}
}
