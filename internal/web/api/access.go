package api

import (
	"context"
	"net/http"
	"slices"
	"time"

	"shilu/internal/app"
	"shilu/internal/evidence"
	"shilu/internal/store"
	"shilu/internal/web/httpx"
)

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
	// Download asks for watermarked copies besides viewing (下载副本).
	Download bool `json:"download"`
}

// createAccessRequest files a request to view recordings (app.RequestAccess).
func (h *Handler) CreateAccessRequest(w http.ResponseWriter, r *http.Request) error {
	var b accessRequestBody
	if err := httpx.DecodeJSON(r, &b); err != nil {
		return err
	}
	req, err := h.App.RequestAccess(r.Context(), httpx.Actor(r), app.AccessAsk{RecordingIDs: b.RecordingIDs, ActivityID: b.ActivityID,
		CaseNumber: b.CaseNumber, Purpose: b.Purpose, Reason: b.Reason, From: b.From, Until: b.Until, Download: b.Download})
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusCreated, req)
}

// listAccessRequests shows the caller's own requests, and to leaders and
// custodians also those they decide or register (?status=pending narrows).
func (h *Handler) ListAccessRequests(w http.ResponseWriter, r *http.Request) error {
	u, ctx := httpx.User(r), r.Context()
	f := store.AccessRequestFilter{Status: evidence.RequestStatus(r.URL.Query().Get("status"))}
	var out []evidence.AccessRequest
	err := h.DB.View(ctx, func(tx *store.Tx) error {
		if !u.Role.Can(evidence.PermAccessApprove) && !u.Role.Can(evidence.PermRegisterRead) || r.URL.Query().Get("mine") == "1" {
			f.RequesterID = u.ID
		}
		list, err := tx.AccessRequests(ctx, f)
		if err != nil {
			return err
		}
		out = []evidence.AccessRequest{}
		for _, req := range list {
			if ok, err := h.maySeeRequest(ctx, tx, u, req); err != nil {
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
	return httpx.JSON(w, http.StatusOK, map[string]any{"access_requests": out})
}

// maySeeRequest: the requester, the custodian who keeps the register, and
// the leaders of the requester.
func (h *Handler) maySeeRequest(ctx context.Context, tx *store.Tx, u evidence.User, req evidence.AccessRequest) (bool, error) {
	if req.RequesterID == u.ID || u.Role.Can(evidence.PermRegisterRead) && u.Role == evidence.RoleCustodian {
		return true, nil
	}
	if u.Role.Can(evidence.PermAccessApprove) {
		return tx.IsLeaderOf(ctx, u.ID, req.RequesterID)
	}
	return false, nil
}

func (h *Handler) GetAccessRequest(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	u, ctx := httpx.User(r), r.Context()
	var req evidence.AccessRequest
	err = h.DB.View(ctx, func(tx *store.Tx) error {
		if req, err = tx.AccessRequest(ctx, id); err != nil {
			return err
		}
		if ok, err := h.maySeeRequest(ctx, tx, u, req); err != nil || !ok {
			return errorOr(err, evidence.Errorf(evidence.ENotFound, "err.access.not_found", id))
		}
		return nil
	})
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, req)
}

func errorOr(err, otherwise error) error {
	if err != nil {
		return err
	}
	return otherwise
}

// decisionBody is a leader's decision; from and until, on an approval,
// shorten the period asked (app.Decision).
type decisionBody struct {
	Comment string     `json:"comment"`
	From    *time.Time `json:"from"`
	Until   *time.Time `json:"until"`
}

func (h *Handler) ApproveAccessRequest(w http.ResponseWriter, r *http.Request) error {
	return h.decide(w, r, true)
}

func (h *Handler) RejectAccessRequest(w http.ResponseWriter, r *http.Request) error {
	return h.decide(w, r, false)
}

// decide records the leader's decision (app.Decide).
func (h *Handler) decide(w http.ResponseWriter, r *http.Request, approve bool) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var b decisionBody
	if r.ContentLength != 0 {
		if err := httpx.DecodeJSON(r, &b); err != nil {
			return err
		}
	}
	req, err := h.App.Decide(r.Context(), httpx.Actor(r), id, app.Decision{Approve: approve, Comment: b.Comment, From: b.From, Until: b.Until})
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, req)
}

// withdrawAccessRequest takes back one's own undecided request
// (app.Withdraw).
func (h *Handler) WithdrawAccessRequest(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	req, err := h.App.Withdraw(r.Context(), httpx.Actor(r), id)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, req)
}

