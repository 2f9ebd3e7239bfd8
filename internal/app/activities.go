package app

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"shilu/internal/compliance"
	"shilu/internal/evidence"
	"shilu/internal/store"
)

// checkActivity validates x, its times against now (the transaction's
// clock) first, and normalizes its times to UTC.
func checkActivity(x *evidence.Activity, now time.Time) error {
	if err := checkActivityTimes(*x, now); err != nil {
		return err
	}
	if err := x.Validate(); err != nil {
		return err
	}
	x.Arrival, x.End = x.Arrival.UTC(), x.End.UTC()
	if x.ReturnAt != nil {
		t := x.ReturnAt.UTC()
		x.ReturnAt = &t
	}
	if p := x.Preservation; p != nil {
		p.ApprovedAt = p.ApprovedAt.UTC()
		if p.DecidedAt != nil {
			t := p.DecidedAt.UTC()
			p.DecidedAt = &t
		}
	}
	if err := firstErr(checkText("address", x.Place.Address, 200), checkText("party", x.Party, 200), checkLine("case_number", x.CaseNumber, 64),
		checkText("scene", x.Scene, 2000), checkText("violations", x.Violations, 2000), checkText("physical_evidence", x.PhysicalEvidence, 2000)); err != nil {
		return err
	}
	if len(x.Officers) > 50 || len(x.Devices) > 50 {
		return evidence.Errorf(evidence.EInvalid, "err.activity.too_many")
	}
	for _, s := range slices.Concat(x.Officers, x.Devices) {
		if err := checkLine("officers_devices", s, 64); err != nil {
			return err
		}
	}
	return nil
}

// checkTime refuses a time outside the plausible window: not before
// evidence.EarliestTime, not more than evidence.FutureSlack past now (the
// transaction's clock). A zero time is the caller's to refuse.
func checkTime(field string, t, now time.Time) error {
	if t.IsZero() {
		return nil
	}
	if latest := now.Add(evidence.FutureSlack).Truncate(time.Minute); t.Before(evidence.EarliestTime) || t.After(latest) {
		return evidence.Errorf(evidence.EInvalid, "err.time_out_of_range", evidence.Msg("field."+field), t, evidence.EarliestTime, latest)
	}
	return nil
}

// checkActivityTimes applies checkTime to the times of x.
func checkActivityTimes(x evidence.Activity, now time.Time) error {
	errs := []error{checkTime("arrival", x.Arrival, now), checkTime("end", x.End, now)}
	if x.ReturnAt != nil {
		errs = append(errs, checkTime("return_at", *x.ReturnAt, now))
	}
	if p := x.Preservation; p != nil {
		errs = append(errs, checkTime("preservation_at", p.ApprovedAt, now))
		if p.DecidedAt != nil {
			errs = append(errs, checkTime("preservation_decided_at", *p.DecidedAt, now))
		}
	}
	return firstErr(errs...)
}

// checkOfficers refuses officer numbers no account holds: an activity names
// people, and a number nobody holds ("abc", "999999") would become a person
// of its own in every figure. Numbers in was, the activity as stored, pass:
// an account disabled or renumbered since does not make the record wrong.
func (c *change) checkOfficers(ctx context.Context, officers, was []string) error {
	dir, err := c.OfficerDirectory(ctx)
	if err != nil {
		return err
	}
	for _, o := range officers {
		if _, ok := dir[o]; !ok && !slices.Contains(was, o) {
			return evidence.Errorf(evidence.EInvalid, "err.activity.officer_unknown", o)
		}
	}
	return nil
}

// standing returns activity id for a change; a void activity is closed to
// every change (EConflict).
func (c *change) standing(ctx context.Context, id int64) (evidence.Activity, error) {
	x, err := c.Activity(ctx, id)
	if err != nil {
		return x, err
	}
	if x.Voided() {
		return x, evidence.Errorf(evidence.EConflict, "err.activity.voided", id)
	}
	return x, nil
}

