package main

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"os/user"
	"path/filepath"
	"strings"

	"golang.org/x/mod/sumdb/note"

	"shilu/internal/app"
	"shilu/internal/audit"
	"shilu/internal/blob"
	"shilu/internal/blob/disk"
	"shilu/internal/blob/s3"
	"shilu/internal/secret"
	"shilu/internal/store"
)

// archive is an opened data directory of the embedded default deployment:
//
//	DIR/shilu.db        metadata (SQLite)
//	DIR/blobs/          originals, content-addressed, read-only
//	DIR/uploads/        uploads in progress (same file system as blobs/)
//	KEYS/audit.key      the custody log's Ed25519 signer key (0600)
//	KEYS/audit.pub      its verifier key, for auditors
//	KEYS/secrets.key    the key that seals TOTP secrets in shilu.db (0600)
//	DIR/blobs.url       where the originals are instead of DIR/blobs: an
//	                    s3:// URL (no secrets in it), recorded by the first
//	                    serve --blobs, so every command opens the same store
//	DIR/db.url          where the metadata is instead of DIR/shilu.db: a
//	                    postgres:// URL (no password in it: PGPASSWORD or
//	                    ~/.pgpass), recorded by the first serve --db or
//	                    migrate --db, so every command opens the same one
//
// KEYS is the directory that SHILU_KEYS names, DIR itself when it is unset
// (the demo, tests, a trial). In production the keys live apart from the
// data (docs/security.md): whoever holds audit.key and the database can
// rewrite history and sign it. Under systemd, LoadCredential= hands them
// to the service read-only, and SHILU_KEYS=%d points there (deploy/).
//
// secrets.key (X-SEC-3) makes a copy of shilu.db alone — a backup, a stolen
// disk — useless for minting second-factor codes, so back it up apart from
// the database, as audit.key. Losing it loses nothing but the TOTP secrets:
// sign-in with TOTP is refused, and each person who had it (the three
// administrators at least) enrols again after `shilu user reset --totp`.
type archive struct {
	dir   string
	keys  string // where audit.key and secrets.key are (keysDir)
	db    *store.DB
	blobs blob.Store
	// blobAt names where a blob is kept, for messages (a file, an object).
	blobAt   func(blob.Digest) string
	log      *audit.Log
	verifier note.Verifier
	// app runs the use cases on db: every change the CLI makes goes
	// through it, as the server's do.
	app *app.App
}

func (e *cmdEnv) openArchive(dir string) (*archive, error) { return e.openArchiveAt(dir, "", "") }

// openArchiveAt opens the archive in dir with its originals at blobsURL
// ("": where DIR/blobs.url says, else DIR/blobs on disk) and its metadata
// at dbURL ("": where DIR/db.url says, else DIR/shilu.db).
func (e *cmdEnv) openArchiveAt(dir, blobsURL, dbURL string) (*archive, error) {
	if err := privateDir(dir, e.logger()); err != nil {
		return nil, err
	}
	keys, err := e.keysDir(dir)
	if err != nil {
		return nil, err
	}
	log, verifier, err := loadKey(keys)
	if err != nil {
		return nil, err
	}
	secrets, err := loadSecretsKey(keys)
	if err != nil {
		return nil, err
	}
	blobs, blobAt, err := e.openBlobs(dir, blobsURL)
	if err != nil {
		return nil, err
	}
	dbURL, err = recordedDB(dir, dbURL)
	if err != nil {
		return nil, err
	}
	opt := store.Options{Log: log, Secrets: secrets}
	var db *store.DB
	if dbURL == "" {
		db, err = store.OpenSQLite(e.ctx, filepath.Join(dir, "shilu.db"), opt)
	} else {
		db, err = store.OpenPostgres(e.ctx, dbURL, opt)
	}
	if err != nil {
		return nil, err
	}
	return &archive{dir: dir, keys: keys, db: db, blobs: blobs, blobAt: blobAt, log: log, verifier: verifier, app: app.New(app.Config{DB: db, Logger: e.logger()})}, nil
}

// keysDir is where the archive in dir keeps its keys: SHILU_KEYS, or dir.
// A key left in dir while SHILU_KEYS names another place is refused rather
// than ignored: two keys for one log would sign two histories.
//
// A new signer key is made only with a new archive: an archive whose key
// is not where it is looked for (SHILU_KEYS forgotten, a key lost) is
// refused, since a new key would sign a log that no longer verifies.
func (e *cmdEnv) keysDir(dir string) (string, error) {
	var keys string
	if e.getenv != nil { // nil in tests that open an archive themselves
		keys = e.getenv("SHILU_KEYS")
	}
	if _, err := os.Stat(filepath.Join(dir, "shilu.db")); err == nil {
		if _, err := os.Stat(filepath.Join(cmp.Or(keys, dir), "audit.key")); err != nil {
			return "", fmt.Errorf("the archive in %s has no custody-log key at %s: set SHILU_KEYS to the directory that holds audit.key and secrets.key (docs/operations.md)",
				dir, filepath.Join(cmp.Or(keys, dir), "audit.key"))
		}
	}
	if keys == "" {
		return dir, nil
	}
	for _, name := range backupKeys {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			return "", fmt.Errorf("%s is in the data directory while SHILU_KEYS=%s: move it there (docs/operations.md) or unset SHILU_KEYS", filepath.Join(dir, name), keys)
		}
	}
	return keys, nil
}

