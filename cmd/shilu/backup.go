package main

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"

	"shilu/internal/audit"
	"shilu/internal/blob"
	"shilu/internal/blob/disk"
	"shilu/internal/evidence"
	"shilu/internal/store"
)

// A backup (X-SEC-4, issue 11 point 5) is a directory:
//
//	DIR/MANIFEST.json          what the backup holds; written LAST
//	DIR/gen-<time>/catalogue.db  the catalogue (custody log included) as
//	                           of one commit, by VACUUM INTO
//	DIR/gen-<time>/keys/       the keys, only with --with-keys
//	DIR/blobs/sha256/xx/<hex>  the originals, content-addressed, shared by
//	                           every run into DIR
//
// A run writes a new generation and the blobs it lacks, then replaces the
// manifest by rename; only then does it remove the older generation. So a
// run killed at any moment leaves either the previous complete backup (its
// manifest, its generation and a superset of its blobs) or, on the first
// run, no manifest at all, which restore refuses.
const (
	manifestName  = "MANIFEST.json"
	backupFormat  = 1
	catalogueName = "catalogue.db"
)

// backupManifest is MANIFEST.json.
type backupManifest struct {
	Format int       `json:"format"`
	MadeAt time.Time `json:"made_at"`
	// MadeBy is the operating-system user who ran the backup: access to
	// the data directory on the server is the authority for it.
	MadeBy     string `json:"made_by"`
	Source     string `json:"source"`
	Generation string `json:"generation"`
	Catalogue  struct {
		File   string      `json:"file"`
		SHA256 blob.Digest `json:"sha256"`
		Size   int64       `json:"size"`
	} `json:"catalogue"`
	// Blobs counts the originals the catalogue needs (all but the
	// disposed), and what this run copied of them.
	Blobs struct {
		Count       int   `json:"count"`
		Bytes       int64 `json:"bytes"`
		Copied      int   `json:"copied"`
		CopiedBytes int64 `json:"copied_bytes"`
	} `json:"blobs"`
	// Tombstones are the recordings disposed of in the catalogue: their
	// files are never restored (R-RET-3), even where an older run copied
	// them into DIR/blobs.
	Tombstones []backupTombstone `json:"tombstones"`
	Log        struct {
		Entries     uint64 `json:"entries"`
		Origin      string `json:"origin"`
		VerifierKey string `json:"verifier_key"`
		// Checkpoint is the newest signed checkpoint in the catalogue; the
		// restored log must verify and extend it.
		Checkpoint string `json:"checkpoint"`
	} `json:"log"`
	Keys struct {
		// Included: the keys are in the generation's keys/ directory.
		// Otherwise they are kept apart and restore needs --keys.
		Included bool      `json:"included"`
		Files    []keyFile `json:"files"`
	} `json:"keys"`
}

type backupTombstone struct {
	Recording int64       `json:"recording"`
	Digest    blob.Digest `json:"digest"`
}

// keyFile names a key file and its fingerprint: the SHA-256 of its
// content, which tells the right key from another without showing it.
type keyFile struct {
	Name   string      `json:"name"`
	SHA256 blob.Digest `json:"sha256"`
}

// backupKeys are the archive's secret keys (data.go: in SHILU_KEYS or the
// data directory). The TLS key is
// not among them: Shilu serves plain HTTP behind the TLS-terminating proxy
// (serve --trusted-proxy), whose key is backed up with the proxy.
var backupKeys = []string{"audit.key", "secrets.key"}

