package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"shilu/internal/app"
	"shilu/internal/compliance"
	"shilu/internal/evidence"
	"shilu/internal/store"
	"shilu/internal/web/httpx"
)

// createActivity stores an activity fed by an officer or another
// enforcement system (app.CreateActivity).
func (h *Handler) CreateActivity(w http.ResponseWriter, r *http.Request) error {
	var a evidence.Activity
	if err := httpx.DecodeJSON(r, &a); err != nil {
		return err
	}
	a, err := h.App.CreateActivity(r.Context(), httpx.Actor(r), a)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusCreated, a)
}

// updateActivity applies the fields present in the body to the stored
// activity (app.UpdateActivity).
func (h *Handler) UpdateActivity(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var patch map[string]json.RawMessage
	if err := httpx.DecodeJSON(r, &patch); err != nil {
		return err
	}
	a, err := h.App.UpdateActivity(r.Context(), httpx.Actor(r), id, patch)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, a)
}

// ActivityList is the answer of GET /api/v1/activities, paged as
// RecordingList.
type ActivityList struct {
	Activities []evidence.Activity `json:"activities"`
	Total      int                 `json:"total"`
	Over       bool                `json:"total_over,omitempty"`
	Limit      int                 `json:"limit"`
	Next       string              `json:"next,omitempty"`
	Prev       string              `json:"prev,omitempty"`
}

// ListActivities lists activities by ?officer= (a number, or a name or
// part of one), ?type=, and ?from= / ?to= on the arrival, latest first,
// a page of ?limit= (100) after ?after= or before ?before=.
func (h *Handler) ListActivities(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := store.ActivityFilter{Officer: q.Get("officer"), Type: evidence.ActivityType(q.Get("type"))}
	if f.Type != "" && !f.Type.Valid() {
		return evidence.Errorf(evidence.EInvalid, "err.activity.type_unknown", string(f.Type))
	}
	if err := httpx.Times(q, map[string]*time.Time{"from": &f.From, "to": &f.To}); err != nil {
		return err
	}
	if err := httpx.Cursors(q, &f.After, &f.Before); err != nil {
		return err
	}
	f.Limit = 100
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return evidence.Errorf(evidence.EInvalid, "err.query.range", "limit", 1, 1000)
		}
		f.Limit = n
	}
	var p store.ActivityPage
	err := h.DB.View(r.Context(), func(tx *store.Tx) error {
		var err error
		if f.Officers, err = tx.OfficerNumbers(r.Context(), f.Officer); err != nil {
			return err
		}
		p, err = tx.ActivitiesPage(r.Context(), f)
		return err
	})
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, ActivityList{Activities: p.Activities, Total: p.Total, Over: p.Over, Limit: f.Limit,
		Next: cursorString(p.Next), Prev: cursorString(p.Prev)})
}

// getActivity shows an activity with its coverage (R-ACT-4), the export
// status of each linked recording (R-UPL-1), the interruptions and their
// explanations (R-ACT-6), exemptions (R-ACT-2) and device checks (R-DEV-1).
func (h *Handler) GetActivity(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	ctx, p := r.Context(), h.App.Params()
	// The findings as the workbench shows them: with the stored status, so
	// an accepted finding is not shown open (issue 9 point 9).
	var v struct {
		app.ActivityView
		Findings []app.FindingRow `json:"findings"`
	}
	err = h.DB.View(ctx, func(tx *store.Tx) error {
		in, err := app.LoadActivityInput(ctx, tx, id, p)
		if err != nil {
			return err
		}
		v.ActivityView = app.NewActivityView(in, tx.Now(), p)
		stored, err := tx.Findings(ctx, store.FindingFilter{ActivityID: id})
		v.Findings = app.MergeFindings(v.ActivityView.Findings, stored)
		return err
	})
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, v)
}

