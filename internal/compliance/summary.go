package compliance

import (
	"fmt"
	"slices"
	"time"

	"shilu/internal/evidence"
)

// GroupBy is the dimension a Summary is broken down by (R-RPT-1).
type GroupBy string

// The summary dimensions.
const (
	ByOfficer    GroupBy = "officer"
	ByDepartment GroupBy = "department"
	ByDay        GroupBy = "day"
	ByWeek       GroupBy = "week"
	ByMonth      GroupBy = "month"
)

// SummaryOptions says how to group. Departments maps officer numbers to
// their department; officers missing from it count under "".
type SummaryOptions struct {
	By          GroupBy
	Location    *time.Location
	Departments map[string]string
}

// SummaryRow is one line of the compliance dashboard (R-RPT-1, X-RPT-1).
// Rates are percentages rounded to 0.1.
type SummaryRow struct {
	Key        string `json:"key"`
	Activities int    `json:"activities"`
	// Recorded counts activities with any recording; Exempted those excused
	// by an acknowledged exemption (Art. 7). RecordingRate is recorded or
	// exempted over all.
	Recorded      int     `json:"recorded"`
	Exempted      int     `json:"exempted"`
	RecordingRate float64 `json:"recording_rate"`
	// Coverage is covered officer-time over required officer-time of the
	// recorded activities (Art. 9).
	CoveredMS     int64   `json:"covered_ms"`
	RequiredMS    int64   `json:"required_ms"`
	Coverage      float64 `json:"coverage"`
	Interruptions int     `json:"interruptions"`
	Explained     int     `json:"explained"`
	Recordings    int     `json:"recordings"`
	// UploadDelayMS adds up how long after their activity's end the
	// recordings came in; AvgUploadDelayMS is that over Recordings: the
	// export delay (Art. 13; R-RPT-1).
	UploadDelayMS    int64 `json:"upload_delay_ms"`
	AvgUploadDelayMS int64 `json:"avg_upload_delay_ms"`
	LateUploads      int   `json:"late_uploads"`
	Orphans          int   `json:"orphans"`
	Findings         int   `json:"findings"`
	OpenFindings     int   `json:"open_findings"`
}

// Summary aggregates evaluations and orphan recordings into dashboard rows,
// sorted by key. By officer, an activity counts once for each of its
// officers with that officer's own coverage, gaps and uploads; by department
// once for each department on it; by period once, in the local day, ISO week
// or month of its arrival.
func Summary(evals []Evaluation, orphans []evidence.Recording, opt SummaryOptions) []SummaryRow {
	loc := opt.Location
	if loc == nil {
		loc = time.UTC
	}
	rows := map[string]*SummaryRow{}
	row := func(k string) *SummaryRow {
		r := rows[k]
		if r == nil {
			r = &SummaryRow{Key: k}
			rows[k] = r
		}
		return r
	}
	period := func(t time.Time) string { return PeriodKey(opt.By, t.In(loc)) }

	var keys []string
	for i := range evals {
		ev := &evals[i]
		a := ev.Activity
		keys = keys[:0]
		switch opt.By {
		case ByOfficer:
			keys = append(keys, a.Officers...)
		case ByDepartment:
			for _, o := range a.Officers {
				if d := opt.Departments[o]; !slices.Contains(keys, d) {
					keys = append(keys, d)
				}
			}
		default:
			keys = append(keys, period(a.Arrival))
		}
		for _, k := range keys {
			r := row(k)
			r.Activities++
			if ev.Exempt {
				r.Exempted++
			} else if ev.Coverage.Recorded || len(ev.Uploads) > 0 {
				r.Recorded++
			}
			mine := func(officer string) bool {
				switch opt.By {
				case ByOfficer:
					return officer == k
				case ByDepartment:
					return opt.Departments[officer] == k
				}
				return true
			}
			if !ev.Exempt && ev.Coverage.Recorded {
				window := a.End.Sub(a.Arrival)
				for _, oc := range ev.Coverage.Officers {
					if mine(oc.Officer) {
						r.CoveredMS += oc.CoveredMS
						r.RequiredMS += window.Milliseconds()
					}
				}
			}
			for _, f := range ev.Findings {
				// A finding about the activity as a whole (no officer)
				// counts once, for its first officer (主办), not in every
				// officer's row.
				officer := f.Officer
				if officer == "" && len(a.Officers) > 0 {
					officer = a.Officers[0]
				}
				if officer != "" && !mine(officer) {
					continue
				}
				r.Findings++
				if f.Status == evidence.FindingOpen {
					r.OpenFindings++
				}
				switch f.Rule {
				case RuleCoverageGap:
					r.Interruptions++
					if f.Status != evidence.FindingOpen {
						r.Explained++
					}
				case RuleUploadLate:
					r.LateUploads++
				}
			}
		}
		// Recordings count where their officer belongs, once each.
		for _, k := range keys {
			for officer, n := range ev.RecordingsByOfficer {
				if opt.By == ByOfficer && officer != k || opt.By == ByDepartment && opt.Departments[officer] != k {
					continue
				}
				rows[k].Recordings += n
				rows[k].UploadDelayMS += ev.UploadDelayByOfficer[officer]
			}
		}
	}
	for _, o := range orphans {
		var k string
		switch opt.By {
		case ByOfficer:
			k = o.Officer
		case ByDepartment:
			k = opt.Departments[o.Officer]
		default:
			t := o.IngestedAt
			if o.RecordedStart != nil {
				t = *o.RecordedStart
			}
			k = period(t)
		}
		row(k).Orphans++
	}

	out := make([]SummaryRow, 0, len(rows))
	for _, r := range rows {
		r.RecordingRate = ratio(r.Recorded+r.Exempted, r.Activities)
		r.Coverage = Rate(r.CoveredMS, r.RequiredMS)
		r.AvgUploadDelayMS = AvgDelay(r.UploadDelayMS, r.Recordings)
		out = append(out, *r)
	}
	slices.SortFunc(out, func(x, y SummaryRow) int {
		switch {
		case x.Key < y.Key:
			return -1
		case x.Key > y.Key:
			return 1
		}
		return 0
	})
	return out
}

// PeriodKey is the key of the local day ("2006-01-02"), ISO week
// ("2006-W02") or month ("2006-01") of t, already in the local zone; by any
// other grouping, the day. Summary keys its period rows so, and whatever
// else is counted per period (views, exports) must match them.
func PeriodKey(by GroupBy, t time.Time) string {
	switch by {
	case ByWeek:
		y, w := t.ISOWeek()
		return fmt.Sprintf("%04d-W%02d", y, w)
	case ByMonth:
		return t.Format("2006-01")
	}
	return t.Format("2006-01-02")
}

func ratio(n, d int) float64 { return Rate(int64(n), int64(d)) }

// AvgDelay is sum over n recordings, rounded to the millisecond; 0 when
// there are none.
func AvgDelay(sum int64, n int) int64 {
	if n == 0 {
		return 0
	}
	return (sum + int64(n)/2) / int64(n)
}

// Rate is n/d in percent rounded to 0.1, as the rows' rates are; 0 when d
// is 0. Totals over rows use it on the summed counts.
func Rate(n, d int64) float64 {
	if d == 0 {
		return 0
	}
	return float64(int64(float64(n)/float64(d)*1000+0.5)) / 10
}
