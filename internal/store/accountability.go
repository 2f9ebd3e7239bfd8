package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"shilu/internal/evidence"
)

// accCols reads an accountability case with the names of the officer's
// department and of the accounts that opened, decided and closed it.
const accCols = `c.id, c.finding_id, c.officer, c.officer_id, c.department_id, COALESCE(d.name, ''), c.item, c.facts, c.consequence, c.status,
	c.statement, c.statement_at, c.decisions, c.decided_on, c.decision_note, COALESCE(ud.name, ''), c.decided_at,
	uo.name, c.opened_at, COALESCE(uc.name, ''), c.closed_at
	FROM accountability_cases c JOIN users uo ON uo.id = c.opened_by LEFT JOIN users ud ON ud.id = c.decided_by
	LEFT JOIN users uc ON uc.id = c.closed_by LEFT JOIN departments d ON d.id = c.department_id`

func scanAcc(scan func(...any) error) (evidence.AccountabilityCase, error) {
	var c evidence.AccountabilityCase
	var dept, stmtAt, decidedAt, closedAt sql.NullInt64
	var item, cons, status, decisions string
	var opened int64
	err := scan(&c.ID, &c.FindingID, &c.Officer, &c.OfficerID, &dept, &c.Department, &item, &c.Facts, &cons, &status,
		&c.Statement, &stmtAt, &decisions, &c.DecidedOn, &c.DecisionNote, &c.DecidedBy, &decidedAt,
		&c.OpenedBy, &opened, &c.ClosedBy, &closedAt)
	c.DepartmentID = fromNullInt(dept)
	c.Item, c.Consequence, c.Status = evidence.Art20Item(item), evidence.Consequence(cons), evidence.AccStatus(status)
	c.StatementAt, c.DecidedAt, c.ClosedAt, c.OpenedAt = fromNullMicros(stmtAt), fromNullMicros(decidedAt), fromNullMicros(closedAt), fromMicros(opened)
	c.Decisions = []evidence.AccDecision{}
	for _, d := range strings.Split(decisions, ",") {
		if d != "" {
			c.Decisions = append(c.Decisions, evidence.AccDecision(d))
		}
	}
	return c, err
}

// CreateAccountabilityCase stores a case opened by account byID at the
// transaction's time; a second case about the same finding and officer is
// EConflict.
func (tx *Tx) CreateAccountabilityCase(ctx context.Context, c evidence.AccountabilityCase, byID int64) (evidence.AccountabilityCase, error) {
	err := tx.get(ctx, []any{&c.ID}, `INSERT INTO accountability_cases (finding_id, officer, officer_id, department_id, item, facts, consequence, status,
		opened_by, opened_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, c.FindingID, c.Officer, c.OfficerID, nullInt(c.DepartmentID),
		string(c.Item), c.Facts, string(c.Consequence), string(evidence.AccOpened), byID, micros(tx.now))
	if isUniqueViolation(err) {
		return c, evidence.Errorf(evidence.EConflict, "err.acc.exists", c.FindingID, c.Officer)
	}
	if err != nil {
		return c, fmt.Errorf("store: open accountability case: %w", err)
	}
	return tx.AccountabilityCase(ctx, c.ID)
}

// AccountabilityCase returns case id; ENotFound if there is none.
func (tx *Tx) AccountabilityCase(ctx context.Context, id int64) (evidence.AccountabilityCase, error) {
	c, err := scanAcc(tx.tx.QueryRowContext(ctx, tx.d.rebind(`SELECT `+accCols+` WHERE c.id = ?`), id).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return c, evidence.Errorf(evidence.ENotFound, "err.acc.not_found", id)
	}
	if err != nil {
		return c, fmt.Errorf("store: accountability case %d: %w", id, err)
	}
	return c, nil
}

// AccFilter selects accountability cases; zero fields do not filter.
type AccFilter struct {
	// Scope narrows to the cases of one officer's account (Only) or of the
	// accounts a leader leads (LedBy).
	Scope     Scope
	FindingID int64
	Status    evidence.AccStatus
	// Before pages by id, newest first.
	Before int64
	Limit  int // default 50
}

// AccountabilityCases lists cases newest first.
func (tx *Tx) AccountabilityCases(ctx context.Context, f AccFilter) ([]evidence.AccountabilityCase, error) {
	scope, args := f.Scope.where("c.officer_id")
	where := []string{scope}
	if f.FindingID != 0 {
		where, args = append(where, "c.finding_id = ?"), append(args, f.FindingID)
	}
	if f.Status != "" {
		where, args = append(where, "c.status = ?"), append(args, string(f.Status))
	}
	if f.Before != 0 {
		where, args = append(where, "c.id < ?"), append(args, f.Before)
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	rows, err := tx.query(ctx, `SELECT `+accCols+` WHERE `+strings.Join(where, " AND ")+` ORDER BY c.id DESC LIMIT ?`, append(args, f.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("store: accountability cases: %w", err)
	}
	defer rows.Close()
	list := []evidence.AccountabilityCase{}
	for rows.Next() {
		c, err := scanAcc(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("store: accountability cases: %w", err)
		}
		list = append(list, c)
	}
	return list, rows.Err()
}

// AccountabilityCounts counts the cases about each of the findings ids
// (those a list of findings shows).
func (tx *Tx) AccountabilityCounts(ctx context.Context, ids []int64) (map[int64]int, error) {
	out := map[int64]int{}
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := tx.query(ctx, `SELECT finding_id, COUNT(*) FROM accountability_cases WHERE finding_id IN (`+placeholders(len(ids))+`) GROUP BY finding_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: accountability counts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, fmt.Errorf("store: accountability counts: %w", err)
		}
		out[id] = n
	}
	return out, rows.Err()
}

