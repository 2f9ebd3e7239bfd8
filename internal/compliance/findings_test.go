package compliance

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"shilu/internal/evidence"
)

// baseInput is a compliant two-officer inspection 09:00–10:00 local on
// 26 Nov 2026: both officers checked their devices, gave the notice,
// recorded all of it and uploaded the same afternoon.
func baseInput(t testing.TB) ActivityInput {
	arr := local(t, 2026, 11, 26, 9, 0, 0)
	up := local(t, 2026, 11, 26, 15, 0, 0)
	check := func(o, d string) evidence.DeviceCheck {
		return evidence.DeviceCheck{Officer: o, Device: d, BatteryOK: true, StorageOK: true, ClockOK: true, CheckedAt: arr.Add(-30 * time.Minute)}
	}
	return ActivityInput{
		Activity: evidence.Activity{ID: 1, Type: evidence.ActivityInspection, Place: evidence.Place{Address: "丰南区某药店"}, Officers: []string{"000123", "000124"},
			Arrival: arr, End: arr.Add(time.Hour), WorkMode: evidence.WorkNormal, NoticeGiven: true},
		Recordings: []evidence.Recording{
			rec(1, "000123", "DSJ0A12", arr, 30*time.Minute, up),
			rec(2, "000123", "DSJ0A12", arr.Add(30*time.Minute), 30*time.Minute, up),
			rec(3, "000124", "DSJ0B34", arr, time.Hour, up),
		},
		DeviceChecks: []evidence.DeviceCheck{check("000123", "DSJ0A12"), check("000124", "DSJ0B34")},
	}
}

