package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"

	"shilu/internal/app"
	"shilu/internal/evidence"
	"shilu/internal/locale"
	"shilu/internal/store"
	"shilu/internal/web/httpx"
)

func (h *Handler) ListUsers(w http.ResponseWriter, r *http.Request) error {
	var list []store.Account
	err := h.DB.View(r.Context(), func(tx *store.Tx) error {
		var err error
		list, err = tx.Accounts(r.Context())
		return err
	})
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, map[string]any{"users": list})
}

// newUserBody is the system administrator's new account. Role and
// DepartmentID are there to be refused by name: the security administrator
// assigns both (PUT /api/v1/users/{id}/role); Station makes a collection
// station's account.
type newUserBody struct {
	Name         string          `json:"name"`
	Station      bool            `json:"station"`
	Role         json.RawMessage `json:"role"`
	DepartmentID json.RawMessage `json:"department_id"`
	// DisplayName and OfficerNo identify an officer (R-ACT-3).
	DisplayName string `json:"display_name"`
	OfficerNo   string `json:"officer_no"`
}

// createUser makes an account (app.CreateUser) without a role or a
// department; the initial password is shown once in the answer.
func (h *Handler) CreateUser(w http.ResponseWriter, r *http.Request) error {
	var b newUserBody
	if err := httpx.DecodeJSON(r, &b); err != nil {
		return err
	}
	if len(b.Role) > 0 {
		return evidence.Errorf(evidence.EInvalid, "err.user.role_field")
	}
	if len(b.DepartmentID) > 0 {
		return evidence.Errorf(evidence.EInvalid, "err.user.department_field")
	}
	nu := app.NewUser{Name: b.Name, DisplayName: b.DisplayName, OfficerNo: b.OfficerNo}
	if b.Station {
		nu.Role = evidence.RoleStation
	}
	a, password, err := h.App.CreateUser(r.Context(), httpx.Actor(r), nu)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusCreated, map[string]any{"user": a, "initial_password": password})
}

// userChange is the system administrator's PATCH of an account.
// DepartmentID is there to be refused by name: departments are the
// security administrator's.
type userChange struct {
	DepartmentID  json.RawMessage `json:"department_id"`
	Disabled      *bool           `json:"disabled"`
	ResetPassword bool            `json:"reset_password"`
	ResetTOTP     bool            `json:"reset_totp"`
	Unlock        bool            `json:"unlock"`
	DisplayName   *string         `json:"display_name"`
	OfficerNo     *string         `json:"officer_no"`
}

// updateUser changes an account (app.UpdateUser); a reset password is
// shown once in the answer.
func (h *Handler) UpdateUser(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var b userChange
	if err := httpx.DecodeJSON(r, &b); err != nil {
		return err
	}
	if len(b.DepartmentID) > 0 {
		return evidence.Errorf(evidence.EInvalid, "err.user.department_field")
	}
	ch := app.UserChange{Disabled: b.Disabled, DisplayName: b.DisplayName, OfficerNo: b.OfficerNo,
		ResetPassword: b.ResetPassword, ResetTOTP: b.ResetTOTP, Unlock: b.Unlock}
	a, password, err := h.App.UpdateUser(r.Context(), httpx.Actor(r), id, ch)
	if err != nil {
		return err
	}
	ans := map[string]any{"user": a}
	if password != "" {
		ans["initial_password"] = password
	}
	return httpx.JSON(w, http.StatusOK, ans)
}

// SetRole gives an account its role and, when department_id is present,
// its department (null: none) in one change (app.Assign): the security
// administrator's.
func (h *Handler) SetRole(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var b struct {
		Role         evidence.Role   `json:"role"`
		DepartmentID json.RawMessage `json:"department_id"`
	}
	if err := httpx.DecodeJSON(r, &b); err != nil {
		return err
	}
	as := app.Assignment{Role: b.Role, SetDepartment: len(b.DepartmentID) > 0}
	if as.SetDepartment && !bytes.Equal(b.DepartmentID, []byte("null")) {
		if err := json.Unmarshal(b.DepartmentID, &as.DepartmentID); err != nil {
			return evidence.Errorf(evidence.EInvalid, "err.user.department_id")
		}
	}
	a, err := h.App.Assign(r.Context(), httpx.Actor(r), id, as)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, a)
}

