package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"shilu/internal/blob"
	"shilu/internal/evidence"
	"shilu/internal/store"
	"shilu/internal/web/ui"
)

// page fetches a workbench page as role with a bearer token.
func (ts *testServer) page(t *testing.T, role evidence.Role, path string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	if role != "" {
		req.Header.Set("Authorization", "Bearer "+ts.tokens[role])
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	ts.ServeHTTP(w, req)
	return w
}

// Every page renders for every role that may open it, and in both locales.
func TestPagesRender(t *testing.T) {
	ts := newTestServer(t)
	// Device 1, for /devices/{id}.
	if code := ts.call(t, "POST", "/api/v1/devices", evidence.RoleCustodian, `{"serial":"DSJ0A12"}`, nil); code != 201 {
		t.Fatalf("register a device: %d", code)
	}
	for _, rt := range ts.routes() {
		// The test server holds no activity nor case, accountability case or
		// spot check: TestActivityPages, TestCasePages,
		// TestAccountabilityHTTP and TestSpotCheckHTTP render their pages.
		if rt.perm == "" || rt.method != "GET" || strings.HasPrefix(rt.pattern, "/api/") || rt.pattern == "/activities/{id}" || rt.pattern == "/cases/{id}" ||
			rt.pattern == "/accountability/{id}" || rt.pattern == "/spotchecks/{id}" ||
			strings.HasSuffix(rt.pattern, ".csv") || strings.HasSuffix(rt.pattern, ".pdf") || strings.HasSuffix(rt.pattern, ".xlsx") {
			continue
		}
		path := ts.fill(rt.pattern)
		for _, role := range evidence.Roles {
			if !role.Can(rt.perm) {
				continue
			}
			for _, l := range []string{"zh", "en"} {
				w := ts.page(t, role, path+"?lang="+l)
				body := w.Body.String()
				if w.Code != http.StatusOK {
					t.Errorf("%s %s as %s: status %d\n%s", l, path, role, w.Code, body)
					continue
				}
				if !strings.Contains(body, `id="main"`) || !strings.Contains(body, ui.Msg(l, "role."+string(role))) {
					t.Errorf("%s %s as %s: no layout or role name", l, path, role)
				}
				if m := missingKey.FindString(body); m != "" {
					t.Errorf("%s %s as %s: unrendered value, missing message key or text filled wrongly: %q", l, path, role, m)
				}
			}
		}
	}
	for _, p := range []string{"/login", "/logout"} {
		if w := ts.page(t, "", p); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "实录") {
			t.Errorf("%s: %d", p, w.Code)
		}
	}
	// The start page is the role's first menu item, or a welcome page.
	for _, c := range []struct {
		role evidence.Role
		code int
		loc  string
	}{{"", http.StatusSeeOther, "/login"}, {evidence.RoleOfficer, http.StatusSeeOther, "/recordings"}, {evidence.RoleAuditor, http.StatusSeeOther, "/custody"}, {evidence.RoleSysAdmin, http.StatusSeeOther, "/admin/users"}, {evidence.RoleSecAdmin, http.StatusSeeOther, "/admin/roles"}} {
		if w := ts.page(t, c.role, "/"); w.Code != c.code || w.Header().Get("Location") != c.loc {
			t.Errorf("/ as %q: %d %s", c.role, w.Code, w.Header().Get("Location"))
		}
	}
}

// The left menu shows exactly the items the role may use.
func TestMenuShowsPermittedItems(t *testing.T) {
	ts := newTestServer(t)
	for _, role := range evidence.Roles {
		t.Run(string(role), func(t *testing.T) {
			m := ui.MenuFor(role)
			if len(m) == 0 {
				t.Fatalf("no menu for %s", role)
			}
			path := m[0].Items[0].Href
			w := ts.page(t, role, path)
			if w.Code != http.StatusOK {
				t.Fatalf("%s: %d", path, w.Code)
			}
			body := w.Body.String()
			nav := body[strings.Index(body, "<nav>"):strings.Index(body, "</nav>")]
			for _, g := range ui.Menu() {
				for _, it := range g.Items {
					shown := strings.Contains(nav, `href="`+it.Href+`"`)
					if shown != role.Can(it.Perm) {
						t.Errorf("%s shown=%v, permission %s", it.Href, shown, it.Perm)
					}
				}
			}
		})
	}
}

