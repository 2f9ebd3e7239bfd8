package evidence

import (
	"encoding/json"
	"strings"
	"time"
)

// ActivityType is the kind of on-site enforcement action (执法活动). Art. 6
// lists the six that must be recorded; the ids are stable because stores,
// the API and reports key on them (R-ACT-1).
type ActivityType string

// The activity types of Art. 6 (一)–(六).
const (
	ActivityInspection    ActivityType = "inspection"    // (一) 日常执法检查
	ActivityComplaint     ActivityType = "complaint"     // (二) 投诉、举报处理
	ActivityInvestigation ActivityType = "investigation" // (三) 调查取证、先行登记保存
	ActivityService       ActivityType = "service"       // (四) 证据、执法文书送达
	ActivityCoercion      ActivityType = "coercion"      // (五) 行政强制措施
	ActivityOther         ActivityType = "other"         // (六) 其他现场执法办案活动
)

// ActivityTypes lists the types in the order of Art. 6, for forms and reports.
func ActivityTypes() []ActivityType {
	return []ActivityType{ActivityInspection, ActivityComplaint, ActivityInvestigation, ActivityService, ActivityCoercion, ActivityOther}
}

// Valid reports whether t is one of the types of Art. 6.
func (t ActivityType) Valid() bool {
	switch t {
	case ActivityInspection, ActivityComplaint, ActivityInvestigation, ActivityService, ActivityCoercion, ActivityOther:
		return true
	}
	return false
}

// Label is the type's name as Art. 6 writes it.
func (t ActivityType) Label() string {
	switch t {
	case ActivityInspection:
		return "日常检查"
	case ActivityComplaint:
		return "投诉举报处理"
	case ActivityInvestigation:
		return "调查取证/先行登记保存"
	case ActivityService:
		return "送达"
	case ActivityCoercion:
		return "行政强制措施"
	case ActivityOther:
		return "其他现场执法"
	}
	return string(t)
}

// WorkMode says whether the officers could hand in their recordings the same
// day. Art. 13 moves the export deadline to 24 h after the return to the
// unit for continuous work, work away and work in remote areas.
type WorkMode string

// The work modes of Art. 13.
const (
	WorkNormal     WorkMode = "normal"     // back the same day
	WorkContinuous WorkMode = "continuous" // 连续工作
	WorkAway       WorkMode = "away"       // 异地执法
	WorkRemote     WorkMode = "remote"     // 偏远、交通不便地区
)

// Valid reports whether m is a known work mode. The empty mode counts as
// normal so that feeds from other systems need not name it.
func (m WorkMode) Valid() bool {
	switch m {
	case "", WorkNormal, WorkContinuous, WorkAway, WorkRemote:
		return true
	}
	return false
}

// Deferred reports whether m is one of the modes for which Art. 13 allows
// 24 h after the return instead of the same day.
func (m WorkMode) Deferred() bool {
	return m == WorkContinuous || m == WorkAway || m == WorkRemote
}

// Place is where an activity happened (Art. 10: 地点). Coordinates are
// optional: many sites are known only by address.
type Place struct {
	Address string   `json:"address"`
	Lat     *float64 `json:"lat,omitempty"`
	Lon     *float64 `json:"lon,omitempty"`
}

// PreservationDecisionPeriod is the time within which a decision must follow
// 先行登记保存 (行政处罚法 第56条: 七日内; X-ACT-3).
const PreservationDecisionPeriod = 7 * 24 * time.Hour

// Preservation tracks 先行登记保存 (registration and preservation of
// evidence) done during an activity: the leader's approval and the decision
// that must follow within PreservationDecisionPeriod (X-ACT-3).
type Preservation struct {
	ApprovedBy string    `json:"approved_by"`
	ApprovedAt time.Time `json:"approved_at"`
	// DecidedAt is when the decision on the preserved evidence was made;
	// nil while undecided.
	DecidedAt *time.Time `json:"decided_at,omitempty"`
}

// DecisionDue is when the decision is due. The period runs from the
// approval, the earliest time the system knows the preservation took effect.
func (p Preservation) DecisionDue() time.Time { return p.ApprovedAt.Add(PreservationDecisionPeriod) }