// activityProposals suggests recordings to link, best first (Art. 4, 9);
// nothing is linked until someone confirms.
func (h *Handler) ActivityProposals(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	out := []app.ProposalView{}
	err = h.DB.View(ctx, func(tx *store.Tx) error {
		a, err := tx.Activity(ctx, id)
		if err != nil {
			return err
		}
		list, err := app.LoadProposals(ctx, tx, a)
		out = append(out, list...)
		return err
	})
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, map[string]any{"proposals": out})
}

type linkBody struct {
	RecordingIDs []int64 `json:"recording_ids"`
}

// linkRecordings links the recordings a person confirmed (app.Link).
func (h *Handler) LinkRecordings(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var b linkBody
	if err := httpx.DecodeJSON(r, &b); err != nil {
		return err
	}
	linked, all, err := h.App.Link(r.Context(), httpx.Actor(r), id, b.RecordingIDs)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, map[string]any{"activity_id": id, "linked": linked, "recording_ids": all})
}

// unlinkRecording undoes a link confirmed by mistake (app.Unlink).
func (h *Handler) UnlinkRecording(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	rid, err := httpx.PathID(r, "recording")
	if err != nil {
		return err
	}
	if err := h.App.Unlink(r.Context(), httpx.Actor(r), id, rid); err != nil {
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
func (h *Handler) AddDeviceCheck(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var b deviceCheckBody
	if err := httpx.DecodeJSON(r, &b); err != nil {
		return err
	}
	c, err := h.App.AddDeviceCheck(r.Context(), httpx.Actor(r), id, evidence.DeviceCheck{Officer: b.Officer, Device: b.Device, BatteryOK: b.BatteryOK,
		StorageOK: b.StorageOK, ClockOK: b.ClockOK, CheckedAt: b.CheckedAt, Note: b.Note})
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusCreated, c)
}

type interruptionBody struct {
	Officer            string                     `json:"officer"`
	Start              time.Time                  `json:"start"`
	End                time.Time                  `json:"end"`
	Cause              evidence.InterruptionCause `json:"cause"`
	Note               string                     `json:"note"`
	VoiceRecordingID   int64                      `json:"voice_recording_id"`
	VoicePointMS       *int64                     `json:"voice_point_ms"`
	CouldNotContinue   bool                       `json:"could_not_continue"`
	ReportedTo         string                     `json:"reported_to"`
	ReportedAt         *time.Time                 `json:"reported_at"`
	WrittenExplanation string                     `json:"written_explanation"`
}

// explainInterruption records why an officer's recording stopped
// (app.ExplainInterruption).
func (h *Handler) ExplainInterruption(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var b interruptionBody
	if err := httpx.DecodeJSON(r, &b); err != nil {
		return err
	}
	// The voice point is chosen, never assumed: 0 would silently mean the
	// recording's first moment.
	var point time.Duration
	switch {
	case b.VoicePointMS != nil:
		point = time.Duration(*b.VoicePointMS) * time.Millisecond
	case b.VoiceRecordingID != 0:
		return evidence.Errorf(evidence.EInvalid, "err.interruption.no_voice_point")
	}
	it, err := h.App.ExplainInterruption(r.Context(), httpx.Actor(r), id, evidence.Interruption{Officer: b.Officer, Start: b.Start, End: b.End,
		Cause: b.Cause, Note: b.Note, VoiceRecordingID: b.VoiceRecordingID, VoicePoint: point,
		CouldNotContinue: b.CouldNotContinue, ReportedTo: b.ReportedTo, ReportedAt: b.ReportedAt, WrittenExplanation: b.WrittenExplanation})
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusCreated, it)
}

type voidBody struct {
	Reason string `json:"reason"`
}

// VoidActivity voids an activity entered by mistake (app.VoidActivity).
func (h *Handler) VoidActivity(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var b voidBody
	if err := httpx.DecodeJSON(r, &b); err != nil {
		return err
	}
	a, err := h.App.VoidActivity(r.Context(), httpx.Actor(r), id, b.Reason)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, a)
}

