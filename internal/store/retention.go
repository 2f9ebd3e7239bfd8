package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"shilu/internal/blob"
	"shilu/internal/evidence"
)

// RetentionClasses lists the bureau's retention classes by id.
func (tx *Tx) RetentionClasses(ctx context.Context) ([]evidence.RetentionClass, error) {
	rows, err := tx.query(ctx, `SELECT id, name, kind, years FROM retention_classes ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("store: retention classes: %w", err)
	}
	defer rows.Close()
	out := []evidence.RetentionClass{}
	for rows.Next() {
		var c evidence.RetentionClass
		var kind string
		if err := rows.Scan(&c.ID, &c.Name, &kind, &c.Years); err != nil {
			return nil, fmt.Errorf("store: retention classes: %w", err)
		}
		c.Kind = evidence.ClassKind(kind)
		out = append(out, c)
	}
	return out, rows.Err()
}

// RetentionClass returns class id; ENotFound if there is none.
func (tx *Tx) RetentionClass(ctx context.Context, id int64) (evidence.RetentionClass, error) {
	c := evidence.RetentionClass{ID: id}
	var kind string
	err := tx.get(ctx, []any{&c.Name, &kind, &c.Years}, `SELECT name, kind, years FROM retention_classes WHERE id = ?`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return c, evidence.Errorf(evidence.ENotFound, "err.retention.class_not_found", id)
	}
	if err != nil {
		return c, fmt.Errorf("store: retention class %d: %w", id, err)
	}
	c.Kind = evidence.ClassKind(kind)
	return c, nil
}

// PutRetentionClass creates c (ID 0) or replaces class c.ID; a name taken
// is EConflict.
func (tx *Tx) PutRetentionClass(ctx context.Context, c evidence.RetentionClass) (evidence.RetentionClass, error) {
	var err error
	if c.ID == 0 {
		err = tx.tryGet(ctx, []any{&c.ID}, `INSERT INTO retention_classes (name, kind, years, created_at, updated_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			c.Name, string(c.Kind), c.Years, micros(tx.now), micros(tx.now))
	} else {
		if _, err = tx.RetentionClass(ctx, c.ID); err != nil {
			return c, err
		}
		err = tx.tryExec(ctx, `UPDATE retention_classes SET name = ?, kind = ?, years = ?, updated_at = ? WHERE id = ?`,
			c.Name, string(c.Kind), c.Years, micros(tx.now), c.ID)
	}
	if isUniqueViolation(err) {
		return c, evidence.Errorf(evidence.EConflict, "err.retention.class_name_taken", c.Name)
	}
	if err != nil {
		return c, fmt.Errorf("store: put retention class: %w", err)
	}
	return c, nil
}

// RetentionSettings returns the bureau's retention settings.
func (tx *Tx) RetentionSettings(ctx context.Context) (evidence.RetentionSettings, error) {
	var s evidence.RetentionSettings
	err := tx.get(ctx, []any{&s.DefaultClass, &s.ImportantClass, &s.GraceDays},
		`SELECT default_class, important_class, grace_days FROM retention_settings WHERE id = 1`)
	if err != nil {
		return s, fmt.Errorf("store: retention settings: %w", err)
	}
	return s, nil
}

// SetRetentionSettings stores s; the caller has checked its classes exist.
func (tx *Tx) SetRetentionSettings(ctx context.Context, s evidence.RetentionSettings) error {
	if err := tx.exec(ctx, `UPDATE retention_settings SET default_class = ?, important_class = ?, grace_days = ? WHERE id = 1`,
		s.DefaultClass, s.ImportantClass, s.GraceDays); err != nil {
		return fmt.Errorf("store: retention settings: %w", err)
	}
	return nil
}

// SetRecordingClass gives recording id the retention class classID (nil:
// the default); the caller recomputes its retention (Retain).
func (tx *Tx) SetRecordingClass(ctx context.Context, id int64, classID *int64) error {
	if err := tx.exec(ctx, `UPDATE recordings SET retention_class_id = ? WHERE id = ?`, classID, id); err != nil {
		return fmt.Errorf("store: class of recording %d: %w", id, err)
	}
	return nil
}

