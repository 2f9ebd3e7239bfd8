package store

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"shilu/internal/evidence"
)

// BenchmarkSyncFindings is the evaluator's write for one activity and for
// one recording alone beside many stored findings (issue 17: at 2.7 M
// findings a scan per activity made it 15 activities/s). It reports
// findings/op so the cost can be read against the table's size.
func BenchmarkSyncFindings(b *testing.B) {
	n := 20_000
	if os.Getenv("SHILU_BENCH") != "" {
		n = 1_000_000
	}
	ctx := context.Background()
	db, _ := openTest(b)
	var act evidence.Activity
	err := db.Update(ctx, func(tx *Tx) error {
		u, err := tx.CreateUser(ctx, "o", evidence.RoleOfficer, "")
		if err != nil {
			return err
		}
		act, err = tx.CreateActivity(ctx, evidence.Activity{Type: evidence.ActivityService, Place: evidence.Place{Address: "某处"},
			Officers: []string{"000123"}, Arrival: tx.Now().Add(-2 * time.Hour), End: tx.Now().Add(-time.Hour)}, u.ID)
		if err != nil {
			return err
		}
		for i := range n {
			if err := tx.exec(ctx, `INSERT INTO findings (key, rule, article, recording_ids, evidence, status, severity, first_seen, last_seen)
				VALUES (?, 'remuxed', '8', ?, '{}', 'open', 'serious', 0, 0)`, fmt.Sprintf("r%d", i), fmt.Sprintf("[%d]", i+1)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	f := evidence.Finding{Key: "a/unrecorded", Rule: "unrecorded", Article: "7", ActivityID: act.ID, Status: evidence.FindingOpen, Severity: evidence.SeveritySerious}
	b.ResetTimer()
	for i := range b.N {
		err := db.Update(ctx, func(tx *Tx) error {
			if err := tx.SyncFindings(ctx, act.ID, []evidence.Finding{f}); err != nil {
				return err
			}
			return tx.SyncRecordingFindings(ctx, int64(i%n+1), nil)
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n), "findings")
}
