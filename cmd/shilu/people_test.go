package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode"

	"shilu/internal/auth"
	"shilu/internal/evidence"
	"shilu/internal/locale"
	"shilu/internal/store"
)

// X-SEC-2: departments and the first accounts come from the CLI; a name is
// never reused; a station gets no password; a reset gives a new initial
// password.
func TestPeopleCLI(t *testing.T) {
	data := t.TempDir()
	if out := mustCLI(t, "dept", "add", "--data", data, "--name", "市局"); out != "department 1 市局 created\n" {
		t.Errorf("dept add: %q", out)
	}
	mustCLI(t, "dept", "add", "--data", data, "--name", "交警支队", "--parent", "市局")
	mustCLI(t, "dept", "add", "--data", data, "--name", "一大队", "--parent", "2")
	if out := mustCLI(t, "dept", "list", "--data", data); out != "1 市局\n  2 交警支队\n    3 一大队\n" {
		t.Errorf("dept list:\n%s", out)
	}
	// A department named where the CLI wants one is found by its unique
	// name; the operator reads why not in the catalogue's words.
	mustCLI(t, "dept", "add", "--data", data, "--name", "一大队", "--parent", "1")
	for _, tc := range []struct {
		parent string
		want   evidence.Message
	}{
		{"no such", evidence.Msg("err.department.not_found_name", "no such")},
		{"一大队", evidence.Msg("err.department.ambiguous", 2, "一大队")},
	} {
		_, err := cli(t, "dept", "add", "--data", data, "--name", "x", "--parent", tc.parent)
		if err == nil {
			t.Errorf("dept add under %q succeeded", tc.parent)
			continue
		}
		zh := describe(err, func(string) string { return "" })
		en := describe(err, func(k string) string { return map[string]string{"LANG": "en_US.UTF-8"}[k] })
		if want := locale.New(locale.Chinese).Msg(tc.want); zh != want || !strings.ContainsFunc(zh, isHan) {
			t.Errorf("dept add under %q: %q, want %q", tc.parent, zh, want)
		}
		if want := locale.New(locale.English).Msg(tc.want); en != want {
			t.Errorf("dept add under %q in English: %q, want %q", tc.parent, en, want)
		}
	}
	if out := mustCLI(t, "user", "add", "--data", data, "--name", "zhangwei", "--role", "officer", "--dept", "3"); !strings.Contains(out, "initial password: ") {
		t.Errorf("user add: %q", out)
	}
	if _, err := cli(t, "user", "add", "--data", data, "--name", "zhangwei", "--role", "leader"); err == nil {
		t.Error("a second account named zhangwei was made")
	}
	if out := mustCLI(t, "user", "add", "--data", data, "--name", "station-01", "--role", "station"); strings.Contains(out, "password") {
		t.Errorf("station add: %q", out)
	}
	if out := mustCLI(t, "user", "reset", "--data", data, "--name", "zhangwei", "--totp"); !strings.Contains(out, "initial password: ") {
		t.Errorf("user reset: %q", out)
	}
	if _, err := cli(t, "user", "reset", "--data", data, "--name", "station-01"); err == nil {
		t.Error("a station's password was reset")
	}
}

