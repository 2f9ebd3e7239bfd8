package evidence

import (
	"encoding/json"
	"testing"
	"time"
)

func ptrTime(t time.Time) *time.Time { return &t }

// R-ACT-1, R-ACT-5, R-UPL-1, X-ACT-3: what an activity must say before it
// is stored.
func TestActivityValidate(t *testing.T) {
	arr := time.Date(2026, 11, 26, 1, 0, 0, 0, time.UTC)
	ok := Activity{Type: ActivityInspection, Place: Place{Address: "丰南区某药店"}, Officers: []string{"000123", "000124"}, Arrival: arr, End: arr.Add(time.Hour), WorkMode: WorkNormal}
	lat, lon, bad := 39.57, 118.08, 200.0
	tests := []struct {
		name   string
		mutate func(*Activity)
		want   Code
	}{
		{"OK", func(*Activity) {}, ""},
		{"OKEmptyMode", func(a *Activity) { a.WorkMode = "" }, ""},
		{"OKCoordinates", func(a *Activity) { a.Place.Lat, a.Place.Lon = &lat, &lon }, ""},
		{"OKRemoteWithReturn", func(a *Activity) { a.WorkMode, a.ReturnAt = WorkRemote, ptrTime(arr.Add(30*time.Hour)) }, ""},
		{"OKContinuousWithoutReturn", func(a *Activity) { a.WorkMode = WorkContinuous }, ""},
		{"OKPreservation", func(a *Activity) {
			a.Type, a.Preservation = ActivityInvestigation, &Preservation{ApprovedBy: "局长", ApprovedAt: arr}
		}, ""},
		{"ErrType", func(a *Activity) { a.Type = "patrol" }, EInvalid},
		{"ErrNoOfficer", func(a *Activity) { a.Officers = nil }, EInvalid},
		{"ErrDuplicateOfficer", func(a *Activity) { a.Officers = []string{"000123", "000123"} }, EInvalid},
		{"ErrNoPlace", func(a *Activity) { a.Place.Address = " " }, EInvalid},
		{"ErrEndBeforeArrival", func(a *Activity) { a.End = a.Arrival.Add(-time.Minute) }, EInvalid},
		{"ErrEndEqualsArrival", func(a *Activity) { a.End = a.Arrival }, EInvalid},
		{"ErrMode", func(a *Activity) { a.WorkMode = "holiday" }, EInvalid},
		// R-UPL-1: away and remote work need the return time for the deadline.
		{"ErrAwayWithoutReturn", func(a *Activity) { a.WorkMode = WorkAway }, EInvalid},
		{"ErrRemoteWithoutReturn", func(a *Activity) { a.WorkMode = WorkRemote }, EInvalid},
		{"ErrReturnOnNormal", func(a *Activity) { a.ReturnAt = ptrTime(arr.Add(2 * time.Hour)) }, EInvalid},
		{"ErrReturnBeforeEnd", func(a *Activity) { a.WorkMode, a.ReturnAt = WorkAway, ptrTime(arr) }, EInvalid},
		{"ErrHalfCoordinates", func(a *Activity) { a.Place.Lat = &lat }, EInvalid},
		{"ErrCoordinatesRange", func(a *Activity) { a.Place.Lat, a.Place.Lon = &lat, &bad }, EInvalid},
		{"ErrPreservationUnapproved", func(a *Activity) { a.Type, a.Preservation = ActivityInvestigation, &Preservation{} }, EInvalid},
		{"ErrPreservationOnService", func(a *Activity) {
			a.Type, a.Preservation = ActivityService, &Preservation{ApprovedBy: "局长", ApprovedAt: arr}
		}, EInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := ok
			tt.mutate(&a)
			if got := ErrorCode(a.Validate()); got != tt.want {
				t.Errorf("Validate() code = %q, want %q (%v)", got, tt.want, a.Validate())
			}
		})
	}
}

// R-ACT-1: six types, in the order of Art. 6, all valid and labelled.
func TestActivityTypes(t *testing.T) {
	types := ActivityTypes()
	if len(types) != 6 {
		t.Fatalf("got %d types, want the six of Art. 6", len(types))
	}
	for _, ty := range types {
		if !ty.Valid() || ty.Label() == string(ty) {
			t.Errorf("type %q: valid %v, label %q", ty, ty.Valid(), ty.Label())
		}
	}
}

// R-ACT-3: the Art. 8 sentence, word for word, with the names filled in.
func TestNoticeText(t *testing.T) {
	tests := []struct {
		name  string
		names []string
		want  string
	}{
		{"TwoOfficers", []string{"张伟", "李娜"}, "您好，我们是丰南区医疗保障局执法人员张伟、李娜，为保护您的合法权益，监督我们的执法行为，本次执法全程录音录像。"},
		{"OneOfficer", []string{" 张伟 ", ""}, "您好，我们是丰南区医疗保障局执法人员张伟，为保护您的合法权益，监督我们的执法行为，本次执法全程录音录像。"},
		{"NoNamesKeepsPlaceholder", nil, "您好，我们是丰南区医疗保障局执法人员***、***，为保护您的合法权益，监督我们的执法行为，本次执法全程录音录像。"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NoticeText(tt.names); got != tt.want {
				t.Errorf("NoticeText() = %q, want %q", got, tt.want)
			}
		})
	}
}

