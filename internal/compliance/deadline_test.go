package compliance

import (
	"testing"
	"time"

	"shilu/internal/evidence"
)

// R-UPL-1: the deadline is the end of the local (Asia/Shanghai) day, or 24 h
// after the return for continuous, away and remote work.
func TestDeadline(t *testing.T) {
	loc := shanghai(t)
	day := func(h, m int) time.Time { return local(t, 2026, 11, 26, h, m, 0) }
	midnight := local(t, 2026, 11, 27, 0, 0, 0)
	tests := []struct {
		name string
		a    evidence.Activity
		want time.Time
	}{
		{"SameDay", evidence.Activity{Arrival: day(10, 0), End: day(11, 0), WorkMode: evidence.WorkNormal}, midnight},
		// 23:50 local is 15:50 UTC: a UTC day would wrongly allow until 08:00 local.
		{"EndsAt2350Local", evidence.Activity{Arrival: day(23, 0), End: day(23, 50)}, midnight},
		// 00:30 local on the 27th is still the 26th in UTC.
		{"EndsAfterLocalMidnight", evidence.Activity{Arrival: day(23, 0), End: local(t, 2026, 11, 27, 0, 30, 0)}, local(t, 2026, 11, 28, 0, 0, 0)},
		{"MonthAndYearEnd", evidence.Activity{Arrival: local(t, 2026, 12, 31, 20, 0, 0), End: local(t, 2026, 12, 31, 21, 0, 0)}, local(t, 2027, 1, 1, 0, 0, 0)},
		{"RemoteReturnPlus24h", evidence.Activity{Arrival: day(10, 0), End: day(11, 0), WorkMode: evidence.WorkRemote, ReturnAt: ptr(local(t, 2026, 11, 27, 9, 0, 0))}, local(t, 2026, 11, 28, 9, 0, 0)},
		{"AwayReturnPlus24h", evidence.Activity{Arrival: day(10, 0), End: day(11, 0), WorkMode: evidence.WorkAway, ReturnAt: ptr(day(18, 0))}, local(t, 2026, 11, 27, 18, 0, 0)},
		// Until the return is recorded the stricter same-day rule applies.
		{"ContinuousNoReturnYet", evidence.Activity{Arrival: day(10, 0), End: day(11, 0), WorkMode: evidence.WorkContinuous}, midnight},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Deadline(tt.a, loc); !got.Equal(tt.want) {
				t.Errorf("Deadline() = %v, want %v", got.In(loc), tt.want)
			}
		})
	}
	if got := Deadline(evidence.Activity{End: day(23, 50)}, loc); !got.Equal(time.Date(2026, 11, 26, 16, 0, 0, 0, time.UTC)) {
		t.Errorf("23:50 local deadline in UTC = %v, want 16:00 UTC", got.UTC())
	}
}

// R-UPL-1: on time, late by how much, overdue while missing, or pending.
func TestUploadStatus(t *testing.T) {
	loc := shanghai(t)
	sameDay := evidence.Activity{Arrival: local(t, 2026, 11, 26, 10, 0, 0), End: local(t, 2026, 11, 26, 11, 0, 0), WorkMode: evidence.WorkNormal}
	late2350 := evidence.Activity{Arrival: local(t, 2026, 11, 26, 23, 0, 0), End: local(t, 2026, 11, 26, 23, 50, 0)}
	remote := sameDay
	remote.WorkMode, remote.ReturnAt = evidence.WorkRemote, ptr(local(t, 2026, 11, 27, 9, 0, 0))
	nextAfternoon := local(t, 2026, 11, 27, 14, 30, 0)
	tests := []struct {
		name     string
		a        evidence.Activity
		ingested *time.Time
		now      time.Time
		want     UploadState
		by       time.Duration
	}{
		// R-UPL-1: uploaded the next afternoon for a same-day activity: late by 14h30m.
		{"NextAfternoonLate", sameDay, ptr(nextAfternoon), nextAfternoon, UploadLate, 14*time.Hour + 30*time.Minute},
		// R-UPL-1: the same upload for remote work returning at 09:00 is on time.
		{"RemoteWithReturnOnTime", remote, ptr(nextAfternoon), nextAfternoon, UploadOnTime, 0},
		// R-UPL-1: an activity ending 23:50 local and uploaded at 00:20 is 20 min late.
		{"Ends2350UploadedAfterMidnight", late2350, ptr(local(t, 2026, 11, 27, 0, 20, 0)), nextAfternoon, UploadLate, 20 * time.Minute},
		{"Ends2350UploadedAt2359", late2350, ptr(local(t, 2026, 11, 26, 23, 59, 0)), nextAfternoon, UploadOnTime, 0},
		{"AtDeadlineOnTime", sameDay, ptr(local(t, 2026, 11, 27, 0, 0, 0)), nextAfternoon, UploadOnTime, 0},
		{"MissingPastDueOverdue", sameDay, nil, nextAfternoon, UploadOverdue, 14*time.Hour + 30*time.Minute},
		{"MissingBeforeDuePending", sameDay, nil, local(t, 2026, 11, 26, 20, 0, 0), UploadPending, 4 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := UploadStatus(Deadline(tt.a, loc), tt.ingested, tt.now)
			if u.State != tt.want || u.By != tt.by || u.ByMS != tt.by.Milliseconds() {
				t.Errorf("UploadStatus() = %s by %v (%d ms), want %s by %v", u.State, u.By, u.ByMS, tt.want, tt.by)
			}
		})
	}
}
