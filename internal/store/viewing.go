package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"shilu/internal/evidence"
)

// The custodian's registration of grants (Art. 16: 经保管人登记后方可查阅),
// the bureau's viewing policy and the register's rows for watermarked
// copies (issue 14 points 2-3, migration 0022).

// keptBy is the common table expressions of the departments a custodian
// (the one parameter) keeps: their department and those under it, as a
// leader leads (ledAccounts).
const keptBy = `WITH RECURSIVE keeper(dept) AS (SELECT department_id FROM users WHERE id = ?),
	sub(id) AS (SELECT dept FROM keeper WHERE dept IS NOT NULL
		UNION SELECT d.id FROM departments d JOIN sub ON d.parent_id = sub.id) `

// grantKept is the condition that every recording of grant g lies in the
// departments of keptBy. A recording's department is that of the account
// holding its officer number. A recording of no department (its officer
// number is nobody's, or its officer has no department) is kept by the
// custodians at the top: of a department without a parent (the bureau),
// or of none; otherwise its grant could never be registered.
const grantKept = `NOT EXISTS (SELECT 1 FROM access_request_recordings ar JOIN recordings rc ON rc.id = ar.recording_id
	WHERE ar.request_id = g.request_id AND NOT (
		EXISTS (SELECT 1 FROM users x WHERE x.officer_no = rc.officer AND rc.officer <> '' AND x.department_id IN (SELECT id FROM sub))
		OR (NOT EXISTS (SELECT 1 FROM keeper k JOIN departments d ON d.id = k.dept WHERE d.parent_id IS NOT NULL)
			AND NOT EXISTS (SELECT 1 FROM users x WHERE x.officer_no = rc.officer AND rc.officer <> '' AND x.department_id IS NOT NULL))))`

// waiting is the condition of a grant that waits for registration: not
// registered, not revoked, not run out.
const waiting = `g.registered_at IS NULL AND g.revoked_at IS NULL AND g.valid_until > ?`

// GrantKeptBy reports whether every recording of grant id lies in the
// departments that custodian keeps (their department and those under it),
// as a leader's decisions are scoped by department.
func (tx *Tx) GrantKeptBy(ctx context.Context, id, custodianID int64) (bool, error) {
	var n int
	err := tx.get(ctx, []any{&n}, keptBy+`SELECT COUNT(*) FROM grants g WHERE g.id = ? AND `+grantKept, custodianID, id)
	if err != nil {
		return false, fmt.Errorf("store: grant %d kept by %d: %w", id, custodianID, err)
	}
	return n > 0, nil
}

// UnregisteredGrants lists the grants that wait for custodianID's
// registration (待登记): unregistered, neither revoked nor run out, all of
// whose recordings the custodian keeps; oldest first, at most 500.
func (tx *Tx) UnregisteredGrants(ctx context.Context, custodianID int64) ([]evidence.Grant, error) {
	ids, err := tx.ids(ctx, keptBy+`SELECT g.id FROM grants g WHERE `+waiting+` AND `+grantKept+` ORDER BY g.id LIMIT 500`,
		custodianID, micros(tx.now))
	if err != nil || len(ids) == 0 {
		return []evidence.Grant{}, err
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	list, err := tx.scanGrants(ctx, `g.id IN (?`+strings.Repeat(`, ?`, len(ids)-1)+`)`, args...)
	if err != nil {
		return nil, err
	}
	// scanGrants lists newest first; the custodian works oldest first.
	for i, j := 0, len(list)-1; i < j; i, j = i+1, j-1 {
		list[i], list[j] = list[j], list[i]
	}
	return list, nil
}

// CountUnregistered counts UnregisteredGrants, for the menu and the
// dashboard.
func (tx *Tx) CountUnregistered(ctx context.Context, custodianID int64) (int, error) {
	var n int
	err := tx.get(ctx, []any{&n}, keptBy+`SELECT COUNT(*) FROM grants g WHERE `+waiting+` AND `+grantKept, custodianID, micros(tx.now))
	if err != nil {
		return 0, fmt.Errorf("store: grants to register: %w", err)
	}
	return n, nil
}

// RegisterGrant marks grant id registered now, by custodian byID
// (how evidence.RegisteredByCustodian) or by the policy (byID 0,
// evidence.RegisteredByPolicy). A grant registered already is EConflict.
func (tx *Tx) RegisterGrant(ctx context.Context, id, byID int64, how string) (evidence.Grant, error) {
	var by any
	if byID != 0 {
		by = byID
	}
	res, err := tx.tx.ExecContext(ctx, tx.d.rebind(`UPDATE grants SET registered_at = ?, registered_by = ?, registered_how = ? WHERE id = ? AND registered_at IS NULL`),
		micros(tx.now), by, how, id)
	if err != nil {
		return evidence.Grant{}, fmt.Errorf("store: register grant %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		if _, err := tx.Grant(ctx, id); err != nil {
			return evidence.Grant{}, err
		}
		return evidence.Grant{}, evidence.Errorf(evidence.EConflict, "err.grant.registered_already", id)
	}
	// A cached unregistered grant is read again at the next request.
	if err := tx.bumpAccess(ctx); err != nil {
		return evidence.Grant{}, err
	}
	return tx.Grant(ctx, id)
}

// ViewingSettings is the bureau's viewing policy.
type ViewingSettings struct {
	// AutoRegister registers every grant when it is approved, instead of
	// waiting for a custodian; the register shows 自动登记.
	AutoRegister bool `json:"auto_register"`
}

// ViewingSettings returns the bureau's viewing policy.
func (tx *Tx) ViewingSettings(ctx context.Context) (ViewingSettings, error) {
	var s ViewingSettings
	if err := tx.get(ctx, []any{&s.AutoRegister}, `SELECT auto_register FROM viewing_settings WHERE id = 1`); err != nil {
		return s, fmt.Errorf("store: viewing settings: %w", err)
	}
	return s, nil
}

// SetViewingSettings stores the bureau's viewing policy.
func (tx *Tx) SetViewingSettings(ctx context.Context, s ViewingSettings) error {
	if err := tx.exec(ctx, `UPDATE viewing_settings SET auto_register = ? WHERE id = 1`, s.AutoRegister); err != nil {
		return fmt.Errorf("store: set viewing settings: %w", err)
	}
	return nil
}

// OpenCopy starts the register's row (kind copy, 下载) of a watermarked copy
// of recording made for userID under grantID, with no bytes yet.
func (tx *Tx) OpenCopy(ctx context.Context, grantID, userID, recordingID int64) (int64, error) {
	var id int64
	err := tx.get(ctx, []any{&id}, `INSERT INTO viewings (grant_id, user_id, recording_id, started_at, last_at, requests, bytes, kind)
		VALUES (?, ?, ?, ?, ?, 1, 0, 'copy') RETURNING id`, grantID, userID, recordingID, micros(tx.now), micros(tx.now))
	if err != nil {
		return 0, fmt.Errorf("store: open copy: %w", err)
	}
	return id, nil
}

// FinishCopy records the bytes of copy id that were sent and when the last
// left.
func (tx *Tx) FinishCopy(ctx context.Context, id, bytes int64) error {
	res, err := tx.tx.ExecContext(ctx, tx.d.rebind(`UPDATE viewings SET last_at = ?, bytes = ? WHERE id = ? AND kind = 'copy'`), micros(tx.now), bytes, id)
	if err != nil {
		return fmt.Errorf("store: finish copy %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("store: finish copy %d: %w", id, sql.ErrNoRows)
	}
	return nil
}
