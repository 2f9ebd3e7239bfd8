package api

import (
	"bytes"
	"encoding/json"
	"net/http"

	"shilu/internal/app"
	"shilu/internal/evidence"
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

type newUserBody struct {
	Name         string        `json:"name"`
	Role         evidence.Role `json:"role"`
	DepartmentID *int64        `json:"department_id"`
	// DisplayName and OfficerNo identify an officer (R-ACT-3).
	DisplayName string `json:"display_name"`
	OfficerNo   string `json:"officer_no"`
}

// createUser makes an account (app.CreateUser); the initial password is
// shown once in the answer.
func (h *Handler) CreateUser(w http.ResponseWriter, r *http.Request) error {
	var b newUserBody
	if err := httpx.DecodeJSON(r, &b); err != nil {
		return err
	}
	a, password, err := h.App.CreateUser(r.Context(), httpx.Actor(r), app.NewUser{Name: b.Name, Role: b.Role, DepartmentID: b.DepartmentID,
		DisplayName: b.DisplayName, OfficerNo: b.OfficerNo})
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusCreated, map[string]any{"user": a, "initial_password": password})
}

// userChange is a PATCH of an account. DepartmentID is raw so that null
// (no department) differs from absent (unchanged).
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
	ch := app.UserChange{SetDepartment: len(b.DepartmentID) > 0, Disabled: b.Disabled, DisplayName: b.DisplayName, OfficerNo: b.OfficerNo,
		ResetPassword: b.ResetPassword, ResetTOTP: b.ResetTOTP, Unlock: b.Unlock}
	if ch.SetDepartment && !bytes.Equal(b.DepartmentID, []byte("null")) {
		if err := json.Unmarshal(b.DepartmentID, &ch.DepartmentID); err != nil {
			return evidence.Errorf(evidence.EInvalid, "err.user.department_id")
		}
	}
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

// setRole gives an account a role (app.SetRole).
func (h *Handler) SetRole(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var b struct {
		Role evidence.Role `json:"role"`
	}
	if err := httpx.DecodeJSON(r, &b); err != nil {
		return err
	}
	a, err := h.App.SetRole(r.Context(), httpx.Actor(r), id, b.Role)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, a)
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
