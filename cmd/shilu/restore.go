package main

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"shilu/internal/audit"
	"shilu/internal/blob"
	"shilu/internal/blob/disk"
	"shilu/internal/evidence"
	"shilu/internal/store"
)

// errIncompleteBackup refuses a directory that holds no complete backup.
var errIncompleteBackup = errors.New("no complete backup")

// restore brings a backup back into a new data directory: the catalogue
// and every original, each checked against the manifest, and the custody
// log checked against the manifest's signed checkpoint. It assembles the
// archive in a temporary directory beside --data and renames it into place
// when all is checked, so a failed or killed restore leaves no archive
// behind that looks whole.
func (e *cmdEnv) restore(args []string) (err error) {
	fl := e.newFlags("restore", "restore --from DIR --data NEWDIR [--keys DIR] [--quiet]")
	from := fl.String("from", "", "backup directory (shilu backup --to)")
	data := fl.String("data", "", "new data directory: must be empty or not exist")
	keys := fl.String("keys", "", "directory holding audit.key and secrets.key, for a backup made without --with-keys")
	quiet := fl.Bool("quiet", false, "no progress bar")
	if err := e.parse(fl, args); err != nil {
		return err
	}
	if err := requireFlags(fl, "from", "data"); err != nil {
		return err
	}
	if ents, err := os.ReadDir(*data); err == nil && len(ents) > 0 {
		return fmt.Errorf("restore: %s is not empty: restore only into an empty or new data directory", *data)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("restore: %w", err)
	}
	m, err := readManifest(*from)
	if err != nil {
		return err
	}
	keyDir := *keys
	switch {
	case keyDir == "" && m.Keys.Included:
		keyDir = filepath.Join(*from, m.Generation, "keys")
	case keyDir == "":
		var names []string
		for _, k := range m.Keys.Files {
			names = append(names, k.Name+" "+k.SHA256.String())
		}
		return fmt.Errorf("restore: the backup holds no keys (kept apart when it was made): give --keys DIR with %s", strings.Join(names, ", "))
	}

	parent := filepath.Dir(filepath.Clean(*data))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	tmp, err := os.MkdirTemp(parent, ".shilu-restore-*")
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	done := false
	defer func() {
		if !done {
			err = errors.Join(err, os.RemoveAll(tmp))
		}
	}()

	// 1. The keys, each the one the manifest names.
	for _, k := range m.Keys.Files {
		d, _, err := hashFile(filepath.Join(keyDir, k.Name))
		if err != nil {
			return fmt.Errorf("restore: key: %w", err)
		}
		if d != k.SHA256 {
			return fmt.Errorf("restore: %s is not the key this backup was made with (fingerprint %s, want %s)", filepath.Join(keyDir, k.Name), d, k.SHA256)
		}
	}
	if err := copyFiles(keyDir, tmp, backupKeys); err != nil {
		return fmt.Errorf("restore: keys: %w", err)
	}
	vkey, err := verifierKeyOf(tmp)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if vkey != m.Log.VerifierKey {
		return fmt.Errorf("restore: the signing key's verifier key %s is not the backup's %s", vkey, m.Log.VerifierKey)
	}
	if err := writeFileSynced(filepath.Join(tmp, "audit.pub"), vkey+"\n"); err != nil {
		return fmt.Errorf("restore: %w", err)
	}

	// 2. The catalogue, byte for byte the one the manifest names.
	got, err := copyHashed(filepath.Join(*from, filepath.FromSlash(m.Catalogue.File)), filepath.Join(tmp, "shilu.db"))
	if err != nil {
		return fmt.Errorf("restore: catalogue: %w", err)
	}
	if got != m.Catalogue.SHA256 {
		return fmt.Errorf("restore: the catalogue %s hashes to %s, not the manifest's %s: the backup is damaged", m.Catalogue.File, got, m.Catalogue.SHA256)
	}

	a, err := e.openArchive(tmp)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer func() {
		if a != nil {
			err = errors.Join(err, a.Close())
		}
	}()

	// 3. The custody log: whole, and the one the manifest's checkpoint
	// signed (R-AUD-1), before anything is added to it.
	cp, err := audit.ParseCheckpoint(m.Log.Checkpoint, a.verifier, a.log.Origin)
	if err != nil {
		return fmt.Errorf("restore: the manifest's checkpoint: %w", err)
	}
	var rep audit.Report
	type item struct {
		id   int64
		d    blob.Digest
		size int64
	}
	var items []item
	var disposed map[blob.Digest]bool
	var total int64
	err = a.db.View(e.ctx, func(tx *store.Tx) error {
		var err error
		if rep, err = audit.Verify(e.ctx, tx, a.verifier, a.log.Origin); err != nil {
			return err
		}
		if rep.Entries != m.Log.Entries {
			return fmt.Errorf("%w: %d entries, the manifest says %d", audit.ErrTampered, rep.Entries, m.Log.Entries)
		}
		if err := audit.Extends(e.ctx, tx, rep.Entries, rep.Root, cp); err != nil {
			return fmt.Errorf("%w: %v", audit.ErrTampered, err)
		}
		if disposed, err = tx.DisposedDigests(e.ctx); err != nil {
			return err
		}
		return tx.AllDigests(e.ctx, func(id int64, d blob.Digest, size int64) error {
			if _, ok := disposed[d]; !ok {
				items = append(items, item{id, d, size})
				total += size
			}
			return nil
		})
	})
	if err != nil {
		for _, p := range rep.Problems {
			e.printf("PROBLEM %v\n", p)
		}
		return fmt.Errorf("restore: the custody log does not verify: %w", err)
	}

	// 4. The originals, each re-hashed as it is written (blob.Store.Put).
	bk, err := disk.Open(filepath.Join(*from, "blobs"))
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	bar := e.bytesBar(total, "restoring", *quiet)
	for _, it := range items {
		if err := e.copyBlob(bk, a.blobs, it.d, it.size, bar); err != nil {
			if errors.Is(err, blob.ErrNotFound) {
				return fmt.Errorf("restore: the backup lacks the original of recording %d (%s): it is incomplete", it.id, it.d)
			}
			return fmt.Errorf("restore: recording %d: %w", it.id, err)
		}
	}
	bar.finish()
	// A disposed recording's file that an older backup run kept is not
	// brought back (R-RET-3): it is said, never done silently.
	skipped := 0
	for d := range disposed {
		if _, err := bk.Stat(e.ctx, d); err == nil {
			skipped++
			e.printf("SKIPPED %s: disposed of (its tombstone is in the catalogue); the backup's copy is not restored\n", d)
		}
	}

	err = a.app.Record(e.ctx, cliActor(), evidence.ActionBackupRestored, "backup", audit.OutcomeOK, map[string]string{
		"from": *from, "made_at": m.MadeAt.Format(time.RFC3339), "catalogue": m.Catalogue.SHA256.String(),
		"entries": strconv.FormatUint(m.Log.Entries, 10), "blobs": strconv.Itoa(len(items)), "bytes": strconv.FormatInt(total, 10),
		"tombstones": strconv.Itoa(len(disposed)),
	})
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	cerr := a.Close() // signs the head: the restored log is signed to its end
	a = nil
	if cerr != nil {
		return fmt.Errorf("restore: %w", cerr)
	}
	if err := renameDir(tmp, *data); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	done = true
	e.printf("restored into %s: backup of %s by %s\n", *data, m.MadeAt.In(evidence.Zone).Format("2006-01-02 15:04:05 MST"), m.MadeBy)
	e.printf("catalogue %s, custody log %d entries verified and extending the backup's checkpoint of %d\n", m.Catalogue.SHA256, rep.Entries, cp.Size)
	e.printf("%d originals restored and verified, %d bytes; %d recordings disposed of (not restored: %d files skipped)\n", len(items), total, len(disposed), skipped)
	return nil
}

