package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"shilu/internal/app"
	"shilu/internal/compliance"
	"shilu/internal/evidence"
	"shilu/internal/store"
)

// createActivity stores an activity fed by an officer or another
// enforcement system (app.CreateActivity).
func (s *Server) createActivity(w http.ResponseWriter, r *http.Request) error {
	var a evidence.Activity
	if err := decodeJSON(r, &a); err != nil {
		return err
	}
	a, err := s.app.CreateActivity(r.Context(), actor(r), a)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, a)
}

// updateActivity applies the fields present in the body to the stored
// activity (app.UpdateActivity).
func (s *Server) updateActivity(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var patch map[string]json.RawMessage
	if err := decodeJSON(r, &patch); err != nil {
		return err
	}
	a, err := s.app.UpdateActivity(r.Context(), actor(r), id, patch)
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

func newActivityView(in compliance.ActivityInput, now time.Time, p compliance.Params) activityView {
	ev := app.Evaluate(in, now, p)
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
	ctx, p := r.Context(), s.app.Params()
	var v activityView
	err = s.cfg.DB.View(ctx, func(tx *store.Tx) error {
		in, err := app.LoadActivityInput(ctx, tx, id, p)
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

// linkRecordings links the recordings a person confirmed (app.Link).
func (s *Server) linkRecordings(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var b linkBody
	if err := decodeJSON(r, &b); err != nil {
		return err
	}
	linked, all, err := s.app.Link(r.Context(), actor(r), id, b.RecordingIDs)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"activity_id": id, "linked": linked, "recording_ids": all})
}

// unlinkRecording undoes a link confirmed by mistake (app.Unlink).
func (s *Server) unlinkRecording(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	rid, err := pathID(r, "recording")
	if err != nil {
		return err
	}
	if err := s.app.Unlink(r.Context(), actor(r), id, rid); err != nil {
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
// activity (app.AddDeviceCheck).
func (s *Server) addDeviceCheck(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var b deviceCheckBody
	if err := decodeJSON(r, &b); err != nil {
		return err
	}
	c, err := s.app.AddDeviceCheck(r.Context(), actor(r), id, evidence.DeviceCheck{Officer: b.Officer, Device: b.Device, BatteryOK: b.BatteryOK,
		StorageOK: b.StorageOK, ClockOK: b.ClockOK, CheckedAt: b.CheckedAt, Note: b.Note})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, c)
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

// explainInterruption records why an officer's recording stopped
// (app.ExplainInterruption).
func (s *Server) explainInterruption(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var b interruptionBody
	if err := decodeJSON(r, &b); err != nil {
		return err
	}
	it, err := s.app.ExplainInterruption(r.Context(), actor(r), id, evidence.Interruption{Officer: b.Officer, Start: b.Start, End: b.End,
		Cause: b.Cause, Note: b.Note, VoiceRecordingID: b.VoiceRecordingID, VoicePoint: time.Duration(b.VoicePointMS) * time.Millisecond,
		CouldNotContinue: b.CouldNotContinue, ReportedTo: b.ReportedTo, ReportedAt: b.ReportedAt, WrittenExplanation: b.WrittenExplanation})
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
// recorded (app.SubmitExemption).
func (s *Server) submitExemption(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var b exemptionBody
	if err := decodeJSON(r, &b); err != nil {
		return err
	}
	e, err := s.app.SubmitExemption(r.Context(), actor(r), id, b.Category, b.Reason, b.Basis)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, e)
}

// acknowledgeExemption is the leader's acknowledgement of a work record
// (app.AcknowledgeExemption).
func (s *Server) acknowledgeExemption(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	e, err := s.app.AcknowledgeExemption(r.Context(), actor(r), id)
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

// acceptFinding closes a finding on a leader's review (app.AcceptFinding).
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
	sf, err := s.app.AcceptFinding(r.Context(), actor(r), id, b.Comment)
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
