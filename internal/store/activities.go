package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"shilu/internal/evidence"
)

// Enforcement activities (Art. 6), the recordings linked to them, device
// checks (Art. 5), explanations of interruptions (Art. 11), exemptions
// (Art. 7) and the findings of internal/compliance. The rules themselves are
// pure functions elsewhere; this file only keeps their inputs and results.

// CreateActivity stores a validated activity created by user byID.
func (tx *Tx) CreateActivity(ctx context.Context, a evidence.Activity, byID int64) (evidence.Activity, error) {
	pBy, pAt, pDecided := preservationCols(a.Preservation)
	err := tx.get(ctx, []any{&a.ID}, `INSERT INTO activities (type, address, lat, lon, party, arrival, end_at, work_mode, return_at,
		case_number, scene, violations, physical_evidence, notice_given, preservation_by, preservation_at, preservation_decided_at,
		created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		string(a.Type), a.Place.Address, nullFloat(a.Place.Lat), nullFloat(a.Place.Lon), a.Party, micros(a.Arrival), micros(a.End),
		string(workMode(a.WorkMode)), nullMicros(a.ReturnAt), a.CaseNumber, a.Scene, a.Violations, a.PhysicalEvidence, a.NoticeGiven,
		pBy, pAt, pDecided, byID, micros(tx.now), micros(tx.now))
	if err != nil {
		return a, fmt.Errorf("store: create activity: %w", err)
	}
	if err := tx.setActivityPeople(ctx, a); err != nil {
		return a, err
	}
	// Waits for its first evaluation (ActivitiesToEvaluate), which the
	// application runs before it commits; PutEvaluation takes it off.
	if err := tx.exec(ctx, `INSERT INTO evaluation_queue (activity_id) VALUES (?)`, a.ID); err != nil {
		return a, fmt.Errorf("store: queue evaluation of activity %d: %w", a.ID, err)
	}
	return tx.Activity(ctx, a.ID)
}

// UpdateActivity replaces the stored activity a.ID with a, officers and
// devices included.
func (tx *Tx) UpdateActivity(ctx context.Context, a evidence.Activity) (evidence.Activity, error) {
	pBy, pAt, pDecided := preservationCols(a.Preservation)
	res, err := tx.tx.ExecContext(ctx, tx.d.rebind(`UPDATE activities SET type = ?, address = ?, lat = ?, lon = ?, party = ?, arrival = ?,
		end_at = ?, work_mode = ?, return_at = ?, case_number = ?, scene = ?, violations = ?, physical_evidence = ?, notice_given = ?,
		preservation_by = ?, preservation_at = ?, preservation_decided_at = ?, updated_at = ? WHERE id = ?`),
		string(a.Type), a.Place.Address, nullFloat(a.Place.Lat), nullFloat(a.Place.Lon), a.Party, micros(a.Arrival), micros(a.End),
		string(workMode(a.WorkMode)), nullMicros(a.ReturnAt), a.CaseNumber, a.Scene, a.Violations, a.PhysicalEvidence, a.NoticeGiven,
		pBy, pAt, pDecided, micros(tx.now), a.ID)
	if err != nil {
		return a, fmt.Errorf("store: update activity %d: %w", a.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return a, evidence.Errorf(evidence.ENotFound, "err.activity.not_found", a.ID)
	}
	for _, q := range []string{`DELETE FROM activity_officers WHERE activity_id = ?`, `DELETE FROM activity_devices WHERE activity_id = ?`} {
		if err := tx.exec(ctx, q, a.ID); err != nil {
			return a, fmt.Errorf("store: update activity %d: %w", a.ID, err)
		}
	}
	if err := tx.setActivityPeople(ctx, a); err != nil {
		return a, err
	}
	return tx.Activity(ctx, a.ID)
}

func (tx *Tx) setActivityPeople(ctx context.Context, a evidence.Activity) error {
	for i, o := range a.Officers {
		if err := tx.exec(ctx, `INSERT INTO activity_officers (activity_id, officer, position) VALUES (?, ?, ?)`, a.ID, o, i); err != nil {
			return fmt.Errorf("store: officers of activity %d: %w", a.ID, err)
		}
	}
	for i, d := range a.Devices {
		if err := tx.exec(ctx, `INSERT INTO activity_devices (activity_id, device, position) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, a.ID, d, i); err != nil {
			return fmt.Errorf("store: devices of activity %d: %w", a.ID, err)
		}
	}
	return nil
}

// workMode stores the empty mode, which feeds may send, as normal.
func workMode(m evidence.WorkMode) evidence.WorkMode {
	if m == "" {
		return evidence.WorkNormal
	}
	return m
}

func preservationCols(p *evidence.Preservation) (string, any, any) {
	if p == nil {
		return "", nil, nil
	}
	return p.ApprovedBy, micros(p.ApprovedAt), nullMicros(p.DecidedAt)
}

func nullFloat(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}

const activityCols = `a.id, a.type, a.address, a.lat, a.lon, a.party, a.arrival, a.end_at, a.work_mode, a.return_at, a.case_number,
	a.scene, a.violations, a.physical_evidence, a.notice_given, a.preservation_by, a.preservation_at, a.preservation_decided_at,
	a.voided_by, a.voided_at, a.void_reason`

