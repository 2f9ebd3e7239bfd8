package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"shilu/internal/audit"
	"shilu/internal/compliance"
	"shilu/internal/evidence"
	"shilu/internal/media"
	"shilu/internal/store"
)

// activityRoutes are enforcement activities, their coverage, interruptions,
// exemptions and device checks, and the findings of compliance (Art. 4-13).
//
// Permissions, from the existing table (evidence/user.go):
//   - reading activities, coverage, proposals, findings and orphans needs
//     PermRecordingsList: whoever may list recordings may see what they
//     were recorded for and how completely;
//   - recording the work itself — creating and correcting activities,
//     confirming links, device checks, explaining interruptions, submitting
//     exemptions — needs PermAccessRequest, which every person who records
//     or handles evidence holds (officers, custodians, leaders, department
//     heads, legal) and stations and administrators do not;
//   - acknowledging an exemption (Art. 7: 报告主管领导) and accepting a
//     finding are the leader's: PermAccessApprove.
var activityRoutes = []route{
	{"POST", "/api/v1/activities", evidence.PermAccessRequest, (*Server).createActivity},
	{"GET", "/api/v1/activities", evidence.PermRecordingsList, (*Server).listActivities},
	{"GET", "/api/v1/activities/{id}", evidence.PermRecordingsList, (*Server).getActivity},
	{"PATCH", "/api/v1/activities/{id}", evidence.PermAccessRequest, (*Server).updateActivity},
	{"GET", "/api/v1/activities/{id}/proposals", evidence.PermRecordingsList, (*Server).activityProposals},
	{"POST", "/api/v1/activities/{id}/recordings", evidence.PermAccessRequest, (*Server).linkRecordings},
	{"DELETE", "/api/v1/activities/{id}/recordings/{recording}", evidence.PermAccessRequest, (*Server).unlinkRecording},
	{"POST", "/api/v1/activities/{id}/device-checks", evidence.PermAccessRequest, (*Server).addDeviceCheck},
	{"POST", "/api/v1/activities/{id}/interruptions", evidence.PermAccessRequest, (*Server).explainInterruption},
	{"POST", "/api/v1/activities/{id}/exemptions", evidence.PermAccessRequest, (*Server).submitExemption},
	{"POST", "/api/v1/exemptions/{id}/acknowledge", evidence.PermAccessApprove, (*Server).acknowledgeExemption},
	{"GET", "/api/v1/findings", evidence.PermRecordingsList, (*Server).listFindings},
	{"POST", "/api/v1/findings/{id}/accept", evidence.PermAccessApprove, (*Server).acceptFinding},
	{"GET", "/api/v1/recordings/orphans", evidence.PermRecordingsList, (*Server).orphanRecordings},
}

// complianceParams are the thresholds the rules run with. Days count in
// UTC+8: China has no daylight saving, so a fixed zone is exact.
func complianceParams() compliance.Params {
	return compliance.DefaultParams(evidence.Zone)
}

func objActivity(id int64) string { return fmt.Sprintf("activity:%d", id) }

// plainText refuses control characters other than line breaks and tabs and
// texts longer than max bytes: free text ends up in reports and the log.
func plainText(field, s string, max int) error {
	if len(s) > max {
		return evidence.Errorf(evidence.EInvalid, "%s: at most %d bytes", field, max)
	}
	for _, r := range s {
		if unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' {
			return evidence.Errorf(evidence.EInvalid, "%s: no control characters", field)
		}
	}
	return nil
}

