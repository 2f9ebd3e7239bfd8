package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"shilu/internal/audit"
	"shilu/internal/blob"
	"shilu/internal/evidence"
	"shilu/internal/pgtest"
)

// TestMain runs the package's tests twice: on SQLite, then on a real
// PostgreSQL (pgtest) — one contract for both stores. SHILU_TEST_STORE=sqlite
// or =postgres runs one pass only. Without PostgreSQL installed the second
// pass's tests skip (a failure under SHILU_REQUIRE_POSTGRES=1, as in CI).
func TestMain(m *testing.M) {
	pgtest.Main(runPasses(m))
}

// testDialect is the database of the pass under way.
var testDialect = sqlite

// passes runs m once per database, in the same process.
type passes struct{ m *testing.M }

func runPasses(m *testing.M) passes { return passes{m} }

// Run implements pgtest's runner: the exit code of the worse pass.
func (p passes) Run() int {
	code := 0
	for _, d := range []dialect{sqlite, postgres} {
		if only := os.Getenv("SHILU_TEST_STORE"); only != "" && only != d.name {
			continue
		}
		testDialect = d
		fmt.Printf("=== store tests on %s\n", d.name)
		if c := p.m.Run(); c != 0 {
			fmt.Printf("=== store tests on %s FAILED\n", d.name)
			code = c
		}
	}
	return code
}

// newPlace returns where a fresh database of the pass's kind is: a file
// path in a temp dir (SQLite) or the URL of a new database copied from the
// migrated template (PostgreSQL).
func newPlace(t testing.TB) string {
	t.Helper()
	if testDialect.name == "sqlite" {
		return filepath.Join(t.TempDir(), "shilu.db")
	}
	return pgtest.URL(t, "shilu_store", func(ctx context.Context, url string) error {
		db, err := OpenPostgres(ctx, url, Options{})
		if err != nil {
			return err
		}
		return db.Close()
	})
}

// openPlace opens the database at place (newPlace) with opt.
func openPlace(ctx context.Context, place string, opt Options) (*DB, error) {
	if testDialect.name == "sqlite" {
		return OpenSQLite(ctx, place, opt)
	}
	return OpenPostgres(ctx, place, opt)
}

// openTest opens a fresh database of the pass's kind with a fixed clock.
func openTest(t testing.TB) (*DB, note.Verifier) {
	t.Helper()
	skey, _, err := audit.GenerateKey("test/log")
	if err != nil {
		t.Fatal(err)
	}
	log, verifier, err := audit.NewLog("test/log", skey)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 26, 1, 0, 0, 0, time.UTC)
	db, err := openPlace(context.Background(), newPlace(t), Options{Clock: func() time.Time { return now }, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeDB(t, db) })
	return db, verifier
}

// sqliteOnly skips a test of something only SQLite has (query plans of
// its planner, its files), saying so; the PostgreSQL pass runs the rest.
func sqliteOnly(t testing.TB, why string) {
	t.Helper()
	if testDialect.name != "sqlite" {
		t.Skipf("SQLite only: %s", why)
	}
}

// check stops the test at a failed step.
func check(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// closeDB closes db, failing the test if that fails: closing checkpoints
// the WAL, and some tests look at the files afterwards.
func closeDB(t testing.TB, db *DB) {
	t.Helper()
	if err := db.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
}

func TestMigrationsAreIdempotent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shilu.db")
	if testDialect.name == "postgres" {
		path = pgtest.Empty(t)
	}
	for range 2 {
		db, err := openPlace(context.Background(), path, Options{})
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		closeDB(t, db)
	}
}

