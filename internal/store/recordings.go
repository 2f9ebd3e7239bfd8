package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
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
	// Its retain-until is there from the first commit (issue 11 point 1).
	ret, err := tx.Retain(ctx, r.ID)
	if err != nil {
		return r, err
	}
	r.Retention = &ret
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
	r.clock_offset_ms, r.clock_measured_at, r.links, r.important, r.retention_class_id, r.retain_kind, r.retain_until, r.retain_basis, r.retain_ref,
	r.disposed_at, r.fixity_problem, r.fixity_at`

func scanRecording(scan func(...any) error) (evidence.Recording, error) {
	var r evidence.Recording
	var digest []byte
	var kind, media string
	var start, end, offsetMS, measured sql.NullInt64
	var ingested int64
	var class, until, disposed, fixityAt sql.NullInt64
	var rkind, basis, ref string
	if err := scan(&r.ID, &digest, &r.Size, &r.Filename, &kind, &r.Device, &r.Officer, &start, &end, &ingested, &r.Uploader, &media, &r.ProbeError,
		&offsetMS, &measured, &r.Links, &r.Important, &class, &rkind, &until, &basis, &ref, &disposed, &r.FixityProblem, &fixityAt); err != nil {
		return r, err
	}
	if class.Valid {
		r.ClassID = &class.Int64
	}
	if rkind != "" {
		r.Retention = &evidence.Retention{Kind: evidence.RetentionKind(rkind), Basis: basis, Ref: ref}
		if until.Valid {
			t := fromMicros(until.Int64)
			r.Retention.Until = &t
		}
	}
	if disposed.Valid {
		t := fromMicros(disposed.Int64)
		r.DisposedAt = &t
	}
	if fixityAt.Valid {
		t := fromMicros(fixityAt.Int64)
		r.FixityAt = &t
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

// RecordingPage is a page of the list of recordings.
type RecordingPage struct {
	Recordings []evidence.Recording
	// Total is how many recordings match, counted up to CountLimit; Over
	// is set when more match.
	Total int
	Over  bool
	// Next and Prev are the positions to ask for the neighbouring pages
	// from (evidence.RecordingFilter's After and Before); nil at the ends.
	Next, Prev *evidence.Cursor
}

// Recordings returns a page of the recordings matching f, newest recorded
// first (evidence.Cursor states the order), and how many match.
// Every filter and every page answers from an index: the list's order is
// each index's own (officer, device, kind or orphan state, then the
// recorded start and the id, which SQLite keeps in every index), and a
// page starts at its cursor instead of stepping over the rows before it.
func (tx *Tx) Recordings(ctx context.Context, f evidence.RecordingFilter) (RecordingPage, error) {
	var p RecordingPage
	l := newRecordingList(f)
	var err error
	if p.Total, p.Over, err = tx.countUpTo(ctx, "recordings", l.from(), l.args); err != nil {
		return p, err
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	read := func(at *evidence.Cursor, back bool, n int) ([]evidence.Recording, error) {
		return l.read(ctx, tx, at, back, n)
	}
	p.Recordings, p.Prev, p.Next, err = keysetPage(f.After, f.Before, limit, read, evidence.Recording.Cursor)
	return p, err
}

// recordingList is the list of recordings a filter selects, read a page
// at a time.
type recordingList struct {
	where []string
	args  []any
}

func newRecordingList(f evidence.RecordingFilter) recordingList {
	var l recordingList
	add := func(cond string, arg any) { l.where = append(l.where, cond); l.args = append(l.args, arg) }
	// One index leads, the most selective the filter allows: the officer's
	// or the device's, then the kind's or the orphans'. Terms on the other
	// indexed columns are written as an expression (r.column || '' for
	// text, +r.column for numbers: PostgreSQL has no unary plus on text),
	// which keeps SQLite (without statistics) from leading with the index of
	// a kind that most recordings have.
	officer := f.Officer != "" || len(f.Officers) > 0
	term := func(column string, leads bool) string {
		switch {
		case leads:
			return "r." + column
		case column == "links":
			return "+r." + column
		}
		return "r." + column + " || ''"
	}
	if f.Officer != "" && len(f.Officers) == 0 {
		add("r.officer = ?", f.Officer)
	}
	if len(f.Officers) > 0 {
		l.where = append(l.where, "r.officer IN ("+placeholders(len(f.Officers))+")")
		for _, o := range f.Officers {
			l.args = append(l.args, o)
		}
	}
	if f.Device != "" {
		add(term("device", !officer)+" = ?", f.Device)
	}
	narrow := officer || f.Device != ""
	if f.Kind != "" {
		add(term("kind", !narrow)+" = ?", string(f.Kind))
	}
	if f.Orphan {
		l.where = append(l.where, term("links", !narrow && f.Kind == "")+" = 0")
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
	return l
}

// from is the list's FROM clause with its WHERE, for counting it.
func (l recordingList) from() string {
	if len(l.where) == 0 {
		return `recordings r`
	}
	return `recordings r WHERE ` + strings.Join(l.where, " AND ")
}

// pages are the queries that read the list after at (before it when back,
// nearest first; from an end when at is nil), each to be completed with a
// LIMIT's argument. The list has two parts, recordings with a recorded
// start (by start and id) and then those without (by id), each read from
// an index in its order, so a page may take the end of one and the start
// of the other.
func (l recordingList) pages(at *evidence.Cursor, back bool) []sqlQuery {
	dir, cmp := "DESC", "<"
	if back {
		dir, cmp = "ASC", ">"
	}
	timed := func() sqlQuery {
		where, args := append(slices.Clone(l.where), "r.recorded_start IS NOT NULL"), slices.Clone(l.args)
		if at != nil && at.Start != nil {
			// The first condition bounds the index's range; the second
			// skips the rows at the cursor's start up to its id.
			s := micros(*at.Start)
			where = append(where, "r.recorded_start "+cmp+"= ?", "(r.recorded_start "+cmp+" ? OR r.id "+cmp+" ?)")
			args = append(args, s, s, at.ID)
		}
		return recordingPage(where, args, "r.recorded_start "+dir+", r.id "+dir)
	}
	untimed := func() sqlQuery {
		where, args := append(slices.Clone(l.where), "r.recorded_start IS NULL"), slices.Clone(l.args)
		if at != nil && at.Start == nil {
			where, args = append(where, "r.id "+cmp+" ?"), append(args, at.ID)
		}
		return recordingPage(where, args, "r.id "+dir)
	}
	switch {
	case !back && (at == nil || at.Start != nil):
		return []sqlQuery{timed(), untimed()}
	case !back:
		return []sqlQuery{untimed()}
	case at == nil || at.Start == nil:
		return []sqlQuery{untimed(), timed()}
	default:
		return []sqlQuery{timed()}
	}
}

// sqlQuery is a query with its arguments.
type sqlQuery struct {
	q    string
	args []any
}

func recordingPage(where []string, args []any, order string) sqlQuery {
	return sqlQuery{`SELECT ` + recordingCols + ` FROM recordings r JOIN users u ON u.id = r.uploader_id WHERE ` +
		strings.Join(where, " AND ") + ` ORDER BY ` + order + ` LIMIT ?`, args}
}

// read returns up to limit recordings of the list after at (pages).
func (l recordingList) read(ctx context.Context, tx *Tx, at *evidence.Cursor, back bool, limit int) ([]evidence.Recording, error) {
	list := []evidence.Recording{}
	for _, q := range l.pages(at, back) {
		if len(list) >= limit {
			break
		}
		rows, err := tx.query(ctx, q.q, append(q.args, limit-len(list))...)
		if err != nil {
			return nil, fmt.Errorf("store: list recordings: %w", err)
		}
		for rows.Next() {
			r, err := scanRecording(rows.Scan)
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("store: list recordings: %w", err)
			}
			list = append(list, r)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("store: list recordings: %w", err)
		}
	}
	return list, nil
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
	return tx.bumpAccess(ctx)
}
