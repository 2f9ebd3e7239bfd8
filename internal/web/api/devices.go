package api

import (
	"encoding/json"
	"net/http"
	"time"

	"shilu/internal/evidence"
	"shilu/internal/store"
	"shilu/internal/web/httpx"
)

// ListDevices lists the device registry by ?status=, ?officer= (current
// holder) and ?q= (part of serial or model), with the unregistered devices
// stations reported (X-DEV-1).
func (h *Handler) ListDevices(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := store.DeviceFilter{Status: evidence.DeviceStatus(q.Get("status")), Officer: q.Get("officer"), Query: q.Get("q")}
	if f.Status != "" && !f.Status.Valid() {
		return evidence.Errorf(evidence.EInvalid, "err.device.status", q.Get("status"))
	}
	var list []evidence.Device
	var seen []evidence.DeviceSighting
	err := h.DB.View(r.Context(), func(tx *store.Tx) (err error) {
		if list, err = tx.Devices(r.Context(), f); err != nil {
			return err
		}
		seen, err = tx.DeviceSightings(r.Context())
		return err
	})
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, map[string]any{"devices": list, "unregistered": seen})
}

// RegisterDevice enters a device into the registry (app.RegisterDevice).
func (h *Handler) RegisterDevice(w http.ResponseWriter, r *http.Request) error {
	var d evidence.Device
	if err := httpx.DecodeJSON(r, &d); err != nil {
		return err
	}
	d, err := h.App.RegisterDevice(r.Context(), httpx.Actor(r), d)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusCreated, d)
}

// GetDevice answers a device with its assignment history.
func (h *Handler) GetDevice(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	v, err := h.App.Device(r.Context(), id)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, v)
}

// UpdateDevice applies the fields present in the body (app.UpdateDevice).
func (h *Handler) UpdateDevice(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var patch map[string]json.RawMessage
	if err := httpx.DecodeJSON(r, &patch); err != nil {
		return err
	}
	d, err := h.App.UpdateDevice(r.Context(), httpx.Actor(r), id, patch)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, d)
}

// AssignDevice hands a device to an officer, or back to store
// (app.AssignDevice).
func (h *Handler) AssignDevice(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var b struct {
		Officer string    `json:"officer"`
		From    time.Time `json:"from"`
		Note    string    `json:"note"`
	}
	if err := httpx.DecodeJSON(r, &b); err != nil {
		return err
	}
	a, err := h.App.AssignDevice(r.Context(), httpx.Actor(r), id, b.Officer, b.From, b.Note)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusCreated, a)
}

// EditAssignment corrects an assignment in a device's history
// (app.EditAssignment).
func (h *Handler) EditAssignment(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var b struct {
		Officer string     `json:"officer"`
		From    time.Time  `json:"from"`
		Until   *time.Time `json:"until"`
		Reason  string     `json:"reason"`
	}
	if err := httpx.DecodeJSON(r, &b); err != nil {
		return err
	}
	a, err := h.App.EditAssignment(r.Context(), httpx.Actor(r), id, b.Officer, b.From, b.Until, b.Reason)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, a)
}

// StationHeartbeat keeps a collection station's report
// (app.StationHeartbeat).
func (h *Handler) StationHeartbeat(w http.ResponseWriter, r *http.Request) error {
	var rep evidence.StationReport
	if err := httpx.DecodeJSON(r, &rep); err != nil {
		return err
	}
	if err := h.App.StationHeartbeat(r.Context(), httpx.Actor(r), rep); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ListStations lists the station accounts with their latest reports.
func (h *Handler) ListStations(w http.ResponseWriter, r *http.Request) error {
	var list []evidence.Station
	err := h.DB.View(r.Context(), func(tx *store.Tx) (err error) {
		list, err = tx.Stations(r.Context())
		return err
	})
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, map[string]any{"stations": list})
}
