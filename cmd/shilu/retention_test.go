package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"shilu/internal/app"
	"shilu/internal/blob"
	"shilu/internal/blob/disk"
	"shilu/internal/evidence"
	"shilu/internal/store"
)

// killedDeleter stands for a server killed after a disposal's tombstone
// committed and before the blob was removed.
type killedDeleter struct{}

func (killedDeleter) Delete(context.Context, blob.Digest) error { return errors.New("killed") }

// R-RET-3, issue 11 acceptance: a recording disposed of a year and a month
// after its ingest (the clock moved on in-process, as the server's
// disposal run would see it) is reported by `shilu verify` as disposed of,
// not missing, also while its file still waits for removal (a kill between
// the tombstone and the removal); `shilu audit verify`, whose state check
// replays the ingest, passes; the next server start removes the file.
func TestDisposedRecordingVerifies(t *testing.T) {
	data := t.TempDir()
	station := newStation(t, data, "station-01")
	custodian := newPerson(t, data, "guanli", "custodian")
	leader := newPerson(t, data, "liuyang", "leader")
	srv := startServer(t, data, "127.0.0.1:0")
	kept := randomFile(t, t.TempDir(), "kept.bin", 1<<16, 1)
	gone := randomFile(t, t.TempDir(), "gone.bin", 1<<16, 2)
	mustCLI(t, "upload", "--server", srv.URL, "--token", station, "--quiet", "--state", t.TempDir(), kept)
	id := uploadedID(t, mustCLI(t, "upload", "--server", srv.URL, "--token", station, "--quiet", "--state", t.TempDir(), gone))
	srv.stop()

	rec, err := disposeLater(t, data, id, custodian.name, leader.name, func(*disk.Store) app.Deleter { return killedDeleter{} })
	if err == nil {
		t.Fatal("a killed removal did not fail")
	}
	blobs, err := disk.Open(filepath.Join(data, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	if rec.DisposedAt == nil {
		t.Fatal("no tombstone")
	}
	if _, err := os.Stat(blobs.Path(rec.Digest)); err != nil {
		t.Fatalf("the file went before its removal: %v", err)
	}

	out := mustCLI(t, "verify", "--data", data, "--quiet")
	if !strings.Contains(out, "1 recordings verified") || !strings.Contains(out, "1 recordings disposed of") || !strings.Contains(out, "still to be removed") {
		t.Errorf("verify with a removal pending: %q", out)
	}
	if out := mustCLI(t, "audit", "verify", "--data", data, "--quiet"); !strings.Contains(out, "custody log verifies") {
		t.Errorf("audit verify: %q", out)
	}
	// The next start finishes the removal.
	srv = startServer(t, data, "127.0.0.1:0")
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := os.Stat(blobs.Path(rec.Digest)); errors.Is(err, os.ErrNotExist) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the restarted server did not remove the disposed file")
		}
		time.Sleep(100 * time.Millisecond)
	}
	srv.stop()
	out = mustCLI(t, "verify", "--data", data, "--quiet")
	if !strings.Contains(out, "1 recordings disposed of") || strings.Contains(out, "MISSING") || strings.Contains(out, "still to be removed") {
		t.Errorf("verify after the removal: %q", out)
	}
	if out := mustCLI(t, "audit", "verify", "--data", data, "--quiet"); !strings.Contains(out, "custody log verifies") || strings.Contains(out, "PROBLEM") {
		t.Errorf("audit verify after the removal: %q", out)
	}
}

// disposeLater has custodian propose and leader approve the disposal of
// recording id a year and a month on, lets the grace period pass and runs
// the disposals with the deleter made from the archive's blob store, all on
// a store opened directly on data with a clock that far ahead. It returns
// the recording as it then stands and RunDisposals' error.
func disposeLater(t *testing.T, data string, id int64, custodian, leader string, deleter func(*disk.Store) app.Deleter) (evidence.Recording, error) {
	t.Helper()
	ctx := context.Background()
	now := time.Now().AddDate(1, 0, 2)
	log, _, err := loadKey(data)
	if err != nil {
		t.Fatal(err)
	}
	secrets, err := loadSecretsKey(data)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.OpenSQLite(ctx, filepath.Join(data, "shilu.db"), store.Options{Log: log, Secrets: secrets, Clock: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer closeT(t, db)
	blobs, err := disk.Open(filepath.Join(data, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	a := app.New(app.Config{DB: db})
	actor := func(name string) app.Actor {
		var u evidence.User
		if err := db.View(ctx, func(tx *store.Tx) (err error) { u, _, err = tx.UserByName(ctx, name); return err }); err != nil {
			t.Fatal(err)
		}
		return app.Actor{User: u}
	}
	d, err := a.ProposeDisposal(ctx, actor(custodian), id, "保存期满")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.ApproveDisposal(ctx, actor(leader), d.ID); err != nil {
		t.Fatal(err)
	}
	now = now.AddDate(0, 0, evidence.DefaultGraceDays+1)
	_, runErr := a.RunDisposals(ctx, deleter(blobs))
	var rec evidence.Recording
	if err := db.View(ctx, func(tx *store.Tx) (err error) { rec, err = tx.Recording(ctx, id); return err }); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SignHead(ctx); err != nil {
		t.Fatal(err)
	}
	return rec, runErr
}
