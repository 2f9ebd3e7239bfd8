package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"shilu/internal/evidence"
	"shilu/internal/secret"
)

// Department is a unit (单位/部门) in the organisation tree.
type Department struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	ParentID  *int64    `json:"parent_id,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// CreateDepartment adds a department under parent (nil: a root). The parent
// must exist; sibling names are unique (EConflict).
func (tx *Tx) CreateDepartment(ctx context.Context, name string, parent *int64) (Department, error) {
	d := Department{Name: name, ParentID: parent, CreatedAt: tx.now}
	if name == "" {
		return d, evidence.Errorf(evidence.EInvalid, "err.department.no_name")
	}
	if parent != nil {
		if _, err := tx.Department(ctx, *parent); err != nil {
			return d, err
		}
	}
	err := tx.tryGet(ctx, []any{&d.ID}, `INSERT INTO departments (name, parent_id, created_at) VALUES (?, ?, ?) RETURNING id`,
		name, nullInt(parent), micros(tx.now))
	if isUniqueViolation(err) {
		return d, evidence.Errorf(evidence.EConflict, "err.department.exists", name)
	}
	if err != nil {
		return d, fmt.Errorf("store: create department %s: %w", name, err)
	}
	return d, nil
}

// RenameDepartment gives department id a new name; sibling names stay
// unique (EConflict). It returns the department as it was before.
func (tx *Tx) RenameDepartment(ctx context.Context, id int64, name string) (Department, error) {
	old, err := tx.Department(ctx, id)
	if err != nil {
		return old, err
	}
	if name == "" {
		return old, evidence.Errorf(evidence.EInvalid, "err.department.no_name")
	}
	err = tx.tryExec(ctx, `UPDATE departments SET name = ? WHERE id = ?`, name, id)
	if isUniqueViolation(err) {
		return old, evidence.Errorf(evidence.EConflict, "err.department.exists", name)
	}
	if err != nil {
		return old, fmt.Errorf("store: rename department %d: %w", id, err)
	}
	return old, nil
}

// Department returns the department with this id (ENotFound if none).
func (tx *Tx) Department(ctx context.Context, id int64) (Department, error) {
	d := Department{ID: id}
	var parent sql.NullInt64
	var created int64
	err := tx.get(ctx, []any{&d.Name, &parent, &created}, `SELECT name, parent_id, created_at FROM departments WHERE id = ?`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return d, evidence.Errorf(evidence.ENotFound, "err.department.not_found", id)
	}
	if err != nil {
		return d, fmt.Errorf("store: department %d: %w", id, err)
	}
	d.ParentID, d.CreatedAt = fromNullInt(parent), fromMicros(created)
	return d, nil
}

// Departments lists every department by id, so each parent comes before
// its children (a parent is always made first).
func (tx *Tx) Departments(ctx context.Context) ([]Department, error) {
	rows, err := tx.query(ctx, `SELECT id, name, parent_id, created_at FROM departments ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("store: departments: %w", err)
	}
	defer rows.Close()
	out := []Department{}
	for rows.Next() {
		var d Department
		var parent sql.NullInt64
		var created int64
		if err := rows.Scan(&d.ID, &d.Name, &parent, &created); err != nil {
			return nil, fmt.Errorf("store: departments: %w", err)
		}
		d.ParentID, d.CreatedAt = fromNullInt(parent), fromMicros(created)
		out = append(out, d)
	}
	return out, rows.Err()
}

// InDepartmentSubtree reports whether department dept is ofDept or lies
// below it. A nil dept is in the subtree of nil only: people without a
// department form their own group, so a leader without one leads exactly
// them and nobody in the tree.
func (tx *Tx) InDepartmentSubtree(ctx context.Context, dept, ofDept *int64) (bool, error) {
	if dept == nil || ofDept == nil {
		return dept == nil && ofDept == nil, nil
	}
	// Walk up from dept. UNION (not UNION ALL) drops repeats, so even a
	// corrupted tree with a cycle ends the recursion.
	var n int
	err := tx.get(ctx, []any{&n}, `WITH RECURSIVE up(id) AS (
			SELECT CAST(? AS BIGINT)
			UNION
			SELECT d.parent_id FROM departments d JOIN up ON d.id = up.id WHERE d.parent_id IS NOT NULL
		) SELECT COUNT(*) FROM up WHERE id = ?`, *dept, *ofDept)
	if err != nil {
		return false, fmt.Errorf("store: department subtree: %w", err)
	}
	return n > 0, nil
}

