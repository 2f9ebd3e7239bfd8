package api

import (
	"encoding/json"
	"net/http"
	"strconv"

	"shilu/internal/app"
	"shilu/internal/evidence"
	"shilu/internal/store"
	"shilu/internal/web/httpx"
)

// ListCases lists cases newest first by ?status=, ?officer= (a number),
// ?q= (number or title) a page at a time: ?limit= (1-200, default 50) and
// ?before= the id after which the next page starts, as next_before says.
func (h *Handler) ListCases(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := store.CaseFilter{Status: evidence.CaseStatus(q.Get("status")), Officer: q.Get("officer"), Query: q.Get("q"), Limit: 50}
	if f.Status != "" && !f.Status.Valid() {
		return evidence.Errorf(evidence.EInvalid, "err.case.status_unknown", q.Get("status"))
	}
	for name, p := range map[string]*int64{"before": &f.Before} {
		if v := q.Get(name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 1 {
				return evidence.Errorf(evidence.EInvalid, "err.query.id", name)
			}
			*p = n
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			return evidence.Errorf(evidence.EInvalid, "err.query.range", "limit", 1, 200)
		}
		f.Limit = n
	}
	var list []evidence.Case
	err := h.DB.View(r.Context(), func(tx *store.Tx) (err error) {
		list, err = tx.Cases(r.Context(), f)
		return err
	})
	if err != nil {
		return err
	}
	ans := map[string]any{"cases": list}
	if list == nil {
		ans["cases"] = []evidence.Case{}
	}
	if len(list) == f.Limit {
		ans["next_before"] = list[len(list)-1].ID
	}
	return httpx.JSON(w, http.StatusOK, ans)
}

// CreateCase opens a case (app.CreateCase).
func (h *Handler) CreateCase(w http.ResponseWriter, r *http.Request) error {
	var c evidence.Case
	if err := httpx.DecodeJSON(r, &c); err != nil {
		return err
	}
	c, err := h.App.CreateCase(r.Context(), httpx.Actor(r), c)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusCreated, c)
}

// GetCase answers a case with its file (app.LoadCase).
func (h *Handler) GetCase(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var v app.CaseView
	err = h.DB.View(r.Context(), func(tx *store.Tx) (err error) {
		v, err = app.LoadCase(r.Context(), tx, id)
		return err
	})
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, v)
}

// UpdateCase applies the fields present in the body (app.UpdateCase).
func (h *Handler) UpdateCase(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var patch map[string]json.RawMessage
	if err := httpx.DecodeJSON(r, &patch); err != nil {
		return err
	}
	c, err := h.App.UpdateCase(r.Context(), httpx.Actor(r), id, patch)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, c)
}

// AdvanceCase moves a case one step forward (app.AdvanceCase).
func (h *Handler) AdvanceCase(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var b struct {
		Status evidence.CaseStatus `json:"status"`
	}
	if err := httpx.DecodeJSON(r, &b); err != nil {
		return err
	}
	c, err := h.App.AdvanceCase(r.Context(), httpx.Actor(r), id, b.Status)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, c)
}

// AttachToCase puts recordings or activities into a case file (app.Attach).
func (h *Handler) AttachToCase(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var b struct {
		Items []app.CaseItemRef `json:"items"`
	}
	if err := httpx.DecodeJSON(r, &b); err != nil {
		return err
	}
	if err := h.App.Attach(r.Context(), httpx.Actor(r), id, b.Items); err != nil {
		return err
	}
	return h.GetCase(w, r)
}

// DetachFromCase takes one item out of a case file, with a reason
// (app.Detach).
func (h *Handler) DetachFromCase(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var b struct {
		app.CaseItemRef
		Reason string `json:"reason"`
	}
	if err := httpx.DecodeJSON(r, &b); err != nil {
		return err
	}
	if err := h.App.Detach(r.Context(), httpx.Actor(r), id, b.CaseItemRef, b.Reason); err != nil {
		return err
	}
	return h.GetCase(w, r)
}
