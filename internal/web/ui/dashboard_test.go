package ui

import (
	"context"
	"fmt"
	"os"
	"shilu/internal/app"
	"shilu/internal/audit"
	"shilu/internal/blob"
	"shilu/internal/compliance"
	"shilu/internal/evidence"
	"shilu/internal/store"
	"shilu/internal/store/storetest"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// R-RPT-1: totals are recomputed from the counts, never averaged; rates
// without a base are 0 and are not judged.
func TestTotalsAndStatus(t *testing.T) {
	rows := []DashboardRow{
		{SummaryRow: compliance.SummaryRow{Key: "a", Activities: 1, Recorded: 0, RecordingRate: 0, CoveredMS: 0, RequiredMS: 0}, Views: 2, ViewSeconds: 61, Exports: 1},
		{SummaryRow: compliance.SummaryRow{Key: "b", Activities: 99, Recorded: 98, Exempted: 1, RecordingRate: 100, CoveredMS: 900, RequiredMS: 1000, Coverage: 90, Orphans: 2, Findings: 3, OpenFindings: 1},
			Views: 1, ViewSeconds: 5},
	}
	got := totals(rows)
	want := DashboardRow{SummaryRow: compliance.SummaryRow{Activities: 100, Recorded: 98, Exempted: 1, RecordingRate: 99, CoveredMS: 900, RequiredMS: 1000, Coverage: 90, Orphans: 2, Findings: 3, OpenFindings: 1},
		Views: 3, ViewSeconds: 66, Exports: 1}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("totals (-want +got):\n%s", diff)
	}
	if z := totals(nil); z != (DashboardRow{}) {
		t.Errorf("totals of nothing: %+v", z)
	}
	if p := compliance.Rate(2, 3); p != 66.7 {
		t.Errorf("Rate(2, 3) = %v", p)
	}
	for _, c := range []struct {
		v       float64
		defined bool
		want    string
	}{{100, true, "success"}, {99.9, true, "warning"}, {80, true, "warning"}, {79.9, true, "danger"}, {0, true, "danger"}, {0, false, ""}} {
		if got := percentStatus(c.v, c.defined); got != c.want {
			t.Errorf("percentStatus(%v, %v) = %q, want %q", c.v, c.defined, got, c.want)
		}
	}
}

// The trend keeps every day, ISO week or month of the period, across a
// year end, keyed as compliance.Summary keys them.
func TestPeriods(t *testing.T) {
	from := time.Date(2026, 12, 28, 0, 0, 0, 0, evidence.Zone)
	to := time.Date(2027, 1, 5, 0, 0, 0, 0, evidence.Zone)
	for _, c := range []struct {
		by   compliance.GroupBy
		want []string
	}{
		{compliance.ByDay, []string{"2026-12-28", "2026-12-29", "2026-12-30", "2026-12-31", "2027-01-01", "2027-01-02", "2027-01-03", "2027-01-04"}},
		{compliance.ByWeek, []string{"2026-W53", "2027-W01"}},
		{compliance.ByMonth, []string{"2026-12", "2027-01"}},
	} {
		if diff := cmp.Diff(c.want, periods(c.by, from.UTC(), to.UTC())); diff != "" {
			t.Errorf("%s (-want +got):\n%s", c.by, diff)
		}
	}
}

