// Package s3 keeps originals in an S3-compatible object store with Object
// Lock: one object per blob, named by its digest, written once and locked in
// COMPLIANCE mode until a retain-until date, so that nobody — not the
// archive's own credentials, not the store's root account — can delete or
// overwrite it before then (R-STORE-2, X-SEC-4).
//
// The bucket must have been created with Object Lock enabled (which also
// turns versioning on); Object Lock cannot be switched on later for an
// existing bucket on most servers. The lock is enforced only at the S3 API:
// operators firewall every other port of the storage servers.
package s3

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"shilu/internal/blob"
)

var (
	_ blob.Store    = (*Store)(nil)
	_ blob.Adopter  = (*Store)(nil)
	_ blob.Retainer = (*Store)(nil)
)

// DefaultRetention is how long a new object is locked when Config.Retention
// is zero: one year, until the retention schedule (which knows each
// recording's period) extends it through blob.Retainer.
const DefaultRetention = 365 * 24 * time.Hour

// DefaultMaxPut is the largest object sent in one PUT when Config.MaxPut
// is zero: S3's own limit.
const DefaultMaxPut = 5 << 30

// DefaultPartSize is the part size of multipart uploads when
// Config.PartSize is zero. One part is held in memory per multipart Put in
// progress: the memory of an upload is flat, whatever the object's size.
const DefaultPartSize = 64 << 20

// Config says where the bucket is and how objects are written.
type Config struct {
	// Endpoint is host:port of the S3 API; Secure selects https.
	Endpoint string
	Secure   bool
	// Region is the bucket's region; empty lets the client ask.
	Region string
	Bucket string
	// Prefix is put before every key (e.g. "shilu/"), so one bucket can
	// hold more than the originals.
	Prefix string
	// AccessKey and SecretKey are the archive's credentials. They come
	// from the environment or a file, never from a command line.
	AccessKey, SecretKey string
	// Retention is how long after its Put an object is locked (0:
	// DefaultRetention).
	Retention time.Duration
	// MaxPut: objects up to it go in one PUT (0: DefaultMaxPut), larger
	// ones and those of unknown size in parts of PartSize (0:
	// DefaultPartSize; at least 5 MiB, S3's smallest part). One PUT is
	// preferred: it streams without buffering, and the server checks the
	// whole object's SHA-256 and keeps it as the object's checksum, where a
	// multipart object only has a checksum of its parts' checksums.
	MaxPut, PartSize int64
	// Clock gives the time retain-until dates are counted from (nil:
	// time.Now).
	Clock func() time.Time
	// Transport replaces the HTTP transport (nil: minio-go's default).
	Transport http.RoundTripper
}

// Store is a blob.Store on one bucket.
type Store struct {
	cfg  Config
	core minio.Core
	// parts recycles part buffers of multipart uploads.
	parts sync.Pool
}

const minPartSize = 5 << 20

// New connects to the bucket and checks that it exists and has Object Lock
// enabled: a bucket without it would let anyone with the credentials delete
// evidence, so the store refuses to start on one.
func New(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.Retention <= 0 {
		cfg.Retention = DefaultRetention
	}
	if cfg.PartSize == 0 {
		cfg.PartSize = DefaultPartSize
	}
	if cfg.MaxPut == 0 {
		cfg.MaxPut = DefaultMaxPut
	}
	if cfg.PartSize < minPartSize {
		return nil, fmt.Errorf("s3: part size %d below S3's minimum of %d", cfg.PartSize, minPartSize)
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	c, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:     credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure:    cfg.Secure,
		Region:    cfg.Region,
		Transport: cfg.Transport,
		// Needed to send x-amz-checksum-sha256 ourselves.
		TrailingHeaders: true,
	})
	if err != nil {
		return nil, fmt.Errorf("s3: %w", err)
	}
	s := &Store{cfg: cfg, core: minio.Core{Client: c}}
	s.parts.New = func() any { b := make([]byte, cfg.PartSize); return &b }
	enabled, _, _, _, err := c.GetObjectLockConfig(ctx, cfg.Bucket)
	if err != nil {
		return nil, fmt.Errorf("s3: bucket %s: object lock: %w", cfg.Bucket, err)
	}
	if enabled != "Enabled" {
		return nil, fmt.Errorf("s3: bucket %s has no Object Lock; create it with Object Lock enabled", cfg.Bucket)
	}
	return s, nil
}

