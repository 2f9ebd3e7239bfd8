package app

import (
	"context"
	"slices"
	"strings"
	"time"

	"shilu/internal/evidence"
	"shilu/internal/store"
)

// AccessAsk is a request to view recordings (Art. 16-17). ActivityID asks
// for all recordings linked to an activity, and CaseNumber for those of a
// case file (attached, or linked to an attached activity), as they are
// when the request is made: the leader approves what was asked.
type AccessAsk struct {
	RecordingIDs []int64
	ActivityID   int64
	CaseNumber   string
	Purpose      evidence.Purpose
	Reason       string
	From         *time.Time // default: now
	Until        time.Time
	// Download asks for the download of watermarked copies besides
	// viewing (下载副本, R-SEC-2).
	Download bool
}

// RequestAccess files a request to view recordings; it waits for the
// requester's leader (Art. 16).
func (a *App) RequestAccess(ctx context.Context, who Actor, ask AccessAsk) (evidence.AccessRequest, error) {
	if err := checkText("reason", ask.Reason, 2000); err != nil {
		return evidence.AccessRequest{}, err
	}
	var req evidence.AccessRequest
	err := a.update(ctx, who, func(c *change) error {
		from := c.Now()
		if ask.From != nil {
			from = ask.From.UTC()
		}
		ids := slices.Clone(ask.RecordingIDs)
		var activities []int64
		if ask.ActivityID != 0 {
			if _, err := c.Activity(ctx, ask.ActivityID); err != nil {
				return err
			}
			activities = append(activities, ask.ActivityID)
		}
		byCase := false
		if ask.CaseNumber != "" {
			x, err := c.CaseByNumber(ctx, ask.CaseNumber)
			if evidence.ErrorCode(err) == evidence.ENotFound {
				return evidence.Errorf(evidence.ENotFound, "err.access.no_case", ask.CaseNumber)
			}
			if err != nil {
				return err
			}
			recs, err := c.CaseRecordingIDs(ctx, x.ID)
			if err != nil {
				return err
			}
			ids, byCase = append(ids, recs...), true
		}
		for _, id := range activities {
			recs, err := c.ActivityRecordings(ctx, id)
			if err != nil {
				return err
			}
			for _, rec := range recs {
				ids = append(ids, rec.ID)
			}
		}
		if (len(activities) > 0 || byCase) && len(ids) == 0 {
			return evidence.Errorf(evidence.EInvalid, "err.access.nothing_linked")
		}
		slices.Sort(ids)
		ids = slices.Compact(ids)
		req = evidence.AccessRequest{RequesterID: who.User.ID, Purpose: ask.Purpose, Reason: ask.Reason, RecordingIDs: ids, From: from, Until: ask.Until.UTC(), Download: ask.Download}
		if err := req.Validate(c.Now()); err != nil {
			return err
		}
		var err error
		if req, err = c.CreateAccessRequest(ctx, req); err != nil {
			return err
		}
		return c.logRequest(evidence.ActionAccessRequest, req, nil)
	})
	return req, err
}

// logRequest logs an event of a request with one entry per recording it
// names, so that each recording's custody trail shows who asked, who decided
// and who was granted its viewing.
func (c *change) logRequest(action evidence.Action, req evidence.AccessRequest, extra map[string]string) error {
	for _, id := range req.RecordingIDs {
		details := map[string]string{"request": itoa(req.ID), "purpose": string(req.Purpose),
			"reason": req.Reason, "from": req.From.Format(time.RFC3339), "until": req.Until.Format(time.RFC3339)}
		if req.Download {
			details["download"] = "copy" // a watermarked copy asked besides viewing
		}
		for k, v := range extra {
			details[k] = v
		}
		if err := c.log(action, objRecording(id), details); err != nil {
			return err
		}
	}
	return nil
}

// Decision is a leader's decision on an access request. From and Until,
// for an approval, shorten the period asked (nil keeps that end): the
// leader may grant less time than asked, never more or another time
// (evidence.AccessRequest.GrantPeriod).
type Decision struct {
	Approve     bool
	Comment     string
	From, Until *time.Time
}

