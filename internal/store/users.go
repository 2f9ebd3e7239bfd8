package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"shilu/internal/evidence"
)

// CreateUser adds a user with an already-hashed password (empty for
// stations, which sign in with tokens). The password counts as set now and
// need not be changed; CreateAccount makes initial, must-change ones.
func (tx *Tx) CreateUser(ctx context.Context, name string, role evidence.Role, passwordHash string) (evidence.User, error) {
	a, err := tx.CreateAccount(ctx, NewAccount{Name: name, Role: role, PasswordHash: passwordHash})
	return a.User, err
}

const userCols = `id, name, role, created_at, disabled, password_hash`

func scanUser(scan func(...any) error) (evidence.User, string, error) {
	var u evidence.User
	var role, hash string
	var created int64
	err := scan(&u.ID, &u.Name, &role, &created, &u.Disabled, &hash)
	u.Role, u.CreatedAt = evidence.Role(role), fromMicros(created)
	return u, hash, err
}

// UserByName returns the user and their password hash.
func (tx *Tx) UserByName(ctx context.Context, name string) (evidence.User, string, error) {
	u, hash, err := scanUser(tx.tx.QueryRowContext(ctx, tx.d.rebind(`SELECT `+userCols+` FROM users WHERE name = ?`), name).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return u, "", evidence.Errorf(evidence.ENotFound, "err.user.not_found_name", name)
	}
	if err != nil {
		return u, "", fmt.Errorf("store: user %s: %w", name, err)
	}
	return u, hash, nil
}

// CreateToken stores the SHA-256 of a new API token for a user.
func (tx *Tx) CreateToken(ctx context.Context, userID int64, tokenHash []byte, name string) error {
	if err := tx.exec(ctx, `INSERT INTO tokens (user_id, hash, name, created_at) VALUES (?, ?, ?, ?)`, userID, tokenHash, name, micros(tx.now)); err != nil {
		return fmt.Errorf("store: create token: %w", err)
	}
	return nil
}

// UserByToken returns the enabled station holding the token with this
// hash. Tokens belong to collection stations (issue 9 point 3): a token
// skips the password rules and the second factor, so one held by any other
// account — made by an earlier version, or written into the database — is
// refused like an unknown one.
func (tx *Tx) UserByToken(ctx context.Context, tokenHash []byte) (evidence.User, error) {
	u, _, err := scanUser(tx.tx.QueryRowContext(ctx, tx.d.rebind(`SELECT u.id, u.name, u.role, u.created_at, u.disabled, ''
		FROM tokens t JOIN users u ON u.id = t.user_id
		WHERE t.hash = ? AND (t.expires_at IS NULL OR t.expires_at > ?) AND u.role = ?`), tokenHash, micros(tx.now), string(evidence.RoleStation)).Scan)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && u.Disabled) {
		return u, evidence.Errorf(evidence.EUnauthorized, "err.auth.token_invalid")
	}
	if err != nil {
		return u, fmt.Errorf("store: user by token: %w", err)
	}
	return u, nil
}

// UserCount returns how many users exist.
func (tx *Tx) UserCount(ctx context.Context) (int, error) {
	var n int
	if err := tx.get(ctx, []any{&n}, `SELECT COUNT(*) FROM users`); err != nil {
		return 0, fmt.Errorf("store: count users: %w", err)
	}
	return n, nil
}
