package store

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"shilu/internal/audit"
	"shilu/internal/blob"
	"shilu/internal/evidence"
	"shilu/internal/pgtest"
)

// BenchmarkTwins measures the same store operations on SQLite and on
// PostgreSQL (pgtest's throw-away cluster: durability off, so the figures
// compare the stores' own work, not the disks) in one run, and reports
// PostgreSQL's rate as a ratio of SQLite's:
//   - appends/s: custody-log entries appended by 8 writers at once, one
//     entry per transaction (SQLite serializes them in its one writer,
//     PostgreSQL on the log's state row);
//   - inserts/s: recordings catalogued one per transaction by one writer.
//
// It runs in the SQLite pass of TestMain only (it opens both itself).
func BenchmarkTwins(b *testing.B) {
	if testDialect.name != "sqlite" {
		b.Skip("opens both databases itself; runs in the SQLite pass")
	}
	const appends, inserts, writers = 2000, 2000, 8
	ctx := context.Background()
	open := func(d dialect) *DB {
		skey, _, err := audit.GenerateKey("test/log")
		if err != nil {
			b.Fatal(err)
		}
		log, _, err := audit.NewLog("test/log", skey)
		if err != nil {
			b.Fatal(err)
		}
		var db *DB
		if d.name == "sqlite" {
			db, err = OpenSQLite(ctx, filepath.Join(b.TempDir(), "shilu.db"), Options{Log: log})
		} else {
			db, err = OpenPostgres(ctx, pgtest.URL(b, "shilu_bench", func(ctx context.Context, url string) error {
				db, err := OpenPostgres(ctx, url, Options{})
				if err != nil {
					return err
				}
				return db.Close()
			}), Options{Log: log})
		}
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { closeDB(b, db) })
		return db
	}
	rate := map[string]map[string]float64{}
	for range b.N {
		for _, d := range []dialect{sqlite, postgres} {
			db := open(d)
			t0 := time.Now()
			var wg sync.WaitGroup
			errs := make(chan error, writers)
			for w := range writers {
				wg.Go(func() {
					for i := range appends / writers {
						err := db.Update(ctx, func(tx *Tx) error {
							_, err := tx.Audit(ctx, audit.Entry{Actor: "bench", Action: "user.create", Object: fmt.Sprintf("user:%d-%d", w, i), Outcome: audit.OutcomeOK})
							return err
						})
						if err != nil {
							errs <- err
							return
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				b.Fatal(err)
			}
			appendRate := appends / time.Since(t0).Seconds()

			var uploader int64
			if err := db.Update(ctx, func(tx *Tx) error {
				u, err := tx.CreateUser(ctx, "station-01", evidence.RoleStation, "")
				uploader = u.ID
				return err
			}); err != nil {
				b.Fatal(err)
			}
			start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
			t0 = time.Now()
			for i := range inserts {
				at := start.Add(time.Duration(i) * time.Minute)
				name := fmt.Sprintf("rec-%d", i)
				r := evidence.Recording{Digest: blob.Sum([]byte(name)), Size: 1, Filename: name + ".mp4", Kind: evidence.KindVideo,
					Officer: "000123", Device: "DSJ00001", RecordedStart: &at}
				if err := db.Update(ctx, func(tx *Tx) error {
					_, err := tx.CreateRecording(ctx, r, uploader)
					return err
				}); err != nil {
					b.Fatal(err)
				}
			}
			rate[d.name] = map[string]float64{"appends/s": appendRate, "inserts/s": inserts / time.Since(t0).Seconds()}
		}
	}
	for _, m := range []string{"appends/s", "inserts/s"} {
		b.ReportMetric(rate["sqlite"][m], "sqlite-"+m)
		b.ReportMetric(rate["postgres"][m], "postgres-"+m)
		b.ReportMetric(rate["postgres"][m]/rate["sqlite"][m], "postgres/sqlite-"+m)
	}
}
