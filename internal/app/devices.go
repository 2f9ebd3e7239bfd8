package app

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"shilu/internal/compliance"
	"shilu/internal/evidence"
	"shilu/internal/store"
)

// objDevice names a device in custody entries, by its serial: the name the
// recordings carry.
func objDevice(serial string) string { return "device:" + serial }

// checkDevice checks what a person enters about a device.
func checkDevice(d *evidence.Device) error {
	d.Serial, d.Model, d.Note = strings.TrimSpace(d.Serial), strings.TrimSpace(d.Model), strings.TrimSpace(d.Note)
	switch {
	case !evidence.ValidDevice(d.Serial):
		return evidence.Errorf(evidence.EInvalid, "err.activity.device_format", d.Serial)
	case !d.Kind.Valid():
		return evidence.Errorf(evidence.EInvalid, "err.device.kind", string(d.Kind))
	case !d.Status.Valid():
		return evidence.Errorf(evidence.EInvalid, "err.device.status", string(d.Status))
	}
	return firstErr(checkLine("device_model", d.Model, 100), checkText("note", d.Note, 1000))
}

// RegisterDevice enters a device into the registry (X-DEV-1). Recordings
// already made on it are checked again: they stop being "unknown device".
func (a *App) RegisterDevice(ctx context.Context, who Actor, d evidence.Device) (evidence.Device, error) {
	d.ID = 0
	if d.Status == "" {
		d.Status = evidence.DeviceInService
	}
	if d.Kind == "" {
		d.Kind = evidence.DeviceBodyCam
	}
	if err := checkDevice(&d); err != nil {
		return d, err
	}
	err := a.update(ctx, who, func(c *change) error {
		if d.DepartmentID != nil {
			if _, err := c.Department(ctx, *d.DepartmentID); err != nil {
				return err
			}
		}
		var err error
		if d, err = c.CreateDevice(ctx, d, who.User.ID); err != nil {
			return err
		}
		if err := c.log(evidence.ActionDeviceRegister, objDevice(d.Serial), map[string]string{"kind": string(d.Kind),
			"model": d.Model, "department": d.Department, "status": string(d.Status)}); err != nil {
			return err
		}
		if err := c.syncLost(d); err != nil {
			return err
		}
		return c.recheckDevice(d.Serial, evidence.EarliestTime, nil)
	})
	return d, err
}

// deviceChange is what a PATCH may change of a device; its serial is not.
// StatusSince is when a new status began (a loss found out later); it
// defaults to now.
type deviceChange struct {
	Kind         *evidence.DeviceKind   `json:"kind"`
	Model        *string                `json:"model"`
	DepartmentID *int64                 `json:"department_id"`
	Status       *evidence.DeviceStatus `json:"status"`
	StatusSince  *time.Time             `json:"status_since"`
	Note         *string                `json:"note"`
}

// UpdateDevice applies patch to device id; the custody entry has each
// field's value before and after. A device reported lost is a finding
// (Art. 20(七)), and so is every recording made on it after the loss.
func (a *App) UpdateDevice(ctx context.Context, who Actor, id int64, patch map[string]json.RawMessage) (evidence.Device, error) {
	if len(patch) == 0 {
		return evidence.Device{}, evidence.Errorf(evidence.EInvalid, "err.nothing_to_change")
	}
	raw, err := json.Marshal(patch)
	if err != nil {
		return evidence.Device{}, err
	}
	var ch deviceChange
	if err := decodeStrict(raw, &ch); err != nil {
		return evidence.Device{}, err
	}
	var d evidence.Device
	err = a.update(ctx, who, func(c *change) error {
		was, err := c.Device(ctx, id)
		if err != nil {
			return err
		}
		d = was
		if ch.Kind != nil {
			d.Kind = *ch.Kind
		}
		if ch.Model != nil {
			d.Model = *ch.Model
		}
		if _, ok := patch["department_id"]; ok {
			d.DepartmentID = ch.DepartmentID
			if d.DepartmentID != nil {
				if _, err := c.Department(ctx, *d.DepartmentID); err != nil {
					return err
				}
			}
		}
		if ch.Note != nil {
			d.Note = *ch.Note
		}
		if ch.Status != nil && *ch.Status != was.Status {
			d.Status, d.StatusSince = *ch.Status, c.Now()
			if ch.StatusSince != nil {
				d.StatusSince = ch.StatusSince.UTC()
				if err := checkTime("status_since", d.StatusSince, c.Now()); err != nil {
					return err
				}
			}
		}
		if err := checkDevice(&d); err != nil {
			return err
		}
		if d, err = c.Tx.UpdateDevice(ctx, d); err != nil {
			return err
		}
		details := map[string]string{}
		for _, f := range []struct{ key, before, after string }{
			{"kind", string(was.Kind), string(d.Kind)}, {"model", was.Model, d.Model}, {"department", was.Department, d.Department},
			{"status", string(was.Status), string(d.Status)}, {"note", was.Note, d.Note},
		} {
			if f.before != f.after {
				details[f.key+"_before"], details[f.key+"_after"] = f.before, f.after
			}
		}
		if d.Status != was.Status {
			details["status_since"] = d.StatusSince.Format(time.RFC3339)
		}
		if len(details) == 0 {
			return evidence.Errorf(evidence.EInvalid, "err.nothing_to_change")
		}
		if err := c.log(evidence.ActionDeviceUpdate, objDevice(d.Serial), details); err != nil {
			return err
		}
		if err := c.syncLost(d); err != nil {
			return err
		}
		if d.Status != was.Status && (d.Status == evidence.DeviceLost || was.Status == evidence.DeviceLost) {
			return c.recheckDevice(d.Serial, earlier(d.StatusSince, was.StatusSince), nil)
		}
		return nil
	})
	return d, err
}

