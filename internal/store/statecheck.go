package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"shilu/internal/evidence"
)

// The rows app.CheckState compares with the custody log (issue 9 point 6):
// each table read once, in id order, as it is stored, with no joins that
// could hide a row whose references were forged.

// GrantRow is a row of grants as stored.
type GrantRow struct {
	ID, RequestID, GranteeID int64
	From, Until, CreatedAt   time.Time
	RevokedAt                *time.Time
	RevokedBy                int64 // 0: not revoked
	// RegisteredAt, RegisteredBy (0: the policy, or the system) and
	// RegisteredHow are the custodian's registration (migration 0022).
	RegisteredAt  *time.Time
	RegisteredBy  int64
	RegisteredHow string
}

// EachGrant calls fn with every grant.
func (tx *Tx) EachGrant(ctx context.Context, fn func(GrantRow) error) error {
	return tx.each(ctx, "grants", `SELECT id, request_id, grantee_id, valid_from, valid_until, created_at, revoked_at, COALESCE(revoked_by, 0),
		registered_at, COALESCE(registered_by, 0), COALESCE(registered_how, '')
		FROM grants ORDER BY id`, func(rows *sql.Rows) error {
		var g GrantRow
		var from, until, created int64
		var revoked, registered sql.NullInt64
		if err := rows.Scan(&g.ID, &g.RequestID, &g.GranteeID, &from, &until, &created, &revoked, &g.RevokedBy,
			&registered, &g.RegisteredBy, &g.RegisteredHow); err != nil {
			return err
		}
		g.From, g.Until, g.CreatedAt, g.RevokedAt = fromMicros(from), fromMicros(until), fromMicros(created), fromNullMicros(revoked)
		g.RegisteredAt = fromNullMicros(registered)
		return fn(g)
	})
}

// RequestRow is a row of access_requests as stored.
type RequestRow struct {
	ID, RequesterID          int64
	Purpose, Reason, Comment string
	Status                   evidence.RequestStatus
	From, Until, CreatedAt   time.Time
	DecidedBy                int64 // 0: undecided
	DecidedAt                *time.Time
}

// EachAccessRequest calls fn with every access request.
func (tx *Tx) EachAccessRequest(ctx context.Context, fn func(RequestRow) error) error {
	return tx.each(ctx, "access requests", `SELECT id, requester_id, purpose, reason, comment, status, valid_from, valid_until, created_at,
		COALESCE(decided_by, 0), decided_at FROM access_requests ORDER BY id`, func(rows *sql.Rows) error {
		var r RequestRow
		var status string
		var from, until, created int64
		var decided sql.NullInt64
		if err := rows.Scan(&r.ID, &r.RequesterID, &r.Purpose, &r.Reason, &r.Comment, &status, &from, &until, &created, &r.DecidedBy, &decided); err != nil {
			return err
		}
		r.Status = evidence.RequestStatus(status)
		r.From, r.Until, r.CreatedAt, r.DecidedAt = fromMicros(from), fromMicros(until), fromMicros(created), fromNullMicros(decided)
		return fn(r)
	})
}

// EachRequestRecording calls fn with every recording an access request
// names.
func (tx *Tx) EachRequestRecording(ctx context.Context, fn func(requestID, recordingID int64) error) error {
	return tx.each(ctx, "access request recordings", `SELECT request_id, recording_id FROM access_request_recordings ORDER BY request_id, recording_id`,
		func(rows *sql.Rows) error {
			var req, rec int64
			if err := rows.Scan(&req, &rec); err != nil {
				return err
			}
			return fn(req, rec)
		})
}

// ViewingRow is a row of the register of viewings as stored.
type ViewingRow struct {
	ID, GrantID, UserID, RecordingID int64 // GrantID 0: by policy
	StartedAt, LastAt                time.Time
	Requests, Bytes                  int64
}

// EachViewing calls fn with every viewing of the register.
func (tx *Tx) EachViewing(ctx context.Context, fn func(ViewingRow) error) error {
	return tx.each(ctx, "viewings", `SELECT id, COALESCE(grant_id, 0), user_id, recording_id, started_at, last_at, requests, bytes
		FROM viewings ORDER BY id`, func(rows *sql.Rows) error {
		var v ViewingRow
		var started, last int64
		if err := rows.Scan(&v.ID, &v.GrantID, &v.UserID, &v.RecordingID, &started, &last, &v.Requests, &v.Bytes); err != nil {
			return err
		}
		v.StartedAt, v.LastAt = fromMicros(started), fromMicros(last)
		return fn(v)
	})
}