// recordedDB returns the PostgreSQL URL the archive in dir keeps its
// metadata at ("" for DIR/shilu.db), recording dbURL in DIR/db.url on
// first use. As with --blobs, a URL that differs from the recorded one is
// refused, and so is one for an archive whose metadata is already in
// DIR/shilu.db: moving the metadata is a migration, not a flag. The URL
// must carry no password (the file is not a secret).
func recordedDB(dir, dbURL string) (string, error) {
	path := filepath.Join(dir, "db.url")
	b, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("db: %w", err)
	}
	recorded := strings.TrimSpace(string(b))
	if dbURL == "" || dbURL == recorded {
		return recorded, nil
	}
	if recorded != "" {
		return "", fmt.Errorf("--db %s: this archive's metadata is at %s (%s)", dbURL, recorded, path)
	}
	if _, err := os.Stat(filepath.Join(dir, "shilu.db")); err == nil {
		return "", fmt.Errorf("--db %s: this archive keeps its metadata in %s", dbURL, filepath.Join(dir, "shilu.db"))
	}
	u, err := url.Parse(dbURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", fmt.Errorf("--db %s: want postgres://USER@HOST:PORT/DATABASE", dbURL)
	}
	if _, has := u.User.Password(); has {
		return "", fmt.Errorf("--db: no password in the URL (it is recorded in %s): use PGPASSWORD or ~/.pgpass", path)
	}
	if err := writeFileSynced(path, dbURL+"\n"); err != nil {
		return "", fmt.Errorf("db: %w", err)
	}
	return dbURL, nil
}

// openBlobs opens the archive's blob store: DIR/blobs on disk, or the S3
// bucket that DIR/blobs.url names. A blobsURL given on the command line is
// recorded there on first use; one that differs from the recorded one is
// refused (moving originals is a migration, not a flag), and so is one for
// an archive that already keeps originals on disk.
func (e *cmdEnv) openBlobs(dir, blobsURL string) (blob.Store, func(blob.Digest) string, error) {
	path := filepath.Join(dir, "blobs.url")
	b, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, nil, fmt.Errorf("blobs: %w", err)
	}
	recorded := strings.TrimSpace(string(b))
	switch {
	case blobsURL != "" && recorded != "" && blobsURL != recorded:
		return nil, nil, fmt.Errorf("--blobs %s: this archive's originals are at %s (%s)", blobsURL, recorded, path)
	case blobsURL != "" && recorded == "":
		if held, err := diskHoldsBlobs(filepath.Join(dir, "blobs")); err != nil || held {
			return nil, nil, errors.Join(err, fmt.Errorf("--blobs %s: this archive keeps its originals in %s", blobsURL, filepath.Join(dir, "blobs")))
		}
		if _, err := s3.ParseURL(blobsURL, e.getenv); err != nil {
			return nil, nil, err
		}
		if err := writeFileSynced(path, blobsURL+"\n"); err != nil {
			return nil, nil, fmt.Errorf("blobs: %w", err)
		}
		recorded = blobsURL
	}
	if recorded == "" {
		d, err := disk.Open(filepath.Join(dir, "blobs"))
		if err != nil {
			return nil, nil, err
		}
		return d, d.Path, nil
	}
	cfg, err := s3.ParseURL(recorded, e.getenv)
	if err != nil {
		return nil, nil, err
	}
	st, err := s3.New(e.ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	return st, func(d blob.Digest) string { return "s3://" + cfg.Bucket + "/" + st.Key(d) }, nil
}

// diskHoldsBlobs reports whether a disk blob store at dir holds a blob.
func diskHoldsBlobs(dir string) (bool, error) {
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	d, err := disk.Open(dir)
	if err != nil {
		return false, err
	}
	stop := errors.New("found")
	err = d.List(context.Background(), func(blob.Digest) error { return stop })
	if errors.Is(err, stop) {
		return true, nil
	}
	return false, err
}

// writeFileSynced writes a small file whole and makes it durable.
func writeFileSynced(path, content string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, werr := f.WriteString(content)
	return errors.Join(werr, f.Sync(), f.Close())
}

// Close closes the archive. A command that added to the custody log signs
// its head first, so that the log at rest is signed to its end (the log
// signs per batch: audit.CheckpointEvery); one that only read writes
// nothing.
func (a *archive) Close() error {
	var err error
	if a.db.Appended() {
		_, err = a.db.SignHead(context.Background())
	}
	return errors.Join(err, a.db.Close())
}

