package api

import (
	"net/http"

	"shilu/internal/app"
	"shilu/internal/store"
	"shilu/internal/web/httpx"
)

func (h *Handler) GetNotice(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	var v app.Notice
	err = h.DB.View(ctx, func(tx *store.Tx) error {
		a, err := tx.Activity(ctx, id)
		if err != nil {
			return err
		}
		v, err = app.LoadNotice(ctx, tx, a)
		return err
	})
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, v)
}

// confirmNotice records the notice to the party (app.ConfirmNotice).
func (h *Handler) ConfirmNotice(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var b struct {
		Stated []string `json:"stated"`
	}
	if err := httpx.DecodeJSON(r, &b); err != nil {
		return err
	}
	v, err := h.App.ConfirmNotice(r.Context(), httpx.Actor(r), id, b.Stated)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, v)
}