// CredentialRow is the security-relevant state of an account as stored:
// its rights and what it signs in with. TOTPSecret is the column as
// stored (sealed), never opened here.
type CredentialRow struct {
	ID                    int64
	Name                  string
	Role                  evidence.Role
	DepartmentID          *int64
	OfficerNo             string
	Disabled, TOTPEnabled bool
	PasswordHash          string
	TOTPSecret            string
}

// EachCredential calls fn with every account.
func (tx *Tx) EachCredential(ctx context.Context, fn func(CredentialRow) error) error {
	return tx.each(ctx, "accounts", `SELECT id, name, role, department_id, COALESCE(officer_no, ''), disabled, totp_enabled, password_hash, totp_secret
		FROM users ORDER BY id`, func(rows *sql.Rows) error {
		var u CredentialRow
		var role string
		var dept sql.NullInt64
		if err := rows.Scan(&u.ID, &u.Name, &role, &dept, &u.OfficerNo, &u.Disabled, &u.TOTPEnabled, &u.PasswordHash, &u.TOTPSecret); err != nil {
			return err
		}
		u.Role, u.DepartmentID = evidence.Role(role), fromNullInt(dept)
		return fn(u)
	})
}

// TOTPSealed returns user id's TOTP secret as stored (sealed), for the
// digest its enabling's custody entry carries.
func (tx *Tx) TOTPSealed(ctx context.Context, userID int64) (string, error) {
	var s string
	if err := tx.get(ctx, []any{&s}, `SELECT totp_secret FROM users WHERE id = ?`, userID); err != nil {
		return "", fmt.Errorf("store: totp secret of user %d: %w", userID, err)
	}
	return s, nil
}

// FindingRow is the decision part of a stored finding: its status and who
// accepted it, when.
type FindingRow struct {
	ID         int64
	Key        string
	Status     evidence.FindingStatus
	AcceptedBy string
	AcceptedAt *time.Time
}

// EachFinding calls fn with every finding, resolved ones too.
func (tx *Tx) EachFinding(ctx context.Context, fn func(FindingRow) error) error {
	return tx.each(ctx, "findings", `SELECT id, key, status, accepted_by, accepted_at FROM findings ORDER BY id`, func(rows *sql.Rows) error {
		var f FindingRow
		var status string
		var accepted sql.NullInt64
		if err := rows.Scan(&f.ID, &f.Key, &status, &f.AcceptedBy, &accepted); err != nil {
			return err
		}
		f.Status, f.AcceptedAt = evidence.FindingStatus(status), fromNullMicros(accepted)
		return fn(f)
	})
}

// EachActivity calls fn with every activity, as Activity returns it, in id
// order: three queries whatever the number of activities.
func (tx *Tx) EachActivity(ctx context.Context, fn func(evidence.Activity) error) error {
	officers, err := tx.positioned(ctx, `SELECT activity_id, officer FROM activity_officers ORDER BY activity_id, position`)
	if err != nil {
		return err
	}
	devices, err := tx.positioned(ctx, `SELECT activity_id, device FROM activity_devices ORDER BY activity_id, position`)
	if err != nil {
		return err
	}
	return tx.each(ctx, "activities", `SELECT `+activityCols+` FROM activities a ORDER BY a.id`, func(rows *sql.Rows) error {
		a, err := scanActivity(rows)
		if err != nil {
			return err
		}
		a.Officers, a.Devices = officers[a.ID], devices[a.ID]
		if a.Officers == nil {
			a.Officers = []string{}
		}
		return fn(a)
	})
}

func (tx *Tx) positioned(ctx context.Context, q string) (map[int64][]string, error) {
	out := map[int64][]string{}
	err := tx.each(ctx, "activity lists", q, func(rows *sql.Rows) error {
		var id int64
		var s string
		if err := rows.Scan(&id, &s); err != nil {
			return err
		}
		out[id] = append(out[id], s)
		return nil
	})
	return out, err
}

// EachActivityLink calls fn with every link of a recording to an activity.
func (tx *Tx) EachActivityLink(ctx context.Context, fn func(activityID, recordingID int64) error) error {
	return tx.each(ctx, "activity links", `SELECT activity_id, recording_id FROM activity_recordings ORDER BY activity_id, recording_id`,
		func(rows *sql.Rows) error {
			var a, r int64
			if err := rows.Scan(&a, &r); err != nil {
				return err
			}
			return fn(a, r)
		})
}

// ExemptionRow is the decision part of a stored exemption.
type ExemptionRow struct {
	ID, ActivityID              int64
	SubmittedBy, AcknowledgedBy string
	SubmittedAt                 time.Time
	AcknowledgedAt              *time.Time
}

