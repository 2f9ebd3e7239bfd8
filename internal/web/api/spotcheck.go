package api

import (
	"net/http"

	"shilu/internal/app"
	"shilu/internal/evidence"
	"shilu/internal/store"
	"shilu/internal/web/httpx"
)

// ListSpotChecks lists the spot checks, the latest month first (X-RPT-2).
func (h *Handler) ListSpotChecks(w http.ResponseWriter, r *http.Request) error {
	var list []evidence.SpotCheck
	err := h.DB.View(r.Context(), func(tx *store.Tx) (err error) {
		list, err = tx.SpotChecks(r.Context(), 200)
		return err
	})
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, map[string]any{"spot_checks": list})
}

// DrawSpotCheck draws a department's sample for a month
// (app.DrawSpotCheck).
func (h *Handler) DrawSpotCheck(w http.ResponseWriter, r *http.Request) error {
	var d app.SpotDraw
	if err := httpx.DecodeJSON(r, &d); err != nil {
		return err
	}
	s, err := h.App.DrawSpotCheck(r.Context(), httpx.Actor(r), d)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusCreated, s)
}

// GetSpotCheck answers one spot check with its items.
func (h *Handler) GetSpotCheck(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var s evidence.SpotCheck
	err = h.DB.View(r.Context(), func(tx *store.Tx) (err error) {
		s, err = tx.SpotCheck(r.Context(), id)
		return err
	})
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, s)
}

// ReviewSpotItem records the assigned reviewer's form for one item
// (app.ReviewSpotItem).
func (h *Handler) ReviewSpotItem(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var rv app.SpotReview
	if err := httpx.DecodeJSON(r, &rv); err != nil {
		return err
	}
	it, err := h.App.ReviewSpotItem(r.Context(), httpx.Actor(r), id, rv)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, it)
}