// IsLeaderOf reports whether leaderID's department is userID's department
// or one of its ancestors: the department relation behind "the requester's
// leader approves" (Art. 16). A leader without a department leads the users
// without one. It looks at departments only: the caller checks the
// leader's role (PermAccessApprove) and refuses self-approval, since every
// user is, by this relation, in their own department. An unknown id is
// ENotFound.
func (tx *Tx) IsLeaderOf(ctx context.Context, leaderID, userID int64) (bool, error) {
	leaderDept, err := tx.userDepartment(ctx, leaderID)
	if err != nil {
		return false, err
	}
	userDept, err := tx.userDepartment(ctx, userID)
	if err != nil {
		return false, err
	}
	return tx.InDepartmentSubtree(ctx, userDept, leaderDept)
}

// ledAccounts is the subquery of the accounts that the leader bound to its
// one parameter leads, as IsLeaderOf decides: those of the leader's
// department and the departments under it; a leader without a department
// leads the accounts without one.
const ledAccounts = `(WITH RECURSIVE leader(dept) AS (SELECT department_id FROM users WHERE id = ?),
	sub(id) AS (SELECT dept FROM leader WHERE dept IS NOT NULL
		UNION SELECT d.id FROM departments d JOIN sub ON d.parent_id = sub.id)
	SELECT x.id FROM users x WHERE x.department_id IN (SELECT id FROM sub)
		OR x.department_id IS NULL AND EXISTS (SELECT 1 FROM leader WHERE dept IS NULL))`

// Scope narrows a list about people (grants, the register) to the accounts
// someone may see: Only one account, or those a leader leads (LedBy, by
// department as IsLeaderOf); the zero Scope is everyone.
type Scope struct {
	Only, LedBy int64
}

// where returns the condition that the account in column col is in s.
func (s Scope) where(col string) (string, []any) {
	switch {
	case s.Only != 0:
		return col + ` = ?`, []any{s.Only}
	case s.LedBy != 0:
		return col + ` IN ` + ledAccounts, []any{s.LedBy}
	}
	return `1 = 1`, nil
}

func (tx *Tx) userDepartment(ctx context.Context, userID int64) (*int64, error) {
	var d sql.NullInt64
	err := tx.get(ctx, []any{&d}, `SELECT department_id FROM users WHERE id = ?`, userID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, evidence.Errorf(evidence.ENotFound, "err.user.not_found", userID)
	}
	if err != nil {
		return nil, fmt.Errorf("store: department of user %d: %w", userID, err)
	}
	return fromNullInt(d), nil
}