// scanActivityRows runs q, which selects activityCols, and reads each
// activity's officers and devices.
func (tx *Tx) scanActivityRows(ctx context.Context, q string, args ...any) ([]evidence.Activity, error) {
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: activities: %w", err)
	}
	list := []evidence.Activity{}
	for rows.Next() {
		a, err := scanActivity(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: activities: %w", err)
		}
		list = append(list, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: activities: %w", err)
	}
	for i := range list {
		a := &list[i]
		if a.Officers, err = tx.strings(ctx, `SELECT officer FROM activity_officers WHERE activity_id = ? ORDER BY position`, a.ID); err != nil {
			return nil, err
		}
		if a.Devices, err = tx.strings(ctx, `SELECT device FROM activity_devices WHERE activity_id = ? ORDER BY position`, a.ID); err != nil {
			return nil, err
		}
		if len(a.Devices) == 0 {
			a.Devices = nil
		}
	}
	return list, nil
}

// scanActivity scans a row of activityCols; Officers and Devices are the
// caller's to fill.
func scanActivity(rows *sql.Rows) (evidence.Activity, error) {
	var a evidence.Activity
	var typ, mode string
	var lat, lon sql.NullFloat64
	var arrival, end int64
	var ret, pAt, pDecided sql.NullInt64
	var pBy, vBy, vReason string
	var vAt sql.NullInt64
	if err := rows.Scan(&a.ID, &typ, &a.Place.Address, &lat, &lon, &a.Party, &arrival, &end, &mode, &ret, &a.CaseNumber,
		&a.Scene, &a.Violations, &a.PhysicalEvidence, &a.NoticeGiven, &pBy, &pAt, &pDecided, &vBy, &vAt, &vReason); err != nil {
		return a, err
	}
	a.Type, a.WorkMode = evidence.ActivityType(typ), evidence.WorkMode(mode)
	a.Arrival, a.End = fromMicros(arrival), fromMicros(end)
	if lat.Valid && lon.Valid {
		a.Place.Lat, a.Place.Lon = &lat.Float64, &lon.Float64
	}
	a.ReturnAt = fromNullMicros(ret)
	if pAt.Valid {
		a.Preservation = &evidence.Preservation{ApprovedBy: pBy, ApprovedAt: fromMicros(pAt.Int64), DecidedAt: fromNullMicros(pDecided)}
	}
	if vAt.Valid {
		a.Void = &evidence.Void{By: vBy, At: fromMicros(vAt.Int64), Reason: vReason}
	}
	return a, nil
}

func (tx *Tx) strings(ctx context.Context, q string, args ...any) ([]string, error) {
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: strings: %w", err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, fmt.Errorf("store: strings: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// Activity returns one activity.
func (tx *Tx) Activity(ctx context.Context, id int64) (evidence.Activity, error) {
	list, err := tx.scanActivityRows(ctx, `SELECT `+activityCols+` FROM activities a WHERE a.id = ?`, id)
	if err != nil {
		return evidence.Activity{}, err
	}
	if len(list) == 0 {
		return evidence.Activity{}, evidence.Errorf(evidence.ENotFound, "err.activity.not_found", id)
	}
	return list[0], nil
}

// ActivityFilter selects activities; zero fields do not filter. From and To
// bound the arrival: at or after From, before To.
type ActivityFilter struct {
	Officer string
	// Officers, when given, selects the activities of any of these numbers
	// instead of Officer (OfficerNumbers).
	Officers []string
	Type     evidence.ActivityType
	From, To time.Time
	// CaseNumber selects the activities of one case file.
	CaseNumber string
	// Limit caps the answer (0 means 500).
	Limit int
	// After and Before page by position (evidence.Cursor: the arrival and
	// the id): the activities listed after the cursor, or before it.
	After, Before *evidence.Cursor
}

func (f ActivityFilter) where() (string, []any) {
	where, args := []string{"1 = 1"}, []any{}
	// An officer's activities are found from the officer's index (a few
	// hundred among a million) and sorted, rather than by walking every
	// activity in time order asking whether the officer was on it.
	officers := f.Officers
	if len(officers) == 0 && f.Officer != "" {
		officers = []string{f.Officer}
	}
	if len(officers) > 0 {
		where = append(where, "a.id IN (SELECT o.activity_id FROM activity_officers o WHERE o.officer IN ("+placeholders(len(officers))+"))")
		for _, o := range officers {
			args = append(args, o)
		}
	}
	if f.Type != "" {
		// An expression, not the column: with an officer, the officer's
		// index leads (see newRecordingList).
		if len(officers) > 0 {
			where, args = append(where, "a.type || '' = ?"), append(args, string(f.Type))
		} else {
			where, args = append(where, "a.type = ?"), append(args, string(f.Type))
		}
	}
	if f.CaseNumber != "" {
		where, args = append(where, "a.case_number = ?"), append(args, f.CaseNumber)
	}
	if !f.From.IsZero() {
		where, args = append(where, "a.arrival >= ?"), append(args, micros(f.From))
	}
	if !f.To.IsZero() {
		where, args = append(where, "a.arrival < ?"), append(args, micros(f.To))
	}
	return strings.Join(where, " AND "), args
}

// maxOfficerMatches bounds the numbers a name resolves to, and so the
// length of the IN lists the filters build from them.
const maxOfficerMatches = 50

// OfficerNumbers resolves what someone typed in the "警号或姓名" search to
// officer numbers: q itself (a number, whether or not an account holds it,
// since recordings may name numbers nobody holds), and the numbers of the
// accounts whose display name or sign-in name contains q (张伟, 张). A
// number selects only itself. The accounts are few; the filters then
// select by the numbers on their indexes. "" resolves to nothing.
func (tx *Tx) OfficerNumbers(ctx context.Context, q string) ([]string, error) {
	q = strings.TrimSpace(q)
	if q == "" {
		return nil, nil
	}
	esc := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(q)
	found, err := tx.strings(ctx, `SELECT officer_no FROM users WHERE officer_no IS NOT NULL AND officer_no <> '' AND officer_no <> ?
		AND (display_name `+tx.d.like+` ? ESCAPE '\' OR name `+tx.d.like+` ? ESCAPE '\') ORDER BY officer_no LIMIT ?`,
		q, "%"+esc+"%", "%"+esc+"%", maxOfficerMatches)
	if err != nil {
		return nil, err
	}
	return append([]string{q}, found...), nil
}

// Activities lists activities, latest arrival first (then by id): Limit of
// them after f.After or before f.Before.
func (tx *Tx) Activities(ctx context.Context, f ActivityFilter) ([]evidence.Activity, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 500
	}
	back := f.Before != nil && f.After == nil
	at := f.After
	if back {
		at = f.Before
	}
	list, err := tx.activitiesFrom(ctx, f, at, back, limit)
	if back {
		slices.Reverse(list)
	}
	return list, err
}