// CreateActivity stores an activity fed by an officer or another
// enforcement system (R-ACT-1).
func (a *App) CreateActivity(ctx context.Context, who Actor, x evidence.Activity) (evidence.Activity, error) {
	x.ID = 0
	err := a.update(ctx, who, func(c *change) error {
		if err := checkActivity(&x, c.Now()); err != nil {
			return err
		}
		if err := c.checkOfficers(ctx, x.Officers, nil); err != nil {
			return err
		}
		var err error
		if x, err = c.Tx.CreateActivity(ctx, x, who.User.ID); err != nil {
			return err
		}
		c.reevaluate(x.ID)
		details := map[string]string{"type": string(x.Type), "officers": strings.Join(x.Officers, ","),
			"arrival": x.Arrival.Format(time.RFC3339), "end": x.End.Format(time.RFC3339)}
		if err := c.activityState(x.ID, details); err != nil {
			return err
		}
		return c.log(evidence.ActionActivityCreate, objActivity(x.ID), details)
	})
	return x, err
}

// UpdateActivity applies patch (a JSON object of the fields to change, one
// level deep) to activity id and validates the result.
func (a *App) UpdateActivity(ctx context.Context, who Actor, id int64, patch map[string]json.RawMessage) (evidence.Activity, error) {
	if len(patch) == 0 {
		return evidence.Activity{}, evidence.Errorf(evidence.EInvalid, "err.nothing_to_change")
	}
	if _, ok := patch["void"]; ok {
		return evidence.Activity{}, evidence.Errorf(evidence.EInvalid, "err.activity.void_not_patch")
	}
	raw, err := json.Marshal(patch)
	if err != nil {
		return evidence.Activity{}, err
	}
	fields := slices.Sorted(func(yield func(string) bool) {
		for k := range patch {
			if !yield(k) {
				return
			}
		}
	})
	var x evidence.Activity
	err = a.update(ctx, who, func(c *change) error {
		var err error
		if x, err = c.changing(ctx, who.User, id); err != nil {
			return err
		}
		was := slices.Clone(x.Officers) // decoding reuses the slice
		before, err := fieldValues(x, fields)
		if err != nil {
			return err
		}
		noticeBefore := x.NoticeGiven
		if err := decodeStrict(raw, &x); err != nil {
			return err
		}
		// The notice of Art. 8 is confirmed with what was said
		// (ConfirmNotice); a PATCH may withdraw it, never give it.
		if x.NoticeGiven && !noticeBefore {
			return evidence.Errorf(evidence.EInvalid, "err.activity.notice_by_confirmation")
		}
		x.ID, x.Void = id, nil
		if err := checkActivity(&x, c.Now()); err != nil {
			return err
		}
		if err := c.checkOfficers(ctx, x.Officers, was); err != nil {
			return err
		}
		if x, err = c.Tx.UpdateActivity(ctx, x); err != nil {
			return err
		}
		c.reevaluate(id)
		after, err := fieldValues(x, fields)
		if err != nil {
			return err
		}
		details := map[string]string{"fields": strings.Join(fields, ",")}
		for _, f := range fields {
			details[f+"_before"], details[f] = before[f], after[f]
		}
		if err := c.activityState(id, details); err != nil {
			return err
		}
		return c.log(evidence.ActionActivityUpdate, objActivity(id), details)
	})
	return x, err
}

// Link links the recordings a person confirmed to activity id; each new
// link is an entry in that recording's custody trail. It returns the newly
// linked ids and all linked now.
func (a *App) Link(ctx context.Context, who Actor, id int64, recordingIDs []int64) (linked, all []int64, err error) {
	if len(recordingIDs) == 0 || len(recordingIDs) > 500 {
		return nil, nil, evidence.Errorf(evidence.EInvalid, "err.activity.link_count")
	}
	linked = []int64{}
	err = a.update(ctx, who, func(c *change) error {
		if _, err := c.changing(ctx, who.User, id); err != nil {
			return err
		}
		for _, rid := range recordingIDs {
			isNew, err := c.LinkRecording(ctx, id, rid, who.User.ID)
			if err != nil {
				return err
			}
			if !isNew {
				continue
			}
			linked = append(linked, rid)
			c.recheck(rid)
			c.retain(rid) // a case file holding the activity now holds it
			if err := c.log(evidence.ActionActivityLink, objRecording(rid), map[string]string{"activity": itoa(id)}); err != nil {
				return err
			}
		}
		recs, err := c.ActivityRecordings(ctx, id)
		if err != nil {
			return err
		}
		for _, rec := range recs {
			all = append(all, rec.ID)
		}
		c.reevaluate(id)
		return nil
	})
	return linked, all, err
}

