package web

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"shilu/internal/auth"
	"shilu/internal/evidence"
	"shilu/internal/store"
)

// adminSession signs in an administrator made with goodPassword and
// enrols their second factor, as at their first sign-in (X-SEC-1).
func (e *peopleEnv) adminSession(name string, role evidence.Role) cred {
	e.t.Helper()
	e.addUser(name, role, goodPassword, false)
	_, s := e.login(name, goodPassword, "")
	var setup struct{ Secret string }
	e.do("POST", "/api/v1/totp/setup", s, "").decode(e.t, &setup)
	code, err := auth.TOTPCode(setup.Secret, auth.TOTPStep(e.clock()))
	if err != nil {
		e.t.Fatal(err)
	}
	if a := e.do("POST", "/api/v1/totp/enable", s, `{"code":"`+code+`"}`); a.code != http.StatusNoContent {
		e.t.Fatalf("enable TOTP of %s: %d %s", name, a.code, a.body)
	}
	return s
}

// firstSession signs in with an initial password and replaces it, as a
// new person does; it returns the session.
func (e *peopleEnv) firstSession(name, initial string) cred {
	e.t.Helper()
	a, s := e.login(name, initial, "")
	if a.code != http.StatusOK {
		e.t.Fatalf("sign-in of %s: %d %s", name, a.code, a.body)
	}
	body, _ := json.Marshal(passwordChange{Old: initial, New: goodPassword})
	if a := e.do("POST", "/api/v1/password", s, string(body)); a.code != http.StatusNoContent {
		e.t.Fatalf("password of %s: %d %s", name, a.code, a.body)
	}
	return s
}

