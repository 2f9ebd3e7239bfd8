package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"shilu/internal/store"
)

// witnessEvery is how often serve --witness copies a new checkpoint out.
const witnessEvery = 30 * time.Second

// checkWitnessPath refuses a witness file inside the data directory: it
// exists to survive what happens to that directory (a restored backup, an
// edited database), so it must live elsewhere — best on another machine's
// file system.
func checkWitnessPath(witness, data string) error {
	w, err := filepath.Abs(witness)
	if err != nil {
		return err
	}
	d, err := filepath.Abs(data)
	if err != nil {
		return err
	}
	if w == d || strings.HasPrefix(w, d+string(filepath.Separator)) {
		return fmt.Errorf("--witness %s is inside the data directory; keep it apart from the data it witnesses", witness)
	}
	return nil
}

// runWitness keeps path holding the custody log's latest signed checkpoint:
// now, every witnessEvery while the log grows, and when ctx ends. Each write
// replaces the file whole (write, sync, rename), so a crash leaves the old
// checkpoint or the new one, never a torn one. `shilu audit verify
// --checkpoint path` then proves that the log still reaches it (issue 9
// point 7: a rollback of the log's tail verifies on its own).
func runWitness(ctx context.Context, db *store.DB, path string, log *slog.Logger) {
	var written uint64
	witness := func(ctx context.Context) {
		cp, err := latestCheckpoint(ctx, db)
		if err != nil || cp.Size == written {
			return
		}
		if err := writeFileAtomic(path, []byte(cp.Note)); err != nil {
			log.Error("witness checkpoint", "file", path, "err", err)
			return
		}
		written = cp.Size
	}
	witness(ctx)
	t := time.NewTicker(witnessEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			witness(context.WithoutCancel(ctx))
			return
		case <-t.C:
			witness(ctx)
		}
	}
}

// writeFileAtomic replaces path with data durably.
func writeFileAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".witness-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, os.Remove(f.Name()))
		}
	}()
	_, werr := f.Write(data)
	if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	return errors.Join(d.Sync(), d.Close())
}
