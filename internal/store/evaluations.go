package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"shilu/internal/evidence"
)

// PutEvaluation keeps the latest evaluation of an activity: the record the
// dashboard aggregates (opaque here; compliance.Record in JSON) and next,
// when time alone will change the result (nil: never).
func (tx *Tx) PutEvaluation(ctx context.Context, activityID int64, arrival time.Time, next *time.Time, record []byte) error {
	var nextAt any
	if next != nil {
		nextAt = micros(*next)
	}
	err := tx.exec(ctx, `INSERT INTO activity_evaluations (activity_id, arrival, evaluated_at, next_at, record) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (activity_id) DO UPDATE SET arrival = excluded.arrival, evaluated_at = excluded.evaluated_at,
		next_at = excluded.next_at, record = excluded.record`, activityID, micros(arrival), micros(tx.now), nextAt, string(record))
	if err != nil {
		return fmt.Errorf("store: put evaluation of activity %d: %w", activityID, err)
	}
	return tx.dequeueEvaluation(ctx, activityID)
}

// dequeueEvaluation takes an evaluated (or voided) activity off the
// evaluation queue.
func (tx *Tx) dequeueEvaluation(ctx context.Context, activityID int64) error {
	if err := tx.exec(ctx, `DELETE FROM evaluation_queue WHERE activity_id = ?`, activityID); err != nil {
		return fmt.Errorf("store: dequeue evaluation of activity %d: %w", activityID, err)
	}
	return nil
}

// DropEvaluation forgets the evaluation of an activity, which then counts
// in no figure of the dashboard: a voided activity's.
func (tx *Tx) DropEvaluation(ctx context.Context, activityID int64) error {
	if err := tx.exec(ctx, `DELETE FROM activity_evaluations WHERE activity_id = ?`, activityID); err != nil {
		return fmt.Errorf("store: drop evaluation of activity %d: %w", activityID, err)
	}
	return tx.dequeueEvaluation(ctx, activityID)
}

// ActivitiesToEvaluate returns, in id order after the id after, up to
// limit activities whose evaluation is due at the transaction's time — a
// deadline has passed since the last one — or that wait in the evaluation
// queue, never evaluated (stored before evaluations were kept, or their
// evaluations dropped by a migration). The cursor lets a caller move past
// an activity it failed on.
func (tx *Tx) ActivitiesToEvaluate(ctx context.Context, after int64, limit int) ([]int64, error) {
	// Each branch answers from an index (evaluations by next_at, the
	// queue by id) and stops at limit: the evaluator runs every few
	// seconds in the writer, beside a million activities. Without
	// INDEXED BY, SQLite may walk the evaluations by id from after, i.e.
	// all of them, to find the few that are due.
	return tx.ids(ctx, tx.d.activitiesToEvaluate(), micros(tx.now), after, limit, after, limit, limit)
}

func (d dialect) activitiesToEvaluate() string {
	return `SELECT id FROM (
	SELECT * FROM (SELECT activity_id AS id FROM activity_evaluations ` + d.indexedBy("activity_evaluations_next") + ` WHERE next_at IS NOT NULL AND next_at <= ? AND activity_id > ?
		ORDER BY activity_id LIMIT ?) AS due
	UNION SELECT * FROM (SELECT activity_id AS id FROM evaluation_queue WHERE activity_id > ? ORDER BY activity_id LIMIT ?) AS queued
	) AS ids ORDER BY id LIMIT ?`
}

// EvaluationRecord is one stored evaluation.
type EvaluationRecord struct {
	ActivityID int64
	Record     []byte
}

