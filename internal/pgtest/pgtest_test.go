package pgtest

import (
	"context"
	"database/sql"
	"errors"
	"testing"
)

func TestMain(m *testing.M) { Main(m) }

// Each test's database is a copy of the template: what prepare made is
// there, and what one test writes is not in another's.
func TestURLCopiesTemplate(t *testing.T) {
	prepare := func(ctx context.Context, url string) error {
		db, err := sql.Open("pgx", url)
		if err != nil {
			return err
		}
		_, err = db.ExecContext(ctx, `CREATE TABLE t (n INTEGER); INSERT INTO t VALUES (1)`)
		return errors.Join(err, db.Close())
	}
	count := func(url string) int {
		db, err := sql.Open("pgx", url)
		if err != nil {
			t.Fatal(err)
		}
		defer func() {
			if err := db.Close(); err != nil {
				t.Error(err)
			}
		}()
		var n int
		if err := db.QueryRow(`SELECT COUNT(*) FROM t`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`INSERT INTO t VALUES (2)`); err != nil {
			t.Fatal(err)
		}
		return n
	}
	a, b := URL(t, "tmpl_test", prepare), URL(t, "tmpl_test", prepare)
	if a == b {
		t.Fatalf("same database twice: %s", a)
	}
	if n := count(a); n != 1 {
		t.Errorf("first copy: %d rows, want 1", n)
	}
	if n := count(b); n != 1 {
		t.Errorf("second copy: %d rows, want 1 (the first copy's insert leaked)", n)
	}
}
