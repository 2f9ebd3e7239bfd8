package app

import (
	"context"
	"strconv"
	"strings"

	"shilu/internal/auth"
	"shilu/internal/evidence"
	"shilu/internal/store"
)

// NewUser describes an account to make.
type NewUser struct {
	Name string
	// Role and DepartmentID are given by the server's operator (the CLI)
	// only. A person (the system administrator) makes an account without
	// either, RoleNone, or a station's account (Role: RoleStation).
	Role         evidence.Role
	DepartmentID *int64
	// DisplayName and OfficerNo identify an officer (R-ACT-3).
	DisplayName string
	OfficerNo   string
	// KeepPassword lets the initial password stand (demo accounts); by
	// default it must be changed at first sign-in (X-SEC-1).
	KeepPassword bool
}

// CreateUser makes an account with a random initial password, returned
// once. Stations get no password: they use tokens.
//
// The system administrator who makes accounts gives them no rights: a
// person's account is made without a role or a department (RoleNone), and
// the security administrator assigns both (Assign). Otherwise one
// administrator could make a leader and an officer, sign in as both with
// the initial passwords they were shown, and approve themselves into
// content (等保 三员分立, X-SEC-2, issue 9 point 2). A station's account
// they may make: it can only ever be a station (Assign), which uploads
// and holds no person's rights. The server's operator (System: shilu user
// add) gives roles and departments directly, the first administrators'
// among them.
func (a *App) CreateUser(ctx context.Context, who Actor, nu NewUser) (store.Account, string, error) {
	if nu.Name == "" || strings.TrimSpace(nu.Name) != nu.Name {
		return store.Account{}, "", evidence.Errorf(evidence.EInvalid, "err.user.name")
	}
	if err := firstErr(checkLine("user_name", nu.Name, 64), checkLine("display_name", nu.DisplayName, 64)); err != nil {
		return store.Account{}, "", err
	}
	if nu.Role == "" {
		nu.Role = evidence.RoleNone
	}
	if nu.Role != evidence.RoleNone && !nu.Role.Valid() {
		return store.Account{}, "", evidence.Errorf(evidence.EInvalid, "err.user.role")
	}
	if who.User.ID != 0 {
		if nu.Role != evidence.RoleNone && nu.Role != evidence.RoleStation {
			return store.Account{}, "", evidence.Errorf(evidence.EForbidden, "err.user.role_by_secadmin")
		}
		if nu.DepartmentID != nil {
			return store.Account{}, "", evidence.Errorf(evidence.EForbidden, "err.user.department_by_secadmin")
		}
	}
	var password, hash string
	if nu.Role != evidence.RoleStation {
		var err error
		if password, hash, err = a.initialPassword(); err != nil {
			return store.Account{}, "", err
		}
	}
	var acc store.Account
	err := a.update(ctx, who, func(c *change) error {
		var err error
		acc, err = c.CreateAccount(ctx, store.NewAccount{Name: nu.Name, Role: nu.Role, PasswordHash: hash, DepartmentID: nu.DepartmentID,
			MustChange: hash != "" && !nu.KeepPassword, DisplayName: nu.DisplayName, OfficerNo: nu.OfficerNo})
		if err != nil {
			return err
		}
		details := map[string]string{"role": string(acc.Role)}
		if acc.DepartmentID != nil {
			details["department_id"] = itoa(*acc.DepartmentID)
		}
		identityDetails(details, acc.User)
		credentialDetails(details, acc.ID, hash)
		return c.log(evidence.ActionUserCreate, objUser(acc.Name), details)
	})
	if err != nil {
		return store.Account{}, "", err
	}
	return acc, password, nil
}

// initialPassword makes a random initial password and its hash.
func (a *App) initialPassword() (password, hash string, err error) {
	password = auth.RandomPassword()
	hash, err = auth.HashPassword(password, a.argon2)
	return password, hash, err
}

// identityDetails records the identity fields that are set in a custody
// entry's details.
func identityDetails(details map[string]string, u evidence.User) {
	if u.DisplayName != "" {
		details["display_name"] = u.DisplayName
	}
	if u.OfficerNo != "" {
		details["officer_no"] = u.OfficerNo
	}
}

