package evidence

import (
	"time"
	"unicode/utf8"
)

// Purpose is why someone asks to view recordings. Art. 16 covers case work;
// Art. 17 extends the same rules to litigation, enforcement supervision and
// case analysis (R-VIEW-1, R-VIEW-2).
type Purpose string

// The purposes.
const (
	PurposeCaseWork     Purpose = "case_work"     // 办案
	PurposeLitigation   Purpose = "litigation"    // 涉法涉诉
	PurposeSupervision  Purpose = "supervision"   // 执法监督
	PurposeCaseAnalysis Purpose = "case_analysis" // 案情研判
	PurposeOther        Purpose = "other"
)

// Valid reports whether p is a known purpose.
func (p Purpose) Valid() bool {
	switch p {
	case PurposeCaseWork, PurposeLitigation, PurposeSupervision, PurposeCaseAnalysis, PurposeOther:
		return true
	}
	return false
}

// RequestStatus is where an access request stands.
type RequestStatus string

// The request states. Pending is the only state that changes: to approved
// or rejected by the requester's leader, or withdrawn by the requester.
const (
	RequestPending   RequestStatus = "pending"
	RequestApproved  RequestStatus = "approved"
	RequestRejected  RequestStatus = "rejected"
	RequestWithdrawn RequestStatus = "withdrawn"
)

// MaxAccessPeriod bounds how long a grant may last.
const MaxAccessPeriod = 30 * 24 * time.Hour

// The bounds of a request: its reason, in characters (a Chinese reason is
// as long as it reads, whatever its bytes), and how many recordings it
// names.
const (
	MinReason            = 4
	MaxReason            = 2000
	MaxRequestRecordings = 1000
)

// AccessRequest asks the leader's approval to view recordings (Art. 16).
type AccessRequest struct {
	ID           int64         `json:"id"`
	RequesterID  int64         `json:"requester_id"`
	Requester    string        `json:"requester"`
	Purpose      Purpose       `json:"purpose"`
	Reason       string        `json:"reason"`
	RecordingIDs []int64       `json:"recording_ids"`
	From         time.Time     `json:"from"`
	Until        time.Time     `json:"until"`
	Status       RequestStatus `json:"status"`
	CreatedAt    time.Time     `json:"created_at"`
	DecidedBy    string        `json:"decided_by,omitempty"`
	DecidedAt    *time.Time    `json:"decided_at,omitempty"`
	Comment      string        `json:"comment,omitempty"`
	GrantID      int64         `json:"grant_id,omitempty"`
	// GrantFrom and GrantUntil are the period of the grant an approval
	// created, which the leader may have shortened from the one asked
	// (GrantPeriod); GrantState is where that grant stands. All are empty
	// until the request is approved.
	GrantFrom  *time.Time `json:"grant_from,omitempty"`
	GrantUntil *time.Time `json:"grant_until,omitempty"`
	GrantState GrantState `json:"grant_state,omitempty"`
	// Download asks, and its approval grants, the download of a
	// watermarked copy (下载副本) besides viewing (R-SEC-2); never the
	// original, which leaves only through extraction (Art. 18).
	Download bool `json:"download"`
	// GrantRegistered is whether the grant has been registered (Art. 16);
	// false until the request is approved.
	GrantRegistered bool `json:"grant_registered,omitempty"`
}

// Validate checks a new request as submitted at now.
func (r AccessRequest) Validate(now time.Time) error {
	switch {
	case !r.Purpose.Valid():
		return Errorf(EInvalid, "err.access.purpose_unknown", string(r.Purpose))
	case utf8.RuneCountInString(r.Reason) < MinReason || utf8.RuneCountInString(r.Reason) > MaxReason:
		return Errorf(EInvalid, "err.access.reason_length", MinReason, MaxReason)
	case len(r.RecordingIDs) == 0 || len(r.RecordingIDs) > MaxRequestRecordings:
		return Errorf(EInvalid, "err.access.recordings_count", 1, MaxRequestRecordings)
	case !r.Until.After(r.From):
		return Errorf(EInvalid, "err.access.until_after_from")
	case r.Until.Before(now):
		return Errorf(EInvalid, "err.access.period_ended")
	case r.Until.Sub(r.From) > MaxAccessPeriod:
		return Errorf(EInvalid, "err.access.period_too_long", int(MaxAccessPeriod.Hours()/24))
	}
	return nil
}

// Decide moves a pending request to approved or rejected. The decider must
// not be the requester: nobody approves their own viewing.
func (r *AccessRequest) Decide(approve bool, by User, comment string, now time.Time) error {
	if r.Status != RequestPending {
		return Errorf(EConflict, "err.access.not_pending", r.ID, Msg("status."+string(r.Status)))
	}
	if by.ID == r.RequesterID {
		return Errorf(EForbidden, "err.access.own_request")
	}
	if !approve && len([]rune(comment)) < 2 {
		return Errorf(EInvalid, "err.access.reject_comment")
	}
	r.Status = RequestRejected
	if approve {
		r.Status = RequestApproved
	}
	r.DecidedBy, r.DecidedAt, r.Comment = by.Name, &now, comment
	return nil
}

// GrantPeriod is the period of the grant an approval of r at now creates:
// the period asked, or the part of it the leader keeps (from, until; nil
// keeps that end). A leader may shorten the period but never lengthen or
// move it: it stays within the one the requester asked for and explained.
// It never starts before the approval.
func (r AccessRequest) GrantPeriod(from, until *time.Time, now time.Time) (time.Time, time.Time, error) {
	f, u := r.From, r.Until
	if from != nil {
		f = from.UTC()
	}
	if until != nil {
		u = until.UTC()
	}
	if f.Before(r.From) || u.After(r.Until) {
		return f, u, Errorf(EInvalid, "err.access.grant_outside")
	}
	if f.Before(now) {
		f = now
	}
	switch {
	case !u.After(f):
		return f, u, Errorf(EInvalid, "err.access.until_after_from")
	case !u.After(now):
		return f, u, Errorf(EInvalid, "err.access.period_ended")
	}
	return f, u, nil
}

