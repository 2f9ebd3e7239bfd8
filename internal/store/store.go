// Package store is Shilu's metadata store: one concrete type over
// database/sql with numbered, embedded migrations. SQLite is the embedded
// default, PostgreSQL the scale-out one (postgres.go); dialect differences
// live in dialect.go.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"shilu/internal/audit"
	"shilu/internal/secret"

	_ "modernc.org/sqlite" // the embedded default's driver, pure Go
)

//go:embed migrations
var migrations embed.FS

// DB is the metadata store.
type DB struct {
	// On SQLite, writes go through a pool of one connection: SQLite allows
	// one writer, and serializing writers here avoids SQLITE_BUSY on lock
	// upgrades. On PostgreSQL writers run side by side; custody-log
	// appends take the log's state row for update (LogState), which
	// orders them in this and every other process on the database.
	w, r    *sql.DB
	d       dialect
	clock   func() time.Time
	log     *audit.Log
	secrets *secret.Box
	stmts   *stmtCache // the readers' prepared statements (stmtcache.go)
	// signed is called with each checkpoint signed, after its commit.
	signed atomic.Pointer[func(audit.Checkpoint)]
	// appended is set when a transaction that appended commits.
	appended atomic.Bool
}

// Options configure a DB.
type Options struct {
	// Clock is the source of every stored time; nil means time.Now.
	Clock func() time.Time
	// Log appends custody entries (Tx.Audit); nil disables Tx.Audit, for
	// tools that only read.
	Log *audit.Log
	// Secrets seals the TOTP secrets in users.totp_secret (X-SEC-3), bound
	// to their user. With it, OpenSQLite seals any secret still stored in
	// plaintext. Nil: TOTP secrets can be neither stored nor read (and
	// plaintext ones wait for an open with a key), for tools that sign
	// nobody in.
	Secrets *secret.Box
}

// OpenSQLite opens (creating if needed) the SQLite database at path and
// applies pending migrations.
func OpenSQLite(ctx context.Context, path string, opt Options) (*DB, error) {
	if opt.Clock == nil {
		opt.Clock = time.Now
	}
	// WAL lets readers run beside the writer; synchronous=FULL makes a
	// committed transaction survive power loss, which evidence needs;
	// foreign keys are off by default in SQLite.
	q := url.Values{}
	// mmap_size lets SQLite read pages from a memory map rather than a
	// pread and a copy each: reading the whole custody log (audit verify)
	// spent a tenth of its time in those. It maps at most 1 GiB, address
	// space only.
	for _, p := range []string{"journal_mode(WAL)", "synchronous(FULL)", "foreign_keys(1)", "busy_timeout(10000)", "mmap_size(1073741824)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	dsn := "file:" + path + "?" + q.Encode()
	w, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	r, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("store: open %s: %w", path, err), w.Close())
	}
	r.SetMaxOpenConns(4)
	// All four stay open: database/sql keeps two idle by default, so
	// concurrent requests closed and reopened readers (each open runs the
	// pragmas and loses the prepared statements, stmtcache.go).
	r.SetMaxIdleConns(4)
	return open(ctx, &DB{w: w, r: r, d: sqlite, clock: opt.Clock, log: opt.Log, secrets: opt.Secrets})
}

// open finishes opening db: migrations, then the upkeep every open does.
func open(ctx context.Context, db *DB) (*DB, error) {
	var err error
	if err := db.migrate(ctx); err != nil {
		return nil, errors.Join(err, db.Close())
	}
	if err := db.sealPlaintextTOTP(ctx); err != nil {
		return nil, errors.Join(err, db.Close())
	}
	if db.stmts, err = newStmtCache(ctx, db.r, db.d); err != nil {
		return nil, errors.Join(err, db.Close())
	}
	if err := db.fillEntryColumns(ctx); err != nil {
		return nil, errors.Join(err, db.Close())
	}
	if err := db.retainMissing(ctx); err != nil {
		return nil, errors.Join(err, db.Close())
	}
	return db, nil
}

// Close closes the database.
func (db *DB) Close() error {
	return errors.Join(db.stmts.close(), db.w.Close(), db.r.Close())
}

