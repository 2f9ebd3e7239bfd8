package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"shilu/internal/evidence"
)

// deptSubtree is the recursive part of a query over the departments at and
// under the department bound to its one parameter (cast, so that a dialect
// that types parameters knows the seed's type).
const deptSubtree = `WITH RECURSIVE sub(id) AS (SELECT CAST(? AS BIGINT) UNION SELECT d.id FROM departments d JOIN sub ON d.parent_id = sub.id) `

// SpotPopulation returns, in id order, the activities (not voided) that
// arrived in [from, to) with an officer of department dept or one under it,
// and the recordings started in [from, to) by such an officer: what a
// spot check of that department and month draws from.
func (tx *Tx) SpotPopulation(ctx context.Context, dept int64, from, to time.Time) (activities, recordings []int64, err error) {
	activities, err = tx.ids(ctx, deptSubtree+`SELECT DISTINCT a.id FROM activities a JOIN activity_officers o ON o.activity_id = a.id
		JOIN users u ON u.officer_no = o.officer WHERE u.department_id IN (SELECT id FROM sub) AND a.arrival >= ? AND a.arrival < ?
		AND a.voided_at IS NULL ORDER BY a.id`, dept, micros(from), micros(to))
	if err != nil {
		return nil, nil, fmt.Errorf("store: spot-check activities: %w", err)
	}
	recordings, err = tx.ids(ctx, deptSubtree+`SELECT r.id FROM recordings r JOIN users u ON u.officer_no = r.officer
		WHERE r.officer <> '' AND u.department_id IN (SELECT id FROM sub) AND r.recorded_start >= ? AND r.recorded_start < ? ORDER BY r.id`,
		dept, micros(from), micros(to))
	if err != nil {
		return nil, nil, fmt.Errorf("store: spot-check recordings: %w", err)
	}
	return activities, recordings, nil
}

// CreateSpotCheck stores a drawn sample by account byID at the
// transaction's time; a second draw for the same department and month is
// EConflict.
func (tx *Tx) CreateSpotCheck(ctx context.Context, s evidence.SpotCheck, byID int64) (evidence.SpotCheck, error) {
	err := tx.get(ctx, []any{&s.ID}, `INSERT INTO spot_checks (department_id, month, seed, size, population_activities, population_recordings,
		drawn_by, drawn_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, s.DepartmentID, s.Month, s.Seed, s.Size, s.PopActivities, s.PopRecordings,
		byID, micros(tx.now))
	if isUniqueViolation(err) {
		return s, evidence.Errorf(evidence.EConflict, "err.spot.drawn", s.Month)
	}
	if err != nil {
		return s, fmt.Errorf("store: spot check: %w", err)
	}
	for _, it := range s.Items {
		if err := tx.exec(ctx, `INSERT INTO spot_check_items (spot_check_id, kind, object_id, reviewer_id) VALUES (?, ?, ?, ?)`,
			s.ID, it.Kind, it.ObjectID, it.ReviewerID); err != nil {
			return s, fmt.Errorf("store: spot check %d item: %w", s.ID, err)
		}
	}
	return tx.SpotCheck(ctx, s.ID)
}

const spotCols = `s.id, s.department_id, d.name, s.month, s.seed, s.size, s.population_activities, s.population_recordings, u.name, s.drawn_at
	FROM spot_checks s JOIN departments d ON d.id = s.department_id JOIN users u ON u.id = s.drawn_by`

func scanSpot(scan func(...any) error) (evidence.SpotCheck, error) {
	var s evidence.SpotCheck
	var drawn int64
	err := scan(&s.ID, &s.DepartmentID, &s.Department, &s.Month, &s.Seed, &s.Size, &s.PopActivities, &s.PopRecordings, &s.DrawnBy, &drawn)
	s.DrawnAt = fromMicros(drawn)
	return s, err
}

// SpotCheck returns spot check id with its items, activities first, each
// kind in id order.
func (tx *Tx) SpotCheck(ctx context.Context, id int64) (evidence.SpotCheck, error) {
	s, err := scanSpot(tx.tx.QueryRowContext(ctx, tx.d.rebind(`SELECT `+spotCols+` WHERE s.id = ?`), id).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return s, evidence.Errorf(evidence.ENotFound, "err.spot.not_found", id)
	}
	if err != nil {
		return s, fmt.Errorf("store: spot check %d: %w", id, err)
	}
	s.Items, err = tx.spotItems(ctx, `i.spot_check_id = ? ORDER BY i.kind, i.object_id`, id)
	return s, err
}

// SpotItem returns one sampled item.
func (tx *Tx) SpotItem(ctx context.Context, id int64) (evidence.SpotItem, error) {
	list, err := tx.spotItems(ctx, `i.id = ?`, id)
	if err != nil {
		return evidence.SpotItem{}, err
	}
	if len(list) == 0 {
		return evidence.SpotItem{}, evidence.Errorf(evidence.ENotFound, "err.spot.item_not_found", id)
	}
	return list[0], nil
}

func (tx *Tx) spotItems(ctx context.Context, where string, args ...any) ([]evidence.SpotItem, error) {
	rows, err := tx.query(ctx, `SELECT i.id, i.spot_check_id, i.kind, i.object_id, i.reviewer_id, u.name, i.answers, i.note, i.reviewed_at
		FROM spot_check_items i JOIN users u ON u.id = i.reviewer_id WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("store: spot-check items: %w", err)
	}
	defer rows.Close()
	list := []evidence.SpotItem{}
	for rows.Next() {
		var it evidence.SpotItem
		var answers string
		var reviewed sql.NullInt64
		if err := rows.Scan(&it.ID, &it.SpotCheckID, &it.Kind, &it.ObjectID, &it.ReviewerID, &it.Reviewer, &answers, &it.Note, &reviewed); err != nil {
			return nil, fmt.Errorf("store: spot-check items: %w", err)
		}
		it.Answers, it.ReviewedAt = evidence.DecodeAnswers(answers), fromNullMicros(reviewed)
		list = append(list, it)
	}
	return list, rows.Err()
}