// Unlink undoes a link confirmed by mistake; the recording's custody trail
// shows both.
func (a *App) Unlink(ctx context.Context, who Actor, id, recordingID int64) error {
	return a.update(ctx, who, func(c *change) error {
		if _, err := c.changing(ctx, who.User, id); err != nil {
			return err
		}
		if err := c.UnlinkRecording(ctx, id, recordingID); err != nil {
			return err
		}
		c.recheck(recordingID)
		c.retain(recordingID)
		c.reevaluate(id)
		return c.log(evidence.ActionActivityUnlink, objRecording(recordingID), map[string]string{"activity": itoa(id)})
	})
}

// AddDeviceCheck records an officer's check of a recorder before activity
// id (Art. 5; R-DEV-1).
func (a *App) AddDeviceCheck(ctx context.Context, who Actor, id int64, dc evidence.DeviceCheck) (evidence.DeviceCheck, error) {
	dc.ActivityID, dc.CheckedAt = id, dc.CheckedAt.UTC()
	if err := dc.Validate(); err != nil {
		return dc, err
	}
	if err := firstErr(checkLine("device", dc.Device, 64), checkText("note", dc.Note, 1000)); err != nil {
		return dc, err
	}
	err := a.update(ctx, who, func(c *change) error {
		x, err := c.changing(ctx, who.User, id)
		if err != nil {
			return err
		}
		if !x.HasOfficer(dc.Officer) {
			return evidence.Errorf(evidence.EInvalid, "err.activity.not_officer", dc.Officer, id)
		}
		if err := checkTime("checked_at", dc.CheckedAt, c.Now()); err != nil {
			return err
		}
		// Art. 5: the device checked is one the registry knows (X-DEV-1).
		if dc.Device, err = c.registeredDevice(dc.Device); err != nil {
			return err
		}
		if dc, err = c.Tx.AddDeviceCheck(ctx, dc, who.User.ID); err != nil {
			return err
		}
		if err := c.log(evidence.ActionDeviceCheck, objActivity(id), map[string]string{"officer": dc.Officer, "device": dc.Device,
			"ok": strconv.FormatBool(dc.OK())}); err != nil {
			return err
		}
		return c.reevaluateChecked(id, dc)
	})
	return dc, err
}

// ExplainInterruption records why an officer's recording stopped (Art. 11;
// R-ACT-6, R-ACT-7). The span must overlap a gap computed now from the
// linked recordings; the explanation is stored under that gap's start, so
// explaining it again (say, with the written explanation) replaces it.
func (a *App) ExplainInterruption(ctx context.Context, who Actor, id int64, it evidence.Interruption) (evidence.Interruption, error) {
	it.ActivityID, it.ExplainedBy = id, who.User.Name
	it.Start, it.End = it.Start.UTC(), it.End.UTC()
	if err := it.Validate(); err != nil {
		return it, err
	}
	if err := firstErr(checkText("note", it.Note, 1000), checkLine("reported_to", it.ReportedTo, 100),
		checkText("written_explanation", it.WrittenExplanation, 4000)); err != nil {
		return it, err
	}
	err := a.update(ctx, who, func(c *change) error {
		x, err := c.changing(ctx, who.User, id)
		if err != nil {
			return err
		}
		if !x.HasOfficer(it.Officer) {
			return evidence.Errorf(evidence.EInvalid, "err.activity.not_officer", it.Officer, id)
		}
		errs := []error{checkTime("start", it.Start, c.Now()), checkTime("end", it.End, c.Now())}
		if it.ReportedAt != nil {
			errs = append(errs, checkTime("reported_at", *it.ReportedAt, c.Now()))
		}
		if err := firstErr(errs...); err != nil {
			return err
		}
		in, err := ActivityInput(ctx, c.Tx, x, a.params)
		if err != nil {
			return err
		}
		if it.VoiceRecordingID != 0 && !slices.ContainsFunc(in.Recordings, func(r evidence.Recording) bool { return r.ID == it.VoiceRecordingID }) {
			return evidence.Errorf(evidence.EInvalid, "err.interruption.voice_not_linked", it.VoiceRecordingID, id)
		}
		segs := compliance.SegmentsOf(in.Recordings)
		var gap *compliance.Gap
		for _, g := range compliance.Coverage(x, segs, a.params.GapTolerance).Gaps() {
			if g.Officer == it.Officer && g.Start.Before(it.End) && g.End.After(it.Start) {
				gap = &g
				break
			}
		}
		if gap == nil {
			return evidence.Errorf(evidence.EInvalid, "err.interruption.no_gap", it.Officer, it.Start, it.End)
		}
		if it.VoiceRecordingID != 0 {
			if err := checkVoice(it, *gap, segs, id); err != nil {
				return err
			}
		}
		it.Start, it.End = gap.Start.UTC(), gap.End.UTC()
		if it, err = c.Tx.ExplainInterruption(ctx, it); err != nil {
			return err
		}
		c.reevaluate(id)
		return c.log(evidence.ActionInterruptionExplain, objActivity(id), map[string]string{"officer": it.Officer, "start": it.Start.Format(time.RFC3339),
			"end": it.End.Format(time.RFC3339), "cause": string(it.Cause), "complete": strconv.FormatBool(it.Complete())})
	})
	return it, err
}

