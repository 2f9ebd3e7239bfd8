// Package storetest opens real metadata stores for other packages' tests.
package storetest

import (
	"context"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"shilu/internal/audit"
	"shilu/internal/pgtest"
	"shilu/internal/secret"
	"shilu/internal/store"
)

// Origin is the custody log's name in test stores.
const Origin = "test/log"

// Open returns a fresh store with a custody log signed by a new key, and
// that key's verifier: SQLite in a temp dir, or, with
// SHILU_TEST_STORE=postgres, a new PostgreSQL database (pgtest; a package
// that runs so calls pgtest.Main or pgtest.Stop from its TestMain). TOTP
// secrets are sealed with a new random key (SecretBox). The store closes
// with the test.
func Open(t testing.TB) (*store.DB, note.Verifier) {
	t.Helper()
	return OpenClock(t, nil)
}

// OpenClock is Open with the store's clock: every stored time comes from
// clock (nil: time.Now), so tests can let deadlines pass.
func OpenClock(t testing.TB, clock func() time.Time) (*store.DB, note.Verifier) {
	t.Helper()
	skey, _, err := audit.GenerateKey(Origin)
	if err != nil {
		t.Fatal(err)
	}
	log, verifier, err := audit.NewLog(Origin, skey)
	if err != nil {
		t.Fatal(err)
	}
	opt := store.Options{Log: log, Clock: clock, Secrets: SecretBox(t)}
	var db *store.DB
	if os.Getenv("SHILU_TEST_STORE") == "postgres" {
		db, err = store.OpenPostgres(context.Background(), PostgresURL(t), opt)
	} else {
		db, err = store.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "shilu.db"), opt)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return db, verifier
}

// PostgresURL returns the URL of a new, migrated PostgreSQL database
// (a copy of a template pgtest migrated once per test binary), dropped
// when the test ends.
func PostgresURL(t testing.TB) string {
	t.Helper()
	return pgtest.URL(t, "shilu_storetest", func(ctx context.Context, url string) error {
		db, err := store.OpenPostgres(ctx, url, store.Options{})
		if err != nil {
			return err
		}
		return db.Close()
	})
}

// SecretBox returns a Box with a new random key, for stores that tests open
// themselves (store.Options.Secrets).
func SecretBox(t testing.TB) *secret.Box {
	t.Helper()
	box, err := secret.NewBox(secret.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	return box
}

// Clock is a store clock that tests move by hand (OpenClock(t, c.Now)).
type Clock struct{ us atomic.Int64 }

// NewClock returns a Clock showing t.
func NewClock(t time.Time) *Clock {
	c := &Clock{}
	c.Set(t)
	return c
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) { c.us.Store(t.UnixMicro()) }

// Now is the clock's time, in UTC.
func (c *Clock) Now() time.Time { return time.UnixMicro(c.us.Load()).UTC() }

// Add moves the clock on by d.
func (c *Clock) Add(d time.Duration) { c.Set(c.Now().Add(d)) }