// X-SEC-2 (issue 9 point 2, 等保 三员分立): the system administrator
// makes accounts without rights; the security administrator assigns role
// and department. So a system administrator who makes a leader and an
// officer, and knows both initial passwords, cannot approve themselves
// into content: the accounts can do nothing until the security
// administrator acts, and the system administrator can neither give a role
// nor move a department. Signed in with sessions, as people are. Before
// the change the system administrator gave the role and the department at
// creation, and the pair could request and approve at once.
func TestSeparationOfDuties(t *testing.T) {
	e := newPeopleEnv(t)
	sys := e.adminSession("admin", evidence.RoleSysAdmin)
	sec := e.adminSession("secadmin", evidence.RoleSecAdmin)
	var dept store.Department
	e.do("POST", "/api/v1/departments", sys, `{"name":"交警支队"}`).decode(t, &dept)

	// The system administrator cannot make an account with a role or a
	// department: the API names why.
	for _, tc := range []struct{ name, body, key string }{
		{"ErrRole", `{"name":"liuyang","role":"leader"}`, "err.user.role_field"},
		{"ErrStationAsRole", `{"name":"station-09","role":"station"}`, "err.user.role_field"},
		{"ErrDepartment", `{"name":"liuyang","department_id":` + itoa(dept.ID) + `}`, "err.user.department_field"},
	} {
		a := e.do("POST", "/api/v1/users", sys, tc.body)
		var b struct{ Error struct{ Key string } }
		_ = json.Unmarshal([]byte(a.body), &b)
		if a.code != http.StatusBadRequest || b.Error.Key != tc.key {
			t.Errorf("%s: %d %s; want 400 %s", tc.name, a.code, a.body, tc.key)
		}
	}

	// It makes the pair, without rights, and is shown their passwords.
	type made struct {
		User            store.Account `json:"user"`
		InitialPassword string        `json:"initial_password"`
	}
	var leader, officer made
	e.do("POST", "/api/v1/users", sys, `{"name":"liuyang","display_name":"刘洋","officer_no":"000101"}`).decode(t, &leader)
	e.do("POST", "/api/v1/users", sys, `{"name":"zhangwei","display_name":"张伟","officer_no":"000123"}`).decode(t, &officer)
	if leader.User.Role != evidence.RoleNone || officer.User.Role != evidence.RoleNone || leader.User.DepartmentID != nil {
		t.Fatalf("new accounts: %+v, %+v; want no role, no department", leader.User, officer.User)
	}
	ls := e.firstSession("liuyang", leader.InitialPassword)
	os := e.firstSession("zhangwei", officer.InitialPassword)

	// A fresh account can sign in, read its session and sign out; nothing
	// else, in the API or the workbench.
	if a := e.do("GET", "/api/v1/session", os, ""); a.code != http.StatusOK || !strings.Contains(a.body, `"role": "none"`) {
		t.Errorf("session of a fresh account: %d %s", a.code, a.body)
	}
	refused := []struct{ method, path, body string }{
		{"GET", "/api/v1/recordings", ""},
		{"GET", "/api/v1/activities", ""},
		{"POST", "/api/v1/access-requests", `{"recording_ids":[1],"purpose":"case","reason":"办案需要调阅","from":"2026-11-26T00:00:00Z","until":"2026-11-27T00:00:00Z"}`},
		{"GET", "/api/v1/access-requests", ""},
		{"POST", "/api/v1/access-requests/1/approve", `{}`},
		{"GET", "/api/v1/register", ""},
		{"GET", "/api/v1/users", ""},
		{"PUT", "/api/v1/users/" + itoa(officer.User.ID) + "/role", `{"role":"leader"}`},
		{"GET", "/recordings", ""},
		{"GET", "/approvals", ""},
	}
	for _, s := range []cred{ls, os} {
		for _, r := range refused {
			if a := e.do(r.method, r.path, s, r.body); a.code != http.StatusForbidden {
				t.Errorf("fresh account: %s %s: %d %s; want 403", r.method, r.path, a.code, a.body)
			}
		}
	}
	if a := e.do("GET", "/", os, ""); a.code != http.StatusOK || !strings.Contains(a.body, `id="awaiting-role"`) || !strings.Contains(a.body, "等待安全管理员分配角色和部门") {
		t.Errorf("home of a fresh account: %d; want the page that says it awaits its role", a.code)
	}
	if a := e.do("GET", "/?lang=en", os, ""); !strings.Contains(a.body, "awaits its role and department") {
		t.Error("English home of a fresh account does not say it awaits its role")
	}

	// The system administrator can give neither a role nor a department.
	for _, r := range []struct{ method, path, body string }{
		{"PUT", "/api/v1/users/" + itoa(leader.User.ID) + "/role", `{"role":"leader"}`},
		{"PUT", "/api/v1/users/" + itoa(officer.User.ID) + "/role", `{"role":"officer","department_id":` + itoa(dept.ID) + `}`},
		{"PATCH", "/api/v1/users/" + itoa(officer.User.ID), `{"department_id":` + itoa(dept.ID) + `}`},
	} {
		if a := e.do(r.method, r.path, sys, r.body); a.code != http.StatusForbidden && a.code != http.StatusBadRequest {
			t.Errorf("sysadmin: %s %s: %d %s; want refused", r.method, r.path, a.code, a.body)
		}
	}
	// Nor can the security administrator make an administrator, or turn a
	// person into a station.
	for _, body := range []string{`{"role":"sysadmin"}`, `{"role":"auditor"}`, `{"role":"station"}`} {
		if a := e.do("PUT", "/api/v1/users/"+itoa(officer.User.ID)+"/role", sec, body); a.code != http.StatusForbidden && a.code != http.StatusBadRequest {
			t.Errorf("secadmin gives %s: %d %s; want refused", body, a.code, a.body)
		}
	}

	// The security administrator assigns role and department; the same
	// sessions then work.
	for _, x := range []struct {
		id   int64
		role string
	}{{leader.User.ID, "leader"}, {officer.User.ID, "officer"}} {
		a := e.do("PUT", "/api/v1/users/"+itoa(x.id)+"/role", sec, `{"role":"`+x.role+`","department_id":`+itoa(dept.ID)+`}`)
		var acc store.Account
		a.decode(t, &acc)
		if a.code != http.StatusOK || string(acc.Role) != x.role || acc.DepartmentID == nil || *acc.DepartmentID != dept.ID {
			t.Errorf("assign %s: %d %s", x.role, a.code, a.body)
		}
	}
	if a := e.do("GET", "/api/v1/recordings", os, ""); a.code != http.StatusOK {
		t.Errorf("the officer after the assignment: %d %s", a.code, a.body)
	}
	if a := e.do("GET", "/approvals", ls, ""); a.code != http.StatusOK {
		t.Errorf("the leader after the assignment: %d", a.code)
	}
	log := e.custody()
	if n := count(log, "user.role_change:ok"); n != 2 {
		t.Errorf("custody log has %d role changes, want 2: %v", n, log)
	}
}