// UserChange is the system administrator's change of an account; nil
// fields stay as they are. The department is the security
// administrator's (Assign).
type UserChange struct {
	Disabled    *bool
	DisplayName *string
	OfficerNo   *string
	// ResetPassword gives a new initial password (returned once); ResetTOTP
	// removes the second factor (a lost phone); Unlock ends a lockout.
	ResetPassword bool
	ResetTOTP     bool
	Unlock        bool
}

func (ch UserChange) empty() bool {
	return ch.Disabled == nil && ch.DisplayName == nil && ch.OfficerNo == nil && !ch.ResetPassword && !ch.ResetTOTP && !ch.Unlock
}

// UpdateUser changes account id: identity, disabled, or a reset of a
// forgotten password, a lost second factor or a lockout. Disabling or
// resetting the password ends the account's sessions. A reset of someone
// else's password or second factor is told to them at their next sign-in
// (CredentialResets): whoever resets can sign in as them until they
// notice, so they must learn of it. It returns the account and, after a
// password reset, the new initial password (once).
func (a *App) UpdateUser(ctx context.Context, who Actor, id int64, ch UserChange) (store.Account, string, error) {
	if ch.empty() {
		return store.Account{}, "", evidence.Errorf(evidence.EInvalid, "err.nothing_to_change")
	}
	if id == who.User.ID && ch.Disabled != nil && *ch.Disabled {
		return store.Account{}, "", evidence.Errorf(evidence.EInvalid, "err.user.disable_self")
	}
	if ch.DisplayName != nil {
		if err := checkLine("display_name", *ch.DisplayName, 64); err != nil {
			return store.Account{}, "", err
		}
	}
	var password, hash string
	if ch.ResetPassword {
		var err error
		if password, hash, err = a.initialPassword(); err != nil {
			return store.Account{}, "", err
		}
	}
	var acc store.Account
	err := a.update(ctx, who, func(c *change) error {
		var err error
		if acc, err = c.Account(ctx, id); err != nil {
			return err
		}
		if err := outOfReach(who, acc); err != nil {
			return err
		}
		details := map[string]string{}
		if ch.DisplayName != nil || ch.OfficerNo != nil {
			display, officer := acc.DisplayName, acc.OfficerNo
			if ch.DisplayName != nil {
				display = *ch.DisplayName
				details["display_name"] = display
			}
			if ch.OfficerNo != nil {
				officer = *ch.OfficerNo
				details["officer_no"] = officer
			}
			if err := c.SetIdentity(ctx, id, display, officer); err != nil {
				return err
			}
		}
		if ch.Disabled != nil {
			if err := c.SetDisabled(ctx, id, *ch.Disabled); err != nil {
				return err
			}
			details["disabled"] = strconv.FormatBool(*ch.Disabled)
		}
		if ch.ResetPassword {
			if !acc.HasPassword() {
				return evidence.Errorf(evidence.EInvalid, "err.user.station_password")
			}
			if err := c.SetPassword(ctx, id, hash, true); err != nil {
				return err
			}
			details["reset_password"] = "true"
			details[detailPassword] = passwordDigest(hash)
		}
		if ch.ResetTOTP {
			if err := c.ResetTOTP(ctx, id); err != nil {
				return err
			}
			details["reset_totp"] = "true"
		}
		if (ch.ResetPassword || ch.ResetTOTP) && id != who.User.ID {
			if err := c.AddCredentialReset(ctx, id, who.User.Name, ch.ResetPassword, ch.ResetTOTP); err != nil {
				return err
			}
		}
		if ch.Unlock {
			if err := c.Unlock(ctx, id); err != nil {
				return err
			}
			details["unlock"] = "true"
		}
		if ch.ResetPassword || ch.Disabled != nil && *ch.Disabled {
			if err := c.EndUserSessions(ctx, id, 0); err != nil {
				return err
			}
		}
		if acc, err = c.Account(ctx, id); err != nil {
			return err
		}
		return c.log(evidence.ActionUserUpdate, objUser(acc.Name), details)
	})
	if err != nil {
		return store.Account{}, "", err
	}
	return acc, password, nil
}