// checkActivity validates a and normalizes its times to UTC.
func checkActivity(a *evidence.Activity) error {
	if err := a.Validate(); err != nil {
		return err
	}
	a.Arrival, a.End = a.Arrival.UTC(), a.End.UTC()
	if a.ReturnAt != nil {
		t := a.ReturnAt.UTC()
		a.ReturnAt = &t
	}
	if p := a.Preservation; p != nil {
		p.ApprovedAt = p.ApprovedAt.UTC()
		if p.DecidedAt != nil {
			t := p.DecidedAt.UTC()
			p.DecidedAt = &t
		}
	}
	for _, f := range []struct {
		name, v string
		max     int
	}{{"place.address", a.Place.Address, 500}, {"party", a.Party, 500}, {"case_number", a.CaseNumber, 100}, {"scene", a.Scene, 4000},
		{"violations", a.Violations, 4000}, {"physical_evidence", a.PhysicalEvidence, 4000}} {
		if err := plainText(f.name, f.v, f.max); err != nil {
			return err
		}
	}
	for _, s := range slices.Concat(a.Officers, a.Devices) {
		if err := plainText("officers and devices", s, 64); err != nil {
			return err
		}
	}
	if len(a.Officers) > 50 || len(a.Devices) > 50 {
		return evidence.Errorf(evidence.EInvalid, "at most 50 officers and 50 devices")
	}
	return nil
}

// createActivity stores an activity fed by an officer or another
// enforcement system (R-ACT-1).
func (s *Server) createActivity(w http.ResponseWriter, r *http.Request) error {
	var a evidence.Activity
	if err := decodeJSON(r, &a); err != nil {
		return err
	}
	a.ID = 0
	if err := checkActivity(&a); err != nil {
		return err
	}
	u, ctx := userOf(r), r.Context()
	err := s.cfg.DB.Update(ctx, func(tx *store.Tx) error {
		var err error
		if a, err = tx.CreateActivity(ctx, a, u.ID); err != nil {
			return err
		}
		_, err = tx.Audit(ctx, audit.Entry{Actor: u.Name, Action: "activity.create", Object: objActivity(a.ID), Outcome: audit.OutcomeOK,
			Details: map[string]string{"type": string(a.Type), "officers": strings.Join(a.Officers, ","), "arrival": a.Arrival.Format(time.RFC3339),
				"end": a.End.Format(time.RFC3339), "request_id": requestID(ctx)}})
		if err != nil {
			return err
		}
		return reevaluate(ctx, tx, a.ID)
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, a)
}

// updateActivity applies the fields present in the body to the stored
// activity (a JSON merge of one level) and validates the result.
func (s *Server) updateActivity(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var patch map[string]json.RawMessage
	if err := decodeJSON(r, &patch); err != nil {
		return err
	}
	if len(patch) == 0 {
		return evidence.Errorf(evidence.EInvalid, "nothing to change")
	}
	raw, _ := json.Marshal(patch)
	fields := make([]string, 0, len(patch))
	for k := range patch {
		fields = append(fields, k)
	}
	slices.Sort(fields)
	u, ctx := userOf(r), r.Context()
	var a evidence.Activity
	err = s.cfg.DB.Update(ctx, func(tx *store.Tx) error {
		if a, err = tx.Activity(ctx, id); err != nil {
			return err
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&a); err != nil {
			return evidence.Errorf(evidence.EInvalid, "malformed JSON body: %v", err)
		}
		a.ID = id
		if err := checkActivity(&a); err != nil {
			return err
		}
		if a, err = tx.UpdateActivity(ctx, a); err != nil {
			return err
		}
		_, err = tx.Audit(ctx, audit.Entry{Actor: u.Name, Action: "activity.update", Object: objActivity(id), Outcome: audit.OutcomeOK,
			Details: map[string]string{"fields": strings.Join(fields, ","), "request_id": requestID(ctx)}})
		if err != nil {
			return err
		}
		return reevaluate(ctx, tx, id)
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, a)
}

func parseTimes(q url.Values, dst map[string]*time.Time) error {
	for key, p := range dst {
		if v := q.Get(key); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return evidence.Errorf(evidence.EInvalid, "%s: want an RFC 3339 time such as 2026-11-26T09:30:00+08:00", key)
			}
			*p = t.UTC()
		}
	}
	return nil
}

