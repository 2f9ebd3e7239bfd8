package evidence

import (
	"strings"
	"testing"
	"time"
)

func TestAccessRequestValidate(t *testing.T) {
	now := time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC)
	ok := AccessRequest{Purpose: PurposeCaseWork, Reason: "案件调查需要", RecordingIDs: []int64{1}, From: now, Until: now.Add(24 * time.Hour)}
	tests := []struct {
		name   string
		mutate func(*AccessRequest)
		key    string // of the EInvalid error; "" for none
	}{
		{"OK", func(*AccessRequest) {}, ""},
		// The reason is counted in characters: 2000 Chinese ones are 6000 bytes.
		{"OKLongChineseReason", func(r *AccessRequest) { r.Reason = strings.Repeat("查", MaxReason) }, ""},
		{"ErrReasonTooLong", func(r *AccessRequest) { r.Reason = strings.Repeat("查", MaxReason+1) }, "err.access.reason_length"},
		{"ErrPurpose", func(r *AccessRequest) { r.Purpose = "curiosity" }, "err.access.purpose_unknown"},
		{"ErrNoReason", func(r *AccessRequest) { r.Reason = "看" }, "err.access.reason_length"},
		{"ErrNoRecordings", func(r *AccessRequest) { r.RecordingIDs = nil }, "err.access.recordings_count"},
		{"ErrBackwards", func(r *AccessRequest) { r.Until = r.From }, "err.access.until_after_from"},
		{"ErrPast", func(r *AccessRequest) { r.From, r.Until = now.Add(-48*time.Hour), now.Add(-time.Hour) }, "err.access.period_ended"},
		{"ErrTooLong", func(r *AccessRequest) { r.Until = r.From.Add(MaxAccessPeriod + time.Hour) }, "err.access.period_too_long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ok
			tt.mutate(&r)
			err := r.Validate(now)
			if got := ErrorMessage(err).Key; got != tt.key || tt.key != "" && ErrorCode(err) != EInvalid {
				t.Errorf("Validate() = %v, want %s %s", err, EInvalid, tt.key)
			}
		})
	}
}

// R-VIEW-1: only a pending request is decided, never by its requester, and
// a rejection says why.
func TestAccessRequestDecide(t *testing.T) {
	now := time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC)
	leader := User{ID: 2, Name: "liuyang", Role: RoleLeader}
	tests := []struct {
		name    string
		status  RequestStatus
		by      User
		approve bool
		comment string
		want    Code
		after   RequestStatus
	}{
		{"Approve", RequestPending, leader, true, "", "", RequestApproved},
		{"RejectWithComment", RequestPending, leader, false, "理由不充分", "", RequestRejected},
		{"ErrRejectWithoutComment", RequestPending, leader, false, "", EInvalid, RequestPending},
		{"ErrOwnRequest", RequestPending, User{ID: 1, Name: "zhangwei"}, true, "", EForbidden, RequestPending},
		{"ErrAlreadyDecided", RequestApproved, leader, true, "", EConflict, RequestApproved},
		{"ErrWithdrawn", RequestWithdrawn, leader, false, "no", EConflict, RequestWithdrawn},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := AccessRequest{ID: 9, RequesterID: 1, Status: tt.status}
			err := r.Decide(tt.approve, tt.by, tt.comment, now)
			if ErrorCode(err) != tt.want || r.Status != tt.after {
				t.Fatalf("Decide: code %q status %s, want %q %s", ErrorCode(err), r.Status, tt.want, tt.after)
			}
			if err == nil && (r.DecidedBy != tt.by.Name || !r.DecidedAt.Equal(now)) {
				t.Errorf("decision not recorded: %+v", r)
			}
		})
	}
}

func TestGrantLive(t *testing.T) {
	from := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	g := Grant{From: from, Until: from.Add(time.Hour)}
	revoked := from.Add(time.Minute)
	for _, c := range []struct {
		name string
		g    Grant
		at   time.Time
		want bool
	}{
		{"BeforeStart", g, from.Add(-time.Second), false},
		{"AtStart", g, from, true},
		{"Inside", g, from.Add(59 * time.Minute), true},
		{"AtEnd", g, from.Add(time.Hour), false},
		{"Revoked", Grant{From: from, Until: from.Add(time.Hour), RevokedAt: &revoked}, from.Add(2 * time.Minute), false},
	} {
		if got := c.g.Live(c.at); got != c.want {
			t.Errorf("%s: Live = %v, want %v", c.name, got, c.want)
		}
	}
}