// outOfReach refuses a change by a person to an administrator's account
// (X-SEC-2, 三员分立): the system administrator who resets passwords must
// not be able to take over the security administrator or the auditor by
// resetting theirs, nor the security administrator demote the auditor who
// watches them. Administrators' accounts are recovered and changed by
// whoever runs the server (System: shilu user reset, shilu user add), whose
// every act is in the custody log too.
func outOfReach(who Actor, acc store.Account) error {
	if who.User.ID != 0 && evidence.IsAdministrator(acc.Role) {
		return evidence.Errorf(evidence.EForbidden, "err.user.admin_account")
	}
	return nil
}

// ResetUser is the recovery of last resort, for whoever runs the server
// (shilu user reset): a new initial password for the account named name,
// its lockout cleared and its sessions ended, and with totp its second
// factor removed. It is UpdateUser's reset, found by name.
func (a *App) ResetUser(ctx context.Context, who Actor, name string, totp bool) (string, error) {
	var id int64
	err := a.view(ctx, func(tx *store.Tx) error {
		acc, err := tx.AccountByName(ctx, name)
		id = acc.ID
		return err
	})
	if err != nil {
		return "", err
	}
	_, password, err := a.UpdateUser(ctx, who, id, UserChange{ResetPassword: true, ResetTOTP: totp, Unlock: true})
	return password, err
}

// Assignment is what the security administrator gives an account: a role
// and, with SetDepartment, a department (DepartmentID nil: none).
type Assignment struct {
	Role          evidence.Role
	SetDepartment bool
	DepartmentID  *int64
}

// Assign gives account id a role and a department: the security
// administrator's decision alone (等保 三员分立: the system administrator
// makes accounts, the security administrator gives them rights; X-SEC-2),
// and never about their own account, so no administrator can widen their
// own powers. Administrator roles are given by the server's operator only
// (shilu user add), as administrators' accounts are changed only by them
// (outOfReach). A station stays a station and a person never becomes one:
// the system administrator makes stations and their tokens, so a station
// must never carry a person's rights. A role change is a user.role_change
// entry, a department change alone a user.update entry; nothing changed,
// nothing is entered.
func (a *App) Assign(ctx context.Context, who Actor, id int64, as Assignment) (store.Account, error) {
	if !as.Role.Valid() {
		return store.Account{}, evidence.Errorf(evidence.EInvalid, "err.user.role")
	}
	if id == who.User.ID {
		return store.Account{}, evidence.Errorf(evidence.EForbidden, "err.user.own_role")
	}
	if who.User.ID != 0 && evidence.IsAdministrator(as.Role) {
		return store.Account{}, evidence.Errorf(evidence.EForbidden, "err.user.admin_role")
	}
	var acc store.Account
	err := a.update(ctx, who, func(c *change) error {
		var err error
		if acc, err = c.Account(ctx, id); err != nil {
			return err
		}
		if err := outOfReach(who, acc); err != nil {
			return err
		}
		if (acc.Role == evidence.RoleStation) != (as.Role == evidence.RoleStation) {
			return evidence.Errorf(evidence.EInvalid, "err.user.station_role")
		}
		details := map[string]string{}
		if as.SetDepartment && !sameDepartment(acc.DepartmentID, as.DepartmentID) {
			if err := c.SetDepartment(ctx, id, as.DepartmentID); err != nil {
				return err
			}
			details["department_id"] = "null"
			if as.DepartmentID != nil {
				details["department_id"] = itoa(*as.DepartmentID)
			}
			acc.DepartmentID = as.DepartmentID
		}
		if from := acc.Role; from != as.Role {
			if err := c.SetRole(ctx, id, as.Role); err != nil {
				return err
			}
			acc.Role = as.Role
			details["from"], details["to"] = string(from), string(as.Role)
			return c.log(evidence.ActionUserRoleChange, objUser(acc.Name), details)
		}
		if len(details) == 0 {
			return nil
		}
		return c.log(evidence.ActionUserUpdate, objUser(acc.Name), details)
	})
	return acc, err
}

