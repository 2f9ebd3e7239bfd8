package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"shilu/internal/audit"
	"shilu/internal/auth"
	"shilu/internal/evidence"
	"shilu/internal/store"
)

// peopleRoutes are sign-in, accounts, departments and tokens (X-SEC-1,
// X-SEC-2). Accounts and departments are the system administrator's;
// roles are the security administrator's alone (三员分立).
var peopleRoutes = []route{
	{"POST", "/api/v1/login", "", (*Server).login},
	{"POST", "/api/v1/logout", evidence.PermAuthenticated, (*Server).logout},
	{"GET", "/api/v1/session", evidence.PermAuthenticated, (*Server).session},
	{"POST", "/api/v1/password", evidence.PermAuthenticated, (*Server).changePassword},
	{"POST", "/api/v1/totp/setup", evidence.PermAuthenticated, (*Server).totpSetup},
	{"POST", "/api/v1/totp/enable", evidence.PermAuthenticated, (*Server).totpEnable},

	{"GET", "/api/v1/users", evidence.PermUsersManage, (*Server).listUsers},
	{"POST", "/api/v1/users", evidence.PermUsersManage, (*Server).createUser},
	{"PATCH", "/api/v1/users/{id}", evidence.PermUsersManage, (*Server).updateUser},
	{"PUT", "/api/v1/users/{id}/role", evidence.PermPolicyManage, (*Server).setRole},
	{"POST", "/api/v1/users/{id}/tokens", evidence.PermUsersManage, (*Server).createStationToken},
	{"GET", "/api/v1/departments", evidence.PermUsersManage, (*Server).listDepartments},
	{"POST", "/api/v1/departments", evidence.PermUsersManage, (*Server).createDepartment},
}

func objUser(name string) string { return "user:" + name }

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) error {
	var list []store.Account
	err := s.cfg.DB.View(r.Context(), func(tx *store.Tx) error {
		var err error
		list, err = tx.Accounts(r.Context())
		return err
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"users": list})
}

type newUserBody struct {
	Name         string        `json:"name"`
	Role         evidence.Role `json:"role"`
	DepartmentID *int64        `json:"department_id"`
	// DisplayName and OfficerNo identify an officer (R-ACT-3).
	DisplayName string `json:"display_name"`
	OfficerNo   string `json:"officer_no"`
}

// administratorRoles are given by the security administrator (PUT
// /api/v1/users/{id}/role) or from the CLI, never by the system
// administrator who makes accounts: otherwise one administrator could make
// the others and the separation of the three would be void (X-SEC-2).
var administratorRoles = []evidence.Role{evidence.RoleSysAdmin, evidence.RoleSecAdmin, evidence.RoleAuditor}

func isAdministrator(r evidence.Role) bool {
	for _, x := range administratorRoles {
		if r == x {
			return true
		}
	}
	return false
}

