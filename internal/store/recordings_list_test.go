package store

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"shilu/internal/blob"
	"shilu/internal/evidence"
)

// TestRecordingPages pages through lists of recordings forward and back
// with every page size: every recording is listed once, in the list's
// order (newest recorded first, equal starts by id, unknown starts last),
// and the cursors end where the list does.
func TestRecordingPages(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	base := time.Date(2026, 11, 26, 1, 0, 0, 0, time.UTC)
	var all []evidence.Recording
	err := db.Update(ctx, func(tx *Tx) error {
		u, err := tx.CreateUser(ctx, "station-01", evidence.RoleStation, "")
		if err != nil {
			return err
		}
		// 23 recordings: starts repeat (three at each hour), every fourth
		// has no recorded start, and the ids do not follow the starts.
		for i := range 23 {
			rec := evidence.Recording{Digest: blob.Sum(fmt.Appendf(nil, "r%d", i)), Size: 1, Filename: fmt.Sprintf("r%d.mp4", i),
				Kind: evidence.KindVideo, Officer: []string{"000123", "000124"}[i%2]}
			if i%4 != 3 {
				at := base.Add(time.Duration((i*7)%8) * time.Hour)
				rec.RecordedStart = &at
			}
			if rec, err = tx.CreateRecording(ctx, rec, u.ID); err != nil {
				return err
			}
			all = append(all, rec)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	order := func(a, b evidence.Recording) int {
		switch {
		case a.RecordedStart == nil && b.RecordedStart == nil:
		case a.RecordedStart == nil:
			return 1
		case b.RecordedStart == nil:
			return -1
		case !a.RecordedStart.Equal(*b.RecordedStart):
			return b.RecordedStart.Compare(*a.RecordedStart)
		}
		return int(b.ID - a.ID)
	}
	ids := func(list []evidence.Recording) []int64 {
		out := []int64{}
		for _, r := range list {
			out = append(out, r.ID)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		f    evidence.RecordingFilter
		keep func(evidence.Recording) bool
	}{
		{"All", evidence.RecordingFilter{}, func(evidence.Recording) bool { return true }},
		{"Officer", evidence.RecordingFilter{Officer: "000124"}, func(r evidence.Recording) bool { return r.Officer == "000124" }},
		// The kind is a term kept off its index (newRecordingList): valid
		// SQL on PostgreSQL too.
		{"OfficerAndKind", evidence.RecordingFilter{Officer: "000124", Kind: evidence.KindVideo}, func(r evidence.Recording) bool { return r.Officer == "000124" }},
		{"TimeRange", evidence.RecordingFilter{From: base.Add(2 * time.Hour), To: base.Add(6 * time.Hour)}, func(r evidence.Recording) bool {
			return r.RecordedStart != nil && !r.RecordedStart.Before(base.Add(2*time.Hour)) && r.RecordedStart.Before(base.Add(6*time.Hour))
		}},
	} {
		want := slices.SortedFunc(slices.Values(slices.DeleteFunc(slices.Clone(all), func(r evidence.Recording) bool { return !tc.keep(r) })), order)
		for _, size := range []int{1, 2, 3, 5, 8, 100} {
			t.Run(fmt.Sprintf("%s/%d", tc.name, size), func(t *testing.T) {
				var forward, backward []evidence.Recording
				var pages []RecordingPage
				f := tc.f
				f.Limit = size
				for range 50 {
					p := list(t, db, f)
					if p.Total != len(want) || p.Over {
						t.Fatalf("total %d (over %v), want %d", p.Total, p.Over, len(want))
					}
					if len(pages) == 0 && p.Prev != nil {
						t.Errorf("the first page has a previous page at %v", p.Prev)
					}
					pages, forward = append(pages, p), append(forward, p.Recordings...)
					if p.Next == nil {
						break
					}
					f.After = p.Next
				}
				if diff := cmp.Diff(ids(want), ids(forward)); diff != "" {
					t.Fatalf("forward (-want +got):\n%s", diff)
				}
				// Back from the last page by its previous-page cursors.
				last := pages[len(pages)-1]
				backward = last.Recordings
				f.After, f.Before = nil, last.Prev
				for n := 0; f.Before != nil; n++ {
					p := list(t, db, f)
					if p.Next == nil {
						t.Fatalf("a page read backward has no next page")
					}
					backward = append(slices.Clone(p.Recordings), backward...)
					if n == len(pages) {
						t.Fatal("paging back does not end")
					}
					f.Before = p.Prev
				}
				if diff := cmp.Diff(ids(want), ids(backward)); diff != "" {
					t.Errorf("backward (-want +got):\n%s", diff)
				}
			})
		}
	}
}

func list(t *testing.T, db *DB, f evidence.RecordingFilter) RecordingPage {
	t.Helper()
	var p RecordingPage
	if err := db.View(context.Background(), func(tx *Tx) (err error) { p, err = tx.Recordings(context.Background(), f); return err }); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestRecordingListPlans checks that every filter of the list of recordings,
// at its first page and deep in the list, and its count, are read from the
// index made for that filter in the list's order, never by a scan of the
// table or a sort of what matched (at a million recordings either took
// seconds; BenchmarkRecordingList measures it).
func TestRecordingListPlans(t *testing.T) {
	sqliteOnly(t, "the plans of SQLite's query planner")
	ctx := context.Background()
	db, _ := openTest(t)
	at := time.Date(2026, 11, 26, 1, 0, 0, 0, time.UTC)
	deep := []*evidence.Cursor{nil, {Start: &at, ID: 500_000}, {ID: 900_000}}
	for _, tc := range []struct {
		name  string
		f     evidence.RecordingFilter
		index string
	}{
		{"All", evidence.RecordingFilter{}, "recordings_start"},
		{"Officer", evidence.RecordingFilter{Officer: "000123"}, "recordings_officer"},
		{"OfficerByName", evidence.RecordingFilter{Officers: []string{"000123"}}, "recordings_officer"},
		{"OfficerAndKind", evidence.RecordingFilter{Officer: "000123", Kind: evidence.KindAudio}, "recordings_officer"},
		{"OfficerOrphans", evidence.RecordingFilter{Officers: []string{"000123"}, Orphan: true}, "recordings_officer"},
		{"DeviceAndKind", evidence.RecordingFilter{Device: "DSJ0A12", Kind: evidence.KindVideo}, "recordings_device"},
		{"KindOrphans", evidence.RecordingFilter{Kind: evidence.KindVideo, Orphan: true}, "recordings_kind"},
		{"OrphanTimeRange", evidence.RecordingFilter{Orphan: true, From: at.Add(-time.Hour)}, "recordings_orphan_start"},
		{"Device", evidence.RecordingFilter{Device: "DSJ0A12"}, "recordings_device"},
		{"Kind", evidence.RecordingFilter{Kind: evidence.KindPhoto}, "recordings_kind"},
		{"Orphan", evidence.RecordingFilter{Orphan: true}, "recordings_orphan_start"},
		{"TimeRange", evidence.RecordingFilter{From: at.Add(-time.Hour), To: at}, "recordings_start"},
		{"OfficerTimeRange", evidence.RecordingFilter{Officer: "000123", From: at.Add(-time.Hour), To: at}, "recordings_officer"},
		{"KindTimeRange", evidence.RecordingFilter{Kind: evidence.KindAudio, From: at.Add(-time.Hour), To: at}, "recordings_kind"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newRecordingList(tc.f)
			err := db.View(ctx, func(tx *Tx) error {
				queries := []sqlQuery{{`SELECT COUNT(*) FROM (SELECT 1 FROM ` + l.from() + ` LIMIT ?)`, append(slices.Clone(l.args), CountLimit+1)}}
				for _, c := range deep {
					for _, back := range []bool{false, true} {
						if back && c == nil {
							continue
						}
						for _, p := range l.pages(c, back) {
							queries = append(queries, sqlQuery{p.q, append(p.args, 100)})
						}
					}
				}
				for i, q := range queries {
					plan, err := queryPlan(ctx, tx, q.q, q.args...)
					if err != nil {
						return err
					}
					// Counting everything, SQLite reads the smallest index,
					// whichever it is.
					if i == 0 && len(l.where) == 0 && strings.Contains(plan, "USING COVERING INDEX") {
						continue
					}
					if !regexp.MustCompile(`USING (COVERING )?INDEX ` + tc.index + `\b`).MatchString(plan) {
						t.Errorf("plan %q does not use %s for\n%s", plan, tc.index, q.q)
					}
					if strings.Contains(plan, "TEMP B-TREE") || strings.Contains(plan, "SCAN r ") && !strings.Contains(plan, "INDEX") {
						t.Errorf("plan %q sorts or scans for\n%s", plan, q.q)
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestActivityListPlans: the list of activities reads each page from the
// index of its filter in the list's order; an officer's activities are
// found from the officer's index and sorted (an officer has hundreds, the
// archive hundreds of thousands), never by walking every activity.
func TestActivityListPlans(t *testing.T) {
	sqliteOnly(t, "the plans of SQLite's query planner")
	ctx := context.Background()
	db, _ := openTest(t)
	at := time.Date(2026, 11, 26, 1, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name  string
		f     ActivityFilter
		index string
		sorts bool
	}{
		{"All", ActivityFilter{}, "activities_arrival", false},
		{"Type", ActivityFilter{Type: evidence.ActivityInspection}, "activities_type", false},
		{"Day", ActivityFilter{From: at.Add(-24 * time.Hour), To: at}, "activities_arrival", false},
		{"TypeDay", ActivityFilter{Type: evidence.ActivityInspection, From: at.Add(-24 * time.Hour), To: at}, "activities_type", false},
		{"Officer", ActivityFilter{Officer: "000123"}, "activity_officers_officer", true},
		{"OfficersAndType", ActivityFilter{Officers: []string{"000123", "000124"}, Type: evidence.ActivityInspection}, "activity_officers_officer", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := db.View(ctx, func(tx *Tx) error {
				for _, c := range []*evidence.Cursor{nil, {Start: &at, ID: 90_000}} {
					for _, back := range []bool{false, true} {
						if back && c == nil {
							continue
						}
						q, args := tc.f.page(c, back)
						args = append(args, 20)
						plan, err := queryPlan(ctx, tx, q, args...)
						if err != nil {
							return err
						}
						if !regexp.MustCompile(`USING (COVERING )?INDEX ` + tc.index + `\b`).MatchString(plan) {
							t.Errorf("plan %q does not use %s", plan, tc.index)
						}
						if strings.Contains(plan, "TEMP B-TREE") != tc.sorts || regexp.MustCompile(`SCAN a\b`).MatchString(plan) && !strings.Contains(plan, "INDEX") {
							t.Errorf("plan %q: want a sort %v, never a scan of the table", plan, tc.sorts)
						}
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}
