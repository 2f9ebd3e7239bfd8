package app

import (
	"context"
	"encoding/json"
	"unicode/utf8"

	"shilu/internal/compliance"
	"shilu/internal/evidence"
	"shilu/internal/store"
)

// Bounds of what a station may report: its latest errors, the devices
// docked at it, and the length of their texts (characters).
const (
	maxReportErrors = 20
	maxReportDocked = 50
	maxReportText   = 500
)

// StationHeartbeat keeps a collection station's report (Art. 12): the
// server's time of it is the station's last contact, the devices it names
// are marked seen in the registry (an unregistered one is listed to be
// registered, X-DEV-1), and a finding that the station fell silent is
// resolved. A heartbeat changes no evidence and writes no custody entry.
func (a *App) StationHeartbeat(ctx context.Context, who Actor, r evidence.StationReport) error {
	if who.User.Role != evidence.RoleStation {
		return evidence.Errorf(evidence.EForbidden, "err.station.not_station")
	}
	if len(r.Errors) > maxReportErrors {
		r.Errors = r.Errors[:maxReportErrors]
	}
	if len(r.Docked) > maxReportDocked {
		r.Docked = r.Docked[:maxReportDocked]
	}
	for i := range r.Errors {
		r.Errors[i].Text = clip(clean(r.Errors[i].Text), maxReportText)
	}
	r.Version = clip(clean(r.Version), 64)
	for i := range r.Docked {
		d := &r.Docked[i]
		d.Officer, d.Unit = clip(clean(d.Officer), 64), clip(clean(d.Unit), 64)
		if d.Serial != "" && !evidence.ValidDevice(d.Serial) {
			return evidence.Errorf(evidence.EInvalid, "err.activity.device_format", clip(clean(d.Serial), 64))
		}
	}
	raw, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return a.update(ctx, who, func(c *change) error {
		if err := c.PutStationReport(ctx, who.User.ID, raw); err != nil {
			return err
		}
		for _, d := range r.Docked {
			if d.Serial == "" {
				continue
			}
			if err := c.SawDevice(ctx, evidence.DeviceSighting{Serial: d.Serial, Officer: d.Officer, Unit: d.Unit, Station: who.User.Name,
				SeenAt: c.Now()}); err != nil {
				return err
			}
		}
		return c.SyncKeyedFinding(ctx, compliance.StationSilentKey(who.User.Name), nil)
	})
}

// checkStations makes a finding of every station that reported once and
// has been silent longer than p.StationSilence, and resolves it for those
// that report again.
func checkStations(ctx context.Context, tx *store.Tx, p compliance.Params) error {
	list, err := tx.Stations(ctx)
	if err != nil {
		return err
	}
	for _, st := range list {
		var f *evidence.Finding
		switch {
		case st.Disabled:
			// Retired: its silence is no lapse (and a finding it had
			// is resolved).
		case st.LastContact == nil:
			f = compliance.NeverReportedStation(st.Name, st.Created, tx.Now(), p.StationSilence)
		default:
			f = compliance.SilentStation(st.Name, *st.LastContact, tx.Now(), p.StationSilence)
		}
		if err := tx.SyncKeyedFinding(ctx, compliance.StationSilentKey(st.Name), f); err != nil {
			return err
		}
	}
	return nil
}

// clip cuts s to n characters.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
