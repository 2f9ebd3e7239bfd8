package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"shilu/internal/audit"
	"shilu/internal/evidence"
)

// AuditFilter selects custody entries for the custody log page and its
// exports; zero fields do not filter.
type AuditFilter struct {
	Actor  string
	Object string
	Action evidence.Action
	// From and To bound the entries' times, [From, To).
	From, To time.Time
}

// AuditEntries returns up to limit entries matching f, newest first from
// before (exclusive; 0 starts at the newest) when desc, else oldest first
// from after (exclusive; pass before as -1 for the start) — keyset paging:
// every query starts from an index, never skips rows with OFFSET, so a page
// of a log of millions of entries costs what the first page costs.
//
// Each filter has an index: an object is audit_objects' key, an action is
// migration 0010's index on the action in the encoding, and a time range
// is turned into a range of indexes by a binary search on the primary key
// (entries are appended in time order: each takes its transaction's clock,
// and write transactions run one at a time). The actor is matched in the
// encoding (its canonical JSON form between "actor": and ,"action":); on
// its own it scans from the cursor until the page is full. Every entry
// returned is decoded and checked again.
//
// It also returns the index of the last entry it read, the cursor of the
// next page, and whether there may be more (it read limit entries).
func (tx *Tx) AuditEntries(ctx context.Context, f AuditFilter, cursor int64, desc bool, limit int) (list []audit.Entry, last int64, more bool, err error) {
	q, args, err := tx.auditQuery(ctx, f, cursor, desc, limit)
	if err != nil || q == "" {
		return nil, 0, false, err
	}
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, 0, false, fmt.Errorf("store: audit entries: %w", err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var data []byte
		if err := rows.Scan(&last, &data); err != nil {
			return nil, 0, false, fmt.Errorf("store: audit entries: %w", err)
		}
		n++
		e, err := audit.Decode(data)
		if err != nil {
			return nil, 0, false, fmt.Errorf("store: audit entries: %w", err)
		}
		if f.Actor != "" && e.Actor != f.Actor || f.Action != "" && e.Action != f.Action || f.Object != "" && e.Object != f.Object ||
			!f.From.IsZero() && e.Time.Before(f.From) || !f.To.IsZero() && !e.Time.Before(f.To) {
			continue
		}
		list = append(list, e)
	}
	return list, last, n == limit, rows.Err()
}

// auditQuery is the query of AuditEntries; "" when no entry can match.
func (tx *Tx) auditQuery(ctx context.Context, f AuditFilter, cursor int64, desc bool, limit int) (string, []any, error) {
	lo, hi, err := tx.auditSpan(ctx, f.From, f.To)
	if err != nil || lo >= hi {
		return "", nil, err
	}
	idx, from, args := "audit_entries.idx", " FROM audit_entries", []any{}
	if f.Object != "" {
		// Ordered and bounded by the object index's own column, so that
		// SQLite walks that index in order instead of sorting.
		idx, from = "o.idx", " FROM audit_objects o JOIN audit_entries ON audit_entries.idx = o.idx AND o.object = ?"
		args = append(args, f.Object)
	}
	where := []string{idx + " >= ?", idx + " < ?"}
	args = append(args, lo, hi)
	if f.Action != "" {
		where, args = append(where, "action = ?"), append(args, string(f.Action))
	}
	if f.Actor != "" {
		where, args = append(where, tx.d.contains), append(args, []byte(`"actor":`+audit.QuoteString(f.Actor)+`,"action":`))
	}
	order := "ASC"
	if desc {
		order = "DESC"
		if cursor > 0 {
			where, args = append(where, idx+" < ?"), append(args, cursor)
		}
	} else if cursor >= 0 {
		where, args = append(where, idx+" > ?"), append(args, cursor)
	}
	return `SELECT ` + idx + `, data` + from + ` WHERE ` + strings.Join(where, " AND ") + ` ORDER BY ` + idx + ` ` + order + ` LIMIT ?`, append(args, limit), nil
}

// auditSpan is the range of indexes [lo, hi) of the entries whose time is
// in [from, to) (zero: open), found by binary search on the index.
func (tx *Tx) auditSpan(ctx context.Context, from, to time.Time) (lo, hi int64, err error) {
	size, _, err := tx.LogState(ctx)
	if err != nil {
		return 0, 0, err
	}
	lo, hi = 0, int64(size)
	if !from.IsZero() {
		if lo, err = tx.auditFirstAt(ctx, from, int64(size)); err != nil {
			return 0, 0, err
		}
	}
	if !to.IsZero() {
		if hi, err = tx.auditFirstAt(ctx, to, int64(size)); err != nil {
			return 0, 0, err
		}
	}
	return lo, hi, nil
}

// auditFirstAt is the index of the first entry at or after t (size when
// none is): about log₂(size) primary-key lookups.
func (tx *Tx) auditFirstAt(ctx context.Context, t time.Time, size int64) (int64, error) {
	lo, hi := int64(0), size
	for lo < hi {
		mid := lo + (hi-lo)/2
		data, err := tx.AuditEntry(ctx, uint64(mid))
		if err != nil {
			return 0, err
		}
		e, err := audit.Decode(data)
		if err != nil {
			return 0, fmt.Errorf("store: audit entry %d: %w", mid, err)
		}
		if e.Time.Before(t) {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo, nil
}
