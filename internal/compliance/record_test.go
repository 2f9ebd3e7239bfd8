package compliance

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"shilu/internal/evidence"
)

// R-RPT-1: the dashboard over stored records (Record, then Evaluation with
// the findings) gives exactly the rows of the dashboard over fresh
// evaluations, for every grouping.
func TestRecordKeepsTheSummary(t *testing.T) {
	loc := shanghai(t)
	p := DefaultParams(loc)
	now := local(t, 2026, 12, 10, 0, 0, 0)
	a := baseInput(t)
	a.Recordings[1].RecordedStart = ptr(a.Activity.Arrival.Add(30*time.Minute + 40*time.Second))
	a.Recordings[2].IngestedAt = local(t, 2026, 11, 27, 14, 30, 0)
	arr := local(t, 2026, 12, 2, 9, 0, 0)
	exempt := ActivityInput{Activity: evidence.Activity{ID: 2, Type: evidence.ActivityService, Officers: []string{"000125"}, Arrival: arr, End: arr.Add(time.Hour)},
		Exemptions: []evidence.Exemption{{ActivityID: 2, Category: evidence.ExemptEmergency, Reason: "r", Basis: "b", SubmittedBy: "x",
			SubmittedAt: arr, AcknowledgedBy: "y", AcknowledgedAt: ptr(arr.Add(time.Hour))}}}
	unrecorded := ActivityInput{Activity: evidence.Activity{ID: 3, Type: evidence.ActivityInspection, Officers: []string{"000124"}, Arrival: arr, End: arr.Add(time.Hour)}}
	// Recordings without times: linked, so recorded, but covering nothing.
	untimed := ActivityInput{Activity: evidence.Activity{ID: 4, Type: evidence.ActivityOther, Officers: []string{"000123"}, Arrival: arr, End: arr.Add(time.Hour)},
		Recordings: []evidence.Recording{{ID: 40, Officer: "000123", IngestedAt: arr.Add(2 * time.Hour)}}}

	var fresh, stored []Evaluation
	for _, in := range []ActivityInput{a, exempt, unrecorded, untimed} {
		ev := Evaluate(in, now, p)
		fresh = append(fresh, ev)
		b, err := json.Marshal(ev.Record())
		if err != nil {
			t.Fatal(err)
		}
		var r Record
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		stored = append(stored, r.Evaluation(in.Activity.ID, ev.Findings))
		if r.Percent() != ev.Coverage.Percent {
			t.Errorf("activity %d: record says %.1f %%, the evaluation %.1f %%", in.Activity.ID, r.Percent(), ev.Coverage.Percent)
		}
	}
	depts := map[string]string{"000123": "一科", "000124": "一科", "000125": "二科"}
	for _, by := range []GroupBy{ByOfficer, ByDepartment, ByDay, ByWeek, ByMonth} {
		opt := SummaryOptions{By: by, Location: loc, Departments: depts}
		if diff := cmp.Diff(Summary(fresh, nil, opt), Summary(stored, nil, opt)); diff != "" {
			t.Errorf("%s: summary over records differs (-fresh +stored):\n%s", by, diff)
		}
	}
}

// NextChange names the moment a deadline passes, so that a store re-runs
// the rules then and not on every view.
func TestNextChange(t *testing.T) {
	loc := shanghai(t)
	p := DefaultParams(loc)
	arr := local(t, 2026, 11, 26, 9, 0, 0)
	act := evidence.Activity{ID: 1, Type: evidence.ActivityInvestigation, Officers: []string{"000123", "000124"}, Arrival: arr, End: arr.Add(time.Hour)}
	due := local(t, 2026, 11, 27, 0, 0, 0)
	approved := local(t, 2026, 11, 26, 10, 0, 0)
	withPreservation := act
	withPreservation.Preservation = &evidence.Preservation{ApprovedBy: "局长", ApprovedAt: approved}
	decided := act
	decided.Preservation = &evidence.Preservation{ApprovedBy: "局长", ApprovedAt: approved, DecidedAt: ptr(approved.Add(time.Hour))}
	tests := []struct {
		name string
		a    evidence.Activity
		now  time.Time
		want time.Time // zero: none
	}{
		{"before the export deadline", act, arr, due},
		{"after it", act, due.Add(time.Hour), time.Time{}},
		{"the deadline, then the preservation decision", withPreservation, arr, due},
		{"the preservation decision", withPreservation, due.Add(time.Hour), approved.Add(7 * 24 * time.Hour)},
		{"decided", decided, due.Add(time.Hour), time.Time{}},
		{"everything past", withPreservation, approved.Add(8 * 24 * time.Hour), time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := Evaluate(ActivityInput{Activity: tt.a}, tt.now, p)
			next, ok := ev.NextChange(tt.now)
			if ok != !tt.want.IsZero() {
				t.Fatalf("NextChange = %v, %v; want %v", next, ok, tt.want)
			}
			if ok {
				if !next.After(tt.want) || next.Sub(tt.want) > time.Millisecond {
					t.Errorf("NextChange = %v, want just after %v", next, tt.want)
				}
				// Just past it, the rules indeed answer differently.
				if cmp.Equal(ruleKeys(ev.Findings), ruleKeys(Evaluate(ActivityInput{Activity: tt.a}, next, p).Findings)) {
					t.Errorf("the findings at %v are those at %v", next, tt.now)
				}
			}
		})
	}
}
