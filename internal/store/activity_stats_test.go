package store

import (
	"context"
	"strings"
	"testing"
	"time"

	"shilu/internal/audit"
	"shilu/internal/evidence"
)

// R-RPT-1: exports are found by action through the index of migration
// 0010, not by reading the whole custody log; the index's expression and
// actionExpr must stay the same text for SQLite to use it.
func TestActionIndexUsed(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	err := db.Update(ctx, func(tx *Tx) error {
		for _, a := range []evidence.Action{"custody.export", "recording.content", "register.export", "custody.export"} {
			if _, err := tx.Audit(ctx, audit.Entry{Actor: "wangfang", Action: a, Object: "log", Outcome: audit.OutcomeOK}); err != nil {
				return err
			}
		}
		rows, err := tx.query(ctx, `EXPLAIN QUERY PLAN SELECT data FROM audit_entries WHERE `+actionExpr+` IN (?, ?)`, []byte("custody.export"), []byte("register.export"))
		if err != nil {
			return err
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				rows.Close()
				return err
			}
			plan = append(plan, detail)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if p := strings.Join(plan, "; "); !strings.Contains(p, "audit_entries_action") {
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