// Withdraw closes a pending request at its requester's wish. Only the
// requester may withdraw: a leader who does not want it rejects it, with a
// comment, so that the refusal is on record as the leader's.
func (r *AccessRequest) Withdraw(by User, now time.Time) error {
	if by.ID != r.RequesterID {
		return Errorf(EForbidden, "err.access.withdraw_not_own", r.ID)
	}
	if r.Status != RequestPending {
		return Errorf(EConflict, "err.access.not_pending", r.ID, Msg("status."+string(r.Status)))
	}
	r.Status, r.DecidedBy, r.DecidedAt, r.Comment = RequestWithdrawn, by.Name, &now, ""
	return nil
}

// Grant is a time-limited permission, created by an approval, for one user
// to play and download the recordings of one request.
type Grant struct {
	ID           int64      `json:"id"`
	RequestID    int64      `json:"request_id"`
	GranteeID    int64      `json:"grantee_id"`
	Grantee      string     `json:"grantee"`
	RecordingIDs []int64    `json:"recording_ids"`
	From         time.Time  `json:"from"`
	Until        time.Time  `json:"until"`
	RevokedAt    *time.Time `json:"revoked_at,omitempty"`
	RevokedBy    string     `json:"revoked_by,omitempty"`
	// State is where the grant stands when it was read (StateAt).
	State GrantState `json:"state"`
	// Download is whether the grant allows the download of a watermarked
	// copy (as its request asked and the leader approved).
	Download bool `json:"download"`
	// RegisteredAt is when the grant was registered (Art. 16: 经保管人登记后
	// 方可查阅); nil until then, and no content is served under it.
	// RegisteredHow says by whom: RegisteredByCustodian (RegisteredBy
	// names them), RegisteredByPolicy, or RegisteredBefore (made before
	// registration existed).
	RegisteredAt  *time.Time `json:"registered_at,omitempty"`
	RegisteredBy  string     `json:"registered_by,omitempty"`
	RegisteredHow string     `json:"registered_how,omitempty"`
}

// How a grant was registered.
const (
	RegisteredByCustodian = "custodian"
	RegisteredByPolicy    = "policy"
	RegisteredBefore      = "before"
)

// Registered reports whether content may be served under g as far as the
// custodian's registration goes (Art. 16).
func (g Grant) Registered() bool { return g.RegisteredAt != nil }

// GrantState is where a grant stands at a moment: not started yet, in
// force, run out, or ended early by a revocation.
type GrantState string

// The grant states.
const (
	GrantUpcoming GrantState = "upcoming"
	GrantLive     GrantState = "live"
	GrantExpired  GrantState = "expired"
	GrantRevoked  GrantState = "revoked"
)

// Live reports whether the grant allows viewing at t.
func (g Grant) Live(t time.Time) bool {
	return g.RevokedAt == nil && !t.Before(g.From) && t.Before(g.Until)
}

// GrantStateAt is where a grant of the period [from, until) stands at t; a
// revocation ends it whatever the period.
func GrantStateAt(from, until time.Time, revoked bool, t time.Time) GrantState {
	switch {
	case revoked:
		return GrantRevoked
	case !t.Before(until):
		return GrantExpired
	case t.Before(from):
		return GrantUpcoming
	}
	return GrantLive
}

// StateAt is where g stands at t.
func (g Grant) StateAt(t time.Time) GrantState {
	return GrantStateAt(g.From, g.Until, g.RevokedAt != nil, t)
}

// Ended reports whether the grant allows no more viewing, ever: it ran out
// or was revoked (one that has not started yet is not ended).
func (s GrantState) Ended() bool { return s == GrantExpired || s == GrantRevoked }

// Viewing is one entry of the custodian's register (查阅登记): who viewed
// which recording, under which grant, when and for how long. Range requests
// of one playback are one viewing while they follow each other closely.
type Viewing struct {
	ID          int64         `json:"id"`
	GrantID     int64         `json:"grant_id,omitempty"`
	Viewer      string        `json:"viewer"`
	RecordingID int64         `json:"recording_id"`
	Purpose     Purpose       `json:"purpose,omitempty"`
	Reason      string        `json:"reason,omitempty"`
	Approver    string        `json:"approver,omitempty"`
	StartedAt   time.Time     `json:"started_at"`
	LastAt      time.Time     `json:"last_at"`
	Duration    time.Duration `json:"-"`
	Seconds     float64       `json:"duration_seconds"`
	Requests    int64         `json:"requests"`
	Bytes       int64         `json:"bytes"`
	// Kind tells viewing (ViewingView, 查阅) from the download of a
	// watermarked copy (ViewingCopy, 下载).
	Kind string `json:"kind"`
	// Registrar is the custodian who registered the grant, "" when the
	// policy did (RegisteredHow) or for a viewing without a grant.
	Registrar     string     `json:"registrar,omitempty"`
	RegisteredHow string     `json:"registered_how,omitempty"`
	RegisteredAt  *time.Time `json:"registered_at,omitempty"`
}

// The kinds of rows in the register.
const (
	ViewingView = "view"
	ViewingCopy = "copy"
)

// ViewingGap is how long a pause between range requests may be for them to
// still count as one viewing.
const ViewingGap = 5 * time.Minute