// EachExemption calls fn with every exemption.
func (tx *Tx) EachExemption(ctx context.Context, fn func(ExemptionRow) error) error {
	return tx.each(ctx, "exemptions", `SELECT id, activity_id, submitted_by, submitted_at, acknowledged_by, acknowledged_at FROM exemptions ORDER BY id`,
		func(rows *sql.Rows) error {
			var e ExemptionRow
			var submitted int64
			var ack sql.NullInt64
			if err := rows.Scan(&e.ID, &e.ActivityID, &e.SubmittedBy, &submitted, &e.AcknowledgedBy, &ack); err != nil {
				return err
			}
			e.SubmittedAt, e.AcknowledgedAt = fromMicros(submitted), fromNullMicros(ack)
			return fn(e)
		})
}

// HoldRow is a stored hold, its people by name.
type HoldRow struct {
	ID, RecordingID    int64
	Kind               string
	PlacedBy, LiftedBy string
	PlacedAt           time.Time
	LiftedAt           *time.Time
}

// EachHold calls fn with every hold, lifted or not.
func (tx *Tx) EachHold(ctx context.Context, fn func(HoldRow) error) error {
	return tx.each(ctx, "holds", `SELECT h.id, h.recording_id, h.kind, p.name, h.placed_at, COALESCE(l.name, ''), h.lifted_at
		FROM holds h JOIN users p ON p.id = h.placed_by LEFT JOIN users l ON l.id = h.lifted_by ORDER BY h.id`,
		func(rows *sql.Rows) error {
			var h HoldRow
			var placed int64
			var lifted sql.NullInt64
			if err := rows.Scan(&h.ID, &h.RecordingID, &h.Kind, &h.PlacedBy, &placed, &h.LiftedBy, &lifted); err != nil {
				return err
			}
			h.PlacedAt, h.LiftedAt = fromMicros(placed), fromNullMicros(lifted)
			return fn(h)
		})
}

// DisposalRow is the decision part of a stored disposal, its people by
// name.
type DisposalRow struct {
	ID, RecordingID        int64
	Status                 evidence.DisposalStatus
	ProposedBy, ApprovedBy string
	ProposedAt             time.Time
	ApprovedAt, DisposedAt *time.Time
}

// EachDisposal calls fn with every disposal.
func (tx *Tx) EachDisposal(ctx context.Context, fn func(DisposalRow) error) error {
	return tx.each(ctx, "disposals", `SELECT d.id, d.recording_id, d.status, p.name, d.proposed_at, COALESCE(a.name, ''), d.approved_at, d.disposed_at
		FROM disposals d JOIN users p ON p.id = d.proposed_by LEFT JOIN users a ON a.id = d.approved_by ORDER BY d.id`,
		func(rows *sql.Rows) error {
			var d DisposalRow
			var proposed int64
			var approved, disposed sql.NullInt64
			var status string
			if err := rows.Scan(&d.ID, &d.RecordingID, &status, &d.ProposedBy, &proposed, &d.ApprovedBy, &approved, &disposed); err != nil {
				return err
			}
			d.Status = evidence.DisposalStatus(status)
			d.ProposedAt, d.ApprovedAt, d.DisposedAt = fromMicros(proposed), fromNullMicros(approved), fromNullMicros(disposed)
			return fn(d)
		})
}

// RaiseFindings stores findings that no rule over activities produces and
// no re-evaluation resolves (the state check's, app.CheckState), upserted
// by Key: raising the same finding again only moves its last_seen. It
// returns how many were new.
func (tx *Tx) RaiseFindings(ctx context.Context, fs []evidence.Finding) (int, error) {
	fresh := 0
	for _, f := range fs {
		var n int
		if err := tx.get(ctx, []any{&n}, `SELECT COUNT(*) FROM findings WHERE key = ?`, f.Key); err != nil {
			return 0, fmt.Errorf("store: finding %s: %w", f.Key, err)
		}
		if n == 0 {
			fresh++
		}
	}
	_, err := tx.upsertFindings(ctx, fs)
	return fresh, err
}

// each runs q and calls scan for every row, while the rows are open: the
// Each* callbacks must not use the transaction (on PostgreSQL a connection
// runs one query at a time; Entries shows the batched way when they must).
func (tx *Tx) each(ctx context.Context, what, q string, scan func(*sql.Rows) error) error {
	rows, err := tx.query(ctx, q)
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return fmt.Errorf("store: %s: %w", what, err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	return nil
}