// Activity is one on-site enforcement action (执法活动) that must be recorded
// from arrival to end (Art. 6, 9) and whose facts Art. 10 lists.
type Activity struct {
	ID    int64        `json:"id"`
	Type  ActivityType `json:"type"`
	Place Place        `json:"place"`
	// Officers are the officer numbers of everyone on site. X-ACT-1 expects
	// at least two on an inspection.
	Officers []string `json:"officers"`
	// Devices are the recorders carried, when known; recordings from them
	// are proposed for linking even if the officer field is wrong.
	Devices []string  `json:"devices,omitempty"`
	Party   string    `json:"party,omitempty"`
	Arrival time.Time `json:"arrival"`
	End     time.Time `json:"end"`
	// WorkMode and ReturnAt decide the export deadline (Art. 13).
	WorkMode WorkMode   `json:"work_mode"`
	ReturnAt *time.Time `json:"return_at,omitempty"`
	// CaseNumber links the activity to a case file (案卷), if any.
	CaseNumber string `json:"case_number,omitempty"`
	// Scene, Violations and PhysicalEvidence are the Art. 10 facts: what the
	// footage must show (R-ACT-5).
	Scene            string `json:"scene,omitempty"`
	Violations       string `json:"violations,omitempty"`
	PhysicalEvidence string `json:"physical_evidence,omitempty"`
	// NoticeGiven confirms the party was told recording is on (Art. 8).
	NoticeGiven  bool          `json:"notice_given"`
	Preservation *Preservation `json:"preservation,omitempty"`
	// Void is set when the activity was voided (作废) as entered by
	// mistake; nil while it stands. It is never set through an update.
	Void *Void `json:"void,omitempty"`
}

// Void records who voided an activity, when and why. A void activity keeps
// its record and its linked recordings, but no rule judges it and no figure
// counts it.
type Void struct {
	By     string    `json:"by"`
	At     time.Time `json:"at"`
	Reason string    `json:"reason"`
}

// Voided reports whether a was voided.
func (a Activity) Voided() bool { return a.Void != nil }

// Plausible times. Times an officer enters (arrival, end, the return, a
// device check, an interruption) must lie in [EarliestTime, now +
// FutureSlack]: the archive holds digital recordings made under the 2021
// regulation, so a year before 2000 is a typing error (1900 from an empty
// year field), and more than a day ahead of the server's clock is one too
// (9999, or a wrong month); a day leaves room for a device or a feed a few
// hours off and for the date line of a time typed in another zone.
var EarliestTime = time.Date(2000, 1, 1, 0, 0, 0, 0, Zone)

// FutureSlack is how far past the server's clock a time may lie.
const FutureSlack = 24 * time.Hour

// MaxActivitySpan bounds an activity from arrival to end. On-site work is
// hours; continuous work and work away (Art. 13) may run over days, but a
// week on site without a new activity is a typing error in the date.
const MaxActivitySpan = 7 * 24 * time.Hour

// ValidDevice reports whether id looks like a recorder's identifier as the
// cameras and the stations write it (DSJ0A12, ZFY-2024-0007): 1 to 64
// letters, digits, '-', '_' and '.', starting with a letter or digit. There
// is no registry of recorders to check it against.
func ValidDevice(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i, r := range id {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case i > 0 && (r == '-' || r == '_' || r == '.'):
		default:
			return false
		}
	}
	return true
}

// HasOfficer reports whether officer is one of a's officers.
func (a Activity) HasOfficer(officer string) bool {
	for _, o := range a.Officers {
		if o == officer {
			return true
		}
	}
	return false
}

