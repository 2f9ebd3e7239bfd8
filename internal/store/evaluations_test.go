package store

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"shilu/internal/blob"
	"shilu/internal/evidence"
)

// Stored evaluations: the activities due for re-evaluation are those never
// evaluated and those whose deadline has passed; the dashboard reads the
// records, the findings still firing and the orphans of a period.
func TestEvaluations(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	f := newActivityFixture(t, db) // the clock stands at the arrival, 09:00 CST
	err := db.Update(ctx, func(tx *Tx) error {
		due, err := tx.ActivitiesToEvaluate(ctx, 0, 10)
		if err != nil {
			return err
		}
		if !slices.Equal(due, []int64{f.act.ID}) {
			t.Errorf("due before any evaluation: %v, want the activity", due)
		}
		later := tx.Now().Add(time.Hour)
		if err := tx.PutEvaluation(ctx, f.act.ID, f.act.Arrival, &later, []byte(`{"o":["000123"]}`)); err != nil {
			return err
		}
		if due, err = tx.ActivitiesToEvaluate(ctx, 0, 10); err != nil || len(due) != 0 {
			t.Errorf("due with the deadline ahead: %v %v", due, err)
		}
		past := tx.Now().Add(-time.Second)
		if err := tx.PutEvaluation(ctx, f.act.ID, f.act.Arrival, &past, []byte(`{"o":["000124"]}`)); err != nil {
			return err
		}
		if due, err = tx.ActivitiesToEvaluate(ctx, 0, 10); err != nil || !slices.Equal(due, []int64{f.act.ID}) {
			t.Errorf("due with the deadline passed: %v %v", due, err)
		}
		if err := tx.PutEvaluation(ctx, f.act.ID, f.act.Arrival, nil, []byte(`{"o":["000123","000124"]}`)); err != nil {
			return err
		}
		if due, err = tx.ActivitiesToEvaluate(ctx, 0, 10); err != nil || len(due) != 0 {
			t.Errorf("due with nothing left to pass: %v %v", due, err)
		}

		recs, err := tx.EvaluationRecords(ctx, f.act.Arrival, f.act.Arrival.Add(time.Minute))
		if err != nil {
			return err
		}
		if diff := cmp.Diff([]EvaluationRecord{{f.act.ID, []byte(`{"o":["000123","000124"]}`)}}, recs); diff != "" {
			t.Errorf("records (-want +got):\n%s", diff)
		}
		if recs, err = tx.EvaluationRecords(ctx, f.act.Arrival.Add(time.Minute), f.act.Arrival.Add(time.Hour)); err != nil || len(recs) != 0 {
			t.Errorf("records outside the period: %v %v", recs, err)
		}

		if err := tx.SyncFindings(ctx, f.act.ID, []evidence.Finding{
			{Key: "k1", Rule: "coverage_gap", Article: "Art. 11", Officer: "000123", ActivityID: f.act.ID, Evidence: evidence.Msg("e"), Status: evidence.FindingOpen, Severity: evidence.SeverityWarning},
			{Key: "k2", Rule: "notice_missing", Article: "Art. 8", ActivityID: f.act.ID, Evidence: evidence.Msg("e"), Status: evidence.FindingOpen, Severity: evidence.SeverityWarning},
		}); err != nil {
			return err
		}
		// k2 no longer fires: resolved, so no longer counted.
		if err := tx.SyncFindings(ctx, f.act.ID, []evidence.Finding{
			{Key: "k1", Rule: "coverage_gap", Article: "Art. 11", Officer: "000123", ActivityID: f.act.ID, Evidence: evidence.Msg("e"), Status: evidence.FindingExplained, Severity: evidence.SeverityWarning},
		}); err != nil {
			return err
		}
		states, err := tx.FindingStates(ctx, f.act.Arrival, f.act.Arrival.Add(time.Minute))
		if err != nil {
			return err
		}
		want := map[int64][]evidence.Finding{f.act.ID: {{ActivityID: f.act.ID, Rule: "coverage_gap", Officer: "000123", Status: evidence.FindingExplained}}}
		if diff := cmp.Diff(want, states); diff != "" {
			t.Errorf("finding states (-want +got):\n%s", diff)
		}

		// R-USE-1: orphans of the period, by recorded start, or by ingest
		// when the start is unknown.
		if _, err := tx.LinkRecording(ctx, f.act.ID, f.recs["mine"].ID, f.user.ID); err != nil {
			return err
		}
		untimed, err := tx.CreateRecording(ctx, evidence.Recording{Digest: blob.Sum([]byte("untimed")), Size: 1, Filename: "untimed.mp4",
			Kind: evidence.KindVideo, Officer: "000125"}, f.user.ID)
		if err != nil {
			return err
		}
		f.recs["untimed"] = untimed
		orphans, err := tx.OrphansBetween(ctx, f.act.Arrival, f.act.Arrival.Add(time.Hour))
		if err != nil {
			return err
		}
		var got []string
		for _, o := range orphans {
			for n, r := range f.recs {
				if r.ID == o.ID {
					got = append(got, n+"/"+o.Officer)
				}
			}
		}
		slices.Sort(got)
		if diff := cmp.Diff([]string{"colleague/000124", "device-only/999999", "stranger/888888", "untimed/000125"}, got); diff != "" {
			t.Errorf("orphans (-want +got):\n%s", diff)
		}
		acts, err := tx.ActivitiesOfRecording(ctx, f.recs["mine"].ID)
		if err != nil || !slices.Equal(acts, []int64{f.act.ID}) {
			t.Errorf("activities of a linked recording: %v %v", acts, err)
		}
		// Unlinked, it is an orphan again (the link count follows).
		if err := tx.UnlinkRecording(ctx, f.act.ID, f.recs["mine"].ID); err != nil {
			return err
		}
		if orphans, err = tx.OrphansBetween(ctx, f.act.Arrival, f.act.Arrival.Add(time.Hour)); err != nil || len(orphans) != 5 {
			t.Errorf("after the unlink: %d orphans (%v), want 5", len(orphans), err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Findings page by Limit and Offset; the count is the whole selection.
func TestFindingsPaged(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	f := newActivityFixture(t, db)
	err := db.Update(ctx, func(tx *Tx) error {
		var fs []evidence.Finding
		for _, k := range []string{"a", "b", "c"} {
			fs = append(fs, evidence.Finding{Key: k, Rule: "coverage_gap", Article: "Art. 11", ActivityID: f.act.ID, Evidence: evidence.Msg(k),
				Status: evidence.FindingOpen, Severity: evidence.SeverityWarning})
		}
		if err := tx.SyncFindings(ctx, f.act.ID, fs); err != nil {
			return err
		}
		var keys []string
		for _, page := range []FindingFilter{{Limit: 2}, {Limit: 2, Offset: 2}} {
			list, err := tx.Findings(ctx, page)
			if err != nil {
				return err
			}
			for _, sf := range list {
				keys = append(keys, sf.Key)
			}
			if n, err := tx.CountFindings(ctx, page); err != nil || n != 3 {
				t.Errorf("count %d (%v), want 3", n, err)
			}
		}
		if strings.Join(keys, "") != "abc" {
			t.Errorf("two pages gave %v, want a, b, c once each", keys)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// The findings about one recording alone are those that name it first
// (finding_recordings, position 0) and no activity: a re-check of that
// recording resolves those it no longer raises, and leaves alone the
// findings that name it second and those of other recordings.
func TestRecordingAloneFindings(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	finding := func(key string, recordings ...int64) evidence.Finding {
		return evidence.Finding{Key: key, Rule: "signs_of_editing", Article: "Art. 12", RecordingIDs: recordings,
			Evidence: evidence.Msg("finding.signs_of_editing"), Status: evidence.FindingOpen, Severity: evidence.SeverityWarning}
	}
	sync := func(rec int64, fs ...evidence.Finding) {
		t.Helper()
		check(t, db.Update(ctx, func(tx *Tx) error { return tx.SyncRecordingFindings(ctx, rec, fs) }))
	}
	resolved := func() map[string]bool {
		t.Helper()
		out := map[string]bool{}
		check(t, db.View(ctx, func(tx *Tx) error {
			rows, err := tx.query(ctx, `SELECT key, resolved_at IS NOT NULL FROM findings`)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var k string
				var r bool
				if err := rows.Scan(&k, &r); err != nil {
					return err
				}
				out[k] = r
			}
			return rows.Err()
		}))
		return out
	}
	sync(1, finding("a", 1), finding("b", 1, 2))
	sync(2, finding("c", 2), finding("d", 2, 1))
	sync(1, finding("a", 1))
	if got, want := resolved(), map[string]bool{"a": false, "b": true, "c": false, "d": false}; !maps.Equal(got, want) {
		t.Errorf("after re-checking 1 with a only: %v, want %v", got, want)
	}
	// Its recordings changed: it now names 2 first, and 1's check leaves it.
	sync(2, finding("c", 2), finding("d", 2, 1), finding("a", 2))
	sync(1)
	if got, want := resolved(), map[string]bool{"a": false, "b": true, "c": false, "d": false}; !maps.Equal(got, want) {
		t.Errorf("after moving a to 2 and re-checking 1: %v, want %v", got, want)
	}
	sync(2)
	if got, want := resolved(), map[string]bool{"a": true, "b": true, "c": true, "d": true}; !maps.Equal(got, want) {
		t.Errorf("after re-checking 2 with none: %v, want %v", got, want)
	}
}
