package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"shilu/internal/evidence"
)

// caseCols reads a case with its department's name, its creator's name and
// the counts of what is attached; officers are read apart (caseOfficers).
const caseCols = `c.id, c.number, c.title, c.parties, c.department_id, COALESCE(d.name, ''), c.status, c.retention_years,
	u.name, c.created_at, c.updated_at,
	(SELECT COUNT(*) FROM case_items i WHERE i.case_id = c.id AND i.kind = 'recording'),
	(SELECT COUNT(*) FROM case_items i WHERE i.case_id = c.id AND i.kind = 'activity')
	FROM cases c JOIN users u ON u.id = c.created_by LEFT JOIN departments d ON d.id = c.department_id`

func scanCase(scan func(...any) error) (evidence.Case, error) {
	var c evidence.Case
	var dept sql.NullInt64
	var status string
	var created, updated int64
	err := scan(&c.ID, &c.Number, &c.Title, &c.Parties, &dept, &c.Department, &status, &c.RetentionYears,
		&c.CreatedBy, &created, &updated, &c.Recordings, &c.Activities)
	c.Status, c.CreatedAt, c.UpdatedAt = evidence.CaseStatus(status), fromMicros(created), fromMicros(updated)
	if dept.Valid {
		c.DepartmentID = &dept.Int64
	}
	return c, err
}

// CreateCase stores a new case by account byID; a number already taken is
// EConflict.
func (tx *Tx) CreateCase(ctx context.Context, c evidence.Case, byID int64) (evidence.Case, error) {
	err := tx.tryGet(ctx, []any{&c.ID}, `INSERT INTO cases (number, title, parties, department_id, status, retention_years, created_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, c.Number, c.Title, c.Parties, c.DepartmentID, string(c.Status), c.RetentionYears,
		byID, micros(tx.now), micros(tx.now))
	if isUniqueViolation(err) {
		return c, evidence.Errorf(evidence.EConflict, "err.case.number_taken", c.Number)
	}
	if err != nil {
		return c, fmt.Errorf("store: create case: %w", err)
	}
	if err := tx.setCaseOfficers(ctx, c.ID, c.Officers); err != nil {
		return c, err
	}
	return tx.Case(ctx, c.ID)
}

func (tx *Tx) setCaseOfficers(ctx context.Context, id int64, officers []string) error {
	if err := tx.exec(ctx, `DELETE FROM case_officers WHERE case_id = ?`, id); err != nil {
		return fmt.Errorf("store: officers of case %d: %w", id, err)
	}
	for i, o := range officers {
		if err := tx.exec(ctx, `INSERT INTO case_officers (case_id, officer, position) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, id, o, i); err != nil {
			return fmt.Errorf("store: officers of case %d: %w", id, err)
		}
	}
	return nil
}

// UpdateCase stores c's title, parties, officers, department and
// retention; its number and status stay (SetCaseStatus).
func (tx *Tx) UpdateCase(ctx context.Context, c evidence.Case) (evidence.Case, error) {
	err := tx.exec(ctx, `UPDATE cases SET title = ?, parties = ?, department_id = ?, retention_years = ?, updated_at = ? WHERE id = ?`,
		c.Title, c.Parties, c.DepartmentID, c.RetentionYears, micros(tx.now), c.ID)
	if err != nil {
		return c, fmt.Errorf("store: update case %d: %w", c.ID, err)
	}
	if err := tx.setCaseOfficers(ctx, c.ID, c.Officers); err != nil {
		return c, err
	}
	return tx.Case(ctx, c.ID)
}

// SetCaseStatus moves case id to status; archiving (归档) keeps the
// moment, from which the file's retention counts (R-RET-2).
func (tx *Tx) SetCaseStatus(ctx context.Context, id int64, status evidence.CaseStatus) error {
	if err := tx.exec(ctx, `UPDATE cases SET status = ?, updated_at = ?, archived_at = CASE WHEN ? = 'archived' THEN ? ELSE archived_at END WHERE id = ?`,
		string(status), micros(tx.now), string(status), micros(tx.now), id); err != nil {
		return fmt.Errorf("store: status of case %d: %w", id, err)
	}
	return nil
}

// Case returns case id; ENotFound if there is none.
func (tx *Tx) Case(ctx context.Context, id int64) (evidence.Case, error) {
	return tx.oneCase(ctx, `c.id = ?`, id)
}

// CaseByNumber returns the case numbered number; ENotFound if none is.
func (tx *Tx) CaseByNumber(ctx context.Context, number string) (evidence.Case, error) {
	return tx.oneCase(ctx, `c.number = ?`, number)
}

func (tx *Tx) oneCase(ctx context.Context, where string, arg any) (evidence.Case, error) {
	c, err := scanCase(tx.tx.QueryRowContext(ctx, tx.d.rebind(`SELECT `+caseCols+` WHERE `+where), arg).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return c, evidence.Errorf(evidence.ENotFound, "err.case.not_found", fmt.Sprint(arg))
	}
	if err != nil {
		return c, fmt.Errorf("store: case %v: %w", arg, err)
	}
	if c.Officers, err = tx.caseOfficers(ctx, c.ID); err != nil {
		return c, err
	}
	return c, nil
}