// AssignDevice hands device id to officer from the moment from (配发), and
// ends the assignment open until then; officer "" returns the device to
// store. Only the newest span can be ended this way: history is corrected
// with EditAssignment.
func (a *App) AssignDevice(ctx context.Context, who Actor, id int64, officer string, from time.Time, note string) (evidence.DeviceAssignment, error) {
	officer, note, from = strings.TrimSpace(officer), strings.TrimSpace(note), from.UTC()
	var as evidence.DeviceAssignment
	if from.IsZero() {
		return as, evidence.Errorf(evidence.EInvalid, "err.device.no_from")
	}
	if err := checkText("note", note, 1000); err != nil {
		return as, err
	}
	err := a.update(ctx, who, func(c *change) error {
		d, err := c.Device(ctx, id)
		if err != nil {
			return err
		}
		if err := checkTime("assigned_from", from, c.Now()); err != nil {
			return err
		}
		list, err := c.DeviceAssignments(ctx, id)
		if err != nil {
			return err
		}
		details := map[string]string{"from": from.Format(time.RFC3339)}
		for _, open := range list {
			if open.Until != nil {
				continue
			}
			if !from.After(open.From) {
				return evidence.Errorf(evidence.EConflict, "err.device.assign_before_open", d.Serial, open.Officer, open.From)
			}
			open.Until = &from
			if _, err := c.UpdateDeviceAssignment(ctx, open); err != nil {
				return err
			}
			details["previous"], details["previous_assignment"] = open.Officer, itoa(open.ID)
		}
		if officer == "" {
			if details["previous"] == "" {
				return evidence.Errorf(evidence.EConflict, "err.device.not_assigned", d.Serial)
			}
			as = evidence.DeviceAssignment{DeviceID: id, From: from}
			details["returned"] = "true"
		} else {
			if err := c.checkOfficers(ctx, []string{officer}, nil); err != nil {
				return err
			}
			as = evidence.DeviceAssignment{DeviceID: id, Officer: officer, From: from, Note: note}
			if err := as.Validate(); err != nil {
				return err
			}
			if b, clash := evidence.Overlapping(list, as, 0); clash && b.Until != nil {
				return evidence.Errorf(evidence.EConflict, "err.device.assignment_overlap", d.Serial, b.Officer, b.From)
			}
			if as, err = c.AddDeviceAssignment(ctx, as, who.User.ID); err != nil {
				return err
			}
			details["officer"], details["assignment"] = officer, itoa(as.ID)
		}
		if note != "" {
			details["note"] = note
		}
		if err := c.log(evidence.ActionDeviceAssign, objDevice(d.Serial), details); err != nil {
			return err
		}
		if d, err = c.Device(ctx, id); err != nil {
			return err
		}
		if err := c.syncLost(d); err != nil {
			return err
		}
		return c.recheckDevice(d.Serial, from, nil)
	})
	return as, err
}