// Key returns the object key that holds d: <prefix>sha256/<hex>.
func (s *Store) Key(d blob.Digest) string { return s.cfg.Prefix + "sha256/" + d.Hex() }

func (s *Store) retainUntil() time.Time {
	// Whole seconds, as the header carries them; rounded up so the lock is
	// never shorter than configured.
	return s.cfg.Clock().UTC().Add(s.cfg.Retention).Truncate(time.Second).Add(time.Second)
}

// Put implements blob.Store. An object already held is left alone (HEAD
// first). A new one is written with Object Lock COMPLIANCE until now plus
// the retention, its SHA-256 sent as the object's checksum
// (x-amz-checksum-sha256) and, for a single PUT, as the signed payload hash,
// so that the server refuses bytes that are not d. The client hashes too and
// holds back the last byte (single PUT) or the completion (multipart) until
// its own digest agrees: a server that checks nothing still stores nothing
// corrupt.
func (s *Store) Put(ctx context.Context, d blob.Digest, r io.Reader, size int64) error {
	if _, err := s.Stat(ctx, d); err == nil {
		return nil
	} else if !errors.Is(err, blob.ErrNotFound) {
		return err
	}
	var err error
	if size >= 0 && size <= s.cfg.MaxPut {
		err = s.putSingle(ctx, d, r, size, true)
	} else {
		err = s.putMultipart(ctx, d, r, size)
	}
	if err != nil {
		return fmt.Errorf("s3: put %v: %w", d, err)
	}
	return nil
}

func (s *Store) putOptions() minio.PutObjectOptions {
	return minio.PutObjectOptions{
		Mode:            minio.Compliance,
		RetainUntilDate: s.retainUntil(),
		// The payload hash is ours (d or the part's), not minio-go's
		// chunked signature: one hash pass fewer.
		DisableContentSha256: true,
		UserMetadata:         map[string]string{},
	}
}

// Adopt implements blob.Adopter: the ingest path's upload file, whose
// digest it took as the bytes arrived, goes to S3 without a second hash
// pass here. Nothing is taken on trust for that: in one PUT the signed
// payload hash and the checksum are d, and the server refuses bytes that
// are not. A file larger than MaxPut goes through Put, which hashes while
// it sends the parts.
func (s *Store) Adopt(ctx context.Context, d blob.Digest, path string, size int64) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("s3: adopt %v: %w", d, err)
	}
	defer f.Close() //nolint:errcheck // read-only: closing cannot lose data
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("s3: adopt %v: %w", d, err)
	}
	if fi.Size() != size {
		return fmt.Errorf("s3: adopt %v: file has %d bytes, want %d: %w", d, fi.Size(), size, blob.ErrCorrupt)
	}
	if size > s.cfg.MaxPut || size == 0 {
		return s.Put(ctx, d, f, size)
	}
	if _, err := s.Stat(ctx, d); err == nil {
		return nil
	} else if !errors.Is(err, blob.ErrNotFound) {
		return err
	}
	if err := s.putSingle(ctx, d, io.NewSectionReader(f, 0, size), size, false); err != nil {
		return fmt.Errorf("s3: adopt %v: %w", d, err)
	}
	return nil
}