// resumeSlack is how far before a gap's end the resumed recording may
// start on the server's clock: the gap ends where the next recording
// starts, so only rounding separates them.
const resumeSlack = time.Second

// checkVoice checks that the voice explanation of it lies in the resumed
// recording (Art. 11: 恢复记录后…语音说明): a recording of the same officer
// that starts where gap ends — the first one after it — and a voice point
// inside that recording.
func checkVoice(it evidence.Interruption, gap compliance.Gap, segs []compliance.Segment, id int64) error {
	var first time.Time
	for _, s := range segs {
		if s.Officer == it.Officer && !s.Start.Before(gap.End.Add(-resumeSlack)) && (first.IsZero() || s.Start.Before(first)) {
			first = s.Start
		}
	}
	for _, s := range segs {
		if s.RecordingID != it.VoiceRecordingID {
			continue
		}
		if first.IsZero() || s.Officer != it.Officer || s.Start.Sub(first) > resumeSlack || s.Start.Before(gap.End.Add(-resumeSlack)) {
			break
		}
		if length := s.End.Sub(s.Start); it.VoicePoint > length {
			return evidence.Errorf(evidence.EInvalid, "err.interruption.voice_point_past_end", it.VoicePoint, it.VoiceRecordingID, length)
		}
		return nil
	}
	return evidence.Errorf(evidence.EInvalid, "err.interruption.voice_not_resumed", it.VoiceRecordingID, it.Officer, gap.End)
}

// VoidActivity voids (作废) activity id, entered by mistake, for reason:
// the record stays, with who voided it, when and why; its linked
// recordings stay linked (nothing about them changes, and their custody
// trails still name the activity), but no rule judges it any more, its
// findings are resolved, the dashboard no longer counts it, and it can no
// longer be changed. Only one of its officers, or a leader of one of them,
// may void it.
func (a *App) VoidActivity(ctx context.Context, who Actor, id int64, reason string) (evidence.Activity, error) {
	if strings.TrimSpace(reason) == "" {
		return evidence.Activity{}, evidence.Errorf(evidence.EInvalid, "err.activity.void_reason")
	}
	if err := checkText("void_reason", reason, 1000); err != nil {
		return evidence.Activity{}, err
	}
	var x evidence.Activity
	err := a.update(ctx, who, func(c *change) error {
		var err error
		if x, err = c.standing(ctx, id); err != nil {
			return err
		}
		may, err := c.mayVoid(ctx, who.User, x)
		if err != nil {
			return err
		}
		if !may {
			return evidence.Errorf(evidence.EForbidden, "err.activity.void_forbidden", id)
		}
		if x, err = c.Tx.VoidActivity(ctx, id, who.User.Name, reason); err != nil {
			return err
		}
		c.reevaluate(id)
		details := map[string]string{"reason": reason, "officers": strings.Join(x.Officers, ",")}
		if err := c.activityState(id, details); err != nil {
			return err
		}
		return c.log(evidence.ActionActivityVoid, objActivity(id), details)
	})
	return x, err
}