// Times are stored in UTC and shown in Asia/Shanghai.
func TestPagesShowShanghaiTime(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	start := time.Date(2026, 11, 25, 17, 30, 5, 0, time.UTC) // 01:30:05 on the 26th in Beijing
	end := start.Add(90 * time.Second)
	var id int64
	err := ts.cfg.DB.Update(ctx, func(tx *store.Tx) error {
		u, _, err := tx.UserByName(ctx, "u-station")
		if err != nil {
			return err
		}
		rec, err := tx.CreateRecording(ctx, evidence.Recording{Digest: blob.Sum([]byte("night shift")), Size: 11, Filename: "night.mp4",
			Kind: evidence.KindVideo, Device: "DSJ-7", Officer: "012345", RecordedStart: &start, RecordedEnd: &end}, u.ID)
		id = rec.ID
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/recordings", "/recordings?from=2026-11-26&to=2026-11-26", "/recordings/" + strconv.FormatInt(id, 10)} {
		body := ts.page(t, evidence.RoleOfficer, path).Body.String()
		if !strings.Contains(body, "2026-11-26 01:30:05") {
			t.Errorf("%s: no 2026-11-26 01:30:05 (Beijing time)", path)
		}
		if !strings.Contains(body, "1分30秒") {
			t.Errorf("%s: no duration 1分30秒", path)
		}
	}
	// The 25th in Beijing ends at 16:00 UTC: the recording is not on it.
	if body := ts.page(t, evidence.RoleOfficer, "/recordings?from=2026-11-25&to=2026-11-25").Body.String(); strings.Contains(body, "night.mp4") {
		t.Error("the date filter reads dates in UTC, not Beijing time")
	}
}

// A recording's page shows the player only with a live grant, and a request
// button without one.
func TestRecordingPagePlayer(t *testing.T) {
	ts := newTestServer(t)
	path := "/recordings/" + strconv.FormatInt(ts.recID, 10)
	// Everyone who may view holds a grant in newTestServer.
	if body := ts.page(t, evidence.RoleOfficer, path).Body.String(); !strings.Contains(body, `<video id="player"`) || !strings.Contains(body, "/api/v1/recordings/"+strconv.FormatInt(ts.recID, 10)+"/content") {
		t.Error("officer with a grant: no player")
	}
	body := ts.page(t, evidence.RoleStation, path).Body.String()
	if strings.Contains(body, "<video") || !strings.Contains(body, `id="no-grant"`) {
		t.Error("station: player shown without a grant")
	}
	if !strings.Contains(body, "入库") {
		t.Error("custody timeline lacks the ingest entry")
	}
}

// Browsers that are not signed in go to the sign-in page; API clients get
// 401; a forbidden page is an HTML page, not JSON.
func TestPageErrors(t *testing.T) {
	ts := newTestServer(t)
	w := ts.page(t, "", "/recordings?kind=video", "Accept", "text/html,application/xhtml+xml")
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/login?next=%2Frecordings%3Fkind%3Dvideo" {
		t.Errorf("anonymous browser: %d %q", w.Code, w.Header().Get("Location"))
	}
	if w := ts.page(t, "", "/recordings"); w.Code != http.StatusUnauthorized {
		t.Errorf("anonymous client: %d", w.Code)
	}
	w = ts.page(t, evidence.RoleOfficer, "/register", "Accept", "text/html")
	if w.Code != http.StatusForbidden || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") || !strings.Contains(w.Body.String(), ui.Msg("zh", "error.forbidden")) {
		t.Errorf("forbidden page: %d %s", w.Code, w.Header().Get("Content-Type"))
	}
	if w := ts.page(t, evidence.RoleOfficer, "/recordings/999"); w.Code != http.StatusNotFound || !strings.Contains(w.Body.String(), ui.Msg("zh", "error.not_found")) {
		t.Errorf("missing recording: %d", w.Code)
	}
	if w := ts.page(t, evidence.RoleOfficer, "/api/v1/recordings/999"); !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
		t.Errorf("API error is not JSON: %s", w.Header().Get("Content-Type"))
	}
	for _, next := range []string{"//evil.example/", "https://evil.example/", "javascript:alert(1)"} {
		if body := ts.page(t, "", "/login?next="+next).Body.String(); !strings.Contains(body, `data-next="/"`) {
			t.Errorf("sign-in page keeps next=%s", next)
		}
	}
}