// Validate checks what must hold before an activity is stored. It returns
// an EInvalid *Error naming the first problem.
func (a Activity) Validate() error {
	switch {
	case !a.Type.Valid():
		return Errorf(EInvalid, "err.activity.type_unknown", string(a.Type))
	case len(a.Officers) == 0:
		return Errorf(EInvalid, "err.activity.no_officer")
	case strings.TrimSpace(a.Place.Address) == "":
		return Errorf(EInvalid, "err.activity.no_place")
	case a.Arrival.IsZero() || a.End.IsZero():
		return Errorf(EInvalid, "err.activity.no_times")
	case !a.End.After(a.Arrival):
		return Errorf(EInvalid, "err.activity.end_before_arrival")
	case a.End.Sub(a.Arrival) > MaxActivitySpan:
		return Errorf(EInvalid, "err.activity.too_long", int(MaxActivitySpan/(24*time.Hour)))
	case !a.WorkMode.Valid():
		return Errorf(EInvalid, "err.activity.work_mode_unknown", string(a.WorkMode))
	}
	seen := make(map[string]bool, len(a.Officers))
	for _, o := range a.Officers {
		if strings.TrimSpace(o) == "" {
			return Errorf(EInvalid, "err.activity.officer_empty")
		}
		if seen[o] {
			return Errorf(EInvalid, "err.activity.officer_twice", o)
		}
		seen[o] = true
	}
	for _, d := range a.Devices {
		if !ValidDevice(d) {
			return Errorf(EInvalid, "err.activity.device_format", d)
		}
	}
	if (a.Place.Lat == nil) != (a.Place.Lon == nil) {
		return Errorf(EInvalid, "err.activity.coordinates_half")
	}
	if a.Place.Lat != nil && (*a.Place.Lat < -90 || *a.Place.Lat > 90 || *a.Place.Lon < -180 || *a.Place.Lon > 180) {
		return Errorf(EInvalid, "err.activity.coordinates_range")
	}
	// Art. 13: the return time sets the deadline for work away and in remote
	// areas, so without it the deadline is unknown. Continuous work may be
	// stored before the return; its deadline then falls back to the same day.
	switch {
	case (a.WorkMode == WorkAway || a.WorkMode == WorkRemote) && a.ReturnAt == nil:
		return Errorf(EInvalid, "err.activity.return_needed")
	case !a.WorkMode.Deferred() && a.ReturnAt != nil:
		return Errorf(EInvalid, "err.activity.return_not_applicable")
	case a.ReturnAt != nil && a.ReturnAt.Before(a.End):
		return Errorf(EInvalid, "err.activity.return_before_end")
	}
	if p := a.Preservation; p != nil {
		if a.Type != ActivityInvestigation && a.Type != ActivityCoercion && a.Type != ActivityOther {
			return Errorf(EInvalid, "err.activity.preservation_type")
		}
		if strings.TrimSpace(p.ApprovedBy) == "" || p.ApprovedAt.IsZero() {
			return Errorf(EInvalid, "err.activity.preservation_approval")
		}
		if p.DecidedAt != nil && p.DecidedAt.Before(p.ApprovedAt) {
			return Errorf(EInvalid, "err.activity.preservation_decided_early")
		}
	}
	return nil
}

// NoticeBureau is the unit named in the notice of Art. 8.
const NoticeBureau = "丰南区医疗保障局"

// NoticeText is the standard notice (告知规范用语) of Art. 8 with the
// officers' names in place of the ***: the regulation gives the sentence
// word for word, so it is reproduced exactly (R-ACT-3). Names are joined
// with 、 as in the original; with no names the placeholder stays.
func NoticeText(officerNames []string) string {
	names := make([]string, 0, len(officerNames))
	for _, n := range officerNames {
		if n = strings.TrimSpace(n); n != "" {
			names = append(names, n)
		}
	}
	who := "***、***"
	if len(names) > 0 {
		who = strings.Join(names, "、")
	}
	return "您好，我们是" + NoticeBureau + "执法人员" + who + "，为保护您的合法权益，监督我们的执法行为，本次执法全程录音录像。"
}

// DeviceCheck is the officer's check of a recorder before enforcement:
// battery, free storage and the device's date and time (Art. 5; R-DEV-1).
type DeviceCheck struct {
	ID         int64     `json:"id"`
	ActivityID int64     `json:"activity_id,omitempty"`
	Officer    string    `json:"officer"`
	Device     string    `json:"device"`
	BatteryOK  bool      `json:"battery_ok"`
	StorageOK  bool      `json:"storage_ok"`
	ClockOK    bool      `json:"clock_ok"`
	CheckedAt  time.Time `json:"checked_at"`
	Note       string    `json:"note,omitempty"`
}

// OK reports whether the device passed every item of Art. 5.
func (c DeviceCheck) OK() bool { return c.BatteryOK && c.StorageOK && c.ClockOK }

// Validate checks that the check names who checked what, and when.
func (c DeviceCheck) Validate() error {
	switch {
	case strings.TrimSpace(c.Officer) == "":
		return Errorf(EInvalid, "err.device_check.no_officer")
	case strings.TrimSpace(c.Device) == "":
		return Errorf(EInvalid, "err.device_check.no_device")
	case !ValidDevice(c.Device):
		return Errorf(EInvalid, "err.activity.device_format", c.Device)
	case c.CheckedAt.IsZero():
		return Errorf(EInvalid, "err.device_check.no_time")
	}
	return nil
}

// InterruptionCause is why recording stopped. Art. 11 allows only objective
// causes and names them (R-ACT-6).
type InterruptionCause string

