package api

import (
	"net/http"
	"strconv"

	"shilu/internal/evidence"
	"shilu/internal/store"
	"shilu/internal/web/httpx"
)

// Retention (issue 11): classes and settings, holds, disposals and their
// tombstones. The use cases (app/retention.go) check what depends on the
// data; the route table checks the role.

// RetentionClasses answers the bureau's classes and settings.
func (h *Handler) RetentionClasses(w http.ResponseWriter, r *http.Request) error {
	var out struct {
		Classes  []evidence.RetentionClass  `json:"classes"`
		Settings evidence.RetentionSettings `json:"settings"`
	}
	err := h.DB.View(r.Context(), func(tx *store.Tx) (err error) {
		if out.Classes, err = tx.RetentionClasses(r.Context()); err != nil {
			return err
		}
		out.Settings, err = tx.RetentionSettings(r.Context())
		return err
	})
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, out)
}

// PutRetentionClass creates a class (POST) or changes one (PUT .../{id}).
func (h *Handler) PutRetentionClass(w http.ResponseWriter, r *http.Request) error {
	var c evidence.RetentionClass
	if err := httpx.DecodeJSON(r, &c); err != nil {
		return err
	}
	c.ID = 0
	status := http.StatusCreated
	if r.PathValue("id") != "" {
		id, err := httpx.PathID(r, "id")
		if err != nil {
			return err
		}
		c.ID, status = id, http.StatusOK
	}
	c, err := h.App.PutRetentionClass(r.Context(), httpx.Actor(r), c)
	if err != nil {
		return err
	}
	return httpx.JSON(w, status, c)
}

// SetRetentionSettings sets the default class, the important files' class
// and the grace period.
func (h *Handler) SetRetentionSettings(w http.ResponseWriter, r *http.Request) error {
	var s evidence.RetentionSettings
	if err := httpx.DecodeJSON(r, &s); err != nil {
		return err
	}
	if err := h.App.SetRetentionSettings(r.Context(), httpx.Actor(r), s); err != nil {
		return err
	}
	return h.RetentionClasses(w, r)
}

// ClassifyRecording gives a recording a class (null: the default), with a
// reason.
func (h *Handler) ClassifyRecording(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var b struct {
		ClassID *int64 `json:"class_id"`
		Reason  string `json:"reason"`
	}
	if err := httpx.DecodeJSON(r, &b); err != nil {
		return err
	}
	rec, err := h.App.ClassifyRecording(r.Context(), httpx.Actor(r), id, b.ClassID, b.Reason)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, rec)
}

// RecordingHolds answers a recording's holds, in force and lifted.
func (h *Handler) RecordingHolds(w http.ResponseWriter, r *http.Request) error {
	rec, err := httpx.Recording(r, h.DB)
	if err != nil {
		return err
	}
	var list []evidence.Hold
	err = h.DB.View(r.Context(), func(tx *store.Tx) (err error) { list, err = tx.HoldsOf(r.Context(), rec.ID); return err })
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, map[string]any{"holds": list})
}

// PlaceHold holds a recording (app.PlaceHold).
func (h *Handler) PlaceHold(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var b struct {
		Kind   evidence.HoldKind `json:"kind"`
		Reason string            `json:"reason"`
	}
	if err := httpx.DecodeJSON(r, &b); err != nil {
		return err
	}
	hold, err := h.App.PlaceHold(r.Context(), httpx.Actor(r), id, b.Kind, b.Reason)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusCreated, hold)
}

// LiftHold ends a hold with a reason (app.LiftHold).
func (h *Handler) LiftHold(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var b struct {
		Reason string `json:"reason"`
	}
	if err := httpx.DecodeJSON(r, &b); err != nil {
		return err
	}
	if err := h.App.LiftHold(r.Context(), httpx.Actor(r), id, b.Reason); err != nil {
		return err
	}
	var hold evidence.Hold
	err = h.DB.View(r.Context(), func(tx *store.Tx) (err error) { hold, err = tx.Hold(r.Context(), id); return err })
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, hold)
}