// createUser makes an account with a random initial password, shown once
// in the answer and to be changed at first sign-in. Stations get no
// password: they use tokens.
func (s *Server) createUser(w http.ResponseWriter, r *http.Request) error {
	var b newUserBody
	if err := decodeJSON(r, &b); err != nil {
		return err
	}
	if b.Name == "" || printable(b.Name) != b.Name || strings.TrimSpace(b.Name) != b.Name || !b.Role.Valid() {
		return evidence.Errorf(evidence.EInvalid, "want a printable name and one of the roles %v", evidence.Roles)
	}
	if isAdministrator(b.Role) {
		return evidence.Errorf(evidence.EForbidden, "administrator roles are given by the security administrator")
	}
	var password, hash string
	if b.Role != evidence.RoleStation {
		password = auth.RandomPassword()
		var err error
		if hash, err = auth.HashPassword(password, s.cfg.Argon2); err != nil {
			return err
		}
	}
	admin, ctx := userOf(r), r.Context()
	var a store.Account
	err := s.cfg.DB.Update(ctx, func(tx *store.Tx) error {
		var err error
		a, err = tx.CreateAccount(ctx, store.NewAccount{Name: b.Name, Role: b.Role, PasswordHash: hash, DepartmentID: b.DepartmentID, MustChange: hash != "",
			DisplayName: b.DisplayName, OfficerNo: b.OfficerNo})
		if err != nil {
			return err
		}
		details := map[string]string{"role": string(a.Role), "request_id": requestID(ctx)}
		if a.DepartmentID != nil {
			details["department_id"] = strconv.FormatInt(*a.DepartmentID, 10)
		}
		if a.DisplayName != "" {
			details["display_name"] = a.DisplayName
		}
		if a.OfficerNo != "" {
			details["officer_no"] = a.OfficerNo
		}
		_, err = tx.Audit(ctx, audit.Entry{Actor: admin.Name, Action: "user.create", Object: objUser(a.Name), Outcome: audit.OutcomeOK, Details: details})
		return err
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, map[string]any{"user": a, "initial_password": password})
}

// userChange is a PATCH of an account. DepartmentID is raw so that null
// (no department) differs from absent (unchanged).
type userChange struct {
	DepartmentID  json.RawMessage `json:"department_id"`
	Disabled      *bool           `json:"disabled"`
	ResetPassword bool            `json:"reset_password"`
	ResetTOTP     bool            `json:"reset_totp"`
	DisplayName   *string         `json:"display_name"`
	OfficerNo     *string         `json:"officer_no"`
}

// updateUser moves an account to a department, sets the display name and
// officer number, disables or enables it,
// or resets a forgotten password (a new initial one, shown once) or a lost
// second factor. Disabling or resetting the password ends the account's
// sessions.
func (s *Server) updateUser(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var b userChange
	if err := decodeJSON(r, &b); err != nil {
		return err
	}
	var dept *int64
	setDept := len(b.DepartmentID) > 0
	if setDept && !bytes.Equal(b.DepartmentID, []byte("null")) {
		if err := json.Unmarshal(b.DepartmentID, &dept); err != nil {
			return evidence.Errorf(evidence.EInvalid, "department_id: want a number or null")
		}
	}
	setIdentity := b.DisplayName != nil || b.OfficerNo != nil
	if !setDept && b.Disabled == nil && !b.ResetPassword && !b.ResetTOTP && !setIdentity {
		return evidence.Errorf(evidence.EInvalid, "nothing to change: department_id, disabled, reset_password, reset_totp, display_name or officer_no")
	}
	admin, ctx := userOf(r), r.Context()
	if id == admin.ID && (b.Disabled != nil && *b.Disabled) {
		return evidence.Errorf(evidence.EInvalid, "you cannot disable your own account")
	}
	var password, hash string
	if b.ResetPassword {
		password = auth.RandomPassword()
		if hash, err = auth.HashPassword(password, s.cfg.Argon2); err != nil {
			return err
		}
	}
	var a store.Account
	err = s.cfg.DB.Update(ctx, func(tx *store.Tx) error {
		var err error
		if a, err = tx.Account(ctx, id); err != nil {
			return err
		}
		details := map[string]string{"request_id": requestID(ctx)}
		if setDept {
			if err := tx.SetDepartment(ctx, id, dept); err != nil {
				return err
			}
			details["department_id"] = "null"
			if dept != nil {
				details["department_id"] = strconv.FormatInt(*dept, 10)
			}
		}
		if setIdentity {
			display, officer := a.DisplayName, a.OfficerNo
			if b.DisplayName != nil {
				display = *b.DisplayName
				details["display_name"] = display
			}
			if b.OfficerNo != nil {
				officer = *b.OfficerNo
				details["officer_no"] = officer
			}
			if err := tx.SetIdentity(ctx, id, display, officer); err != nil {
				return err
			}
		}
		if b.Disabled != nil {
			if err := tx.SetDisabled(ctx, id, *b.Disabled); err != nil {
				return err
			}
			details["disabled"] = strconv.FormatBool(*b.Disabled)
		}
		if b.ResetPassword {
			if !a.HasPassword() {
				return evidence.Errorf(evidence.EInvalid, "a station has no password; give it a token")
			}
			if err := tx.SetPassword(ctx, id, hash, true); err != nil {
				return err
			}
			details["reset_password"] = "true"
		}
		if b.ResetTOTP {
			if err := tx.ResetTOTP(ctx, id); err != nil {
				return err
			}
			details["reset_totp"] = "true"
		}
		if b.ResetPassword || b.Disabled != nil && *b.Disabled {
			if err := tx.EndUserSessions(ctx, id, 0); err != nil {
				return err
			}
		}
		if a, err = tx.Account(ctx, id); err != nil {
			return err
		}
		_, err = tx.Audit(ctx, audit.Entry{Actor: admin.Name, Action: "user.update", Object: objUser(a.Name), Outcome: audit.OutcomeOK, Details: details})
		return err
	})
	if err != nil {
		return err
	}
	ans := map[string]any{"user": a}
	if password != "" {
		ans["initial_password"] = password
	}
	return writeJSON(w, http.StatusOK, ans)
}

// setRole gives an account a role: the security administrator's decision
// alone, and never about their own account, so no administrator can widen
// their own powers (X-SEC-2).
func (s *Server) setRole(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var b struct {
		Role evidence.Role `json:"role"`
	}
	if err := decodeJSON(r, &b); err != nil {
		return err
	}
	if !b.Role.Valid() {
		return evidence.Errorf(evidence.EInvalid, "role %q: want one of %v", b.Role, evidence.Roles)
	}
	admin, ctx := userOf(r), r.Context()
	if id == admin.ID {
		return evidence.Errorf(evidence.EForbidden, "no one changes their own role")
	}
	var a store.Account
	err = s.cfg.DB.Update(ctx, func(tx *store.Tx) error {
		var err error
		if a, err = tx.Account(ctx, id); err != nil {
			return err
		}
		from := a.Role
		if err := tx.SetRole(ctx, id, b.Role); err != nil {
			return err
		}
		a.Role = b.Role
		_, err = tx.Audit(ctx, audit.Entry{Actor: admin.Name, Action: "user.role_change", Object: objUser(a.Name), Outcome: audit.OutcomeOK,
			Details: map[string]string{"from": string(from), "to": string(b.Role), "request_id": requestID(ctx)}})
		return err
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, a)
}

// createStationToken makes an API token for a station account, shown
// once. People sign in instead: a token skips the second factor and the
// password rules, so only stations get one here.
func (s *Server) createStationToken(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var b struct {
		Name string `json:"name"`
	}
	if err := decodeJSON(r, &b); err != nil {
		return err
	}
	if b.Name == "" || printable(b.Name) != b.Name {
		return evidence.Errorf(evidence.EInvalid, "want a printable name for the token, e.g. the station's")
	}
	admin, ctx := userOf(r), r.Context()
	token, hash := auth.NewToken()
	err = s.cfg.DB.Update(ctx, func(tx *store.Tx) error {
		a, err := tx.Account(ctx, id)
		if err != nil {
			return err
		}
		if a.Role != evidence.RoleStation {
			return evidence.Errorf(evidence.EInvalid, "API tokens are for station accounts; people sign in")
		}
		if a.Disabled {
			return evidence.Errorf(evidence.EInvalid, "the account is disabled")
		}
		if err := tx.CreateToken(ctx, a.ID, hash, b.Name); err != nil {
			return err
		}
		_, err = tx.Audit(ctx, audit.Entry{Actor: admin.Name, Action: "token.create", Object: objUser(a.Name), Outcome: audit.OutcomeOK,
			Details: map[string]string{"label": b.Name, "request_id": requestID(ctx)}})
		return err
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, map[string]string{"token": token, "name": b.Name})
}

func (s *Server) listDepartments(w http.ResponseWriter, r *http.Request) error {
	var list []store.Department
	err := s.cfg.DB.View(r.Context(), func(tx *store.Tx) error {
		var err error
		list, err = tx.Departments(r.Context())
		return err
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"departments": list})
}

func (s *Server) createDepartment(w http.ResponseWriter, r *http.Request) error {
	var b struct {
		Name     string `json:"name"`
		ParentID *int64 `json:"parent_id"`
	}
	if err := decodeJSON(r, &b); err != nil {
		return err
	}
	if b.Name == "" || printable(b.Name) != b.Name {
		return evidence.Errorf(evidence.EInvalid, "want a printable department name")
	}
	admin, ctx := userOf(r), r.Context()
	var d store.Department
	err := s.cfg.DB.Update(ctx, func(tx *store.Tx) error {
		var err error
		if d, err = tx.CreateDepartment(ctx, b.Name, b.ParentID); err != nil {
			return err
		}
		details := map[string]string{"name": d.Name, "request_id": requestID(ctx)}
		if d.ParentID != nil {
			details["parent_id"] = strconv.FormatInt(*d.ParentID, 10)
		}
		_, err = tx.Audit(ctx, audit.Entry{Actor: admin.Name, Action: "department.create", Object: "department:" + strconv.FormatInt(d.ID, 10),
			Outcome: audit.OutcomeOK, Details: details})
		return err
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, d)
}
