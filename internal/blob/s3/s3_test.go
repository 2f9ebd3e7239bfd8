package s3

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"shilu/internal/blob"
	"shilu/internal/blob/blobtest"
)

func newStore(t *testing.T, srv *blobtest.S3Server, cfg Config) *Store {
	t.Helper()
	cfg.Endpoint, cfg.AccessKey, cfg.SecretKey = srv.Endpoint, srv.AccessKey, srv.SecretKey
	if cfg.Bucket == "" {
		cfg.Bucket = srv.NewBucket(t)
	}
	s, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// R-STORE-2: the S3 backend passes the same contract as the disk one, with
// single PUTs and multipart uploads (parts of 5 MiB: the suite's blobs go
// in one part, the 11 MiB one below in three).
func TestContract(t *testing.T) {
	srv := blobtest.StartS3(t)
	// Blobs locked for two seconds, so that Delete (disposal) is refused
	// while the lock holds and works after it.
	const locked = 2 * time.Second
	t.Run("SinglePut", func(t *testing.T) { blobtest.Run(t, newStore(t, srv, Config{Retention: locked}), locked) })
	t.Run("Multipart", func(t *testing.T) {
		s := newStore(t, srv, Config{MaxPut: minPartSize, PartSize: minPartSize, Retention: locked})
		blobtest.Run(t, s, locked)
		// Parts of 5 MiB: 11 MiB + 3 goes in three parts.
		data := make([]byte, 11<<20+3)
		rand.Read(data)
		d := blob.Sum(data)
		if err := s.Put(context.Background(), d, bytes.NewReader(data), -1); err != nil {
			t.Fatalf("multipart Put of unknown size: %v", err)
		}
		if err := s.Verify(context.Background(), d); err != nil {
			t.Fatalf("Verify: %v", err)
		}
		bad := append([]byte{}, data...)
		bad[len(bad)-1] ^= 1
		if err := s.Put(context.Background(), blob.Sum([]byte("x")), bytes.NewReader(bad), int64(len(bad))); !errors.Is(err, blob.ErrCorrupt) {
			t.Fatalf("multipart Put with wrong digest: %v, want ErrCorrupt", err)
		}
	})
}

// R-STORE-2, X-SEC-4: a stored original is locked in COMPLIANCE mode: the
// S3 API refuses to delete its version or to shorten its retention before
// the retain-until, even to the bucket's owner, and a second PUT under its
// key cannot replace the locked version.
func TestComplianceLock(t *testing.T) {
	ctx := context.Background()
	srv := blobtest.StartS3(t)
	now := time.Now()
	s := newStore(t, srv, Config{Retention: time.Hour, Clock: func() time.Time { return now }})
	data := []byte("locked evidence")
	d := blob.Sum(data)
	if err := s.Put(ctx, d, bytes.NewReader(data), int64(len(data))); err != nil {
		t.Fatal(err)
	}
	until, err := s.RetainUntil(ctx, d, "")
	if err != nil {
		t.Fatal(err)
	}
	if until.Before(now.Add(time.Hour)) || until.After(now.Add(time.Hour+2*time.Second)) {
		t.Fatalf("retain-until %v, want about %v", until, now.Add(time.Hour))
	}
	oi, err := srv.Client.StatObject(ctx, s.cfg.Bucket, s.Key(d), minio.StatObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if mode := oi.Metadata.Get("X-Amz-Object-Lock-Mode"); mode != "COMPLIANCE" {
		t.Errorf("lock mode %q, want COMPLIANCE", mode)
	}
	version := oi.VersionID

	t.Run("DeleteVersionRefused", func(t *testing.T) {
		err := srv.Client.RemoveObject(ctx, s.cfg.Bucket, s.Key(d), minio.RemoveObjectOptions{VersionID: version})
		if err == nil {
			t.Fatal("deleting the locked version succeeded")
		}
		err = srv.Client.RemoveObject(ctx, s.cfg.Bucket, s.Key(d), minio.RemoveObjectOptions{VersionID: version, GovernanceBypass: true})
		if err == nil {
			t.Fatal("deleting the locked version with governance bypass succeeded")
		}
	})
	t.Run("ShortenRefused", func(t *testing.T) {
		mode, sooner := minio.Compliance, now.Add(time.Minute)
		err := srv.Client.PutObjectRetention(ctx, s.cfg.Bucket, s.Key(d), minio.PutObjectRetentionOptions{Mode: &mode, RetainUntilDate: &sooner, VersionID: version})
		if err == nil {
			t.Fatal("shortening the retention succeeded")
		}
		gov := minio.Governance
		err = srv.Client.PutObjectRetention(ctx, s.cfg.Bucket, s.Key(d), minio.PutObjectRetentionOptions{Mode: &gov, RetainUntilDate: &sooner, VersionID: version, GovernanceBypass: true})
		if err == nil {
			t.Fatal("weakening the lock to governance succeeded")
		}
	})
	t.Run("OverwriteKeepsOriginal", func(t *testing.T) {
		// Versioning keeps the locked version whatever is put on top; the
		// store's conditional write refuses the PUT where the server knows
		// If-None-Match. Either way the original bytes are still there.
		other := []byte("forged")
		_, _ = srv.Client.PutObject(ctx, s.cfg.Bucket, s.Key(d), bytes.NewReader(other), int64(len(other)), minio.PutObjectOptions{})
		o, err := srv.Client.GetObject(ctx, s.cfg.Bucket, s.Key(d), minio.GetObjectOptions{VersionID: version})
		if err != nil {
			t.Fatal(err)
		}
		defer o.Close() //nolint:errcheck // read-only
		got, err := io.ReadAll(o)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("locked version reads %q, %v; want the original", got, err)
		}
		// The store reads past the version on top, and past a delete
		// marker, to the version whose checksum is the digest.
		if err := s.Verify(ctx, d); err != nil {
			t.Fatalf("Verify with a forged version on top: %v", err)
		}
		if err := srv.Client.RemoveObject(ctx, s.cfg.Bucket, s.Key(d), minio.RemoveObjectOptions{}); err != nil {
			t.Fatalf("delete marker: %v", err)
		}
		if n, err := s.Stat(ctx, d); err != nil || n != int64(len(data)) {
			t.Fatalf("Stat behind a delete marker = %d, %v", n, err)
		}
		r, err := s.Open(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close() //nolint:errcheck // read-only
		if got, err := io.ReadAll(r); err != nil || !bytes.Equal(got, data) {
			t.Fatalf("Open behind a delete marker reads %q, %v", got, err)
		}
	})
	t.Run("RetainExtendsNeverShortens", func(t *testing.T) {
		later := now.Add(48 * time.Hour).Truncate(time.Second)
		if err := s.Retain(ctx, d, later); err != nil {
			t.Fatalf("Retain: %v", err)
		}
		if err := s.Retain(ctx, d, now.Add(2*time.Hour)); err != nil {
			t.Fatalf("Retain to a sooner date: %v", err)
		}
		got, err := s.RetainUntil(ctx, d, version)
		if err != nil || !got.Equal(later) {
			t.Fatalf("retain-until after extending = %v, %v; want %v", got, err, later)
		}
		if err := s.Retain(ctx, blob.Sum([]byte("absent")), later); !errors.Is(err, blob.ErrNotFound) {
			t.Fatalf("Retain of a missing blob: %v, want ErrNotFound", err)
		}
	})
}

// X-SEC-4: a bucket without Object Lock is refused: evidence in it could be
// deleted by anyone holding the credentials.
func TestNewRefusesBucketWithoutLock(t *testing.T) {
	ctx := context.Background()
	srv := blobtest.StartS3(t)
	if err := srv.Client.MakeBucket(ctx, "unlocked", minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err := New(ctx, Config{Endpoint: srv.Endpoint, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey, Bucket: "unlocked"})
	if err == nil {
		t.Fatal("New accepted a bucket without Object Lock")
	}
}

// R-STORE-2: Adopt sends an upload file without hashing it again; the S3
// server checks the bytes against the digest, so a wrong one stores nothing.
func TestAdopt(t *testing.T) {
	ctx := context.Background()
	srv := blobtest.StartS3(t)
	s := newStore(t, srv, Config{})
	path := filepath.Join(t.TempDir(), "upload.bin")
	data := make([]byte, 1<<20+1)
	rand.Read(data)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	d := blob.Sum(data)
	wrong := blob.Sum([]byte("other bytes"))
	if err := s.Adopt(ctx, wrong, path, int64(len(data))); !errors.Is(err, blob.ErrCorrupt) {
		t.Fatalf("Adopt under a wrong digest: %v, want ErrCorrupt", err)
	}
	if _, err := s.Stat(ctx, wrong); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("Stat after a refused Adopt: %v, want ErrNotFound", err)
	}
	if err := s.Adopt(ctx, d, path, int64(len(data))+1); !errors.Is(err, blob.ErrCorrupt) {
		t.Fatalf("Adopt with a wrong size: %v, want ErrCorrupt", err)
	}
	for range 2 { // idempotent
		if err := s.Adopt(ctx, d, path, int64(len(data))); err != nil {
			t.Fatalf("Adopt: %v", err)
		}
	}
	if err := s.Verify(ctx, d); err != nil {
		t.Fatalf("Verify: %v", err)
	}
}
