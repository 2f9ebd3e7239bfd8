package app

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"shilu/internal/audit"
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

// X-SEC-2 (三员分立, issue 9 point 2): a system administrator makes accounts
// without rights: no role, no department (the security administrator
// assigns both), or a station's; the server's operator (System, the CLI)
// gives any role, the first administrators' among them. Both paths write
// one user.create entry.
func TestCreateUserAdministratorRoles(t *testing.T) {
	a, _ := newTestApp(t)
	ctx := context.Background()
	sys, _, err := a.CreateUser(ctx, System("cli:root"), NewUser{Name: "admin", Role: evidence.RoleSysAdmin})
	if err != nil {
		t.Fatal(err)
	}
	dept, err := a.CreateDepartment(ctx, System("t"), "交警支队", nil)
	if err != nil {
		t.Fatal(err)
	}
	sysadmin := Actor{User: sys.User}
	for _, tc := range []struct {
		name     string
		who      Actor
		role     evidence.Role
		dept     *int64
		want     evidence.Code
		wantRole evidence.Role
	}{
		{"OKNoRole", sysadmin, "", nil, "", evidence.RoleNone},
		{"OKStation", sysadmin, evidence.RoleStation, nil, "", evidence.RoleStation},
		{"ErrSysadminGivesOfficer", sysadmin, evidence.RoleOfficer, nil, evidence.EForbidden, ""},
		{"ErrSysadminGivesLeader", sysadmin, evidence.RoleLeader, nil, evidence.EForbidden, ""},
		{"ErrSysadminGivesDepartment", sysadmin, "", &dept.ID, evidence.EForbidden, ""},
		{"ErrForbiddenSecAdmin", sysadmin, evidence.RoleSecAdmin, nil, evidence.EForbidden, ""},
		{"ErrForbiddenAuditor", sysadmin, evidence.RoleAuditor, nil, evidence.EForbidden, ""},
		{"OKSystemGivesAuditor", System("cli:root"), evidence.RoleAuditor, nil, "", evidence.RoleAuditor},
		{"OKSystemGivesOfficerAndDepartment", System("cli:root"), evidence.RoleOfficer, &dept.ID, "", evidence.RoleOfficer},
		{"ErrInvalidRole", sysadmin, "chief", nil, evidence.EInvalid, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			acc, password, err := a.CreateUser(ctx, tc.who, NewUser{Name: "u-" + tc.name, Role: tc.role, DepartmentID: tc.dept})
			if got := evidence.ErrorCode(err); got != tc.want {
				t.Fatalf("CreateUser: %v, want code %q", err, tc.want)
			}
			if err != nil {
				return
			}
			if acc.Role != tc.wantRole {
				t.Errorf("role %q, want %q", acc.Role, tc.wantRole)
			}
			if tc.wantRole != evidence.RoleStation && (password == "" || !acc.MustChange) {
				t.Errorf("account %+v with password %q: want an initial password that must be changed", acc, password)
			}
		})
	}
}