// activitiesFrom returns up to limit activities listed after at (before
// it when back, nearest first; from an end when at is nil).
func (tx *Tx) activitiesFrom(ctx context.Context, f ActivityFilter, at *evidence.Cursor, back bool, limit int) ([]evidence.Activity, error) {
	q, args := f.page(at, back)
	return tx.scanActivityRows(ctx, q, append(args, limit)...)
}

// page is the query reading the activities f selects after at (pages),
// to be completed with a LIMIT's argument.
func (f ActivityFilter) page(at *evidence.Cursor, back bool) (string, []any) {
	where, args := f.where()
	q, dir, cmp := `SELECT `+activityCols+` FROM activities a WHERE `+where, "DESC", "<"
	if back {
		dir, cmp = "ASC", ">"
	}
	if at != nil && at.Start != nil {
		// The first condition bounds the index's range; the second skips
		// the activities at the cursor's arrival up to its id.
		s := micros(*at.Start)
		q += " AND a.arrival " + cmp + "= ? AND (a.arrival " + cmp + " ? OR a.id " + cmp + " ?)"
		args = append(args, s, s, at.ID)
	}
	return q + " ORDER BY a.arrival " + dir + ", a.id " + dir + " LIMIT ?", args
}

// ActivityPage is a page of the list of activities: as RecordingPage.
type ActivityPage struct {
	Activities []evidence.Activity
	Total      int
	Over       bool
	Next, Prev *evidence.Cursor
}

// ActivitiesPage returns a page of the activities f selects, how many match
// (up to CountLimit) and the cursors of the neighbouring pages.
func (tx *Tx) ActivitiesPage(ctx context.Context, f ActivityFilter) (ActivityPage, error) {
	var p ActivityPage
	where, args := f.where()
	var err error
	if p.Total, p.Over, err = tx.countUpTo(ctx, "activities", `activities a WHERE `+where, args); err != nil {
		return p, err
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 500
	}
	read := func(at *evidence.Cursor, back bool, n int) ([]evidence.Activity, error) {
		return tx.activitiesFrom(ctx, f, at, back, n)
	}
	p.Activities, p.Prev, p.Next, err = keysetPage(f.After, f.Before, limit, read, activityCursor)
	return p, err
}

func activityCursor(a evidence.Activity) evidence.Cursor {
	t := a.Arrival
	return evidence.Cursor{Start: &t, ID: a.ID}
}

// VoidActivity marks activity id void (作废) by by at the transaction's
// time, for reason; EConflict if it is void already. Its officers, devices
// and linked recordings stay as they are.
func (tx *Tx) VoidActivity(ctx context.Context, id int64, by, reason string) (evidence.Activity, error) {
	res, err := tx.tx.ExecContext(ctx, tx.d.rebind(`UPDATE activities SET voided_by = ?, voided_at = ?, void_reason = ?, updated_at = ?
		WHERE id = ? AND voided_at IS NULL`), by, micros(tx.now), reason, micros(tx.now), id)
	if err != nil {
		return evidence.Activity{}, fmt.Errorf("store: void activity %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		if _, err := tx.Activity(ctx, id); err != nil {
			return evidence.Activity{}, err
		}
		return evidence.Activity{}, evidence.Errorf(evidence.EConflict, "err.activity.voided", id)
	}
	return tx.Activity(ctx, id)
}

// LinkRecording links a recording to an activity on a person's confirmation
// (Art. 4, 9). It reports whether the link is new; linking twice is no
// error. Both must exist (ENotFound).
func (tx *Tx) LinkRecording(ctx context.Context, activityID, recordingID, byID int64) (bool, error) {
	if _, err := tx.Activity(ctx, activityID); err != nil {
		return false, err
	}
	if _, err := tx.Recording(ctx, recordingID); err != nil {
		return false, err
	}
	res, err := tx.tx.ExecContext(ctx, tx.d.rebind(`INSERT INTO activity_recordings (activity_id, recording_id, linked_by, linked_at)
		VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`), activityID, recordingID, byID, micros(tx.now))
	if err != nil {
		return false, fmt.Errorf("store: link recording %d to activity %d: %w", recordingID, activityID, err)
	}
	n, _ := res.RowsAffected()
	if n == 1 {
		// recordings.links counts the links (the orphans' partial
		// indexes); kept here, not by a trigger, since migration 0025.
		if err := tx.exec(ctx, `UPDATE recordings SET links = links + 1 WHERE id = ?`, recordingID); err != nil {
			return false, fmt.Errorf("store: link recording %d to activity %d: %w", recordingID, activityID, err)
		}
	}
	return n == 1, nil
}

