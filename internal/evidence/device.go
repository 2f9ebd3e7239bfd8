package evidence

import (
	"slices"
	"time"
)

// DeviceKind is what a registered recorder is.
type DeviceKind string

// The kinds of recorder (X-DEV-1).
const (
	DeviceBodyCam DeviceKind = "body_cam" // 执法记录仪
	DeviceAudio   DeviceKind = "audio"    // 录音设备
	DeviceCamera  DeviceKind = "camera"   // 照相、摄像设备
	DeviceOther   DeviceKind = "other"
)

// DeviceKinds lists the kinds.
var DeviceKinds = []DeviceKind{DeviceBodyCam, DeviceAudio, DeviceCamera, DeviceOther}

// Valid reports whether k is one of DeviceKinds.
func (k DeviceKind) Valid() bool { return slices.Contains(DeviceKinds, k) }

// DeviceStatus is where a registered device stands.
type DeviceStatus string

// The statuses of a device. A lost device (遗失) is a finding of its own
// (Art. 20(七), R-ACC-1) and every recording made on it after the loss is
// one too.
const (
	DeviceInService DeviceStatus = "in_service" // 在用
	DeviceRepair    DeviceStatus = "repair"     // 维修
	DeviceLost      DeviceStatus = "lost"       // 遗失
)

// DeviceStatuses lists the statuses.
var DeviceStatuses = []DeviceStatus{DeviceInService, DeviceRepair, DeviceLost}

// Valid reports whether s is one of DeviceStatuses.
func (s DeviceStatus) Valid() bool { return slices.Contains(DeviceStatuses, s) }

// Device is a recorder in the registry (X-DEV-1): its serial is the
// ZFY_INFO product serial the camera writes into its file names and
// reports to the collection station, the key recordings are matched on.
type Device struct {
	ID           int64        `json:"id"`
	Serial       string       `json:"serial"`
	Kind         DeviceKind   `json:"kind"`
	Model        string       `json:"model,omitempty"`
	DepartmentID *int64       `json:"department_id,omitempty"`
	Department   string       `json:"department,omitempty"`
	Status       DeviceStatus `json:"status"`
	// StatusSince is when the status was set: for a lost device, the loss.
	StatusSince time.Time `json:"status_since"`
	Note        string    `json:"note,omitempty"`
	// Holder is the officer number the device is assigned to now, "" when
	// it is in store.
	Holder    string    `json:"holder,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// LastSeen and LastStation are when and where a collection station
	// last reported the device docked.
	LastSeen    *time.Time `json:"last_seen,omitempty"`
	LastStation string     `json:"last_station,omitempty"`
}

// DeviceAssignment is one span of a device in an officer's hands (配发):
// from From until Until (nil: still). Spans of one device never overlap.
type DeviceAssignment struct {
	ID         int64      `json:"id"`
	DeviceID   int64      `json:"device_id"`
	Officer    string     `json:"officer"`
	From       time.Time  `json:"from"`
	Until      *time.Time `json:"until,omitempty"`
	Note       string     `json:"note,omitempty"`
	RecordedBy string     `json:"recorded_by"`
	CreatedAt  time.Time  `json:"created_at"`
}

// Covers reports whether the assignment spans t.
func (a DeviceAssignment) Covers(t time.Time) bool {
	return !t.Before(a.From) && (a.Until == nil || t.Before(*a.Until))
}

// Validate checks that the span names an officer and runs forward.
func (a DeviceAssignment) Validate() error {
	switch {
	case a.Officer == "":
		return Errorf(EInvalid, "err.device.no_officer")
	case a.From.IsZero():
		return Errorf(EInvalid, "err.device.no_from")
	case a.Until != nil && !a.Until.After(a.From):
		return Errorf(EInvalid, "err.device.until_before_from")
	}
	return nil
}

// HolderAt returns the officer that held the device at t according to its
// assignments, and false when nobody did.
func HolderAt(as []DeviceAssignment, t time.Time) (string, bool) {
	for _, a := range as {
		if a.Covers(t) {
			return a.Officer, true
		}
	}
	return "", false
}

// Overlapping returns the first assignment of as, other than the one with
// id skip, whose span meets a's; false when none does.
func Overlapping(as []DeviceAssignment, a DeviceAssignment, skip int64) (DeviceAssignment, bool) {
	for _, b := range as {
		if b.ID == skip && skip != 0 {
			continue
		}
		aEndsAfterB := a.Until == nil || a.Until.After(b.From)
		bEndsAfterA := b.Until == nil || b.Until.After(a.From)
		if aEndsAfterB && bEndsAfterA {
			return b, true
		}
	}
	return DeviceAssignment{}, false
}

// DeviceSighting is a device a collection station reported docked that
// is not in the registry (yet): its identity as the device gave it.
type DeviceSighting struct {
	Serial  string    `json:"serial"`
	Officer string    `json:"officer,omitempty"`
	Unit    string    `json:"unit,omitempty"`
	Station string    `json:"station"`
	SeenAt  time.Time `json:"seen_at"`
}

// StationReport is a collection station's heartbeat (Art. 12): its queue,
// its latest errors (in the station's words, Chinese) and the devices
// docked at it as they identified themselves.
type StationReport struct {
	Version string         `json:"version,omitempty"`
	Queue   int            `json:"queue"`
	Counts  map[string]int `json:"counts,omitempty"`
	Errors  []StationError `json:"errors"`
	Docked  []DockedDevice `json:"docked"`
	Free    int64          `json:"free_bytes"`
	Low     bool           `json:"disk_low"`
}

// StationError is one of a station's latest errors.
type StationError struct {
	At   time.Time `json:"at"`
	Text string    `json:"text"`
}

// DockedDevice is a device docked at a station, as it identified itself
// (ZFY_INFO).
type DockedDevice struct {
	Serial   string    `json:"serial,omitempty"`
	Officer  string    `json:"officer,omitempty"`
	Unit     string    `json:"unit,omitempty"`
	DockedAt time.Time `json:"docked_at"`
}

// Station is a collection station's account with its last report; the
// server's time of the report is LastContact.
type Station struct {
	Name        string        `json:"name"`
	DisplayName string        `json:"display_name,omitempty"`
	LastContact *time.Time    `json:"last_contact,omitempty"`
	Report      StationReport `json:"report"`
	// Created is when the station's account was made: a station that has
	// never reported is silent since then.
	Created  time.Time `json:"created"`
	Disabled bool      `json:"disabled,omitempty"`
}