// backup copies the archive in --data into --to while the server runs.
func (e *cmdEnv) backup(args []string) (err error) {
	fl := e.newFlags("backup", "backup --data DIR --to DIR [--with-keys] [--jobs N] [--quiet]")
	data := fl.String("data", "", "data directory")
	to := fl.String("to", "", "backup directory (made if missing; a later backup into it copies only new originals)")
	withKeys := fl.Bool("with-keys", false, "also copy the signing and secrets keys into the backup (see docs/operations.md before you do)")
	quiet := fl.Bool("quiet", false, "no progress bar")
	jobs := fl.Int("jobs", 4, "originals copied at once")
	if err := e.parse(fl, args); err != nil {
		return err
	}
	if err := requireFlags(fl, "data", "to"); err != nil {
		return err
	}
	// Opening a directory makes an archive there; a mistyped --data must
	// not become the backup of a new, empty one.
	if _, err := os.Stat(filepath.Join(*data, "shilu.db")); err != nil {
		return fmt.Errorf("backup: no archive in %s: %w", *data, err)
	}
	a, err := e.openArchive(*data)
	if err != nil {
		return err
	}
	defer a.closeInto(&err)
	logged := false
	defer func() {
		// A backup that failed is in the custody log too, with why; one
		// killed is not (nothing runs), and restore refuses what it left.
		if err != nil && !logged {
			rerr := a.app.Record(context.WithoutCancel(e.ctx), cliActor(), evidence.ActionBackupMade, "backup", audit.OutcomeFailed, map[string]string{"to": *to, "error": err.Error()})
			err = errors.Join(err, rerr)
		}
	}()
	start := time.Now()
	if err := os.MkdirAll(*to, 0o700); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	lock, err := lockDir(*to)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer lock.Close() //nolint:errcheck // releases the lock; nothing written
	// The newest checkpoint covers everything logged so far; the snapshot
	// taken after it holds it.
	if _, err := latestCheckpoint(e.ctx, a.db); err != nil {
		return fmt.Errorf("backup: sign the custody log's head: %w", err)
	}
	m := backupManifest{Format: backupFormat, MadeBy: cliName(), Source: a.dir}
	if abs, err := filepath.Abs(a.dir); err == nil {
		m.Source = abs
	}
	m.MadeAt = time.Now().UTC().Truncate(time.Second)
	m.Generation = "gen-" + time.Now().UTC().Format("20060102T150405.000000000Z")
	gen := filepath.Join(*to, m.Generation)
	if err := os.Mkdir(gen, 0o700); err != nil {
		return fmt.Errorf("backup: %w", err)
	}

	// 1. The catalogue, as of one commit.
	tmp := filepath.Join(gen, catalogueName+".tmp")
	if err := a.db.Snapshot(e.ctx, tmp); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	type item struct {
		id   int64
		d    blob.Digest
		size int64
	}
	var items []item
	var cp audit.Checkpoint
	snap, err := store.OpenSQLite(e.ctx, tmp, store.Options{})
	if err != nil {
		return fmt.Errorf("backup: open the snapshot: %w", err)
	}
	err = snap.View(e.ctx, func(tx *store.Tx) error {
		size, _, err := tx.LogState(e.ctx)
		if err != nil {
			return err
		}
		m.Log.Entries = size
		var ok bool
		if cp, ok, err = tx.LatestCheckpoint(e.ctx); err != nil || !ok {
			return errors.Join(err, errors.New("the snapshot holds no signed checkpoint"))
		}
		disposed, err := tx.DisposedDigests(e.ctx)
		if err != nil {
			return err
		}
		return tx.AllDigests(e.ctx, func(id int64, d blob.Digest, size int64) error {
			if _, ok := disposed[d]; ok {
				m.Tombstones = append(m.Tombstones, backupTombstone{id, d})
				return nil
			}
			items = append(items, item{id, d, size})
			m.Blobs.Count++
			m.Blobs.Bytes += size
			return nil
		})
	})
	if err := errors.Join(err, snap.Close()); err != nil {
		return fmt.Errorf("backup: read the snapshot: %w", err)
	}
	// Closing the last connection folded the snapshot's WAL into it.
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.Remove(tmp + suffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("backup: %w", err)
		}
	}
	m.Log.Checkpoint, m.Log.Origin = cp.Note, a.log.Origin
	if m.Log.VerifierKey, err = verifierKeyOf(a.keys); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	m.Catalogue.File = m.Generation + "/" + catalogueName
	if err := os.Chmod(tmp, 0o600); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if m.Catalogue.SHA256, m.Catalogue.Size, err = hashSync(tmp); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(gen, catalogueName)); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := syncDir(gen); err != nil {
		return fmt.Errorf("backup: %w", err)
	}

	// 2. The keys: fingerprints always, the files only when asked.
	for _, name := range backupKeys {
		d, _, err := hashFile(filepath.Join(a.keys, name))
		if err != nil {
			return fmt.Errorf("backup: key: %w", err)
		}
		m.Keys.Files = append(m.Keys.Files, keyFile{name, d})
	}
	if *withKeys {
		if err := copyKeys(a.keys, filepath.Join(gen, "keys"), append(slices.Clone(backupKeys), "audit.pub")); err != nil {
			return fmt.Errorf("backup: keys: %w", err)
		}
		m.Keys.Included = true
		e.eprintf("WARNING the backup holds the keys (%s/keys): whoever can read it can sign custody entries and unseal second-factor secrets; keep it as you keep the keys\n", gen)
	}

	// 3. The originals this backup lacks, each verified on the way in.
	bk, err := disk.Open(filepath.Join(*to, "blobs"))
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	var todo []item
	var todoBytes int64
	for _, it := range items {
		if n, err := bk.Stat(e.ctx, it.d); err == nil && n == it.size {
			continue // content-addressed: already here, not copied again
		}
		todo = append(todo, it)
		todoBytes += it.size
	}
	bar := e.bytesBar(todoBytes, "backing up", *quiet)
	// Several at once: each copy waits on its fsyncs, and another hashes
	// meanwhile.
	err = parallel(e.ctx, len(todo), *jobs, func(i int) error {
		if err := e.copyBlob(a.blobs, bk, todo[i].d, todo[i].size, bar); err != nil {
			return fmt.Errorf("backup: recording %d: %w", todo[i].id, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	m.Blobs.Copied, m.Blobs.CopiedBytes = len(todo), todoBytes
	bar.finish()

	// 4. The manifest, last: from here on the backup is complete.
	if err := writeManifest(*to, m); err != nil {
		return fmt.Errorf("backup: %w", err)
	}

	// 5. Tidying, which a kill may interrupt without harm: older
	// generations, and the files of recordings disposed of since an
	// earlier run (restore would skip them; a disposal removes the
	// original everywhere, R-RET-3).
	entries, err := os.ReadDir(*to)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	for _, en := range entries {
		if strings.HasPrefix(en.Name(), "gen-") && en.Name() != m.Generation {
			if err := os.RemoveAll(filepath.Join(*to, en.Name())); err != nil {
				return fmt.Errorf("backup: remove an older generation: %w", err)
			}
		}
	}
	pruned := 0
	for _, t := range m.Tombstones {
		err := bk.Delete(e.ctx, t.Digest)
		if err == nil {
			pruned++
		} else if !errors.Is(err, blob.ErrNotFound) {
			return fmt.Errorf("backup: remove disposed recording %d: %w", t.Recording, err)
		}
	}

	secs := time.Since(start).Seconds()
	err = a.app.Record(e.ctx, cliActor(), evidence.ActionBackupMade, "backup", audit.OutcomeOK, map[string]string{
		"to": *to, "catalogue": m.Catalogue.SHA256.String(), "entries": strconv.FormatUint(m.Log.Entries, 10),
		"blobs": strconv.Itoa(m.Blobs.Count), "bytes": strconv.FormatInt(m.Blobs.Bytes, 10),
		"copied": strconv.Itoa(m.Blobs.Copied), "copied_bytes": strconv.FormatInt(m.Blobs.CopiedBytes, 10),
		"tombstones": strconv.Itoa(len(m.Tombstones)), "keys": map[bool]string{true: "included", false: "apart"}[m.Keys.Included],
	})
	logged = true
	if err != nil {
		return fmt.Errorf("backup: made, but not logged: %w", err)
	}
	e.printf("backup complete: %s\n", *to)
	e.printf("catalogue %s (%d bytes), custody log %d entries, checkpoint at %d\n", m.Catalogue.SHA256, m.Catalogue.Size, m.Log.Entries, cp.Size)
	e.printf("%d originals, %d bytes; copied %d new, %d bytes (%.2f%%) in %.1f s\n", m.Blobs.Count, m.Blobs.Bytes,
		m.Blobs.Copied, m.Blobs.CopiedBytes, percent(m.Blobs.CopiedBytes, m.Blobs.Bytes), secs)
	if len(m.Tombstones) > 0 {
		e.printf("%d recordings disposed of (tombstones listed, files not kept; %d removed from the backup now)\n", len(m.Tombstones), pruned)
	}
	if !m.Keys.Included {
		e.printf("keys kept apart (not in the backup): ")
		for i, k := range m.Keys.Files {
			e.printf("%s%s %s", map[bool]string{true: ", "}[i > 0], k.Name, k.SHA256)
		}
		e.printf("\n")
	}
	return nil
}

func percent(part, whole int64) float64 {
	if whole == 0 {
		return 0
	}
	return 100 * float64(part) / float64(whole)
}

// copyBlob copies blob d from src into dst, which checks its digest and
// size as it writes (blob.Store.Put): a changed original stores nothing
// and fails the copy.
func (e *cmdEnv) copyBlob(src, dst blob.Store, d blob.Digest, size int64, bar *byteBar) error {
	r, err := src.Open(e.ctx, d)
	if err != nil {
		return err
	}
	defer r.Close() //nolint:errcheck // read-only
	var rd io.Reader = r
	if bar != nil {
		rd = io.TeeReader(r, bar)
	}
	return dst.Put(e.ctx, d, rd, size)
}

// byteBar is a progress bar of bytes on stderr, like verify's, that
// several copies advance at once (as an io.Writer); nil when quiet.
type byteBar struct {
	mu  sync.Mutex
	e   *cmdEnv
	bar *progressbar.ProgressBar
}

// bytesBar returns a bar of total bytes, or nil when quiet.
func (e *cmdEnv) bytesBar(total int64, what string, quiet bool) *byteBar {
	if quiet || total == 0 { // the bar refuses a total of 0
		return nil
	}
	return &byteBar{e: e, bar: progressbar.NewOptions64(total, progressbar.OptionSetDescription(what), progressbar.OptionSetWriter(e.stderr),
		progressbar.OptionShowBytes(true), progressbar.OptionSetWidth(30), progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionShowCount(), progressbar.OptionOnCompletion(func() { e.eprintf("\n") }), progressbar.OptionClearOnFinish())}
}

func (b *byteBar) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.e.keep(b.bar.Add(len(p)))
	return len(p), nil
}

// finish completes the bar; nil-safe.
func (b *byteBar) finish() {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.e.keep(b.bar.Finish())
}

// parallel runs fn(0) … fn(n-1) on up to jobs goroutines and returns the
// first error; after one, no new call starts.
func parallel(ctx context.Context, n, jobs int, fn func(int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan int)
	errs := make(chan error, max(jobs, 1))
	var wg sync.WaitGroup
	for range max(jobs, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := fn(i); err != nil {
					errs <- err
					cancel()
					return
				}
			}
		}()
	}
	func() {
		defer close(next)
		for i := range n {
			select {
			case next <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	return ctx.Err()
}

// writeManifest replaces DIR/MANIFEST.json by rename, durably.
func writeManifest(dir string, m backupManifest) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, "."+manifestName+".tmp")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	_, werr := f.Write(append(b, '\n'))
	if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(dir, manifestName)); err != nil {
		return err
	}
	return syncDir(dir)
}

