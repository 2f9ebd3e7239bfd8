package ui

import (
	"net/http"
	"strings"
	"time"

	"shilu/internal/app"
	"shilu/internal/evidence"
	"shilu/internal/store"
	"shilu/internal/web/httpx"
)

// devicesView is the device registry (设备台账, X-DEV-1): the devices by
// serial, and those stations reported docked that it does not know.
type devicesView struct {
	Status, Query string
	Devices       []evidence.Device
	Unregistered  []evidence.DeviceSighting
	Statuses      []evidence.DeviceStatus
	Kinds         []evidence.DeviceKind
	MayManage     bool
}

// DevicesPage lists the registry by ?status= and ?q=.
func (h *Handler) DevicesPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	v := devicesView{Status: q.Get("status"), Query: strings.TrimSpace(q.Get("q")), Statuses: evidence.DeviceStatuses, Kinds: evidence.DeviceKinds,
		MayManage: httpx.User(r).Role.Can(evidence.PermDevicesManage)}
	f := store.DeviceFilter{Status: evidence.DeviceStatus(v.Status), Query: v.Query}
	if f.Status != "" && !f.Status.Valid() {
		return evidence.Errorf(evidence.EInvalid, "err.device.status", v.Status)
	}
	err := h.DB.View(r.Context(), func(tx *store.Tx) (err error) {
		if v.Devices, err = tx.Devices(r.Context(), f); err != nil {
			return err
		}
		v.Unregistered, err = tx.DeviceSightings(r.Context())
		return err
	})
	if err != nil {
		return err
	}
	p := h.newPage(w, r, "/devices", "menu.activities", "menu.devices")
	p.Data, p.Scripts, p.Styles = v, []string{"devices.js"}, []string{"activities.css"}
	return h.render(w, http.StatusOK, "devices", p)
}

// deviceView is a device's page: its facts and who had it when.
type deviceView struct {
	app.DeviceView
	Statuses  []evidence.DeviceStatus
	MayManage bool
}

// DevicePage shows device id with its assignment history.
func (h *Handler) DevicePage(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	v := deviceView{Statuses: evidence.DeviceStatuses, MayManage: httpx.User(r).Role.Can(evidence.PermDevicesManage)}
	if v.DeviceView, err = h.App.Device(r.Context(), id); err != nil {
		return err
	}
	p := h.newPage(w, r, "/devices", "menu.activities", "menu.devices", "="+v.Device.Serial)
	p.Data, p.Scripts, p.Styles = v, []string{"devices.js"}, []string{"activities.css"}
	return h.render(w, http.StatusOK, "device", p)
}

// stationsView lists the collection stations with their last reports.
type stationsView struct {
	Stations []evidence.Station
	Silence  time.Duration
	Now      time.Time
}

// Silent reports whether st has been silent past the finding's threshold.
func (v stationsView) Silent(st evidence.Station) bool {
	return st.LastContact != nil && v.Now.Sub(*st.LastContact) > v.Silence
}

// SilentFor is how long st has not reported.
func (v stationsView) SilentFor(st evidence.Station) time.Duration {
	if st.LastContact == nil {
		return 0
	}
	return v.Now.Sub(*st.LastContact)
}

// StationsPage lists the stations (采集站) with their last contact, queue,
// docked devices and latest errors (issue 13 point 3).
func (h *Handler) StationsPage(w http.ResponseWriter, r *http.Request) error {
	v := stationsView{Silence: h.App.Params().StationSilence}
	err := h.DB.View(r.Context(), func(tx *store.Tx) (err error) {
		v.Now = tx.Now()
		v.Stations, err = tx.Stations(r.Context())
		return err
	})
	if err != nil {
		return err
	}
	p := h.newPage(w, r, "/admin/stations", "menu.system", "menu.stations")
	p.Data = v
	return h.render(w, http.StatusOK, "admin_stations", p)
}
