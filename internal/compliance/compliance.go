// Package compliance checks enforcement activities and their recordings
// against the recording rules (Art. 5–13 of the bureau's rules; R-ACT-*,
// R-UPL-1, X-ACT-*). Every function is pure: no I/O, no database and no
// clock — the caller passes the time — so the same inputs always give the
// same findings and the rules can be tested as tables.
package compliance

import (
	"fmt"
	"time"

	"shilu/internal/evidence"
)

// Rule ids, stable: stores key findings on them and reports count by them.
const (
	RuleCoverageGap          = "coverage_gap"           // Art. 9, 11: uncovered time longer than the tolerance
	RuleUnrecorded           = "unrecorded"             // Art. 7, 9: nothing recorded and no acknowledged exemption
	RuleTooFewOfficers       = "too_few_officers"       // X-ACT-1: an inspection with fewer than two officers
	RuleNoticeMissing        = "notice_missing"         // Art. 8: the party was not told recording is on
	RulePreservationOverdue  = "preservation_overdue"   // X-ACT-3: no decision within 7 days of 先行登记保存
	RuleDeviceCheckMissing   = "device_check_missing"   // Art. 5: no device check before the activity
	RuleDeviceCheckFailed    = "device_check_failed"    // Art. 5: the device check found a problem
	RuleUploadLate           = "upload_late"            // Art. 13: exported after the deadline
	RuleOrphan               = "orphan"                 // Art. 4: tied to no activity or case
	RuleOutsideActivity      = "outside_activity"       // Art. 11: recorded outside the activity (补录?)
	RuleRemuxed              = "remuxed"                // Art. 11: container rewritten by a general-purpose tool
	RuleCreationTimeMissing  = "creation_time_missing"  // Art. 11: the container has no creation time
	RuleCreationTimeMismatch = "creation_time_mismatch" // Art. 11: creation time disagrees with the file name
	RuleDeviceOverlap        = "device_overlap"         // Art. 11: one device recording two files at once
	RuleSizeMismatch         = "size_mismatch"          // Art. 11: duration does not fit size and bitrate
	RuleClockDrift           = "clock_drift"            // Art. 5: the device's clock was off at docking (R-DEV-2)
	RuleSpliced              = "spliced"                // Art. 11: the edit list joins pieces of media (cut, inserted, reordered)
	RuleTimestamps           = "timestamps"             // Art. 11: decoding timestamps that do not increase
	RuleStateTampered        = "state_tampered"         // R-AUD-1, X-SEC-3: a table differs from what the custody log says (app.CheckState)
	RuleFixity               = "fixity"                 // Art. 20(七): an original missing or not matching its digest
)

// Params are the tunable thresholds. DefaultParams gives the values the
// bureau starts with; all of them are policy, not law.
type Params struct {
	// GapTolerance is the longest uncovered span that is not an
	// interruption: the seconds a camera takes to start a new file or the
	// officer to press record on arrival.
	GapTolerance time.Duration
	// Location is where calendar days are counted for Art. 13.
	Location *time.Location
	// CheckWindow is how long before the arrival a device check counts
	// as "before enforcement" (Art. 5).
	CheckWindow time.Duration
	// Slack widens the activity for proposing and for judging recording
	// times: cameras switched on on the way in are not suspicious.
	Slack time.Duration
	// ClockTolerance is how far a container's creation time may stray from
	// the time in the file name.
	ClockTolerance time.Duration
	// DriftTolerance is how far a device's clock, measured against the
	// server's at docking, may be off before it is a finding (Art. 5 wants
	// the date and time right; R-DEV-2).
	DriftTolerance time.Duration
	// StationSilence is how long a collection station may go without
	// reporting before it is a finding (Art. 12: recordings come in
	// through the stations; one that stopped reporting takes none in).
	StationSilence time.Duration
}

// DefaultParams returns the starting thresholds for the bureau, counting
// days in loc (Asia/Shanghai in production).
func DefaultParams(loc *time.Location) Params {
	return Params{
		GapTolerance:   10 * time.Second,
		Location:       loc,
		CheckWindow:    12 * time.Hour,
		Slack:          15 * time.Minute,
		ClockTolerance: 2 * time.Minute,
		DriftTolerance: time.Minute,
		StationSilence: 15 * time.Minute,
	}
}

// finding builds a Finding with a Key that identifies it across runs.
func finding(rule, article string, sev evidence.Severity, activityID int64, officer string, recs []int64, key string, text evidence.Message) evidence.Finding {
	k := fmt.Sprintf("%s/a%d/%s", rule, activityID, officer)
	if len(recs) > 0 {
		k += fmt.Sprintf("/r%d", recs[0])
	}
	if key != "" {
		k += "/" + key
	}
	return evidence.Finding{
		Key: k, Rule: rule, Article: article, Officer: officer, ActivityID: activityID,
		RecordingIDs: recs, Evidence: text, Status: evidence.FindingOpen, Severity: sev,
	}
}

// list joins messages into one: "电量、存储空间", "battery, storage".
func list(items []evidence.Message) evidence.Message {
	if len(items) == 0 {
		return evidence.Message{}
	}
	m := items[len(items)-1]
	for i := len(items) - 2; i >= 0; i-- {
		m = evidence.Msg("list.comma", items[i], m)
	}
	return m
}

// Fixity is the serious finding about an original that its last fixity
// check found missing or changed (Art. 20(七): loss or damage of material);
// none while it is intact.
func Fixity(rec evidence.Recording) []evidence.Finding {
	if rec.FixityProblem == "" || rec.DisposedAt != nil {
		return nil
	}
	var at any = ""
	if rec.FixityAt != nil {
		at = *rec.FixityAt
	}
	return []evidence.Finding{finding(RuleFixity, "Art. 20(七)", evidence.SeveritySerious, 0, rec.Officer, []int64{rec.ID}, "",
		evidence.Msg("finding.fixity_"+rec.FixityProblem, rec.SHA256, at))}
}