// X-SEC-1, X-SEC-2: the first administrator, made from the CLI, signs in to
// the real server and is confined to changing the initial password, then
// to setting up TOTP; after that the session works, and cookie requests
// that change state need the CSRF token.
func TestFirstAdministrator(t *testing.T) {
	data := t.TempDir()
	out := mustCLI(t, "user", "add", "--data", data, "--name", "admin", "--role", "sysadmin")
	initial := strings.TrimSpace(out[strings.Index(out, "initial password: ")+len("initial password: "):])
	srv := startServer(t, data, "127.0.0.1:0")

	var sess struct {
		Token     string `json:"token"`
		CSRFToken string `json:"csrf_token"`
	}
	if resp, b := apiBody(t, "POST", srv.URL+"/api/v1/login", "", nil, `{"name":"admin","password":"`+initial+`"}`, &sess); resp.StatusCode != 200 ||
		!strings.Contains(string(b), `"password_change_required": true`) {
		t.Fatalf("login: %d %s", resp.StatusCode, b)
	}
	cookie := map[string]string{"Cookie": auth.SessionCookie + "=" + sess.Token}
	withCSRF := map[string]string{"Cookie": cookie["Cookie"], "X-CSRF-Token": sess.CSRFToken}
	if resp, b := api(t, "GET", srv.URL+"/api/v1/users", "", cookie, nil); resp.StatusCode != 403 || !strings.Contains(string(b), "password_change_required") {
		t.Fatalf("users with the initial password: %d %s", resp.StatusCode, b)
	}
	if resp, b := apiBody(t, "POST", srv.URL+"/api/v1/password", "", withCSRF, `{"old_password":"`+initial+`","new_password":"Zhi-fa-ji-lu-2026"}`, nil); resp.StatusCode != 204 {
		t.Fatalf("password change: %d %s", resp.StatusCode, b)
	}
	if resp, b := api(t, "GET", srv.URL+"/api/v1/users", "", cookie, nil); resp.StatusCode != 403 || !strings.Contains(string(b), "totp_setup_required") {
		t.Fatalf("users without TOTP: %d %s", resp.StatusCode, b)
	}
	var setup struct{ Secret string }
	if resp, b := api(t, "POST", srv.URL+"/api/v1/totp/setup", "", withCSRF, &setup); resp.StatusCode != 200 {
		t.Fatalf("totp setup: %d %s", resp.StatusCode, b)
	}
	code, _ := auth.TOTPCode(setup.Secret, auth.TOTPStep(time.Now()))
	if resp, b := apiBody(t, "POST", srv.URL+"/api/v1/totp/enable", "", withCSRF, `{"code":"`+code+`"}`, nil); resp.StatusCode != 204 {
		t.Fatalf("totp enable: %d %s", resp.StatusCode, b)
	}
	if resp, b := apiBody(t, "POST", srv.URL+"/api/v1/departments", "", cookie, `{"name":"市局"}`, nil); resp.StatusCode != 403 {
		t.Errorf("department without the CSRF token: %d %s", resp.StatusCode, b)
	}
	if resp, b := apiBody(t, "POST", srv.URL+"/api/v1/departments", "", withCSRF, `{"name":"市局"}`, nil); resp.StatusCode != 201 {
		t.Errorf("department: %d %s", resp.StatusCode, b)
	}
	var users struct{ Users []json.RawMessage }
	if resp, b := api(t, "GET", srv.URL+"/api/v1/users", "", cookie, &users); resp.StatusCode != 200 || len(users.Users) != 1 || strings.Contains(string(b), "argon2") {
		t.Errorf("users: %d %s", resp.StatusCode, b)
	}
	// X-SEC-2: the system administrator cannot fetch recordings.
	if resp, _ := api(t, "GET", srv.URL+"/api/v1/recordings/1/content", "", cookie, nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("sysadmin content: %d, want 403", resp.StatusCode)
	}
}

// R-ACT-3: `user add` gives an officer the display name and officer number
// the notice and the activities use, also from SHILU_* variables; a number
// already held is refused, a malformed one too.
func TestUserAddOfficerIdentity(t *testing.T) {
	data := t.TempDir()
	mustCLI(t, "dept", "add", "--data", data, "--name", "稽查科")
	mustCLI(t, "user", "add", "--data", data, "--name", "zhangwei", "--role", "officer", "--dept", "稽查科", "--display-name", "张伟", "--officer-no", "000123")
	env := map[string]string{"SHILU_DATA": data, "SHILU_NAME": "lina", "SHILU_ROLE": "officer", "SHILU_DISPLAY_NAME": "李娜", "SHILU_OFFICER_NO": "000124"}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"user", "add"}, func(k string) string { return env[k] }, &out, &out); err != nil {
		t.Fatalf("user add from the environment: %v (%s)", err, out.String())
	}
	if _, err := cli(t, "user", "add", "--data", data, "--name", "other", "--role", "officer", "--officer-no", "000123"); err == nil {
		t.Error("a second account with officer number 000123 was made")
	}
	if _, err := cli(t, "user", "add", "--data", data, "--name", "other", "--role", "officer", "--officer-no", "00 123"); err == nil {
		t.Error("an officer number with a space was accepted")
	}
	e := &cmdEnv{ctx: context.Background()}
	a, err := e.openArchive(data)
	if err != nil {
		t.Fatal(err)
	}
	defer closeT(t, a)
	var dir map[string]store.Officer
	if err := a.db.View(e.ctx, func(tx *store.Tx) error { dir, err = tx.OfficerDirectory(e.ctx); return err }); err != nil {
		t.Fatal(err)
	}
	if o := dir["000123"]; o.Name != "张伟" || o.User != "zhangwei" || o.Department != "稽查科" {
		t.Errorf("000123 = %+v", o)
	}
	if o := dir["000124"]; o.Name != "李娜" || o.User != "lina" || len(dir) != 2 {
		t.Errorf("directory = %+v", dir)
	}
}

func isHan(r rune) bool { return unicode.Is(unicode.Han, r) }