// listGrants shows the caller's grants; those who may revoke see the
// grants they oversee (app.Oversees): a leader those of the people they
// lead, the custodian and the security administrator all.
func (h *Handler) ListGrants(w http.ResponseWriter, r *http.Request) error {
	u, ctx := httpx.User(r), r.Context()
	var list []evidence.Grant
	err := h.DB.View(ctx, func(tx *store.Tx) error {
		scope := store.Scope{Only: u.ID}
		if u.Role.Can(evidence.PermGrantRevoke) && r.URL.Query().Get("mine") != "1" {
			scope = app.Oversees(u)
		}
		var err error
		list, err = tx.Grants(ctx, scope)
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
	return httpx.JSON(w, http.StatusOK, map[string]any{"grants": list})
}

type revokeBody struct {
	Reason string `json:"reason"`
}

// revokeGrant ends a grant at once, with a reason (app.RevokeGrant).
func (h *Handler) RevokeGrant(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var b revokeBody
	if r.ContentLength != 0 {
		if err := httpx.DecodeJSON(r, &b); err != nil {
			return err
		}
	}
	g, err := h.App.RevokeGrant(r.Context(), httpx.Actor(r), id, b.Reason)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, g)
}

// register is the custodian's register of viewings (查阅登记): viewer,
// purpose, reason, approver, time and duration, for ?from=&to= (RFC 3339;
// default the last 30 days).
func (h *Handler) Register(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var list []evidence.Viewing
	err := h.DB.View(ctx, func(tx *store.Tx) error {
		to, from := tx.Now().Add(time.Second), tx.Now().AddDate(0, 0, -30)
		if err := httpx.Times(r.URL.Query(), map[string]*time.Time{"from": &from, "to": &to}); err != nil {
			return err
		}
		var err error
		list, err = tx.Register(ctx, from, to, app.Oversees(httpx.User(r)))
		return err
	})
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, map[string]any{"viewings": list})
}

// RegisterGrant is the custodian's registration of a grant before its
// first playback (Art. 16, app.RegisterGrant).
func (h *Handler) RegisterGrant(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	g, err := h.App.RegisterGrant(r.Context(), httpx.Actor(r), id)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, g)
}

// UnregisteredGrants lists the grants that wait for the caller's
// registration (待登记): those of the recordings of their departments.
func (h *Handler) UnregisteredGrants(w http.ResponseWriter, r *http.Request) error {
	u, ctx := httpx.User(r), r.Context()
	var list []evidence.Grant
	err := h.DB.View(ctx, func(tx *store.Tx) error {
		var err error
		list, err = tx.UnregisteredGrants(ctx, u.ID)
		return err
	})
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, map[string]any{"grants": list})
}

// ViewingSettings answers the bureau's viewing policy.
func (h *Handler) ViewingSettings(w http.ResponseWriter, r *http.Request) error {
	s, err := h.App.ViewingSettings(r.Context())
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, s)
}

// SetViewingSettings changes the bureau's viewing policy (the security
// administrator; app.SetViewingSettings).
func (h *Handler) SetViewingSettings(w http.ResponseWriter, r *http.Request) error {
	var s store.ViewingSettings
	if err := httpx.DecodeJSON(r, &s); err != nil {
		return err
	}
	if err := h.App.SetViewingSettings(r.Context(), httpx.Actor(r), s); err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, s)
}