// listActivities lists activities by ?officer=, ?type=, and ?from= / ?to=
// on the arrival, latest first.
func (s *Server) listActivities(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := store.ActivityFilter{Officer: q.Get("officer"), Type: evidence.ActivityType(q.Get("type"))}
	if f.Type != "" && !f.Type.Valid() {
		return evidence.Errorf(evidence.EInvalid, "type: want one of %v", evidence.ActivityTypes())
	}
	if err := parseTimes(q, map[string]*time.Time{"from": &f.From, "to": &f.To}); err != nil {
		return err
	}
	var list []evidence.Activity
	err := s.cfg.DB.View(r.Context(), func(tx *store.Tx) error {
		var err error
		list, err = tx.Activities(r.Context(), f)
		return err
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"activities": list})
}

// activityInput loads what the rules need about a.
func activityInput(ctx context.Context, tx *store.Tx, a evidence.Activity, p compliance.Params) (compliance.ActivityInput, error) {
	in := compliance.ActivityInput{Activity: a}
	var err error
	if in.Recordings, err = tx.ActivityRecordings(ctx, a.ID); err != nil {
		return in, err
	}
	if in.Interruptions, err = tx.Interruptions(ctx, a.ID); err != nil {
		return in, err
	}
	if in.Exemptions, err = tx.Exemptions(ctx, a.ID); err != nil {
		return in, err
	}
	if in.DeviceChecks, err = tx.DeviceChecksFor(ctx, a, p.CheckWindow); err != nil {
		return in, err
	}
	return in, nil
}

// loadActivityInput loads activity id and what the rules need about it.
func loadActivityInput(ctx context.Context, tx *store.Tx, id int64, p compliance.Params) (compliance.ActivityInput, error) {
	a, err := tx.Activity(ctx, id)
	if err != nil {
		return compliance.ActivityInput{}, err
	}
	return activityInput(ctx, tx, a, p)
}

// recordingUpload is one linked recording's export status (Art. 13).
type recordingUpload struct {
	RecordingID int64 `json:"recording_id"`
	compliance.Upload
}

// interruptionView is a computed gap with the explanation that covers it,
// if any (Art. 11; R-ACT-6).
type interruptionView struct {
	compliance.Gap
	Status      evidence.FindingStatus `json:"status"`
	Explanation *evidence.Interruption `json:"explanation,omitempty"`
}

// activityView is GET /api/v1/activities/{id}: the activity with
// everything the rules see and what they conclude, evaluated now.
type activityView struct {
	Activity      evidence.Activity         `json:"activity"`
	Recordings    []evidence.Recording      `json:"recordings"`
	Coverage      compliance.CoverageReport `json:"coverage"`
	Due           time.Time                 `json:"due"`
	Uploads       []recordingUpload         `json:"uploads"`
	Interruptions []interruptionView        `json:"interruptions"`
	Explanations  []evidence.Interruption   `json:"explanations"`
	Exemptions    []evidence.Exemption      `json:"exemptions"`
	Exempt        bool                      `json:"exempt"`
	DeviceChecks  []evidence.DeviceCheck    `json:"device_checks"`
	Findings      []evidence.Finding        `json:"findings"`
}

// evaluate runs the activity rules and, on each linked recording's probed
// facts, the signs of edited or after-the-fact recording (Art. 11; R-ACT-8).
// Recordings from one device on the activity are checked against each other.
func evaluate(in compliance.ActivityInput, now time.Time, p compliance.Params) compliance.Evaluation {
	ev := compliance.Evaluate(in, now, p)
	for _, r := range in.Recordings {
		if len(r.Media) == 0 {
			continue
		}
		var facts media.Facts
		if err := json.Unmarshal(r.Media, &facts); err != nil {
			continue // unreadable facts are the probe's problem, shown as probe_error
		}
		ev.Findings = append(ev.Findings, compliance.Signs(r, facts, &in.Activity, in.Recordings, p)...)
	}
	return ev
}

