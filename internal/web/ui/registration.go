package ui

import (
	"net/http"
	"time"

	"shilu/internal/evidence"
	"shilu/internal/store"
	"shilu/internal/web/httpx"
)

// registrationView is the data of the custodian's list of grants to
// register (待登记, Art. 16).
type registrationView struct {
	Rows []grantAdminRow
	// Auto is the bureau's policy: every grant registered when approved.
	Auto  bool
	Names map[int64]string
}

// GrantRegisterPage lists the grants that wait for the custodian's
// registration before their first playback (Art. 16: 经保管人登记后方可
// 查阅): those in force all of whose recordings belong to the departments
// the custodian keeps, oldest first, each with what was asked and who
// approved it, and a button that registers it (POST
// /api/v1/grants/{id}/register, which decides).
func (h *Handler) GrantRegisterPage(w http.ResponseWriter, r *http.Request) error {
	u, ctx := httpx.User(r), r.Context()
	var v registrationView
	err := h.DB.View(ctx, func(tx *store.Tx) error {
		s, err := tx.ViewingSettings(ctx)
		if err != nil {
			return err
		}
		v.Auto = s.AutoRegister
		grants, err := tx.UnregisteredGrants(ctx, u.ID)
		if err != nil {
			return err
		}
		var ids []int64
		for _, g := range grants {
			req, err := tx.AccessRequest(ctx, g.RequestID)
			if err != nil {
				return err
			}
			v.Rows = append(v.Rows, grantAdminRow{Grant: g, Purpose: req.Purpose, Reason: req.Reason, Approver: req.DecidedBy, Comment: req.Comment})
			ids = append(ids, g.RecordingIDs...)
		}
		v.Names, err = recordingNames(ctx, tx, ids)
		return err
	})
	if err != nil {
		return err
	}
	p := h.newPage(w, r, "/grants/register", "menu.access", "reg.menu")
	p.Data, p.Scripts = v, []string{"registration.js"}
	return h.render(w, http.StatusOK, "grant_register", p)
}

// pendingRegistrations counts the grants that wait for u's registration,
// for the dashboard (0 for those who register none).
func pendingRegistrations(r *http.Request, tx *store.Tx, u evidence.User) (int, error) {
	if !u.Role.Can(evidence.PermGrantRegister) {
		return 0, nil
	}
	return tx.CountUnregistered(r.Context(), u.ID)
}

// watermark is what the player's overlay writes (R-SEC-2): the viewer's
// name and officer number (the account name for one without a number)
// and the grant (0: a viewing by policy); the time is the page's.
type watermark struct {
	Name, Number, Account string
	Grant                 int64
}

// ServerTime is the page's moment in RFC 3339, from which the watermark's
// clock runs on (the viewer's own clock is not trusted).
func (p *page) ServerTime() string { return p.now.UTC().Format(time.RFC3339Nano) }

// Registration says who registered the grant of viewing v (Art. 16) and
// when: the custodian's name, 自动登记 for the bureau's policy, a note for
// grants made before registration existed, "—" for a viewing by policy
// without a grant.
func (p *page) Registration(v evidence.Viewing) string {
	if v.RegisteredAt == nil {
		return "—"
	}
	at := localTime(*v.RegisteredAt)
	switch v.RegisteredHow {
	case evidence.RegisteredByPolicy:
		return p.T("register.auto") + " " + at
	case evidence.RegisteredBefore:
		return p.T("register.before")
	}
	return p.Person(v.Registrar) + " " + at
}