// BenchmarkUsageStats is the cost of the dashboard's views and exports over
// a year with 100 000 custody entries (1 000 of them exports) and 20 000
// viewings by 200 people. Decode, the baseline in the same run, decodes
// every entry of the log in Go as the custody page does; ratio is Store's
// time per op over Decode's.
func BenchmarkUsageStats(b *testing.B) {
	if os.Getenv("SHILU_BENCH") == "" {
		b.Skip("set SHILU_BENCH=1 (make bench): seeding 100 000 custody entries takes a while")
	}
	ctx := context.Background()
	start := time.Date(2026, 1, 1, 9, 0, 0, 0, evidence.Zone)
	clock := storetest.NewClock(start)
	db, _ := storetest.OpenClock(b, clock.Now)
	h := &Handler{DB: db, App: app.New(app.Config{DB: db})}
	const nEntries, nViewings, nUsers, nRecs, batch = 100_000, 20_000, 200, 1_000, 5_000
	var users, recs []int64
	err := db.Update(ctx, func(tx *store.Tx) error {
		for i := range nUsers {
			a, err := tx.CreateAccount(ctx, store.NewAccount{Name: fmt.Sprintf("user%03d", i), Role: evidence.RoleOfficer, OfficerNo: fmt.Sprintf("%06d", i)})
			if err != nil {
				return err
			}
			users = append(users, a.ID)
		}
		for i := range nRecs {
			r, err := tx.CreateRecording(ctx, evidence.Recording{Digest: blob.Sum([]byte(fmt.Sprint(i))), Size: 1, Filename: "clip.mp4", Kind: evidence.KindVideo}, users[0])
			if err != nil {
				return err
			}
			recs = append(recs, r.ID)
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	// A transaction's entries and viewings share its time, and viewings of
	// one user and recording within evidence.ViewingGap are one: each
	// viewing of a batch is of another user and recording pair.
	t0 := time.Now()
	step := 365 * 24 * time.Hour / nEntries
	for i := 0; i < nEntries; i += batch {
		clock.Set(start.Add(time.Duration(i) * step))
		err := db.Update(ctx, func(tx *store.Tx) error {
			for j := i; j < i+batch; j++ {
				recID := recs[j/(nEntries/nViewings)%nRecs]
				action, details := evidence.ActionRecordingContent, map[string]string{"remote": "10.0.0.1:5555", "request_id": "0123456789abcdef", "grant": "42"}
				if j%100 == 0 {
					action, details = evidence.ExportActions[j/100%len(evidence.ExportActions)], map[string]string{"format": "csv", "from": "2026-01-01", "to": "2026-01-31"}
				}
				if _, err := tx.Audit(ctx, audit.Entry{Actor: fmt.Sprintf("user%03d", j%nUsers), Action: action, Object: app.ObjRecording(recID), Outcome: audit.OutcomeOK,
					Digests: []blob.Digest{blob.Sum([]byte("clip"))}, Details: details}); err != nil {
					return err
				}
				if j%(nEntries/nViewings) == 0 {
					if _, err := tx.RecordViewing(ctx, 0, users[j%nUsers], recID, 1<<20); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("seeded %d custody entries and %d viewings in %v", nEntries, nViewings, time.Since(t0).Round(time.Millisecond))
	from, to := start, start.AddDate(1, 0, 0)

	// Each query once, to see where the time goes.
	for _, q := range []struct {
		name string
		fn   func(tx *store.Tx) error
	}{
		{"actions", func(tx *store.Tx) error { _, err := tx.ActionStats(ctx, evidence.ExportActions, from, to); return err }},
		{"viewings", func(tx *store.Tx) error { _, err := tx.ViewingStats(ctx, from, to); return err }},
		// The scan alone: no entry matches.
		{"actions-none", func(tx *store.Tx) error {
			_, err := tx.ActionStats(ctx, []evidence.Action{"no.such"}, from, to)
			return err
		}},
	} {
		t1 := time.Now()
		if err := db.View(ctx, q.fn); err != nil {
			b.Fatal(err)
		}
		b.Logf("%s: %v", q.name, time.Since(t1))
	}
	var store_, decode time.Duration
	b.Run("Store", func(b *testing.B) {
		var use map[string]usage
		for b.Loop() {
			var err error
			if use, _, err = h.usageStats(ctx, from, to, compliance.ByOfficer); err != nil {
				b.Fatal(err)
			}
		}
		var views, exports int
		for _, u := range use {
			views, exports = views+u.views, exports+u.exports
		}
		if views != nViewings || exports != nEntries/100 {
			b.Fatalf("%d views and %d exports, want %d and %d", views, exports, nViewings, nEntries/100)
		}
		store_ = b.Elapsed() / time.Duration(b.N)
	})
	b.Run("Decode", func(b *testing.B) {
		for b.Loop() {
			n := 0
			err := db.View(ctx, func(tx *store.Tx) error {
				return tx.Entries(ctx, 0, func(_ uint64, data, _ []byte) error {
					e, err := audit.Decode(data)
					if err == nil && slices.Contains(evidence.ExportActions, e.Action) {
						n++
					}
					return err
				})
			})
			if err != nil || n != nEntries/100 {
				b.Fatalf("%d exports (%v)", n, err)
			}
		}
		decode = b.Elapsed() / time.Duration(b.N)
		b.ReportMetric(float64(store_)/float64(decode), "ratio")
	})
}