// The register is exported as CSV with Chinese headings.
func TestRegisterCSV(t *testing.T) {
	ts := newTestServer(t)
	if w := ts.do("GET", "/api/v1/recordings/"+strconv.FormatInt(ts.recID, 10)+"/content", ts.tokens[evidence.RoleLegal]); w.Code != http.StatusOK {
		t.Fatalf("play: %d", w.Code)
	}
	w := ts.page(t, evidence.RoleCustodian, "/register.csv")
	body := w.Body.String()
	if w.Code != http.StatusOK || !strings.HasPrefix(body, "\uFEFF查阅人,") || !strings.Contains(body, "u-legal,"+strconv.FormatInt(ts.recID, 10)+",办案,route test,u-leader,") {
		t.Errorf("register.csv: %d\n%s", w.Code, body)
	}
	if body := ts.page(t, evidence.RoleCustodian, "/register").Body.String(); !strings.Contains(body, "u-legal") {
		t.Error("register page lacks the viewing")
	}
}

// The auditor reads the custody log per user and per object, and exports
// it as CSV.
func TestCustodyLogPage(t *testing.T) {
	ts := newTestServer(t)
	obj := "recording:" + strconv.FormatInt(ts.recID, 10)
	body := ts.page(t, evidence.RoleAuditor, "/custody?object="+obj).Body.String()
	if !strings.Contains(body, "入库") || strings.Contains(body, "user:") {
		t.Errorf("custody page for %s: no ingest entry, or entries of other objects", obj)
	}
	w := ts.page(t, evidence.RoleAuditor, "/custody.csv?actor=u-station")
	csv := w.Body.String()
	if w.Code != http.StatusOK || !strings.HasPrefix(csv, "\uFEFF序号,") || !strings.Contains(csv, ",u-station,入库,"+obj+",成功,") {
		t.Errorf("custody.csv: %d\n%s", w.Code, csv)
	}
}

// R-ACT-8: a recording joined from pieces or with stalled timestamps says
// so on its page, next to the other media facts.
func TestRecordingPageTimelineSigns(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	var id int64
	err := ts.cfg.DB.Update(ctx, func(tx *store.Tx) error {
		u, _, err := tx.UserByName(ctx, "u-station")
		if err != nil {
			return err
		}
		r, err := tx.CreateRecording(ctx, evidence.Recording{Digest: blob.Sum([]byte("spliced")), Size: 1, Filename: "spliced.mp4", Kind: evidence.KindVideo,
			Media: []byte(`{"kind":"video","container":"mp4","splices":2,"stalled_samples":7,"prober":"mp4"}`)}, u.ID)
		id = r.ID
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	body := ts.page(t, evidence.RoleStation, "/recordings/"+strconv.FormatInt(id, 10)).Body.String()
	for _, want := range []string{ui.Msg("zh", "rec.splices_n", 3), ui.Msg("zh", "rec.stalled_n", 7)} {
		if !strings.Contains(body, want) {
			t.Errorf("recording page lacks %q", want)
		}
	}
}