// privateDir makes the data directory, or tightens an existing one to its
// owner alone (0700): the metadata, the keys and the originals are nobody
// else's to read, and a directory made by hand or by an installer is often
// world-readable. A directory the server cannot tighten (another owner's)
// is refused rather than used as it is.
func privateDir(dir string, log *slog.Logger) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	if fi.Mode().Perm()&0o077 == 0 {
		return nil
	}
	if err := os.Chmod(dir, fi.Mode().Perm()&0o700); err != nil {
		return fmt.Errorf("data directory %s is open to others (%v) and cannot be made private: %w", dir, fi.Mode().Perm(), err)
	}
	log.Warn("data directory was open to others; made private to its owner", "dir", dir, "was", fi.Mode().Perm().String())
	return nil
}

// closeInto closes the archive at the end of a command (defer
// a.closeInto(&err)) and makes a failed close the command's error when it
// has none: the database's last writes are settled in it.
func (a *archive) closeInto(err *error) {
	if cerr := a.Close(); cerr != nil && *err == nil {
		*err = cerr
	}
}

// openWithFlags parses a command's flags, checks that --data and the other
// named flags are set, and opens the archive in --data.
func (e *cmdEnv) openWithFlags(fs *flag.FlagSet, args []string, data *string, required ...string) (*archive, error) {
	if err := e.parse(fs, args); err != nil {
		return nil, err
	}
	if err := requireFlags(fs, append([]string{"data"}, required...)...); err != nil {
		return nil, err
	}
	return e.openArchive(*data)
}

// loadKey reads the custody log's signer key, creating one on first use.
// The log's origin is the key's name.
func loadKey(dir string) (*audit.Log, note.Verifier, error) {
	path := filepath.Join(dir, "audit.key")
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		suffix := make([]byte, 4)
		rand.Read(suffix)
		origin := "shilu/custody/" + hex.EncodeToString(suffix)
		skey, vkey, err := audit.GenerateKey(origin)
		if err != nil {
			return nil, nil, err
		}
		// O_EXCL: two processes starting at once must not both create keys.
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, nil, fmt.Errorf("audit key: %w", err)
		}
		_, werr := f.WriteString(skey + "\n")
		if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
			return nil, nil, fmt.Errorf("audit key: %w", err)
		}
		if err := os.WriteFile(filepath.Join(dir, "audit.pub"), []byte(vkey+"\n"), 0o644); err != nil {
			return nil, nil, fmt.Errorf("audit key: %w", err)
		}
		b = []byte(skey)
	} else if err != nil {
		return nil, nil, fmt.Errorf("audit key: %w", err)
	}
	skey := strings.TrimSpace(string(b))
	parts := strings.SplitN(skey, "+", 5)
	if len(parts) != 5 {
		return nil, nil, fmt.Errorf("audit key %s: malformed", path)
	}
	return audit.NewLog(parts[2], skey)
}

// loadSecretsKey reads the key that seals TOTP secrets, DIR/secrets.key
// (hex), creating one on first use.
func loadSecretsKey(dir string) (*secret.Box, error) {
	path := filepath.Join(dir, "secrets.key")
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if err := createSecretsKey(path); err != nil {
			return nil, fmt.Errorf("secrets key: %w", err)
		}
		b, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("secrets key: %w", err)
	}
	key, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(key) != secret.KeySize {
		// Never print the content: it may be most of a key.
		return nil, fmt.Errorf("secrets key %s: malformed, want %d hex digits", path, 2*secret.KeySize)
	}
	return secret.NewBox(key)
}

// createSecretsKey writes a new key to path unless there is one. The key is
// written whole to a private temp file and then linked to path: link, like
// O_EXCL, fails when path exists, so of two processes starting at once one
// key wins and the other reads it — never a half-written file.
//
// The temp name goes whatever happens; a copy of the key left behind under
// it is an error, for the operator to remove.
func createSecretsKey(path string) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), ".secrets.key-*") // O_EXCL, 0600
	if err != nil {
		return err
	}
	defer func() {
		if rerr := os.Remove(f.Name()); rerr != nil && err == nil {
			err = rerr
		}
	}()
	_, werr := f.WriteString(hex.EncodeToString(secret.NewKey()) + "\n")
	if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
		return err
	}
	if err := os.Link(f.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	// The new name must survive a crash too: the sealed secrets need it.
	d, err := os.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	return errors.Join(d.Sync(), d.Close())
}

// cliActor names the person at the console in custody entries made by the
// admin commands.
func cliActor() app.Actor { return app.System(cliName()) }

// cliName names the operator who runs the CLI, for the custody log.
func cliName() string {
	if u, err := user.Current(); err == nil {
		return "cli:" + u.Username
	}
	return "cli"
}

// logger logs to the command's standard error.
func (e *cmdEnv) logger() *slog.Logger { return slog.New(slog.NewTextHandler(e.stderr, nil)) }
