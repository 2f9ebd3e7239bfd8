package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"shilu/internal/evidence"
)

// deviceCols reads a device with its department's name and its current
// holder (the open assignment's officer).
const deviceCols = `d.id, d.serial, d.kind, d.model, d.department_id, COALESCE(p.name, ''), d.status, d.status_since, d.note,
	COALESCE((SELECT a.officer FROM device_assignments a WHERE a.device_id = d.id AND a.until_at IS NULL ORDER BY a.from_at DESC LIMIT 1), ''),
	d.created_at, d.updated_at, d.last_seen, d.last_station
	FROM devices d LEFT JOIN departments p ON p.id = d.department_id`

func scanDevice(scan func(...any) error) (evidence.Device, error) {
	var d evidence.Device
	var dept, seen sql.NullInt64
	var kind, status string
	var since, created, updated int64
	err := scan(&d.ID, &d.Serial, &kind, &d.Model, &dept, &d.Department, &status, &since, &d.Note, &d.Holder,
		&created, &updated, &seen, &d.LastStation)
	d.Kind, d.Status, d.StatusSince = evidence.DeviceKind(kind), evidence.DeviceStatus(status), fromMicros(since)
	d.CreatedAt, d.UpdatedAt, d.DepartmentID, d.LastSeen = fromMicros(created), fromMicros(updated), fromNullInt(dept), fromNullMicros(seen)
	return d, err
}

