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

// R-AUD-1: the custody log page reads the log a page at a time from an
// index (keyset paging, no OFFSET), filtered by actor, object, action and
// time range, each filter served by an index so that a log of millions of
// entries answers as fast as a small one.
func TestAuditEntries(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	clock := start
	db, _ := openTest(t)
	db.clock = func() time.Time { return clock }
	// 30 entries an hour apart: actors a and b by turns, every third an
	// export, objects recording:0..2.
	for i := range 30 {
		clock = start.Add(time.Duration(i) * time.Hour)
		action := evidence.Action("recording.read")
		if i%3 == 0 {
			action = "custody.export"
		}
		e := audit.Entry{Actor: []string{"a", "b"}[i%2], Action: action, Object: fmt.Sprintf("recording:%d", i%3), Outcome: audit.OutcomeOK}
		if err := db.Update(ctx, func(tx *Tx) error { _, err := tx.Audit(ctx, e); return err }); err != nil {
			t.Fatal(err)
		}
	}
	indexes := func(list []audit.Entry) string {
		var s []string
		for _, e := range list {
			s = append(s, fmt.Sprint(e.Index))
		}
		return strings.Join(s, ",")
	}
	for _, tc := range []struct {
		name   string
		f      AuditFilter
		cursor int64
		desc   bool
		want   string
		more   bool
	}{
		{"NewestPage", AuditFilter{}, 0, true, "29,28,27,26", true},
		{"NextPage", AuditFilter{}, 26, true, "25,24,23,22", true},
		{"LastPage", AuditFilter{}, 2, true, "1,0", false},
		{"OldestFirst", AuditFilter{}, -1, false, "0,1,2,3", true},
		{"Actor", AuditFilter{Actor: "b"}, 0, true, "29,27,25,23", true},
		{"Action", AuditFilter{Action: "custody.export"}, 10, true, "9,6,3,0", true},
		{"Object", AuditFilter{Object: "recording:2"}, 0, true, "29,26,23,20", true},
		{"ObjectActorAction", AuditFilter{Object: "recording:0", Actor: "a", Action: "custody.export"}, 0, true, "24,18,12,6", true},
		{"Range", AuditFilter{From: start.Add(5 * time.Hour), To: start.Add(8 * time.Hour)}, 0, true, "7,6,5", false},
		{"RangeFromOnly", AuditFilter{From: start.Add(27*time.Hour + time.Minute)}, -1, false, "28,29", false},
		{"RangeEmpty", AuditFilter{From: start.Add(40 * time.Hour)}, 0, true, "", false},
		{"ActorQuoted", AuditFilter{Actor: `a","action":`}, 0, true, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := db.View(ctx, func(tx *Tx) error {
				list, _, more, err := tx.AuditEntries(ctx, tc.f, tc.cursor, tc.desc, 4)
				if err != nil {
					return err
				}
				if got := indexes(list); got != tc.want || more != tc.more {
					t.Errorf("entries %s (more %v), want %s (more %v)", got, more, tc.want, tc.more)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
	// The plans: by primary key, by the action's index, by the objects'.
	if testDialect.name != "sqlite" {
		return // SQLite's query planner
	}
	for _, tc := range []struct {
		f    AuditFilter
		want string
	}{
		{AuditFilter{}, "INTEGER PRIMARY KEY"},
		{AuditFilter{Action: "custody.export"}, "audit_entries_action"},
		{AuditFilter{Object: "recording:1"}, "sqlite_autoindex_audit_objects_1"},
	} {
		err := db.View(ctx, func(tx *Tx) error {
			q, args, err := tx.auditQuery(ctx, tc.f, 0, true, 50)
			if err != nil {
				return err
			}
			rows, err := tx.query(ctx, "EXPLAIN QUERY PLAN "+q, args...)
			if err != nil {
				return err
			}
			defer rows.Close()
			var plan []string
			for rows.Next() {
				var id, parent, unused int
				var detail string
				if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
					return err
				}
				plan = append(plan, detail)
			}
			if p := strings.Join(plan, "; "); !strings.Contains(p, tc.want) || strings.Contains(p, "TEMP B-TREE") {
				t.Errorf("%+v: plan %q, want %s without sorting", tc.f, p, tc.want)
			}
			return rows.Err()
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