func newActivityView(in compliance.ActivityInput, now time.Time, p compliance.Params) activityView {
	ev := evaluate(in, now, p)
	v := activityView{Activity: in.Activity, Recordings: in.Recordings, Coverage: ev.Coverage, Due: ev.Due.UTC(), Uploads: []recordingUpload{},
		Interruptions: []interruptionView{}, Explanations: in.Interruptions, Exemptions: in.Exemptions, Exempt: ev.Exempt,
		DeviceChecks: in.DeviceChecks, Findings: ev.Findings}
	if v.Findings == nil {
		v.Findings = []evidence.Finding{}
	}
	for _, r := range in.Recordings {
		u := ev.Uploads[r.ID]
		u.Due = u.Due.UTC()
		v.Uploads = append(v.Uploads, recordingUpload{RecordingID: r.ID, Upload: u})
	}
	for _, g := range ev.Coverage.Gaps() {
		iv := interruptionView{Gap: g, Status: evidence.FindingOpen}
		if it := explanationOf(g, in.Interruptions); it != nil {
			iv.Explanation = it
			if it.Complete() {
				iv.Status = evidence.FindingExplained
			}
		}
		v.Interruptions = append(v.Interruptions, iv)
	}
	return v
}

// explanationOf returns the explanation by the gap's officer that overlaps
// the gap, a complete one first.
func explanationOf(g compliance.Gap, its []evidence.Interruption) *evidence.Interruption {
	var found *evidence.Interruption
	for i, it := range its {
		if it.Officer == g.Officer && it.Start.Before(g.End) && it.End.After(g.Start) {
			if it.Complete() {
				return &its[i]
			}
			if found == nil {
				found = &its[i]
			}
		}
	}
	return found
}