// setAcc updates case id if it stands in one of from; EConflict otherwise
// (someone else moved it first).
func (tx *Tx) setAcc(ctx context.Context, id int64, from []evidence.AccStatus, set string, args ...any) error {
	q := `UPDATE accountability_cases SET ` + set + ` WHERE id = ? AND status IN (` + placeholders(len(from)) + `)`
	args = append(args, id)
	for _, s := range from {
		args = append(args, string(s))
	}
	res, err := tx.tx.ExecContext(ctx, tx.d.rebind(q), args...)
	if err != nil {
		return fmt.Errorf("store: accountability case %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		c, err := tx.AccountabilityCase(ctx, id)
		if err != nil {
			return err
		}
		return evidence.Errorf(evidence.EConflict, "err.acc.state", evidence.Msg("acc.status."+string(c.Status)))
	}
	return nil
}

// SetAccStatement stores the officer's statement: the first moves the case
// to statement, a later one (before the decision) replaces it.
func (tx *Tx) SetAccStatement(ctx context.Context, id int64, text string) error {
	return tx.setAcc(ctx, id, []evidence.AccStatus{evidence.AccOpened, evidence.AccStatement},
		`statement = ?, statement_at = ?, status = ?`, text, micros(tx.now), string(evidence.AccStatement))
}

// DecideAcc records the decision of Art. 21 by account byID.
func (tx *Tx) DecideAcc(ctx context.Context, id int64, ds []evidence.AccDecision, on, note string, byID int64) error {
	codes := make([]string, len(ds))
	for i, d := range ds {
		codes[i] = string(d)
	}
	return tx.setAcc(ctx, id, []evidence.AccStatus{evidence.AccStatement},
		`decisions = ?, decided_on = ?, decision_note = ?, decided_by = ?, decided_at = ?, status = ?`,
		strings.Join(codes, ","), on, note, byID, micros(tx.now), string(evidence.AccDecided))
}

// CloseAcc closes a decided case, by account byID.
func (tx *Tx) CloseAcc(ctx context.Context, id int64, byID int64) error {
	return tx.setAcc(ctx, id, []evidence.AccStatus{evidence.AccDecided}, `closed_by = ?, closed_at = ?, status = ?`, byID, micros(tx.now), string(evidence.AccClosed))
}
