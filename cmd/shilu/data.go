package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strings"

	"golang.org/x/mod/sumdb/note"

	"shilu/internal/audit"
	"shilu/internal/blob/disk"
	"shilu/internal/store"
)

// archive is an opened data directory of the embedded default deployment:
//
//	DIR/shilu.db        metadata (SQLite)
//	DIR/blobs/          originals, content-addressed, read-only
//	DIR/uploads/        uploads in progress (same file system as blobs/)
//	DIR/audit.key       the custody log's Ed25519 signer key (0600)
//	DIR/audit.pub       its verifier key, for auditors
type archive struct {
	dir      string
	db       *store.DB
	blobs    *disk.Store
	log      *audit.Log
	verifier note.Verifier
}

func (e *cmdEnv) openArchive(dir string) (*archive, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	log, verifier, err := loadKey(dir)
	if err != nil {
		return nil, err
	}
	blobs, err := disk.Open(filepath.Join(dir, "blobs"))
	if err != nil {
		return nil, err
	}
	db, err := store.OpenSQLite(e.ctx, filepath.Join(dir, "shilu.db"), store.Options{Log: log})
	if err != nil {
		return nil, err
	}
	return &archive{dir: dir, db: db, blobs: blobs, log: log, verifier: verifier}, nil
}

func (a *archive) Close() error { return a.db.Close() }

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

// cliActor names the person at the console in custody entries made by the
// admin commands.
func cliActor() string {
	if u, err := user.Current(); err == nil {
		return "cli:" + u.Username
	}
	return "cli"
}