// The causes of Art. 11.
const (
	CauseDeviceFault    InterruptionCause = "device_fault"    // 设备故障、损坏
	CauseWeather        InterruptionCause = "weather"         // 天气情况恶劣
	CauseBatteryStorage InterruptionCause = "battery_storage" // 电量、存储空间不足
	CausePlaceChange    InterruptionCause = "place_change"    // 检查场所变化
	CauseOther          InterruptionCause = "other"
)

// Valid reports whether c is a known cause.
func (c InterruptionCause) Valid() bool {
	switch c {
	case CauseDeviceFault, CauseWeather, CauseBatteryStorage, CausePlaceChange, CauseOther:
		return true
	}
	return false
}

// Interruption is an officer's explanation of a gap in the recording of an
// activity (Art. 11). Gaps are computed from the recordings; the
// explanation names the gap by officer and time span, and applies to every
// computed gap it overlaps.
type Interruption struct {
	ID         int64             `json:"id"`
	ActivityID int64             `json:"activity_id"`
	Officer    string            `json:"officer"`
	Start      time.Time         `json:"start"`
	End        time.Time         `json:"end"`
	Cause      InterruptionCause `json:"cause"`
	Note       string            `json:"note,omitempty"`
	// VoiceRecordingID and VoicePoint locate, in the resumed recording, the
	// spoken explanation of the cause that Art. 11 requires.
	VoiceRecordingID int64         `json:"voice_recording_id,omitempty"`
	VoicePoint       time.Duration `json:"-"` // offset into the recording; voice_point_ms in JSON
	// CouldNotContinue marks recording that was not resumed at all (确实无法
	// 继续记录): then the immediate report to the department head and a
	// written explanation afterwards are required (R-ACT-7).
	CouldNotContinue   bool       `json:"could_not_continue"`
	ReportedTo         string     `json:"reported_to,omitempty"`
	ReportedAt         *time.Time `json:"reported_at,omitempty"`
	WrittenExplanation string     `json:"written_explanation,omitempty"`
	ExplainedBy        string     `json:"explained_by,omitempty"`
	ExplainedAt        time.Time  `json:"explained_at"`
}

type interruptionJSON struct {
	interruptionAlias
	VoicePointMS int64 `json:"voice_point_ms,omitempty"`
}

type interruptionAlias Interruption

