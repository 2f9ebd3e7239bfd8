package compliance

import (
	"time"

	"shilu/internal/evidence"
)

// Deadline is when the activity's recordings must be exported (Art. 13;
// R-UPL-1): by the end of the local calendar day on which the activity
// ended, or — for continuous work, work away or in a remote area — within
// 24 h of the officer's return to the unit. Days are counted in loc
// (Asia/Shanghai): a UTC day would move the boundary to 08:00 local. A
// deferred mode without a return time yet falls back to the same-day rule,
// the stricter reading, until the return is recorded.
func Deadline(a evidence.Activity, loc *time.Location) time.Time {
	if a.WorkMode.Deferred() && a.ReturnAt != nil {
		return a.ReturnAt.Add(24 * time.Hour)
	}
	if loc == nil {
		loc = time.UTC
	}
	e := a.End.In(loc)
	// time.Date normalises day+1 across month and year ends.
	return time.Date(e.Year(), e.Month(), e.Day()+1, 0, 0, 0, 0, loc)
}

// UploadState is where a recording stands against its export deadline.
type UploadState string

// The upload states.
const (
	UploadOnTime  UploadState = "on_time"
	UploadLate    UploadState = "late"    // uploaded after the deadline
	UploadOverdue UploadState = "overdue" // not uploaded and past the deadline
	UploadPending UploadState = "pending" // not uploaded, deadline not reached
)

// Upload is a recording's export status. By is how late (late), how far
// past the deadline (overdue) or how much time is left (pending); zero on
// time.
type Upload struct {
	State UploadState   `json:"state"`
	Due   time.Time     `json:"due"`
	By    time.Duration `json:"-"`
	ByMS  int64         `json:"by_ms"`
}

// UploadStatus compares the ingest time with the deadline due at now
// (Art. 13). ingested is nil while the recording is not in the archive. An
// upload at exactly the deadline is on time.
func UploadStatus(due time.Time, ingested *time.Time, now time.Time) Upload {
	u := Upload{Due: due}
	switch {
	case ingested != nil && ingested.After(due):
		u.State, u.By = UploadLate, ingested.Sub(due)
	case ingested != nil:
		u.State = UploadOnTime
	case now.After(due):
		u.State, u.By = UploadOverdue, now.Sub(due)
	default:
		u.State, u.By = UploadPending, due.Sub(now)
	}
	u.ByMS = u.By.Milliseconds()
	return u
}
