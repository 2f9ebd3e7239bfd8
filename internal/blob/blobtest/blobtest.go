// Package blobtest is the contract every blob.Store backend must pass.
package blobtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"sync"
	"testing"
	"time"

	"shilu/internal/blob"
)

// Run exercises s against the blob.Store contract. s must be empty.
//
// locked is how long the store keeps a new blob from deletion (an S3
// bucket's COMPLIANCE lock; 0 for a disk): Delete is tried once before it
// ends, which must fail and keep the blob, and again after.
func Run(t *testing.T, s blob.Store, locked time.Duration) {
	ctx := context.Background()
	data := make([]byte, 3<<20+17) // spans several copy buffers
	rand.Read(data)
	d := blob.Sum(data)

	t.Run("PutOpenStat", func(t *testing.T) {
		if err := s.Put(ctx, d, bytes.NewReader(data), int64(len(data))); err != nil {
			t.Fatalf("Put: %v", err)
		}
		n, err := s.Stat(ctx, d)
		if err != nil || n != int64(len(data)) {
			t.Fatalf("Stat = %d, %v; want %d", n, err, len(data))
		}
		r, err := s.Open(ctx, d)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() {
			if err := r.Close(); err != nil { // part of the contract too
				t.Errorf("Close: %v", err)
			}
		})
		got, err := io.ReadAll(r)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("read back %d bytes, err %v: not the stored bytes", len(got), err)
		}
		if _, err := r.Seek(1<<20, io.SeekStart); err != nil {
			t.Fatalf("Seek: %v", err)
		}
		part := make([]byte, 100)
		if _, err := io.ReadFull(r, part); err != nil || !bytes.Equal(part, data[1<<20:1<<20+100]) {
			t.Fatalf("read after seek: %v", err)
		}
		if err := s.Verify(ctx, d); err != nil {
			t.Fatalf("Verify: %v", err)
		}
	})

	t.Run("PutIdempotent", func(t *testing.T) {
		if err := s.Put(ctx, d, bytes.NewReader(data), int64(len(data))); err != nil {
			t.Fatalf("second Put: %v", err)
		}
	})

	t.Run("ErrCorruptStoresNothing", func(t *testing.T) {
		other := append([]byte("other "), data[:1000]...)
		wrong := blob.Sum([]byte("not these bytes"))
		err := s.Put(ctx, wrong, bytes.NewReader(other), int64(len(other)))
		if !errors.Is(err, blob.ErrCorrupt) {
			t.Fatalf("Put with wrong digest: err = %v, want ErrCorrupt", err)
		}
		if _, err := s.Stat(ctx, wrong); !errors.Is(err, blob.ErrNotFound) {
			t.Fatalf("Stat after failed Put: err = %v, want ErrNotFound", err)
		}
		od := blob.Sum(other)
		err = s.Put(ctx, od, bytes.NewReader(other), int64(len(other))+1)
		if !errors.Is(err, blob.ErrCorrupt) {
			t.Fatalf("Put with wrong size: err = %v, want ErrCorrupt", err)
		}
		if _, err := s.Stat(ctx, od); !errors.Is(err, blob.ErrNotFound) {
			t.Fatalf("Stat after short Put: err = %v, want ErrNotFound", err)
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		missing := blob.Sum([]byte("missing"))
		if _, err := s.Open(ctx, missing); !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("Open: err = %v, want ErrNotFound", err)
		}
		if err := s.Verify(ctx, missing); !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("Verify: err = %v, want ErrNotFound", err)
		}
	})

	t.Run("ConcurrentPutsOfSameContent", func(t *testing.T) {
		small := []byte("concurrent content")
		sd := blob.Sum(small)
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = s.Put(ctx, sd, bytes.NewReader(small), int64(len(small)))
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatalf("concurrent Put: %v", err)
			}
		}
		if err := s.Verify(ctx, sd); err != nil {
			t.Fatalf("Verify: %v", err)
		}
	})

	t.Run("List", func(t *testing.T) {
		seen := map[blob.Digest]bool{}
		if err := s.List(ctx, func(d blob.Digest) error { seen[d] = true; return nil }); err != nil {
			t.Fatalf("List: %v", err)
		}
		if !seen[d] || !seen[blob.Sum([]byte("concurrent content"))] || len(seen) != 2 {
			t.Fatalf("List saw %v, want exactly the two stored blobs", seen)
		}
	})

	// Delete is for disposals alone (R-RET-3): the blob is gone, a second
	// Delete says ErrNotFound, and other blobs stay.
	t.Run("Delete", func(t *testing.T) {
		gone := []byte("disposed of")
		gd := blob.Sum(gone)
		if err := s.Put(ctx, gd, bytes.NewReader(gone), int64(len(gone))); err != nil {
			t.Fatalf("Put: %v", err)
		}
		if locked > 0 {
			if err := s.Delete(ctx, gd); err == nil {
				t.Fatal("Delete of a locked blob succeeded")
			}
			if err := s.Verify(ctx, gd); err != nil {
				t.Fatalf("a refused Delete harmed the blob: %v", err)
			}
			time.Sleep(locked + time.Second)
		}
		if err := s.Delete(ctx, gd); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		if _, err := s.Stat(ctx, gd); !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("Stat after Delete: %v, want ErrNotFound", err)
		}
		if err := s.Delete(ctx, gd); !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("second Delete: %v, want ErrNotFound", err)
		}
		if err := s.Verify(ctx, d); err != nil {
			t.Errorf("other blob after Delete: %v", err)
		}
	})
}