// ResetNotice lists the resets of the caller's password or second factor
// by someone else that they have not yet acknowledged, each with its
// sentence in the request's language (issue 9 point 2); the sign-in page
// shows them once.
func (h *Handler) ResetNotice(w http.ResponseWriter, r *http.Request) error {
	list, err := h.App.CredentialResets(r.Context(), httpx.Actor(r))
	if err != nil {
		return err
	}
	p := locale.New(locale.Negotiate(r))
	type item struct {
		store.CredentialReset
		Message string `json:"message"`
	}
	out := []item{}
	for _, x := range list {
		out = append(out, item{x, ResetMessage(p, x)})
	}
	return httpx.JSON(w, http.StatusOK, map[string]any{"resets": out})
}

// ResetMessage is the sentence that tells a person of a reset: what, when
// (Beijing time) and by whom, by name and number.
func ResetMessage(p *locale.Printer, x store.CredentialReset) string {
	key := "reset.notice_password"
	switch {
	case x.Password && x.TOTP:
		key = "reset.notice_both"
	case x.TOTP:
		key = "reset.notice_totp"
	}
	return p.T(key, x.At.In(evidence.Zone).Format(locale.TimeLayout), resetBy(p, x))
}

// resetBy names who reset: a person by name and officer number (or account
// name when they have no number), the server's operator as such.
func resetBy(p *locale.Printer, x store.CredentialReset) string {
	if !x.ByAccount {
		if op, ok := strings.CutPrefix(x.By, "cli"); ok {
			return p.T("reset.by_operator", strings.TrimPrefix(op, ":"))
		}
		if m, ok := p.Lookup("actor." + x.By); ok {
			return m
		}
		return x.By
	}
	label, no := x.ByDisplayName, x.ByOfficerNo
	if label == "" {
		label = x.By
	}
	if no == "" && label != x.By {
		no = x.By
	}
	if no == "" {
		return label
	}
	return p.T("reset.by", label, no)
}

// AcknowledgeResetNotice records that the caller has seen the notice of
// their resets (app.AcknowledgeResets).
func (h *Handler) AcknowledgeResetNotice(w http.ResponseWriter, r *http.Request) error {
	if err := h.App.AcknowledgeResets(r.Context(), httpx.Actor(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// createStationToken makes an API token for a station account, shown once
// (app.CreateToken).
func (h *Handler) CreateStationToken(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var b struct {
		Name string `json:"name"`
	}
	if err := httpx.DecodeJSON(r, &b); err != nil {
		return err
	}
	token, err := h.App.CreateToken(r.Context(), httpx.Actor(r), id, b.Name)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusCreated, map[string]string{"token": token, "name": b.Name})
}

func (h *Handler) ListDepartments(w http.ResponseWriter, r *http.Request) error {
	var list []store.Department
	err := h.DB.View(r.Context(), func(tx *store.Tx) error {
		var err error
		list, err = tx.Departments(r.Context())
		return err
	})
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, map[string]any{"departments": list})
}

// RenameDepartment gives a department a new name (app.RenameDepartment).
func (h *Handler) RenameDepartment(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var b struct {
		Name string `json:"name"`
	}
	if err := httpx.DecodeJSON(r, &b); err != nil {
		return err
	}
	d, err := h.App.RenameDepartment(r.Context(), httpx.Actor(r), id, b.Name)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, d)
}

func (h *Handler) CreateDepartment(w http.ResponseWriter, r *http.Request) error {
	var b struct {
		Name     string `json:"name"`
		ParentID *int64 `json:"parent_id"`
	}
	if err := httpx.DecodeJSON(r, &b); err != nil {
		return err
	}
	d, err := h.App.CreateDepartment(r.Context(), httpx.Actor(r), b.Name, b.ParentID)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusCreated, d)
}