// MarshalJSON writes VoicePoint as whole milliseconds (voice_point_ms), as
// media.Facts does for durations.
func (i Interruption) MarshalJSON() ([]byte, error) {
	return json.Marshal(interruptionJSON{interruptionAlias(i), i.VoicePoint.Milliseconds()})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (i *Interruption) UnmarshalJSON(b []byte) error {
	var j interruptionJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*i = Interruption(j.interruptionAlias)
	i.VoicePoint = time.Duration(j.VoicePointMS) * time.Millisecond
	return nil
}

// Validate checks what must hold before an explanation is stored: a span,
// a cause, and either the voice point in the resumed recording or, when
// recording could not go on, the report to the department head (Art. 11).
// The written explanation may follow later; Complete tells when it has.
func (i Interruption) Validate() error {
	switch {
	case strings.TrimSpace(i.Officer) == "":
		return Errorf(EInvalid, "err.interruption.no_officer")
	case !i.End.After(i.Start):
		return Errorf(EInvalid, "err.interruption.end_before_start")
	case !i.Cause.Valid():
		return Errorf(EInvalid, "err.interruption.cause_unknown", string(i.Cause))
	case i.Cause == CauseOther && strings.TrimSpace(i.Note) == "":
		return Errorf(EInvalid, "err.interruption.other_cause")
	case i.VoicePoint < 0:
		return Errorf(EInvalid, "err.interruption.voice_point_negative")
	case i.CouldNotContinue && strings.TrimSpace(i.ReportedTo) == "":
		return Errorf(EInvalid, "err.interruption.not_reported")
	case !i.CouldNotContinue && i.VoiceRecordingID == 0:
		return Errorf(EInvalid, "err.interruption.no_voice_recording")
	}
	return nil
}

// Complete reports whether the explanation satisfies Art. 11 in full: valid,
// and for recording that could not continue, the written explanation given.
func (i Interruption) Complete() bool {
	if i.Validate() != nil {
		return false
	}
	return !i.CouldNotContinue || strings.TrimSpace(i.WrittenExplanation) != ""
}

// ExemptionCategory is why an activity was not recorded; Art. 7 allows only
// these three.
type ExemptionCategory string

// The exemption categories of Art. 7 (一)–(三).
const (
	ExemptSecretPrivacy ExemptionCategory = "secret_privacy" // 国家秘密、商业秘密或者个人隐私
	ExemptEmergency     ExemptionCategory = "emergency"      // 情况紧急
	ExemptObjective     ExemptionCategory = "objective"      // 客观原因
)

// Valid reports whether c is a category of Art. 7.
func (c ExemptionCategory) Valid() bool {
	switch c {
	case ExemptSecretPrivacy, ExemptEmergency, ExemptObjective:
		return true
	}
	return false
}

// Exemption is the work record (工作记录) written after an activity that was
// not recorded, stating the reason and its basis, reported to the leader
// (Art. 7; R-ACT-2). Only an acknowledged exemption excuses the activity.
type Exemption struct {
	ID             int64             `json:"id"`
	ActivityID     int64             `json:"activity_id"`
	Category       ExemptionCategory `json:"category"`
	Reason         string            `json:"reason"`
	Basis          string            `json:"basis"`
	SubmittedBy    string            `json:"submitted_by"`
	SubmittedAt    time.Time         `json:"submitted_at"`
	AcknowledgedBy string            `json:"acknowledged_by,omitempty"`
	AcknowledgedAt *time.Time        `json:"acknowledged_at,omitempty"`
}

// Acknowledged reports whether the leader has acknowledged the record.
func (e Exemption) Acknowledged() bool { return e.AcknowledgedAt != nil && e.AcknowledgedBy != "" }

// Validate checks that the work record says what Art. 7 asks for.
func (e Exemption) Validate() error {
	switch {
	case !e.Category.Valid():
		return Errorf(EInvalid, "err.exemption.category_unknown", string(e.Category))
	case strings.TrimSpace(e.Reason) == "":
		return Errorf(EInvalid, "err.exemption.no_reason")
	case strings.TrimSpace(e.Basis) == "":
		return Errorf(EInvalid, "err.exemption.no_basis")
	case e.SubmittedAt.IsZero():
		return Errorf(EInvalid, "err.exemption.no_submitted_at")
	case e.AcknowledgedAt != nil && e.AcknowledgedAt.Before(e.SubmittedAt):
		return Errorf(EInvalid, "err.exemption.acknowledged_early")
	case e.AcknowledgedAt != nil && e.AcknowledgedBy == e.SubmittedBy:
		return Errorf(EInvalid, "err.exemption.own")
	}
	return nil
}

// FindingStatus is where a finding stands.
type FindingStatus string

// The finding states: open until someone explains it, explained once an
// explanation is on record, accepted when a reviewer closes it.
const (
	FindingOpen      FindingStatus = "open"
	FindingExplained FindingStatus = "explained"
	FindingAccepted  FindingStatus = "accepted"
)

// Rank orders the states: open, explained, accepted. A re-evaluation never
// moves a finding back (an accepted finding stays accepted while its rule
// keeps firing).
func (s FindingStatus) Rank() int {
	switch s {
	case FindingExplained:
		return 1
	case FindingAccepted:
		return 2
	}
	return 0
}

// Severity ranks findings for review.
type Severity string

// The severities.
const (
	SeverityInfo    Severity = "info"    // worth a look, often innocent
	SeverityWarning Severity = "warning" // a rule is likely broken
	SeveritySerious Severity = "serious" // a rule is broken or evidence may be unreliable
)

// Finding is one breach, or sign of a breach, of the recording rules,
// produced by a compliance rule with the evidence that triggered it (R-ACC-1,
// R-RPT-1). Rules are pure, so the same inputs yield the same Key; a store
// upserts on it to keep status and history across re-evaluations.
type Finding struct {
	ID           int64   `json:"id,omitempty"`
	Key          string  `json:"key"`
	Rule         string  `json:"rule"`
	Article      string  `json:"article"` // e.g. "Art. 9", "X-ACT-1"
	Officer      string  `json:"officer,omitempty"`
	ActivityID   int64   `json:"activity_id,omitempty"`
	RecordingIDs []int64 `json:"recording_ids,omitempty"`
	// Evidence says what triggered the finding, as a catalogue message
	// ("finding.<rule>") rendered in the reader's language.
	Evidence Message       `json:"evidence"`
	Status   FindingStatus `json:"status"`
	Severity Severity      `json:"severity"`
}