// EditAssignment corrects an assignment in the history (who had the device
// when), with a reason; the custody entry has the span before and after
// (X-DEV-1), and the recordings of both spans are checked again.
func (a *App) EditAssignment(ctx context.Context, who Actor, id int64, officer string, from time.Time, until *time.Time, reason string) (evidence.DeviceAssignment, error) {
	officer, reason, from = strings.TrimSpace(officer), strings.TrimSpace(reason), from.UTC()
	if until != nil {
		u := until.UTC()
		until = &u
	}
	var as evidence.DeviceAssignment
	if reason == "" {
		return as, evidence.Errorf(evidence.EInvalid, "err.device.edit_reason")
	}
	if err := checkText("correction_reason", reason, 1000); err != nil {
		return as, err
	}
	err := a.update(ctx, who, func(c *change) error {
		was, err := c.DeviceAssignment(ctx, id)
		if err != nil {
			return err
		}
		d, err := c.Device(ctx, was.DeviceID)
		if err != nil {
			return err
		}
		as = was
		as.Officer, as.From, as.Until = officer, from, until
		if err := as.Validate(); err != nil {
			return err
		}
		if err := firstErr(checkTime("assigned_from", as.From, c.Now()), checkOptTime("assigned_until", as.Until, c.Now())); err != nil {
			return err
		}
		if err := c.checkOfficers(ctx, []string{officer}, []string{was.Officer}); err != nil {
			return err
		}
		list, err := c.DeviceAssignments(ctx, d.ID)
		if err != nil {
			return err
		}
		if b, clash := evidence.Overlapping(list, as, as.ID); clash {
			return evidence.Errorf(evidence.EConflict, "err.device.assignment_overlap", d.Serial, b.Officer, b.From)
		}
		if as, err = c.UpdateDeviceAssignment(ctx, as); err != nil {
			return err
		}
		details := map[string]string{"assignment": itoa(as.ID), "reason": reason,
			"officer_before": was.Officer, "officer_after": as.Officer,
			"from_before": was.From.Format(time.RFC3339), "from_after": as.From.Format(time.RFC3339),
			"until_before": optRFC3339(was.Until), "until_after": optRFC3339(as.Until)}
		if err := c.log(evidence.ActionDeviceAssignmentEdit, objDevice(d.Serial), details); err != nil {
			return err
		}
		if d, err = c.Device(ctx, d.ID); err != nil {
			return err
		}
		if err := c.syncLost(d); err != nil {
			return err
		}
		// Both spans, before and after, as one: what was lending may no
		// longer be, and the other way round.
		var end *time.Time
		if was.Until != nil && as.Until != nil {
			e := *was.Until
			if as.Until.After(e) {
				e = *as.Until
			}
			end = &e
		}
		return c.recheckDevice(d.Serial, earlier(was.From, as.From), end)
	})
	return as, err
}

// DeviceView is a device with its assignment history.
type DeviceView struct {
	Device      evidence.Device             `json:"device"`
	Assignments []evidence.DeviceAssignment `json:"assignments"`
}

// Device reads device id with its history.
func (a *App) Device(ctx context.Context, id int64) (DeviceView, error) {
	var v DeviceView
	err := a.db.View(ctx, func(tx *store.Tx) error {
		var err error
		if v.Device, err = tx.Device(ctx, id); err != nil {
			return err
		}
		v.Assignments, err = tx.DeviceAssignments(ctx, id)
		return err
	})
	return v, err
}

func earlier(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func checkOptTime(field string, t *time.Time, now time.Time) error {
	if t == nil {
		return nil
	}
	return checkTime(field, *t, now)
}

func optRFC3339(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format(time.RFC3339)
}

// syncLost keeps the finding that d is lost (Art. 20(七)) in step with its
// status.
func (c *change) syncLost(d evidence.Device) error {
	return c.SyncKeyedFinding(c.ctx, compliance.DeviceLostKey(d.ID), compliance.LostDevice(d))
}

// recheckDevice marks the recordings made on device serial in [from,
// until) for their checks to run again at commit.
func (c *change) recheckDevice(serial string, from time.Time, until *time.Time) error {
	ids, err := c.RecordingsOfDevice(c.ctx, serial, from.Add(-maxDeviceOffset), until)
	if err != nil {
		return err
	}
	for _, id := range ids {
		c.recheck(id)
	}
	return nil
}

// maxDeviceOffset widens the span of recordings checked again when an
// assignment changes: recordings are judged on corrected times, and a
// device clock may have been off by this much.
const maxDeviceOffset = 24 * time.Hour

// deviceRegistry loads what the registry says about rec's device.
func deviceRegistry(ctx context.Context, tx *store.Tx, rec evidence.Recording) (compliance.DeviceRegistry, error) {
	var reg compliance.DeviceRegistry
	if rec.Device == "" {
		return reg, nil
	}
	d, err := tx.DeviceBySerial(ctx, rec.Device)
	if evidence.ErrorCode(err) == evidence.ENotFound {
		return reg, nil
	}
	if err != nil {
		return reg, err
	}
	reg.Device = &d
	reg.Assignments, err = tx.DeviceAssignments(ctx, d.ID)
	return reg, err
}

// registeredDevice returns the registry's spelling of serial for a device
// check (Art. 5: the officer checks a device the registry knows).
func (c *change) registeredDevice(serial string) (string, error) {
	d, err := c.DeviceBySerial(c.ctx, serial)
	if evidence.ErrorCode(err) == evidence.ENotFound {
		return "", evidence.Errorf(evidence.EInvalid, "err.device_check.unregistered", serial)
	}
	if err != nil {
		return "", err
	}
	if d.Status == evidence.DeviceLost {
		return "", evidence.Errorf(evidence.EInvalid, "err.device_check.lost", d.Serial)
	}
	return d.Serial, nil
}