func TestRecordings(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	var uploader evidence.User
	start := time.Date(2026, 11, 26, 1, 30, 15, 0, time.UTC)
	mk := func(content, officer string, kind evidence.Kind, at time.Time) evidence.Recording {
		return evidence.Recording{Digest: blob.Sum([]byte(content)), Size: int64(len(content)), Filename: content + ".mp4", Kind: kind, Officer: officer, RecordedStart: &at}
	}
	var first evidence.Recording
	err := db.Update(ctx, func(tx *Tx) error {
		var err error
		if uploader, err = tx.CreateUser(ctx, "station-01", evidence.RoleStation, ""); err != nil {
			return err
		}
		if first, err = tx.CreateRecording(ctx, mk("a", "000123", evidence.KindVideo, start), uploader.ID); err != nil {
			return err
		}
		if _, err = tx.CreateRecording(ctx, mk("b", "000123", evidence.KindAudio, start.Add(time.Hour)), uploader.ID); err != nil {
			return err
		}
		_, err = tx.CreateRecording(ctx, mk("c", "000456", evidence.KindVideo, start.Add(2*time.Hour)), uploader.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("ErrConflictNamesExisting", func(t *testing.T) {
		err := db.Update(ctx, func(tx *Tx) error {
			_, err := tx.CreateRecording(ctx, mk("a", "x", evidence.KindVideo, start), uploader.ID)
			return err
		})
		if evidence.ErrorCode(err) != evidence.EConflict {
			t.Fatalf("err = %v, want conflict", err)
		}
		var e *evidence.Error
		if !errors.As(err, &e) || e.Details["recording_id"] != first.ID {
			t.Errorf("conflict %v does not name recording %d", err, first.ID)
		}
	})

	tests := []struct {
		name string
		f    evidence.RecordingFilter
		want int
	}{
		{"All", evidence.RecordingFilter{}, 3},
		{"Officer", evidence.RecordingFilter{Officer: "000123"}, 2},
		{"Kind", evidence.RecordingFilter{Kind: evidence.KindVideo}, 2},
		{"TimeRange", evidence.RecordingFilter{From: start.Add(30 * time.Minute), To: start.Add(90 * time.Minute)}, 1},
		{"Digest", evidence.RecordingFilter{Digest: blob.Sum([]byte("c"))}, 1},
		{"Page", evidence.RecordingFilter{Limit: 2, After: &evidence.Cursor{Start: ptrTime(start.Add(time.Hour)), ID: 2}}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			check(t, db.View(ctx, func(tx *Tx) error {
				page, err := tx.Recordings(ctx, tt.f)
				if err != nil {
					t.Fatal(err)
				}
				if len(page.Recordings) != tt.want {
					t.Errorf("got %d recordings (total %d), want %d", len(page.Recordings), page.Total, tt.want)
				}
				return nil
			}))
		})
	}

	t.Run("ErrNotFound", func(t *testing.T) {
		err := db.View(ctx, func(tx *Tx) error { _, err := tx.Recording(ctx, 999); return err })
		if evidence.ErrorCode(err) != evidence.ENotFound {
			t.Fatalf("err = %v, want not_found", err)
		}
	})
}

// R-AUD-1: the custody log through the SQL store: entries commit with their
// transaction or not at all, and what is stored verifies and proves
// inclusion.
func TestAuditThroughStore(t *testing.T) {
	ctx := context.Background()
	db, verifier := openTest(t)
	for i := range 20 {
		err := db.Update(ctx, func(tx *Tx) error {
			_, err := tx.Audit(ctx, audit.Entry{Actor: "system", Action: "user.create", Object: "user:u" + string(rune('a'+i)), Outcome: audit.OutcomeOK})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	// A rolled-back transaction takes its entry with it.
	errRollback := evidence.Errorf(evidence.EInvalid, "roll back")
	err := db.Update(ctx, func(tx *Tx) error {
		if _, err := tx.Audit(ctx, audit.Entry{Actor: "system", Action: "user.create", Object: "user:ghost", Outcome: audit.OutcomeOK}); err != nil {
			return err
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatalf("err = %v", err)
	}
	// Twenty one-entry transactions in the same second leave the head
	// unsigned (audit.CheckpointEvery); the server signs it when idle.
	check(t, db.View(ctx, func(tx *Tx) error {
		if rep, err := audit.Verify(ctx, tx, verifier, "test/log"); err != nil || rep.Entries != 20 || rep.Checkpoints != 0 || rep.Unsigned != 20 {
			t.Errorf("Verify: %+v, %v; want 20 entries, unsigned", rep, err)
		}
		return nil
	}))
	if cp, err := db.SignHead(ctx); err != nil || cp.Size != 20 {
		t.Fatalf("SignHead = %d, %v", cp.Size, err)
	}
	check(t, db.View(ctx, func(tx *Tx) error {
		size, _, err := tx.LogState(ctx)
		if err != nil || size != 20 {
			t.Fatalf("log size %d, err %v; want 20 (the rolled-back entry gone)", size, err)
		}
		if rep, err := audit.Verify(ctx, tx, verifier, "test/log"); err != nil || rep.Entries != 20 || rep.Checkpoints != 1 || rep.Unsigned != 0 {
			t.Errorf("Verify: %+v, %v; want 20 entries under one checkpoint", rep, err)
		}
		for _, idx := range []uint64{0, 7, 19} {
			proof, err := audit.InclusionProof(ctx, tx, idx, size)
			if err != nil {
				t.Fatal(err)
			}
			data, _ := tx.AuditEntry(ctx, idx)
			cp, _ := tx.Checkpoint(ctx, size)
			if err := audit.VerifyInclusion(data, idx, size, cp.Root, proof); err != nil {
				t.Errorf("entry %d: %v", idx, err)
			}
		}
		trail, err := tx.AuditTrail(ctx, "user:uc", 10)
		if err != nil || len(trail) != 1 {
			t.Errorf("trail of user:uc: %d entries, err %v", len(trail), err)
		}
		return nil
	}))
}

// Schema version N means the same in both dialects: PostgreSQL starts with
// a baseline equal to SQLite's schema at 21, and every SQLite migration
// after it has a PostgreSQL twin of the same number (and the other way
// round); no number appears twice in a dialect (the runner would skip the
// second silently).
func TestMigrationTwins(t *testing.T) {
	versions := func(d string) map[int]string {
		entries, err := fs.ReadDir(migrations, "migrations/"+d)
		if err != nil {
			t.Fatal(err)
		}
		out := map[int]string{}
		for _, e := range entries {
			var v int
			if _, err := fmt.Sscanf(e.Name(), "%04d_", &v); err != nil {
				t.Fatalf("%s/%s: bad name", d, e.Name())
			}
			if other, dup := out[v]; dup {
				t.Errorf("%s: %s and %s share number %d", d, other, e.Name(), v)
			}
			out[v] = e.Name()
		}
		return out
	}
	lite, pg := versions("sqlite"), versions("postgres")
	const baseline = 21
	if _, ok := pg[baseline]; !ok {
		t.Errorf("postgres: no baseline %04d", baseline)
	}
	for v, name := range lite {
		if _, ok := pg[v]; v > baseline && !ok {
			t.Errorf("sqlite/%s has no postgres twin", name)
		}
	}
	for v, name := range pg {
		if _, ok := lite[v]; !ok {
			t.Errorf("postgres/%s has no sqlite twin", name)
		}
		if v < baseline {
			t.Errorf("postgres/%s is older than the baseline", name)
		}
	}
}

// R-AUD-1: writers appending to the custody log at the same time, through
// two stores on one database (two servers), each get the next index: no
// append fails, none is lost, and the log verifies. On PostgreSQL the
// order comes from the lock LogState takes; without it two transactions
// read the same size and one fails on the duplicate index.
func TestConcurrentAppends(t *testing.T) {
	ctx := context.Background()
	skey, _, err := audit.GenerateKey("test/log")
	check(t, err)
	log, verifier, err := audit.NewLog("test/log", skey)
	check(t, err)
	place := newPlace(t)
	var dbs []*DB
	for range 2 {
		db, err := openPlace(ctx, place, Options{Log: log})
		check(t, err)
		t.Cleanup(func() { closeDB(t, db) })
		dbs = append(dbs, db)
	}
	const writers, each = 8, 25
	errs := make(chan error, writers)
	for w := range writers {
		go func() {
			db := dbs[w%len(dbs)]
			for i := range each {
				err := db.Update(ctx, func(tx *Tx) error {
					_, err := tx.Audit(ctx, audit.Entry{Actor: fmt.Sprintf("writer%d", w), Action: "user.create",
						Object: fmt.Sprintf("user:%d-%d", w, i), Outcome: audit.OutcomeOK})
					return err
				})
				if err != nil {
					errs <- fmt.Errorf("writer %d, append %d: %w", w, i, err)
					return
				}
			}
			errs <- nil
		}()
	}
	for range writers {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if _, err := dbs[0].SignHead(ctx); err != nil {
		t.Fatal(err)
	}
	check(t, dbs[1].View(ctx, func(tx *Tx) error {
		rep, err := audit.Verify(ctx, tx, verifier, "test/log")
		if err != nil || rep.Entries != writers*each || len(rep.Problems) > 0 {
			t.Errorf("Verify: %+v, %v; want %d entries and no problems", rep, err, writers*each)
		}
		return nil
	}))
}

// Servers starting at once on a new database apply each migration once:
// every open succeeds and the schema ends at the newest version.
func TestConcurrentMigrations(t *testing.T) {
	ctx := context.Background()
	place := filepath.Join(t.TempDir(), "shilu.db")
	if testDialect.name == "postgres" {
		place = pgtest.Empty(t)
	}
	const servers = 4
	dbs := make(chan *DB, servers)
	errs := make(chan error, servers)
	for range servers {
		go func() {
			db, err := openPlace(ctx, place, Options{})
			errs <- err
			dbs <- db
		}()
	}
	for range servers {
		if err := <-errs; err != nil {
			t.Error(err)
		}
		if db := <-dbs; db != nil {
			v, err := db.SchemaVersion(ctx)
			if err != nil || v < 25 {
				t.Errorf("schema version %d, %v; want at least 25", v, err)
			}
			closeDB(t, db)
		}
	}
}