// EvaluationRecords returns the stored evaluations of the activities that
// arrived in [from, to).
func (tx *Tx) EvaluationRecords(ctx context.Context, from, to time.Time) ([]EvaluationRecord, error) {
	rows, err := tx.query(ctx, `SELECT activity_id, record FROM activity_evaluations WHERE arrival >= ? AND arrival < ?`, micros(from), micros(to))
	if err != nil {
		return nil, fmt.Errorf("store: evaluations: %w", err)
	}
	defer rows.Close()
	var out []EvaluationRecord
	for rows.Next() {
		var r EvaluationRecord
		if err := rows.Scan(&r.ActivityID, &r.Record); err != nil {
			return nil, fmt.Errorf("store: evaluations: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// EvaluationRecordsOf returns the stored evaluations of the given
// activities by id; an activity never evaluated is missing.
func (tx *Tx) EvaluationRecordsOf(ctx context.Context, ids []int64) (map[int64][]byte, error) {
	out := make(map[int64][]byte, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := tx.query(ctx, `SELECT activity_id, record FROM activity_evaluations WHERE activity_id IN (`+placeholders(len(ids))+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: evaluations: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var rec []byte
		if err := rows.Scan(&id, &rec); err != nil {
			return nil, fmt.Errorf("store: evaluations: %w", err)
		}
		out[id] = rec
	}
	return out, rows.Err()
}

// OpenFindingCounts returns, per activity of ids, how many of its findings
// are open and still fire.
func (tx *Tx) OpenFindingCounts(ctx context.Context, ids []int64) (map[int64]int, error) {
	out := make(map[int64]int, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	args := []any{string(evidence.FindingOpen)}
	for _, id := range ids {
		args = append(args, id)
	}
	rows, err := tx.query(ctx, `SELECT activity_id, COUNT(*) FROM findings WHERE status = ? AND resolved_at IS NULL
		AND activity_id IN (`+placeholders(len(ids))+`) GROUP BY activity_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: open findings: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, fmt.Errorf("store: open findings: %w", err)
		}
		out[id] = n
	}
	return out, rows.Err()
}

// FindingStates returns, per activity arrived in [from, to), the findings
// that still fire with their current status; only rule, officer and status
// are filled: what the dashboard counts.
func (tx *Tx) FindingStates(ctx context.Context, from, to time.Time) (map[int64][]evidence.Finding, error) {
	rows, err := tx.query(ctx, `SELECT f.activity_id, f.rule, f.officer, f.status FROM findings f
		JOIN activity_evaluations e ON e.activity_id = f.activity_id
		WHERE e.arrival >= ? AND e.arrival < ? AND f.resolved_at IS NULL`, micros(from), micros(to))
	if err != nil {
		return nil, fmt.Errorf("store: finding states: %w", err)
	}
	defer rows.Close()
	out := map[int64][]evidence.Finding{}
	for rows.Next() {
		var f evidence.Finding
		var status string
		if err := rows.Scan(&f.ActivityID, &f.Rule, &f.Officer, &status); err != nil {
			return nil, fmt.Errorf("store: finding states: %w", err)
		}
		f.Status = evidence.FindingStatus(status)
		out[f.ActivityID] = append(out[f.ActivityID], f)
	}
	return out, rows.Err()
}

// OrphansBetween returns the recordings linked to no activity (R-USE-1)
// made in [from, to) — by their recorded start, or their ingest when the
// start is unknown — with only ID, Officer, RecordedStart and IngestedAt:
// what the dashboard counts. recordings.links (migration 0008) and its
// partial indexes make this cost the orphans, not all recordings.
func (tx *Tx) OrphansBetween(ctx context.Context, from, to time.Time) ([]evidence.Recording, error) {
	rows, err := tx.query(ctx, `SELECT id, officer, recorded_start, ingested_at FROM recordings
		WHERE links = 0 AND recorded_start >= ? AND recorded_start < ?
		UNION ALL SELECT id, officer, recorded_start, ingested_at FROM recordings
		WHERE links = 0 AND recorded_start IS NULL AND ingested_at >= ? AND ingested_at < ?`,
		micros(from), micros(to), micros(from), micros(to))
	if err != nil {
		return nil, fmt.Errorf("store: orphans: %w", err)
	}
	defer rows.Close()
	var out []evidence.Recording
	for rows.Next() {
		var r evidence.Recording
		var start sql.NullInt64
		var ingested int64
		if err := rows.Scan(&r.ID, &r.Officer, &start, &ingested); err != nil {
			return nil, fmt.Errorf("store: orphans: %w", err)
		}
		r.RecordedStart, r.IngestedAt = fromNullMicros(start), fromMicros(ingested)
		out = append(out, r)
	}
	return out, rows.Err()
}

// ActivitiesOfRecording returns the activities a recording is linked to.
func (tx *Tx) ActivitiesOfRecording(ctx context.Context, recordingID int64) ([]int64, error) {
	return tx.ids(ctx, `SELECT activity_id FROM activity_recordings WHERE recording_id = ? ORDER BY activity_id`, recordingID)
}
