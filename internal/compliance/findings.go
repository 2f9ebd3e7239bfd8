package compliance

import (
	"strings"
	"time"

	"shilu/internal/evidence"
)

// ActivityInput is everything the rules need about one activity: the
// activity, the recordings linked to it, and the records officers filed
// about it.
type ActivityInput struct {
	Activity      evidence.Activity       `json:"activity"`
	Recordings    []evidence.Recording    `json:"recordings"`
	Interruptions []evidence.Interruption `json:"interruptions"`
	Exemptions    []evidence.Exemption    `json:"exemptions"`
	DeviceChecks  []evidence.DeviceCheck  `json:"device_checks"`
}

// Evaluation is the result of the rules for one activity: its coverage,
// deadline, whether an acknowledged exemption excuses it, and its findings.
type Evaluation struct {
	Activity evidence.Activity `json:"activity"`
	Coverage CoverageReport    `json:"coverage"`
	Due      time.Time         `json:"due"`
	Exempt   bool              `json:"exempt"`
	Uploads  map[int64]Upload  `json:"uploads"`
	// RecordingsByOfficer counts the linked recordings per officer;
	// UploadDelayByOfficer adds up, per officer, how long after the end of
	// the activity each came in (ms; none before the end counts below 0):
	// the export delay of Art. 13 that R-RPT-1 reports.
	RecordingsByOfficer  map[string]int     `json:"recordings_by_officer"`
	UploadDelayByOfficer map[string]int64   `json:"upload_delay_ms_by_officer"`
	Findings             []evidence.Finding `json:"findings"`
}

// Findings runs every activity rule and returns the findings; see Evaluate.
func Findings(in ActivityInput, now time.Time, p Params) []evidence.Finding {
	return Evaluate(in, now, p).Findings
}

