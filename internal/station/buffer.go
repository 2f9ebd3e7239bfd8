package station

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// The buffer keeps a 1:1 copy of every file taken off a device until the
// archive confirms it (R-UPL-2): the device may be undocked, and even
// cleared by hand, once its files are buffered, and nothing is lost if the
// network or the server is down for days. The copy and its SHA-256 come
// from one read of the device.

const copyBlock = 1 << 20

// bufferPath is where file id is buffered.
func bufferPath(dir string, id int64) string {
	return filepath.Join(dir, "buffer", strconv.FormatInt(id, 10)+".bin")
}

// copyToBuffer copies src (size bytes) to dst, hashing what it reads, and
// makes the copy durable (fsync of the file and its directory) before
// answering; a partial copy from an earlier crash is overwritten. The
// device's file must still be size bytes long: a camera still writing it
// is caught here and tried again later.
func copyToBuffer(ctx context.Context, src, dst string, size int64) (string, error) {
	in, err := os.Open(src)
	if err != nil {
		return "", err
	}
	defer in.Close() //nolint:errcheck // read-only
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return "", err
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	buf := make([]byte, copyBlock)
	var n int64
	for {
		if err := ctx.Err(); err != nil {
			out.Close() //nolint:errcheck // abandoned; the next attempt truncates it
			return "", err
		}
		k, rerr := in.Read(buf)
		if k > 0 {
			h.Write(buf[:k])
			if _, err := out.Write(buf[:k]); err != nil {
				out.Close() //nolint:errcheck // the write's error is the one to report
				return "", err
			}
			n += int64(k)
		}
		if errors.Is(rerr, io.EOF) {
			break
		}
		if rerr != nil {
			out.Close() //nolint:errcheck // the read's error is the one to report
			return "", rerr
		}
	}
	err = out.Sync()
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", err
	}
	if n != size {
		return "", fmt.Errorf("%s: read %d bytes, expected %d (still being written?)", src, n, size)
	}
	if err := syncDir(filepath.Dir(dst)); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// wipe overwrites the file at path with zeros, flushes that to the disk,
// and removes it (X-SEC-4), so that its bytes are not left in free space
// where an undelete tool finds them. On a hard disk, or a file system that
// writes in place (ext4, XFS), that is what happens. On an SSD or flash
// card the controller writes the zeros to fresh cells and frees the old
// ones for later erasure (wear levelling); copy-on-write file systems
// (btrfs, ZFS) and snapshots do the same one level up. There, the old
// bytes may survive in cells the system can no longer address: the buffer
// belongs on an encrypted volume (LUKS), which makes them unreadable
// without the key, with discard/fstrim so that freed cells are erased.
// A file already gone counts as wiped.
func wipe(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	fi, err := f.Stat()
	if err == nil {
		zero := make([]byte, copyBlock)
		for off := int64(0); off < fi.Size() && err == nil; off += copyBlock {
			_, err = f.WriteAt(zero[:min(copyBlock, fi.Size()-off)], off)
		}
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return syncDir(filepath.Dir(path))
}

// freeBytes is the space left for an unprivileged writer on the file
// system holding dir.
func freeBytes(dir string) (int64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, err
	}
	return int64(st.Bavail) * int64(st.Bsize), nil //nolint:gosec,unconvert // block counts fit
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