type exemptionBody struct {
	Category evidence.ExemptionCategory `json:"category"`
	Reason   string                     `json:"reason"`
	Basis    string                     `json:"basis"`
}

// submitExemption files the work record of an activity that was not
// recorded (app.SubmitExemption).
func (h *Handler) SubmitExemption(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var b exemptionBody
	if err := httpx.DecodeJSON(r, &b); err != nil {
		return err
	}
	e, err := h.App.SubmitExemption(r.Context(), httpx.Actor(r), id, b.Category, b.Reason, b.Basis)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusCreated, e)
}

// acknowledgeExemption is the leader's acknowledgement of a work record
// (app.AcknowledgeExemption).
func (h *Handler) AcknowledgeExemption(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	e, err := h.App.AcknowledgeExemption(r.Context(), httpx.Actor(r), id)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, e)
}

// listFindings lists the stored findings (kept up to date by reevaluate
// and RunEvaluator) of the activities that arrived in [?from, ?to)
// (default: the last 90 days), narrowed by ?status=, ?officer=, ?rule=,
// ?activity=; ?resolved=1 includes findings whose rule no longer fires.
func (h *Handler) ListFindings(w http.ResponseWriter, r *http.Request) error {
	q, ctx := r.URL.Query(), r.Context()
	f := store.FindingFilter{Status: evidence.FindingStatus(q.Get("status")), Officer: q.Get("officer"), Rule: q.Get("rule"), Resolved: q.Get("resolved") == "1"}
	switch f.Status {
	case "", evidence.FindingOpen, evidence.FindingExplained, evidence.FindingAccepted:
	default:
		return evidence.Errorf(evidence.EInvalid, "err.finding.status_unknown", string(f.Status))
	}
	if v := q.Get("activity"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return evidence.Errorf(evidence.EInvalid, "err.query.id", "activity")
		}
		f.ActivityID = id
	}
	if err := httpx.Times(q, map[string]*time.Time{"from": &f.From, "to": &f.To}); err != nil {
		return err
	}
	var list []store.StoredFinding
	err := h.DB.View(ctx, func(tx *store.Tx) error {
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
		if f.Officers, err = tx.OfficerNumbers(ctx, f.Officer); err != nil {
			return err
		}
		list, err = tx.Findings(ctx, f)
		return err
	})
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, map[string]any{"findings": list})
}

type acceptBody struct {
	Comment string `json:"comment"`
}

// acceptFinding closes a finding on a leader's review (app.AcceptFinding).
func (h *Handler) AcceptFinding(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var b acceptBody
	if r.ContentLength != 0 {
		if err := httpx.DecodeJSON(r, &b); err != nil {
			return err
		}
	}
	sf, err := h.App.AcceptFinding(r.Context(), httpx.Actor(r), id, b.Comment)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, sf)
}

// orphanRecordings lists recordings tied to no activity (Art. 4: recorders
// are for work only; R-USE-1), with a finding for each; ?officer= narrows,
// ?limit= caps (default 500).
func (h *Handler) OrphanRecordings(w http.ResponseWriter, r *http.Request) error {
	q, ctx := r.URL.Query(), r.Context()
	limit := 500
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 5000 {
			return evidence.Errorf(evidence.EInvalid, "err.query.range", "limit", 1, 5000)
		}
		limit = n
	}
	var recs []evidence.Recording
	err := h.DB.View(ctx, func(tx *store.Tx) (err error) {
		recs, err = tx.OrphanRecordings(ctx, q.Get("officer"), limit)
		return err
	})
	if err != nil {
		return err
	}
	fs := compliance.Orphans(recs)
	if fs == nil {
		fs = []evidence.Finding{}
	}
	return httpx.JSON(w, http.StatusOK, map[string]any{"recordings": recs, "findings": fs})
}