// X-SEC-1, X-SEC-2 (issue 9 point 2): a reset of someone's password or
// second factor by the system administrator is a custody entry and is told
// to that person at their next sign-in — when, by whom by name and number,
// in their language — until they acknowledge it, once. The browser's side
// (the sign-in form) is cmd/shilu's TestBrowserWorkbench.
func TestResetToldAtNextSignIn(t *testing.T) {
	e := newPeopleEnv(t)
	sys := e.adminSession("admin", evidence.RoleSysAdmin)
	if err := e.db.Update(t.Context(), func(tx *store.Tx) error {
		return tx.SetIdentity(t.Context(), e.accountID("admin"), "周强", "")
	}); err != nil {
		t.Fatal(err)
	}
	id := e.addUser("zhangwei", evidence.RoleOfficer, goodPassword, false)
	var reset struct {
		InitialPassword string `json:"initial_password"`
	}
	e.do("PATCH", "/api/v1/users/"+itoa(id), sys, `{"reset_password":true,"reset_totp":true}`).decode(t, &reset)
	log := e.custody()
	if count(log, "user.update:ok") != 1 {
		t.Fatalf("the reset is not in the custody log: %v", log)
	}
	_, s := e.login("zhangwei", reset.InitialPassword, "")
	var notice struct {
		Resets []struct {
			store.CredentialReset
			Message string `json:"message"`
		} `json:"resets"`
	}
	// Told while the session may do nothing else but change the password.
	a := e.do("GET", "/api/v1/reset-notice", s, "")
	a.decode(t, &notice)
	// 2026-11-26 01:00 UTC is 09:00 in Beijing.
	want := "您的密码和双因素认证已于 2026-11-26 09:00（北京时间）由周强（admin）重置。"
	if a.code != http.StatusOK || len(notice.Resets) != 1 || notice.Resets[0].Message != want || notice.Resets[0].By != "admin" ||
		!notice.Resets[0].Password || !notice.Resets[0].TOTP {
		t.Fatalf("reset notice: %d %s; want %q", a.code, a.body, want)
	}
	req, _ := http.NewRequest("GET", e.url+"/api/v1/reset-notice", nil)
	req.AddCookie(&http.Cookie{Name: auth.SessionCookie, Value: s.cookie})
	req.Header.Set("Accept-Language", "en")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&notice); err != nil || len(notice.Resets) != 1 ||
		notice.Resets[0].Message != "Your password and two-factor sign-in were reset on 2026-11-26 09:00 (Beijing time) by 周强 (admin)." {
		t.Errorf("English reset notice: %+v, %v", notice, err)
	}
	if a := e.do("POST", "/api/v1/reset-notice/acknowledge", s, ""); a.code != http.StatusNoContent {
		t.Fatalf("acknowledge: %d %s", a.code, a.body)
	}
	e.do("GET", "/api/v1/reset-notice", s, "").decode(t, &notice)
	if len(notice.Resets) != 0 {
		t.Errorf("after the acknowledgement: %+v; want none", notice.Resets)
	}
	if n := count(e.custody(), "user.reset_seen:ok"); n != 1 {
		t.Errorf("%d acknowledgements in the custody log, want 1", n)
	}
}