// RetentionFacts gathers what recording id's retention depends on: its
// ingest, its class (or the default), the important mark and its class,
// the case files holding it (attached, or through an attached activity)
// and its holds in force.
func (tx *Tx) RetentionFacts(ctx context.Context, id int64) (evidence.RetentionFacts, error) {
	var f evidence.RetentionFacts
	var ingested int64
	var class sql.NullInt64
	err := tx.get(ctx, []any{&ingested, &f.Important, &class}, `SELECT ingested_at, important, retention_class_id FROM recordings WHERE id = ?`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return f, evidence.Errorf(evidence.ENotFound, "err.recording.not_found", fmt.Sprint(id))
	}
	if err != nil {
		return f, fmt.Errorf("store: retention of recording %d: %w", id, err)
	}
	f.Ingested = fromMicros(ingested)
	s, err := tx.RetentionSettings(ctx)
	if err != nil {
		return f, err
	}
	classID := s.DefaultClass
	if class.Valid {
		classID = class.Int64
	}
	if f.Class, err = tx.RetentionClass(ctx, classID); err != nil {
		return f, err
	}
	if f.Important {
		if f.ImportantClass, err = tx.RetentionClass(ctx, s.ImportantClass); err != nil {
			return f, err
		}
	}
	rows, err := tx.query(ctx, `SELECT number, archived_at, retention_years FROM cases WHERE id IN (
			SELECT case_id FROM case_items WHERE kind = 'recording' AND item_id = ?
			UNION SELECT i.case_id FROM case_items i JOIN activity_recordings l ON l.activity_id = i.item_id
				WHERE i.kind = 'activity' AND l.recording_id = ?)
		ORDER BY id`, id, id)
	if err != nil {
		return f, fmt.Errorf("store: cases of recording %d: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var c evidence.CaseRetention
		var archived sql.NullInt64
		if err := rows.Scan(&c.Number, &archived, &c.Years); err != nil {
			return f, fmt.Errorf("store: cases of recording %d: %w", id, err)
		}
		if archived.Valid {
			t := fromMicros(archived.Int64)
			c.Archived = &t
		}
		f.Cases = append(f.Cases, c)
	}
	if err := rows.Err(); err != nil {
		return f, fmt.Errorf("store: cases of recording %d: %w", id, err)
	}
	holds, err := tx.ids(ctx, `SELECT id FROM holds WHERE recording_id = ? AND lifted_at IS NULL ORDER BY id`, id)
	if err != nil {
		return f, err
	}
	for _, h := range holds {
		f.Holds = append(f.Holds, strconv.FormatInt(h, 10))
	}
	return f, nil
}

// Retain recomputes and stores recording id's retain-until from every rule
// that touches it (evidence.RetainUntil). Every change of a rule's facts
// calls it in its own transaction, so the stored value is never stale.
func (tx *Tx) Retain(ctx context.Context, id int64) (evidence.Retention, error) {
	f, err := tx.RetentionFacts(ctx, id)
	if err != nil {
		return evidence.Retention{}, err
	}
	r := evidence.RetainUntil(f)
	if err := tx.exec(ctx, `UPDATE recordings SET retain_kind = ?, retain_until = ?, retain_basis = ?, retain_ref = ? WHERE id = ?`,
		string(r.Kind), nullMicros(r.Until), r.Basis, r.Ref, id); err != nil {
		return r, fmt.Errorf("store: retain recording %d: %w", id, err)
	}
	return r, nil
}

// RetainAll recomputes every recording not disposed of, after a change of
// a class or of the settings. It reads one recording's facts at a time: a
// class changes rarely, and a million recordings take minutes in one
// transaction (noted in issue 11's report).
func (tx *Tx) RetainAll(ctx context.Context, where string, args ...any) (int, error) {
	q := `SELECT id FROM recordings WHERE disposed_at IS NULL`
	if where != "" {
		q += ` AND (` + where + `)`
	}
	ids, err := tx.ids(ctx, q+` ORDER BY id`, args...)
	if err != nil {
		return 0, err
	}
	for _, id := range ids {
		if _, err := tx.Retain(ctx, id); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}

// retainMissing computes the retention of recordings catalogued before
// retention existed (migration 0019), once, at open.
func (db *DB) retainMissing(ctx context.Context) error {
	return db.Update(ctx, func(tx *Tx) error {
		_, err := tx.RetainAll(ctx, `retain_kind = ''`)
		return err
	})
}

// DueForDisposal lists recordings whose retention ended at the
// transaction's time, that no hold keeps and no disposal names yet: what
// the custodian may propose to dispose of.
func (tx *Tx) DueForDisposal(ctx context.Context, limit int) ([]evidence.Recording, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	rows, err := tx.query(ctx, `SELECT `+recordingCols+` FROM recordings r JOIN users u ON u.id = r.uploader_id
		WHERE r.retain_kind = 'date' AND r.disposed_at IS NULL AND r.retain_until <= ?
		AND NOT EXISTS (SELECT 1 FROM holds h WHERE h.recording_id = r.id AND h.lifted_at IS NULL)
		AND NOT EXISTS (SELECT 1 FROM disposals d WHERE d.recording_id = r.id AND d.status <> 'cancelled')
		ORDER BY r.retain_until, r.id LIMIT ?`, micros(tx.now), limit)
	if err != nil {
		return nil, fmt.Errorf("store: due for disposal: %w", err)
	}
	defer rows.Close()
	out := []evidence.Recording{}
	for rows.Next() {
		r, err := scanRecording(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("store: due for disposal: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// PlaceHold stores a hold on a recording by account byID.
func (tx *Tx) PlaceHold(ctx context.Context, h evidence.Hold, byID int64) (evidence.Hold, error) {
	err := tx.get(ctx, []any{&h.ID}, `INSERT INTO holds (recording_id, kind, reason, placed_by, placed_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
		h.RecordingID, string(h.Kind), h.Reason, byID, micros(tx.now))
	if err != nil {
		return h, fmt.Errorf("store: place hold: %w", err)
	}
	return tx.Hold(ctx, h.ID)
}

// LiftHold ends hold id; one already lifted is EConflict.
func (tx *Tx) LiftHold(ctx context.Context, id, byID int64, reason string) error {
	res, err := tx.tx.ExecContext(ctx, tx.d.rebind(`UPDATE holds SET lifted_by = ?, lifted_at = ?, lift_reason = ? WHERE id = ? AND lifted_at IS NULL`),
		byID, micros(tx.now), reason, id)
	if err != nil {
		return fmt.Errorf("store: lift hold %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return evidence.Errorf(evidence.EConflict, "err.hold.lifted", id)
	}
	return nil
}

const holdCols = `h.id, h.recording_id, h.kind, h.reason, p.name, h.placed_at, COALESCE(l.name, ''), h.lifted_at, h.lift_reason
	FROM holds h JOIN users p ON p.id = h.placed_by LEFT JOIN users l ON l.id = h.lifted_by`

func (tx *Tx) holds(ctx context.Context, where string, args ...any) ([]evidence.Hold, error) {
	rows, err := tx.query(ctx, `SELECT `+holdCols+` WHERE `+where+` ORDER BY h.id DESC`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: holds: %w", err)
	}
	defer rows.Close()
	out := []evidence.Hold{}
	for rows.Next() {
		var h evidence.Hold
		var kind string
		var placed int64
		var lifted sql.NullInt64
		if err := rows.Scan(&h.ID, &h.RecordingID, &kind, &h.Reason, &h.PlacedBy, &placed, &h.LiftedBy, &lifted, &h.LiftReason); err != nil {
			return nil, fmt.Errorf("store: holds: %w", err)
		}
		h.Kind, h.PlacedAt = evidence.HoldKind(kind), fromMicros(placed)
		if lifted.Valid {
			t := fromMicros(lifted.Int64)
			h.LiftedAt = &t
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// Hold returns hold id; ENotFound if there is none.
func (tx *Tx) Hold(ctx context.Context, id int64) (evidence.Hold, error) {
	list, err := tx.holds(ctx, `h.id = ?`, id)
	if err != nil {
		return evidence.Hold{}, err
	}
	if len(list) == 0 {
		return evidence.Hold{}, evidence.Errorf(evidence.ENotFound, "err.hold.not_found", id)
	}
	return list[0], nil
}

// HoldsOf lists the holds of recording id, in force or lifted, newest
// first.
func (tx *Tx) HoldsOf(ctx context.Context, id int64) ([]evidence.Hold, error) {
	return tx.holds(ctx, `h.recording_id = ?`, id)
}

// HoldsInForce lists every hold in force, newest first.
func (tx *Tx) HoldsInForce(ctx context.Context) ([]evidence.Hold, error) {
	return tx.holds(ctx, `h.lifted_at IS NULL`)
}

// disposalCols reads a disposal with the names of the people and the
// recording's identity: a carried-out disposal is its tombstone.
const disposalCols = `d.id, d.recording_id, d.status, r.digest, r.size, r.filename, r.device, r.officer, d.reason,
	p.name, d.proposed_at, COALESCE(a.name, ''), d.approved_at, d.due_at, COALESCE(c.name, ''), d.cancelled_at, d.cancel_reason,
	d.disposed_at, d.erased_at
	FROM disposals d JOIN recordings r ON r.id = d.recording_id JOIN users p ON p.id = d.proposed_by
	LEFT JOIN users a ON a.id = d.approved_by LEFT JOIN users c ON c.id = d.cancelled_by`

func (tx *Tx) disposals(ctx context.Context, where, tail string, args ...any) ([]evidence.Disposal, error) {
	rows, err := tx.query(ctx, `SELECT `+disposalCols+` WHERE `+where+` ORDER BY d.id DESC`+tail, args...)
	if err != nil {
		return nil, fmt.Errorf("store: disposals: %w", err)
	}
	defer rows.Close()
	out := []evidence.Disposal{}
	for rows.Next() {
		var x evidence.Disposal
		var status string
		var digest []byte
		var proposed int64
		var approved, due, cancelled, disposed, erased sql.NullInt64
		if err := rows.Scan(&x.ID, &x.RecordingID, &status, &digest, &x.Size, &x.Filename, &x.Device, &x.Officer, &x.Reason,
			&x.ProposedBy, &proposed, &x.ApprovedBy, &approved, &due, &x.CancelledBy, &cancelled, &x.CancelReason,
			&disposed, &erased); err != nil {
			return nil, fmt.Errorf("store: disposals: %w", err)
		}
		var d blob.Digest
		copy(d[:], digest)
		x.Status, x.SHA256, x.ProposedAt = evidence.DisposalStatus(status), d.Hex(), fromMicros(proposed)
		for _, p := range []struct {
			v   sql.NullInt64
			dst **time.Time
		}{{approved, &x.ApprovedAt}, {due, &x.Due}, {cancelled, &x.CancelledAt}, {disposed, &x.DisposedAt}, {erased, &x.Erased}} {
			if p.v.Valid {
				t := fromMicros(p.v.Int64)
				*p.dst = &t
			}
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// Disposal returns disposal id; ENotFound if there is none.
func (tx *Tx) Disposal(ctx context.Context, id int64) (evidence.Disposal, error) {
	list, err := tx.disposals(ctx, `d.id = ?`, "", id)
	if err != nil {
		return evidence.Disposal{}, err
	}
	if len(list) == 0 {
		return evidence.Disposal{}, evidence.Errorf(evidence.ENotFound, "err.disposal.not_found", id)
	}
	return list[0], nil
}

// DisposalFilter selects disposals; zero fields do not filter.
type DisposalFilter struct {
	Status      evidence.DisposalStatus
	RecordingID int64
	Before      int64 // keyset paging by id, newest first
	Limit       int   // default 100
}

// Disposals lists disposals newest first.
func (tx *Tx) Disposals(ctx context.Context, f DisposalFilter) ([]evidence.Disposal, error) {
	where, args := []string{"1 = 1"}, []any{}
	if f.Status != "" {
		where, args = append(where, `d.status = ?`), append(args, string(f.Status))
	}
	if f.RecordingID > 0 {
		where, args = append(where, `d.recording_id = ?`), append(args, f.RecordingID)
	}
	if f.Before > 0 {
		where, args = append(where, `d.id < ?`), append(args, f.Before)
	}
	if f.Limit <= 0 {
		f.Limit = 100
	}
	return tx.disposals(ctx, strings.Join(where, ` AND `), ` LIMIT ?`, append(args, f.Limit)...)
}

// ProposeDisposal stores a disposal of recording id proposed by byID; a
// recording with a disposal under way or done is EConflict.
func (tx *Tx) ProposeDisposal(ctx context.Context, recordingID, byID int64, reason string) (evidence.Disposal, error) {
	var id int64
	err := tx.tryGet(ctx, []any{&id}, `INSERT INTO disposals (recording_id, status, reason, proposed_by, proposed_at) VALUES (?, 'proposed', ?, ?, ?) RETURNING id`,
		recordingID, reason, byID, micros(tx.now))
	if isUniqueViolation(err) {
		return evidence.Disposal{}, evidence.Errorf(evidence.EConflict, "err.disposal.exists", recordingID)
	}
	if err != nil {
		return evidence.Disposal{}, fmt.Errorf("store: propose disposal: %w", err)
	}
	return tx.Disposal(ctx, id)
}

// setDisposal moves disposal id from status from, with the assignments
// set; a disposal no longer in from is EConflict.
func (tx *Tx) setDisposal(ctx context.Context, id int64, from evidence.DisposalStatus, set string, args ...any) error {
	res, err := tx.tx.ExecContext(ctx, tx.d.rebind(`UPDATE disposals SET `+set+` WHERE id = ? AND status = ?`), append(args, id, string(from))...)
	if err != nil {
		return fmt.Errorf("store: disposal %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return evidence.Errorf(evidence.EConflict, "err.disposal.state", id)
	}
	return nil
}

// ApproveDisposal records byID's approval of proposed disposal id; it is
// carried out at due, the end of the grace period.
func (tx *Tx) ApproveDisposal(ctx context.Context, id, byID int64, due time.Time) error {
	return tx.setDisposal(ctx, id, evidence.DisposalProposed, `status = 'approved', approved_by = ?, approved_at = ?, due_at = ?`,
		byID, micros(tx.now), micros(due))
}

// CancelDisposal ends disposal id, proposed or in its grace period.
func (tx *Tx) CancelDisposal(ctx context.Context, id int64, from evidence.DisposalStatus, byID int64, reason string) error {
	return tx.setDisposal(ctx, id, from, `status = 'cancelled', cancelled_by = ?, cancelled_at = ?, cancel_reason = ?`,
		byID, micros(tx.now), reason)
}

// MarkDisposed turns approved disposal id of recording recordingID into
// its tombstone: the recording row stays, marked disposed of, and its blob
// is to be removed (MarkErased after).
func (tx *Tx) MarkDisposed(ctx context.Context, id, recordingID int64) error {
	if err := tx.setDisposal(ctx, id, evidence.DisposalApproved, `status = 'disposed', disposed_at = ?`, micros(tx.now)); err != nil {
		return err
	}
	if err := tx.exec(ctx, `UPDATE recordings SET disposed_at = ? WHERE id = ?`, micros(tx.now), recordingID); err != nil {
		return fmt.Errorf("store: dispose of recording %d: %w", recordingID, err)
	}
	return nil
}

// MarkErased records that disposal id's blob is gone.
func (tx *Tx) MarkErased(ctx context.Context, id int64) error {
	if err := tx.exec(ctx, `UPDATE disposals SET erased_at = ? WHERE id = ? AND status = 'disposed' AND erased_at IS NULL`, micros(tx.now), id); err != nil {
		return fmt.Errorf("store: erase disposal %d: %w", id, err)
	}
	return nil
}

// DueDisposals lists the approved disposals whose grace period has ended.
func (tx *Tx) DueDisposals(ctx context.Context) ([]evidence.Disposal, error) {
	return tx.disposals(ctx, `d.status = 'approved' AND d.due_at <= ?`, "", micros(tx.now))
}

// PendingErasures lists the tombstones whose blob removal has not been
// recorded: a process killed between the two is finished by the next.
func (tx *Tx) PendingErasures(ctx context.Context) ([]evidence.Disposal, error) {
	return tx.disposals(ctx, `d.status = 'disposed' AND d.erased_at IS NULL`, "")
}

// DisposedDigests returns the digests of disposed recordings with whether
// their blob's removal is recorded, for `shilu verify`, which reports them
// as disposed of rather than missing.
func (tx *Tx) DisposedDigests(ctx context.Context) (map[blob.Digest]bool, error) {
	rows, err := tx.query(ctx, `SELECT r.digest, d.erased_at IS NOT NULL FROM recordings r JOIN disposals d ON d.recording_id = r.id AND d.status = 'disposed'`)
	if err != nil {
		return nil, fmt.Errorf("store: disposed digests: %w", err)
	}
	defer rows.Close()
	out := map[blob.Digest]bool{}
	for rows.Next() {
		var b []byte
		var erased bool
		if err := rows.Scan(&b, &erased); err != nil {
			return nil, fmt.Errorf("store: disposed digests: %w", err)
		}
		var d blob.Digest
		copy(d[:], b)
		out[d] = erased
	}
	return out, rows.Err()
}

// RecordingsOfActivity returns the ids of the recordings linked to
// activity id.
func (tx *Tx) RecordingsOfActivity(ctx context.Context, id int64) ([]int64, error) {
	return tx.ids(ctx, `SELECT recording_id FROM activity_recordings WHERE activity_id = ? ORDER BY recording_id`, id)
}
