package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"shilu/internal/evidence"
)

// AddBookmark stores a key moment inside a recording (R-ACT-5), made by
// b.CreatedByID now. The caller has checked the offsets against the
// recording's length (evidence.Bookmark.Validate with the duration); the
// store checks what it can without media facts.
func (tx *Tx) AddBookmark(ctx context.Context, b evidence.Bookmark) (evidence.Bookmark, error) {
	if err := b.Validate(0); err != nil {
		return b, err
	}
	if _, err := tx.Recording(ctx, b.RecordingID); err != nil {
		return b, err
	}
	var end any // NULL: a point, not a span
	if b.EndMS != nil {
		end = *b.EndMS
	}
	var id int64
	err := tx.get(ctx, []any{&id}, `INSERT INTO bookmarks (recording_id, offset_ms, end_ms, kind, label, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		b.RecordingID, b.OffsetMS, end, string(b.Kind), b.Label, b.CreatedByID, micros(tx.now))
	if err != nil {
		return b, fmt.Errorf("store: add bookmark to recording %d: %w", b.RecordingID, err)
	}
	return tx.Bookmark(ctx, id)
}

const bookmarkCols = `b.id, b.recording_id, b.offset_ms, b.end_ms, b.kind, b.label, b.created_by, c.name, b.created_at,
	COALESCE(rm.name, ''), b.removed_at`

const bookmarkFrom = ` FROM bookmarks b JOIN users c ON c.id = b.created_by LEFT JOIN users rm ON rm.id = b.removed_by`

func scanBookmark(scan func(...any) error) (evidence.Bookmark, error) {
	var b evidence.Bookmark
	var kind string
	var end, removed sql.NullInt64
	var created int64
	if err := scan(&b.ID, &b.RecordingID, &b.OffsetMS, &end, &kind, &b.Label, &b.CreatedByID, &b.CreatedBy, &created, &b.RemovedBy, &removed); err != nil {
		return b, err
	}
	b.Kind, b.CreatedAt = evidence.BookmarkKind(kind), fromMicros(created)
	if end.Valid {
		b.EndMS = &end.Int64
	}
	if removed.Valid {
		t := fromMicros(removed.Int64)
		b.RemovedAt = &t
	}
	return b, nil
}

func (tx *Tx) bookmarks(ctx context.Context, what, join, where string, args ...any) ([]evidence.Bookmark, error) {
	rows, err := tx.query(ctx, `SELECT `+bookmarkCols+bookmarkFrom+join+` WHERE `+where+` LIMIT 5000`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: bookmarks of %s: %w", what, err)
	}
	defer rows.Close()
	list := []evidence.Bookmark{}
	for rows.Next() {
		b, err := scanBookmark(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("store: bookmarks of %s: %w", what, err)
		}
		list = append(list, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: bookmarks of %s: %w", what, err)
	}
	return list, nil
}

// Bookmark returns one bookmark, removed or not.
func (tx *Tx) Bookmark(ctx context.Context, id int64) (evidence.Bookmark, error) {
	b, err := scanBookmark(tx.tx.QueryRowContext(ctx, tx.d.rebind(`SELECT `+bookmarkCols+bookmarkFrom+` WHERE b.id = ?`), id).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return b, evidence.Errorf(evidence.ENotFound, "err.bookmark.not_found", id)
	}
	if err != nil {
		return b, fmt.Errorf("store: bookmark %d: %w", id, err)
	}
	return b, nil
}

// Bookmarks lists the live (not removed) bookmarks of a recording in the
// order of the media.
func (tx *Tx) Bookmarks(ctx context.Context, recordingID int64) ([]evidence.Bookmark, error) {
	return tx.bookmarks(ctx, fmt.Sprintf("recording %d", recordingID), "",
		`b.recording_id = ? AND b.removed_at IS NULL ORDER BY b.offset_ms, b.id`, recordingID)
}

// ActivityBookmarks lists the live bookmarks of the recordings linked to
// an activity, recording by recording in the order of the media, so the
// Art. 10 facts of the activity and the moments that show them are read
// together.
func (tx *Tx) ActivityBookmarks(ctx context.Context, activityID int64) ([]evidence.Bookmark, error) {
	return tx.bookmarks(ctx, fmt.Sprintf("activity %d", activityID), ` JOIN activity_recordings l ON l.recording_id = b.recording_id`,
		`l.activity_id = ? AND b.removed_at IS NULL ORDER BY b.recording_id, b.offset_ms, b.id`, activityID)
}

// RemoveBookmark takes a bookmark back: it stays in the table with who
// removed it and when, and leaves the lists. Removing one already removed
// is EConflict; an unknown one ENotFound.
func (tx *Tx) RemoveBookmark(ctx context.Context, id, byID int64) (evidence.Bookmark, error) {
	res, err := tx.tx.ExecContext(ctx, tx.d.rebind(`UPDATE bookmarks SET removed_by = ?, removed_at = ? WHERE id = ? AND removed_at IS NULL`), byID, micros(tx.now), id)
	if err != nil {
		return evidence.Bookmark{}, fmt.Errorf("store: remove bookmark %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		if _, err := tx.Bookmark(ctx, id); err != nil {
			return evidence.Bookmark{}, err
		}
		return evidence.Bookmark{}, evidence.Errorf(evidence.EConflict, "err.bookmark.removed", id)
	}
	return tx.Bookmark(ctx, id)
}
