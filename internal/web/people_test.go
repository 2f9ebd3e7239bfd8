package web

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"shilu/internal/audit"
	"shilu/internal/auth"
	"shilu/internal/evidence"
	"shilu/internal/store"
	"shilu/internal/store/storetest"
)

// peopleEnv is a real server over real HTTP and a real SQLite store whose
// clock the test moves.
type peopleEnv struct {
	t   *testing.T
	db  *store.DB
	url string
	mu  sync.Mutex
	now time.Time
}

var cheapArgon = auth.Params{Time: 1, Memory: 8 << 10, Threads: 1}

func newPeopleEnv(t *testing.T) *peopleEnv {
	t.Helper()
	e := &peopleEnv{t: t, now: time.Date(2026, 11, 26, 1, 0, 0, 0, time.UTC)}
	skey, _, err := audit.GenerateKey(storetest.Origin)
	if err != nil {
		t.Fatal(err)
	}
	log, verifier, err := audit.NewLog(storetest.Origin, skey)
	if err != nil {
		t.Fatal(err)
	}
	e.db, err = store.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "shilu.db"), store.Options{Clock: e.clock, Log: log, Secrets: storetest.SecretBox(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := e.db.Close(); err != nil {
			t.Error(err)
		}
	})
	srv := httptest.NewServer(New(Config{DB: e.db, Verifier: verifier, Origin: storetest.Origin, Argon2: cheapArgon}))
	t.Cleanup(srv.Close)
	e.url = srv.URL
	return e
}

func (e *peopleEnv) clock() time.Time { e.mu.Lock(); defer e.mu.Unlock(); return e.now }

func (e *peopleEnv) advance(d time.Duration) { e.mu.Lock(); e.now = e.now.Add(d); e.mu.Unlock() }

