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

// Notice is what the archive knows about the notice to the party of one
// activity: whether the party was told recording is on (Art. 8; the flag
// the rules read), who confirmed it on the workbench and when, and the
// items of the spoken preamble the officers stated (X-ACT-2).
type Notice struct {
	Given bool
	// ConfirmedBy and ConfirmedAt are empty when no one confirmed it here:
	// not yet, or Given came with the activity from another system.
	ConfirmedBy string
	ConfirmedAt *time.Time
	// Stated are the preamble item keys, in the order given.
	Stated []string
}

// Notice returns activity id's notice (ENotFound if there is no activity).
func (tx *Tx) Notice(ctx context.Context, id int64) (Notice, error) {
	var n Notice
	var at sql.NullInt64
	var stated string
	err := tx.get(ctx, []any{&n.Given, &n.ConfirmedBy, &at, &stated},
		`SELECT notice_given, notice_confirmed_by, notice_confirmed_at, preamble FROM activities WHERE id = ?`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return n, evidence.Errorf(evidence.ENotFound, "err.activity.not_found", id)
	}
	if err != nil {
		return n, fmt.Errorf("store: notice of activity %d: %w", id, err)
	}
	n.ConfirmedAt = fromNullMicros(at)
	if err := json.Unmarshal([]byte(stated), &n.Stated); err != nil {
		return n, fmt.Errorf("store: preamble of activity %d: %w", id, err)
	}
	if n.Stated == nil {
		n.Stated = []string{}
	}
	return n, nil
}

// ConfirmNotice records, at the transaction's time, that by confirmed the
// party of activity id was told recording is on, with the preamble items
// stated. The caller has validated the items. A later confirmation
// replaces the earlier one here; the custody log keeps each.
func (tx *Tx) ConfirmNotice(ctx context.Context, id int64, by string, stated []string) (Notice, error) {
	if stated == nil {
		stated = []string{}
	}
	b, err := json.Marshal(stated)
	if err != nil {
		return Notice{}, fmt.Errorf("store: preamble of activity %d: %w", id, err)
	}
	res, err := tx.tx.ExecContext(ctx, tx.d.rebind(`UPDATE activities SET notice_given = 1, notice_confirmed_by = ?, notice_confirmed_at = ?,
		preamble = ?, updated_at = ? WHERE id = ?`), by, micros(tx.now), string(b), micros(tx.now), id)
	if err != nil {
		return Notice{}, fmt.Errorf("store: confirm notice of activity %d: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return Notice{}, fmt.Errorf("store: confirm notice of activity %d: %w", id, err)
	} else if n == 0 {
		return Notice{}, evidence.Errorf(evidence.ENotFound, "err.activity.not_found", id)
	}
	return tx.Notice(ctx, id)
}