// migrate applies, in order and each in its own transaction, the embedded
// migrations not yet recorded in schema_migrations. A hand-written runner of
// thirty lines instead of a migration library: both dialects need only
// "apply numbered files once, in order".
func (db *DB) migrate(ctx context.Context) error {
	// Under the migration lock too: two servers creating the table at
	// once on PostgreSQL collide in its catalogue despite IF NOT EXISTS.
	err := db.Update(ctx, func(tx *Tx) error {
		if tx.d.migrationLock != "" {
			if err := tx.exec(ctx, tx.d.migrationLock); err != nil {
				return err
			}
		}
		return tx.exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)`)
	})
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	dir := "migrations/" + db.d.name
	files, err := fs.ReadDir(migrations, dir)
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Name() < files[j].Name() })
	for _, f := range files {
		var version int
		if _, err := fmt.Sscanf(f.Name(), "%04d_", &version); err != nil {
			return fmt.Errorf("store: migrate: bad file name %s", f.Name())
		}
		body, err := fs.ReadFile(migrations, dir+"/"+f.Name())
		if err != nil {
			return fmt.Errorf("store: migrate: %w", err)
		}
		err = db.Update(ctx, func(tx *Tx) error {
			if tx.d.migrationLock != "" {
				if err := tx.exec(ctx, tx.d.migrationLock); err != nil {
					return err
				}
			}
			var n int
			if err := tx.get(ctx, []any{&n}, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, version); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			for _, stmt := range strings.Split(string(body), ";\n") {
				if strings.TrimSpace(stripComments(stmt)) == "" {
					continue
				}
				if _, err := tx.tx.ExecContext(ctx, stmt); err != nil {
					return fmt.Errorf("%s: %w", f.Name(), err)
				}
			}
			return tx.exec(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, version, micros(tx.now))
		})
		if err != nil {
			return fmt.Errorf("store: migrate: %w", err)
		}
	}
	return nil
}

func stripComments(s string) string {
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "--") {
			b.WriteString(line)
		}
	}
	return b.String()
}

// Tx is a transaction. Its clock is read once when it begins (Now), so every
// time a transaction stores, including its custody entries, is the same.
type Tx struct {
	tx      *sql.Tx
	d       dialect
	now     time.Time
	log     *audit.Log
	secrets *secret.Box
	stmts   *stmtCache // nil in a write transaction
	// readOnly: a View.
	readOnly bool
	// appended is set by Audit; signed holds the checkpoint the
	// transaction signed, if it did (audit.go).
	appended bool
	signed   *audit.Checkpoint
}

// Now returns the transaction's time, UTC.
func (tx *Tx) Now() time.Time { return tx.now }

// Update runs fn in a write transaction and commits it if fn returns nil.
func (db *DB) Update(ctx context.Context, fn func(*Tx) error) error {
	return db.run(ctx, db.w, false, fn)
}

// View runs fn in a read-only transaction: one consistent snapshot.
func (db *DB) View(ctx context.Context, fn func(*Tx) error) error {
	return db.run(ctx, db.r, true, fn)
}

func (db *DB) run(ctx context.Context, pool *sql.DB, readOnly bool, fn func(*Tx) error) error {
	// SQLite's driver honours _txlock=immediate only for write transactions;
	// read-only ones begin deferred, as a snapshot.
	opts := &sql.TxOptions{ReadOnly: readOnly}
	if readOnly {
		opts.Isolation = db.d.readIsolation
	}
	sqlTx, err := pool.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	tx := &Tx{tx: sqlTx, d: db.d, now: db.clock().UTC().Truncate(time.Microsecond), log: db.log, secrets: db.secrets, readOnly: readOnly}
	if readOnly {
		tx.stmts = db.stmts
	}
	if err := fn(tx); err != nil {
		return rollback(sqlTx, err)
	}
	if err := tx.signDue(ctx); err != nil {
		return rollback(sqlTx, err)
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	if tx.appended {
		db.appended.Store(true)
	}
	db.published(tx.signed)
	return nil
}

// rollback ends a transaction that failed with err and returns err, joined
// with the rollback's own error if that failed too: a writer connection left
// inside a transaction would fail every write after it. ErrTxDone means the
// driver already rolled back (the context ended) and is not news.
func rollback(sqlTx *sql.Tx, err error) error {
	if rerr := sqlTx.Rollback(); rerr != nil && !errors.Is(rerr, sql.ErrTxDone) {
		return errors.Join(err, fmt.Errorf("store: rollback: %w", rerr))
	}
	return err
}

func (tx *Tx) exec(ctx context.Context, q string, args ...any) error {
	_, err := tx.tx.ExecContext(ctx, tx.d.rebind(q), args...)
	return err
}

// get scans the single row of q into dest; sql.ErrNoRows when there is none.
func (tx *Tx) get(ctx context.Context, dest []any, q string, args ...any) error {
	return tx.tx.QueryRowContext(ctx, tx.d.rebind(q), args...).Scan(dest...)
}

func (tx *Tx) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return tx.tx.QueryContext(ctx, tx.d.rebind(q), args...)
}

// tryGet is get for a statement whose failure the caller handles and then
// goes on (a UNIQUE refusal becomes EConflict): on PostgreSQL a failed
// statement aborts the whole transaction, so it runs inside a savepoint
// that is rolled back on failure. SQLite undoes just the statement.
func (tx *Tx) tryGet(ctx context.Context, dest []any, q string, args ...any) error {
	return tx.try(ctx, func() error { return tx.get(ctx, dest, q, args...) })
}

// tryExec is exec as tryGet is get.
func (tx *Tx) tryExec(ctx context.Context, q string, args ...any) error {
	return tx.try(ctx, func() error { return tx.exec(ctx, q, args...) })
}

func (tx *Tx) try(ctx context.Context, fn func() error) error {
	if tx.d.name == "sqlite" {
		return fn()
	}
	if err := tx.exec(ctx, `SAVEPOINT try`); err != nil {
		return err
	}
	if err := fn(); err != nil {
		if rerr := tx.exec(ctx, `ROLLBACK TO SAVEPOINT try`); rerr != nil {
			return errors.Join(err, rerr)
		}
		return err
	}
	return tx.exec(ctx, `RELEASE SAVEPOINT try`)
}

// SchemaVersion returns the newest migration applied: the same number
// means the same schema on SQLite and PostgreSQL.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := db.View(ctx, func(tx *Tx) error {
		return tx.get(ctx, []any{&v}, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`)
	})
	if err != nil {
		return 0, fmt.Errorf("store: schema version: %w", err)
	}
	return v, nil
}
