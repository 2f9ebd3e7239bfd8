package store

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"shilu/internal/audit"
)

// X-SEC-4: a snapshot taken while a writer appends is the database as of
// one commit: its custody log verifies whole (every entry with its nodes
// and state, never half a transaction), and a second snapshot into the
// same name is refused rather than overwriting the first.
func TestSnapshotWhileWriting(t *testing.T) {
	sqliteOnly(t, "a file snapshot by VACUUM INTO (a PostgreSQL catalogue is backed up with its own tools)")
	ctx := context.Background()
	db, verifier := openTest(t)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			err := db.Update(ctx, func(tx *Tx) error {
				for range 3 {
					if _, err := tx.Audit(ctx, audit.Entry{Actor: "system", Action: "user.create", Object: "user:u", Outcome: audit.OutcomeOK}); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Error(err)
				return
			}
		}
	}()
	dir := t.TempDir()
	var sizes []uint64
	for i := range 5 {
		path := filepath.Join(dir, "snap"+string(rune('a'+i))+".db")
		check(t, db.Snapshot(ctx, path))
		snap, err := OpenSQLite(ctx, path, Options{})
		check(t, err)
		check(t, snap.View(ctx, func(tx *Tx) error {
			rep, err := audit.Verify(ctx, tx, verifier, "test/log")
			if err != nil {
				t.Errorf("snapshot %d: %v %v", i, err, rep.Problems)
			}
			if rep.Entries%3 != 0 {
				t.Errorf("snapshot %d holds %d entries: part of a transaction", i, rep.Entries)
			}
			sizes = append(sizes, rep.Entries)
			return nil
		}))
		closeDB(t, snap)
		if i == 4 {
			if err := db.Snapshot(ctx, path); err == nil {
				t.Error("a snapshot over an existing file was not refused")
			}
		}
	}
	close(stop)
	wg.Wait()
	t.Logf("snapshot sizes while writing: %v", sizes)
}
