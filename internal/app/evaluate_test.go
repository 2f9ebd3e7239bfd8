package app

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"shilu/internal/blob"
	"shilu/internal/compliance"
	"shilu/internal/evidence"
	"shilu/internal/store"
	"shilu/internal/store/storetest"
)

func ruleStates(t *testing.T, db *store.DB, activityID int64) string {
	t.Helper()
	var list []store.StoredFinding
	err := db.View(context.Background(), func(tx *store.Tx) error {
		var err error
		list, err = tx.Findings(context.Background(), store.FindingFilter{ActivityID: activityID})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range list {
		out = append(out, f.Rule+"/"+string(f.Status))
	}
	return strings.Join(out, " ")
}

// R-UPL-1, R-ACT-2 (Art. 7, 13): findings that depend on time appear when
// the deadline passes, without any request: the evaluator re-runs exactly
// the activities whose deadline has passed, and those never evaluated.
func TestEvaluatorFollowsDeadlines(t *testing.T) {
	ctx := context.Background()
	arr := time.Date(2026, 11, 26, 9, 0, 0, 0, evidence.Zone)
	clock := storetest.NewClock(arr.Add(2 * time.Hour))
	db, _ := storetest.OpenClock(t, clock.Now)
	s := New(Config{DB: db})
	var recorded, unrecorded, legacy evidence.Activity
	err := db.Update(ctx, func(tx *store.Tx) error {
		u, err := tx.CreateUser(ctx, "zhangwei", evidence.RoleOfficer, "")
		if err != nil {
			return err
		}
		mk := func(officers ...string) (evidence.Activity, error) {
			return tx.CreateActivity(ctx, evidence.Activity{Type: evidence.ActivityService, Place: evidence.Place{Address: "丰南区某诊所"},
				Officers: officers, Arrival: arr, End: arr.Add(time.Hour), NoticeGiven: true}, u.ID)
		}
		if unrecorded, err = mk("000123"); err != nil {
			return err
		}
		if recorded, err = mk("000124"); err != nil {
			return err
		}
		start, end := arr, arr.Add(time.Hour)
		r, err := tx.CreateRecording(ctx, evidence.Recording{Digest: blob.Sum([]byte("clip")), Size: 1, Filename: "clip.mp4", Kind: evidence.KindVideo,
			Officer: "000124", RecordedStart: &start, RecordedEnd: &end}, u.ID)
		if err != nil {
			return err
		}
		if _, err := tx.LinkRecording(ctx, recorded.ID, r.ID, u.ID); err != nil {
			return err
		}
		for _, a := range []evidence.Activity{unrecorded, recorded} {
			if err := reevaluate(ctx, tx, a.ID, s.params); err != nil {
				return err
			}
		}
		// Stored as if before evaluations were kept.
		legacy, err = mk("000125")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// The device-check findings are Art. 5's and beside the point here.
	only := func(id int64) string {
		var keep []string
		for _, f := range strings.Fields(ruleStates(t, db, id)) {
			if !strings.HasPrefix(f, compliance.RuleDeviceCheckMissing) {
				keep = append(keep, f)
			}
		}
		return strings.Join(keep, " ")
	}

	// The first run evaluates the activity never evaluated and checks the
	// recording never checked on its own (R-ACT-8).
	if n, err := s.EvaluateDue(ctx); err != nil || n != 2 {
		t.Fatalf("first run did %d (%v), want the activity never evaluated and the recording never checked", n, err)
	}
	if got := only(legacy.ID); got != "" {
		t.Errorf("before the deadline: %q, want no finding yet (the recordings may still come)", got)
	}
	if n, _ := s.EvaluateDue(ctx); n != 0 {
		t.Errorf("second run evaluated %d, want 0", n)
	}
	clock.Set(time.Date(2026, 11, 27, 0, 0, 1, 0, evidence.Zone)) // past the end of the activity's day
	if n, err := s.EvaluateDue(ctx); err != nil || n != 3 {
		t.Fatalf("after the deadline evaluated %d (%v), want all 3", n, err)
	}
	for _, a := range []evidence.Activity{unrecorded, legacy} {
		if got := only(a.ID); got != "unrecorded/open" {
			t.Errorf("activity %d after the deadline: %q, want unrecorded/open", a.ID, got)
		}
	}
	if got := only(recorded.ID); got != "" {
		t.Errorf("recorded activity after the deadline: %q, want none", got)
	}
	clock.Add(time.Hour)
	if n, _ := s.EvaluateDue(ctx); n != 0 {
		t.Errorf("with no deadline left, a run evaluated %d", n)
	}
}

// One activity the rules trip over is logged and skipped; the evaluator
// goes on with the others and does not loop on it within a run.
func TestEvaluatorSkipsFailures(t *testing.T) {
	db, _ := storetest.Open(t)
	ts := New(Config{DB: db})
	ts.evalSlice = time.Hour // whole batches, which the counts below assume
	ctx := context.Background()
	var ids []int64
	err := db.Update(ctx, func(tx *store.Tx) error {
		u, err := tx.CreateUser(ctx, "u-officer", evidence.RoleOfficer, "")
		if err != nil {
			return err
		}
		for i := range 2*evaluatorBatch + 3 {
			arr := tx.Now().Add(-time.Duration(i+2) * time.Hour)
			a, err := tx.CreateActivity(ctx, evidence.Activity{Type: evidence.ActivityService, Place: evidence.Place{Address: "某处"},
				Officers: []string{"000123"}, Arrival: arr, End: arr.Add(time.Hour)}, u.ID)
			if err != nil {
				return err
			}
			ids = append(ids, a.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	poison := ids[evaluatorBatch+1] // in the second batch
	var tried []int64
	do := func(ctx context.Context, tx *store.Tx, id int64, p compliance.Params) error {
		tried = append(tried, id)
		if id == poison {
			return fmt.Errorf("the rules trip over activity %d", id)
		}
		return reevaluate(ctx, tx, id, p)
	}
	n, err := ts.inBatches(ctx, (*store.Tx).ActivitiesToEvaluate, do, "evaluate activity")
	if err != nil || n != len(ids)-1 {
		t.Fatalf("did %d (%v), want all %d but the poisoned one", n, err, len(ids)-1)
	}
	// The failing batch was redone one by one: the ids up to the poisoned
	// one were tried twice (the batch stopped there), no other id more than
	// once.
	count := map[int64]int{}
	for _, id := range tried {
		count[id]++
	}
	for i, id := range ids {
		want := 1
		if i >= evaluatorBatch && id <= poison {
			want = 2
		}
		if count[id] != want {
			t.Errorf("activity %d tried %d times, want %d", id, count[id], want)
		}
	}
	// The next run finds only the poisoned one still due.
	tried = nil
	if n, err := ts.inBatches(ctx, (*store.Tx).ActivitiesToEvaluate, do, "evaluate activity"); err != nil || n != 0 || !slices.Equal(tried, []int64{poison, poison}) {
		t.Errorf("second run: did %d (%v), tried %v; want only %d, twice", n, err, tried, poison)
	}
}

// Issue 17: a batch stops when it has held the writer for its time slice,
// and the next transaction goes on after the last one done: every activity
// is evaluated once, in several transactions, and none is skipped.
func TestEvaluatorTimeSlice(t *testing.T) {
	db, _ := storetest.Open(t)
	ts := New(Config{DB: db})
	ctx := context.Background()
	var ids []int64
	err := db.Update(ctx, func(tx *store.Tx) error {
		u, err := tx.CreateUser(ctx, "u-officer", evidence.RoleOfficer, "")
		if err != nil {
			return err
		}
		for i := range evaluatorBatch + 7 {
			arr := tx.Now().Add(-time.Duration(i+2) * time.Hour)
			a, err := tx.CreateActivity(ctx, evidence.Activity{Type: evidence.ActivityService, Place: evidence.Place{Address: "某处"},
				Officers: []string{"000123"}, Arrival: arr, End: arr.Add(time.Hour)}, u.ID)
			if err != nil {
				return err
			}
			ids = append(ids, a.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	ts.evalSlice = 0 // one activity a transaction
	var tried []int64
	txs := 0
	due := func(tx *store.Tx, ctx context.Context, after int64, limit int) ([]int64, error) {
		txs++
		return tx.ActivitiesToEvaluate(ctx, after, limit)
	}
	do := func(ctx context.Context, tx *store.Tx, id int64, p compliance.Params) error {
		tried = append(tried, id)
		return reevaluate(ctx, tx, id, p)
	}
	n, err := ts.inBatches(ctx, due, do, "evaluate activity")
	if err != nil || n != len(ids) || !slices.Equal(tried, ids) {
		t.Fatalf("did %d (%v), tried %v; want each of %v once, in order", n, err, tried, ids)
	}
	if txs < len(ids) {
		t.Errorf("%d transactions for %d activities with no time slice, want one each", txs, len(ids))
	}
}
