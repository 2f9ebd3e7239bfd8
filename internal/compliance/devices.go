package compliance

import (
	"strconv"
	"time"

	"shilu/internal/evidence"
)

// Rule ids of the device registry's checks (X-DEV-1, R-ACC-1).
const (
	RuleDeviceLent       = "device_lent"       // Art. 20(二): recorded on a device assigned to someone else
	RuleDeviceUnknown    = "device_unknown"    // X-DEV-1: recorded on a device the registry does not know
	RuleDeviceUnassigned = "device_unassigned" // X-DEV-1: recorded on a device assigned to nobody then
	RuleDeviceLost       = "device_lost"       // Art. 20(七): a device reported lost, or a recording made on it after
	RuleStationSilent    = "station_silent"    // Art. 12: a collection station stopped reporting
)

// DeviceRegistry is what the registry says about one recording's device:
// the device (nil when the serial is not registered) and its assignments.
type DeviceRegistry struct {
	Device      *evidence.Device
	Assignments []evidence.DeviceAssignment
}

// DeviceFindings checks one recording against the registry:
//
//   - a recording whose device serial is not registered is a finding until
//     it is (X-DEV-1: the device must be bound to an officer and a unit);
//   - a recording made (on the server's clock: the measured device offset
//     taken off) while the device was assigned to another officer than the
//     one the recording names is lending (Art. 20(二), R-ACC-1(二));
//   - one made while it was assigned to nobody is a finding of its own;
//   - one made on a device after it was reported lost (Art. 20(七)).
//
// A recording without a device serial, or whose time is unknown, is judged
// only on what can be judged.
func DeviceFindings(rec evidence.Recording, reg DeviceRegistry) []evidence.Finding {
	if rec.Device == "" {
		return nil
	}
	ids := []int64{rec.ID}
	if reg.Device == nil {
		return []evidence.Finding{finding(RuleDeviceUnknown, "X-DEV-1", evidence.SeverityWarning, 0, rec.Officer, ids, "",
			evidence.Msg("finding.device_unknown", rec.Device))}
	}
	start := rec.CorrectedStart()
	if start == nil {
		return nil
	}
	var out []evidence.Finding
	d := reg.Device
	if d.Status == evidence.DeviceLost && !start.Before(d.StatusSince) {
		out = append(out, finding(RuleDeviceLost, "Art. 20", evidence.SeveritySerious, 0, rec.Officer, ids, "",
			evidence.Msg("finding.device_lost_recording", d.Serial, *start, d.StatusSince)))
	}
	holder, ok := evidence.HolderAt(reg.Assignments, *start)
	switch {
	case !ok:
		out = append(out, finding(RuleDeviceUnassigned, "X-DEV-1", evidence.SeverityWarning, 0, rec.Officer, ids, "",
			evidence.Msg("finding.device_unassigned", d.Serial, *start)))
	case rec.Officer != "" && holder != rec.Officer:
		out = append(out, finding(RuleDeviceLent, "Art. 20", evidence.SeveritySerious, 0, rec.Officer, ids, "",
			evidence.Msg("finding.device_lent", d.Serial, *start, holder, rec.Officer)))
	}
	return out
}

// DeviceLostKey is the key of the finding that device id is lost.
func DeviceLostKey(id int64) string { return RuleDeviceLost + "/device/" + strconv.FormatInt(id, 10) }

// LostDevice returns the finding that d is lost (Art. 20(七), R-ACC-1(七)),
// nil when it is not.
func LostDevice(d evidence.Device) *evidence.Finding {
	if d.Status != evidence.DeviceLost {
		return nil
	}
	f := finding(RuleDeviceLost, "Art. 20", evidence.SeveritySerious, 0, d.Holder, nil, "",
		evidence.Msg("finding.device_lost", d.Serial, d.StatusSince))
	f.Key = DeviceLostKey(d.ID)
	return &f
}

// StationSilentKey is the key of the finding that station name stopped
// reporting.
func StationSilentKey(name string) string { return RuleStationSilent + "/station/" + name }

// NeverReportedStation returns the finding that the station name, whose
// account was made at created, has never reported and has been expected
// to for longer than after at now; nil when it has not been.
func NeverReportedStation(name string, created, now time.Time, after time.Duration) *evidence.Finding {
	if now.Sub(created) <= after {
		return nil
	}
	f := finding(RuleStationSilent, "Art. 12", evidence.SeverityWarning, 0, "", nil, "",
		evidence.Msg("finding.station_never", name, created))
	f.Key = StationSilentKey(name)
	return &f
}

// SilentStation returns the finding that the station name, last heard
// from at last, has been silent longer than after at now; nil when it has
// not.
func SilentStation(name string, last, now time.Time, after time.Duration) *evidence.Finding {
	if now.Sub(last) <= after {
		return nil
	}
	f := finding(RuleStationSilent, "Art. 12", evidence.SeverityWarning, 0, "", nil, "",
		evidence.Msg("finding.station_silent", name, last, now.Sub(last).Round(time.Minute)))
	f.Key = StationSilentKey(name)
	return &f
}