// X-SEC-2 (issue 9 point 2): an account awaiting its role holds no
// permission but signing in; the security administrator's assignment of
// role and department makes it work, in one entry.
func TestAssign(t *testing.T) {
	a, db := newTestApp(t)
	ctx := context.Background()
	mk := func(who Actor, name string, role evidence.Role) Actor {
		t.Helper()
		acc, _, err := a.CreateUser(ctx, who, NewUser{Name: name, Role: role})
		if err != nil {
			t.Fatal(err)
		}
		return Actor{User: acc.User}
	}
	op := System("cli:root")
	sysadmin, secadmin := mk(op, "admin", evidence.RoleSysAdmin), mk(op, "secadmin", evidence.RoleSecAdmin)
	fresh, station := mk(sysadmin, "zhangwei", ""), mk(sysadmin, "station-02", evidence.RoleStation)
	dept, err := a.CreateDepartment(ctx, sysadmin, "交警支队", nil)
	if err != nil {
		t.Fatal(err)
	}
	if fresh.User.Role != evidence.RoleNone {
		t.Fatalf("a new account's role: %q", fresh.User.Role)
	}
	for _, p := range append(workPerms(), evidence.PermUsersManage, evidence.PermPolicyManage) {
		if evidence.RoleNone.Can(p) {
			t.Errorf("an account awaiting its role holds %s", p)
		}
	}
	if !evidence.RoleNone.Can(evidence.PermAuthenticated) {
		t.Error("an account awaiting its role cannot sign in")
	}
	for _, tc := range []struct {
		name   string
		who    Actor
		target Actor
		as     Assignment
		want   evidence.Code
	}{
		{"ErrAdministratorRole", secadmin, fresh, Assignment{Role: evidence.RoleSysAdmin}, evidence.EForbidden},
		{"ErrAuditorRole", secadmin, fresh, Assignment{Role: evidence.RoleAuditor}, evidence.EForbidden},
		{"ErrPersonBecomesStation", secadmin, fresh, Assignment{Role: evidence.RoleStation}, evidence.EInvalid},
		{"ErrStationBecomesOfficer", secadmin, station, Assignment{Role: evidence.RoleOfficer}, evidence.EInvalid},
		{"ErrNoRole", secadmin, fresh, Assignment{Role: evidence.RoleNone}, evidence.EInvalid},
		{"ErrOwnRole", secadmin, secadmin, Assignment{Role: evidence.RoleOfficer}, evidence.EForbidden},
		{"ErrAdministratorsAccount", secadmin, sysadmin, Assignment{Role: evidence.RoleOfficer}, evidence.EForbidden},
		{"OKStationDepartment", secadmin, station, Assignment{Role: evidence.RoleStation, SetDepartment: true, DepartmentID: &dept.ID}, ""},
		{"OKRoleAndDepartment", secadmin, fresh, Assignment{Role: evidence.RoleLeader, SetDepartment: true, DepartmentID: &dept.ID}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := a.Assign(ctx, tc.who, tc.target.User.ID, tc.as)
			if got := evidence.ErrorCode(err); got != tc.want {
				t.Errorf("Assign: %v, want code %q", err, tc.want)
			}
		})
	}
	var acc store.Account
	if err := db.View(ctx, func(tx *store.Tx) error { acc, err = tx.Account(ctx, fresh.User.ID); return err }); err != nil {
		t.Fatal(err)
	}
	if acc.Role != evidence.RoleLeader || acc.DepartmentID == nil || *acc.DepartmentID != dept.ID {
		t.Errorf("after the assignment: role %q, department %v", acc.Role, acc.DepartmentID)
	}
	// Nothing changed, nothing entered; a department alone is an update.
	if _, err := a.Assign(ctx, secadmin, fresh.User.ID, Assignment{Role: evidence.RoleLeader, SetDepartment: true, DepartmentID: &dept.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Assign(ctx, secadmin, fresh.User.ID, Assignment{Role: evidence.RoleLeader, SetDepartment: true}); err != nil {
		t.Fatal(err)
	}
	got := map[evidence.Action][]map[string]string{}
	if err := db.View(ctx, func(tx *store.Tx) error {
		return tx.Entries(ctx, 0, func(_ uint64, data, _ []byte) error {
			e, err := audit.Decode(data)
			if e.Object == "user:zhangwei" {
				delete(e.Details, "password_sha256") // a random initial password's digest, for the state check
				got[e.Action] = append(got[e.Action], e.Details)
			}
			return err
		})
	}); err != nil {
		t.Fatal(err)
	}
	want := map[evidence.Action][]map[string]string{
		evidence.ActionUserCreate:     {{"role": "none", "user_id": itoa(fresh.User.ID)}},
		evidence.ActionUserRoleChange: {{"from": "none", "to": "leader", "department_id": itoa(dept.ID)}},
		evidence.ActionUserUpdate:     {{"department_id": "null"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("custody entries of zhangwei (-want +got):\n%s", diff)
	}
}

// workPerms are the permissions of people's work, none of which an account
// awaiting its role holds.
func workPerms() []evidence.Permission {
	return []evidence.Permission{evidence.PermRecordingsList, evidence.PermRecordingsRead, evidence.PermContentRead, evidence.PermRecordingsEdit,
		evidence.PermUpload, evidence.PermBookmark, evidence.PermActivitiesRead, evidence.PermActivitiesRecord, evidence.PermActivitiesReview,
		evidence.PermAuditRead, evidence.PermAccessRequest, evidence.PermAccessApprove, evidence.PermRegisterRead, evidence.PermGrantRevoke}
}

// Issue 9 point 2: a reset of someone's password or second factor by
// someone else (the system administrator, the server's operator) is kept
// for them until they acknowledge it, which is logged; their own resets
// are not.
func TestCredentialResetNotice(t *testing.T) {
	a, db := newTestApp(t)
	ctx := context.Background()
	op := System("cli:root")
	sys, _, err := a.CreateUser(ctx, op, NewUser{Name: "admin", Role: evidence.RoleSysAdmin, DisplayName: "周强"})
	if err != nil {
		t.Fatal(err)
	}
	sysadmin := Actor{User: sys.User}
	off, _, err := a.CreateUser(ctx, op, NewUser{Name: "zhangwei", Role: evidence.RoleOfficer})
	if err != nil {
		t.Fatal(err)
	}
	officer := Actor{User: off.User}
	if _, _, err := a.UpdateUser(ctx, sysadmin, off.ID, UserChange{ResetPassword: true}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.UpdateUser(ctx, op, off.ID, UserChange{ResetTOTP: true}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.UpdateUser(ctx, sysadmin, off.ID, UserChange{Unlock: true}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.UpdateUser(ctx, officer, off.ID, UserChange{ResetTOTP: true}); err != nil { // one's own
		t.Fatal(err)
	}
	list, err := a.CredentialResets(ctx, officer)
	if err != nil {
		t.Fatal(err)
	}
	type short struct {
		By, Display    string
		Account        bool
		Password, TOTP bool
	}
	var got []short
	for _, r := range list {
		got = append(got, short{r.By, r.ByDisplayName, r.ByAccount, r.Password, r.TOTP})
	}
	want := []short{{"admin", "周强", true, true, false}, {"cli:root", "", false, false, true}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("resets told to zhangwei (-want +got):\n%s", diff)
	}
	for range 2 {
		if err := a.AcknowledgeResets(ctx, officer); err != nil {
			t.Fatal(err)
		}
	}
	if list, err := a.CredentialResets(ctx, officer); err != nil || len(list) != 0 {
		t.Errorf("after the acknowledgement: %v, %v; want none", list, err)
	}
	n := 0
	if err := db.View(ctx, func(tx *store.Tx) error {
		return tx.Entries(ctx, 0, func(_ uint64, data, _ []byte) error {
			e, err := audit.Decode(data)
			if e.Action == evidence.ActionUserResetSeen {
				n++
				if e.Actor != "zhangwei" || e.Details["resets"] != "2" {
					t.Errorf("acknowledgement entry %+v", e)
				}
			}
			return err
		})
	}); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("%d acknowledgements logged, want 1 (the second had nothing to acknowledge)", n)
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
	if _, err := a.Assign(ctx, secadmin, auditor.User.ID, Assignment{Role: evidence.RoleOfficer}); evidence.ErrorCode(err) != evidence.EForbidden {
		t.Errorf("secadmin demotes the auditor: %v, want forbidden", err)
	}
	if _, err := a.Assign(ctx, secadmin, officer.User.ID, Assignment{Role: evidence.RoleLeader}); err != nil {
		t.Errorf("secadmin gives an officer another role: %v", err)
	}
}