func nullInt(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

func fromNullInt(n sql.NullInt64) *int64 {
	if !n.Valid {
		return nil
	}
	return &n.Int64
}

func fromNullMicros(n sql.NullInt64) *time.Time {
	if !n.Valid {
		return nil
	}
	t := fromMicros(n.Int64)
	return &t
}

// Account is a user with the state of their sign-in: what the
// administration API lists and what authentication decides on. The
// password hash never leaves the server in JSON; the TOTP secret is not
// here at all but read, sealed, only where a code is checked (TOTPSecret).
type Account struct {
	evidence.User
	DepartmentID      *int64     `json:"department_id,omitempty"`
	MustChange        bool       `json:"must_change_password"`
	PasswordChangedAt *time.Time `json:"password_changed_at,omitempty"`
	LockedUntil       *time.Time `json:"locked_until,omitempty"`
	TOTPEnabled       bool       `json:"totp_enabled"`
	FailedLogins      int        `json:"-"`
	PasswordHash      string     `json:"-"`
	TOTPLastStep      int64      `json:"-"`
}

// HasPassword reports whether the account signs in with a password;
// stations have none and use API tokens.
func (a Account) HasPassword() bool { return a.PasswordHash != "" }

// NewAccount is what CreateAccount needs.
type NewAccount struct {
	Name         string
	Role         evidence.Role
	PasswordHash string // already hashed; "" for a station
	DepartmentID *int64
	// MustChange marks an initial password, which the user must replace
	// before doing anything else (X-SEC-1).
	MustChange bool
	// DisplayName and OfficerNo identify an officer (R-ACT-3); both may be
	// "".
	DisplayName string
	OfficerNo   string
}

// CreateAccount adds a user. A name or an officer number is never reused
// (EConflict), and the department must exist (ENotFound).
func (tx *Tx) CreateAccount(ctx context.Context, n NewAccount) (Account, error) {
	a := Account{User: evidence.User{Name: n.Name, DisplayName: n.DisplayName, OfficerNo: n.OfficerNo, Role: n.Role, CreatedAt: tx.now},
		DepartmentID: n.DepartmentID, MustChange: n.MustChange, PasswordHash: n.PasswordHash}
	if n.Name == "" || !n.Role.Valid() && n.Role != evidence.RoleNone {
		return a, evidence.Errorf(evidence.EInvalid, "err.user.name_and_role", roleList())
	}
	if err := validateIdentity(n.DisplayName, n.OfficerNo); err != nil {
		return a, err
	}
	if n.Role == evidence.RoleStation && n.OfficerNo != "" {
		return a, errStationOfficer
	}
	if err := tx.checkOfficerNoFree(ctx, n.OfficerNo, 0); err != nil {
		return a, err
	}
	if n.DepartmentID != nil {
		if _, err := tx.Department(ctx, *n.DepartmentID); err != nil {
			return a, err
		}
	}
	var changed any
	if n.PasswordHash != "" {
		a.PasswordChangedAt = &a.CreatedAt
		changed = micros(tx.now)
	}
	err := tx.tryGet(ctx, []any{&a.ID}, `INSERT INTO users (name, role, password_hash, created_at, department_id, must_change, password_changed_at,
		display_name, officer_no) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		n.Name, string(n.Role), n.PasswordHash, micros(tx.now), nullInt(n.DepartmentID), n.MustChange, changed,
		n.DisplayName, nullString(n.OfficerNo))
	if isUniqueViolation(err) {
		return a, evidence.Errorf(evidence.EConflict, "err.user.exists", n.Name)
	}
	if err != nil {
		return a, fmt.Errorf("store: create user %s: %w", n.Name, err)
	}
	return a, nil
}

const accountCols = `id, name, role, created_at, disabled, password_hash, department_id, must_change,
	password_changed_at, locked_until, totp_enabled, failed_logins, totp_last_step, display_name, officer_no`

func scanAccount(scan func(...any) error) (Account, error) {
	var a Account
	var role string
	var created int64
	var dept, changed, locked sql.NullInt64
	var officerNo sql.NullString
	err := scan(&a.ID, &a.Name, &role, &created, &a.Disabled, &a.PasswordHash, &dept, &a.MustChange,
		&changed, &locked, &a.TOTPEnabled, &a.FailedLogins, &a.TOTPLastStep, &a.DisplayName, &officerNo)
	a.Role, a.CreatedAt, a.OfficerNo = evidence.Role(role), fromMicros(created), officerNo.String
	a.DepartmentID, a.PasswordChangedAt, a.LockedUntil = fromNullInt(dept), fromNullMicros(changed), fromNullMicros(locked)
	return a, err
}

const accountByIDQuery = `SELECT ` + accountCols + ` FROM users WHERE id = ?`

// Account returns the user with this id (ENotFound if none).
func (tx *Tx) Account(ctx context.Context, id int64) (Account, error) {
	a, err := scanAccount(func(dest ...any) error {
		return tx.getPrepared(ctx, dest, accountByIDQuery, id)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return a, evidence.Errorf(evidence.ENotFound, "err.user.not_found", id)
	}
	if err != nil {
		return a, fmt.Errorf("store: user %d: %w", id, err)
	}
	return a, nil
}

// AccountByName returns the user with this sign-in name (ENotFound if none).
func (tx *Tx) AccountByName(ctx context.Context, name string) (Account, error) {
	a, err := scanAccount(tx.tx.QueryRowContext(ctx, tx.d.rebind(`SELECT `+accountCols+` FROM users WHERE name = ?`), name).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return a, evidence.Errorf(evidence.ENotFound, "err.user.not_found_name", name)
	}
	if err != nil {
		return a, fmt.Errorf("store: user %s: %w", name, err)
	}
	return a, nil
}

// Accounts lists every user by name.
func (tx *Tx) Accounts(ctx context.Context) ([]Account, error) {
	rows, err := tx.query(ctx, `SELECT `+accountCols+` FROM users ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("store: users: %w", err)
	}
	defer rows.Close()
	out := []Account{}
	for rows.Next() {
		a, err := scanAccount(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("store: users: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// SetDepartment moves a user to a department (nil: none).
func (tx *Tx) SetDepartment(ctx context.Context, userID int64, dept *int64) error {
	if dept != nil {
		if _, err := tx.Department(ctx, *dept); err != nil {
			return err
		}
	}
	return tx.updateUser(ctx, userID, `department_id = ?`, nullInt(dept))
}

// SetIdentity sets a user's display name and officer number ("" clears
// either). An officer number held by another account is EConflict.
func (tx *Tx) SetIdentity(ctx context.Context, userID int64, displayName, officerNo string) error {
	if err := validateIdentity(displayName, officerNo); err != nil {
		return err
	}
	if officerNo != "" {
		a, err := tx.Account(ctx, userID)
		if err != nil {
			return err
		}
		if a.Role == evidence.RoleStation {
			return errStationOfficer
		}
	}
	if err := tx.checkOfficerNoFree(ctx, officerNo, userID); err != nil {
		return err
	}
	err := tx.updateUser(ctx, userID, `display_name = ?, officer_no = ?`, displayName, nullString(officerNo))
	if isUniqueViolation(err) {
		return evidence.Errorf(evidence.EConflict, "err.user.officer_no_taken", officerNo)
	}
	return err
}

// errStationOfficer refuses an officer number on a collection station's
// account: the number would make the station an officer of activities.
var errStationOfficer = evidence.Errorf(evidence.EInvalid, "err.user.station_officer_no")

func validateIdentity(displayName, officerNo string) error {
	if err := evidence.ValidateDisplayName(displayName); err != nil {
		return err
	}
	return evidence.ValidateOfficerNo(officerNo)
}

// checkOfficerNoFree answers EConflict when another account than except
// holds officerNo. The unique index decides in the end; asking first gives
// a message that names the number instead of the index.
func (tx *Tx) checkOfficerNoFree(ctx context.Context, officerNo string, except int64) error {
	if officerNo == "" {
		return nil
	}
	var n int
	if err := tx.get(ctx, []any{&n}, `SELECT COUNT(*) FROM users WHERE officer_no = ? AND id <> ?`, officerNo, except); err != nil {
		return fmt.Errorf("store: officer number %s: %w", officerNo, err)
	}
	if n > 0 {
		return evidence.Errorf(evidence.EConflict, "err.user.officer_no_taken", officerNo)
	}
	return nil
}

// nullString stores "" as NULL, so the partial unique index on officer
// numbers sees only real ones.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Officer is an account that carries an officer number: who stands behind
// the numbers that activities and recordings name.
type Officer struct {
	Number string `json:"number"`
	// Name is the display name, or the account name when there is none.
	Name   string `json:"name"`
	User   string `json:"user"` // the account (sign-in) name
	UserID int64  `json:"user_id"`
	// DepartmentID is 0 and Department "" for an account without one.
	DepartmentID int64  `json:"department_id,omitempty"`
	Department   string `json:"department,omitempty"`
}

// OfficerDirectory maps every officer number held by an account to that
// officer. Disabled accounts are included: an officer who has left still
// stands behind the activities they were on.
func (tx *Tx) OfficerDirectory(ctx context.Context) (map[string]Officer, error) {
	rows, err := tx.query(ctx, `SELECT u.officer_no, u.display_name, u.name, u.id, COALESCE(d.id, 0), COALESCE(d.name, '')
		FROM users u LEFT JOIN departments d ON d.id = u.department_id
		WHERE u.officer_no IS NOT NULL AND u.officer_no <> ''`)
	if err != nil {
		return nil, fmt.Errorf("store: officer directory: %w", err)
	}
	defer rows.Close()
	out := map[string]Officer{}
	for rows.Next() {
		var o Officer
		var display string
		if err := rows.Scan(&o.Number, &display, &o.User, &o.UserID, &o.DepartmentID, &o.Department); err != nil {
			return nil, fmt.Errorf("store: officer directory: %w", err)
		}
		o.Name = evidence.User{Name: o.User, DisplayName: display}.Label()
		out[o.Number] = o
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: officer directory: %w", err)
	}
	return out, nil
}

// SetDisabled disables or enables a user. A disabled user's sessions stop
// working at their next request and their API tokens end for good: a
// station is disabled when it is lost or stolen, and enabling it again
// must not bring back a token that left with it (issue 9 point 3).
func (tx *Tx) SetDisabled(ctx context.Context, userID int64, disabled bool) error {
	if err := tx.updateUser(ctx, userID, `disabled = ?`, disabled); err != nil || !disabled {
		return err
	}
	return tx.endTokens(ctx, userID)
}

// endTokens deletes the API tokens of a user.
func (tx *Tx) endTokens(ctx context.Context, userID int64) error {
	if err := tx.exec(ctx, `DELETE FROM tokens WHERE user_id = ?`, userID); err != nil {
		return fmt.Errorf("store: end tokens of user %d: %w", userID, err)
	}
	return nil
}

// roleList names the roles as the API and the CLI take them.
func roleList() string {
	names := make([]string, len(evidence.Roles))
	for i, r := range evidence.Roles {
		names[i] = string(r)
	}
	return strings.Join(names, ", ")
}

// SetRole changes a user's role. Their API tokens end with the role they
// were given for (issue 9 point 3).
func (tx *Tx) SetRole(ctx context.Context, userID int64, role evidence.Role) error {
	if !role.Valid() {
		return evidence.Errorf(evidence.EInvalid, "err.user.role_unknown", string(role), roleList())
	}
	if err := tx.updateUser(ctx, userID, `role = ?`, string(role)); err != nil {
		return err
	}
	return tx.endTokens(ctx, userID)
}

// SetPassword stores a new password hash, set now. mustChange marks it
// initial (an administrator's reset). It clears failed sign-ins and any
// lockout.
func (tx *Tx) SetPassword(ctx context.Context, userID int64, hash string, mustChange bool) error {
	return tx.updateUser(ctx, userID, `password_hash = ?, password_changed_at = ?, must_change = ?, failed_logins = 0, locked_until = NULL`,
		hash, micros(tx.now), mustChange)
}

// Unlock ends a lockout and forgets the failed sign-ins before it.
func (tx *Tx) Unlock(ctx context.Context, userID int64) error {
	return tx.updateUser(ctx, userID, `failed_logins = 0, locked_until = NULL`)
}

// RecordLoginFailure counts a failed sign-in. At the max-th consecutive
// failure the account locks until now+lockFor and the count restarts;
// locked reports that this failure locked it. Failures while locked are not
// counted: the caller refuses those before checking the password.
func (tx *Tx) RecordLoginFailure(ctx context.Context, userID int64, max int, lockFor time.Duration) (locked bool, err error) {
	var n int
	err = tx.get(ctx, []any{&n}, `UPDATE users SET failed_logins = failed_logins + 1 WHERE id = ? RETURNING failed_logins`, userID)
	if err != nil {
		return false, fmt.Errorf("store: login failure of user %d: %w", userID, err)
	}
	if n < max {
		return false, nil
	}
	return true, tx.updateUser(ctx, userID, `failed_logins = 0, locked_until = ?`, micros(tx.now.Add(lockFor)))
}

// RecordLoginSuccess clears the failure count of a user who signed in.
func (tx *Tx) RecordLoginSuccess(ctx context.Context, userID int64) error {
	return tx.updateUser(ctx, userID, `failed_logins = 0, locked_until = NULL`)
}

// SetTOTPSecret stores a new, not yet confirmed TOTP secret (setup),
// sealed with the store's key (X-SEC-3). It refuses (EConflict) while a
// confirmed one is enabled: replacing a second factor takes an
// administrator's reset first.
func (tx *Tx) SetTOTPSecret(ctx context.Context, userID int64, totpSecret string) error {
	if tx.secrets == nil {
		return errNoSecretsKey
	}
	a, err := tx.Account(ctx, userID)
	if err != nil {
		return err
	}
	if a.TOTPEnabled {
		return evidence.Errorf(evidence.EConflict, "err.totp.enabled")
	}
	return tx.updateUser(ctx, userID, `totp_secret = ?, totp_last_step = 0`, tx.secrets.Seal([]byte(totpSecret), totpAD(userID)))
}

// TOTPSecret returns the user's TOTP secret (base32), set up or enabled.
// ENotFound when there is none; an error wrapping secret.ErrUnreadable when
// the stored one does not open — a different secrets key, a value altered or
// copied from another user's row, a store opened without a key. The caller
// refuses the code then: an administrator resets the second factor. No
// error contains the secret.
func (tx *Tx) TOTPSecret(ctx context.Context, userID int64) (string, error) {
	var stored string
	err := tx.get(ctx, []any{&stored}, `SELECT totp_secret FROM users WHERE id = ?`, userID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", evidence.Errorf(evidence.ENotFound, "err.user.not_found", userID)
	}
	if err != nil {
		return "", fmt.Errorf("store: totp secret of user %d: %w", userID, err)
	}
	if stored == "" {
		return "", evidence.Errorf(evidence.ENotFound, "err.totp.none", userID)
	}
	if tx.secrets == nil {
		return "", fmt.Errorf("store: totp secret of user %d: %w", userID, errNoSecretsKey)
	}
	plain, err := tx.secrets.Open(stored, totpAD(userID))
	if err != nil {
		return "", fmt.Errorf("store: totp secret of user %d: %w", userID, err)
	}
	return string(plain), nil
}

// UnreadableTOTP names the accounts whose TOTP secret does not open with
// the store's key: after secrets.key was lost or replaced, those people
// cannot sign in until their TOTP is reset, and an operator should learn
// that at start, not from their calls.
func (tx *Tx) UnreadableTOTP(ctx context.Context) ([]string, error) {
	rows, err := tx.query(ctx, `SELECT id, name FROM users WHERE totp_secret <> '' ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("store: totp secrets: %w", err)
	}
	type acct struct {
		id   int64
		name string
	}
	var all []acct
	for rows.Next() {
		var a acct
		if err := rows.Scan(&a.id, &a.name); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: totp secrets: %w", err)
		}
		all = append(all, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var bad []string
	for _, a := range all {
		if _, err := tx.TOTPSecret(ctx, a.id); errors.Is(err, secret.ErrUnreadable) {
			bad = append(bad, a.name)
		} else if err != nil {
			return nil, err
		}
	}
	return bad, nil
}

// errNoSecretsKey wraps secret.ErrUnreadable so that callers treat a store
// without a key like one with the wrong key: no TOTP check passes.
var errNoSecretsKey = fmt.Errorf("%w: the store was opened without a secrets key", secret.ErrUnreadable)

// totpAD is the additional data a user's sealed TOTP secret is bound to
// (X-SEC-3): the column and the user id, so that a sealed value copied into
// another user's row, or into a column sealing something else, does not
// open there.
func totpAD(userID int64) []byte {
	return []byte("users.totp_secret:" + strconv.FormatInt(userID, 10))
}

// sealPlaintextTOTP seals the TOTP secrets stored in plaintext before they
// were sealed (X-SEC-3), once, when a store with a key opens: after the
// first start with a key no plaintext secret is left in the file. Without
// a key it leaves them for a start with one.
func (db *DB) sealPlaintextTOTP(ctx context.Context) error {
	if db.secrets == nil {
		return nil
	}
	// Look on the reader pool first: on every start but the first there is
	// nothing to do, and the writer stays free for a running server.
	var n int
	err := db.View(ctx, func(tx *Tx) error {
		plain, err := tx.plaintextTOTP(ctx)
		n = len(plain)
		return err
	})
	if err != nil || n == 0 {
		return err
	}
	// The writer pool has one connection: take it for the pragmas and the
	// transaction together.
	conn, err := db.w.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: seal totp secrets: %w", err)
	}
	defer conn.Close() //nolint:errcheck // returns the connection to the pool; nothing was left to write
	// secure_delete: the update's freed bytes, the plaintext, are zeroed
	// rather than left in the page's free space, where a copy of the file
	// would still show them.
	// PostgreSQL has no such setting: VACUUM reclaims the old row versions
	// (docs/deploy: encrypt the database's disk).
	if db.d.pragmas {
		if _, err := conn.ExecContext(ctx, `PRAGMA secure_delete = ON`); err != nil {
			return fmt.Errorf("store: seal totp secrets: %w", err)
		}
		// If this fails the connection keeps zeroing freed pages: slower
		// deletes, nothing lost.
		defer conn.ExecContext(context.Background(), `PRAGMA secure_delete = OFF`) //nolint:errcheck // see above
	}
	sqlTx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: seal totp secrets: %w", err)
	}
	tx := &Tx{tx: sqlTx, d: db.d, now: db.clock().UTC().Truncate(time.Microsecond), secrets: db.secrets}
	plain, err := tx.plaintextTOTP(ctx)
	for id, s := range plain {
		if err = tx.exec(ctx, `UPDATE users SET totp_secret = ? WHERE id = ?`, db.secrets.Seal([]byte(s), totpAD(id)), id); err != nil {
			break
		}
	}
	if err != nil {
		return rollback(sqlTx, fmt.Errorf("store: seal totp secrets: %w", err))
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("store: seal totp secrets: %w", err)
	}
	// Copy the sealed pages over the plaintext ones in the database file now
	// rather than at a later automatic checkpoint, and empty the WAL. Best
	// effort: a reader of another process may hold the checkpoint back, and
	// the next checkpoint finishes it.
	if db.d.pragmas {
		var busy, frames, done int
		conn.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &frames, &done) //nolint:errcheck // best effort, as said above
	}
	return nil
}

// plaintextTOTP returns the TOTP secrets not yet sealed, by user id.
func (tx *Tx) plaintextTOTP(ctx context.Context) (map[int64]string, error) {
	rows, err := tx.query(ctx, `SELECT id, totp_secret FROM users WHERE totp_secret <> ''`)
	if err != nil {
		return nil, fmt.Errorf("store: totp secrets: %w", err)
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var s string
		if err := rows.Scan(&id, &s); err != nil {
			return nil, fmt.Errorf("store: totp secrets: %w", err)
		}
		if !secret.IsSealed(s) {
			out[id] = s
		}
	}
	return out, rows.Err()
}

// EnableTOTP confirms the stored secret, with step the time step of the
// code that confirmed it (never accepted again).
func (tx *Tx) EnableTOTP(ctx context.Context, userID int64, step int64) error {
	return tx.updateUser(ctx, userID, `totp_enabled = 1, totp_last_step = ?`, step)
}

// ResetTOTP removes a user's second factor (a lost phone); they set up a
// new one at their next sign-in if their role requires it.
func (tx *Tx) ResetTOTP(ctx context.Context, userID int64) error {
	return tx.updateUser(ctx, userID, `totp_enabled = 0, totp_secret = '', totp_last_step = 0`)
}

// UseTOTPStep records that a code of time step step was accepted. It
// reports false, changing nothing, when that step or a later one was
// already used: a code is good once (RFC 6238 §5.2).
func (tx *Tx) UseTOTPStep(ctx context.Context, userID int64, step int64) (bool, error) {
	res, err := tx.tx.ExecContext(ctx, tx.d.rebind(`UPDATE users SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?`), step, userID, step)
	if err != nil {
		return false, fmt.Errorf("store: totp step of user %d: %w", userID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: totp step of user %d: %w", userID, err)
	}
	return n == 1, nil
}

func (tx *Tx) updateUser(ctx context.Context, userID int64, set string, args ...any) error {
	res, err := tx.tx.ExecContext(ctx, tx.d.rebind(`UPDATE users SET `+set+` WHERE id = ?`), append(args, userID)...)
	if err != nil {
		return fmt.Errorf("store: update user %d: %w", userID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("store: update user %d: %w", userID, err)
	} else if n == 0 {
		return evidence.Errorf(evidence.ENotFound, "err.user.not_found", userID)
	}
	return nil
}

// Session is a sign-in session. Its token is known only to its holder; the
// store keeps the SHA-256.
type Session struct {
	ID        int64
	UserID    int64
	CreatedAt time.Time
	LastSeen  time.Time
	ExpiresAt time.Time
}

// CreateSession stores a new session for a user, ending at exp at the
// latest.
func (tx *Tx) CreateSession(ctx context.Context, userID int64, tokenHash []byte, exp time.Time) (Session, error) {
	s := Session{UserID: userID, CreatedAt: tx.now, LastSeen: tx.now, ExpiresAt: exp}
	err := tx.get(ctx, []any{&s.ID}, `INSERT INTO sessions (user_id, hash, created_at, last_seen, expires_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
		userID, tokenHash, micros(tx.now), micros(tx.now), micros(exp))
	if err != nil {
		return s, fmt.Errorf("store: create session: %w", err)
	}
	return s, nil
}

const sessionByHashQuery = `SELECT id, user_id, created_at, last_seen, expires_at, ended_at FROM sessions WHERE hash = ?`

// SessionByToken returns the live session with this token hash and its
// user. A session is live until it ends (logout), reaches its expiry, or
// stays unused for idle (0: no idle limit); a disabled user has none.
// Anything else is EUnauthorized, one message for all: a client learns
// only to sign in again.
func (tx *Tx) SessionByToken(ctx context.Context, tokenHash []byte, idle time.Duration) (Session, Account, error) {
	var s Session
	var created, seen, exp int64
	var ended sql.NullInt64
	err := tx.getPrepared(ctx, []any{&s.ID, &s.UserID, &created, &seen, &exp, &ended}, sessionByHashQuery, tokenHash)
	if errors.Is(err, sql.ErrNoRows) {
		return s, Account{}, evidence.Errorf(evidence.EUnauthorized, "err.auth.session_invalid")
	}
	if err != nil {
		return s, Account{}, fmt.Errorf("store: session: %w", err)
	}
	s.CreatedAt, s.LastSeen, s.ExpiresAt = fromMicros(created), fromMicros(seen), fromMicros(exp)
	if ended.Valid || !tx.now.Before(s.ExpiresAt) || idle > 0 && tx.now.Sub(s.LastSeen) >= idle {
		return s, Account{}, evidence.Errorf(evidence.EUnauthorized, "err.auth.session_invalid")
	}
	a, err := tx.Account(ctx, s.UserID)
	if err != nil {
		return s, a, err
	}
	if a.Disabled {
		return s, a, evidence.Errorf(evidence.EUnauthorized, "err.auth.session_invalid")
	}
	return s, a, nil
}

// TouchSession records that the session was used now, for the idle
// timeout.
func (tx *Tx) TouchSession(ctx context.Context, id int64) error {
	if err := tx.exec(ctx, `UPDATE sessions SET last_seen = ? WHERE id = ? AND last_seen < ?`, micros(tx.now), id, micros(tx.now)); err != nil {
		return fmt.Errorf("store: touch session %d: %w", id, err)
	}
	return nil
}

// EndSession ends a session now (logout).
func (tx *Tx) EndSession(ctx context.Context, id int64) error {
	if err := tx.exec(ctx, `UPDATE sessions SET ended_at = ? WHERE id = ? AND ended_at IS NULL`, micros(tx.now), id); err != nil {
		return fmt.Errorf("store: end session %d: %w", id, err)
	}
	return nil
}

// EndUserSessions ends every live session of a user except keep (0: all),
// e.g. the other sessions when the password changes.
func (tx *Tx) EndUserSessions(ctx context.Context, userID, keep int64) error {
	if err := tx.exec(ctx, `UPDATE sessions SET ended_at = ? WHERE user_id = ? AND id <> ? AND ended_at IS NULL`, micros(tx.now), userID, keep); err != nil {
		return fmt.Errorf("store: end sessions of user %d: %w", userID, err)
	}
	return nil
}