func (tx *Tx) caseOfficers(ctx context.Context, id int64) ([]string, error) {
	rows, err := tx.query(ctx, `SELECT officer FROM case_officers WHERE case_id = ? ORDER BY position`, id)
	if err != nil {
		return nil, fmt.Errorf("store: officers of case %d: %w", id, err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var o string
		if err := rows.Scan(&o); err != nil {
			return nil, fmt.Errorf("store: officers of case %d: %w", id, err)
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// CaseFilter selects cases; zero fields do not filter.
type CaseFilter struct {
	Status evidence.CaseStatus
	// Officer is a handling officer's number.
	Officer string
	// Query matches the number or the title.
	Query string
	// Before pages by id, newest first: the cases with a smaller id.
	Before int64
	Limit  int // default 50
}

// Cases lists cases newest first, a page at a time (keyset paging on id).
func (tx *Tx) Cases(ctx context.Context, f CaseFilter) ([]evidence.Case, error) {
	var where []string
	var args []any
	if f.Status != "" {
		where, args = append(where, `c.status = ?`), append(args, string(f.Status))
	}
	if f.Officer != "" {
		where, args = append(where, `c.id IN (SELECT case_id FROM case_officers WHERE officer = ?)`), append(args, f.Officer)
	}
	if f.Query != "" {
		like := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(f.Query) + "%"
		where, args = append(where, `(c.number `+tx.d.like+` ? ESCAPE '\' OR c.title `+tx.d.like+` ? ESCAPE '\')`), append(args, like, like)
	}
	if f.Before > 0 {
		where, args = append(where, `c.id < ?`), append(args, f.Before)
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	q := `SELECT ` + caseCols
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	rows, err := tx.query(ctx, q+` ORDER BY c.id DESC LIMIT ?`, append(args, f.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("store: cases: %w", err)
	}
	var out []evidence.Case
	for rows.Next() {
		c, err := scanCase(rows.Scan)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: cases: %w", err)
		}
		out = append(out, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: cases: %w", err)
	}
	for i := range out {
		if out[i].Officers, err = tx.caseOfficers(ctx, out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// CaseItem is a recording or an activity in a case file.
type CaseItem struct {
	Kind       string    `json:"kind"` // evidence.CaseItemRecording, CaseItemActivity
	ID         int64     `json:"id"`
	AttachedBy string    `json:"attached_by"`
	AttachedAt time.Time `json:"attached_at"`
}

// AttachToCase puts item id of kind into case caseID's file; one already
// there is EConflict.
func (tx *Tx) AttachToCase(ctx context.Context, caseID int64, kind string, id, byID int64) error {
	err := tx.tryExec(ctx, `INSERT INTO case_items (case_id, kind, item_id, attached_by, attached_at) VALUES (?, ?, ?, ?, ?)`,
		caseID, kind, id, byID, micros(tx.now))
	if isUniqueViolation(err) {
		return evidence.Errorf(evidence.EConflict, "err.case.attached", evidence.Msg("case.item."+kind), id)
	}
	if err != nil {
		return fmt.Errorf("store: attach %s %d to case %d: %w", kind, id, caseID, err)
	}
	return nil
}

// DetachFromCase takes item id of kind out of case caseID's file; one not
// there is ENotFound.
func (tx *Tx) DetachFromCase(ctx context.Context, caseID int64, kind string, id int64) error {
	res, err := tx.tx.ExecContext(ctx, tx.d.rebind(`DELETE FROM case_items WHERE case_id = ? AND kind = ? AND item_id = ?`), caseID, kind, id)
	if err != nil {
		return fmt.Errorf("store: detach %s %d from case %d: %w", kind, id, caseID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return evidence.Errorf(evidence.ENotFound, "err.case.not_attached", evidence.Msg("case.item."+kind), id)
	}
	return nil
}

// CaseItems returns what case id's file holds, in the order attached.
func (tx *Tx) CaseItems(ctx context.Context, id int64) ([]CaseItem, error) {
	rows, err := tx.query(ctx, `SELECT i.kind, i.item_id, u.name, i.attached_at FROM case_items i JOIN users u ON u.id = i.attached_by
		WHERE i.case_id = ? ORDER BY i.attached_at, i.kind, i.item_id`, id)
	if err != nil {
		return nil, fmt.Errorf("store: items of case %d: %w", id, err)
	}
	defer rows.Close()
	out := []CaseItem{}
	for rows.Next() {
		var it CaseItem
		var at int64
		if err := rows.Scan(&it.Kind, &it.ID, &it.AttachedBy, &at); err != nil {
			return nil, fmt.Errorf("store: items of case %d: %w", id, err)
		}
		it.AttachedAt = fromMicros(at)
		out = append(out, it)
	}
	return out, rows.Err()
}

// CasesOf returns the ids of the cases whose file holds item id of kind.
func (tx *Tx) CasesOf(ctx context.Context, kind string, id int64) ([]int64, error) {
	return tx.ids(ctx, `SELECT case_id FROM case_items WHERE kind = ? AND item_id = ? ORDER BY case_id`, kind, id)
}

// CaseRecordingIDs returns the recordings of case id's file: those
// attached, and those linked to an activity attached.
func (tx *Tx) CaseRecordingIDs(ctx context.Context, id int64) ([]int64, error) {
	return tx.ids(ctx, `SELECT item_id FROM case_items WHERE case_id = ? AND kind = 'recording'
		UNION SELECT l.recording_id FROM case_items i JOIN activity_recordings l ON l.activity_id = i.item_id
			WHERE i.case_id = ? AND i.kind = 'activity'
		ORDER BY 1`, id, id)
}
