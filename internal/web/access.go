package web

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"shilu/internal/audit"
	"shilu/internal/evidence"
	"shilu/internal/store"
)

// accessRoutes are access requests, grants and the register of viewings
// (Art. 16-17; R-VIEW-1, R-VIEW-2).
var accessRoutes = []route{
	{"POST", "/api/v1/access-requests", evidence.PermAccessRequest, (*Server).createAccessRequest},
	{"GET", "/api/v1/access-requests", evidence.PermAccessRequest, (*Server).listAccessRequests},
	{"GET", "/api/v1/access-requests/{id}", evidence.PermAccessRequest, (*Server).getAccessRequest},
	{"POST", "/api/v1/access-requests/{id}/approve", evidence.PermAccessApprove, (*Server).approveAccessRequest},
	{"POST", "/api/v1/access-requests/{id}/reject", evidence.PermAccessApprove, (*Server).rejectAccessRequest},
	{"POST", "/api/v1/access-requests/{id}/withdraw", evidence.PermAccessRequest, (*Server).withdrawAccessRequest},
	{"GET", "/api/v1/grants", evidence.PermAccessRequest, (*Server).listGrants},
	{"POST", "/api/v1/grants/{id}/revoke", evidence.PermGrantRevoke, (*Server).revokeGrant},
	{"GET", "/api/v1/register", evidence.PermRegisterRead, (*Server).register},
}

func decodeJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return evidence.Errorf(evidence.EInvalid, "malformed JSON body: %v", err)
	}
	return nil
}

type accessRequestBody struct {
	RecordingIDs []int64 `json:"recording_ids"`
	// ActivityID asks for all recordings linked to an activity, and
	// CaseNumber for those of every activity of a case, as they are linked
	// when the request is made: the leader approves what was asked.
	ActivityID int64            `json:"activity_id"`
	CaseNumber string           `json:"case_number"`
	Purpose    evidence.Purpose `json:"purpose"`
	Reason     string           `json:"reason"`
	From       *time.Time       `json:"from"`
	Until      time.Time        `json:"until"`
}

