package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/schollz/progressbar/v3"

	"shilu/internal/app"
	"shilu/internal/export"
)

// packageVerify checks an evidence package, a directory or its ISO image,
// offline (R-EXP-2): the verdict in Chinese and English, each problem
// naming its file; exit status 1 when anything is wrong.
func (e *cmdEnv) packageVerify(args []string) error {
	fs := e.newFlags("package verify", "package verify [--key KEY] DIR|ISO")
	key := fs.String("key", "", "the archive's verifier key, as it publishes it; the package's must be it")
	xorriso := fs.String("xorriso", "", `xorriso binary, to read an image ("" = from PATH)`)
	if err := e.parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errUsage
	}
	path := fs.Arg(0)
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("package verify: %w", err)
	}
	dir := path
	if !fi.IsDir() {
		// An image is read out without mounting it (no privileges
		// needed), into a temporary directory removed afterwards.
		tmp, err := os.MkdirTemp("", "shilu-package-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp) //nolint:errcheck // a temporary copy of the image's files; the verdict is what counts
		if err := export.ExtractISO(e.ctx, *xorriso, path, tmp); err != nil {
			return err
		}
		dir = tmp
	}
	e.printf("证据包 / package: %s\n\n", path)
	r := export.Verify(os.DirFS(dir), *key)
	var b strings.Builder
	if err := export.Print(&b, r); err != nil {
		return err
	}
	e.printf("%s", b.String())
	if !r.OK() {
		return exitError(1)
	}
	return nil
}

// discBurn writes a package's image to a disc with xorriso and reads the
// disc back against the image (R-STORE-3). With --data and --extraction the
// burn is entered on the custody trails of the extraction's recordings.
// Without a burner the image itself is the product.
func (e *cmdEnv) discBurn(args []string) (err error) {
	fs := e.newFlags("disc burn", "disc burn --device DEV [--data DIR --extraction ID] PACKAGE.iso")
	device := fs.String("device", "/dev/sr0", "the disc burner")
	data := fs.String("data", "", "data directory, to enter the burn in the custody log")
	extraction := fs.Int64("extraction", 0, "the extraction whose image this is (with --data)")
	xorriso := fs.String("xorriso", "xorriso", "xorriso binary")
	quiet := fs.Bool("quiet", false, "no progress bar")
	if err := e.parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 || (*data == "") != (*extraction == 0) {
		fs.Usage()
		return errUsage
	}
	iso := fs.Arg(0)
	sum, size, err := e.hashWithProgress(iso, "image", *quiet)
	if err != nil {
		return fmt.Errorf("disc burn: %w", err)
	}
	fi, err := os.Stat(*device)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("disc burn: device %s does not exist: no disc burner here; the image %s (SHA-256 %s) is the product", *device, iso, sum)
	case err != nil:
		return fmt.Errorf("disc burn: device %s: %w", *device, err)
	case fi.Mode()&os.ModeDevice == 0:
		return fmt.Errorf("disc burn: %s is not a device", *device)
	}
	var a *archive
	if *data != "" {
		if a, err = e.openArchive(*data); err != nil {
			return err
		}
		defer a.closeInto(&err)
	}
	// xorriso reports its own progress (percent written, speed) on stderr.
	cmd := exec.CommandContext(e.ctx, *xorriso, "-as", "cdrecord", "-v", "dev="+*device, "-sao", iso)
	cmd.Stdout, cmd.Stderr = e.stderr, e.stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("disc burn: writing to %s failed or was interrupted (%w): the disc in it is not a copy of the package; burn a new one", *device, err)
	}
	got, _, err := e.hashPrefix(*device, size, *quiet)
	if err != nil {
		return fmt.Errorf("disc burn: read back %s: %w", *device, err)
	}
	if got != sum {
		return fmt.Errorf("disc burn: the disc in %s reads back SHA-256 %s, not the image's %s: do not hand it over", *device, got, sum)
	}
	e.printf("刻录并回读校验一致 / burned and read back identical: %s SHA-256 %s\n", *device, sum)
	if a != nil {
		return a.app.RecordBurn(e.ctx, app.System("cli:"+e.osUser()), *extraction, *device, sum)
	}
	return nil
}

// hashWithProgress hashes the file at path with a progress bar.
func (e *cmdEnv) hashWithProgress(path, what string, quiet bool) (string, int64, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", 0, err
	}
	return e.hashPrefix(path, fi.Size(), quiet)
}

// hashPrefix hashes the first n bytes of path (a disc holds more than the
// image written to it).
func (e *cmdEnv) hashPrefix(path string, n int64, quiet bool) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close() //nolint:errcheck // read-only: closing cannot lose data
	h := sha256.New()
	var w io.Writer = h
	if !quiet {
		bar := progressbar.DefaultBytes(n, filepath.Base(path))
		w = io.MultiWriter(h, bar)
		defer bar.Finish() //nolint:errcheck // the bar's last redraw
	}
	got, err := io.CopyBuffer(w, io.LimitReader(f, n), make([]byte, 1<<20))
	if err != nil {
		return "", got, err
	}
	if got != n {
		return "", got, fmt.Errorf("%s: %d bytes, want %d", path, got, n)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// osUser names the operator for the custody log.
func (e *cmdEnv) osUser() string {
	if u := e.getenv("USER"); u != "" {
		return u
	}
	return strconv.Itoa(os.Getuid())
}