// SpotChecks lists spot checks, the latest month first, with their items.
func (tx *Tx) SpotChecks(ctx context.Context, limit int) ([]evidence.SpotCheck, error) {
	rows, err := tx.query(ctx, `SELECT `+spotCols+` ORDER BY s.month DESC, d.name, s.id LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("store: spot checks: %w", err)
	}
	list := []evidence.SpotCheck{}
	for rows.Next() {
		s, err := scanSpot(rows.Scan)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: spot checks: %w", err)
		}
		list = append(list, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: spot checks: %w", err)
	}
	for i := range list {
		if list[i].Items, err = tx.spotItems(ctx, `i.spot_check_id = ? ORDER BY i.kind, i.object_id`, list[i].ID); err != nil {
			return nil, err
		}
	}
	return list, nil
}

// ReviewSpotItem stores a review of item id; EConflict if it was reviewed
// already.
func (tx *Tx) ReviewSpotItem(ctx context.Context, id int64, answers, note string) error {
	res, err := tx.tx.ExecContext(ctx, tx.d.rebind(`UPDATE spot_check_items SET answers = ?, note = ?, reviewed_at = ? WHERE id = ? AND reviewed_at IS NULL`),
		answers, note, micros(tx.now), id)
	if err != nil {
		return fmt.Errorf("store: review spot-check item %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		if _, err := tx.SpotItem(ctx, id); err != nil {
			return err
		}
		return evidence.Errorf(evidence.EConflict, "err.spot.reviewed", id)
	}
	return nil
}

// SpotReviewer is an account that may review spot-check items: the legal
// office, or a department head (for the departments at and under theirs).
type SpotReviewer struct {
	ID           int64         `json:"id"`
	Name         string        `json:"name"`
	Label        string        `json:"label"`
	Role         evidence.Role `json:"role"`
	DepartmentID *int64        `json:"department_id,omitempty"`
}

// SpotReviewers lists the enabled accounts of the legal office and the
// department heads, by name.
func (tx *Tx) SpotReviewers(ctx context.Context) ([]SpotReviewer, error) {
	rows, err := tx.query(ctx, `SELECT id, name, COALESCE(display_name, ''), role, department_id FROM users
		WHERE role IN (?, ?) AND disabled = ? ORDER BY name`, string(evidence.RoleLegal), string(evidence.RoleDeptHead), false)
	if err != nil {
		return nil, fmt.Errorf("store: spot-check reviewers: %w", err)
	}
	defer rows.Close()
	list := []SpotReviewer{}
	for rows.Next() {
		var r SpotReviewer
		var display, role string
		var dept sql.NullInt64
		if err := rows.Scan(&r.ID, &r.Name, &display, &role, &dept); err != nil {
			return nil, fmt.Errorf("store: spot-check reviewers: %w", err)
		}
		r.Role, r.DepartmentID, r.Label = evidence.Role(role), fromNullInt(dept), evidence.User{Name: r.Name, DisplayName: display}.Label()
		list = append(list, r)
	}
	return list, rows.Err()
}