// copyKeys copies the named key files from src into a new private
// directory dst, durably.
func copyKeys(src, dst string, names []string) error {
	if err := os.RemoveAll(dst); err != nil {
		return err
	}
	if err := os.Mkdir(dst, 0o700); err != nil {
		return err
	}
	return copyFiles(src, dst, names)
}

// copyFiles copies the named small files from src into dst as private
// files, durably.
func copyFiles(src, dst string, names []string) error {
	for _, name := range names {
		b, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			return err
		}
		if err := writeFileSynced(filepath.Join(dst, name), string(b)); err != nil {
			return err
		}
	}
	return syncDir(dst)
}

// hashFile returns the SHA-256 and size of the file at path.
func hashFile(path string) (blob.Digest, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return blob.Digest{}, 0, err
	}
	defer f.Close() //nolint:errcheck // read-only
	h := sha256.New()
	n, err := io.CopyBuffer(h, f, make([]byte, 1<<20))
	return blob.Digest(h.Sum(nil)), n, err
}

// hashSync is hashFile for a file just written, which it also fsyncs.
func hashSync(path string) (blob.Digest, int64, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return blob.Digest{}, 0, err
	}
	h := sha256.New()
	n, err := io.CopyBuffer(h, f, make([]byte, 1<<20))
	if err := errors.Join(err, f.Sync(), f.Close()); err != nil {
		return blob.Digest{}, 0, err
	}
	return blob.Digest(h.Sum(nil)), n, nil
}

// syncDir makes the names in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	return errors.Join(d.Sync(), d.Close())
}

// verifierKeyOf returns the custody log's public verifier key, derived from
// the signer key in dir/audit.key.
func verifierKeyOf(dir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, "audit.key"))
	if err != nil {
		return "", fmt.Errorf("audit key: %w", err)
	}
	return audit.VerifierKey(strings.TrimSpace(string(b)))
}
