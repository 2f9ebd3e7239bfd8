package main

import (
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"shilu/internal/auth"
	"shilu/internal/secret"
)

// X-SEC-3: the first command that opens an archive creates DIR/secrets.key,
// 32 random bytes in hex, readable by its owner only; every later command
// uses the same key.
func TestSecretsKeyFile(t *testing.T) {
	data := t.TempDir()
	mustCLI(t, "user", "add", "--data", data, "--name", "admin", "--role", "sysadmin")
	path := filepath.Join(data, "secrets.key")
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("no secrets key after the first command: %v", err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("secrets.key mode %v, want 0600", fi.Mode().Perm())
	}
	first, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[0-9a-f]{64}\n$`).Match(first) {
		t.Fatalf("secrets.key holds %d bytes, want 64 hex digits and a newline", len(first))
	}
	mustCLI(t, "user", "add", "--data", data, "--name", "secadmin", "--role", "secadmin")
	if again, _ := os.ReadFile(path); string(again) != string(first) {
		t.Error("a second command replaced the secrets key")
	}

	t.Run("ErrMalformed", func(t *testing.T) {
		bad := t.TempDir()
		content := strings.Repeat("ab", 31) // 31 bytes: one short
		if err := os.WriteFile(filepath.Join(bad, "secrets.key"), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := cli(t, "user", "add", "--data", bad, "--name", "admin", "--role", "sysadmin")
		if err == nil || !strings.Contains(err.Error(), "secrets.key") || strings.Contains(err.Error(), content) {
			t.Fatalf("malformed key: %v; want an error naming the file, not its content", err)
		}
	})
}

// X-SEC-3: processes starting together on a new data directory end up with
// one key, each reading it whole, and leave no temp files behind.
func TestSecretsKeyCreatedOnce(t *testing.T) {
	for range 20 {
		secretsKeyRace(t, t.TempDir())
	}
}

func secretsKeyRace(t *testing.T, dir string) {
	t.Helper()
	const n = 8
	boxes := make([]*secret.Box, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { boxes[i], errs[i] = loadSecretsKey(dir) })
	}
	wg.Wait()
	ad := []byte("users.totp_secret:1")
	sealed := ""
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("loader %d: %v", i, errs[i])
		}
		if sealed == "" {
			sealed = boxes[i].Seal([]byte("JBSWY3DPEHPK3PXP"), ad)
		}
		if got, err := boxes[i].Open(sealed, ad); err != nil || string(got) != "JBSWY3DPEHPK3PXP" {
			t.Errorf("loader %d has another key: %v", i, err)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != "secrets.key" {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("data directory holds %v, want only secrets.key", names)
	}
}

// X-SEC-3: end to end through the real data directory. An administrator
// enrols TOTP and signs in with it; shilu.db holds no base32 secret. Started
// with another secrets.key (a database restored without its key), the
// server refuses the second factor with a clear answer and one log line
// naming the user, not the secret — every time, without a 500 and without
// locking the account — until `shilu user reset --totp` lets them re-enrol.
func TestTOTPWithAnotherSecretsKey(t *testing.T) {
	data := t.TempDir()
	out := mustCLI(t, "user", "add", "--data", data, "--name", "admin", "--role", "sysadmin")
	initial := strings.TrimSpace(out[strings.Index(out, "initial password: ")+len("initial password: "):])
	const password = "Zhi-fa-ji-lu-2026"
	srv := startServer(t, data, "127.0.0.1:0")

	var sess struct {
		Token     string `json:"token"`
		CSRFToken string `json:"csrf_token"`
	}
	login := func(srv *server, password, code string) (int, string) {
		t.Helper()
		body := `{"name":"admin","password":"` + password + `"`
		if code != "" {
			body += `,"totp":"` + code + `"`
		}
		resp, b := apiBody(t, "POST", srv.URL+"/api/v1/login", "", nil, body+"}", &sess)
		return resp.StatusCode, string(b)
	}
	if code, b := login(srv, initial, ""); code != 200 {
		t.Fatalf("login: %d %s", code, b)
	}
	withCSRF := map[string]string{"Authorization": "Bearer " + sess.Token, "X-CSRF-Token": sess.CSRFToken}
	if resp, b := apiBody(t, "POST", srv.URL+"/api/v1/password", "", withCSRF, `{"old_password":"`+initial+`","new_password":"`+password+`"}`, nil); resp.StatusCode != 204 {
		t.Fatalf("password change: %d %s", resp.StatusCode, b)
	}
	var setup struct{ Secret string }
	if resp, b := api(t, "POST", srv.URL+"/api/v1/totp/setup", "", withCSRF, &setup); resp.StatusCode != 200 || setup.Secret == "" {
		t.Fatalf("totp setup: %d %s", resp.StatusCode, b)
	}
	step := auth.TOTPStep(time.Now())
	code, _ := auth.TOTPCode(setup.Secret, step)
	if resp, b := apiBody(t, "POST", srv.URL+"/api/v1/totp/enable", "", withCSRF, `{"code":"`+code+`"}`, nil); resp.StatusCode != 204 {
		t.Fatalf("totp enable: %d %s", resp.StatusCode, b)
	}
	// The next step's code: the enabling one is spent (a code is good once).
	next, _ := auth.TOTPCode(setup.Secret, step+1)
	if status, b := login(srv, password, next); status != 200 {
		t.Fatalf("login with TOTP: %d %s", status, b)
	}

	db, err := sql.Open("sqlite", "file:"+filepath.Join(data, "shilu.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	var stored string
	err = db.QueryRow(`SELECT totp_secret FROM users WHERE name = 'admin'`).Scan(&stored)
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(stored, "v1:") || strings.Contains(stored, setup.Secret) {
		t.Fatalf("users.totp_secret holds %q, want a sealed value", stored)
	}
	srv.stop()

	// A database restored beside a different key.
	if err := os.WriteFile(filepath.Join(data, "secrets.key"), []byte(hex.EncodeToString(secret.NewKey())+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv = startServer(t, data, "127.0.0.1:0")
	for i := range 6 { // one more than the lockout threshold
		next, _ := auth.TOTPCode(setup.Secret, auth.TOTPStep(time.Now())+1)
		status, b := login(srv, password, next)
		if status != 401 || !strings.Contains(b, `"key":"err.login.totp_unreadable"`) {
			t.Fatalf("login %d with another secrets key: %d %s; want 401 saying the second factor cannot be checked", i+1, status, b)
		}
	}
	logs := srv.logs()
	// The operator learns it at start, with the accounts and the way out.
	if !strings.Contains(logs, "TOTP secrets do not open with secrets.key") || !strings.Contains(logs, "accounts=admin") {
		t.Errorf("no start-up warning naming the accounts:\n%s", logs)
	}
	if n := strings.Count(logs, "totp secret unreadable"); n != 6 {
		t.Errorf("%d log lines about the unreadable secret, want one per attempt (6):\n%s", n, logs)
	}
	if !strings.Contains(logs, "user=admin") {
		t.Errorf("the log line does not name the user:\n%s", logs)
	}
	if strings.Contains(logs, setup.Secret) || strings.Contains(logs, stored[3:]) {
		t.Errorf("the server log contains the secret:\n%s", logs)
	}
	srv.stop()

	// Recovery: the administrator's second factor is reset at the console
	// and they enrol again.
	out = mustCLI(t, "user", "reset", "--data", data, "--name", "admin", "--totp")
	initial = strings.TrimSpace(out[strings.Index(out, "initial password: ")+len("initial password: "):])
	srv = startServer(t, data, "127.0.0.1:0")
	if status, b := login(srv, initial, ""); status != 200 || !strings.Contains(b, `"totp_setup_required": true`) {
		t.Fatalf("login after the reset: %d %s", status, b)
	}
}
