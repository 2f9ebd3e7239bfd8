package store

import (
	"context"
	"fmt"
	"time"
)

// CredentialReset is a reset of an account's password or second factor by
// someone else, which the account's holder has not yet acknowledged.
type CredentialReset struct {
	At time.Time `json:"at"`
	// By is who reset: the custody log's actor, an account name or the
	// server's operator (cli:NAME). ByDisplayName and ByOfficerNo are
	// that account's, "" for the operator.
	By            string `json:"by"`
	ByAccount     bool   `json:"-"` // By names an account
	ByDisplayName string `json:"by_display_name,omitempty"`
	ByOfficerNo   string `json:"by_officer_no,omitempty"`
	Password      bool   `json:"password"`
	TOTP          bool   `json:"totp"`
}

// AddCredentialReset notes that by reset userID's password and/or second
// factor now, to be told to them at their next sign-in.
func (tx *Tx) AddCredentialReset(ctx context.Context, userID int64, by string, password, totp bool) error {
	_, err := tx.tx.ExecContext(ctx, tx.d.rebind(`INSERT INTO credential_resets (user_id, at, by_name, password, totp) VALUES (?, ?, ?, ?, ?)`),
		userID, micros(tx.now), by, password, totp)
	if err != nil {
		return fmt.Errorf("store: credential reset of user %d: %w", userID, err)
	}
	return nil
}

// CredentialResets returns userID's resets not yet acknowledged, oldest
// first.
func (tx *Tx) CredentialResets(ctx context.Context, userID int64) ([]CredentialReset, error) {
	rows, err := tx.query(ctx, `SELECT r.at, r.by_name, COALESCE(u.display_name, ''), COALESCE(u.officer_no, ''), u.id IS NOT NULL, r.password, r.totp
		FROM credential_resets r LEFT JOIN users u ON u.name = r.by_name
		WHERE r.user_id = ? AND r.seen_at IS NULL ORDER BY r.id`, userID)
	if err != nil {
		return nil, fmt.Errorf("store: credential resets of user %d: %w", userID, err)
	}
	defer rows.Close()
	out := []CredentialReset{}
	for rows.Next() {
		var r CredentialReset
		var at int64
		if err := rows.Scan(&at, &r.By, &r.ByDisplayName, &r.ByOfficerNo, &r.ByAccount, &r.Password, &r.TOTP); err != nil {
			return nil, fmt.Errorf("store: credential resets of user %d: %w", userID, err)
		}
		r.At = fromMicros(at)
		out = append(out, r)
	}
	return out, rows.Err()
}

// AcknowledgeCredentialResets marks userID's resets as seen now and
// returns how many were waiting.
func (tx *Tx) AcknowledgeCredentialResets(ctx context.Context, userID int64) (int64, error) {
	res, err := tx.tx.ExecContext(ctx, tx.d.rebind(`UPDATE credential_resets SET seen_at = ? WHERE user_id = ? AND seen_at IS NULL`), micros(tx.now), userID)
	if err != nil {
		return 0, fmt.Errorf("store: acknowledge credential resets of user %d: %w", userID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store: acknowledge credential resets of user %d: %w", userID, err)
	}
	return n, nil
}