// mayVoid reports whether u may void x: u's account holds one of its
// officer numbers, or u is a leader (PermActivitiesReview) of an account
// that does.
func (c *change) mayVoid(ctx context.Context, u evidence.User, x evidence.Activity) (bool, error) {
	if u.ID == 0 {
		return false, nil
	}
	return c.onOrLeads(ctx, u, x)
}

// onOrLeads reports whether u's account holds one of x's officer numbers,
// or u leads (PermActivitiesReview, by department) an account that does.
func (c *change) onOrLeads(ctx context.Context, u evidence.User, x evidence.Activity) (bool, error) {
	return c.onOrLeadsOfficers(ctx, u, x.Officers)
}

// onOrLeadsOfficers reports whether u's account holds one of the officer
// numbers, or u leads (PermActivitiesReview, by department) an account
// that does.
func (c *change) onOrLeadsOfficers(ctx context.Context, u evidence.User, officers []string) (bool, error) {
	dir, err := c.OfficerDirectory(ctx)
	if err != nil {
		return false, err
	}
	for _, o := range officers {
		if d, ok := dir[o]; ok && d.UserID == u.ID {
			return true, nil
		}
	}
	if !u.Role.Can(evidence.PermActivitiesReview) {
		return false, nil
	}
	return c.leadsAny(ctx, u, dir, officers)
}

// leadsAny reports whether leader u leads an account holding one of the
// officer numbers; numbers no account holds lead to no one.
func (c *change) leadsAny(ctx context.Context, u evidence.User, dir map[string]store.Officer, officers []string) (bool, error) {
	for _, o := range officers {
		d, ok := dir[o]
		if !ok || d.UserID == u.ID {
			continue
		}
		leads, err := c.IsLeaderOf(ctx, u.ID, d.UserID)
		if err != nil || leads {
			return leads, err
		}
	}
	return false, nil
}

// mayChange is the scope of the changes to an activity's record (issue 9
// point 4): its own officers and their leaders; the custodian, who keeps
// the archive and links what came in; the server's operator. Anyone else
// with the right to record work — another officer — could otherwise
// unlink a recording and make a serious finding disappear.
func (c *change) mayChange(ctx context.Context, u evidence.User, x evidence.Activity) error {
	if u.ID == 0 || u.Role == evidence.RoleCustodian {
		return nil
	}
	ok, err := c.onOrLeads(ctx, u, x)
	if err != nil {
		return err
	}
	if !ok {
		return evidence.Errorf(evidence.EForbidden, "err.activity.not_yours", x.ID)
	}
	return nil
}

// changing returns activity id for a change by u: standing and in u's scope.
func (c *change) changing(ctx context.Context, u evidence.User, id int64) (evidence.Activity, error) {
	x, err := c.standing(ctx, id)
	if err != nil {
		return x, err
	}
	return x, c.mayChange(ctx, u, x)
}

// SubmitExemption files the work record of an activity that was not
// recorded (Art. 7; R-ACT-2); it excuses the activity once a leader
// acknowledges it.
func (a *App) SubmitExemption(ctx context.Context, who Actor, id int64, category evidence.ExemptionCategory, reason, basis string) (evidence.Exemption, error) {
	if err := firstErr(checkText("reason", reason, 2000), checkText("basis", basis, 2000)); err != nil {
		return evidence.Exemption{}, err
	}
	var e evidence.Exemption
	err := a.update(ctx, who, func(c *change) error {
		if _, err := c.changing(ctx, who.User, id); err != nil {
			return err
		}
		e = evidence.Exemption{ActivityID: id, Category: category, Reason: reason, Basis: basis, SubmittedBy: who.User.Name, SubmittedAt: c.Now()}
		if err := e.Validate(); err != nil {
			return err
		}
		var err error
		if e, err = c.Tx.SubmitExemption(ctx, e, who.User.ID); err != nil {
			return err
		}
		c.reevaluate(id)
		return c.log(evidence.ActionExemptionSubmit, objActivity(id), map[string]string{"exemption": itoa(e.ID), "category": string(e.Category)})
	})
	return e, err
}

