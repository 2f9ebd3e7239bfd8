package store

import (
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// dialect holds every difference between the SQL databases the store runs
// on, so that callers and queries stay the same. Queries are written with
// '?' placeholders and rebound here.
type dialect struct {
	name string // also the migrations sub-directory
	// dollar placeholders ($1, $2, …) instead of '?'.
	dollar bool
	// forUpdate ends a SELECT that locks the rows it reads until the
	// transaction ends: the custody log's state (LogState), so that
	// concurrent writers append one after another. SQLite has one writer
	// at a time (BEGIN IMMEDIATE) and no such clause.
	forUpdate string
	// readIsolation is a View's isolation: one snapshot for the whole
	// transaction. SQLite's read transactions are snapshots already;
	// PostgreSQL's default, READ COMMITTED, takes one per statement.
	readIsolation sql.IsolationLevel
	// like is the case-insensitive LIKE: SQLite's LIKE ignores ASCII case,
	// PostgreSQL's does not (ILIKE does). The column is compared in the
	// "C" collation there because pattern matching is not supported on
	// the nondeterministic collation nocase (devices.serial).
	like string
	// pragmas: SQLite's secure_delete and WAL checkpoint around sealing
	// secrets (people.go); PostgreSQL has neither.
	pragmas bool
	// greatest is the larger of its arguments (SQLite's two-argument MAX).
	greatest string
	// contains is true when a custody entry's encoding contains the bytes
	// of its one argument.
	contains string
	// migrationLock, when set, is run first in every migration's
	// transaction, so that two servers starting at once on one database
	// apply each migration once.
	migrationLock string
}

var (
	sqlite = dialect{name: "sqlite", like: "LIKE", pragmas: true, greatest: "MAX",
		contains: "instr(data, ?) > 0"}
	postgres = dialect{name: "postgres", dollar: true, forUpdate: " FOR UPDATE", greatest: "GREATEST",
		readIsolation: sql.LevelRepeatableRead, like: `COLLATE "C" ILIKE`,
		contains: "position(CAST(? AS BYTEA) IN data) > 0",
		// Any constant: the key of the lock migrations take.
		migrationLock: `SELECT pg_advisory_xact_lock(7345129)`}
)

// rebind rewrites '?' placeholders for databases that number them. Queries
// in this package contain no '?' inside string literals.
func (d dialect) rebind(q string) string {
	if !d.dollar {
		return q
	}
	var b strings.Builder
	n := 0
	for _, c := range q {
		if c == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// indexedBy makes SQLite's planner use the named index (the queries that
// need it say why); PostgreSQL's planner takes no such hints.
func (d dialect) indexedBy(index string) string {
	if d.name != "sqlite" {
		return ""
	}
	return "INDEXED BY " + index
}

// isUniqueViolation reports whether err is a UNIQUE constraint's refusal:
// SQLite says so in its message (the driver's error has the extended code,
// but the message is the same in every version); PostgreSQL's code is
// 23505.
func isUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	if pgErr, ok := errors.AsType[*pgconn.PgError](err); ok {
		return pgErr.Code == "23505"
	}
	return strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// micros is the stored form of a time: microseconds since the epoch, UTC.
func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

func nullMicros(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMicro()
}