// CreateDevice registers d by account byID; a serial already registered
// (letter case aside) is EConflict. The status starts now.
func (tx *Tx) CreateDevice(ctx context.Context, d evidence.Device, byID int64) (evidence.Device, error) {
	err := tx.tryGet(ctx, []any{&d.ID}, `INSERT INTO devices (serial, kind, model, department_id, status, status_since, note, created_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, d.Serial, string(d.Kind), d.Model, d.DepartmentID, string(d.Status),
		micros(tx.now), d.Note, byID, micros(tx.now), micros(tx.now))
	if isUniqueViolation(err) {
		return d, evidence.Errorf(evidence.EConflict, "err.device.serial_taken", d.Serial)
	}
	if err != nil {
		return d, fmt.Errorf("store: create device: %w", err)
	}
	// A station may have reported it before it was registered.
	if err := tx.exec(ctx, `DELETE FROM device_sightings WHERE serial = ?`, d.Serial); err != nil {
		return d, fmt.Errorf("store: create device: %w", err)
	}
	return tx.Device(ctx, d.ID)
}

// UpdateDevice stores d's kind, model, department, status (with
// StatusSince) and note; the serial stays.
func (tx *Tx) UpdateDevice(ctx context.Context, d evidence.Device) (evidence.Device, error) {
	err := tx.exec(ctx, `UPDATE devices SET kind = ?, model = ?, department_id = ?, status = ?, status_since = ?, note = ?, updated_at = ? WHERE id = ?`,
		string(d.Kind), d.Model, d.DepartmentID, string(d.Status), micros(d.StatusSince), d.Note, micros(tx.now), d.ID)
	if err != nil {
		return d, fmt.Errorf("store: update device %d: %w", d.ID, err)
	}
	return tx.Device(ctx, d.ID)
}

// Device returns the device with this id.
func (tx *Tx) Device(ctx context.Context, id int64) (evidence.Device, error) {
	return tx.deviceWhere(ctx, `d.id = ?`, id, id)
}

// DeviceBySerial returns the device registered under serial, letter case
// aside; ENotFound when none is.
func (tx *Tx) DeviceBySerial(ctx context.Context, serial string) (evidence.Device, error) {
	return tx.deviceWhere(ctx, `d.serial = ?`, serial, serial)
}

func (tx *Tx) deviceWhere(ctx context.Context, where string, arg any, what any) (evidence.Device, error) {
	d, err := scanDevice(tx.tx.QueryRowContext(ctx, tx.d.rebind(`SELECT `+deviceCols+` WHERE `+where), arg).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return d, evidence.Errorf(evidence.ENotFound, "err.device.not_found", fmt.Sprint(what))
	}
	if err != nil {
		return d, fmt.Errorf("store: device %v: %w", what, err)
	}
	return d, nil
}

// DeviceFilter selects devices; zero values select all.
type DeviceFilter struct {
	Status  evidence.DeviceStatus
	Officer string // current holder
	Query   string // part of serial or model
}

// Devices returns the registered devices by serial.
func (tx *Tx) Devices(ctx context.Context, f DeviceFilter) ([]evidence.Device, error) {
	q := `SELECT ` + deviceCols + ` WHERE 1 = 1`
	var args []any
	if f.Status != "" {
		q += ` AND d.status = ?`
		args = append(args, string(f.Status))
	}
	if f.Officer != "" {
		q += ` AND EXISTS (SELECT 1 FROM device_assignments a WHERE a.device_id = d.id AND a.until_at IS NULL AND a.officer = ?)`
		args = append(args, f.Officer)
	}
	if f.Query != "" {
		q += ` AND (d.serial ` + tx.d.like + ` ? OR d.model ` + tx.d.like + ` ?)`
		args = append(args, "%"+f.Query+"%", "%"+f.Query+"%")
	}
	rows, err := tx.query(ctx, q+` ORDER BY d.serial`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: devices: %w", err)
	}
	defer rows.Close()
	list := []evidence.Device{}
	for rows.Next() {
		d, err := scanDevice(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("store: devices: %w", err)
		}
		list = append(list, d)
	}
	return list, rows.Err()
}

const assignmentCols = `a.id, a.device_id, a.officer, a.from_at, a.until_at, a.note, u.name, a.created_at
	FROM device_assignments a JOIN users u ON u.id = a.recorded_by`

func scanAssignment(scan func(...any) error) (evidence.DeviceAssignment, error) {
	var a evidence.DeviceAssignment
	var from, created int64
	var until sql.NullInt64
	err := scan(&a.ID, &a.DeviceID, &a.Officer, &from, &until, &a.Note, &a.RecordedBy, &created)
	a.From, a.Until, a.CreatedAt = fromMicros(from), fromNullMicros(until), fromMicros(created)
	return a, err
}

// DeviceAssignments returns device id's assignments, oldest first.
func (tx *Tx) DeviceAssignments(ctx context.Context, id int64) ([]evidence.DeviceAssignment, error) {
	rows, err := tx.query(ctx, `SELECT `+assignmentCols+` WHERE a.device_id = ? ORDER BY a.from_at, a.id`, id)
	if err != nil {
		return nil, fmt.Errorf("store: assignments of device %d: %w", id, err)
	}
	defer rows.Close()
	list := []evidence.DeviceAssignment{}
	for rows.Next() {
		a, err := scanAssignment(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("store: assignments of device %d: %w", id, err)
		}
		list = append(list, a)
	}
	return list, rows.Err()
}

// DeviceAssignment returns assignment id.
func (tx *Tx) DeviceAssignment(ctx context.Context, id int64) (evidence.DeviceAssignment, error) {
	a, err := scanAssignment(tx.tx.QueryRowContext(ctx, tx.d.rebind(`SELECT `+assignmentCols+` WHERE a.id = ?`), id).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return a, evidence.Errorf(evidence.ENotFound, "err.device.assignment_not_found", id)
	}
	if err != nil {
		return a, fmt.Errorf("store: assignment %d: %w", id, err)
	}
	return a, nil
}

// AddDeviceAssignment stores a new assignment recorded by byID; the caller
// has checked that it overlaps none.
func (tx *Tx) AddDeviceAssignment(ctx context.Context, a evidence.DeviceAssignment, byID int64) (evidence.DeviceAssignment, error) {
	err := tx.get(ctx, []any{&a.ID}, `INSERT INTO device_assignments (device_id, officer, from_at, until_at, note, recorded_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, a.DeviceID, a.Officer, micros(a.From), nullMicros(a.Until), a.Note, byID, micros(tx.now))
	if err != nil {
		return a, fmt.Errorf("store: assign device %d: %w", a.DeviceID, err)
	}
	return tx.DeviceAssignment(ctx, a.ID)
}

// UpdateDeviceAssignment stores a's officer, span and note.
func (tx *Tx) UpdateDeviceAssignment(ctx context.Context, a evidence.DeviceAssignment) (evidence.DeviceAssignment, error) {
	if err := tx.exec(ctx, `UPDATE device_assignments SET officer = ?, from_at = ?, until_at = ?, note = ? WHERE id = ?`,
		a.Officer, micros(a.From), nullMicros(a.Until), a.Note, a.ID); err != nil {
		return a, fmt.Errorf("store: update assignment %d: %w", a.ID, err)
	}
	return tx.DeviceAssignment(ctx, a.ID)
}

// RecordingsOfDevice returns the ids of the recordings made on the device
// serial (letter case aside) starting in [from, until); until nil means no
// end. A recording whose start is unknown is included: nothing can place it.
func (tx *Tx) RecordingsOfDevice(ctx context.Context, serial string, from time.Time, until *time.Time) ([]int64, error) {
	q := `SELECT id FROM recordings WHERE device = ? COLLATE NOCASE AND (recorded_start IS NULL OR (recorded_start >= ?`
	args := []any{serial, micros(from)}
	if until != nil {
		q += ` AND recorded_start < ?`
		args = append(args, micros(*until))
	}
	return tx.ids(ctx, q+`)) ORDER BY id`, args...)
}

// SawDevice records that a collection station reported device serial
// docked: on the registered device, or as a sighting of an unknown one.
func (tx *Tx) SawDevice(ctx context.Context, s evidence.DeviceSighting) error {
	d, err := tx.DeviceBySerial(ctx, s.Serial)
	switch {
	case err == nil:
		err = tx.exec(ctx, `UPDATE devices SET last_seen = ?, last_station = ? WHERE id = ?`, micros(s.SeenAt), s.Station, d.ID)
	case evidence.ErrorCode(err) == evidence.ENotFound:
		err = tx.exec(ctx, `INSERT INTO device_sightings (serial, officer, unit, station, seen_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (serial) DO UPDATE SET officer = excluded.officer, unit = excluded.unit, station = excluded.station, seen_at = excluded.seen_at`,
			s.Serial, s.Officer, s.Unit, s.Station, micros(s.SeenAt))
	}
	if err != nil {
		return fmt.Errorf("store: device %s seen: %w", s.Serial, err)
	}
	return nil
}

// DeviceSightings returns the unregistered devices stations reported,
// newest first.
func (tx *Tx) DeviceSightings(ctx context.Context) ([]evidence.DeviceSighting, error) {
	rows, err := tx.query(ctx, `SELECT serial, officer, unit, station, seen_at FROM device_sightings ORDER BY seen_at DESC LIMIT 200`)
	if err != nil {
		return nil, fmt.Errorf("store: device sightings: %w", err)
	}
	defer rows.Close()
	list := []evidence.DeviceSighting{}
	for rows.Next() {
		var s evidence.DeviceSighting
		var seen int64
		if err := rows.Scan(&s.Serial, &s.Officer, &s.Unit, &s.Station, &seen); err != nil {
			return nil, fmt.Errorf("store: device sightings: %w", err)
		}
		s.SeenAt = fromMicros(seen)
		list = append(list, s)
	}
	return list, rows.Err()
}

// SyncKeyedFinding keeps the one finding with key, tied to no activity:
// stored (status kept) when f is not nil, resolved when it is. For
// findings about a thing rather than an activity or a recording: a lost
// device, a station that stopped reporting.
func (tx *Tx) SyncKeyedFinding(ctx context.Context, key string, f *evidence.Finding) error {
	var keys []any
	if f != nil {
		f.Key = key
		var err error
		if keys, err = tx.upsertFindings(ctx, []evidence.Finding{*f}); err != nil {
			return err
		}
	}
	if err := tx.resolveFindings(ctx, `activity_id IS NULL AND key = ?`, []any{key}, keys); err != nil {
		return fmt.Errorf("store: resolve finding %s: %w", key, err)
	}
	return nil
}

// PutStationReport keeps station account userID's latest report, received
// now (the transaction's clock).
func (tx *Tx) PutStationReport(ctx context.Context, userID int64, report []byte) error {
	err := tx.exec(ctx, `INSERT INTO stations (user_id, last_contact, report) VALUES (?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET last_contact = excluded.last_contact, report = excluded.report`, userID, micros(tx.now), string(report))
	if err != nil {
		return fmt.Errorf("store: station report: %w", err)
	}
	return nil
}

// Stations returns every station account with its latest report (none for
// a station that never reported), by name.
func (tx *Tx) Stations(ctx context.Context) ([]evidence.Station, error) {
	rows, err := tx.query(ctx, `SELECT u.name, COALESCE(u.display_name, ''), s.last_contact, COALESCE(s.report, ''), u.created_at, u.disabled
		FROM users u LEFT JOIN stations s ON s.user_id = u.id WHERE u.role = ? ORDER BY u.name`, string(evidence.RoleStation))
	if err != nil {
		return nil, fmt.Errorf("store: stations: %w", err)
	}
	defer rows.Close()
	list := []evidence.Station{}
	for rows.Next() {
		var st evidence.Station
		var last sql.NullInt64
		var report string
		var created int64
		if err := rows.Scan(&st.Name, &st.DisplayName, &last, &report, &created, &st.Disabled); err != nil {
			return nil, fmt.Errorf("store: stations: %w", err)
		}
		st.LastContact, st.Created = fromNullMicros(last), fromMicros(created)
		if report != "" {
			_ = json.Unmarshal([]byte(report), &st.Report) // a report the server stored; garbled, it shows empty
		}
		list = append(list, st)
	}
	return list, rows.Err()
}