// putSingle sends r in one PUT; with hash, through a verifier.
func (s *Store) putSingle(ctx context.Context, d blob.Digest, r io.Reader, size int64, hash bool) error {
	v := &verifier{r: r, want: d, size: size, h: sha256.New()}
	if size == 0 {
		// An empty body is never read by the HTTP client: check it here.
		if err := v.finish(); err != nil {
			return err
		}
	}
	body := io.Reader(v)
	if !hash {
		body = r
	}
	opts := s.putOptions()
	opts.UserMetadata["x-amz-checksum-sha256"] = base64.StdEncoding.EncodeToString(d[:])
	// Write once: a server that knows conditional writes refuses a second
	// object under the key (412); one that does not (versitygw v1.8.0
	// ignores If-None-Match) adds an identical, equally locked version.
	opts.SetMatchETagExcept("*")
	_, err := s.core.PutObject(ctx, s.cfg.Bucket, s.Key(d), body, size, "", d.Hex(), opts)
	if v.err != nil {
		return v.err
	}
	if err != nil {
		if code := minio.ToErrorResponse(err).Code; code == "PreconditionFailed" {
			return nil // stored meanwhile by a concurrent Put of the same bytes
		} else if code == "XAmzContentSHA256Mismatch" || code == "BadDigest" || code == "InvalidDigest" {
			return fmt.Errorf("%w: %w", blob.ErrCorrupt, err)
		}
		return err
	}
	return nil
}

// putMultipart uploads parts of PartSize, each held in memory once: its
// SHA-256 is signed as its payload hash and sent as its checksum, while the
// whole object's digest is taken over the same bytes. The upload is
// completed only if that digest is d (and the size is size, when known);
// otherwise it is aborted and nothing is stored.
func (s *Store) putMultipart(ctx context.Context, d blob.Digest, r io.Reader, size int64) (err error) {
	opts := s.putOptions()
	opts.UserMetadata["x-amz-checksum-algorithm"] = "SHA256"
	key := s.Key(d)
	id, err := s.core.NewMultipartUpload(ctx, s.cfg.Bucket, key, opts)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			// The parts sent so far are not an object; the abort frees
			// them (and a lifecycle rule for incomplete uploads, if the
			// abort fails).
			if aerr := s.core.AbortMultipartUpload(context.WithoutCancel(ctx), s.cfg.Bucket, key, id); aerr != nil {
				err = errors.Join(err, fmt.Errorf("abort: %w", aerr))
			}
		}
	}()
	bufp := s.parts.Get().(*[]byte)
	defer s.parts.Put(bufp)
	buf := *bufp
	whole := sha256.New()
	var parts []minio.CompletePart
	var n int64
	for num := 1; ; num++ {
		k, rerr := io.ReadFull(ctxReader{ctx, r}, buf)
		if rerr != nil && !errors.Is(rerr, io.ErrUnexpectedEOF) && !errors.Is(rerr, io.EOF) {
			return rerr
		}
		if k == 0 && num > 1 {
			break
		}
		part := buf[:k]
		whole.Write(part)
		n += int64(k)
		if size >= 0 && n > size {
			return fmt.Errorf("more than %d bytes: %w", size, blob.ErrCorrupt)
		}
		last := k < len(buf)
		if last {
			// Check before the last part goes out: on a mismatch the
			// upload is aborted having sent one part fewer.
			if err := check(d, whole, n, size); err != nil {
				return err
			}
		}
		ps := sha256.Sum256(part)
		p, err := s.core.PutObjectPart(ctx, s.cfg.Bucket, key, id, num, bytes.NewReader(part), int64(k), minio.PutObjectPartOptions{
			Sha256Hex:            hex.EncodeToString(ps[:]),
			DisableContentSha256: true,
			CustomHeader:         http.Header{"X-Amz-Checksum-Sha256": {base64.StdEncoding.EncodeToString(ps[:])}},
		})
		if err != nil {
			return err
		}
		parts = append(parts, minio.CompletePart{PartNumber: num, ETag: p.ETag, ChecksumSHA256: p.ChecksumSHA256})
		if last {
			break
		}
	}
	if err := check(d, whole, n, size); err != nil {
		return err
	}
	_, err = s.core.CompleteMultipartUpload(ctx, s.cfg.Bucket, key, id, parts, minio.PutObjectOptions{})
	return err
}

func check(d blob.Digest, h interface{ Sum([]byte) []byte }, n, size int64) error {
	if size >= 0 && n != size {
		return fmt.Errorf("got %d bytes, want %d: %w", n, size, blob.ErrCorrupt)
	}
	if got := blob.Digest(h.Sum(nil)); got != d {
		return fmt.Errorf("bytes hash to %v: %w", got, blob.ErrCorrupt)
	}
	return nil
}

