package store

import (
	"context"
	"errors"
	"fmt"
)

// Snapshot writes a consistent copy of the whole database to path, which
// must not exist, while writers go on (X-SEC-4: an online backup). SQLite's
// VACUUM INTO reads in one read transaction, so the copy is the database
// as of one commit, custody log included; it does not fsync the copy,
// which the caller does. The copy is also compacted (free pages dropped).
//
// SQLite only: a PostgreSQL deployment backs up with its own tools
// (pg_basebackup, pg_dump).
func (db *DB) Snapshot(ctx context.Context, path string) error {
	if db.d.name != sqlite.name {
		return errors.New("store: snapshot: only the embedded SQLite store can snapshot itself")
	}
	// On a reader connection: VACUUM INTO only reads the source, and the
	// writer stays free for the server's transactions.
	if _, err := db.r.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		return fmt.Errorf("store: snapshot into %s: %w", path, err)
	}
	return nil
}
