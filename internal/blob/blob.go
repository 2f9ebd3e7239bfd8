// Package blob defines the content-addressed store that holds originals.
//
// Originals are addressed by their SHA-256 digest and written once: a Store
// never overwrites or edits, and deletes only for a disposal (R-STORE-2,
// R-RET-3).
// Backends live in sub-packages (disk, and later s3); every backend must pass
// the contract suite in blobtest.
package blob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// ErrCorrupt reports bytes whose digest is not the one they were stored or
// announced under. A Put that fails with ErrCorrupt stores nothing.
var ErrCorrupt = errors.New("blob: digest mismatch")

// ErrNotFound reports a digest the store does not hold.
var ErrNotFound = errors.New("blob: not found")

// Digest is the SHA-256 of a blob's bytes. Its text form is "sha256-<hex>".
// The zero value is not a valid digest.
type Digest [sha256.Size]byte

const prefix = "sha256-"

// String returns the text form "sha256-<hex>".
func (d Digest) String() string { return prefix + hex.EncodeToString(d[:]) }

// Hex returns the bare lower-case hex of the digest, as HTTP APIs and users
// who compare with sha256sum expect.
func (d Digest) Hex() string { return hex.EncodeToString(d[:]) }

// IsZero reports whether d is the zero value.
func (d Digest) IsZero() bool { return d == Digest{} }

// MarshalText implements encoding.TextMarshaler with the text form.
func (d Digest) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler; see ParseDigest.
func (d *Digest) UnmarshalText(b []byte) error {
	p, err := ParseDigest(string(b))
	if err != nil {
		return err
	}
	*d = p
	return nil
}

// ParseDigest accepts "sha256-<hex>" or a bare 64-digit hex string (the form
// sha256sum prints), in either case.
func ParseDigest(s string) (Digest, error) {
	var d Digest
	h := strings.TrimPrefix(strings.ToLower(s), prefix)
	if len(h) != hex.EncodedLen(len(d)) {
		return d, fmt.Errorf("blob: parse digest %q: want 64 hex digits", s)
	}
	if _, err := hex.Decode(d[:], []byte(h)); err != nil {
		return d, fmt.Errorf("blob: parse digest %q: %w", s, err)
	}
	return d, nil
}

// Sum returns the digest of b.
func Sum(b []byte) Digest { return sha256.Sum256(b) }

// Store holds blobs by digest. Implementations are safe for concurrent use.
type Store interface {
	// Put stores the bytes read from r under d. It reads r to EOF, hashing as
	// it goes; if the bytes do not hash to d, or their count differs from
	// size (when size >= 0), it returns an error wrapping ErrCorrupt and
	// stores nothing. Put is idempotent: storing a digest already held
	// succeeds without reading r further than needed to decide. When Put
	// returns nil the blob is durable (it survives a crash of the process or
	// the machine).
	Put(ctx context.Context, d Digest, r io.Reader, size int64) error

	// Open returns a reader of the blob's bytes that also seeks, for range
	// requests. It returns an error wrapping ErrNotFound when d is not held.
	// The reader does not verify the digest; use Verify for that.
	Open(ctx context.Context, d Digest) (ReadSeekCloser, error)

	// Stat returns the blob's size, or an error wrapping ErrNotFound.
	Stat(ctx context.Context, d Digest) (int64, error)

	// Verify re-reads the blob and checks its digest. It returns nil when the
	// bytes are intact, an error wrapping ErrCorrupt when they are not, and
	// one wrapping ErrNotFound when the blob is missing.
	Verify(ctx context.Context, d Digest) error

	// List calls fn for every digest held, in no particular order, until fn
	// returns an error, which List then returns.
	List(ctx context.Context, fn func(Digest) error) error

	// Delete removes the blob d for good. Only a disposal calls it
	// (app.RunDisposals), after the disposal's tombstone has committed;
	// nothing else in Shilu deletes an original. It returns an error
	// wrapping ErrNotFound when d is not held (a repeated Delete after a
	// crash treats that as done). When Delete returns nil the removal is
	// durable.
	Delete(ctx context.Context, d Digest) error
}

// ReadSeekCloser is what Open returns.
type ReadSeekCloser interface {
	io.ReadSeekCloser
}

// Adopter is implemented by stores that can take a file whose digest the
// caller has already computed without hashing it a second time. The ingest
// path uses it to avoid a second full pass over multi-gigabyte uploads.
type Adopter interface {
	// Adopt makes the file at path the blob d, leaving path in place: disk
	// by hard link; s3 by one PUT whose bytes the S3 server itself checks
	// against d. The caller guarantees that d was computed over exactly the
	// file's bytes as they were written and that the file has been fsynced;
	// Adopt checks the size at least (`shilu verify` re-hashes later). Adopt
	// is idempotent, durable on return, and returns an error (never a
	// partial blob) when it cannot adopt the file (disk: not on its file
	// system); the caller then falls back to Put.
	Adopt(ctx context.Context, d Digest, path string, size int64) error
}

// Retainer is implemented by stores that lock blobs against deletion until
// a date (S3 Object Lock in COMPLIANCE mode). The retention schedule calls it
// when a recording's retention date is known or moves later. A store that
// deletes blobs (disposal after retention) must refuse to delete one before
// its retain-until; with Object Lock the object store itself refuses.
type Retainer interface {
	// Retain locks d until at least until. It only ever extends: a blob
	// already locked longer keeps its date, and a date in the past changes
	// nothing. It returns an error wrapping ErrNotFound when d is not held.
	// Retain is idempotent and safe to call concurrently.
	Retain(ctx context.Context, d Digest, until time.Time) error
}