// R-DEV-1: a check passes only when battery, storage and clock are all fine.
func TestDeviceCheck(t *testing.T) {
	at := time.Date(2026, 11, 26, 0, 30, 0, 0, time.UTC)
	tests := []struct {
		name   string
		c      DeviceCheck
		wantOK bool
		want   Code
	}{
		{"OK", DeviceCheck{Officer: "000123", Device: "DSJ0A12", BatteryOK: true, StorageOK: true, ClockOK: true, CheckedAt: at}, true, ""},
		{"FailedClock", DeviceCheck{Officer: "000123", Device: "DSJ0A12", BatteryOK: true, StorageOK: true, CheckedAt: at}, false, ""},
		{"ErrNoDevice", DeviceCheck{Officer: "000123", CheckedAt: at}, false, EInvalid},
		{"ErrNoTime", DeviceCheck{Officer: "000123", Device: "DSJ0A12"}, false, EInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.c.OK(); got != tt.wantOK {
				t.Errorf("OK() = %v, want %v", got, tt.wantOK)
			}
			if got := ErrorCode(tt.c.Validate()); got != tt.want {
				t.Errorf("Validate() code = %q, want %q", got, tt.want)
			}
		})
	}
}

// R-ACT-6, R-ACT-7: an explanation needs a cause and the voice point, or,
// when recording could not go on, the report to the department head; it is
// complete only once the written explanation is in.
func TestInterruption(t *testing.T) {
	s := time.Date(2026, 11, 26, 1, 10, 0, 0, time.UTC)
	ok := Interruption{ActivityID: 1, Officer: "000123", Start: s, End: s.Add(40 * time.Second), Cause: CauseBatteryStorage, VoiceRecordingID: 7, VoicePoint: 3 * time.Second}
	tests := []struct {
		name         string
		mutate       func(*Interruption)
		want         Code
		wantComplete bool
	}{
		{"OK", func(*Interruption) {}, "", true},
		{"ErrCause", func(i *Interruption) { i.Cause = "lunch" }, EInvalid, false},
		{"ErrOtherWithoutNote", func(i *Interruption) { i.Cause = CauseOther }, EInvalid, false},
		{"ErrNoVoicePoint", func(i *Interruption) { i.VoiceRecordingID = 0 }, EInvalid, false},
		{"ErrBackwards", func(i *Interruption) { i.End = i.Start }, EInvalid, false},
		{"ErrNotReported", func(i *Interruption) { i.CouldNotContinue, i.VoiceRecordingID = true, 0 }, EInvalid, false},
		{"ReportedAwaitingWritten", func(i *Interruption) {
			i.CouldNotContinue, i.VoiceRecordingID, i.ReportedTo = true, 0, "部门负责人王强"
		}, "", false},
		{"ReportedAndWritten", func(i *Interruption) {
			i.CouldNotContinue, i.VoiceRecordingID, i.ReportedTo, i.WrittenExplanation = true, 0, "部门负责人王强", "记录仪进水损坏"
		}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			i := ok
			tt.mutate(&i)
			if got := ErrorCode(i.Validate()); got != tt.want {
				t.Errorf("Validate() code = %q, want %q", got, tt.want)
			}
			if got := i.Complete(); got != tt.wantComplete {
				t.Errorf("Complete() = %v, want %v", got, tt.wantComplete)
			}
		})
	}
}

// The voice point travels as whole milliseconds, like media durations.
func TestInterruptionJSON(t *testing.T) {
	in := Interruption{ID: 3, Officer: "000123", Cause: CauseWeather, VoicePoint: 2500 * time.Millisecond}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if m["voice_point_ms"] != 2500.0 || m["cause"] != "weather" {
		t.Errorf("JSON = %s", b)
	}
	var out Interruption
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if out.VoicePoint != in.VoicePoint || out.ID != 3 {
		t.Errorf("round trip = %+v", out)
	}
}

// R-ACT-2: an exemption states category, reason and basis, and only the
// leader's acknowledgement makes it count.
func TestExemption(t *testing.T) {
	sub := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	ok := Exemption{ActivityID: 1, Category: ExemptSecretPrivacy, Reason: "涉及患者隐私", Basis: "第七条第一项", SubmittedBy: "000123", SubmittedAt: sub}
	tests := []struct {
		name    string
		mutate  func(*Exemption)
		want    Code
		wantAck bool
	}{
		{"OKSubmitted", func(*Exemption) {}, "", false},
		{"OKAcknowledged", func(e *Exemption) { e.AcknowledgedBy, e.AcknowledgedAt = "局长", ptrTime(sub.Add(time.Hour)) }, "", true},
		{"ErrCategory", func(e *Exemption) { e.Category = "busy" }, EInvalid, false},
		{"ErrNoReason", func(e *Exemption) { e.Reason = "" }, EInvalid, false},
		{"ErrNoBasis", func(e *Exemption) { e.Basis = "" }, EInvalid, false},
		{"ErrAckBeforeSubmit", func(e *Exemption) { e.AcknowledgedBy, e.AcknowledgedAt = "局长", ptrTime(sub.Add(-time.Hour)) }, EInvalid, true},
		{"ErrSelfAck", func(e *Exemption) { e.AcknowledgedBy, e.AcknowledgedAt = "000123", ptrTime(sub.Add(time.Hour)) }, EInvalid, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := ok
			tt.mutate(&e)
			if got := ErrorCode(e.Validate()); got != tt.want {
				t.Errorf("Validate() code = %q, want %q", got, tt.want)
			}
			if got := e.Acknowledged(); got != tt.wantAck {
				t.Errorf("Acknowledged() = %v, want %v", got, tt.wantAck)
			}
		})
	}
}

// X-ACT-3: the decision is due seven days after the approval.
func TestPreservationDecisionDue(t *testing.T) {
	at := time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC)
	if got, want := (Preservation{ApprovedAt: at}).DecisionDue(), at.AddDate(0, 0, 7); !got.Equal(want) {
		t.Errorf("DecisionDue() = %v, want %v", got, want)
	}
}
