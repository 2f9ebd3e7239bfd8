package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"shilu/internal/pgtest"
)

// migrate --db puts an archive's metadata in PostgreSQL (migrated to the
// same schema version as SQLite) and records it, so that later commands on
// the data directory open it without the flag; another URL is refused, and
// so is --db for an archive whose metadata is in DATA/shilu.db.
func TestMigratePostgres(t *testing.T) {
	ctx := context.Background()
	shilu := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(ctx, args, func(string) string { return "" }, &out, &out)
		return out.String(), err
	}
	lite := filepath.Join(t.TempDir(), "data")
	liteOut, err := shilu("migrate", "--data", lite)
	if err != nil {
		t.Fatalf("migrate sqlite: %v\n%s", err, liteOut)
	}
	url := pgtest.Empty(t)
	data := filepath.Join(t.TempDir(), "data")
	out, err := shilu("migrate", "--data", data, "--db", url)
	if err != nil || out != liteOut || !strings.HasPrefix(out, "schema version ") {
		t.Fatalf("migrate --db: %q, %v; want %q as on SQLite", out, err, liteOut)
	}
	if out, err := shilu("user", "add", "--data", data, "--name", "alice", "--role", "officer"); err != nil {
		t.Fatalf("user add on the recorded database: %v\n%s", err, out)
	}
	if out, err := shilu("audit", "verify", "--data", data, "--quiet"); err != nil {
		t.Fatalf("audit verify on the recorded database: %v\n%s", err, out)
	}
	if _, err := shilu("migrate", "--data", data, "--db", url+"&application_name=x"); err == nil {
		t.Error("another --db than the recorded one was accepted")
	}
	if _, err := shilu("migrate", "--data", lite, "--db", url); err == nil {
		t.Error("--db accepted for an archive kept in shilu.db")
	}
}
