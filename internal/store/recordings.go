package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"shilu/internal/blob"
	"shilu/internal/evidence"
)

// CreateRecording catalogues a recording whose blob is already durable. The
// digest is unique: archiving the same content twice is a conflict that
// names the existing recording (details["recording_id"]).
func (tx *Tx) CreateRecording(ctx context.Context, r evidence.Recording, uploaderID int64) (evidence.Recording, error) {
	if existing, err := tx.RecordingByDigest(ctx, r.Digest); err == nil {
		return r, duplicate(existing)
	}
	r.IngestedAt = tx.now
	var offsetMS any // NULL: not measured
	if r.ClockOffset != nil {
		// Whole milliseconds, as read back: the caller's copy must equal
		// the stored one.
		d := r.ClockOffset.Truncate(time.Millisecond)
		r.ClockOffset, offsetMS = &d, d.Milliseconds()
		if r.ClockMeasuredAt == nil {
			return r, evidence.Errorf(evidence.EInvalid, "err.recording.offset_unmeasured")
		}
	}
	if r.ClockMeasuredAt != nil {
		t := r.ClockMeasuredAt.UTC().Truncate(time.Microsecond)
		r.ClockMeasuredAt = &t
	}
	err := tx.get(ctx, []any{&r.ID}, `INSERT INTO recordings
		(digest, size, filename, kind, device, officer, recorded_start, recorded_end, ingested_at, uploader_id, media, probe_error,
		 clock_offset_ms, clock_measured_at, important)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		r.Digest[:], r.Size, r.Filename, string(r.Kind), r.Device, r.Officer,
		nullMicros(r.RecordedStart), nullMicros(r.RecordedEnd), micros(r.IngestedAt), uploaderID, string(r.Media), r.ProbeError,
		offsetMS, nullMicros(r.ClockMeasuredAt), r.Important)
	if err != nil {
		return r, fmt.Errorf("store: create recording %v: %w", r.Digest, err)
	}
	r.SHA256 = r.Digest.Hex()
	return r, nil
}

func duplicate(existing evidence.Recording) error {
	return &evidence.Error{
		Code:    evidence.EConflict,
		Msg:     evidence.Msg("err.recording.duplicate", existing.ID),
		Details: map[string]any{"recording_id": existing.ID},
	}
}

// recordingCols is the column list every query of recordings selects, in
// scanRecording's order (activities.go shares both).
const recordingCols = `r.id, r.digest, r.size, r.filename, r.kind, r.device, r.officer, r.recorded_start, r.recorded_end, r.ingested_at, u.name, r.media, r.probe_error,
	r.clock_offset_ms, r.clock_measured_at, r.links, r.important`

func scanRecording(scan func(...any) error) (evidence.Recording, error) {
	var r evidence.Recording
	var digest []byte
	var kind, media string
	var start, end, offsetMS, measured sql.NullInt64
	var ingested int64
	if err := scan(&r.ID, &digest, &r.Size, &r.Filename, &kind, &r.Device, &r.Officer, &start, &end, &ingested, &r.Uploader, &media, &r.ProbeError,
		&offsetMS, &measured, &r.Links, &r.Important); err != nil {
		return r, err
	}
	if offsetMS.Valid {
		d := time.Duration(offsetMS.Int64) * time.Millisecond
		r.ClockOffset = &d
	}
	if measured.Valid {
		t := fromMicros(measured.Int64)
		r.ClockMeasuredAt = &t
	}
	copy(r.Digest[:], digest)
	r.SHA256 = r.Digest.Hex()
	r.Kind = evidence.Kind(kind)
	r.IngestedAt = fromMicros(ingested)
	if start.Valid {
		t := fromMicros(start.Int64)
		r.RecordedStart = &t
	}
	if end.Valid {
		t := fromMicros(end.Int64)
		r.RecordedEnd = &t
	}
	if media != "" {
		r.Media = []byte(media)
	}
	return r, nil
}

func (tx *Tx) recording(ctx context.Context, what, where string, arg any) (evidence.Recording, error) {
	row := tx.tx.QueryRowContext(ctx, tx.d.rebind(`SELECT `+recordingCols+` FROM recordings r JOIN users u ON u.id = r.uploader_id WHERE `+where), arg)
	r, err := scanRecording(row.Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return r, evidence.Errorf(evidence.ENotFound, "err.recording.not_found", what)
	}
	if err != nil {
		return r, fmt.Errorf("store: recording %s: %w", what, err)
	}
	return r, nil
}

// Recording returns the recording with this id.
func (tx *Tx) Recording(ctx context.Context, id int64) (evidence.Recording, error) {
	return tx.recording(ctx, fmt.Sprint(id), `r.id = ?`, id)
}

// RecordingByDigest returns the recording of this content.
func (tx *Tx) RecordingByDigest(ctx context.Context, d blob.Digest) (evidence.Recording, error) {
	return tx.recording(ctx, d.String(), `r.digest = ?`, d[:])
}

// Recordings lists recordings matching f, newest recorded first, and the
// total number that match.
func (tx *Tx) Recordings(ctx context.Context, f evidence.RecordingFilter) ([]evidence.Recording, int, error) {
	var where []string
	var args []any
	add := func(cond string, arg any) { where = append(where, cond); args = append(args, arg) }
	if f.Officer != "" && len(f.Officers) == 0 {
		add("r.officer = ?", f.Officer)
	}
	if len(f.Officers) > 0 {
		where = append(where, "r.officer IN ("+placeholders(len(f.Officers))+")")
		for _, o := range f.Officers {
			args = append(args, o)
		}
	}
	if f.Device != "" {
		add("r.device = ?", f.Device)
	}
	if f.Kind != "" {
		add("r.kind = ?", string(f.Kind))
	}
	if f.Orphan {
		where = append(where, "r.links = 0")
	}
	if !f.From.IsZero() {
		add("r.recorded_start >= ?", micros(f.From))
	}
	if !f.To.IsZero() {
		add("r.recorded_start < ?", micros(f.To))
	}
	if !f.Digest.IsZero() {
		add("r.digest = ?", f.Digest[:])
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	var total int
	if err := tx.get(ctx, []any{&total}, `SELECT COUNT(*) FROM recordings r`+cond, args...); err != nil {
		return nil, 0, fmt.Errorf("store: count recordings: %w", err)
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	rows, err := tx.query(ctx, `SELECT `+recordingCols+` FROM recordings r JOIN users u ON u.id = r.uploader_id`+cond+
		` ORDER BY r.recorded_start DESC, r.id DESC LIMIT ? OFFSET ?`, append(args, limit, max(f.Offset, 0))...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: list recordings: %w", err)
	}
	defer rows.Close()
	list := []evidence.Recording{}
	for rows.Next() {
		r, err := scanRecording(rows.Scan)
		if err != nil {
			return nil, 0, fmt.Errorf("store: list recordings: %w", err)
		}
		list = append(list, r)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("store: list recordings: %w", err)
	}
	return list, total, nil
}

// AllDigests calls fn with every catalogued recording's id and digest, for
// `shilu verify`.
func (tx *Tx) AllDigests(ctx context.Context, fn func(id int64, d blob.Digest, size int64) error) error {
	rows, err := tx.query(ctx, `SELECT id, digest, size FROM recordings ORDER BY id`)
	if err != nil {
		return fmt.Errorf("store: digests: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, size int64
		var b []byte
		if err := rows.Scan(&id, &b, &size); err != nil {
			return fmt.Errorf("store: digests: %w", err)
		}
		var d blob.Digest
		copy(d[:], b)
		if err := fn(id, d, size); err != nil {
			return err
		}
	}
	return rows.Err()
}

// UpdateRecordingIdentity corrects the device and officer a recording is
// attributed to (e.g. when the file name was not a body-worn camera's). The
// original's bytes and digest never change.
func (tx *Tx) UpdateRecordingIdentity(ctx context.Context, id int64, device, officer string) error {
	res, err := tx.tx.ExecContext(ctx, tx.d.rebind(`UPDATE recordings SET device = ?, officer = ? WHERE id = ?`), device, officer, id)
	if err != nil {
		return fmt.Errorf("store: update recording %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return evidence.Errorf(evidence.ENotFound, "err.recording.not_found", fmt.Sprint(id))
	}
	return nil
}