// UnlinkRecording removes a link made by mistake; ENotFound if there is none.
func (tx *Tx) UnlinkRecording(ctx context.Context, activityID, recordingID int64) error {
	res, err := tx.tx.ExecContext(ctx, tx.d.rebind(`DELETE FROM activity_recordings WHERE activity_id = ? AND recording_id = ?`), activityID, recordingID)
	if err != nil {
		return fmt.Errorf("store: unlink recording %d from activity %d: %w", recordingID, activityID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return evidence.Errorf(evidence.ENotFound, "err.activity.not_linked", recordingID, activityID)
	}
	if err := tx.exec(ctx, `UPDATE recordings SET links = links - 1 WHERE id = ?`, recordingID); err != nil {
		return fmt.Errorf("store: unlink recording %d from activity %d: %w", recordingID, activityID, err)
	}
	return nil
}

func (tx *Tx) listRecordings(ctx context.Context, what, where, tail string, args ...any) ([]evidence.Recording, error) {
	rows, err := tx.query(ctx, `SELECT `+recordingCols+` FROM recordings r JOIN users u ON u.id = r.uploader_id WHERE `+where+tail, args...)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	defer rows.Close()
	list := []evidence.Recording{}
	for rows.Next() {
		r, err := scanRecording(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("store: %s: %w", what, err)
		}
		list = append(list, r)
	}
	return list, rows.Err()
}

// ActivityRecordings returns the recordings linked to an activity, in
// recorded order.
func (tx *Tx) ActivityRecordings(ctx context.Context, activityID int64) ([]evidence.Recording, error) {
	return tx.listRecordings(ctx, "activity recordings", `r.id IN (SELECT recording_id FROM activity_recordings WHERE activity_id = ?)`,
		` ORDER BY r.recorded_start, r.id`, activityID)
}

// RecordingsForProposal returns the candidates for linking to a: recordings
// by one of its officers or from one of its devices whose recorded span
// meets [arrival−slack, end+slack] on the server's clock (the device's
// measured offset taken off, R-DEV-2), not yet linked to a. Which of them
// to propose, and how strongly, is compliance.Propose's business.
func (tx *Tx) RecordingsForProposal(ctx context.Context, a evidence.Activity, slack time.Duration) ([]evidence.Recording, error) {
	var who []string
	var args []any
	if len(a.Officers) > 0 {
		who = append(who, "r.officer IN ("+placeholders(len(a.Officers))+")")
		for _, o := range a.Officers {
			args = append(args, o)
		}
	}
	if len(a.Devices) > 0 {
		who = append(who, "r.device IN ("+placeholders(len(a.Devices))+")")
		for _, d := range a.Devices {
			args = append(args, d)
		}
	}
	if len(who) == 0 {
		return []evidence.Recording{}, nil
	}
	args = append(args, micros(a.End.Add(slack)), micros(a.Arrival.Add(-slack)), a.ID)
	return tx.listRecordings(ctx, "proposal candidates", `(`+strings.Join(who, " OR ")+`)
		AND r.recorded_start IS NOT NULL AND r.recorded_start - COALESCE(r.clock_offset_ms, 0) * 1000 <= ?
		AND COALESCE(r.recorded_end, r.recorded_start) - COALESCE(r.clock_offset_ms, 0) * 1000 >= ?
		AND NOT EXISTS (SELECT 1 FROM activity_recordings l WHERE l.recording_id = r.id AND l.activity_id = ?)`,
		` ORDER BY r.recorded_start, r.id LIMIT 1000`, args...)
}

func placeholders(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

// OrphanRecordings lists recordings linked to no activity (R-USE-1), newest
// recorded first, optionally of one officer; at most limit (0: 500).
func (tx *Tx) OrphanRecordings(ctx context.Context, officer string, limit int) ([]evidence.Recording, error) {
	if limit <= 0 {
		limit = 500
	}
	where, args := `r.links = 0`, []any{}
	if officer != "" {
		where, args = where+` AND r.officer = ?`, append(args, officer)
	}
	return tx.listRecordings(ctx, "orphans", where, ` ORDER BY r.recorded_start DESC, r.id DESC LIMIT ?`, append(args, limit)...)
}

// AddDeviceCheck stores a device check (Art. 5) recorded by user byID.
func (tx *Tx) AddDeviceCheck(ctx context.Context, c evidence.DeviceCheck, byID int64) (evidence.DeviceCheck, error) {
	var act any
	if c.ActivityID != 0 {
		act = c.ActivityID
	}
	err := tx.get(ctx, []any{&c.ID}, `INSERT INTO device_checks (activity_id, officer, device, battery_ok, storage_ok, clock_ok, checked_at, note, recorded_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, act, c.Officer, c.Device, c.BatteryOK, c.StorageOK, c.ClockOK, micros(c.CheckedAt), c.Note, byID, micros(tx.now))
	if err != nil {
		return c, fmt.Errorf("store: add device check: %w", err)
	}
	c.CheckedAt = c.CheckedAt.UTC()
	return c, nil
}

// DeviceChecksFor returns the checks that bear on a: those filed with it,
// and those of its officers in [arrival−window, arrival], oldest first.
func (tx *Tx) DeviceChecksFor(ctx context.Context, a evidence.Activity, window time.Duration) ([]evidence.DeviceCheck, error) {
	where, args := `activity_id = ?`, []any{a.ID}
	if len(a.Officers) > 0 {
		where += ` OR (officer IN (` + placeholders(len(a.Officers)) + `) AND checked_at >= ? AND checked_at <= ?)`
		for _, o := range a.Officers {
			args = append(args, o)
		}
		args = append(args, micros(a.Arrival.Add(-window)), micros(a.Arrival))
	}
	rows, err := tx.query(ctx, `SELECT id, COALESCE(activity_id, 0), officer, device, battery_ok, storage_ok, clock_ok, checked_at, note
		FROM device_checks WHERE `+where+` ORDER BY checked_at, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: device checks: %w", err)
	}
	defer rows.Close()
	list := []evidence.DeviceCheck{}
	for rows.Next() {
		var c evidence.DeviceCheck
		var at int64
		if err := rows.Scan(&c.ID, &c.ActivityID, &c.Officer, &c.Device, &c.BatteryOK, &c.StorageOK, &c.ClockOK, &at, &c.Note); err != nil {
			return nil, fmt.Errorf("store: device checks: %w", err)
		}
		c.CheckedAt = fromMicros(at)
		list = append(list, c)
	}
	return list, rows.Err()
}

// ExplainInterruption stores the explanation of a gap (Art. 11), keyed by
// activity, officer and the gap's start: explaining the same gap again
// replaces the earlier explanation (the written explanation of R-ACT-7
// often follows the report). ExplainedAt is the transaction's time.
func (tx *Tx) ExplainInterruption(ctx context.Context, it evidence.Interruption) (evidence.Interruption, error) {
	var voice any
	if it.VoiceRecordingID != 0 {
		if _, err := tx.Recording(ctx, it.VoiceRecordingID); err != nil {
			return it, err
		}
		voice = it.VoiceRecordingID
	}
	it.ExplainedAt = tx.now
	err := tx.get(ctx, []any{&it.ID}, `INSERT INTO interruptions (activity_id, officer, gap_start, gap_end, cause, note, voice_recording_id,
		voice_point_ms, could_not_continue, reported_to, reported_at, written_explanation, explained_by, explained_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (activity_id, officer, gap_start) DO UPDATE SET gap_end = excluded.gap_end, cause = excluded.cause, note = excluded.note,
		voice_recording_id = excluded.voice_recording_id, voice_point_ms = excluded.voice_point_ms, could_not_continue = excluded.could_not_continue,
		reported_to = excluded.reported_to, reported_at = excluded.reported_at, written_explanation = excluded.written_explanation,
		explained_by = excluded.explained_by, explained_at = excluded.explained_at
		RETURNING id`,
		it.ActivityID, it.Officer, micros(it.Start), micros(it.End), string(it.Cause), it.Note, voice, it.VoicePoint.Milliseconds(),
		it.CouldNotContinue, it.ReportedTo, nullMicros(it.ReportedAt), it.WrittenExplanation, it.ExplainedBy, micros(tx.now))
	if err != nil {
		return it, fmt.Errorf("store: explain interruption of activity %d: %w", it.ActivityID, err)
	}
	it.Start, it.End = it.Start.UTC(), it.End.UTC()
	return it, nil
}

// Interruptions returns the explanations filed for an activity.
func (tx *Tx) Interruptions(ctx context.Context, activityID int64) ([]evidence.Interruption, error) {
	rows, err := tx.query(ctx, `SELECT id, activity_id, officer, gap_start, gap_end, cause, note, COALESCE(voice_recording_id, 0), voice_point_ms,
		could_not_continue, reported_to, reported_at, written_explanation, explained_by, explained_at
		FROM interruptions WHERE activity_id = ? ORDER BY officer, gap_start`, activityID)
	if err != nil {
		return nil, fmt.Errorf("store: interruptions: %w", err)
	}
	defer rows.Close()
	list := []evidence.Interruption{}
	for rows.Next() {
		var it evidence.Interruption
		var start, end, voiceMS, explained int64
		var cause string
		var reported sql.NullInt64
		if err := rows.Scan(&it.ID, &it.ActivityID, &it.Officer, &start, &end, &cause, &it.Note, &it.VoiceRecordingID, &voiceMS,
			&it.CouldNotContinue, &it.ReportedTo, &reported, &it.WrittenExplanation, &it.ExplainedBy, &explained); err != nil {
			return nil, fmt.Errorf("store: interruptions: %w", err)
		}
		it.Start, it.End, it.ExplainedAt = fromMicros(start), fromMicros(end), fromMicros(explained)
		it.Cause, it.VoicePoint, it.ReportedAt = evidence.InterruptionCause(cause), time.Duration(voiceMS)*time.Millisecond, fromNullMicros(reported)
		list = append(list, it)
	}
	return list, rows.Err()
}

// SubmitExemption stores the work record of an unrecorded activity (Art. 7)
// submitted by user submitterID; it waits for the leader.
func (tx *Tx) SubmitExemption(ctx context.Context, e evidence.Exemption, submitterID int64) (evidence.Exemption, error) {
	e.SubmittedAt, e.AcknowledgedBy, e.AcknowledgedAt = tx.now, "", nil
	err := tx.get(ctx, []any{&e.ID}, `INSERT INTO exemptions (activity_id, category, reason, basis, submitter_id, submitted_by, submitted_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, e.ActivityID, string(e.Category), e.Reason, e.Basis, submitterID, e.SubmittedBy, micros(tx.now))
	if err != nil {
		return e, fmt.Errorf("store: submit exemption: %w", err)
	}
	return e, nil
}

const exemptionCols = `id, activity_id, category, reason, basis, submitted_by, submitted_at, acknowledged_by, acknowledged_at, submitter_id`

func scanExemption(scan func(...any) error) (evidence.Exemption, int64, error) {
	var e evidence.Exemption
	var cat string
	var submitted, submitter int64
	var ack sql.NullInt64
	if err := scan(&e.ID, &e.ActivityID, &cat, &e.Reason, &e.Basis, &e.SubmittedBy, &submitted, &e.AcknowledgedBy, &ack, &submitter); err != nil {
		return e, 0, err
	}
	e.Category, e.SubmittedAt, e.AcknowledgedAt = evidence.ExemptionCategory(cat), fromMicros(submitted), fromNullMicros(ack)
	return e, submitter, nil
}

// Exemption returns one exemption and the id of the user who submitted it.
func (tx *Tx) Exemption(ctx context.Context, id int64) (evidence.Exemption, int64, error) {
	e, submitter, err := scanExemption(tx.tx.QueryRowContext(ctx, tx.d.rebind(`SELECT `+exemptionCols+` FROM exemptions WHERE id = ?`), id).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return e, 0, evidence.Errorf(evidence.ENotFound, "err.exemption.not_found", id)
	}
	if err != nil {
		return e, 0, fmt.Errorf("store: exemption %d: %w", id, err)
	}
	return e, submitter, nil
}

// PendingExemption is an exemption no leader has acknowledged yet, with
// its submitter's account.
type PendingExemption struct {
	evidence.Exemption
	SubmitterID int64
}

// PendingExemptions lists the exemptions awaiting a leader's
// acknowledgement (Art. 7: 报告主管领导), oldest first, at most 500: each
// leader's to-do list picks those of the people they lead.
func (tx *Tx) PendingExemptions(ctx context.Context) ([]PendingExemption, error) {
	rows, err := tx.query(ctx, `SELECT `+exemptionCols+` FROM exemptions WHERE acknowledged_at IS NULL ORDER BY submitted_at, id LIMIT 500`)
	if err != nil {
		return nil, fmt.Errorf("store: pending exemptions: %w", err)
	}
	defer rows.Close()
	var list []PendingExemption
	for rows.Next() {
		e, submitter, err := scanExemption(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("store: pending exemptions: %w", err)
		}
		list = append(list, PendingExemption{e, submitter})
	}
	return list, rows.Err()
}

// Exemptions returns the exemptions of an activity, oldest first.
func (tx *Tx) Exemptions(ctx context.Context, activityID int64) ([]evidence.Exemption, error) {
	rows, err := tx.query(ctx, `SELECT `+exemptionCols+` FROM exemptions WHERE activity_id = ? ORDER BY id`, activityID)
	if err != nil {
		return nil, fmt.Errorf("store: exemptions: %w", err)
	}
	defer rows.Close()
	list := []evidence.Exemption{}
	for rows.Next() {
		e, _, err := scanExemption(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("store: exemptions: %w", err)
		}
		list = append(list, e)
	}
	return list, rows.Err()
}

// AcknowledgeExemption records the leader's acknowledgement (Art. 7) at the
// transaction's time; EConflict if it was acknowledged already.
func (tx *Tx) AcknowledgeExemption(ctx context.Context, id int64, by string) (evidence.Exemption, error) {
	res, err := tx.tx.ExecContext(ctx, tx.d.rebind(`UPDATE exemptions SET acknowledged_by = ?, acknowledged_at = ? WHERE id = ? AND acknowledged_at IS NULL`),
		by, micros(tx.now), id)
	if err != nil {
		return evidence.Exemption{}, fmt.Errorf("store: acknowledge exemption %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		if _, _, err := tx.Exemption(ctx, id); err != nil {
			return evidence.Exemption{}, err
		}
		return evidence.Exemption{}, evidence.Errorf(evidence.EConflict, "err.exemption.acknowledged", id)
	}
	e, _, err := tx.Exemption(ctx, id)
	return e, err
}

// StoredFinding is a finding as kept across re-evaluations: when it was
// first and last produced, when it stopped firing (nil while it fires) and
// who accepted it.
type StoredFinding struct {
	evidence.Finding
	FirstSeen  time.Time  `json:"first_seen"`
	LastSeen   time.Time  `json:"last_seen"`
	ResolvedAt *time.Time `json:"resolved_at,omitempty"`
	AcceptedBy string     `json:"accepted_by,omitempty"`
	AcceptedAt *time.Time `json:"accepted_at,omitempty"`
}

// SyncFindings records the findings the rules produced for one activity
// (activityID 0: findings tied to no activity) at the transaction's time:
// each is upserted by its Key, keeping the further of the stored and the
// new status; stored findings of the activity the rules no longer produce
// are marked resolved (kept as history), and come back if they fire again.
func (tx *Tx) SyncFindings(ctx context.Context, activityID int64, fs []evidence.Finding) error {
	keys, err := tx.upsertFindings(ctx, fs)
	if err != nil {
		return err
	}
	where, args := activityFindings(activityID)
	// Findings raised by an event or a person (a spot check's "no") are
	// not the rules' to resolve.
	where += ` AND rule NOT IN (` + placeholders(len(evidence.EventRules)) + `)`
	args = append(args, ruleArgs(evidence.EventRules)...)
	if err := tx.resolveFindings(ctx, where, args, keys); err != nil {
		return fmt.Errorf("store: resolve findings of activity %d: %w", activityID, err)
	}
	return nil
}

// activityFindings is the condition for the findings of activity id (0:
// tied to no activity): two forms rather than COALESCE(activity_id, 0) = ?,
// which no index answers (issue 17: a scan of every finding per activity).
func activityFindings(id int64) (string, []any) {
	if id == 0 {
		return `activity_id IS NULL`, nil
	}
	return `activity_id = ?`, []any{id}
}

// recordingAloneFindings is the condition for the findings about one
// recording alone: first in their recordings (finding_recordings) and
// tied to no activity.
const recordingAloneFindings = `activity_id IS NULL AND id IN (SELECT finding_id FROM finding_recordings WHERE recording_id = ? AND position = 0)`

// SyncRecordingFindings does for the findings about one recording alone —
// tied to no activity, the recording first in their recording_ids — what
// SyncFindings does for an activity's.
func (tx *Tx) SyncRecordingFindings(ctx context.Context, recordingID int64, fs []evidence.Finding) error {
	keys, err := tx.upsertFindings(ctx, fs)
	if err != nil {
		return err
	}
	// Findings raised by an event about the recording (RaiseFindings: its
	// blob failed its hash at extraction) are not the signs' to resolve.
	if err := tx.resolveFindings(ctx, recordingAloneFindings+` AND rule NOT IN (`+placeholders(len(evidence.EventRules))+`)`,
		append([]any{recordingID}, ruleArgs(evidence.EventRules)...), keys); err != nil {
		return fmt.Errorf("store: resolve findings of recording %d: %w", recordingID, err)
	}
	if err := tx.exec(ctx, `UPDATE recordings SET signs_at = ? WHERE id = ?`, micros(tx.now), recordingID); err != nil {
		return fmt.Errorf("store: mark recording %d checked: %w", recordingID, err)
	}
	return nil
}

// RecordingsToCheck returns, in id order after the id after, up to limit
// recordings whose signs were never checked on their own
// (SyncRecordingFindings records when they were).
func (tx *Tx) RecordingsToCheck(ctx context.Context, after int64, limit int) ([]int64, error) {
	return tx.ids(ctx, `SELECT id FROM recordings WHERE signs_at IS NULL AND id > ? ORDER BY id LIMIT ?`, after, limit)
}

// upsertFindings stores fs by Key and returns the keys.
func (tx *Tx) upsertFindings(ctx context.Context, fs []evidence.Finding) ([]any, error) {
	keys := make([]any, 0, len(fs))
	for _, f := range fs {
		ids, _ := json.Marshal(f.RecordingIDs)
		if f.RecordingIDs == nil {
			ids = []byte("[]")
		}
		var act any
		if f.ActivityID != 0 {
			act = f.ActivityID
		}
		text, err := json.Marshal(f.Evidence)
		if err != nil {
			return nil, fmt.Errorf("store: finding %s evidence: %w", f.Key, err)
		}
		var stored, storedIDs string
		var id int64
		err = tx.get(ctx, []any{&id, &stored, &storedIDs}, `SELECT id, status, recording_ids FROM findings WHERE key = ?`, f.Key)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			err = tx.get(ctx, []any{&id}, `INSERT INTO findings (key, rule, article, officer, activity_id, recording_ids, evidence, status, severity, first_seen, last_seen)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, f.Key, f.Rule, f.Article, f.Officer, act, string(ids), string(text), string(f.Status),
				string(f.Severity), micros(tx.now), micros(tx.now))
			if err == nil {
				err = tx.putFindingRecordings(ctx, id, f.RecordingIDs, false)
			}
		case err == nil:
			if storedIDs != string(ids) {
				if err := tx.putFindingRecordings(ctx, id, f.RecordingIDs, true); err != nil {
					return nil, fmt.Errorf("store: sync finding %s: %w", f.Key, err)
				}
			}
			status := f.Status
			if evidence.FindingStatus(stored).Rank() > status.Rank() {
				status = evidence.FindingStatus(stored)
			}
			err = tx.exec(ctx, `UPDATE findings SET rule = ?, article = ?, officer = ?, activity_id = ?, recording_ids = ?, evidence = ?, status = ?,
				severity = ?, last_seen = ?, resolved_at = NULL WHERE key = ?`, f.Rule, f.Article, f.Officer, act, string(ids), string(text),
				string(status), string(f.Severity), micros(tx.now), f.Key)
		}
		if err != nil {
			return nil, fmt.Errorf("store: sync finding %s: %w", f.Key, err)
		}
		keys = append(keys, f.Key)
	}
	return keys, nil
}

