// Package disk is the embedded default blob store: one read-only file per
// blob under a directory, named by digest.
package disk

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"shilu/internal/blob"
)

var (
	_ blob.Store   = (*Store)(nil)
	_ blob.Adopter = (*Store)(nil)
)

// Store keeps blob sha256-<hex> at <root>/sha256/<hex[0:2]>/<hex>.
type Store struct {
	root string
}

// Open returns a store rooted at dir, creating it if needed.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(filepath.Join(dir, "sha256"), 0o755); err != nil {
		return nil, fmt.Errorf("disk: open %s: %w", dir, err)
	}
	return &Store{root: dir}, nil
}

// Path returns the file that holds d. Tests and `shilu verify` name it.
func (s *Store) Path(d blob.Digest) string {
	h := d.Hex()
	return filepath.Join(s.root, "sha256", h[:2], h)
}

// Put implements blob.Store: the bytes go to a temp file in the target
// directory (so the final rename never crosses file systems), are hashed as
// they are written, fsynced, made read-only, renamed into place, and the
// directory is fsynced so the new name survives a power loss.
func (s *Store) Put(ctx context.Context, d blob.Digest, r io.Reader, size int64) error {
	if _, err := s.Stat(ctx, d); err == nil {
		return nil
	}
	dst := s.Path(d)
	dir := filepath.Dir(dst)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("disk: put %v: %w", d, err)
	}
	f, err := os.CreateTemp(dir, ".put-*")
	if err != nil {
		return fmt.Errorf("disk: put %v: %w", d, err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) //nolint:errcheck // a failed put's temp file (List skips it); a no-op once renamed
	// One Close, checked: a write the kernel reports only at close must not
	// become a blob. Joined, the close error never hides ErrCorrupt.
	if err := errors.Join(writeVerified(ctx, f, d, r, size), f.Close()); err != nil {
		return fmt.Errorf("disk: put %v: %w", d, err)
	}
	if err := os.Chmod(tmp, 0o444); err != nil {
		return fmt.Errorf("disk: put %v: %w", d, err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		return fmt.Errorf("disk: put %v: %w", d, err)
	}
	return syncDir(dir)
}

// writeVerified copies r to f, hashing on the way, and fsyncs f only if the
// bytes are the size (when size >= 0) and digest d promised.
func writeVerified(ctx context.Context, f *os.File, d blob.Digest, r io.Reader, size int64) error {
	h := sha256.New()
	n, err := io.CopyBuffer(io.MultiWriter(f, h), ctxReader{ctx, r}, make([]byte, 1<<20))
	if err != nil {
		return err
	}
	if size >= 0 && n != size {
		return fmt.Errorf("got %d bytes, want %d: %w", n, size, blob.ErrCorrupt)
	}
	if got := blob.Digest(h.Sum(nil)); got != d {
		return fmt.Errorf("bytes hash to %v: %w", got, blob.ErrCorrupt)
	}
	return f.Sync()
}

// Adopt implements blob.Adopter with a hard link, so a multi-gigabyte upload
// becomes a blob without a copy. The upload file keeps its own name until
// its owner removes it; the blob is the same inode, made read-only.
func (s *Store) Adopt(ctx context.Context, d blob.Digest, path string, size int64) error {
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("disk: adopt %v: %w", d, err)
	}
	if fi.Size() != size {
		return fmt.Errorf("disk: adopt %v: file has %d bytes, want %d: %w", d, fi.Size(), size, blob.ErrCorrupt)
	}
	if _, err := s.Stat(ctx, d); err == nil {
		return nil
	}
	dst := s.Path(d)
	dir := filepath.Dir(dst)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("disk: adopt %v: %w", d, err)
	}
	if err := os.Chmod(path, 0o444); err != nil {
		return fmt.Errorf("disk: adopt %v: %w", d, err)
	}
	if err := os.Link(path, dst); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("disk: adopt %v: %w", d, err)
	}
	return syncDir(dir)
}

// Open implements blob.Store.
func (s *Store) Open(_ context.Context, d blob.Digest) (blob.ReadSeekCloser, error) {
	f, err := os.Open(s.Path(d))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("disk: open %v: %w", d, blob.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("disk: open %v: %w", d, err)
	}
	return f, nil
}

// Stat implements blob.Store.
func (s *Store) Stat(_ context.Context, d blob.Digest) (int64, error) {
	fi, err := os.Stat(s.Path(d))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, fmt.Errorf("disk: stat %v: %w", d, blob.ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("disk: stat %v: %w", d, err)
	}
	return fi.Size(), nil
}

// Verify implements blob.Store.
func (s *Store) Verify(ctx context.Context, d blob.Digest) error {
	f, err := s.Open(ctx, d)
	if err != nil {
		return err
	}
	defer f.Close() //nolint:errcheck // read-only: closing cannot lose data
	h := sha256.New()
	if _, err := io.CopyBuffer(h, ctxReader{ctx, f}, make([]byte, 1<<20)); err != nil {
		return fmt.Errorf("disk: verify %v: %w", d, err)
	}
	if got := blob.Digest(h.Sum(nil)); got != d {
		return fmt.Errorf("disk: verify %v: bytes hash to %v: %w", d, got, blob.ErrCorrupt)
	}
	return nil
}

// List implements blob.Store. Files that are not named by a digest (temp
// files of an interrupted Put) are skipped.
func (s *Store) List(ctx context.Context, fn func(blob.Digest) error) error {
	return filepath.WalkDir(filepath.Join(s.root, "sha256"), func(_ string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			return nil
		}
		d, err := blob.ParseDigest(e.Name())
		if err != nil {
			return nil
		}
		return fn(d)
	})
}

// Delete implements blob.Store: the file is removed and its directory
// fsynced, so the removal survives a power loss.
func (s *Store) Delete(_ context.Context, d blob.Digest) error {
	p := s.Path(d)
	err := os.Remove(p)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("disk: delete %v: %w", d, blob.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("disk: delete %v: %w", d, err)
	}
	return syncDir(filepath.Dir(p))
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("disk: sync %s: %w", dir, err)
	}
	defer f.Close() //nolint:errcheck // read-only handle: Sync's error is the one that counts
	if err := f.Sync(); err != nil {
		return fmt.Errorf("disk: sync %s: %w", dir, err)
	}
	return nil
}

// ctxReader stops a long copy when its context ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
