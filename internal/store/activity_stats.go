package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"shilu/internal/audit"
	"shilu/internal/evidence"
)

// What people did with the archive, for the compliance dashboard's views
// and exports per officer, department and period (R-RPT-1): who the
// accounts are, the viewings of the register and the custody entries of
// chosen actions.

// StatUser is an account as the dashboard groups it.
type StatUser struct {
	ID int64
	// Name is the sign-in name, which custody entries name as their actor.
	Name string
	// Label is the display name, or Name when there is none.
	Label      string
	OfficerNo  string // "" for an account without one
	Department string // "" for an account without one
}

// StatUsers lists every account, disabled ones included: someone who has
// left still stands behind what they viewed and exported.
func (tx *Tx) StatUsers(ctx context.Context) ([]StatUser, error) {
	rows, err := tx.query(ctx, `SELECT u.id, u.name, u.display_name, COALESCE(u.officer_no, ''), COALESCE(d.name, '')
		FROM users u LEFT JOIN departments d ON d.id = u.department_id ORDER BY u.id`)
	if err != nil {
		return nil, fmt.Errorf("store: stat users: %w", err)
	}
	defer rows.Close()
	var out []StatUser
	for rows.Next() {
		var u StatUser
		if err := rows.Scan(&u.ID, &u.Name, &u.Label, &u.OfficerNo, &u.Department); err != nil {
			return nil, fmt.Errorf("store: stat users: %w", err)
		}
		if u.Label == "" {
			u.Label = u.Name
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: stat users: %w", err)
	}
	return out, nil
}

// ViewingStat is one viewing of the register reduced to what is counted.
type ViewingStat struct {
	UserID    int64
	StartedAt time.Time
	// Duration runs from the first to the last content request of the
	// viewing, as the register shows it; 0 for a single request.
	Duration time.Duration
}

// ViewingStats returns every viewing that started in [from, to), oldest
// first. Unlike Register it has no row limit, since a count that silently
// stops at a limit would be wrong, and it reads only the viewings table
// (its index on started_at) without the joins the register page needs.
func (tx *Tx) ViewingStats(ctx context.Context, from, to time.Time) ([]ViewingStat, error) {
	rows, err := tx.query(ctx, `SELECT user_id, started_at, last_at FROM viewings WHERE started_at >= ? AND started_at < ? AND kind = 'view' ORDER BY started_at`,
		micros(from), micros(to))
	if err != nil {
		return nil, fmt.Errorf("store: viewing stats: %w", err)
	}
	defer rows.Close()
	var out []ViewingStat
	for rows.Next() {
		var v ViewingStat
		var started, last int64
		if err := rows.Scan(&v.UserID, &started, &last); err != nil {
			return nil, fmt.Errorf("store: viewing stats: %w", err)
		}
		v.StartedAt, v.Duration = fromMicros(started), fromMicros(last).Sub(fromMicros(started))
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: viewing stats: %w", err)
	}
	return out, nil
}

// ActionStat is one custody entry reduced to who did what when.
type ActionStat struct {
	Index  uint64
	Actor  string
	Action evidence.Action
	Time   time.Time
}

// ActionStats returns the custody entries with outcome ok whose action is
// one of actions and whose time is in [from, to), oldest first: a lookup
// in the index on the entries' action column (migration 0025), not a scan
// of the log. The matching entries are decoded, which checks the action
// again, the outcome and the time against the encoding, which is what the
// log's hashes cover.
func (tx *Tx) ActionStats(ctx context.Context, actions []evidence.Action, from, to time.Time) ([]ActionStat, error) {
	if len(actions) == 0 {
		return nil, nil
	}
	want := make(map[evidence.Action]bool, len(actions))
	args := make([]any, 0, len(actions))
	for _, a := range actions {
		want[a] = true
		args = append(args, string(a))
	}
	args = append(args, micros(from), micros(to))
	rows, err := tx.query(ctx, `SELECT data FROM audit_entries WHERE action IN (?`+strings.Repeat(", ?", len(actions)-1)+`)
		AND at >= ? AND at < ? ORDER BY idx`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: action stats: %w", err)
	}
	defer rows.Close()
	var out []ActionStat
	for rows.Next() {
		var data []byte
		if err := rows.Scan(&data); err != nil {
			return nil, fmt.Errorf("store: action stats: %w", err)
		}
		e, err := audit.Decode(data)
		if err != nil {
			return nil, fmt.Errorf("store: action stats: %w", err)
		}
		if !want[e.Action] || e.Outcome != audit.OutcomeOK || e.Time.Before(from) || !e.Time.Before(to) {
			continue
		}
		out = append(out, ActionStat{Index: e.Index, Actor: e.Actor, Action: e.Action, Time: e.Time})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: action stats: %w", err)
	}
	return out, nil
}
