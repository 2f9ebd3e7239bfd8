package web

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"shilu/internal/app"
	"shilu/internal/audit"
	"shilu/internal/auth"
	"shilu/internal/blob"
	"shilu/internal/blob/disk"
	"shilu/internal/evidence"
	"shilu/internal/ingest"
	"shilu/internal/media"
	"shilu/internal/store"
	"shilu/internal/store/storetest"
	"shilu/internal/web/ui"
)

// testServer is a server over a real SQLite store and disk blob store, with
// one user and token per role and one recording.
type testServer struct {
	*Server
	tokens map[evidence.Role]string
	recID  int64
}

func newTestServer(t *testing.T) *testServer {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	db, verifier := storetest.Open(t)
	blobs, err := disk.Open(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	ing, err := ingest.New(ingest.Config{Dir: filepath.Join(dir, "uploads"), BasePath: "/api/v1/uploads/", Prober: media.Prober{}, NamePatterns: media.DefaultNamePatterns()}, db, blobs)
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{tokens: map[evidence.Role]string{}}
	content := []byte("recorded bytes")
	d := blob.Sum(content)
	if err := blobs.Put(ctx, d, bytes.NewReader(content), int64(len(content))); err != nil {
		t.Fatal(err)
	}
	cheap := auth.Params{Time: 1, Memory: 8 << 10, Threads: 1}
	err = db.Update(ctx, func(tx *store.Tx) error {
		for _, r := range evidence.Roles {
			hash, _ := auth.HashPassword("pw-"+string(r), cheap)
			u, err := tx.CreateUser(ctx, "u-"+string(r), r, hash)
			if err != nil {
				return err
			}
			if ts.tokens[r], err = actAs(ctx, tx, u); err != nil {
				return err
			}
			if r == evidence.RoleStation {
				rec, err := tx.CreateRecording(ctx, evidence.Recording{Digest: d, Size: int64(len(content)), Filename: "a.mp4", Kind: evidence.KindVideo}, u.ID)
				if err != nil {
					return err
				}
				ts.recID = rec.ID
				if _, err := tx.Audit(ctx, audit.Entry{Actor: u.Name, Action: "recording.ingest", Object: app.ObjRecording(rec.ID), Outcome: audit.OutcomeOK}); err != nil {
					return err
				}
			}
		}
		// Everyone who may view holds a live grant for the recording, so
		// that the route walk sees the permission table's decision alone.
		return grantEveryone(ctx, tx, ts.recID)
	})
	if err != nil {
		t.Fatal(err)
	}
	ts.Server = New(Config{DB: db, Blobs: blobs, Ingest: ing, Verifier: verifier, Origin: storetest.Origin, Argon2: cheap, SessionTTL: time.Hour})
	// The register's last counts are written before the store closes
	// (cleanups run last first), as the server does when it shuts down.
	t.Cleanup(func() {
		if err := ts.app.FlushViewings(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return ts
}

// actAs returns a bearer credential that acts as account u: a
// station's API token, and for anyone else a session, as if they had
// signed in (tokens belong to stations, issue 9 point 3) with the second
// factor set up where their role needs one.
func actAs(ctx context.Context, tx *store.Tx, u evidence.User) (string, error) {
	tok, th := auth.NewToken()
	if u.Role == evidence.RoleStation {
		return tok, tx.CreateToken(ctx, u.ID, th, "test")
	}
	if auth.DefaultPolicy().RequiresTOTP(u.Role) {
		if err := tx.EnableTOTP(ctx, u.ID, 0); err != nil {
			return "", err
		}
	}
	_, err := tx.CreateSession(ctx, u.ID, th, tx.Now().AddDate(10, 0, 0))
	return tok, err
}

// jumpingClock is the sign-in policy of the test servers whose clock jumps
// by days: the sessions actAs made stay live across the jumps.
var jumpingClock = auth.Policy{IdleTimeout: 10 * 365 * 24 * time.Hour}

// again returns a new credential for the test account of role.
func (ts *testServer) again(t *testing.T, role evidence.Role) string {
	t.Helper()
	ctx := context.Background()
	var tok string
	err := ts.cfg.DB.Update(ctx, func(tx *store.Tx) error {
		u, _, err := tx.UserByName(ctx, "u-"+string(role))
		if err != nil {
			return err
		}
		tok, err = actAs(ctx, tx, u)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// grantEveryone gives every role that may view content a live,
// registered grant for recording recID that allows watermarked copies,
// approved by the test leader.
func grantEveryone(ctx context.Context, tx *store.Tx, recID int64) error {
	users := map[evidence.Role]int64{}
	for _, r := range evidence.Roles {
		u, _, err := tx.UserByName(ctx, "u-"+string(r))
		if err != nil {
			return err
		}
		users[r] = u.ID
	}
	for _, r := range evidence.Roles {
		if !r.Can(evidence.PermContentRead) {
			continue
		}
		req, err := tx.CreateAccessRequest(ctx, evidence.AccessRequest{RequesterID: users[r], Purpose: evidence.PurposeCaseWork, Reason: "route test",
			RecordingIDs: []int64{recID}, From: tx.Now(), Until: tx.Now().Add(time.Hour), Download: true})
		if err != nil {
			return err
		}
		req.Status = evidence.RequestApproved
		if _, err := approveDirectly(ctx, tx, req, users[evidence.RoleLeader]); err != nil {
			return err
		}
	}
	return nil
}

// fill substitutes path parameters with values that exist.
func (ts *testServer) fill(pattern string) string {
	r := strings.NewReplacer("{id}", "1", "{index}", "0")
	if strings.HasPrefix(pattern, "/api/v1/uploads/") {
		r = strings.NewReplacer("{id}", "no-such-upload")
	}
	return r.Replace(pattern)
}

func (ts *testServer) do(method, path, token string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, nil)
	if method == "POST" && path == "/api/v1/login" {
		req = httptest.NewRequest(method, path, strings.NewReader(`{"name":"nobody","password":"x"}`))
		req.Header.Set("Content-Type", "application/json")
	}
	if method == "POST" && strings.HasPrefix(path, "/api/v1/uploads") {
		req.Header.Set("Tus-Resumable", "1.0.0")
		req.Header.Set("Upload-Length", "10")
	}
	if method == "PATCH" || method == "HEAD" || method == "DELETE" {
		req.Header.Set("Tus-Resumable", "1.0.0")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	ts.ServeHTTP(w, req)
	return w
}

// The route table is the access table: every route is walked with every
// role, and the answer must be a denial exactly when the role lacks the
// route's permission. X-SEC-2: the system and security administrators
// cannot fetch a recording's content; the auditor reads the log only.
func TestRouteAccess(t *testing.T) {
	ts := newTestServer(t)
	for _, rt := range ts.routes() {
		path := ts.fill(rt.pattern)
		t.Run(rt.method+" "+rt.pattern, func(t *testing.T) {
			if rt.perm != "" {
				if w := ts.do(rt.method, path, ""); w.Code != http.StatusUnauthorized {
					t.Errorf("anonymous: status %d, want 401", w.Code)
				}
			}
			for _, role := range evidence.Roles {
				token := ts.tokens[role]
				if rt.pattern == "/api/v1/logout" {
					token = ts.again(t, role) // signing out ends the session
				}
				w := ts.do(rt.method, path, token)
				allowed := rt.perm == "" || role.Can(rt.perm)
				// An open route may answer 401 for bad credentials in its
				// body (sign-in), and DELETE of a recording refuses
				// everyone it admits (originals are never deleted); those
				// are not access decisions.
				refusal := strings.Contains(w.Body.String(), `"key":"err.recording.no_delete"`)
				denied := w.Code == http.StatusForbidden && !refusal || rt.perm != "" && w.Code == http.StatusUnauthorized
				if allowed == denied {
					t.Errorf("%s: status %d, want allowed=%v (%s)", role, w.Code, allowed, w.Body.String())
				}
			}
		})
	}
	for _, role := range []evidence.Role{evidence.RoleSysAdmin, evidence.RoleSecAdmin, evidence.RoleAuditor, evidence.RoleStation} {
		if role.Can(evidence.PermContentRead) {
			t.Errorf("%s may read recording content", role)
		}
	}
}

// Every API route is described in the OpenAPI file, which is valid YAML
// with each route under paths (a text search once passed a file whose
// paths had slid into another section).
func TestOpenAPICoversRoutes(t *testing.T) {
	ts := newTestServer(t)
	var doc struct {
		Paths map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(ts.do("GET", "/api/v1/openapi.yaml", "").Body.Bytes(), &doc); err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	for _, rt := range ts.routes() {
		if !strings.HasPrefix(rt.pattern, "/api/") {
			continue // workbench pages and operational endpoints are not the API
		}
		if _, ok := doc.Paths[rt.pattern][strings.ToLower(rt.method)]; !ok {
			t.Errorf("openapi.yaml has no %s %s", rt.method, rt.pattern)
		}
	}
}

// X-SEC-1: wrong passwords are refused and logged; a right one gives a
// session token that works.
func TestLogin(t *testing.T) {
	ts := newTestServer(t)
	login := func(name, pw string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", "/api/v1/login", strings.NewReader(`{"name":"`+name+`","password":"`+pw+`"}`))
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		ts.ServeHTTP(w, req)
		return w
	}
	for _, c := range []struct{ name, user, pw string }{{"ErrWrongPassword", "u-officer", "wrong"}, {"ErrUnknownUser", "nobody", "x"}} {
		if w := login(c.user, c.pw); w.Code != http.StatusUnauthorized || !strings.Contains(w.Body.String(), `"key":"err.login.wrong"`) {
			t.Errorf("%s: %d %s", c.name, w.Code, w.Body.String())
		}
	}
	// Login CSRF: a cross-site form post (no JSON content type) signs nobody in.
	form := httptest.NewRequest("POST", "/api/v1/login", strings.NewReader(`{"name":"u-officer","password":"pw-officer"}`))
	form.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	fw := httptest.NewRecorder()
	ts.ServeHTTP(fw, form)
	if fw.Code != http.StatusBadRequest || len(fw.Result().Cookies()) != 0 {
		t.Errorf("form-encoded sign-in: %d, cookies %v; want 400 and none", fw.Code, fw.Result().Cookies())
	}
	w := login("u-officer", "pw-officer")
	if w.Code != http.StatusOK {
		t.Fatalf("login: %d %s", w.Code, w.Body.String())
	}
	tok := w.Body.String()[strings.Index(w.Body.String(), "shl_"):]
	tok = tok[:strings.IndexByte(tok, '"')]
	if w := ts.do("GET", "/api/v1/recordings", tok); w.Code != http.StatusOK {
		t.Errorf("session token: %d", w.Code)
	}
	ctx := context.Background()
	var actions []string
	err := ts.cfg.DB.View(ctx, func(tx *store.Tx) error {
		return tx.Entries(ctx, 0, func(_ uint64, data, _ []byte) error {
			e, _ := audit.Decode(data)
			actions = append(actions, string(e.Action)+":"+e.Outcome)
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(actions, " ")
	if !strings.Contains(got, "user.login_failed:failed user.login_failed:failed user.login:ok") {
		t.Errorf("custody log %s: want two failed logins and one login", got)
	}
}

// TestMenuPerms: the menu offers a page to exactly the roles the route
// table lets open it.
func TestMenuPerms(t *testing.T) {
	perm := map[string]evidence.Permission{}
	for _, rt := range New(Config{}).routes() {
		if rt.method == "GET" {
			perm[rt.pattern] = rt.perm
		}
	}
	for href, p := range ui.MenuPages() {
		if got, ok := perm[href]; !ok || got != p {
			t.Errorf("menu item %s needs %q, the route table says %q (present: %v)", href, p, got, ok)
		}
	}
}