// addUser makes an account with a password and returns its id.
func (e *peopleEnv) addUser(name string, role evidence.Role, password string, mustChange bool) int64 {
	e.t.Helper()
	hash, err := auth.HashPassword(password, cheapArgon)
	if err != nil {
		e.t.Fatal(err)
	}
	var a store.Account
	err = e.db.Update(context.Background(), func(tx *store.Tx) error {
		a, err = tx.CreateAccount(context.Background(), store.NewAccount{Name: name, Role: role, PasswordHash: hash, MustChange: mustChange})
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return a.ID
}

// bearer makes an account of role and returns a bearer credential that
// acts as it (actAs: a station's token, anyone else's session).
func (e *peopleEnv) bearer(name string, role evidence.Role) string {
	e.t.Helper()
	var tok string
	err := e.db.Update(context.Background(), func(tx *store.Tx) error {
		u, err := tx.CreateUser(context.Background(), name, role, "")
		if err != nil {
			return err
		}
		tok, err = actAs(context.Background(), tx, u)
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// cred is how a request authenticates: a bearer token, or a session cookie
// with (optionally) its CSRF token.
type cred struct {
	bearer, cookie, csrf string
}

type answer struct {
	code int
	body string
	hdr  http.Header
}

// errCode is the error code of an error answer, "" for any other.
func (a answer) errCode() evidence.Code {
	var b struct {
		Error struct {
			Code evidence.Code `json:"code"`
		} `json:"error"`
	}
	if err := json.Unmarshal([]byte(a.body), &b); err != nil {
		return ""
	}
	return b.Error.Code
}

func (a answer) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(a.body), v); err != nil {
		t.Fatalf("decode %s: %v", a.body, err)
	}
}

func (e *peopleEnv) do(method, path string, c cred, body string) answer {
	e.t.Helper()
	req, err := http.NewRequest(method, e.url+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	if c.cookie != "" {
		req.AddCookie(&http.Cookie{Name: auth.SessionCookie, Value: c.cookie})
	}
	if c.csrf != "" {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, string(b), resp.Header}
}

// login signs in and returns the answer and the session as a cookie
// credential with its CSRF token.
func (e *peopleEnv) login(name, password, code string) (answer, cred) {
	e.t.Helper()
	body, _ := json.Marshal(loginRequest{Name: name, Password: password, TOTP: code})
	a := e.do("POST", "/api/v1/login", cred{}, string(body))
	var s sessionAnswer
	if a.code != http.StatusOK {
		return a, cred{}
	}
	a.decode(e.t, &s)
	var c cred
	for _, ck := range (&http.Response{Header: a.hdr}).Cookies() {
		if ck.Name == auth.SessionCookie {
			c.cookie = ck.Value
			if !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Path != "/" {
				e.t.Errorf("session cookie %+v: want HttpOnly, SameSite=Strict, Path=/", ck)
			}
		}
	}
	if c.cookie == "" || c.cookie != s.Token || s.CSRFToken == "" {
		e.t.Fatalf("login: cookie %q, answer %s", c.cookie, a.body)
	}
	c.csrf = s.CSRFToken
	return a, c
}

// custody returns the custody log as "action:outcome" strings.
func (e *peopleEnv) custody() []string {
	e.t.Helper()
	ctx := context.Background()
	var out []string
	err := e.db.View(ctx, func(tx *store.Tx) error {
		return tx.Entries(ctx, 0, func(_ uint64, data, _ []byte) error {
			en, err := audit.Decode(data)
			out = append(out, string(en.Action)+":"+en.Outcome)
			return err
		})
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

func count(list []string, s string) int {
	n := 0
	for _, x := range list {
		if x == s {
			n++
		}
	}
	return n
}

const goodPassword = "Correct-horse-7"

// X-SEC-1: five consecutive failures lock the account for 15 minutes;
// while locked even the right password is refused, with the answer of a
// wrong password (issue 9 point 8: a distinct "locked" answer told which
// names exist, since only those can be locked); the lockout is in the
// custody log once, and it ends.
func TestLockout(t *testing.T) {
	e := newPeopleEnv(t)
	e.addUser("zhangwei", evidence.RoleOfficer, goodPassword, false)
	for i := 1; i <= 5; i++ {
		if a, _ := e.login("zhangwei", "wrong", ""); a.code != http.StatusUnauthorized || !strings.Contains(a.body, `"key":"err.login.wrong"`) {
			t.Fatalf("failure %d: %d %s", i, a.code, a.body)
		}
	}
	steps := []struct {
		name     string
		advance  time.Duration
		password string
		want     int
	}{
		{"ErrLockedRightPassword", time.Minute, goodPassword, http.StatusUnauthorized},
		{"ErrLockedWrongPassword", 0, "wrong", http.StatusUnauthorized},
		{"ErrStillLocked", 13 * time.Minute, goodPassword, http.StatusUnauthorized},
		{"OKLockExpired", time.Minute, goodPassword, http.StatusOK},
	}
	for _, st := range steps {
		e.advance(st.advance)
		a, _ := e.login("zhangwei", st.password, "")
		if a.code != st.want || st.want != http.StatusOK && !strings.Contains(a.body, `"key":"err.login.wrong"`) {
			t.Errorf("%s: %d %s", st.name, a.code, a.body)
		}
	}
	log := e.custody()
	if n := count(log, "user.lockout:denied"); n != 1 {
		t.Errorf("custody log has %d lockouts, want 1: %v", n, log)
	}
	if n := count(log, "user.login_failed:failed"); n != 5 {
		t.Errorf("custody log has %d counted failures, want 5: %v", n, log)
	}
	if n := count(log, "user.login_failed:denied"); n != 3 {
		t.Errorf("custody log has %d refusals while locked, want 3: %v", n, log)
	}
	if log[len(log)-1] != "user.login:ok" {
		t.Errorf("last custody entry %s, want user.login:ok", log[len(log)-1])
	}
}

// X-SEC-1: a session ends after 30 minutes unused and after 8 hours
// however busy; a station's API token has no idle timeout; logout ends a
// session at once.
func TestIdleTimeout(t *testing.T) {
	e := newPeopleEnv(t)
	e.addUser("lina", evidence.RoleOfficer, goodPassword, false)
	station := e.bearer("station-01", evidence.RoleStation)
	_, s := e.login("lina", goodPassword, "")
	steps := []struct {
		name    string
		advance time.Duration
		c       cred
		want    int
	}{
		{"OK", 29 * time.Minute, s, http.StatusOK},
		{"OKUseMovesDeadline", 29 * time.Minute, s, http.StatusOK},
		{"ErrIdle", 30 * time.Minute, s, http.StatusUnauthorized},
		{"OKStationToken", 0, cred{bearer: station}, http.StatusOK},
	}
	for _, st := range steps {
		e.advance(st.advance)
		if a := e.do("GET", "/api/v1/session", st.c, ""); a.code != st.want {
			t.Errorf("%s: %d %s", st.name, a.code, a.body)
		}
	}

	_, s = e.login("lina", goodPassword, "")
	for elapsed := time.Duration(0); elapsed < 8*time.Hour-20*time.Minute; elapsed += 20 * time.Minute {
		e.advance(20 * time.Minute)
		if a := e.do("GET", "/api/v1/session", cred{bearer: s.cookie}, ""); a.code != http.StatusOK {
			t.Fatalf("busy session after %v: %d", elapsed, a.code)
		}
	}
	e.advance(20 * time.Minute)
	if a := e.do("GET", "/api/v1/session", cred{bearer: s.cookie}, ""); a.code != http.StatusUnauthorized {
		t.Errorf("session after 8 h: %d, want 401", a.code)
	}

	_, s = e.login("lina", goodPassword, "")
	if a := e.do("POST", "/api/v1/logout", s, ""); a.code != http.StatusNoContent || !strings.Contains(a.hdr.Get("Set-Cookie"), "Max-Age=0") {
		t.Fatalf("logout: %d %s %v", a.code, a.body, a.hdr)
	}
	if a := e.do("GET", "/api/v1/session", s, ""); a.code != http.StatusUnauthorized {
		t.Errorf("session after logout: %d, want 401", a.code)
	}
	if count(e.custody(), "user.logout:ok") != 1 {
		t.Errorf("custody log %v: want one logout", e.custody())
	}
}

// X-SEC-1: a state-changing request that a session cookie authenticates
// needs the session's CSRF token; a bearer token needs none. A refusal is
// in the custody log.
func TestCSRF(t *testing.T) {
	e := newPeopleEnv(t)
	e.addUser("lina", evidence.RoleOfficer, goodPassword, false)
	_, s := e.login("lina", goodPassword, "")
	_, other := e.login("lina", goodPassword, "")
	tests := []struct {
		name   string
		method string
		c      cred
		want   int
	}{
		{"ErrCookieWithoutToken", "POST", cred{cookie: s.cookie}, http.StatusForbidden},
		{"ErrCookieWithOtherSessionsToken", "POST", cred{cookie: s.cookie, csrf: other.csrf}, http.StatusForbidden},
		{"OKCookieWithToken", "POST", s, http.StatusOK},
		{"OKBearerWithoutToken", "POST", cred{bearer: other.cookie}, http.StatusOK},
		{"OKCookieSafeMethod", "GET", cred{cookie: s.cookie}, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := "/api/v1/totp/setup"
			if tt.method == "GET" {
				path = "/api/v1/session"
			}
			a := e.do(tt.method, path, tt.c, "")
			if a.code != tt.want {
				t.Fatalf("%d %s", a.code, a.body)
			}
			if a.code == http.StatusForbidden && a.errCode() != evidence.EForbidden {
				t.Errorf("code %s, want forbidden", a.errCode())
			}
		})
	}
	// The session answer gives the page its CSRF token again.
	var sa sessionAnswer
	e.do("GET", "/api/v1/session", cred{cookie: s.cookie}, "").decode(t, &sa)
	if sa.CSRFToken != s.csrf || sa.Token != "" {
		t.Errorf("session answer: csrf %q (want %q), token %q (want none)", sa.CSRFToken, s.csrf, sa.Token)
	}
	if n := count(e.custody(), "access.denied:denied"); n != 2 {
		t.Errorf("custody log %v: want two denials", e.custody())
	}
}

// X-SEC-1: administrators need a second factor. Without one, their session
// reaches only the TOTP setup; enabling takes a right code; from then on
// sign-in needs a code, each code is good once, wrong ones count as
// failures.
func TestTOTP(t *testing.T) {
	e := newPeopleEnv(t)
	e.addUser("admin", evidence.RoleSysAdmin, goodPassword, false)
	a, s := e.login("admin", goodPassword, "")
	var sa sessionAnswer
	a.decode(t, &sa)
	if !sa.TOTPSetupRequired || sa.PasswordChangeRequired {
		t.Errorf("login answer %s: want totp_setup_required only", a.body)
	}
	if a := e.do("GET", "/api/v1/users", s, ""); a.code != http.StatusForbidden || !strings.Contains(a.body, "totp_setup_required") {
		t.Fatalf("admin without TOTP reaches the users: %d %s", a.code, a.body)
	}
	var setup struct{ Secret, URI string }
	e.do("POST", "/api/v1/totp/setup", s, "").decode(t, &setup)
	if !strings.HasPrefix(setup.URI, "otpauth://totp/Shilu:admin?") || setup.Secret == "" {
		t.Fatalf("setup: %+v", setup)
	}
	code := func() string {
		c, err := auth.TOTPCode(setup.Secret, auth.TOTPStep(e.clock()))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	wrong := func() string { c := []byte(code()); c[0] = '0' + (c[0]-'0'+1)%10; return string(c) }
	if a := e.do("POST", "/api/v1/totp/enable", s, `{"code":"`+wrong()+`"}`); a.code != http.StatusBadRequest {
		t.Fatalf("enable with a wrong code: %d %s", a.code, a.body)
	}
	enableCode := code()
	if a := e.do("POST", "/api/v1/totp/enable", s, `{"code":"`+enableCode+`"}`); a.code != http.StatusNoContent {
		t.Fatalf("enable: %d %s", a.code, a.body)
	}
	if a := e.do("GET", "/api/v1/users", s, ""); a.code != http.StatusOK {
		t.Errorf("users after enabling TOTP: %d %s", a.code, a.body)
	}
	if a := e.do("POST", "/api/v1/totp/setup", s, ""); a.code != http.StatusConflict || strings.Contains(a.body, setup.Secret) {
		t.Errorf("setup again: %d %s; want 409 and the secret never shown again", a.code, a.body)
	}
	tests := []struct {
		name    string
		advance time.Duration
		code    func() string
		want    int
	}{
		{"ErrMissing", 0, func() string { return "" }, http.StatusUnauthorized},
		{"ErrReusedEnableCode", 0, func() string { return enableCode }, http.StatusUnauthorized},
		{"ErrWrong", 0, wrong, http.StatusUnauthorized},
		{"OKNextStep", 30 * time.Second, code, http.StatusOK},
		{"ErrReused", 0, code, http.StatusUnauthorized},
		{"OKStepAfter", 30 * time.Second, code, http.StatusOK},
	}
	for _, tt := range tests {
		e.advance(tt.advance)
		if a, _ := e.login("admin", goodPassword, tt.code()); a.code != tt.want {
			t.Errorf("%s: %d %s", tt.name, a.code, a.body)
		}
	}
	log := e.custody()
	if count(log, "user.totp_enable:ok") != 1 || count(log, "user.login:ok") != 3 || count(log, "user.login_failed:failed") != 4 {
		t.Errorf("custody log %v: want one TOTP enable, three logins, four failures", log)
	}
}

// X-SEC-1: an initial password, and one older than 90 days, confine the
// session to changing it; the new password follows the policy and differs
// from the old; a wrong old password is refused and counted.
func TestMustChangePassword(t *testing.T) {
	e := newPeopleEnv(t)
	admin := e.bearer("admin-cli", evidence.RoleSysAdmin)
	var created struct {
		User            store.Account `json:"user"`
		InitialPassword string        `json:"initial_password"`
	}
	a := e.do("POST", "/api/v1/users", cred{bearer: admin}, `{"name":"wangfang"}`)
	if a.code != http.StatusCreated {
		t.Fatalf("create user: %d %s", a.code, a.body)
	}
	a.decode(t, &created)
	if !created.User.MustChange || created.InitialPassword == "" || strings.Contains(a.body, "argon2") {
		t.Fatalf("create user: %s", a.body)
	}
	// The security administrator's assignment (TestSeparationOfDuties).
	if err := e.db.Update(context.Background(), func(tx *store.Tx) error {
		return tx.SetRole(context.Background(), created.User.ID, evidence.RoleCustodian)
	}); err != nil {
		t.Fatal(err)
	}
	initial := created.InitialPassword
	_, s := e.login("wangfang", initial, "")
	if a := e.do("GET", "/api/v1/recordings", s, ""); a.code != http.StatusForbidden || a.errCode() != evidence.EPasswordChange {
		t.Fatalf("initial password reaches recordings: %d %s", a.code, a.body)
	}
	if a := e.do("GET", "/api/v1/session", s, ""); a.code != http.StatusOK || !strings.Contains(a.body, `"password_change_required": true`) {
		t.Errorf("session: %d %s", a.code, a.body)
	}
	tests := []struct {
		name, old, new string
		want           int
	}{
		{"ErrTooShort", initial, "Short-1", http.StatusBadRequest},
		{"ErrTwoClasses", initial, "onlylowercase123", http.StatusBadRequest},
		{"ErrContainsName", initial, "Wangfang-2026-x", http.StatusBadRequest},
		{"ErrSameAsOld", initial, initial, http.StatusBadRequest},
		{"ErrWrongOld", "Not-the-password-1", goodPassword, http.StatusForbidden},
		{"OK", initial, goodPassword, http.StatusNoContent},
	}
	for _, tt := range tests {
		body, _ := json.Marshal(passwordChange{Old: tt.old, New: tt.new})
		if a := e.do("POST", "/api/v1/password", s, string(body)); a.code != tt.want {
			t.Errorf("%s: %d %s", tt.name, a.code, a.body)
		}
	}
	if a := e.do("GET", "/api/v1/recordings", s, ""); a.code != http.StatusOK {
		t.Errorf("recordings after the change: %d %s", a.code, a.body)
	}
	e.advance(90 * 24 * time.Hour)
	_, s = e.login("wangfang", goodPassword, "")
	if a := e.do("GET", "/api/v1/recordings", s, ""); a.errCode() != evidence.EPasswordChange {
		t.Errorf("password after 90 days reaches recordings: %d %s", a.code, a.body)
	}
	log := e.custody()
	if count(log, "user.create:ok") != 1 || count(log, "user.password_change:ok") != 1 || count(log, "user.password_change:failed") != 1 {
		t.Errorf("custody log %v: want a creation, a failed and a done password change", log)
	}
}

// X-SEC-2: the system administrator manages accounts, departments and
// station tokens but gives no role and no department; roles and
// departments are the security administrator's, never for their own
// account; each change is in the custody log.
func TestAdministration(t *testing.T) {
	e := newPeopleEnv(t)
	sys := cred{bearer: e.bearer("sys", evidence.RoleSysAdmin)}
	sec := cred{bearer: e.bearer("sec", evidence.RoleSecAdmin)}
	var city, traffic store.Department
	e.do("POST", "/api/v1/departments", sys, `{"name":"市局"}`).decode(t, &city)
	e.do("POST", "/api/v1/departments", sys, `{"name":"交警支队","parent_id":`+itoa(city.ID)+`}`).decode(t, &traffic)
	if traffic.ParentID == nil || *traffic.ParentID != city.ID {
		t.Fatalf("department %+v", traffic)
	}
	var created struct {
		User store.Account `json:"user"`
	}
	e.do("POST", "/api/v1/users", sys, `{"name":"zhangwei"}`).decode(t, &created)
	officer := created.User
	e.do("POST", "/api/v1/users", sys, `{"name":"station-02","station":true}`).decode(t, &created)
	station := created.User
	if officer.Role != evidence.RoleNone || station.Role != evidence.RoleStation {
		t.Fatalf("new accounts' roles: %q, %q", officer.Role, station.Role)
	}
	secID := e.accountID("sec")
	user := "/api/v1/users/" + itoa(officer.ID)
	tests := []struct {
		name, method, path string
		c                  cred
		body               string
		want               int
	}{
		{"ErrDuplicateName", "POST", "/api/v1/users", sys, `{"name":"zhangwei"}`, http.StatusConflict},
		{"ErrAdministratorRole", "POST", "/api/v1/users", sys, `{"name":"root2","role":"secadmin"}`, http.StatusBadRequest},
		{"ErrDepartment", "POST", "/api/v1/users", sys, `{"name":"x","department_id":` + itoa(city.ID) + `}`, http.StatusBadRequest},
		{"ErrSysAdminMovesDepartment", "PATCH", user, sys, `{"department_id":` + itoa(city.ID) + `}`, http.StatusBadRequest},
		{"ErrNothingToChange", "PATCH", user, sys, `{}`, http.StatusBadRequest},
		{"ErrSysAdminSetsRole", "PUT", user + "/role", sys, `{"role":"leader"}`, http.StatusForbidden},
		{"OKSecAdminAssigns", "PUT", user + "/role", sec, `{"role":"leader","department_id":` + itoa(city.ID) + `}`, http.StatusOK},
		{"ErrMissingDepartment", "PUT", user + "/role", sec, `{"role":"leader","department_id":999}`, http.StatusNotFound},
		{"OKNoDepartment", "PUT", user + "/role", sec, `{"role":"leader","department_id":null}`, http.StatusOK},
		{"ErrOwnRole", "PUT", "/api/v1/users/" + itoa(secID) + "/role", sec, `{"role":"officer"}`, http.StatusForbidden},
		{"ErrTokenForPerson", "POST", user + "/tokens", sys, `{"name":"x"}`, http.StatusBadRequest},
		{"OKStationToken", "POST", "/api/v1/users/" + itoa(station.ID) + "/tokens", sys, `{"name":"采集站 2"}`, http.StatusCreated},
		{"ErrSecAdminListsDepartments", "GET", "/api/v1/departments", sec, ``, http.StatusForbidden},
		{"OKDisable", "PATCH", user, sys, `{"disabled":true}`, http.StatusOK},
	}
	for _, tt := range tests {
		if a := e.do(tt.method, tt.path, tt.c, tt.body); a.code != tt.want {
			t.Errorf("%s: %d %s", tt.name, a.code, a.body)
		}
	}
	var list struct{ Users []store.Account }
	e.do("GET", "/api/v1/users", sys, "").decode(t, &list)
	for _, u := range list.Users {
		if u.Name == "zhangwei" && (u.Role != evidence.RoleLeader || !u.Disabled || u.DepartmentID != nil) {
			t.Errorf("zhangwei after the changes: %+v", u)
		}
	}
	log := e.custody()
	for action, want := range map[string]int{"department.create:ok": 2, "user.create:ok": 2, "user.update:ok": 2, "user.role_change:ok": 1, "token.create:ok": 1} {
		if n := count(log, action); n != want {
			t.Errorf("custody log has %d %s, want %d: %v", n, action, want, log)
		}
	}
}

func (e *peopleEnv) accountID(name string) int64 {
	e.t.Helper()
	var a store.Account
	err := e.db.View(context.Background(), func(tx *store.Tx) error {
		var err error
		a, err = tx.AccountByName(context.Background(), name)
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return a.ID
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// R-ACT-3: accounts carry the display name the notice reads out and the
// officer number activities name them by; a number belongs to one account
// (409), malformed ones are refused, and changes land in the custody log.
func TestOfficerIdentity(t *testing.T) {
	e := newPeopleEnv(t)
	sys := cred{bearer: e.bearer("sys", evidence.RoleSysAdmin)}
	var created struct {
		User store.Account `json:"user"`
	}
	a := e.do("POST", "/api/v1/users", sys, `{"name":"zhangwei","display_name":"张伟","officer_no":"000123"}`)
	if a.code != http.StatusCreated {
		t.Fatalf("create: %d %s", a.code, a.body)
	}
	a.decode(t, &created)
	if created.User.DisplayName != "张伟" || created.User.OfficerNo != "000123" {
		t.Errorf("created %+v", created.User)
	}
	lina := e.do("POST", "/api/v1/users", sys, `{"name":"lina"}`)
	lina.decode(t, &created)
	linaID := itoa(created.User.ID)
	tests := []struct {
		name, method, path, body string
		want                     int
	}{
		{"ErrConflictOnCreate", "POST", "/api/v1/users", `{"name":"x","officer_no":"000123"}`, http.StatusConflict},
		{"ErrConflictOnUpdate", "PATCH", "/api/v1/users/" + linaID, `{"officer_no":"000123"}`, http.StatusConflict},
		{"ErrBadNumber", "PATCH", "/api/v1/users/" + linaID, `{"officer_no":"000/124"}`, http.StatusBadRequest},
		{"ErrControlInName", "POST", "/api/v1/users", `{"name":"y","display_name":"李\u0007娜"}`, http.StatusBadRequest},
		{"OKSetBoth", "PATCH", "/api/v1/users/" + linaID, `{"display_name":"李娜","officer_no":"000124"}`, http.StatusOK},
		{"OKNameOnlyKeepsNumber", "PATCH", "/api/v1/users/" + linaID, `{"display_name":"李 娜"}`, http.StatusOK},
	}
	for _, tt := range tests {
		if a := e.do(tt.method, tt.path, sys, tt.body); a.code != tt.want {
			t.Errorf("%s: %d %s", tt.name, a.code, a.body)
		}
	}
	var list struct{ Users []store.Account }
	e.do("GET", "/api/v1/users", sys, "").decode(t, &list)
	found := false
	for _, u := range list.Users {
		if u.Name == "lina" {
			found = true
			if u.DisplayName != "李 娜" || u.OfficerNo != "000124" {
				t.Errorf("lina after the changes: %+v", u)
			}
		}
	}
	if !found {
		t.Errorf("lina not listed: %+v", list.Users)
	}
	if n := count(e.custody(), "user.update:ok"); n != 2 {
		t.Errorf("custody log has %d user.update, want 2", n)
	}
}

// R-ACT-3: the accounts page shows each account's display name and officer
// number, carries them to the edit dialog (data-display, data-officer), and
// both dialogs edit them.
func TestAdminUsersShowOfficerIdentity(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	err := ts.cfg.DB.Update(ctx, func(tx *store.Tx) error {
		u, _, err := tx.UserByName(ctx, "u-officer")
		if err != nil {
			return err
		}
		return tx.SetIdentity(ctx, u.ID, "张伟", "000123")
	})
	if err != nil {
		t.Fatal(err)
	}
	body := ts.page(t, evidence.RoleSysAdmin, "/admin/users").Body.String()
	for _, want := range []string{"<th>姓名</th>", "<th>执法证号</th>", "<td>张伟</td>", "<code>000123</code>", `data-display="张伟" data-officer="000123"`,
		`id="nu-badge" name="officer_no"`, `id="eu-badge" name="officer_no"`, `id="nu-dname" name="display_name"`, `id="eu-dname" name="display_name"`} {
		if !strings.Contains(body, want) {
			t.Errorf("users page lacks %q", want)
		}
	}
	if body := ts.page(t, evidence.RoleSysAdmin, "/admin/users?lang=en").Body.String(); !strings.Contains(body, "<th>Officer no.</th>") {
		t.Error("English users page lacks the officer number column")
	}
	// The name search finds officers by display name and by number.
	for _, q := range []string{"%E5%BC%A0%E4%BC%9F", "000123"} { // 张伟
		body := ts.page(t, evidence.RoleSysAdmin, "/admin/users?name="+q).Body.String()
		tbl := body[strings.Index(body, `id="users-table"`):]
		if !strings.Contains(tbl, `data-name="u-officer"`) || strings.Contains(tbl, `data-name="u-leader"`) {
			t.Errorf("search %s: wrong rows", q)
		}
	}
}
