package compliance

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"shilu/internal/evidence"
)

// R-RPT-1: per officer, department and period: activities, recording rate,
// coverage, interruptions explained, exemptions, late uploads and the
// average export delay, orphans.
func TestSummary(t *testing.T) {
	loc := shanghai(t)
	p := DefaultParams(loc)
	now := local(t, 2026, 12, 10, 0, 0, 0)

	a := baseInput(t)                                                                            // 26 Nov, 000123 + 000124
	a.Recordings[1].RecordedStart = ptr(a.Activity.Arrival.Add(30*time.Minute + 40*time.Second)) // 40 s gap for 000123
	a.Recordings[2].IngestedAt = local(t, 2026, 11, 27, 14, 30, 0)                               // late for 000124

	arrB := local(t, 2026, 12, 2, 9, 0, 0)
	b := ActivityInput{
		Activity: evidence.Activity{ID: 2, Type: evidence.ActivityService, Officers: []string{"000125"}, Arrival: arrB, End: arrB.Add(time.Hour), NoticeGiven: true},
		Exemptions: []evidence.Exemption{{ActivityID: 2, Category: evidence.ExemptEmergency, Reason: "现场冲突", Basis: "第七条第二项",
			SubmittedBy: "000125", SubmittedAt: arrB.Add(2 * time.Hour), AcknowledgedBy: "局长", AcknowledgedAt: ptr(arrB.Add(3 * time.Hour))}},
		DeviceChecks: []evidence.DeviceCheck{{Officer: "000125", Device: "DSJ0C56", BatteryOK: true, StorageOK: true, ClockOK: true, CheckedAt: arrB.Add(-time.Hour)}},
	}
	evals := []Evaluation{Evaluate(a, now, p), Evaluate(b, now, p)}
	orphans := []evidence.Recording{rec(9, "000123", "DSJ0A12", local(t, 2026, 12, 3, 9, 0, 0), time.Minute, now)}
	depts := map[string]string{"000123": "稽查一科", "000124": "稽查一科", "000125": "稽查二科"}

	type row struct {
		Key                                         string
		Acts, Exempted                              int
		Rate, Coverage                              float64
		Interruptions, Explained, Late, Orphans, Rc int
		DelayMin                                    int64 // average upload delay, minutes
	}
	tests := []struct {
		name string
		by   GroupBy
		want []row
	}{
		{"ByOfficer", ByOfficer, []row{
			{"000123", 1, 0, 100, 98.9, 1, 0, 0, 1, 2, 300}, // both in at 15:00, 5 h after the end
			{"000124", 1, 0, 100, 100, 0, 0, 1, 0, 1, 1710}, // the next day at 14:30: 28.5 h
			{"000125", 1, 1, 100, 0, 0, 0, 0, 0, 0, 0},
		}},
		{"ByDepartment", ByDepartment, []row{
			{"稽查一科", 1, 0, 100, 99.4, 1, 0, 1, 1, 3, 770}, // (5 + 5 + 28.5) / 3 h
			{"稽查二科", 1, 1, 100, 0, 0, 0, 0, 0, 0, 0},
		}},
		{"ByMonth", ByMonth, []row{
			{"2026-11", 1, 0, 100, 99.4, 1, 0, 1, 0, 3, 770},
			{"2026-12", 1, 1, 100, 0, 0, 0, 0, 1, 0, 0},
		}},
		{"ByWeek", ByWeek, []row{
			{"2026-W48", 1, 0, 100, 99.4, 1, 0, 1, 0, 3, 770},
			{"2026-W49", 1, 1, 100, 0, 0, 0, 0, 1, 0, 0},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []row
			for _, r := range Summary(evals, orphans, SummaryOptions{By: tt.by, Location: loc, Departments: depts}) {
				got = append(got, row{r.Key, r.Activities, r.Exempted, r.RecordingRate, r.Coverage, r.Interruptions, r.Explained, r.LateUploads, r.Orphans, r.Recordings,
					r.AvgUploadDelayMS / 60000})
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("summary (-want +got):\n%s", diff)
			}
		})
	}
}