// getActivity shows an activity with its coverage (R-ACT-4), the export
// status of each linked recording (R-UPL-1), the interruptions and their
// explanations (R-ACT-6), exemptions (R-ACT-2) and device checks (R-DEV-1).
func (s *Server) getActivity(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ctx, p := r.Context(), complianceParams()
	var v activityView
	err = s.cfg.DB.View(ctx, func(tx *store.Tx) error {
		in, err := loadActivityInput(ctx, tx, id, p)
		if err != nil {
			return err
		}
		v = newActivityView(in, tx.Now(), p)
		return nil
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

type proposalView struct {
	compliance.Proposal
	Recording evidence.Recording `json:"recording"`
}

// activityProposals suggests recordings to link, best first (Art. 4, 9);
// nothing is linked until someone confirms.
func (s *Server) activityProposals(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	out := []proposalView{}
	err = s.cfg.DB.View(ctx, func(tx *store.Tx) error {
		a, err := tx.Activity(ctx, id)
		if err != nil {
			return err
		}
		cands, err := tx.RecordingsForProposal(ctx, a, compliance.ProposeSlack)
		if err != nil {
			return err
		}
		byID := make(map[int64]evidence.Recording, len(cands))
		for _, c := range cands {
			byID[c.ID] = c
		}
		for _, p := range compliance.Propose(a, cands) {
			out = append(out, proposalView{Proposal: p, Recording: byID[p.RecordingID]})
		}
		return nil
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"proposals": out})
}

type linkBody struct {
	RecordingIDs []int64 `json:"recording_ids"`
}

// linkRecordings links the recordings a person confirmed; each new link is
// an entry in that recording's custody trail.
func (s *Server) linkRecordings(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var b linkBody
	if err := decodeJSON(r, &b); err != nil {
		return err
	}
	if len(b.RecordingIDs) == 0 || len(b.RecordingIDs) > 500 {
		return evidence.Errorf(evidence.EInvalid, "recording_ids: give 1 to 500 recordings")
	}
	u, ctx := userOf(r), r.Context()
	linked := []int64{}
	var all []int64
	err = s.cfg.DB.Update(ctx, func(tx *store.Tx) error {
		for _, rid := range b.RecordingIDs {
			isNew, err := tx.LinkRecording(ctx, id, rid, u.ID)
			if err != nil {
				return err
			}
			if !isNew {
				continue
			}
			linked = append(linked, rid)
			if _, err := tx.Audit(ctx, audit.Entry{Actor: u.Name, Action: "activity.link", Object: objRecording(rid), Outcome: audit.OutcomeOK,
				Details: map[string]string{"activity": strconv.FormatInt(id, 10), "request_id": requestID(ctx)}}); err != nil {
				return err
			}
		}
		recs, err := tx.ActivityRecordings(ctx, id)
		if err != nil {
			return err
		}
		for _, rec := range recs {
			all = append(all, rec.ID)
		}
		for _, rid := range linked {
			if err := checkRecording(ctx, tx, rid); err != nil {
				return err
			}
		}
		return reevaluate(ctx, tx, id)
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"activity_id": id, "linked": linked, "recording_ids": all})
}

// unlinkRecording undoes a link confirmed by mistake; the recording's
// custody trail shows both.
func (s *Server) unlinkRecording(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	rid, err := pathID(r, "recording")
	if err != nil {
		return err
	}
	u, ctx := userOf(r), r.Context()
	err = s.cfg.DB.Update(ctx, func(tx *store.Tx) error {
		if err := tx.UnlinkRecording(ctx, id, rid); err != nil {
			return err
		}
		_, err := tx.Audit(ctx, audit.Entry{Actor: u.Name, Action: "activity.unlink", Object: objRecording(rid), Outcome: audit.OutcomeOK,
			Details: map[string]string{"activity": strconv.FormatInt(id, 10), "request_id": requestID(ctx)}})
		if err != nil {
			return err
		}
		if err := checkRecording(ctx, tx, rid); err != nil {
			return err
		}
		return reevaluate(ctx, tx, id)
	})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type deviceCheckBody struct {
	Officer   string    `json:"officer"`
	Device    string    `json:"device"`
	BatteryOK bool      `json:"battery_ok"`
	StorageOK bool      `json:"storage_ok"`
	ClockOK   bool      `json:"clock_ok"`
	CheckedAt time.Time `json:"checked_at"`
	Note      string    `json:"note"`
}

// addDeviceCheck records an officer's check of a recorder before the
// activity (Art. 5; R-DEV-1).
func (s *Server) addDeviceCheck(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var b deviceCheckBody
	if err := decodeJSON(r, &b); err != nil {
		return err
	}
	c := evidence.DeviceCheck{ActivityID: id, Officer: b.Officer, Device: b.Device, BatteryOK: b.BatteryOK, StorageOK: b.StorageOK,
		ClockOK: b.ClockOK, CheckedAt: b.CheckedAt.UTC(), Note: b.Note}
	if err := c.Validate(); err != nil {
		return err
	}
	if err := firstErr(plainText("device", c.Device, 64), plainText("note", c.Note, 2000)); err != nil {
		return err
	}
	u, ctx := userOf(r), r.Context()
	err = s.cfg.DB.Update(ctx, func(tx *store.Tx) error {
		a, err := tx.Activity(ctx, id)
		if err != nil {
			return err
		}
		if !a.HasOfficer(c.Officer) {
			return evidence.Errorf(evidence.EInvalid, "officer %s is not on activity %d", c.Officer, id)
		}
		if c, err = tx.AddDeviceCheck(ctx, c, u.ID); err != nil {
			return err
		}
		_, err = tx.Audit(ctx, audit.Entry{Actor: u.Name, Action: "device.check", Object: objActivity(id), Outcome: audit.OutcomeOK,
			Details: map[string]string{"officer": c.Officer, "device": c.Device, "ok": strconv.FormatBool(c.OK()), "request_id": requestID(ctx)}})
		if err != nil {
			return err
		}
		return reevaluateChecked(ctx, tx, id, c)
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, c)
}

// firstErr returns the first non-nil error: one message is enough.
func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

type interruptionBody struct {
	Officer            string                     `json:"officer"`
	Start              time.Time                  `json:"start"`
	End                time.Time                  `json:"end"`
	Cause              evidence.InterruptionCause `json:"cause"`
	Note               string                     `json:"note"`
	VoiceRecordingID   int64                      `json:"voice_recording_id"`
	VoicePointMS       int64                      `json:"voice_point_ms"`
	CouldNotContinue   bool                       `json:"could_not_continue"`
	ReportedTo         string                     `json:"reported_to"`
	ReportedAt         *time.Time                 `json:"reported_at"`
	WrittenExplanation string                     `json:"written_explanation"`
}

// explainInterruption records why an officer's recording stopped (Art. 11;
// R-ACT-6, R-ACT-7). The span must overlap a gap computed now from the
// linked recordings; the explanation is stored under that gap's start, so
// explaining it again (say, with the written explanation) replaces it.
func (s *Server) explainInterruption(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var b interruptionBody
	if err := decodeJSON(r, &b); err != nil {
		return err
	}
	u, ctx, p := userOf(r), r.Context(), complianceParams()
	it := evidence.Interruption{ActivityID: id, Officer: b.Officer, Start: b.Start.UTC(), End: b.End.UTC(), Cause: b.Cause, Note: b.Note,
		VoiceRecordingID: b.VoiceRecordingID, VoicePoint: time.Duration(b.VoicePointMS) * time.Millisecond, CouldNotContinue: b.CouldNotContinue,
		ReportedTo: b.ReportedTo, ReportedAt: b.ReportedAt, WrittenExplanation: b.WrittenExplanation, ExplainedBy: u.Name}
	if err := it.Validate(); err != nil {
		return err
	}
	if err := firstErr(plainText("note", it.Note, 2000), plainText("reported_to", it.ReportedTo, 200),
		plainText("written_explanation", it.WrittenExplanation, 8000)); err != nil {
		return err
	}
	err = s.cfg.DB.Update(ctx, func(tx *store.Tx) error {
		a, err := tx.Activity(ctx, id)
		if err != nil {
			return err
		}
		if !a.HasOfficer(it.Officer) {
			return evidence.Errorf(evidence.EInvalid, "officer %s is not on activity %d", it.Officer, id)
		}
		in, err := activityInput(ctx, tx, a, p)
		if err != nil {
			return err
		}
		if it.VoiceRecordingID != 0 && !slices.ContainsFunc(in.Recordings, func(r evidence.Recording) bool { return r.ID == it.VoiceRecordingID }) {
			return evidence.Errorf(evidence.EInvalid, "voice_recording_id: recording %d is not linked to activity %d", it.VoiceRecordingID, id)
		}
		var gap *compliance.Gap
		for _, g := range compliance.Coverage(a, compliance.SegmentsOf(in.Recordings), p.GapTolerance).Gaps() {
			if g.Officer == it.Officer && g.Start.Before(it.End) && g.End.After(it.Start) {
				gap = &g
				break
			}
		}
		if gap == nil {
			return evidence.Errorf(evidence.EInvalid, "no interruption of officer %s between %s and %s", it.Officer,
				it.Start.Format(time.RFC3339), it.End.Format(time.RFC3339))
		}
		it.Start, it.End = gap.Start.UTC(), gap.End.UTC()
		if it, err = tx.ExplainInterruption(ctx, it); err != nil {
			return err
		}
		_, err = tx.Audit(ctx, audit.Entry{Actor: u.Name, Action: "interruption.explain", Object: objActivity(id), Outcome: audit.OutcomeOK,
			Details: map[string]string{"officer": it.Officer, "start": it.Start.Format(time.RFC3339), "end": it.End.Format(time.RFC3339),
				"cause": string(it.Cause), "complete": strconv.FormatBool(it.Complete()), "request_id": requestID(ctx)}})
		if err != nil {
			return err
		}
		return reevaluate(ctx, tx, id)
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, it)
}

type exemptionBody struct {
	Category evidence.ExemptionCategory `json:"category"`
	Reason   string                     `json:"reason"`
	Basis    string                     `json:"basis"`
}

// submitExemption files the work record of an activity that was not
// recorded (Art. 7; R-ACT-2); it excuses the activity once a leader
// acknowledges it.
func (s *Server) submitExemption(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var b exemptionBody
	if err := decodeJSON(r, &b); err != nil {
		return err
	}
	if err := firstErr(plainText("reason", b.Reason, 4000), plainText("basis", b.Basis, 4000)); err != nil {
		return err
	}
	u, ctx := userOf(r), r.Context()
	var e evidence.Exemption
	err = s.cfg.DB.Update(ctx, func(tx *store.Tx) error {
		if _, err := tx.Activity(ctx, id); err != nil {
			return err
		}
		e = evidence.Exemption{ActivityID: id, Category: b.Category, Reason: b.Reason, Basis: b.Basis, SubmittedBy: u.Name, SubmittedAt: tx.Now()}
		if err := e.Validate(); err != nil {
			return err
		}
		var err error
		if e, err = tx.SubmitExemption(ctx, e, u.ID); err != nil {
			return err
		}
		_, err = tx.Audit(ctx, audit.Entry{Actor: u.Name, Action: "exemption.submit", Object: objActivity(id), Outcome: audit.OutcomeOK,
			Details: map[string]string{"exemption": strconv.FormatInt(e.ID, 10), "category": string(e.Category), "request_id": requestID(ctx)}})
		if err != nil {
			return err
		}
		return reevaluate(ctx, tx, id)
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, e)
}

// acknowledgeExemption is the leader's acknowledgement of a work record
// (Art. 7): only a leader of the submitter, never the submitter.
func (s *Server) acknowledgeExemption(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	u, ctx := userOf(r), r.Context()
	var e evidence.Exemption
	err = s.cfg.DB.Update(ctx, func(tx *store.Tx) error {
		var submitter int64
		if e, submitter, err = tx.Exemption(ctx, id); err != nil {
			return err
		}
		if submitter == u.ID {
			return evidence.Errorf(evidence.EForbidden, "the submitter cannot acknowledge their own exemption")
		}
		leads, err := tx.IsLeaderOf(ctx, u.ID, submitter)
		if err != nil {
			return err
		}
		if !leads {
			return evidence.Errorf(evidence.EForbidden, "only a leader of %s acknowledges exemption %d", e.SubmittedBy, id)
		}
		now := tx.Now()
		e.AcknowledgedBy, e.AcknowledgedAt = u.Name, &now
		if err := e.Validate(); err != nil {
			return err
		}
		if e, err = tx.AcknowledgeExemption(ctx, id, u.Name); err != nil {
			return err
		}
		_, err = tx.Audit(ctx, audit.Entry{Actor: u.Name, Action: "exemption.acknowledge", Object: objActivity(e.ActivityID), Outcome: audit.OutcomeOK,
			Details: map[string]string{"exemption": strconv.FormatInt(id, 10), "submitted_by": e.SubmittedBy, "request_id": requestID(ctx)}})
		if err != nil {
			return err
		}
		return reevaluate(ctx, tx, e.ActivityID)
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, e)
}

// listFindings lists the stored findings (kept up to date by reevaluate
// and RunEvaluator) of the activities that arrived in [?from, ?to)
// (default: the last 90 days), narrowed by ?status=, ?officer=, ?rule=,
// ?activity=; ?resolved=1 includes findings whose rule no longer fires.
func (s *Server) listFindings(w http.ResponseWriter, r *http.Request) error {
	q, ctx := r.URL.Query(), r.Context()
	f := store.FindingFilter{Status: evidence.FindingStatus(q.Get("status")), Officer: q.Get("officer"), Rule: q.Get("rule"), Resolved: q.Get("resolved") == "1"}
	switch f.Status {
	case "", evidence.FindingOpen, evidence.FindingExplained, evidence.FindingAccepted:
	default:
		return evidence.Errorf(evidence.EInvalid, "status: want open, explained or accepted")
	}
	if v := q.Get("activity"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return evidence.Errorf(evidence.EInvalid, "activity: want an id")
		}
		f.ActivityID = id
	}
	if err := parseTimes(q, map[string]*time.Time{"from": &f.From, "to": &f.To}); err != nil {
		return err
	}
	var list []store.StoredFinding
	err := s.cfg.DB.View(ctx, func(tx *store.Tx) error {
		// One activity's findings are listed whenever it was; a range
		// defaults to the last 90 days.
		if f.From.IsZero() && f.ActivityID == 0 {
			f.From = tx.Now().AddDate(0, 0, -90)
		}
		if f.To.IsZero() && f.ActivityID == 0 {
			f.To = tx.Now().AddDate(0, 0, 1)
		}
		if f.ActivityID != 0 {
			if _, err := tx.Activity(ctx, f.ActivityID); err != nil {
				return err
			}
		}
		var err error
		list, err = tx.Findings(ctx, f)
		return err
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"findings": list})
}

type acceptBody struct {
	Comment string `json:"comment"`
}

// acceptFinding closes a finding on a leader's review; it stays accepted
// while its rule keeps firing.
func (s *Server) acceptFinding(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var b acceptBody
	if r.ContentLength != 0 {
		if err := decodeJSON(r, &b); err != nil {
			return err
		}
	}
	if err := plainText("comment", b.Comment, 2000); err != nil {
		return err
	}
	u, ctx := userOf(r), r.Context()
	var sf store.StoredFinding
	err = s.cfg.DB.Update(ctx, func(tx *store.Tx) error {
		if sf, err = tx.AcceptFinding(ctx, id, u.Name); err != nil {
			return err
		}
		obj := objActivity(sf.ActivityID)
		if sf.ActivityID == 0 && len(sf.RecordingIDs) > 0 {
			obj = objRecording(sf.RecordingIDs[0])
		}
		_, err = tx.Audit(ctx, audit.Entry{Actor: u.Name, Action: "finding.accept", Object: obj, Outcome: audit.OutcomeOK,
			Details: map[string]string{"finding": strconv.FormatInt(id, 10), "key": sf.Key, "comment": b.Comment, "request_id": requestID(ctx)}})
		return err
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, sf)
}

// orphanRecordings lists recordings tied to no activity (Art. 4: recorders
// are for work only; R-USE-1), with a finding for each; ?officer= narrows,
// ?limit= caps (default 500).
func (s *Server) orphanRecordings(w http.ResponseWriter, r *http.Request) error {
	q, ctx := r.URL.Query(), r.Context()
	limit := 500
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 5000 {
			return evidence.Errorf(evidence.EInvalid, "limit: want an integer from 1 to 5000")
		}
		limit = n
	}
	var recs []evidence.Recording
	var linked map[int64]bool
	err := s.cfg.DB.View(ctx, func(tx *store.Tx) error {
		var err error
		if recs, err = tx.OrphanRecordings(ctx, q.Get("officer"), limit); err != nil {
			return err
		}
		linked, err = tx.LinkedRecordingIDs(ctx)
		return err
	})
	if err != nil {
		return err
	}
	fs := compliance.Orphans(recs, linked)
	if fs == nil {
		fs = []evidence.Finding{}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"recordings": recs, "findings": fs})
}
