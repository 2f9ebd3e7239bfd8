package api

import (
	"net/http"
	"strconv"

	"shilu/internal/app"
	"shilu/internal/evidence"
	"shilu/internal/store"
	"shilu/internal/web/httpx"
)

// ListAccountability lists the accountability cases the caller may read
// (app.SeeAccountability), newest first, by ?finding= and ?status=, a page
// at a time: ?limit= (1-200, default 50), ?before= as next_before says.
func (h *Handler) ListAccountability(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := store.AccFilter{Scope: app.SeeAccountability(httpx.User(r)), Status: evidence.AccStatus(q.Get("status")), Limit: 50}
	if f.Status != "" && !f.Status.Valid() {
		return evidence.Errorf(evidence.EInvalid, "err.query.value", "status", q.Get("status"))
	}
	for name, p := range map[string]*int64{"before": &f.Before, "finding": &f.FindingID} {
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
	var list []evidence.AccountabilityCase
	err := h.DB.View(r.Context(), func(tx *store.Tx) (err error) {
		list, err = tx.AccountabilityCases(r.Context(), f)
		return err
	})
	if err != nil {
		return err
	}
	ans := map[string]any{"cases": list}
	if len(list) == f.Limit {
		ans["next_before"] = list[len(list)-1].ID
	}
	return httpx.JSON(w, http.StatusOK, ans)
}

// OpenAccountability opens a case from a finding (app.OpenAccountability).
func (h *Handler) OpenAccountability(w http.ResponseWriter, r *http.Request) error {
	var b struct {
		FindingID   int64                `json:"finding_id"`
		Officer     string               `json:"officer"`
		Item        evidence.Art20Item   `json:"item"`
		Facts       string               `json:"facts"`
		Consequence evidence.Consequence `json:"consequence"`
	}
	if err := httpx.DecodeJSON(r, &b); err != nil {
		return err
	}
	x, err := h.App.OpenAccountability(r.Context(), httpx.Actor(r), evidence.AccountabilityCase{FindingID: b.FindingID, Officer: b.Officer,
		Item: b.Item, Facts: b.Facts, Consequence: b.Consequence})
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusCreated, x)
}

// GetAccountability answers a case with its finding, to those who may read
// it (app.LoadAccountability).
func (h *Handler) GetAccountability(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var v app.AccountabilityView
	err = h.DB.View(r.Context(), func(tx *store.Tx) (err error) {
		v, err = app.LoadAccountability(r.Context(), tx, httpx.User(r), id)
		return err
	})
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, v)
}

// AccountabilityStatement records the officer's own statement
// (app.AnswerAccountability).
func (h *Handler) AccountabilityStatement(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var b struct {
		Statement string `json:"statement"`
	}
	if err := httpx.DecodeJSON(r, &b); err != nil {
		return err
	}
	x, err := h.App.AnswerAccountability(r.Context(), httpx.Actor(r), id, b.Statement)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, x)
}

// AccountabilityDecision records the decision of Art. 21
// (app.DecideAccountability).
func (h *Handler) AccountabilityDecision(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var b app.AccDecisionInput
	if err := httpx.DecodeJSON(r, &b); err != nil {
		return err
	}
	x, err := h.App.DecideAccountability(r.Context(), httpx.Actor(r), id, b)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, x)
}

// CloseAccountability closes a decided case (app.CloseAccountability).
func (h *Handler) CloseAccountability(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	x, err := h.App.CloseAccountability(r.Context(), httpx.Actor(r), id)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, x)
}