// Open implements blob.Store with minio-go's Object: each Seek that moves
// the position starts a ranged GET from there on the next Read, which is
// what playback's Range requests need. It reads the version that locate
// finds, not whatever was put on top of it.
func (s *Store) Open(ctx context.Context, d blob.Digest) (blob.ReadSeekCloser, error) {
	version, _, err := s.locate(ctx, d)
	if err != nil {
		return nil, err
	}
	o, err := s.core.Client.GetObject(ctx, s.cfg.Bucket, s.Key(d), minio.GetObjectOptions{VersionID: version})
	if err != nil {
		return nil, s.wrap("open", d, err)
	}
	// GetObject sends nothing until asked; Stat finds a vanished object now.
	if _, err := o.Stat(); err != nil {
		o.Close() //nolint:errcheck // never read: nothing to lose
		return nil, s.wrap("open", d, err)
	}
	return o, nil
}

// Stat implements blob.Store.
func (s *Store) Stat(ctx context.Context, d blob.Digest) (int64, error) {
	_, size, err := s.locate(ctx, d)
	return size, err
}

// locate finds the version of d's object that holds d, and its size.
//
// The bucket is versioned (Object Lock needs it), so a PUT by anyone with
// write access adds a version on top of the locked one rather than
// replacing it, and a DELETE without a version adds a delete marker that
// hides it. Neither destroys the original; locate looks past both. The
// version to read is the current one when its stored full-object SHA-256
// checksum is d (the server checked the bytes against it on the way in:
// every single PUT of this store), else a version whose checksum is d, else
// the oldest version: the original was written first, a locked version
// cannot be removed, and nothing can be put below it. Verify tells whether
// what locate found is the original.
func (s *Store) locate(ctx context.Context, d blob.Digest) (version string, size int64, err error) {
	want := base64.StdEncoding.EncodeToString(d[:])
	oi, err := s.core.StatObject(ctx, s.cfg.Bucket, s.Key(d), minio.StatObjectOptions{Checksum: true})
	if err == nil && oi.ChecksumSHA256 == want {
		return oi.VersionID, oi.Size, nil
	}
	if err != nil && !errors.Is(s.wrap("stat", d, err), blob.ErrNotFound) {
		return "", 0, s.wrap("stat", d, err)
	}
	var oldest *minio.ObjectInfo
	for v := range s.core.Client.ListObjects(ctx, s.cfg.Bucket, minio.ListObjectsOptions{Prefix: s.Key(d), WithVersions: true}) {
		if v.Err != nil {
			return "", 0, s.wrap("stat", d, v.Err)
		}
		if v.Key != s.Key(d) || v.IsDeleteMarker {
			continue
		}
		vi, err := s.core.StatObject(ctx, s.cfg.Bucket, s.Key(d), minio.StatObjectOptions{VersionID: v.VersionID, Checksum: true})
		if err != nil {
			return "", 0, s.wrap("stat", d, err)
		}
		if vi.ChecksumSHA256 == want {
			return vi.VersionID, vi.Size, nil
		}
		// Listed newest first: a later one of the same time is older.
		if oldest == nil || !vi.LastModified.After(oldest.LastModified) {
			oldest = &vi
		}
	}
	if oldest == nil {
		return "", 0, fmt.Errorf("s3: stat %v: %w", d, blob.ErrNotFound)
	}
	return oldest.VersionID, oldest.Size, nil
}

// Verify implements blob.Store: the object is read back whole and hashed.
func (s *Store) Verify(ctx context.Context, d blob.Digest) error {
	o, err := s.Open(ctx, d)
	if err != nil {
		return err
	}
	defer o.Close() //nolint:errcheck // read-only: closing cannot lose data
	h := sha256.New()
	if _, err := io.CopyBuffer(h, ctxReader{ctx, o}, make([]byte, 1<<20)); err != nil {
		return s.wrap("verify", d, err)
	}
	if got := blob.Digest(h.Sum(nil)); got != d {
		return fmt.Errorf("s3: verify %v: bytes hash to %v: %w", d, got, blob.ErrCorrupt)
	}
	return nil
}

