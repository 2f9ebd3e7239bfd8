package compliance

import (
	"time"

	"shilu/internal/evidence"
)

// Record is the part of an Evaluation that Summary reads, small enough to be
// stored per activity: the dashboard then aggregates stored records and
// findings instead of running the rules over every activity on each view
// (R-RPT-1; the issue asks for 10 000 activities in under 200 ms). Times are
// Unix milliseconds and fields are short because ten thousand of them are
// decoded per dashboard view.
type Record struct {
	Officers []string `json:"o"`
	Arrival  int64    `json:"a"`
	End      int64    `json:"e"`
	Exempt   bool     `json:"x,omitempty"`
	// Recorded is Summary's test for a recorded activity: any segment in
	// the window or any linked recording.
	Recorded bool `json:"r,omitempty"`
	// Covered is each officer's covered time in ms, in Officers' order;
	// nil when nothing was recorded.
	Covered []int64 `json:"c,omitempty"`
	// Recordings counts linked recordings per officer, including officers
	// not on the activity; Delay adds up their upload delays (ms).
	Recordings map[string]int   `json:"n,omitempty"`
	Delay      map[string]int64 `json:"d,omitempty"`
}

// Record returns what Summary needs of ev.
func (ev Evaluation) Record() Record {
	a := ev.Activity
	r := Record{Officers: a.Officers, Arrival: a.Arrival.UnixMilli(), End: a.End.UnixMilli(), Exempt: ev.Exempt,
		Recorded: ev.Coverage.Recorded || len(ev.Uploads) > 0}
	if ev.Coverage.Recorded {
		r.Covered = make([]int64, len(a.Officers))
		for _, oc := range ev.Coverage.Officers {
			for i, o := range a.Officers {
				if o == oc.Officer {
					r.Covered[i] = oc.CoveredMS
				}
			}
		}
	}
	if len(ev.RecordingsByOfficer) > 0 {
		r.Recordings = ev.RecordingsByOfficer
	}
	if len(ev.UploadDelayByOfficer) > 0 {
		r.Delay = ev.UploadDelayByOfficer
	}
	return r
}

// Percent is the activity's coverage as CoverageReport.Percent gives it:
// covered officer-time over officers × window.
func (r Record) Percent() float64 {
	var covered int64
	for _, c := range r.Covered {
		covered += c
	}
	return percent(time.Duration(covered)*time.Millisecond, time.Duration(r.End-r.Arrival)*time.Millisecond*time.Duration(len(r.Officers)))
}

// Evaluation rebuilds, for Summary, the Evaluation a Record was taken from,
// with the findings as they stand now (their status changes after the
// evaluation: explained, accepted). Only the fields Summary reads are set.
func (r Record) Evaluation(activityID int64, findings []evidence.Finding) Evaluation {
	a := evidence.Activity{ID: activityID, Officers: r.Officers, Arrival: time.UnixMilli(r.Arrival).UTC(), End: time.UnixMilli(r.End).UTC()}
	ev := Evaluation{Activity: a, Exempt: r.Exempt, RecordingsByOfficer: r.Recordings, UploadDelayByOfficer: r.Delay, Findings: findings,
		Coverage: CoverageReport{ActivityID: activityID, Start: a.Arrival, End: a.End, Recorded: r.Recorded}}
	if r.Covered != nil {
		ev.Coverage.Officers = make([]OfficerCoverage, len(r.Officers))
		for i, o := range r.Officers {
			ev.Coverage.Officers[i] = OfficerCoverage{Officer: o, CoveredMS: r.Covered[i]}
		}
	}
	return ev
}

// NextChange is the first moment after now at which the same inputs give
// a different evaluation, because a deadline passes: the export deadline
// (Art. 7, 9, 13: unrecorded, overdue) or the 7-day decision after
// 先行登记保存 (X-ACT-3). It reports false when time alone changes nothing
// more, so a store re-runs the rules exactly when they could change.
func (ev Evaluation) NextChange(now time.Time) (time.Time, bool) {
	var next time.Time
	consider := func(t time.Time) {
		if t.After(now) && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	// The rules compare with now.After(due), so the result changes just
	// past the deadline.
	consider(ev.Due.Add(time.Microsecond))
	if p := ev.Activity.Preservation; p != nil && p.DecidedAt == nil {
		consider(p.DecisionDue().Add(time.Microsecond))
	}
	return next, !next.IsZero()
}