// Decide records the leader's decision on request id; an approval creates
// the grant in the same transaction (R-VIEW-1: viewing only with the
// leader's approval). Only a leader of the requester decides. The custody
// entry of an approval records the period asked (from, until) and the
// period granted (grant_from, grant_until).
func (a *App) Decide(ctx context.Context, who Actor, id int64, d Decision) (evidence.AccessRequest, error) {
	if err := checkText("comment", d.Comment, 1000); err != nil {
		return evidence.AccessRequest{}, err
	}
	var req evidence.AccessRequest
	err := a.update(ctx, who, func(c *change) error {
		var err error
		if req, err = c.AccessRequest(ctx, id); err != nil {
			return err
		}
		leads, err := c.IsLeaderOf(ctx, who.User.ID, req.RequesterID)
		if err != nil {
			return err
		}
		if !leads {
			return evidence.Errorf(evidence.EForbidden, "err.access.not_leader", id)
		}
		if err := req.Decide(d.Approve, who.User, d.Comment, c.Now()); err != nil {
			return err
		}
		if d.Approve {
			from, until, err := req.GrantPeriod(d.From, d.Until, c.Now())
			if err != nil {
				return err
			}
			req.GrantFrom, req.GrantUntil = &from, &until
		}
		if req, err = c.DecideAccessRequest(ctx, req, who.User.ID); err != nil {
			return err
		}
		action, extra := evidence.ActionAccessReject, map[string]string{"comment": d.Comment}
		if d.Approve {
			action, extra["grant"] = evidence.ActionAccessApprove, itoa(req.GrantID)
			extra["grant_from"], extra["grant_until"] = req.GrantFrom.Format(time.RFC3339), req.GrantUntil.Format(time.RFC3339)
		}
		if err := c.logRequest(action, req, extra); err != nil || !d.Approve {
			return err
		}
		// Art. 16: the custodian registers the grant before its first
		// playback, unless the bureau registers every grant by policy.
		if auto, err := c.registerByPolicy(ctx, req.GrantID); err != nil || !auto {
			return err
		}
		req.GrantRegistered = true
		return nil
	})
	return req, err
}

// Withdraw lets the requester take back a request no leader has decided
// yet; like the request, the withdrawal is an entry on the custody trail
// of every recording it named.
func (a *App) Withdraw(ctx context.Context, who Actor, id int64) (evidence.AccessRequest, error) {
	var req evidence.AccessRequest
	err := a.update(ctx, who, func(c *change) error {
		var err error
		if req, err = c.AccessRequest(ctx, id); err != nil {
			return err
		}
		// Only one's own requests can be withdrawn; anyone else's is not
		// found, as it is not the caller's to act on (and its existence is
		// none of an officer's business).
		if req.RequesterID != who.User.ID {
			return evidence.Errorf(evidence.ENotFound, "err.access.not_yours", id)
		}
		if err := req.Withdraw(who.User, c.Now()); err != nil {
			return err
		}
		// Stored like a decision: who closed the request and when; a
		// withdrawal never creates a grant.
		if req, err = c.DecideAccessRequest(ctx, req, who.User.ID); err != nil {
			return err
		}
		return c.logRequest(evidence.ActionAccessWithdraw, req, nil)
	})
	return req, err
}

// Oversees is the scope of the grants and the register that u oversees
// (issue 9 point 4): a leader those of the people they lead, as they
// decide and revoke; the custodian, who keeps the register, and the
// security administrator the whole archive.
func Oversees(u evidence.User) store.Scope {
	if u.Role == evidence.RoleLeader {
		return store.Scope{LedBy: u.ID}
	}
	return store.Scope{}
}

// mayRevoke reports whether u may end grant id: the custodian and the
// security administrator for any grant (they watch the whole archive), a
// leader only for the people they lead, by department (issue 9 point 4).
func (c *change) mayRevoke(ctx context.Context, u evidence.User, id int64) error {
	if u.ID == 0 || u.Role == evidence.RoleCustodian || u.Role == evidence.RoleSecAdmin {
		return nil
	}
	g, err := c.Grant(ctx, id)
	if err != nil {
		return err
	}
	if g.GranteeID != u.ID {
		leads, err := c.IsLeaderOf(ctx, u.ID, g.GranteeID)
		if err != nil {
			return err
		}
		if leads {
			return nil
		}
	}
	return evidence.Errorf(evidence.EForbidden, "err.grant.not_led", id)
}

// RevokeGrant ends grant id at once: the next range request of an open
// playback is refused. The reason is required: ending someone's approved
// viewing is a decision on evidence access (Art. 16) and the custody trail
// must say why, as it says why the viewing was asked for.
func (a *App) RevokeGrant(ctx context.Context, who Actor, id int64, reason string) (evidence.Grant, error) {
	reason = strings.TrimSpace(reason)
	if err := checkLine("revoke_reason", reason, 500); err != nil {
		return evidence.Grant{}, err
	}
	if len([]rune(reason)) < 2 {
		return evidence.Grant{}, evidence.Errorf(evidence.EInvalid, "err.grant.reason")
	}
	var g evidence.Grant
	err := a.update(ctx, who, func(c *change) error {
		if err := c.mayRevoke(ctx, who.User, id); err != nil {
			return err
		}
		var err error
		if g, err = c.Tx.RevokeGrant(ctx, id, who.User.ID); err != nil {
			return err
		}
		for _, rid := range g.RecordingIDs {
			if err := c.log(evidence.ActionGrantRevoke, objRecording(rid),
				map[string]string{"grant": itoa(g.ID), "grantee": g.Grantee, "reason": reason}); err != nil {
				return err
			}
		}
		return nil
	})
	return g, err
}