// List implements blob.Store over the keys under <prefix>sha256/; keys not
// named by a digest are skipped.
func (s *Store) List(ctx context.Context, fn func(blob.Digest) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops the listing goroutine when fn ends the walk early
	pre := s.cfg.Prefix + "sha256/"
	for oi := range s.core.Client.ListObjects(ctx, s.cfg.Bucket, minio.ListObjectsOptions{Prefix: pre, Recursive: true}) {
		if oi.Err != nil {
			return fmt.Errorf("s3: list: %w", oi.Err)
		}
		d, err := blob.ParseDigest(strings.TrimPrefix(oi.Key, pre))
		if err != nil {
			continue
		}
		if err := fn(d); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// Retain implements blob.Retainer: every version of d's object (a
// concurrent Put may leave two, with the same bytes; a version put on top
// by someone else is extended too, which does no harm) is locked in
// COMPLIANCE mode until at least until. A version already locked longer is
// left as it is: S3 refuses to shorten a compliance lock, and Retain never
// asks.
func (s *Store) Retain(ctx context.Context, d blob.Digest, until time.Time) error {
	until = until.UTC().Truncate(time.Second)
	key := s.Key(d)
	found := false
	for oi := range s.core.Client.ListObjects(ctx, s.cfg.Bucket, minio.ListObjectsOptions{Prefix: key, WithVersions: true}) {
		if oi.Err != nil {
			return fmt.Errorf("s3: retain %v: %w", d, oi.Err)
		}
		if oi.Key != key || oi.IsDeleteMarker {
			continue
		}
		found = true
		current, err := s.RetainUntil(ctx, d, oi.VersionID)
		if err != nil {
			return err
		}
		if !current.Before(until) {
			continue
		}
		mode := minio.Compliance
		if err := s.core.PutObjectRetention(ctx, s.cfg.Bucket, key, minio.PutObjectRetentionOptions{
			Mode: &mode, RetainUntilDate: &until, VersionID: oi.VersionID,
		}); err != nil {
			return fmt.Errorf("s3: retain %v version %s: %w", d, oi.VersionID, err)
		}
	}
	if !found {
		return fmt.Errorf("s3: retain %v: %w", d, blob.ErrNotFound)
	}
	return nil
}

// Delete removes every version of d's object (and the delete markers put
// on it), for a disposal after its retention (blob.Store). The bucket's
// COMPLIANCE lock refuses while any version's retain-until lies ahead: the
// disposal then fails and is retried, and nothing is removed before the
// object store allows it. ErrNotFound when nothing is held under d.
func (s *Store) Delete(ctx context.Context, d blob.Digest) error {
	key := s.Key(d)
	found := false
	for oi := range s.core.Client.ListObjects(ctx, s.cfg.Bucket, minio.ListObjectsOptions{Prefix: key, WithVersions: true}) {
		if oi.Err != nil {
			return fmt.Errorf("s3: delete %v: %w", d, oi.Err)
		}
		if oi.Key != key {
			continue
		}
		found = true
		if err := s.core.Client.RemoveObject(ctx, s.cfg.Bucket, key, minio.RemoveObjectOptions{VersionID: oi.VersionID}); err != nil {
			return fmt.Errorf("s3: delete %v version %s: %w", d, oi.VersionID, err)
		}
	}
	if !found {
		return fmt.Errorf("s3: delete %v: %w", d, blob.ErrNotFound)
	}
	return nil
}

// RetainUntil returns the retain-until date of a version of d's object (""
// for the current one); the zero time means not locked. It asks GET
// ?retention itself, through a presigned URL: minio-go expects the answer's
// element to be <Retention>, as AWS sends it, and versitygw sends
// <ObjectLockRetention>; versitygw's HEAD of a version that is not the
// current one carries no lock headers.
func (s *Store) RetainUntil(ctx context.Context, d blob.Digest, version string) (time.Time, error) {
	q := url.Values{"retention": {""}}
	if version != "" {
		q.Set("versionId", version)
	}
	u, err := s.core.Client.Presign(ctx, http.MethodGet, s.cfg.Bucket, s.Key(d), time.Minute, q)
	if err != nil {
		return time.Time{}, fmt.Errorf("s3: retention %v: %w", d, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return time.Time{}, fmt.Errorf("s3: retention %v: %w", d, err)
	}
	hc := &http.Client{Transport: s.cfg.Transport}
	resp, err := hc.Do(req)
	if err != nil {
		return time.Time{}, fmt.Errorf("s3: retention %v: %w", d, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return time.Time{}, fmt.Errorf("s3: retention %v: %w", d, err)
	}
	// Either root element: only the fields matter.
	var r struct {
		Code            string
		Mode            string
		RetainUntilDate string
	}
	if err := xml.Unmarshal(body, &r); err != nil {
		return time.Time{}, fmt.Errorf("s3: retention %v: %d %w", d, resp.StatusCode, err)
	}
	switch {
	case resp.StatusCode == http.StatusOK:
	case r.Code == "NoSuchObjectLockConfiguration":
		return time.Time{}, nil
	case r.Code == "NoSuchKey" || r.Code == "NoSuchVersion" || resp.StatusCode == http.StatusNotFound:
		return time.Time{}, fmt.Errorf("s3: retention %v: %w", d, blob.ErrNotFound)
	default:
		return time.Time{}, fmt.Errorf("s3: retention %v: %d %s", d, resp.StatusCode, r.Code)
	}
	t, err := time.Parse(time.RFC3339, r.RetainUntilDate)
	if err != nil {
		return time.Time{}, fmt.Errorf("s3: retention %v: %w", d, err)
	}
	return t, nil
}

// wrap maps the S3 answers that mean "no such object" to blob.ErrNotFound.
func (s *Store) wrap(op string, d blob.Digest, err error) error {
	switch minio.ToErrorResponse(err).Code {
	case "NoSuchKey", "NotFound", "NoSuchVersion":
		return fmt.Errorf("s3: %s %v: %w", op, d, blob.ErrNotFound)
	}
	return fmt.Errorf("s3: %s %v: %w", op, d, err)
}

// verifier passes a single PUT's body through, hashing it, but keeps its
// last byte back until the source has ended and the bytes are the size and
// digest promised. On a mismatch Read fails instead, the request is cut
// short of its Content-Length, and the server stores nothing.
type verifier struct {
	r    io.Reader
	h    hash.Hash
	want blob.Digest
	size int64
	n    int64
	err  error // the first failure, kept for Put to report
	done bool
}

func (v *verifier) Read(p []byte) (int, error) {
	if v.err != nil {
		return 0, v.err
	}
	if v.done || len(p) == 0 {
		if v.done {
			return 0, io.EOF
		}
		return 0, nil
	}
	left := v.size - v.n
	if left > 1 {
		if int64(len(p)) > left-1 {
			p = p[:left-1]
		}
		k, err := v.r.Read(p)
		v.h.Write(p[:k])
		v.n += int64(k)
		if errors.Is(err, io.EOF) {
			return k, v.fail(fmt.Errorf("got %d bytes, want %d: %w", v.n, v.size, blob.ErrCorrupt))
		}
		if err != nil {
			return k, v.fail(err)
		}
		return k, nil
	}
	var last [1]byte
	if _, err := io.ReadFull(v.r, last[:]); err != nil {
		if errors.Is(err, io.EOF) {
			err = fmt.Errorf("got %d bytes, want %d: %w", v.n, v.size, blob.ErrCorrupt)
		}
		return 0, v.fail(err)
	}
	v.h.Write(last[:])
	v.n++
	if err := v.finish(); err != nil {
		return 0, err
	}
	p[0] = last[0]
	return 1, nil
}

// finish checks that the source has ended and the digest is right.
func (v *verifier) finish() error {
	var extra [1]byte
	if k, err := io.ReadFull(v.r, extra[:]); k > 0 {
		return v.fail(fmt.Errorf("more than %d bytes: %w", v.size, blob.ErrCorrupt))
	} else if !errors.Is(err, io.EOF) {
		return v.fail(err)
	}
	if got := blob.Digest(v.h.Sum(nil)); got != v.want {
		return v.fail(fmt.Errorf("bytes hash to %v: %w", got, blob.ErrCorrupt))
	}
	v.done = true
	return nil
}

func (v *verifier) fail(err error) error {
	v.err = err
	return err
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