// putFindingRecordings stores the recordings of finding id as rows, in
// order, replacing those it had (old).
func (tx *Tx) putFindingRecordings(ctx context.Context, id int64, recordings []int64, old bool) error {
	if old {
		if err := tx.exec(ctx, `DELETE FROM finding_recordings WHERE finding_id = ?`, id); err != nil {
			return err
		}
	}
	for i, r := range recordings {
		if err := tx.exec(ctx, `INSERT INTO finding_recordings (finding_id, position, recording_id) VALUES (?, ?, ?)`, id, i, r); err != nil {
			return err
		}
	}
	return nil
}

// resolveFindings marks resolved the unresolved findings matching
// where(whereArgs) whose key is not in keep.
func (tx *Tx) resolveFindings(ctx context.Context, where string, whereArgs, keep []any) error {
	q, args := resolveQuery(tx.now, where, whereArgs, keep)
	return tx.exec(ctx, q, args...)
}

func resolveQuery(now time.Time, where string, whereArgs, keep []any) (string, []any) {
	q := `UPDATE findings SET resolved_at = ? WHERE ` + where + ` AND resolved_at IS NULL`
	args := append([]any{micros(now)}, whereArgs...)
	if len(keep) > 0 {
		q += ` AND key NOT IN (` + placeholders(len(keep)) + `)`
		args = append(args, keep...)
	}
	return q, args
}