func TestFindings(t *testing.T) {
	p := DefaultParams(shanghai(t))
	arr := local(t, 2026, 11, 26, 9, 0, 0)
	now := local(t, 2026, 12, 10, 12, 0, 0)
	ack := func(in *ActivityInput) {
		in.Exemptions = []evidence.Exemption{{ActivityID: 1, Category: evidence.ExemptSecretPrivacy, Reason: "涉及患者隐私", Basis: "第七条第一项",
			SubmittedBy: "000123", SubmittedAt: arr.Add(2 * time.Hour), AcknowledgedBy: "局长", AcknowledgedAt: ptr(arr.Add(3 * time.Hour))}}
	}
	gap40 := func(in *ActivityInput) {
		in.Recordings[1].RecordedStart = ptr(arr.Add(30*time.Minute + 40*time.Second))
	}
	explanation := evidence.Interruption{ActivityID: 1, Officer: "000123", Start: arr.Add(30 * time.Minute), End: arr.Add(30*time.Minute + 40*time.Second),
		Cause: evidence.CauseBatteryStorage, VoiceRecordingID: 2, VoicePoint: 2 * time.Second}
	tests := []struct {
		name   string
		mutate func(*ActivityInput)
		now    time.Time
		want   []string
	}{
		{"CompliantNoFindings", func(*ActivityInput) {}, now, []string{}},
		// X-ACT-1: an inspection with one officer is flagged.
		{"OneOfficerInspection", func(in *ActivityInput) {
			in.Activity.Officers = []string{"000123"}
			in.Recordings = in.Recordings[:2]
		}, now, []string{RuleTooFewOfficers + "/open"}},
		{"OneOfficerServiceNotFlagged", func(in *ActivityInput) {
			in.Activity.Type, in.Activity.Officers = evidence.ActivityService, []string{"000123"}
			in.Recordings = in.Recordings[:2]
		}, now, []string{}},
		// R-ACT-6: a 40 s gap is a finding until explained.
		{"Gap40sOpen", gap40, now, []string{RuleCoverageGap + "/000123/open"}},
		{"Gap40sExplained", func(in *ActivityInput) {
			gap40(in)
			in.Interruptions = []evidence.Interruption{explanation}
		}, now, []string{RuleCoverageGap + "/000123/explained"}},
		{"Gap40sIncompleteExplanationStaysOpen", func(in *ActivityInput) {
			gap40(in)
			e := explanation
			e.VoiceRecordingID = 0
			in.Interruptions = []evidence.Interruption{e}
		}, now, []string{RuleCoverageGap + "/000123/open"}},
		{"Gap40sOtherOfficersExplanationDoesNotCount", func(in *ActivityInput) {
			gap40(in)
			e := explanation
			e.Officer = "000124"
			in.Interruptions = []evidence.Interruption{e}
		}, now, []string{RuleCoverageGap + "/000123/open"}},
		// Art. 7: unrecorded and no exemption.
		{"UnrecordedNoExemption", func(in *ActivityInput) { in.Recordings = nil }, now, []string{RuleUnrecorded + "/open"}},
		{"UnrecordedBeforeDeadlineNotYet", func(in *ActivityInput) { in.Recordings = nil }, local(t, 2026, 11, 26, 20, 0, 0), []string{}},
		// R-ACT-2: an unrecorded activity with an acknowledged exemption is compliant.
		{"UnrecordedAcknowledgedExemption", func(in *ActivityInput) {
			in.Recordings = nil
			in.Activity.NoticeGiven = false
			ack(in)
		}, now, []string{}},
		{"UnrecordedExemptionNotAcknowledged", func(in *ActivityInput) {
			in.Recordings = nil
			ack(in)
			in.Exemptions[0].AcknowledgedAt = nil
		}, now, []string{RuleUnrecorded + "/open"}},
		// R-UPL-1: uploaded the next afternoon.
		{"LateUpload", func(in *ActivityInput) { in.Recordings[2].IngestedAt = local(t, 2026, 11, 27, 14, 30, 0) }, now, []string{RuleUploadLate + "/000124/open"}},
		{"RemoteWorkSameUploadOnTime", func(in *ActivityInput) {
			in.Recordings[2].IngestedAt = local(t, 2026, 11, 27, 14, 30, 0)
			in.Activity.WorkMode, in.Activity.ReturnAt = evidence.WorkRemote, ptr(local(t, 2026, 11, 27, 9, 0, 0))
		}, now, []string{}},
		// R-ACT-3: the notice was not confirmed.
		{"NoticeMissing", func(in *ActivityInput) { in.Activity.NoticeGiven = false }, now, []string{RuleNoticeMissing + "/open"}},
		// X-ACT-3: no decision seven days after 先行登记保存.
		{"PreservationOverdue", func(in *ActivityInput) {
			in.Activity.Type = evidence.ActivityInvestigation
			in.Activity.Preservation = &evidence.Preservation{ApprovedBy: "局长", ApprovedAt: arr}
		}, now, []string{RulePreservationOverdue + "/open"}},
		{"PreservationPending", func(in *ActivityInput) {
			in.Activity.Type = evidence.ActivityInvestigation
			in.Activity.Preservation = &evidence.Preservation{ApprovedBy: "局长", ApprovedAt: arr}
		}, arr.Add(6 * 24 * time.Hour), []string{}},
		{"PreservationDecidedLate", func(in *ActivityInput) {
			in.Activity.Type = evidence.ActivityInvestigation
			in.Activity.Preservation = &evidence.Preservation{ApprovedBy: "局长", ApprovedAt: arr, DecidedAt: ptr(arr.Add(9 * 24 * time.Hour))}
		}, now, []string{RulePreservationOverdue + "/open"}},
		{"PreservationDecidedInTime", func(in *ActivityInput) {
			in.Activity.Type = evidence.ActivityInvestigation
			in.Activity.Preservation = &evidence.Preservation{ApprovedBy: "局长", ApprovedAt: arr, DecidedAt: ptr(arr.Add(5 * 24 * time.Hour))}
		}, now, []string{}},
		// R-DEV-1: device check missing, too old, after arrival, or failed.
		{"DeviceCheckMissing", func(in *ActivityInput) { in.DeviceChecks = in.DeviceChecks[:1] }, now, []string{RuleDeviceCheckMissing + "/000124/open"}},
		{"DeviceCheckTooOld", func(in *ActivityInput) { in.DeviceChecks[1].CheckedAt = arr.Add(-24 * time.Hour) }, now, []string{RuleDeviceCheckMissing + "/000124/open"}},
		{"DeviceCheckAfterArrival", func(in *ActivityInput) { in.DeviceChecks[1].CheckedAt = arr.Add(time.Minute) }, now, []string{RuleDeviceCheckMissing + "/000124/open"}},
		{"DeviceCheckFailed", func(in *ActivityInput) { in.DeviceChecks[0].BatteryOK = false }, now, []string{RuleDeviceCheckFailed + "/000123/open"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := baseInput(t)
			tt.mutate(&in)
			got := Findings(in, tt.now, p)
			if diff := cmp.Diff(tt.want, ruleKeys(got)); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
			for _, f := range got {
				if f.Evidence.Key != "finding."+f.Rule && !strings.HasPrefix(f.Evidence.Key, "finding."+f.Rule+"_") || f.Article == "" || f.Key == "" || f.ActivityID != 1 {
					t.Errorf("incomplete finding %+v", f)
				}
				render(t, f.Evidence)
			}
		})
	}
}

// Keys are stable across runs so a store can keep status and history.
func TestFindingKeysStable(t *testing.T) {
	p := DefaultParams(shanghai(t))
	in := baseInput(t)
	in.Activity.NoticeGiven = false
	in.Recordings[1].RecordedStart = ptr(in.Activity.Arrival.Add(31 * time.Minute))
	now := local(t, 2026, 12, 1, 0, 0, 0)
	a, b := Findings(in, now, p), Findings(in, now.Add(time.Hour), p)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("findings changed between runs (-first +second):\n%s", diff)
	}
	seen := map[string]bool{}
	for _, f := range a {
		if seen[f.Key] {
			t.Errorf("duplicate key %s", f.Key)
		}
		seen[f.Key] = true
	}
}

// R-USE-1: recordings tied to no activity or case are orphans.
func TestOrphans(t *testing.T) {
	arr := local(t, 2026, 11, 26, 9, 0, 0)
	recs := []evidence.Recording{rec(1, "000123", "DSJ0A12", arr, time.Minute, arr), rec(2, "000124", "DSJ0B34", arr, time.Minute, arr)}
	if diff := cmp.Diff([]string{RuleOrphan + "/000123/open", RuleOrphan + "/000124/open"}, ruleKeys(Orphans(recs))); diff != "" {
		t.Errorf("orphans (-want +got):\n%s", diff)
	}
	if got := Orphans(nil); got != nil {
		t.Errorf("no recordings: %v", got)
	}
}