// createAccessRequest files a request to view recordings; it waits for the
// requester's leader (Art. 16).
func (s *Server) createAccessRequest(w http.ResponseWriter, r *http.Request) error {
	var b accessRequestBody
	if err := decodeJSON(r, &b); err != nil {
		return err
	}
	u, ctx := userOf(r), r.Context()
	var req evidence.AccessRequest
	err := s.cfg.DB.Update(ctx, func(tx *store.Tx) error {
		from := tx.Now()
		if b.From != nil {
			from = b.From.UTC()
		}
		ids := slices.Clone(b.RecordingIDs)
		var activities []int64
		if b.ActivityID != 0 {
			if _, err := tx.Activity(ctx, b.ActivityID); err != nil {
				return err
			}
			activities = append(activities, b.ActivityID)
		}
		if b.CaseNumber != "" {
			acts, err := tx.Activities(ctx, store.ActivityFilter{CaseNumber: b.CaseNumber})
			if err != nil {
				return err
			}
			if len(acts) == 0 {
				return evidence.Errorf(evidence.ENotFound, "no activity belongs to case %q", b.CaseNumber)
			}
			for _, a := range acts {
				activities = append(activities, a.ID)
			}
		}
		for _, id := range activities {
			recs, err := tx.ActivityRecordings(ctx, id)
			if err != nil {
				return err
			}
			for _, rec := range recs {
				ids = append(ids, rec.ID)
			}
		}
		if len(activities) > 0 && len(ids) == 0 {
			return evidence.Errorf(evidence.EInvalid, "no recordings are linked to the activity or case yet")
		}
		slices.Sort(ids)
		ids = slices.Compact(ids)
		req = evidence.AccessRequest{RequesterID: u.ID, Purpose: b.Purpose, Reason: b.Reason, RecordingIDs: ids, From: from, Until: b.Until.UTC()}
		if err := req.Validate(tx.Now()); err != nil {
			return err
		}
		if err := plainText("reason", req.Reason, 4000); err != nil {
			return err
		}
		var err error
		if req, err = tx.CreateAccessRequest(ctx, req); err != nil {
			return err
		}
		return s.auditRequest(ctx, tx, u.Name, "access.request", req, nil)
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, req)
}

// auditRequest logs an event of a request with one entry per recording it
// names, so that each recording's custody trail shows who asked, who decided
// and who was granted its viewing.
func (s *Server) auditRequest(ctx context.Context, tx *store.Tx, actor, action string, req evidence.AccessRequest, extra map[string]string) error {
	for _, id := range req.RecordingIDs {
		details := map[string]string{"request": strconv.FormatInt(req.ID, 10), "purpose": string(req.Purpose),
			"reason": req.Reason, "from": req.From.Format(time.RFC3339), "until": req.Until.Format(time.RFC3339), "request_id": requestID(ctx)}
		for k, v := range extra {
			details[k] = v
		}
		if _, err := tx.Audit(ctx, audit.Entry{Actor: actor, Action: action, Object: objRecording(id), Outcome: audit.OutcomeOK, Details: details}); err != nil {
			return err
		}
	}
	return nil
}

// listAccessRequests shows the caller's own requests, and to leaders and
// custodians also those they decide or register (?status=pending narrows).
func (s *Server) listAccessRequests(w http.ResponseWriter, r *http.Request) error {
	u, ctx := userOf(r), r.Context()
	f := store.AccessRequestFilter{Status: evidence.RequestStatus(r.URL.Query().Get("status"))}
	var out []evidence.AccessRequest
	err := s.cfg.DB.View(ctx, func(tx *store.Tx) error {
		if !u.Role.Can(evidence.PermAccessApprove) && !u.Role.Can(evidence.PermRegisterRead) || r.URL.Query().Get("mine") == "1" {
			f.RequesterID = u.ID
		}
		list, err := tx.AccessRequests(ctx, f)
		if err != nil {
			return err
		}
		out = []evidence.AccessRequest{}
		for _, req := range list {
			if ok, err := s.maySeeRequest(ctx, tx, u, req); err != nil {
				return err
			} else if ok {
				out = append(out, req)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"access_requests": out})
}

// maySeeRequest: the requester, the custodian who keeps the register, and
// the leaders of the requester.
func (s *Server) maySeeRequest(ctx context.Context, tx *store.Tx, u evidence.User, req evidence.AccessRequest) (bool, error) {
	if req.RequesterID == u.ID || u.Role.Can(evidence.PermRegisterRead) && u.Role == evidence.RoleCustodian {
		return true, nil
	}
	if u.Role.Can(evidence.PermAccessApprove) {
		return tx.IsLeaderOf(ctx, u.ID, req.RequesterID)
	}
	return false, nil
}

func (s *Server) getAccessRequest(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	u, ctx := userOf(r), r.Context()
	var req evidence.AccessRequest
	err = s.cfg.DB.View(ctx, func(tx *store.Tx) error {
		if req, err = tx.AccessRequest(ctx, id); err != nil {
			return err
		}
		if ok, err := s.maySeeRequest(ctx, tx, u, req); err != nil || !ok {
			return errorOr(err, evidence.Errorf(evidence.ENotFound, "access request %d not found", id))
		}
		return nil
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, req)
}

func errorOr(err, otherwise error) error {
	if err != nil {
		return err
	}
	return otherwise
}

type decisionBody struct {
	Comment string `json:"comment"`
}

func (s *Server) approveAccessRequest(w http.ResponseWriter, r *http.Request) error {
	return s.decide(w, r, true)
}

func (s *Server) rejectAccessRequest(w http.ResponseWriter, r *http.Request) error {
	return s.decide(w, r, false)
}

// decide records the leader's decision; an approval creates the grant in
// the same transaction (R-VIEW-1: viewing only with the leader's approval).
func (s *Server) decide(w http.ResponseWriter, r *http.Request, approve bool) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var b decisionBody
	if r.ContentLength != 0 {
		if err := decodeJSON(r, &b); err != nil {
			return err
		}
	}
	if err := plainText("comment", b.Comment, 2000); err != nil {
		return err
	}
	u, ctx := userOf(r), r.Context()
	var req evidence.AccessRequest
	err = s.cfg.DB.Update(ctx, func(tx *store.Tx) error {
		if req, err = tx.AccessRequest(ctx, id); err != nil {
			return err
		}
		leads, err := tx.IsLeaderOf(ctx, u.ID, req.RequesterID)
		if err != nil {
			return err
		}
		if !leads {
			return evidence.Errorf(evidence.EForbidden, "only the requester's leader decides request %d", id)
		}
		if err := req.Decide(approve, u, b.Comment, tx.Now()); err != nil {
			return err
		}
		if req, err = tx.DecideAccessRequest(ctx, req, u.ID); err != nil {
			return err
		}
		action, extra := "access.reject", map[string]string{"comment": b.Comment}
		if approve {
			action, extra["grant"] = "access.approve", strconv.FormatInt(req.GrantID, 10)
		}
		return s.auditRequest(ctx, tx, u.Name, action, req, extra)
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, req)
}

// withdrawAccessRequest lets the requester take back a request no leader
// has decided yet; like the request, the withdrawal is an entry on the
// custody trail of every recording it named.
func (s *Server) withdrawAccessRequest(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	u, ctx := userOf(r), r.Context()
	var req evidence.AccessRequest
	err = s.cfg.DB.Update(ctx, func(tx *store.Tx) error {
		if req, err = tx.AccessRequest(ctx, id); err != nil {
			return err
		}
		// Only one's own requests can be withdrawn; anyone else's is not
		// found, as it is not the caller's to act on (and its existence is
		// none of an officer's business).
		if req.RequesterID != u.ID {
			return evidence.Errorf(evidence.ENotFound, "you have no access request %d", id)
		}
		if err := req.Withdraw(u, tx.Now()); err != nil {
			return err
		}
		// Stored like a decision: who closed the request and when; a
		// withdrawal never creates a grant.
		if req, err = tx.DecideAccessRequest(ctx, req, u.ID); err != nil {
			return err
		}
		return s.auditRequest(ctx, tx, u.Name, "access.withdraw", req, nil)
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, req)
}

// listGrants shows the caller's grants; custodians, leaders and the
// security administrator (who may revoke) see all.
func (s *Server) listGrants(w http.ResponseWriter, r *http.Request) error {
	u, ctx := userOf(r), r.Context()
	var list []evidence.Grant
	err := s.cfg.DB.View(ctx, func(tx *store.Tx) error {
		grantee := u.ID
		if u.Role.Can(evidence.PermGrantRevoke) && r.URL.Query().Get("mine") != "1" {
			grantee = 0
		}
		var err error
		list, err = tx.Grants(ctx, grantee)
		if err != nil {
			return err
		}
		if r.URL.Query().Get("live") == "1" {
			list = slices.DeleteFunc(list, func(g evidence.Grant) bool { return !g.Live(tx.Now()) })
		}
		return nil
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"grants": list})
}

type revokeBody struct {
	Reason string `json:"reason"`
}

// revokeGrant ends a grant at once: the next range request of an open
// playback is refused. The reason is required: ending someone's approved
// viewing is a decision on evidence access (Art. 16) and the custody trail
// must say why, as it says why the viewing was asked for.
func (s *Server) revokeGrant(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var b revokeBody
	if r.ContentLength != 0 {
		if err := decodeJSON(r, &b); err != nil {
			return err
		}
	}
	b.Reason = strings.TrimSpace(b.Reason)
	if n := utf8.RuneCountInString(b.Reason); n < 2 || n > 500 || !utf8.ValidString(b.Reason) || strings.ContainsFunc(b.Reason, unicode.IsControl) {
		return evidence.Errorf(evidence.EInvalid, "reason: say why the grant ends, in 2 to 500 characters on one line")
	}
	u, ctx := userOf(r), r.Context()
	var g evidence.Grant
	err = s.cfg.DB.Update(ctx, func(tx *store.Tx) error {
		if g, err = tx.RevokeGrant(ctx, id, u.ID); err != nil {
			return err
		}
		for _, rid := range g.RecordingIDs {
			if _, err := tx.Audit(ctx, audit.Entry{Actor: u.Name, Action: "grant.revoke", Object: objRecording(rid), Outcome: audit.OutcomeOK,
				Details: map[string]string{"grant": strconv.FormatInt(g.ID, 10), "grantee": g.Grantee, "reason": b.Reason, "request_id": requestID(ctx)}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, g)
}

// register is the custodian's register of viewings (查阅登记): viewer,
// purpose, reason, approver, time and duration, for ?from=&to= (RFC 3339;
// default the last 30 days).
func (s *Server) register(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var list []evidence.Viewing
	err := s.cfg.DB.View(ctx, func(tx *store.Tx) error {
		to, from := tx.Now().Add(time.Second), tx.Now().AddDate(0, 0, -30)
		for _, p := range []struct {
			key string
			dst *time.Time
		}{{"from", &from}, {"to", &to}} {
			if v := r.URL.Query().Get(p.key); v != "" {
				t, err := time.Parse(time.RFC3339, v)
				if err != nil {
					return evidence.Errorf(evidence.EInvalid, "%s: want an RFC 3339 time", p.key)
				}
				*p.dst = t
			}
		}
		var err error
		list, err = tx.Register(ctx, from, to)
		return err
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"viewings": list})
}
