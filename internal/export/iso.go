package export

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// WriteCustody writes the custody excerpt into the package tree at dir:
// the verifier key, the checkpoint the trails are proved against, and each
// recording's trail.
func WriteCustody(dir, key, checkpoint string, trails []Trail) error {
	if err := WriteFile(filepath.Join(dir, filepath.FromSlash(KeyName)), []byte(strings.TrimSpace(key)+"\n")); err != nil {
		return err
	}
	if err := WriteFile(filepath.Join(dir, filepath.FromSlash(CheckpointName)), []byte(checkpoint)); err != nil {
		return err
	}
	for _, t := range trails {
		data, err := json.MarshalIndent(t, "", " ")
		if err != nil {
			return err
		}
		if err := WriteFile(filepath.Join(dir, filepath.FromSlash(TrailName(t.RecordingID))), append(data, '\n')); err != nil {
			return err
		}
	}
	return syncDir(filepath.Join(dir, CustodyDir))
}

// ErrNoXorriso reports that xorriso, which writes and reads the images, is
// not installed.
var ErrNoXorriso = errors.New("export: xorriso is not installed (Debian package xorriso)")

func xorrisoPath(x string) (string, error) {
	if x == "" {
		x = "xorriso"
	}
	p, err := exec.LookPath(x)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrNoXorriso, err)
	}
	return p, nil
}

// Image is an ISO image as MakeISO wrote it.
type Image struct {
	SHA256 string // hex
	Size   int64
	// MaxRSS is xorriso's peak resident memory in bytes, for the
	// benchmark's memory bound.
	MaxRSS int64
}

// MakeISO writes the tree at dir as an ISO 9660 image with Joliet and Rock
// Ridge at out (a new file), named volid (at most 32 of A-Z, 0-9, _).
// Joliet and Rock Ridge keep the Chinese names: Windows reads Joliet, Linux
// and macOS Rock Ridge. xorriso writes no UDF; ISO 9660 + Joliet is what
// every disc reader in a court or a bureau reads. xorriso writes to a pipe
// that is hashed on its way to out, so the image is read once, and synced.
func MakeISO(ctx context.Context, xorriso, dir, out, volid string) (img Image, err error) {
	x, err := xorrisoPath(xorriso)
	if err != nil {
		return img, err
	}
	f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return img, err
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = noSpace(cerr)
		}
	}()
	cmd := exec.CommandContext(ctx, x, "-as", "mkisofs", "-quiet", "-input-charset", "utf-8", "-output-charset", "utf-8",
		"-J", "-joliet-long", "-R", "-V", volid, "-o", "-", dir)
	var msg bytes.Buffer
	cmd.Stderr = &msg
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		return img, err
	}
	if err := cmd.Start(); err != nil {
		return img, fmt.Errorf("export: xorriso: %w", err)
	}
	h := sha256.New()
	img.Size, err = io.CopyBuffer(io.MultiWriter(f, h), pipe, make([]byte, copyBuf))
	if err != nil {
		// The copy's error is the one to report; xorriso is stopped and
		// reaped, whatever it says.
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return img, noSpace(fmt.Errorf("export: write image: %w", err))
	}
	if err := cmd.Wait(); err != nil {
		return img, fmt.Errorf("export: xorriso: %w: %s", err, lastLines(msg.Bytes()))
	}
	img.MaxRSS = maxRSS(cmd.ProcessState)
	img.SHA256 = hex.EncodeToString(h.Sum(nil))
	return img, noSpace(f.Sync())
}

// ExtractISO copies the files of image iso into dir (which must exist)
// with xorriso, without mounting it: what `shilu package verify ISO` reads.
func ExtractISO(ctx context.Context, xorriso, iso, dir string) error {
	x, err := xorrisoPath(xorriso)
	if err != nil {
		return err
	}
	abs, err := filepath.Abs(iso)
	if err != nil {
		return err
	}
	if _, err := os.Stat(abs); err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, x, "-osirrox", "on", "-indev", abs, "-extract", "/", dir)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("export: read image %s: %w: %s", iso, err, lastLines(msg))
	}
	return nil
}

func lastLines(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > 3 {
		lines = lines[len(lines)-3:]
	}
	return strings.Join(lines, " / ")
}

// syncDir syncs a directory, so that the names of the files synced in it
// survive a crash too.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close() //nolint:errcheck // read-only handle: Sync's error is the one that counts
	return d.Sync()
}