func sameDepartment(a, b *int64) bool {
	return a == nil && b == nil || a != nil && b != nil && *a == *b
}

// CredentialResets returns the resets of who's password or second factor
// by someone else that who has not yet acknowledged (UpdateUser).
func (a *App) CredentialResets(ctx context.Context, who Actor) ([]store.CredentialReset, error) {
	var out []store.CredentialReset
	err := a.view(ctx, func(tx *store.Tx) error {
		var err error
		out, err = tx.CredentialResets(ctx, who.User.ID)
		return err
	})
	return out, err
}

// AcknowledgeResets records that who has seen the notice of their
// resets, so that it is shown once; the custody log keeps that they were
// told.
func (a *App) AcknowledgeResets(ctx context.Context, who Actor) error {
	return a.update(ctx, who, func(c *change) error {
		n, err := c.AcknowledgeCredentialResets(ctx, who.User.ID)
		if err != nil || n == 0 {
			return err
		}
		return c.log(evidence.ActionUserResetSeen, objUser(who.User.Name), map[string]string{"resets": strconv.FormatInt(n, 10)})
	})
}

// CreateToken makes an API token for account id, returned once. Tokens
// belong to collection stations (issue 9 point 3): a token skips the
// second factor and the password rules, so people — administrators too —
// sign in, and not even the server's operator gives a person a token. The
// token ends when the account's role changes or it is disabled.
func (a *App) CreateToken(ctx context.Context, who Actor, id int64, label string) (string, error) {
	if label == "" {
		return "", evidence.Errorf(evidence.EInvalid, "err.token.label")
	}
	if err := checkLine("token_label", label, 128); err != nil {
		return "", err
	}
	token, hash := auth.NewToken()
	err := a.update(ctx, who, func(c *change) error {
		acc, err := c.Account(ctx, id)
		if err != nil {
			return err
		}
		if acc.Role != evidence.RoleStation {
			return evidence.Errorf(evidence.EInvalid, "err.token.station_only")
		}
		if acc.Disabled {
			return evidence.Errorf(evidence.EInvalid, "err.user.disabled")
		}
		if err := c.CreateToken(ctx, acc.ID, hash, label); err != nil {
			return err
		}
		return c.log(evidence.ActionTokenCreate, objUser(acc.Name), map[string]string{"label": label})
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

// RenameDepartment gives a department a new name. Accounts refer to the
// department by id, so they follow; the custody entry keeps the old name
// beside the new one, because the old name is what earlier entries, exports
// and printed reports call the unit.
func (a *App) RenameDepartment(ctx context.Context, who Actor, id int64, name string) (store.Department, error) {
	if name == "" || strings.TrimSpace(name) != name {
		return store.Department{}, evidence.Errorf(evidence.EInvalid, "err.department.name")
	}
	if err := checkLine("department_name", name, 64); err != nil {
		return store.Department{}, err
	}
	var d store.Department
	err := a.update(ctx, who, func(c *change) error {
		old, err := c.RenameDepartment(ctx, id, name)
		if err != nil {
			return err
		}
		d = old
		d.Name = name
		if old.Name == name {
			return nil // nothing changed, nothing to enter
		}
		return c.log(evidence.ActionDepartmentRename, objDepartment(id), map[string]string{"old_name": old.Name, "name": name})
	})
	return d, err
}

// CreateDepartment makes a department, under parent if not nil.
func (a *App) CreateDepartment(ctx context.Context, who Actor, name string, parent *int64) (store.Department, error) {
	if name == "" || strings.TrimSpace(name) != name {
		return store.Department{}, evidence.Errorf(evidence.EInvalid, "err.department.name")
	}
	if err := checkLine("department_name", name, 64); err != nil {
		return store.Department{}, err
	}
	var d store.Department
	err := a.update(ctx, who, func(c *change) error {
		var err error
		if d, err = c.CreateDepartment(ctx, name, parent); err != nil {
			return err
		}
		details := map[string]string{"name": d.Name}
		if d.ParentID != nil {
			details["parent_id"] = itoa(*d.ParentID)
		}
		return c.log(evidence.ActionDepartmentCreate, objDepartment(d.ID), details)
	})
	return d, err
}
