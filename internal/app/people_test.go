package app

import (
	"context"
	"testing"

	"shilu/internal/auth"
	"shilu/internal/evidence"
	"shilu/internal/store"
	"shilu/internal/store/storetest"
)

// fastHash keeps the tests' password hashing cheap.
var fastHash = auth.Params{Time: 1, Memory: 1024, Threads: 1}

func newTestApp(t *testing.T) (*App, *store.DB) {
	t.Helper()
	db, _ := storetest.Open(t)
	return New(Config{DB: db, Argon2: fastHash}), db
}

// X-SEC-2 (三员分立): a system administrator makes accounts but cannot give
// administrator roles; the server's operator (System, the CLI) can, for the
// first administrators. Both paths write one user.create entry.
func TestCreateUserAdministratorRoles(t *testing.T) {
	a, _ := newTestApp(t)
	ctx := context.Background()
	sys, _, err := a.CreateUser(ctx, System("cli:root"), NewUser{Name: "admin", Role: evidence.RoleSysAdmin})
	if err != nil {
		t.Fatal(err)
	}
	sysadmin := Actor{User: sys.User}
	for _, tc := range []struct {
		name string
		who  Actor
		role evidence.Role
		want evidence.Code
	}{
		{"OK", sysadmin, evidence.RoleOfficer, ""},
		{"ErrForbiddenSecAdmin", sysadmin, evidence.RoleSecAdmin, evidence.EForbidden},
		{"ErrForbiddenAuditor", sysadmin, evidence.RoleAuditor, evidence.EForbidden},
		{"OKSystemGivesAuditor", System("cli:root"), evidence.RoleAuditor, ""},
		{"ErrInvalidRole", sysadmin, "chief", evidence.EInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			acc, password, err := a.CreateUser(ctx, tc.who, NewUser{Name: "u-" + tc.name, Role: tc.role})
			if got := evidence.ErrorCode(err); got != tc.want {
				t.Fatalf("CreateUser: %v, want code %q", err, tc.want)
			}
			if err == nil && (password == "" || !acc.MustChange) {
				t.Errorf("account %+v with password %q: want an initial password that must be changed", acc, password)
			}
		})
	}
}

// X-SEC-1: one reset, whoever asks: the CLI's user reset and the workbench's are the
// same use case, with the same errors.
func TestResetUser(t *testing.T) {
	a, db := newTestApp(t)
	ctx := context.Background()
	if _, _, err := a.CreateUser(ctx, System("t"), NewUser{Name: "station-01", Role: evidence.RoleStation}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.ResetUser(ctx, System("t"), "station-01", false); evidence.ErrorCode(err) != evidence.EInvalid {
		t.Errorf("reset of a station: %v, want invalid (stations have no password)", err)
	}
	if _, err := a.ResetUser(ctx, System("t"), "nobody", false); evidence.ErrorCode(err) != evidence.ENotFound {
		t.Errorf("reset of nobody: %v, want not found", err)
	}
	acc, first, err := a.CreateUser(ctx, System("t"), NewUser{Name: "zhangwei", Role: evidence.RoleOfficer})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(ctx, func(tx *store.Tx) error { _, err := tx.RecordLoginFailure(ctx, acc.ID, 1, 3600e9); return err }); err != nil {
		t.Fatal(err)
	}
	second, err := a.ResetUser(ctx, System("t"), "zhangwei", true)
	if err != nil || second == "" || second == first {
		t.Fatalf("reset: %q, %v; want a new initial password", second, err)
	}
	var after store.Account
	if err := db.View(ctx, func(tx *store.Tx) error { after, err = tx.Account(ctx, acc.ID); return err }); err != nil {
		t.Fatal(err)
	}
	if after.LockedUntil != nil || !after.MustChange || auth.CheckPassword(after.PasswordHash, second) != nil {
		t.Errorf("after the reset: locked until %v, must change %v; want unlocked, a new initial password", after.LockedUntil, after.MustChange)
	}
}

// R-AUD-1: every custody action the use cases write is one of evidence.Actions
// (entry refuses others), and every one of those has a name
// (web's TestActionsNamed).
func TestUnknownActionRefused(t *testing.T) {
	if _, err := entry(System("t"), "t", "no.such", "", "ok", nil, nil); err == nil {
		t.Error("an unknown action was accepted")
	}
}

// X-SEC-2, issue 9 point 2: the administrators are out of each other's
// reach in the workbench. The system administrator, who resets people's
// passwords, cannot reset, unlock, disable or rename the security
// administrator or the auditor (and so cannot sign in as them), nor the
// security administrator change the auditor's role; the server's operator
// (System) can, for recovery.
func TestAdministratorAccountsOutOfReach(t *testing.T) {
	a, _ := newTestApp(t)
	ctx := context.Background()
	mk := func(name string, role evidence.Role) Actor {
		acc, _, err := a.CreateUser(ctx, System("cli:root"), NewUser{Name: name, Role: role})
		if err != nil {
			t.Fatal(err)
		}
		return Actor{User: acc.User}
	}
	sysadmin, secadmin, auditor := mk("admin", evidence.RoleSysAdmin), mk("secadmin", evidence.RoleSecAdmin), mk("auditor", evidence.RoleAuditor)
	officer := mk("zhangwei", evidence.RoleOfficer)
	name := "改名"
	for _, tc := range []struct {
		name   string
		who    Actor
		target Actor
		ch     UserChange
		want   evidence.Code
	}{
		{"ErrSysadminResetsSecadmin", sysadmin, secadmin, UserChange{ResetPassword: true}, evidence.EForbidden},
		{"ErrSysadminResetsAuditorTOTP", sysadmin, auditor, UserChange{ResetTOTP: true}, evidence.EForbidden},
		{"ErrSysadminDisablesAuditor", sysadmin, auditor, UserChange{Disabled: new(true)}, evidence.EForbidden},
		{"ErrSysadminRenamesSecadmin", sysadmin, secadmin, UserChange{DisplayName: &name}, evidence.EForbidden},
		{"OKSysadminResetsOfficer", sysadmin, officer, UserChange{ResetPassword: true}, ""},
		{"OKSystemResetsSecadmin", System("cli:root"), secadmin, UserChange{ResetPassword: true, Unlock: true}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := a.UpdateUser(ctx, tc.who, tc.target.User.ID, tc.ch)
			if got := evidence.ErrorCode(err); got != tc.want {
				t.Errorf("UpdateUser: %v, want code %q", err, tc.want)
			}
		})
	}
	if _, err := a.SetRole(ctx, secadmin, auditor.User.ID, evidence.RoleOfficer); evidence.ErrorCode(err) != evidence.EForbidden {
		t.Errorf("secadmin demotes the auditor: %v, want forbidden", err)
	}
	if _, err := a.SetRole(ctx, secadmin, officer.User.ID, evidence.RoleLeader); err != nil {
		t.Errorf("secadmin gives an officer another role: %v", err)
	}
}