// ListHolds answers the holds in force.
func (h *Handler) ListHolds(w http.ResponseWriter, r *http.Request) error {
	var list []evidence.Hold
	err := h.DB.View(r.Context(), func(tx *store.Tx) (err error) { list, err = tx.HoldsInForce(r.Context()); return err })
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, map[string]any{"holds": list})
}

// DueForDisposal answers the recordings whose retention has ended, with no
// hold and no disposal yet (?limit=, 1-1000, default 100).
func (h *Handler) DueForDisposal(w http.ResponseWriter, r *http.Request) error {
	limit := 100
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return evidence.Errorf(evidence.EInvalid, "err.query.range", "limit", 1, 1000)
		}
		limit = n
	}
	var list []evidence.Recording
	err := h.DB.View(r.Context(), func(tx *store.Tx) (err error) { list, err = tx.DueForDisposal(r.Context(), limit); return err })
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, map[string]any{"recordings": list})
}

// ParseDisposalFilter reads ?status=, ?recording=, ?before= and ?limit=
// (1-500, default 100).
func ParseDisposalFilter(r *http.Request) (store.DisposalFilter, error) {
	q := r.URL.Query()
	f := store.DisposalFilter{Status: evidence.DisposalStatus(q.Get("status")), Limit: 100}
	if f.Status != "" {
		ok := false
		for _, s := range evidence.DisposalStatuses {
			ok = ok || s == f.Status
		}
		if !ok {
			return f, evidence.Errorf(evidence.EInvalid, "err.disposal.status", string(f.Status))
		}
	}
	for name, p := range map[string]*int64{"before": &f.Before, "recording": &f.RecordingID} {
		if v := q.Get(name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 1 {
				return f, evidence.Errorf(evidence.EInvalid, "err.query.id", name)
			}
			*p = n
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			return f, evidence.Errorf(evidence.EInvalid, "err.query.range", "limit", 1, 500)
		}
		f.Limit = n
	}
	return f, nil
}

// ListDisposals answers disposals newest first, tombstones included; a
// full page has next_before.
func (h *Handler) ListDisposals(w http.ResponseWriter, r *http.Request) error {
	f, err := ParseDisposalFilter(r)
	if err != nil {
		return err
	}
	var list []evidence.Disposal
	err = h.DB.View(r.Context(), func(tx *store.Tx) (err error) { list, err = tx.Disposals(r.Context(), f); return err })
	if err != nil {
		return err
	}
	ans := map[string]any{"disposals": list}
	if len(list) == f.Limit {
		ans["next_before"] = list[len(list)-1].ID
	}
	return httpx.JSON(w, http.StatusOK, ans)
}

// GetDisposal answers one disposal.
func (h *Handler) GetDisposal(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var d evidence.Disposal
	err = h.DB.View(r.Context(), func(tx *store.Tx) (err error) { d, err = tx.Disposal(r.Context(), id); return err })
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, d)
}

// ProposeDisposal proposes to dispose of a recording (app.ProposeDisposal).
func (h *Handler) ProposeDisposal(w http.ResponseWriter, r *http.Request) error {
	var b struct {
		RecordingID int64  `json:"recording_id"`
		Reason      string `json:"reason"`
	}
	if err := httpx.DecodeJSON(r, &b); err != nil {
		return err
	}
	d, err := h.App.ProposeDisposal(r.Context(), httpx.Actor(r), b.RecordingID, b.Reason)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusCreated, d)
}

// ApproveDisposal approves a proposed disposal (app.ApproveDisposal).
func (h *Handler) ApproveDisposal(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	d, err := h.App.ApproveDisposal(r.Context(), httpx.Actor(r), id)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, d)
}

// CancelDisposal cancels a disposal before it is carried out
// (app.CancelDisposal).
func (h *Handler) CancelDisposal(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var b struct {
		Reason string `json:"reason"`
	}
	if err := httpx.DecodeJSON(r, &b); err != nil {
		return err
	}
	if err := h.App.CancelDisposal(r.Context(), httpx.Actor(r), id, b.Reason); err != nil {
		return err
	}
	return h.GetDisposal(w, r)
}