// R-RPT-1, issue 9 point 9: a finding about an activity as a whole (no
// officer) counts once in a summary — for the first officer, or that
// officer's department — not once in each officer's row.
func TestSummaryActivityFindingCountsOnce(t *testing.T) {
	loc := shanghai(t)
	arr := local(t, 2026, 11, 26, 9, 0, 0)
	ev := Evaluation{
		Activity: evidence.Activity{ID: 1, Officers: []string{"000123", "000124", "000125"}, Arrival: arr, End: arr.Add(time.Hour)},
		Findings: []evidence.Finding{
			{Rule: RuleNoticeMissing, Status: evidence.FindingOpen},                  // the activity's
			{Rule: RuleCoverageGap, Officer: "000124", Status: evidence.FindingOpen}, // one officer's
		},
	}
	depts := map[string]string{"000123": "稽查一科", "000124": "稽查二科", "000125": "稽查二科"}
	for _, tt := range []struct {
		by   GroupBy
		want map[string]int
	}{
		{ByOfficer, map[string]int{"000123": 1, "000124": 1, "000125": 0}},
		{ByDepartment, map[string]int{"稽查一科": 1, "稽查二科": 1}},
		{ByMonth, map[string]int{"2026-11": 2}},
	} {
		got := map[string]int{}
		for _, r := range Summary([]Evaluation{ev}, nil, SummaryOptions{By: tt.by, Location: loc, Departments: depts}) {
			got[r.Key] = r.Findings
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s: findings per row (-want +got):\n%s", tt.by, diff)
		}
	}
}

// BenchmarkSummary evaluates 10 000 activities with 100 000 recordings and
// aggregates them by officer: the dashboard's work (issue 4 wants < 200 ms).
// budget-ratio is the time per op over the 200 ms budget.
func BenchmarkSummary(b *testing.B) {
	loc := shanghai(b)
	p := DefaultParams(loc)
	const nActs, perAct, nOfficers = 10_000, 10, 200
	depts := map[string]string{}
	for i := range nOfficers {
		depts[fmt.Sprintf("%06d", i)] = fmt.Sprintf("科室%02d", i%10)
	}
	start := time.Date(2026, 1, 1, 9, 0, 0, 0, loc)
	inputs := make([]ActivityInput, nActs)
	var id int64
	for i := range inputs {
		arr := start.Add(time.Duration(i) * 47 * time.Minute)
		o1, o2 := fmt.Sprintf("%06d", i%nOfficers), fmt.Sprintf("%06d", (i+7)%nOfficers)
		in := ActivityInput{Activity: evidence.Activity{ID: int64(i + 1), Type: evidence.ActivityTypes()[i%6], Officers: []string{o1, o2},
			Arrival: arr, End: arr.Add(40 * time.Minute), NoticeGiven: i%13 != 0}}
		for j := range perAct {
			id++
			o := o1
			if j%2 == 1 {
				o = o2
			}
			seg := time.Duration(j/2) * 8 * time.Minute
			if i%5 == 0 && j == 4 {
				seg += 40 * time.Second // an interruption now and then
			}
			up := arr.Add(3 * time.Hour)
			if i%17 == 0 {
				up = arr.Add(30 * time.Hour)
			}
			in.Recordings = append(in.Recordings, rec(id, o, "DSJ"+o[2:], arr.Add(seg), 8*time.Minute, up))
		}
		in.DeviceChecks = []evidence.DeviceCheck{{Officer: o1, Device: "D", BatteryOK: true, StorageOK: true, ClockOK: true, CheckedAt: arr.Add(-time.Hour)}}
		inputs[i] = in
	}
	now := start.AddDate(1, 0, 0)
	opt := SummaryOptions{By: ByOfficer, Location: loc, Departments: depts}
	evaluate := func() []Evaluation {
		evals := make([]Evaluation, len(inputs))
		for i, in := range inputs {
			evals[i] = Evaluate(in, now, p)
		}
		return evals
	}
	// Evaluate+Summary is the dashboard computed from scratch; Summary alone
	// is the dashboard over evaluations a store has kept.
	b.Run("Evaluate+Summary", func(b *testing.B) {
		for b.Loop() {
			_ = Summary(evaluate(), nil, opt)
		}
		b.ReportMetric(float64(b.Elapsed())/float64(b.N)/float64(200*time.Millisecond), "budget-ratio")
	})
	b.Run("Summary", func(b *testing.B) {
		evals := evaluate()
		for b.Loop() {
			_ = Summary(evals, nil, opt)
		}
		b.ReportMetric(float64(b.Elapsed())/float64(b.N)/float64(200*time.Millisecond), "budget-ratio")
	})
}
