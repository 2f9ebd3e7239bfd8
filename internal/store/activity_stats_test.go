package store

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"shilu/internal/audit"
	"shilu/internal/evidence"
)

// R-RPT-1: exports are found by action through the index on the entries'
// action column (migration 0025), not by reading the whole custody log.
func TestActionIndexUsed(t *testing.T) {
	sqliteOnly(t, "the plans of SQLite's query planner")
	ctx := context.Background()
	db, _ := openTest(t)
	err := db.Update(ctx, func(tx *Tx) error {
		for _, a := range []evidence.Action{"custody.export", "recording.content", "register.export", "custody.export"} {
			if _, err := tx.Audit(ctx, audit.Entry{Actor: "wangfang", Action: a, Object: "log", Outcome: audit.OutcomeOK}); err != nil {
				return err
			}
		}
		p, err := queryPlan(ctx, tx, `SELECT data FROM audit_entries WHERE action IN (?, ?) AND at >= ? AND at < ? ORDER BY idx`, "custody.export", "register.export", 0, 1)
		if err != nil {
			return err
		}
		if !strings.Contains(p, "audit_entries_action") {
			t.Errorf("query plan %q does not use audit_entries_action", p)
		}
		stats, err := tx.ActionStats(ctx, []evidence.Action{"custody.export", "register.export"}, tx.Now().Add(-time.Hour), tx.Now().Add(time.Hour))
		if err != nil {
			return err
		}
		if len(stats) != 3 {
			t.Errorf("%d export entries, want 3: %+v", len(stats), stats)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// queryPlan returns SQLite's plan for query q, its steps joined by "; ".
func queryPlan(ctx context.Context, tx *Tx, q string, args ...any) (string, error) {
	rows, err := tx.query(ctx, `EXPLAIN QUERY PLAN `+q, args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			return "", err
		}
		plan = append(plan, detail)
	}
	return strings.Join(plan, "; "), rows.Err()
}

// Issue 17: every query the evaluator runs in the writer answers from an
// index — at 2.7 M findings a scan per activity held the writer for
// seconds (COALESCE(activity_id, 0) = ? was one) — and the plan says so.
func TestEvaluatorQueriesUseIndexes(t *testing.T) {
	sqliteOnly(t, "the plans of SQLite's query planner")
	ctx := context.Background()
	db, _ := openTest(t)
	now := time.Now()
	keep := []any{"k1", "k2"}
	type query struct {
		name, q string
		args    []any
		index   string
	}
	var tests []query
	for _, id := range []int64{7, 0} {
		where, args := activityFindings(id)
		q, qargs := resolveQuery(now, where, args, keep)
		tests = append(tests, query{fmt.Sprintf("ResolveActivity%d", id), q, qargs, "findings_activity"})
	}
	q, args := resolveQuery(now, recordingAloneFindings, []any{int64(42)}, keep)
	tests = append(tests, query{"ResolveRecordingAlone", q, args, "finding_recordings_recording"},
		query{"ActivitiesToEvaluate", db.d.activitiesToEvaluate(), []any{micros(now), 0, 100, 0, 100, 100}, "activity_evaluations_next"})
	err := db.View(ctx, func(tx *Tx) error {
		for _, tt := range tests {
			p, err := queryPlan(ctx, tx, tt.q, tt.args...)
			if err != nil {
				return fmt.Errorf("%s: %w", tt.name, err)
			}
			if !strings.Contains(p, tt.index) || strings.Contains(p, "SCAN findings") || strings.Contains(p, "SCAN activit") {
				t.Errorf("%s: plan %q, want index %s and no scan", tt.name, p, tt.index)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Entries stored before migration 0025 (their action and time columns
// NULL) get them from their encoding when the store opens, so that the
// lookups by action still find them.
func TestEntryColumnsFilledAtOpen(t *testing.T) {
	ctx := context.Background()
	place := newPlace(t)
	skey, _, err := audit.GenerateKey("test/log")
	check(t, err)
	log, _, err := audit.NewLog("test/log", skey)
	check(t, err)
	db, err := openPlace(ctx, place, Options{Log: log})
	check(t, err)
	check(t, db.Update(ctx, func(tx *Tx) error {
		for _, a := range []evidence.Action{"custody.export", "recording.content", "custody.export"} {
			if _, err := tx.Audit(ctx, audit.Entry{Actor: "wangfang", Action: a, Object: "log", Outcome: audit.OutcomeOK}); err != nil {
				return err
			}
		}
		return tx.exec(ctx, `UPDATE audit_entries SET action = NULL, at = NULL`)
	}))
	closeDB(t, db)
	db, err = openPlace(ctx, place, Options{Log: log})
	check(t, err)
	defer closeDB(t, db)
	check(t, db.View(ctx, func(tx *Tx) error {
		stats, err := tx.ActionStats(ctx, []evidence.Action{"custody.export"}, tx.Now().Add(-time.Hour), tx.Now().Add(time.Hour))
		if err != nil {
			return err
		}
		if len(stats) != 2 || stats[0].Index != 0 || stats[1].Index != 2 {
			t.Errorf("exports after reopening: %+v, want entries 0 and 2", stats)
		}
		return nil
	}))
}