// FindingFilter selects findings; zero fields do not filter. From and To
// bound the arrival of the finding's activity, or, for a finding tied to
// no activity, when it was first seen.
type FindingFilter struct {
	Status  evidence.FindingStatus
	Officer string
	// Officers, when given, selects the findings of any of these numbers
	// instead of Officer (OfficerNumbers).
	Officers   []string
	Rule       string
	ActivityID int64
	From, To   time.Time
	// Resolved includes findings whose rule no longer fires.
	Resolved bool
	// Limit caps the answer (0 means 2000); Offset skips rows, for paging.
	Limit, Offset int
}

const findingCols = `f.id, f.key, f.rule, f.article, f.officer, COALESCE(f.activity_id, 0), f.recording_ids, f.evidence, f.status, f.severity,
	f.first_seen, f.last_seen, f.resolved_at, f.accepted_by, f.accepted_at`

func (f FindingFilter) where() (string, []any) {
	where, args := []string{"1 = 1"}, []any{}
	add := func(cond string, arg any) { where, args = append(where, cond), append(args, arg) }
	if f.Status != "" {
		add("f.status = ?", string(f.Status))
	}
	if f.Officer != "" && len(f.Officers) == 0 {
		add("f.officer = ?", f.Officer)
	}
	if len(f.Officers) > 0 {
		where = append(where, "f.officer IN ("+placeholders(len(f.Officers))+")")
		for _, o := range f.Officers {
			args = append(args, o)
		}
	}
	if f.Rule != "" {
		add("f.rule = ?", f.Rule)
	}
	if f.ActivityID != 0 {
		add("f.activity_id = ?", f.ActivityID)
	}
	if !f.From.IsZero() {
		add("COALESCE(a.arrival, f.first_seen) >= ?", micros(f.From))
	}
	if !f.To.IsZero() {
		add("COALESCE(a.arrival, f.first_seen) < ?", micros(f.To))
	}
	if !f.Resolved {
		where = append(where, "f.resolved_at IS NULL")
	}
	return strings.Join(where, " AND "), args
}