// AcknowledgeExemption is the leader's acknowledgement of a work record
// (Art. 7): only a leader of the submitter, never the submitter.
func (a *App) AcknowledgeExemption(ctx context.Context, who Actor, id int64) (evidence.Exemption, error) {
	var e evidence.Exemption
	err := a.update(ctx, who, func(c *change) error {
		var submitter int64
		var err error
		if e, submitter, err = c.Exemption(ctx, id); err != nil {
			return err
		}
		if _, err := c.standing(ctx, e.ActivityID); err != nil {
			return err
		}
		if submitter == who.User.ID {
			return evidence.Errorf(evidence.EForbidden, "err.exemption.own")
		}
		leads, err := c.IsLeaderOf(ctx, who.User.ID, submitter)
		if err != nil {
			return err
		}
		if !leads {
			return evidence.Errorf(evidence.EForbidden, "err.exemption.not_leader", e.SubmittedBy, id)
		}
		now := c.Now()
		e.AcknowledgedBy, e.AcknowledgedAt = who.User.Name, &now
		if err := e.Validate(); err != nil {
			return err
		}
		if e, err = c.Tx.AcknowledgeExemption(ctx, id, who.User.Name); err != nil {
			return err
		}
		c.reevaluate(e.ActivityID)
		return c.log(evidence.ActionExemptionAcknowledge, objActivity(e.ActivityID), map[string]string{"exemption": itoa(id), "submitted_by": e.SubmittedBy})
	})
	return e, err
}

// AcceptFinding closes finding id on a leader's review; it stays accepted
// while its rule keeps firing.
func (a *App) AcceptFinding(ctx context.Context, who Actor, id int64, comment string) (sf store.StoredFinding, err error) {
	if err := checkText("comment", comment, 1000); err != nil {
		return sf, err
	}
	err = a.update(ctx, who, func(c *change) error {
		if err := c.mayAccept(ctx, who.User, id); err != nil {
			return err
		}
		var err error
		if sf, err = c.Tx.AcceptFinding(ctx, id, who.User.Name); err != nil {
			return err
		}
		obj := objActivity(sf.ActivityID)
		if sf.ActivityID == 0 && len(sf.RecordingIDs) > 0 {
			obj = objRecording(sf.RecordingIDs[0])
		}
		return c.log(evidence.ActionFindingAccept, obj, map[string]string{"finding": itoa(id), "key": sf.Key, "comment": comment})
	})
	return sf, err
}

// fieldValues returns the JSON values of x's fields named by their JSON
// keys, as a custody entry records a change: before and after (issue 9
// point 4).
func fieldValues(x any, fields []string) (map[string]string, error) {
	b, err := json.Marshal(x)
	if err != nil {
		return nil, err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(b, &all); err != nil {
		return nil, err
	}
	out := make(map[string]string, len(fields))
	for _, f := range fields {
		v := string(all[f])
		if v == "" {
			v = "null"
		}
		out[f] = v
	}
	return out, nil
}

// mayAccept reports whether leader u may accept finding id: u leads, by
// department, the account of the officer it names or, for a finding about
// an activity as a whole, of one of the activity's officers (issue 9 point
// 4: any leader accepted any finding, even one without a department). A
// finding that names no account is attributed first (the custodian's
// correction of a recording) and then reviewed by that officer's leader.
func (c *change) mayAccept(ctx context.Context, u evidence.User, id int64) error {
	if u.ID == 0 {
		return nil // the server's operator
	}
	f, err := c.Finding(ctx, id)
	if err != nil {
		return err
	}
	officers := []string{f.Officer}
	if f.Officer == "" && f.ActivityID != 0 {
		x, err := c.Activity(ctx, f.ActivityID)
		if err != nil {
			return err
		}
		officers = x.Officers
	}
	dir, err := c.OfficerDirectory(ctx)
	if err != nil {
		return err
	}
	leads, err := c.leadsAny(ctx, u, dir, officers)
	if err != nil {
		return err
	}
	if !leads {
		return evidence.Errorf(evidence.EForbidden, "err.finding.not_led", id)
	}
	return nil
}

// decodeStrict decodes a JSON object into v, refusing unknown fields.
func decodeStrict(raw []byte, v any) error {
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return evidence.Errorf(evidence.EInvalid, "err.json", err.Error())
	}
	return nil
}
