package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"shilu/internal/blob"
	"shilu/internal/evidence"
)

// FixityItem is one original a fixity pass checks.
type FixityItem struct {
	ID      int64
	Digest  blob.Digest
	Size    int64
	Problem string // as the last check found it
}

// FixityBatch returns up to limit recordings not disposed of with an id
// above after, in id order: the next stretch of a fixity pass.
func (tx *Tx) FixityBatch(ctx context.Context, after int64, limit int) ([]FixityItem, error) {
	rows, err := tx.query(ctx, `SELECT id, digest, size, fixity_problem FROM recordings WHERE id > ? AND disposed_at IS NULL ORDER BY id LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("store: fixity batch: %w", err)
	}
	defer rows.Close()
	var out []FixityItem
	for rows.Next() {
		var it FixityItem
		var d []byte
		if err := rows.Scan(&it.ID, &d, &it.Size, &it.Problem); err != nil {
			return nil, fmt.Errorf("store: fixity batch: %w", err)
		}
		copy(it.Digest[:], d)
		out = append(out, it)
	}
	return out, rows.Err()
}

// SetFixity stores what the check of recording id found ("" intact).
func (tx *Tx) SetFixity(ctx context.Context, id int64, problem string) error {
	if err := tx.exec(ctx, `UPDATE recordings SET fixity_problem = ?, fixity_at = ? WHERE id = ?`, problem, micros(tx.now), id); err != nil {
		return fmt.Errorf("store: fixity of recording %d: %w", id, err)
	}
	return nil
}

// FixityState is the pass under way and the last one finished.
type FixityState struct {
	// Started is when the pass under way began; nil between passes.
	Started  *time.Time `json:"started,omitempty"`
	Cursor   int64      `json:"cursor"` // the last recording id checked in it
	Checked  int64      `json:"checked"`
	Bytes    int64      `json:"bytes"`
	Problems int64      `json:"problems"`
	// Last is the last finished pass.
	LastStarted, LastFinished *time.Time
	LastChecked, LastBytes    int64
	LastProblems              int64
	// Open counts the originals now found missing or changed; Total and
	// TotalBytes are what a pass covers.
	Open, Total, TotalBytes int64
}

// FixityState reads the fixity progress.
func (tx *Tx) FixityState(ctx context.Context) (FixityState, error) {
	var s FixityState
	var started, lastStarted, lastFinished sql.NullInt64
	err := tx.get(ctx, []any{&started, &s.Cursor, &s.Checked, &s.Bytes, &s.Problems, &lastStarted, &lastFinished, &s.LastChecked, &s.LastBytes, &s.LastProblems},
		`SELECT pass_started_at, cursor, checked, bytes, problems, last_started_at, last_finished_at, last_checked, last_bytes, last_problems FROM fixity_state WHERE id = 1`)
	if err != nil {
		return s, fmt.Errorf("store: fixity state: %w", err)
	}
	for _, p := range []struct {
		v   sql.NullInt64
		dst **time.Time
	}{{started, &s.Started}, {lastStarted, &s.LastStarted}, {lastFinished, &s.LastFinished}} {
		if p.v.Valid {
			t := fromMicros(p.v.Int64)
			*p.dst = &t
		}
	}
	err = tx.get(ctx, []any{&s.Open, &s.Total, &s.TotalBytes}, `SELECT COUNT(CASE WHEN fixity_problem <> '' THEN 1 END), COUNT(*), COALESCE(SUM(size), 0) FROM recordings WHERE disposed_at IS NULL`)
	if err != nil {
		return s, fmt.Errorf("store: fixity state: %w", err)
	}
	return s, nil
}

// StartFixityPass begins a pass at the transaction's time, unless one is
// under way (a restarted server goes on where it stopped).
func (tx *Tx) StartFixityPass(ctx context.Context) error {
	return tx.exec(ctx, `UPDATE fixity_state SET pass_started_at = ?, cursor = 0, checked = 0, bytes = 0, problems = 0 WHERE id = 1 AND pass_started_at IS NULL`, micros(tx.now))
}

// AdvanceFixityPass records a stretch of the pass under way.
func (tx *Tx) AdvanceFixityPass(ctx context.Context, cursor, checked, bytes, problems int64) error {
	return tx.exec(ctx, `UPDATE fixity_state SET cursor = ?, checked = checked + ?, bytes = bytes + ?, problems = problems + ? WHERE id = 1`,
		cursor, checked, bytes, problems)
}

// FinishFixityPass closes the pass under way as the last finished one.
func (tx *Tx) FinishFixityPass(ctx context.Context) error {
	return tx.exec(ctx, `UPDATE fixity_state SET last_started_at = pass_started_at, last_finished_at = ?, last_checked = checked, last_bytes = bytes,
		last_problems = problems, pass_started_at = NULL, cursor = 0, checked = 0, bytes = 0, problems = 0 WHERE id = 1`, micros(tx.now))
}

// FixityProblems lists up to limit recordings whose original the last
// check found missing or changed.
func (tx *Tx) FixityProblems(ctx context.Context, limit int) ([]evidence.Recording, error) {
	rows, err := tx.query(ctx, `SELECT `+recordingCols+` FROM recordings r JOIN users u ON u.id = r.uploader_id
		WHERE r.fixity_problem <> '' AND r.disposed_at IS NULL ORDER BY r.id LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("store: fixity problems: %w", err)
	}
	defer rows.Close()
	out := []evidence.Recording{}
	for rows.Next() {
		r, err := scanRecording(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("store: fixity problems: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