// Findings lists findings, newest activity first: Limit of them (0 means
// 2000) from Offset on.
func (tx *Tx) Findings(ctx context.Context, f FindingFilter) ([]StoredFinding, error) {
	where, args := f.where()
	limit := f.Limit
	if limit <= 0 {
		limit = 2000
	}
	return tx.scanFindings(ctx, where+` ORDER BY COALESCE(a.arrival, f.first_seen) DESC, f.id LIMIT ? OFFSET ?`, append(args, limit, max(f.Offset, 0))...)
}

// CountFindings counts the findings f selects, ignoring Limit and Offset.
func (tx *Tx) CountFindings(ctx context.Context, f FindingFilter) (int, error) {
	where, args := f.where()
	var n int
	if err := tx.get(ctx, []any{&n}, `SELECT COUNT(*) FROM findings f LEFT JOIN activities a ON a.id = f.activity_id WHERE `+where, args...); err != nil {
		return 0, fmt.Errorf("store: count findings: %w", err)
	}
	return n, nil
}

func (tx *Tx) scanFindings(ctx context.Context, where string, args ...any) ([]StoredFinding, error) {
	rows, err := tx.query(ctx, `SELECT `+findingCols+` FROM findings f LEFT JOIN activities a ON a.id = f.activity_id WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("store: findings: %w", err)
	}
	defer rows.Close()
	list := []StoredFinding{}
	for rows.Next() {
		var sf StoredFinding
		var ids, text, status, severity string
		var first, last int64
		var resolved, accepted sql.NullInt64
		if err := rows.Scan(&sf.ID, &sf.Key, &sf.Rule, &sf.Article, &sf.Officer, &sf.ActivityID, &ids, &text, &status, &severity,
			&first, &last, &resolved, &sf.AcceptedBy, &accepted); err != nil {
			return nil, fmt.Errorf("store: findings: %w", err)
		}
		if err := json.Unmarshal([]byte(ids), &sf.RecordingIDs); err != nil {
			return nil, fmt.Errorf("store: finding %d recording ids: %w", sf.ID, err)
		}
		sf.Evidence = findingEvidence(text)
		sf.Status, sf.Severity = evidence.FindingStatus(status), evidence.Severity(severity)
		sf.FirstSeen, sf.LastSeen, sf.ResolvedAt, sf.AcceptedAt = fromMicros(first), fromMicros(last), fromNullMicros(resolved), fromNullMicros(accepted)
		list = append(list, sf)
	}
	return list, rows.Err()
}

// findingEvidence reads a finding's evidence column: the Message as JSON,
// or, in a row written before findings were messages, English text, kept
// as a Message whose key is that text so that it shows as it did until
// the next evaluation rewrites it.
func findingEvidence(text string) evidence.Message {
	var m evidence.Message
	if strings.HasPrefix(text, "{") && json.Unmarshal([]byte(text), &m) == nil && m.Key != "" {
		return m
	}
	return evidence.Message{Key: text}
}

// Finding returns one finding.
func (tx *Tx) Finding(ctx context.Context, id int64) (StoredFinding, error) {
	list, err := tx.scanFindings(ctx, `f.id = ?`, id)
	if err != nil {
		return StoredFinding{}, err
	}
	if len(list) == 0 {
		return StoredFinding{}, evidence.Errorf(evidence.ENotFound, "err.finding.not_found", id)
	}
	return list[0], nil
}

// AcceptFinding closes a finding on a reviewer's decision; EConflict if it
// is accepted already.
func (tx *Tx) AcceptFinding(ctx context.Context, id int64, by string) (StoredFinding, error) {
	res, err := tx.tx.ExecContext(ctx, tx.d.rebind(`UPDATE findings SET status = ?, accepted_by = ?, accepted_at = ? WHERE id = ? AND status <> ?`),
		string(evidence.FindingAccepted), by, micros(tx.now), id, string(evidence.FindingAccepted))
	if err != nil {
		return StoredFinding{}, fmt.Errorf("store: accept finding %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		if _, err := tx.Finding(ctx, id); err != nil {
			return StoredFinding{}, err
		}
		return StoredFinding{}, evidence.Errorf(evidence.EConflict, "err.finding.accepted", id)
	}
	return tx.Finding(ctx, id)
}
