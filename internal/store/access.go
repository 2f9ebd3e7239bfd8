package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"shilu/internal/evidence"
)

// CreateAccessRequest stores a pending request; its recordings must exist.
func (tx *Tx) CreateAccessRequest(ctx context.Context, r evidence.AccessRequest) (evidence.AccessRequest, error) {
	r.Status, r.CreatedAt = evidence.RequestPending, tx.now
	err := tx.get(ctx, []any{&r.ID}, `INSERT INTO access_requests (requester_id, purpose, reason, valid_from, valid_until, status, created_at, download)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		r.RequesterID, string(r.Purpose), r.Reason, micros(r.From), micros(r.Until), string(r.Status), micros(tx.now), r.Download)
	if err != nil {
		return r, fmt.Errorf("store: create access request: %w", err)
	}
	for _, id := range r.RecordingIDs {
		if _, err := tx.Recording(ctx, id); err != nil {
			return r, err
		}
		if err := tx.exec(ctx, `INSERT INTO access_request_recordings (request_id, recording_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, r.ID, id); err != nil {
			return r, fmt.Errorf("store: create access request: %w", err)
		}
	}
	return tx.AccessRequest(ctx, r.ID)
}

const requestCols = `r.id, r.requester_id, u.name, r.purpose, r.reason, r.valid_from, r.valid_until, r.status, r.created_at,
	COALESCE(d.name, ''), r.decided_at, r.comment, COALESCE(g.id, 0), g.valid_from, g.valid_until, g.revoked_at,
	r.download, g.registered_at IS NOT NULL`

const requestFrom = ` FROM access_requests r JOIN users u ON u.id = r.requester_id
	LEFT JOIN users d ON d.id = r.decided_by LEFT JOIN grants g ON g.request_id = r.id`

func (tx *Tx) scanRequests(ctx context.Context, where string, args ...any) ([]evidence.AccessRequest, error) {
	rows, err := tx.query(ctx, `SELECT `+requestCols+requestFrom+` WHERE `+where+` ORDER BY r.id DESC LIMIT 500`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: access requests: %w", err)
	}
	var list []evidence.AccessRequest
	for rows.Next() {
		var r evidence.AccessRequest
		var purpose, status string
		var from, until, created int64
		var decided, gFrom, gUntil, gRevoked sql.NullInt64
		if err := rows.Scan(&r.ID, &r.RequesterID, &r.Requester, &purpose, &r.Reason, &from, &until, &status, &created,
			&r.DecidedBy, &decided, &r.Comment, &r.GrantID, &gFrom, &gUntil, &gRevoked, &r.Download, &r.GrantRegistered); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: access requests: %w", err)
		}
		r.Purpose, r.Status = evidence.Purpose(purpose), evidence.RequestStatus(status)
		r.From, r.Until, r.CreatedAt = fromMicros(from), fromMicros(until), fromMicros(created)
		if decided.Valid {
			t := fromMicros(decided.Int64)
			r.DecidedAt = &t
		}
		if gFrom.Valid && gUntil.Valid {
			f, u := fromMicros(gFrom.Int64), fromMicros(gUntil.Int64)
			r.GrantFrom, r.GrantUntil = &f, &u
			r.GrantState = evidence.GrantStateAt(f, u, gRevoked.Valid, tx.now)
		}
		list = append(list, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: access requests: %w", err)
	}
	for i := range list {
		if list[i].RecordingIDs, err = tx.ids(ctx, `SELECT recording_id FROM access_request_recordings WHERE request_id = ? ORDER BY recording_id`, list[i].ID); err != nil {
			return nil, err
		}
	}
	return list, nil
}

