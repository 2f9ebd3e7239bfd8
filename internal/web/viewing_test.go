package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"shilu/internal/app"
	"shilu/internal/audit"
	"shilu/internal/evidence"
	"shilu/internal/store"
)

// approveDirectly stores the approval of req by leaderID in the database,
// as another instance or the CLI would, and registers its grant as the
// bureau's policy would (Art. 16), so that fixtures that are not about
// registration can play at once.
func approveDirectly(ctx context.Context, tx *store.Tx, req evidence.AccessRequest, leaderID int64) (evidence.AccessRequest, error) {
	req, err := tx.DecideAccessRequest(ctx, req, leaderID)
	if err != nil || req.GrantID == 0 {
		return req, err
	}
	if _, err := tx.RegisterGrant(ctx, req.GrantID, 0, evidence.RegisteredByPolicy); err != nil {
		return req, err
	}
	return tx.AccessRequest(ctx, req.ID)
}

// addAccount adds an account of role in a new department named dept ("" =
// none) under a new top department, and returns a credential acting as
// it.
func (ts *testServer) addAccount(t *testing.T, name string, role evidence.Role, dept string) string {
	t.Helper()
	ctx := context.Background()
	var tok string
	err := ts.cfg.DB.Update(ctx, func(tx *store.Tx) error {
		u, err := tx.CreateUser(ctx, name, role, "")
		if err != nil {
			return err
		}
		if dept != "" {
			top, err := tx.CreateDepartment(ctx, dept+"所属分局", nil)
			if err != nil {
				return err
			}
			d, err := tx.CreateDepartment(ctx, dept, &top.ID)
			if err != nil {
				return err
			}
			if err := tx.SetDepartment(ctx, u.ID, &d.ID); err != nil {
				return err
			}
		}
		tok, err = actAs(ctx, tx, u)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// with sends a request with credential tok.
func (ts *testServer) with(method, path, tok string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	w := httptest.NewRecorder()
	ts.ServeHTTP(w, req)
	return w
}

// lastEntry returns the newest custody entry of recording id.
func (ts *testServer) lastEntry(t *testing.T, id int64) audit.Entry {
	t.Helper()
	var e audit.Entry
	err := ts.cfg.DB.View(context.Background(), func(tx *store.Tx) error {
		raw, err := tx.AuditTrail(context.Background(), app.ObjRecording(id), 1000)
		if err != nil || len(raw) == 0 {
			return err
		}
		e, err = audit.Decode(raw[len(raw)-1])
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// requestApproved files the officer's request for recording id through the
// API and has the leader approve it; it returns the grant.
func (ts *testServer) requestApproved(t *testing.T, id int64, download bool) int64 {
	t.Helper()
	var req evidence.AccessRequest
	body := fmt.Sprintf(`{"recording_ids":[%d],"purpose":"case_work","reason":"案件调查需要","until":%q,"download":%t}`, id, time.Now().Add(24*time.Hour).Format(time.RFC3339), download)
	if code := ts.call(t, "POST", "/api/v1/access-requests", evidence.RoleOfficer, body, &req); code != http.StatusCreated {
		t.Fatalf("request: %d", code)
	}
	if code := ts.call(t, "POST", fmt.Sprintf("/api/v1/access-requests/%d/approve", req.ID), evidence.RoleLeader, `{"comment":"同意"}`, &req); code != http.StatusOK || req.GrantID == 0 {
		t.Fatalf("approve: %d %+v", code, req)
	}
	return req.GrantID
}

// R-VIEW-1 (Art. 16: 经保管人登记后方可查阅): an approved grant serves no
// content until a custodian who keeps the recording's department registers
// it. Before, every content request is refused with the catalogue's
// message and a denial on the trail, and the requester's page says 待保管人
// 登记; a custodian of another department neither sees nor registers it;
// the custodian who keeps it does, from 待登记, and the content is served
// and the register names the custodian.
func TestCustodianRegistersBeforeViewing(t *testing.T) {
	ts := newTestServer(t)
	rec := ts.addUngranted(t, "registration.mp4", []byte("bytes of a recording waiting for its custodian"))
	grant := ts.requestApproved(t, rec, false)
	content := fmt.Sprintf("/api/v1/recordings/%d/content", rec)

	code, e := ts.callErr(t, "GET", content, evidence.RoleOfficer, "")
	if code != http.StatusForbidden || e.Key != "err.grant.unregistered" || !strings.Contains(e.Message, "待保管人登记") {
		t.Fatalf("content before registration: %d %+v, want 403 err.grant.unregistered", code, e)
	}
	if x := ts.lastEntry(t, rec); x.Action != evidence.ActionAccessDenied || x.Outcome != audit.OutcomeDenied || x.Details["grant"] != fmt.Sprint(grant) {
		t.Errorf("last entry %+v, want the denial naming grant %d", x, grant)
	}
	page := ts.page(t, evidence.RoleOfficer, fmt.Sprintf("/recordings/%d", rec)).Body.String()
	if !strings.Contains(page, `id="awaits-registration"`) || strings.Contains(page, `data-src=`) {
		t.Error("the requester's recording page does not say 待保管人登记, or offers the player")
	}
	if w := ts.page(t, evidence.RoleOfficer, "/grants"); !strings.Contains(w.Body.String(), "awaits-registration") {
		t.Error("我的授权 does not say the grant waits for the custodian")
	}

	other := ts.addAccount(t, "u-keeper-b", evidence.RoleCustodian, "二科")
	if w := ts.with("GET", "/grants/register", other); w.Code != http.StatusOK || strings.Contains(w.Body.String(), fmt.Sprintf(`data-grant="%d"`, grant)) {
		t.Errorf("another department's custodian: %d, lists the grant: %v", w.Code, strings.Contains(w.Body.String(), fmt.Sprintf(`data-grant="%d"`, grant)))
	}
	if w := ts.with("POST", fmt.Sprintf("/api/v1/grants/%d/register", grant), other); w.Code != http.StatusForbidden {
		t.Errorf("another department's custodian registers: %d, want 403", w.Code)
	}
	for _, role := range []evidence.Role{evidence.RoleOfficer, evidence.RoleLeader, evidence.RoleSecAdmin} {
		if code := ts.call(t, "POST", fmt.Sprintf("/api/v1/grants/%d/register", grant), role, "", nil); code != http.StatusForbidden {
			t.Errorf("%s registers: %d, want 403", role, code)
		}
	}
	if code, _ := ts.callErr(t, "GET", content, evidence.RoleOfficer, ""); code != http.StatusForbidden {
		t.Fatalf("content after refused registrations: %d", code)
	}

	w := ts.page(t, evidence.RoleCustodian, "/grants/register")
	if !strings.Contains(w.Body.String(), fmt.Sprintf(`data-grant="%d"`, grant)) {
		t.Fatalf("待登记 of the custodian does not list grant %d", grant)
	}
	if w := ts.page(t, evidence.RoleCustodian, "/dashboard"); !strings.Contains(w.Body.String(), `data-stat="to_register"`) {
		t.Error("the custodian's dashboard has no count of grants to register")
	}
	var g evidence.Grant
	if code := ts.call(t, "POST", fmt.Sprintf("/api/v1/grants/%d/register", grant), evidence.RoleCustodian, "", &g); code != http.StatusOK || g.RegisteredBy != "u-custodian" {
		t.Fatalf("register: %d %+v", code, g)
	}
	if w := ts.play(evidence.RoleOfficer, rec, "bytes=0-9"); w.Code != http.StatusPartialContent {
		t.Fatalf("content after registration: %d %s", w.Code, w.Body.String())
	}
	page = ts.page(t, evidence.RoleOfficer, fmt.Sprintf("/recordings/%d", rec)).Body.String()
	if !strings.Contains(page, `id="player-box"`) || !strings.Contains(page, `data-wm-name="u-officer"`) || !strings.Contains(page, fmt.Sprintf(`data-wm-grant="%d"`, grant)) {
		t.Error("the recording page has no watermarked player after registration")
	}
	if err := ts.app.FlushViewings(context.Background()); err != nil {
		t.Fatal(err)
	}
	reg := ts.page(t, evidence.RoleCustodian, "/register").Body.String()
	if !strings.Contains(reg, `data-kind="view"`) || !strings.Contains(reg, `class="small muted registrar">u-custodian`) {
		t.Error("the register does not show the viewing with its registering custodian")
	}
	csv := ts.page(t, evidence.RoleCustodian, "/register.csv").Body.String()
	if !strings.Contains(csv, "登记人") || !strings.Contains(csv, ",查阅,u-custodian ") {
		t.Errorf("the register's CSV lacks the registering custodian:\n%s", csv)
	}
}

// R-VIEW-1: the security administrator may have every grant registered
// when it is approved; the register says 自动登记, and only policy.manage
// changes the setting.
func TestAutoRegistrationPolicy(t *testing.T) {
	ts := newTestServer(t)
	for _, role := range []evidence.Role{evidence.RoleCustodian, evidence.RoleLeader, evidence.RoleSysAdmin} {
		if code := ts.call(t, "PUT", "/api/v1/viewing-settings", role, `{"auto_register":true}`, nil); code != http.StatusForbidden {
			t.Errorf("%s sets the viewing policy: %d, want 403", role, code)
		}
	}
	if code := ts.call(t, "PUT", "/api/v1/viewing-settings", evidence.RoleSecAdmin, `{"auto_register":true}`, nil); code != http.StatusOK {
		t.Fatalf("security administrator sets the policy: %d", code)
	}
	if w := ts.page(t, evidence.RoleSecAdmin, "/admin/roles"); !strings.Contains(w.Body.String(), `id="vp-auto" checked`) {
		t.Error("角色管理 does not show the policy on")
	}
	rec := ts.addUngranted(t, "policy.mp4", []byte("bytes of a recording registered by policy"))
	ts.requestApproved(t, rec, false)
	if w := ts.play(evidence.RoleOfficer, rec, "bytes=0-9"); w.Code != http.StatusPartialContent {
		t.Fatalf("content under a grant registered by policy: %d %s", w.Code, w.Body.String())
	}
	if err := ts.app.FlushViewings(context.Background()); err != nil {
		t.Fatal(err)
	}
	if reg := ts.page(t, evidence.RoleCustodian, "/register").Body.String(); !strings.Contains(reg, `class="small muted registrar">自动登记`) {
		t.Error("the register does not say 自动登记")
	}
}
