package disk

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"shilu/internal/blob"
	"shilu/internal/blob/blobtest"
)

func TestContract(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	blobtest.Run(t, s, 0)
}

// R-STORE-2: stored originals are read-only files, and a flipped byte is
// found by Verify.
func TestReadOnlyAndVerifyFindsFlippedByte(t *testing.T) {
	ctx := context.Background()
	s, _ := Open(t.TempDir())
	data := bytes.Repeat([]byte("evidence"), 1000)
	d := blob.Sum(data)
	if err := s.Put(ctx, d, bytes.NewReader(data), -1); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(s.Path(d))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm()&0o222 != 0 {
		t.Errorf("blob mode %v is writable", fi.Mode())
	}
	// Tamper as someone with write access to the disk would.
	if err := os.Chmod(s.Path(d), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(s.Path(d), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte{'X'}, 100); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Verify(ctx, d); !errors.Is(err, blob.ErrCorrupt) {
		t.Fatalf("Verify after flip: err = %v, want ErrCorrupt", err)
	}
}

func TestAdopt(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, _ := Open(filepath.Join(dir, "blobs"))
	src := filepath.Join(dir, "upload.bin")
	data := []byte("uploaded bytes")
	if err := os.WriteFile(src, data, 0o644); err != nil {
		t.Fatal(err)
	}
	d := blob.Sum(data)
	if err := s.Adopt(ctx, d, src, int64(len(data))+1); !errors.Is(err, blob.ErrCorrupt) {
		t.Fatalf("Adopt with wrong size: err = %v, want ErrCorrupt", err)
	}
	if err := s.Adopt(ctx, d, src, int64(len(data))); err != nil {
		t.Fatalf("Adopt: %v", err)
	}
	if err := s.Adopt(ctx, d, src, int64(len(data))); err != nil {
		t.Fatalf("Adopt again: %v", err)
	}
	if err := os.Remove(src); err != nil { // the upload's owner cleans up; the blob stays
		t.Fatal(err)
	}
	if err := s.Verify(ctx, d); err != nil {
		t.Fatalf("Verify after the upload file is gone: %v", err)
	}
}