func (tx *Tx) ids(ctx context.Context, q string, args ...any) ([]int64, error) {
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: ids: %w", err)
	}
	defer rows.Close()
	ids := []int64{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: ids: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// AccessRequest returns one request.
func (tx *Tx) AccessRequest(ctx context.Context, id int64) (evidence.AccessRequest, error) {
	list, err := tx.scanRequests(ctx, `r.id = ?`, id)
	if err != nil {
		return evidence.AccessRequest{}, err
	}
	if len(list) == 0 {
		return evidence.AccessRequest{}, evidence.Errorf(evidence.ENotFound, "err.access.not_found", id)
	}
	return list[0], nil
}

// AccessRequestFilter selects requests; zero fields do not filter.
type AccessRequestFilter struct {
	RequesterID int64
	Status      evidence.RequestStatus
}

// AccessRequests lists requests, newest first (at most 500).
func (tx *Tx) AccessRequests(ctx context.Context, f AccessRequestFilter) ([]evidence.AccessRequest, error) {
	where, args := []string{"1 = 1"}, []any{}
	if f.RequesterID != 0 {
		where, args = append(where, "r.requester_id = ?"), append(args, f.RequesterID)
	}
	if f.Status != "" {
		where, args = append(where, "r.status = ?"), append(args, string(f.Status))
	}
	list, err := tx.scanRequests(ctx, strings.Join(where, " AND "), args...)
	if list == nil && err == nil {
		list = []evidence.AccessRequest{}
	}
	return list, err
}

// DecideAccessRequest stores a decision made by evidence.AccessRequest.Decide
// and, for an approval, creates the grant: for r.GrantFrom–r.GrantUntil
// when set (evidence.AccessRequest.GrantPeriod checked them), else for the
// period asked.
func (tx *Tx) DecideAccessRequest(ctx context.Context, r evidence.AccessRequest, deciderID int64) (evidence.AccessRequest, error) {
	res, err := tx.tx.ExecContext(ctx, tx.d.rebind(`UPDATE access_requests SET status = ?, decided_by = ?, decided_at = ?, comment = ?
		WHERE id = ? AND status = ?`), string(r.Status), deciderID, micros(tx.now), r.Comment, r.ID, string(evidence.RequestPending))
	if err != nil {
		return r, fmt.Errorf("store: decide access request %d: %w", r.ID, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return r, evidence.Errorf(evidence.EConflict, "err.access.decided_meanwhile", r.ID)
	}
	if r.Status == evidence.RequestApproved {
		// The grant runs for the period asked, but never starts before the
		// approval.
		from, until := r.From, r.Until
		if r.GrantFrom != nil && r.GrantUntil != nil {
			from, until = *r.GrantFrom, *r.GrantUntil
		}
		if from.Before(tx.now) {
			from = tx.now
		}
		if err := tx.exec(ctx, `INSERT INTO grants (request_id, grantee_id, valid_from, valid_until, created_at) VALUES (?, ?, ?, ?, ?)`,
			r.ID, r.RequesterID, micros(from), micros(until), micros(tx.now)); err != nil {
			return r, fmt.Errorf("store: grant for request %d: %w", r.ID, err)
		}
		if err := tx.bumpAccess(ctx); err != nil {
			return r, err
		}
	}
	return tx.AccessRequest(ctx, r.ID)
}

const grantCols = `g.id, g.request_id, g.grantee_id, u.name, g.valid_from, g.valid_until, g.revoked_at, COALESCE(rv.name, ''),
	g.registered_at, COALESCE(rg.name, ''), COALESCE(g.registered_how, ''), gr.download`
const grantFrom = ` FROM grants g JOIN users u ON u.id = g.grantee_id LEFT JOIN users rv ON rv.id = g.revoked_by
	LEFT JOIN users rg ON rg.id = g.registered_by JOIN access_requests gr ON gr.id = g.request_id`

func (tx *Tx) scanGrants(ctx context.Context, where string, args ...any) ([]evidence.Grant, error) {
	rows, err := tx.query(ctx, `SELECT `+grantCols+grantFrom+` WHERE `+where+` ORDER BY g.id DESC LIMIT 500`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: grants: %w", err)
	}
	list := []evidence.Grant{}
	for rows.Next() {
		var g evidence.Grant
		var from, until int64
		var revoked, registered sql.NullInt64
		if err := rows.Scan(&g.ID, &g.RequestID, &g.GranteeID, &g.Grantee, &from, &until, &revoked, &g.RevokedBy,
			&registered, &g.RegisteredBy, &g.RegisteredHow, &g.Download); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: grants: %w", err)
		}
		g.From, g.Until = fromMicros(from), fromMicros(until)
		if revoked.Valid {
			t := fromMicros(revoked.Int64)
			g.RevokedAt = &t
		}
		if registered.Valid {
			t := fromMicros(registered.Int64)
			g.RegisteredAt = &t
		}
		g.State = g.StateAt(tx.now)
		list = append(list, g)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: grants: %w", err)
	}
	for i := range list {
		if list[i].RecordingIDs, err = tx.ids(ctx, `SELECT recording_id FROM access_request_recordings WHERE request_id = ? ORDER BY recording_id`, list[i].RequestID); err != nil {
			return nil, err
		}
	}
	return list, nil
}

// Grant returns one grant.
func (tx *Tx) Grant(ctx context.Context, id int64) (evidence.Grant, error) {
	list, err := tx.scanGrants(ctx, `g.id = ?`, id)
	if err != nil {
		return evidence.Grant{}, err
	}
	if len(list) == 0 {
		return evidence.Grant{}, evidence.Errorf(evidence.ENotFound, "err.grant.not_found", id)
	}
	return list[0], nil
}

// Grants lists the grants of a user (granteeID != 0) or all, newest first.
func (tx *Tx) Grants(ctx context.Context, s Scope) ([]evidence.Grant, error) {
	where, args := s.where("g.grantee_id")
	return tx.scanGrants(ctx, where, args...)
}

// PendingDecisions counts the pending requests that leaderID decides: those
// of the people of the leader's department and the departments under it
// (IsLeaderOf, as app.Decide checks it), never the leader's own. One query
// on the status index, for the menu's count on every page.
func (tx *Tx) PendingDecisions(ctx context.Context, leaderID int64) (int, error) {
	var n int
	err := tx.get(ctx, []any{&n}, `SELECT COUNT(*) FROM access_requests r
		WHERE r.status = ? AND r.requester_id <> ? AND r.requester_id IN `+ledAccounts,
		string(evidence.RequestPending), leaderID, leaderID)
	if err != nil {
		return 0, fmt.Errorf("store: pending decisions of %d: %w", leaderID, err)
	}
	return n, nil
}

// LiveGrant returns a grant that lets user view recording at the
// transaction's time, or an error with code EForbidden.
func (tx *Tx) LiveGrant(ctx context.Context, userID, recordingID int64) (evidence.Grant, error) {
	list, err := tx.scanGrants(ctx, `g.grantee_id = ? AND g.revoked_at IS NULL AND g.valid_from <= ? AND g.valid_until > ?
		AND EXISTS (SELECT 1 FROM access_request_recordings ar WHERE ar.request_id = g.request_id AND ar.recording_id = ?)`,
		userID, micros(tx.now), micros(tx.now), recordingID)
	if err != nil {
		return evidence.Grant{}, err
	}
	if len(list) == 0 {
		return evidence.Grant{}, evidence.Errorf(evidence.EForbidden, "err.grant.none", recordingID)
	}
	// A registered grant before one still waiting for the custodian: the
	// caller refuses content under an unregistered one (Art. 16).
	for _, g := range list {
		if g.Registered() {
			return g, nil
		}
	}
	return list[0], nil
}

// RevokeGrant ends a grant now.
func (tx *Tx) RevokeGrant(ctx context.Context, id, byID int64) (evidence.Grant, error) {
	res, err := tx.tx.ExecContext(ctx, tx.d.rebind(`UPDATE grants SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL`), micros(tx.now), byID, id)
	if err != nil {
		return evidence.Grant{}, fmt.Errorf("store: revoke grant %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		if _, err := tx.Grant(ctx, id); err != nil {
			return evidence.Grant{}, err
		}
		return evidence.Grant{}, evidence.Errorf(evidence.EConflict, "err.grant.revoked", id)
	}
	if err := tx.bumpAccess(ctx); err != nil {
		return evidence.Grant{}, err
	}
	return tx.Grant(ctx, id)
}

const accessGenerationQuery = `SELECT n FROM access_generation WHERE id = 1`

// bumpAccess moves the access generation on, in the transaction that
// changes what the content route reads: a grant made or revoked, a
// recording's attributes corrected. (A request's recordings are fixed
// before it is granted, so adding them needs no bump.) Kept in Go rather
// than by triggers since migration 0025: one way for both databases.
func (tx *Tx) bumpAccess(ctx context.Context) error {
	if err := tx.exec(ctx, `UPDATE access_generation SET n = n + 1 WHERE id = 1`); err != nil {
		return fmt.Errorf("store: access generation: %w", err)
	}
	return nil
}

// AccessGeneration returns the access generation, which every change of a
// grant or a recording bumps in the transaction that makes it (the
// triggers of migration 0017): what a cache read at generation n holds of
// them is current as long as the generation is n. One row by its primary
// key: cheap enough to read at every range request.
func (tx *Tx) AccessGeneration(ctx context.Context) (int64, error) {
	var n int64
	if err := tx.getPrepared(ctx, []any{&n}, accessGenerationQuery); err != nil {
		return 0, fmt.Errorf("store: access generation: %w", err)
	}
	return n, nil
}

// RecordViewing registers one content request in the register and returns
// the viewing it counts under (OpenViewing without whether it started).
func (tx *Tx) RecordViewing(ctx context.Context, grantID, userID, recordingID, bytes int64) (int64, error) {
	id, _, err := tx.OpenViewing(ctx, grantID, userID, recordingID, bytes)
	return id, err
}

// OpenViewing registers a content request that no viewing known to the
// caller continues: it extends the user's latest viewing of the recording
// under the same grant if that was active within evidence.ViewingGap (the
// range requests of one playback, served since by another instance or
// before a restart), or starts a new one (started). grantID is 0 for a
// viewing allowed without a grant by policy. It returns the viewing's ID,
// to which later ranges add their bytes (AddViewingProgress).
func (tx *Tx) OpenViewing(ctx context.Context, grantID, userID, recordingID, bytes int64) (id int64, started bool, err error) {
	err = tx.get(ctx, []any{&id}, `SELECT id FROM viewings WHERE user_id = ? AND recording_id = ? AND COALESCE(grant_id, 0) = ? AND last_at >= ? AND kind = 'view'
		ORDER BY last_at DESC LIMIT 1`, userID, recordingID, grantID, micros(tx.now.Add(-evidence.ViewingGap)))
	switch {
	case err == nil:
		err = tx.exec(ctx, `UPDATE viewings SET last_at = `+tx.d.greatest+`(last_at, ?), requests = requests + 1, bytes = bytes + ? WHERE id = ?`, micros(tx.now), bytes, id)
	case errors.Is(err, sql.ErrNoRows):
		var g any
		if grantID != 0 {
			g = grantID
		}
		started = true
		err = tx.get(ctx, []any{&id}, `INSERT INTO viewings (grant_id, user_id, recording_id, started_at, last_at, requests, bytes) VALUES (?, ?, ?, ?, ?, 1, ?) RETURNING id`,
			g, userID, recordingID, micros(tx.now), micros(tx.now), bytes)
	}
	if err != nil {
		return 0, false, fmt.Errorf("store: record viewing: %w", err)
	}
	return id, started, nil
}

// ViewingProgress is what the later range requests of viewing ID added
// since it was last written: how many, how many bytes, and the last one's
// time.
type ViewingProgress struct {
	ID       int64
	Last     time.Time
	Requests int64
	Bytes    int64
}

// AddViewingProgress adds progress to the viewings in the register. A
// viewing's end only moves forward: an instance that writes late does not
// shorten what another one wrote.
func (tx *Tx) AddViewingProgress(ctx context.Context, progress []ViewingProgress) error {
	for _, p := range progress {
		if err := tx.exec(ctx, `UPDATE viewings SET last_at = `+tx.d.greatest+`(last_at, ?), requests = requests + ?, bytes = bytes + ? WHERE id = ?`,
			micros(p.Last), p.Requests, p.Bytes, p.ID); err != nil {
			return fmt.Errorf("store: viewing %d progress: %w", p.ID, err)
		}
	}
	return nil
}

// Register returns the viewings that started in [from, to), newest first,
// with the viewer, the purpose and reason of the request and its approver.
func (tx *Tx) Register(ctx context.Context, from, to time.Time, s Scope) ([]evidence.Viewing, error) {
	scope, args := s.where("v.user_id")
	rows, err := tx.query(ctx, `SELECT v.id, COALESCE(v.grant_id, 0), u.name, v.recording_id, COALESCE(r.purpose, ''), COALESCE(r.reason, ''),
		COALESCE(a.name, ''), v.started_at, v.last_at, v.requests, v.bytes, v.kind, COALESCE(rg.name, ''), COALESCE(g.registered_how, ''), g.registered_at
		FROM viewings v JOIN users u ON u.id = v.user_id
		LEFT JOIN grants g ON g.id = v.grant_id LEFT JOIN access_requests r ON r.id = g.request_id LEFT JOIN users a ON a.id = r.decided_by
		LEFT JOIN users rg ON rg.id = g.registered_by
		WHERE v.started_at >= ? AND v.started_at < ? AND `+scope+` ORDER BY v.started_at DESC LIMIT 5000`, append([]any{micros(from), micros(to)}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("store: register: %w", err)
	}
	defer rows.Close()
	list := []evidence.Viewing{}
	for rows.Next() {
		var v evidence.Viewing
		var purpose string
		var started, last int64
		var registered sql.NullInt64
		if err := rows.Scan(&v.ID, &v.GrantID, &v.Viewer, &v.RecordingID, &purpose, &v.Reason, &v.Approver, &started, &last, &v.Requests, &v.Bytes,
			&v.Kind, &v.Registrar, &v.RegisteredHow, &registered); err != nil {
			return nil, fmt.Errorf("store: register: %w", err)
		}
		if registered.Valid {
			t := fromMicros(registered.Int64)
			v.RegisteredAt = &t
		}
		v.Purpose, v.StartedAt, v.LastAt = evidence.Purpose(purpose), fromMicros(started), fromMicros(last)
		v.Duration = v.LastAt.Sub(v.StartedAt)
		v.Seconds = v.Duration.Seconds()
		list = append(list, v)
	}
	return list, rows.Err()
}