// Evaluate applies the activity rules at time now:
//
//   - X-ACT-1: an inspection with fewer than two officers;
//   - Art. 7, 9: nothing recorded once the export deadline has passed and
//     no acknowledged exemption (an unacknowledged one is named in the
//     evidence); before the deadline the recordings may still come;
//   - Art. 11: every coverage gap, open until an explanation that is
//     Complete covers it, then explained — the finding stays, so the
//     record and the count of explained interruptions survive;
//   - Art. 13: every linked recording ingested after the deadline;
//   - Art. 8: the notice not confirmed;
//   - X-ACT-3: a preservation decision missing or made after 7 days;
//   - Art. 5: per officer, no device check within p.CheckWindow before the
//     arrival, or the latest one failed.
//
// An acknowledged exemption (Art. 7) excuses the recording rules (coverage,
// notice) but not the others.
func Evaluate(in ActivityInput, now time.Time, p Params) Evaluation {
	a := in.Activity
	ev := Evaluation{Activity: a, Due: Deadline(a, p.Location), Uploads: make(map[int64]Upload, len(in.Recordings)), RecordingsByOfficer: map[string]int{},
		UploadDelayByOfficer: map[string]int64{}}
	ev.Coverage = Coverage(a, SegmentsOf(in.Recordings), p.GapTolerance)
	var pending *evidence.Exemption
	for i, e := range in.Exemptions {
		if e.ActivityID != a.ID && e.ActivityID != 0 {
			continue
		}
		if e.Acknowledged() {
			ev.Exempt = true
		} else {
			pending = &in.Exemptions[i]
		}
	}
	add := func(f evidence.Finding) { ev.Findings = append(ev.Findings, f) }

	// X-ACT-1: 医疗保障基金使用监督管理条例 第29条 wants two or more on site.
	if a.Type == evidence.ActivityInspection && len(a.Officers) < 2 {
		add(finding(RuleTooFewOfficers, "X-ACT-1", evidence.SeverityWarning, a.ID, "", nil, "",
			evidence.Msg("finding.too_few_officers", len(a.Officers), strings.Join(a.Officers, ", "))))
	}

	recorded := len(in.Recordings) > 0
	switch {
	case ev.Exempt:
	case !recorded && now.After(ev.Due):
		text := evidence.Msg("finding.unrecorded", ev.Due)
		if pending != nil {
			text = evidence.Msg("finding.unrecorded_pending", ev.Due, evidence.Msg("act.category."+string(pending.Category)), pending.SubmittedAt)
		}
		add(finding(RuleUnrecorded, "Art. 7", evidence.SeveritySerious, a.ID, "", nil, "", text))
	case recorded:
		for _, g := range ev.Coverage.Gaps() {
			f := finding(RuleCoverageGap, "Art. 11", evidence.SeverityWarning, a.ID, g.Officer, nil, g.Start.UTC().Format(time.RFC3339),
				evidence.Msg("finding.coverage_gap", g.Length.Round(time.Second), evidence.Msg("act.pos."+string(g.Position)), g.Start, g.End))
			if explained(g, a.ID, in.Interruptions) {
				f.Status = evidence.FindingExplained
			}
			add(f)
		}
	}

	for _, r := range in.Recordings {
		ing := r.IngestedAt
		var ip *time.Time
		if !ing.IsZero() {
			ip = &ing
		}
		u := UploadStatus(ev.Due, ip, now)
		ev.Uploads[r.ID] = u
		ev.RecordingsByOfficer[r.Officer]++
		if !ing.IsZero() {
			ev.UploadDelayByOfficer[r.Officer] += max(ing.Sub(a.End), 0).Milliseconds()
		}
		if u.State == UploadLate {
			add(finding(RuleUploadLate, "Art. 13", evidence.SeverityWarning, a.ID, r.Officer, []int64{r.ID}, "",
				evidence.Msg("finding.upload_late", ing, u.By.Round(time.Minute), ev.Due)))
		}
	}

	if !a.NoticeGiven && !ev.Exempt {
		add(finding(RuleNoticeMissing, "Art. 8", evidence.SeverityWarning, a.ID, "", nil, "", evidence.Msg("finding.notice_missing")))
	}

	if pr := a.Preservation; pr != nil {
		due := pr.DecisionDue()
		switch {
		case pr.DecidedAt == nil && now.After(due):
			add(finding(RulePreservationOverdue, "X-ACT-3", evidence.SeveritySerious, a.ID, "", nil, "",
				evidence.Msg("finding.preservation_overdue", pr.ApprovedAt, pr.ApprovedBy, due)))
		case pr.DecidedAt != nil && pr.DecidedAt.After(due):
			add(finding(RulePreservationOverdue, "X-ACT-3", evidence.SeverityWarning, a.ID, "", nil, "",
				evidence.Msg("finding.preservation_overdue_late", *pr.DecidedAt, pr.DecidedAt.Sub(due).Round(time.Hour))))
		}
	}

	for _, o := range a.Officers {
		var last *evidence.DeviceCheck
		for i, c := range in.DeviceChecks {
			if c.Officer != o || c.CheckedAt.After(a.Arrival) || c.CheckedAt.Before(a.Arrival.Add(-p.CheckWindow)) {
				continue
			}
			if last == nil || c.CheckedAt.After(last.CheckedAt) {
				last = &in.DeviceChecks[i]
			}
		}
		switch {
		case last == nil:
			add(finding(RuleDeviceCheckMissing, "Art. 5", evidence.SeverityInfo, a.ID, o, nil, "",
				evidence.Msg("finding.device_check_missing", p.CheckWindow, a.Arrival)))
		case !last.OK():
			add(finding(RuleDeviceCheckFailed, "Art. 5", evidence.SeverityWarning, a.ID, o, nil, "",
				evidence.Msg("finding.device_check_failed", last.Device, last.CheckedAt, failedItems(*last))))
		}
	}
	return ev
}

// explained reports whether a complete explanation by the gap's officer
// overlaps the gap.
func explained(g Gap, activityID int64, its []evidence.Interruption) bool {
	for _, it := range its {
		if it.Officer == g.Officer && (it.ActivityID == activityID || it.ActivityID == 0) &&
			it.Start.Before(g.End) && it.End.After(g.Start) && it.Complete() {
			return true
		}
	}
	return false
}

// failedItems names the items of Art. 5 that a check found not ready.
func failedItems(c evidence.DeviceCheck) evidence.Message {
	var bad []evidence.Message
	if !c.BatteryOK {
		bad = append(bad, evidence.Msg("finding.part.battery"))
	}
	if !c.StorageOK {
		bad = append(bad, evidence.Msg("finding.part.storage"))
	}
	if !c.ClockOK {
		bad = append(bad, evidence.Msg("finding.part.clock"))
	}
	return list(bad)
}

// Orphans returns the finding of each recording in recs, which are tied to
// no activity or case (Art. 4: recorders are for work only; R-USE-1): the
// store selects them by their link count, so no set of every linked
// recording is read to judge a page of them (issue 17).
func Orphans(recs []evidence.Recording) []evidence.Finding {
	var out []evidence.Finding
	for _, r := range recs {
		out = append(out, finding(RuleOrphan, "Art. 4", evidence.SeverityInfo, 0, r.Officer, []int64{r.ID}, "",
			evidence.Msg("finding.orphan", r.Filename)))
	}
	return out
}