// readManifest reads and checks DIR/MANIFEST.json.
func readManifest(dir string) (backupManifest, error) {
	var m backupManifest
	b, err := os.ReadFile(filepath.Join(dir, manifestName))
	if errors.Is(err, fs.ErrNotExist) {
		if _, serr := os.Stat(dir); serr != nil {
			return m, fmt.Errorf("restore: %w", serr)
		}
		return m, fmt.Errorf("restore: %s holds %w: %s is missing (a backup that was interrupted before it finished, or not a backup directory); run shilu backup again", dir, errIncompleteBackup, manifestName)
	}
	if err != nil {
		return m, fmt.Errorf("restore: %w", err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("restore: %s is malformed: %w", filepath.Join(dir, manifestName), err)
	}
	if m.Format != backupFormat {
		return m, fmt.Errorf("restore: backup format %d; this shilu reads format %d", m.Format, backupFormat)
	}
	if m.Generation == "" || strings.ContainsAny(m.Generation, `/\`) || m.Catalogue.File != m.Generation+"/"+catalogueName {
		return m, fmt.Errorf("restore: %s names no catalogue of its own", filepath.Join(dir, manifestName))
	}
	if _, err := note.NewVerifier(m.Log.VerifierKey); err != nil {
		return m, fmt.Errorf("restore: the manifest's verifier key: %w", err)
	}
	return m, nil
}

// copyHashed copies src to a new file dst, durably, and returns the
// SHA-256 of the bytes copied.
func copyHashed(src, dst string) (blob.Digest, error) {
	in, err := os.Open(src)
	if err != nil {
		return blob.Digest{}, err
	}
	defer in.Close() //nolint:errcheck // read-only
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return blob.Digest{}, err
	}
	h := sha256.New()
	_, err = io.CopyBuffer(io.MultiWriter(out, h), in, make([]byte, 1<<20))
	if err := errors.Join(err, out.Sync(), out.Close()); err != nil {
		return blob.Digest{}, err
	}
	return blob.Digest(h.Sum(nil)), nil
}

// renameDir moves the directory tmp to dst, which is missing or empty
// (rename(2) replaces an empty directory), and makes the move durable.
func renameDir(tmp, dst string) error {
	if err := os.Rename(tmp, dst); err != nil {
		return err
	}
	return syncDir(filepath.Dir(filepath.Clean(dst)))
}
