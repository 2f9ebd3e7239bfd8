package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"shilu/internal/evidence"
	"shilu/internal/secret"
)

// A base32 TOTP secret as auth.NewTOTPSecret makes them.
const totpPlain = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

func newBox(t *testing.T) *secret.Box {
	t.Helper()
	box, err := secret.NewBox(secret.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	return box
}

func openAt(t *testing.T, path string, box *secret.Box) *DB {
	t.Helper()
	db, err := openPlace(context.Background(), path, Options{Secrets: box})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	return db
}

func addPerson(t *testing.T, db *DB, name string) int64 {
	t.Helper()
	var a Account
	err := db.Update(context.Background(), func(tx *Tx) (err error) {
		a, err = tx.CreateAccount(context.Background(), NewAccount{Name: name, Role: evidence.RoleSysAdmin, PasswordHash: "x"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return a.ID
}

// rawTOTP reads the column as stored, past the store's sealing.
func rawTOTP(t *testing.T, db *DB, id int64) string {
	t.Helper()
	var s string
	if err := db.r.QueryRow(db.d.rebind(`SELECT totp_secret FROM users WHERE id = ?`), id).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

func totpSecret(db *DB, id int64) (s string, err error) {
	err = db.View(context.Background(), func(tx *Tx) error {
		s, err = tx.TOTPSecret(context.Background(), id)
		return err
	})
	return s, err
}

// X-SEC-3: the TOTP secret is sealed in the database — the column holds no
// base32 secret, the account reads it back, and it opens only for its own
// user and with the key that sealed it. A store without that key refuses
// it with ErrUnreadable instead of handing out anything a code could be
// checked against.
func TestTOTPSecretSealed(t *testing.T) {
	ctx := context.Background()
	path := newPlace(t)
	box := newBox(t)
	db := openAt(t, path, box)
	alice, bob := addPerson(t, db, "alice"), addPerson(t, db, "bob")
	if _, err := totpSecret(db, alice); evidence.ErrorCode(err) != evidence.ENotFound {
		t.Fatalf("secret before setup: %v, want ENotFound", err)
	}
	if err := db.Update(ctx, func(tx *Tx) error { return tx.SetTOTPSecret(ctx, alice, totpPlain) }); err != nil {
		t.Fatal(err)
	}
	stored := rawTOTP(t, db, alice)
	if !strings.HasPrefix(stored, "v1:") || strings.Contains(stored, totpPlain) {
		t.Fatalf("column holds %q, want a v1: sealed value without the secret", stored)
	}
	if got, err := totpSecret(db, alice); err != nil || got != totpPlain {
		t.Fatalf("TOTPSecret = %q, %v; want the secret", got, err)
	}
	var a Account
	check(t, db.View(ctx, func(tx *Tx) (err error) { a, err = tx.Account(ctx, alice); return err }))
	if j, _ := json.Marshal(a); bytes.Contains(j, []byte(totpPlain)) || bytes.Contains(j, []byte(stored)) {
		t.Errorf("account JSON carries the secret: %s", j)
	}

	t.Run("ErrCopiedToAnotherUser", func(t *testing.T) {
		if _, err := db.w.Exec(db.d.rebind(`UPDATE users SET totp_secret = ? WHERE id = ?`), stored, bob); err != nil {
			t.Fatal(err)
		}
		got, err := totpSecret(db, bob)
		if !errors.Is(err, secret.ErrUnreadable) || got != "" {
			t.Fatalf("bob with alice's sealed secret: %q, %v; want ErrUnreadable", got, err)
		}
		if strings.Contains(err.Error(), totpPlain) || strings.Contains(err.Error(), stored[3:]) {
			t.Errorf("error repeats the secret: %v", err)
		}
	})
	closeDB(t, db)

	t.Run("ErrOtherKey", func(t *testing.T) {
		other := openAt(t, path, newBox(t))
		defer closeDB(t, other)
		if _, err := totpSecret(other, alice); !errors.Is(err, secret.ErrUnreadable) {
			t.Fatalf("TOTPSecret with another key: %v, want ErrUnreadable", err)
		}
		// The other key's open leaves the sealed value alone.
		if got := rawTOTP(t, other, alice); got != stored {
			t.Errorf("column changed by an open with another key: %q", got)
		}
	})
	t.Run("ErrNoKey", func(t *testing.T) {
		none := openAt(t, path, nil)
		defer closeDB(t, none)
		if _, err := totpSecret(none, alice); !errors.Is(err, secret.ErrUnreadable) {
			t.Fatalf("TOTPSecret without a key: %v, want ErrUnreadable", err)
		}
		err := none.Update(ctx, func(tx *Tx) error { return tx.SetTOTPSecret(ctx, bob, totpPlain) })
		if err == nil {
			t.Fatal("SetTOTPSecret without a key stored something")
		}
	})
	t.Run("OKSameKeyAgain", func(t *testing.T) {
		again := openAt(t, path, box)
		defer closeDB(t, again)
		if got, err := totpSecret(again, alice); err != nil || got != totpPlain {
			t.Fatalf("TOTPSecret after reopening: %q, %v", got, err)
		}
	})
}

// X-SEC-3: a secret stored in plaintext before sealing existed is sealed
// at the first open with a key, and no copy of it is left in the database
// file or its WAL (the update's freed bytes are zeroed). Later opens leave
// the sealed value as it is.
func TestPlaintextTOTPSealedAtOpen(t *testing.T) {
	sqliteOnly(t, "it reads the database's files for the plaintext")
	dir := t.TempDir()
	path := filepath.Join(dir, "shilu.db")
	// An archive as the previous version left it: written without a key,
	// the secret put in the column as is.
	db := openAt(t, path, nil)
	alice, bob := addPerson(t, db, "alice"), addPerson(t, db, "bob")
	if _, err := db.w.Exec(`UPDATE users SET totp_secret = ?, totp_enabled = 1 WHERE id = ?`, totpPlain, alice); err != nil {
		t.Fatal(err)
	}
	// Rows written after alice's keep her old cell away from the page's
	// free gap, so that only zeroing, not the sealed value's new cell,
	// removes the plaintext.
	addPerson(t, db, "carol")
	addPerson(t, db, "dave")
	closeDB(t, db)
	if !fileContains(t, dir, totpPlain) {
		t.Fatal("the plaintext secret is not in the file to begin with; the test proves nothing")
	}

	box := newBox(t)
	db = openAt(t, path, box)
	stored := rawTOTP(t, db, alice)
	if !strings.HasPrefix(stored, "v1:") || strings.Contains(stored, totpPlain) {
		t.Fatalf("after the first open with a key the column holds %q", stored)
	}
	if got, err := totpSecret(db, alice); err != nil || got != totpPlain {
		t.Fatalf("TOTPSecret after sealing = %q, %v", got, err)
	}
	if got := rawTOTP(t, db, bob); got != "" {
		t.Errorf("a user without a secret got %q", got)
	}
	// A copy taken while the archive runs, and one taken after it stopped.
	if fileContains(t, dir, totpPlain) {
		t.Error("the plaintext secret is still in the database files after sealing, store open")
	}
	closeDB(t, db)
	if fileContains(t, dir, totpPlain) {
		t.Error("the plaintext secret is still in the database files after sealing, store closed")
	}

	db = openAt(t, path, box)
	defer closeDB(t, db)
	if got := rawTOTP(t, db, alice); got != stored {
		t.Errorf("a second open resealed the secret: %q, was %q", got, stored)
	}
}

// fileContains reports whether any file of dir (the database, its WAL and
// shared memory) contains s.
func fileContains(t *testing.T, dir, s string) bool {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(s)) {
			t.Logf("%s contains %q", e.Name(), s)
			return true
		}
	}
	return false
}
