package web

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"shilu/internal/app"
	"shilu/internal/evidence"
	"shilu/internal/web/ui"
)

// grantOf returns the live grant the test server gave role's user.
func (ts *testServer) grantOf(t *testing.T, role evidence.Role) evidence.Grant {
	t.Helper()
	var out struct{ Grants []evidence.Grant }
	if code := ts.call(t, "GET", "/api/v1/grants?mine=1&live=1", role, "", &out); code != 200 || len(out.Grants) != 1 {
		t.Fatalf("grants of %s: %d %+v", role, code, out.Grants)
	}
	return out.Grants[0]
}

// rowOf returns the table row of a page whose opening tag carries attr.
func rowOf(body, attr string) string {
	i := strings.Index(body, "<tr "+attr)
	if i < 0 {
		return ""
	}
	j := strings.Index(body[i:], "</tr>")
	return body[i : i+j]
}

// R-VIEW-1: 授权管理 is open to exactly those who may revoke (custodian,
// leader, security administrator), in the menu under 查阅管理, in both
// languages; each grant in force has 收回授权 and the search narrows the
// list. The security administrator still starts at 角色管理.
func TestGrantsAdminPage(t *testing.T) {
	ts := newTestServer(t)
	for _, role := range evidence.Roles {
		inMenu := false
		for _, g := range ui.MenuFor(role) {
			for _, it := range g.Items {
				if it.Href == "/grants/all" {
					inMenu = g.Key == "menu.access"
				}
			}
		}
		w := ts.page(t, role, "/grants/all")
		may := role.Can(evidence.PermGrantRevoke)
		if inMenu != may || (w.Code == http.StatusOK) != may {
			t.Errorf("%s: in menu %v, status %d; may revoke %v", role, inMenu, w.Code, may)
		}
	}
	if w := ts.page(t, evidence.RoleSecAdmin, "/"); w.Header().Get("Location") != "/admin/roles" {
		t.Errorf("security administrator starts at %q", w.Header().Get("Location"))
	}

	officer := ts.grantOf(t, evidence.RoleOfficer)
	for _, role := range []evidence.Role{evidence.RoleCustodian, evidence.RoleLeader, evidence.RoleSecAdmin} {
		for _, c := range []struct{ lang, title, button, purpose string }{{"zh", "授权管理", "收回授权", "办案"}, {"en", "Grant management", "Revoke grant", "Case work"}} {
			body := ts.page(t, role, "/grants/all?lang="+c.lang).Body.String()
			row := rowOf(body, fmt.Sprintf(`data-grant="%d"`, officer.ID))
			if !strings.Contains(body, c.title) {
				t.Errorf("%s %s: no title %q", c.lang, role, c.title)
			}
			for _, want := range []string{"u-officer", "route test", "u-leader", c.purpose, fmt.Sprintf(`data-action="rv-revoke" data-id="%d"`, officer.ID), c.button} {
				if !strings.Contains(row, want) {
					t.Errorf("%s %s: officer's grant row lacks %q:\n%s", c.lang, role, want, row)
				}
			}
			if !strings.Contains(body, `id="revoke-dialog"`) || !strings.Contains(body, "revoke.js") {
				t.Errorf("%s %s: no revoke dialog or script", c.lang, role)
			}
		}
	}

	// The search: by grantee, recording, purpose.
	for _, c := range []struct {
		name, query string
		rows        int
	}{
		{"Grantee", "grantee=u-officer", 1},
		{"GranteeNone", "grantee=nobody", 0},
		{"Recording", fmt.Sprintf("recording=%d", ts.recID), 5},
		{"RecordingNone", "recording=999", 0},
		{"Purpose", "purpose=case_work", 5},
		{"PurposeNone", "purpose=litigation", 0},
		{"Ended", "state=ended", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			body := ts.page(t, evidence.RoleCustodian, "/grants/all?"+c.query).Body.String()
			if got := strings.Count(body, `data-action="rv-revoke"`); got != c.rows {
				t.Errorf("%s: %d grants with 收回授权, want %d", c.query, got, c.rows)
			}
			if c.rows == 0 && !strings.Contains(body, "没有符合条件的授权") {
				t.Errorf("%s: no empty-list message", c.query)
			}
		})
	}
	if w := ts.page(t, evidence.RoleCustodian, "/grants/all?recording=abc"); w.Code != http.StatusBadRequest {
		t.Errorf("recording=abc: %d, want 400", w.Code)
	}
}

// R-VIEW-1: a grant revoked from 授权管理 (the dialog's call: a reason is
// required) leaves the grants in force, shows as revoked by whom among the
// ended ones, stops the grantee's next range request, and is on the
// recording's custody timeline with a readable label and the reason.
func TestRevokeGrantFromPage(t *testing.T) {
	ts := newTestServer(t)
	g := ts.grantOf(t, evidence.RoleOfficer)
	path := fmt.Sprintf("/api/v1/grants/%d/revoke", g.ID)
	content := fmt.Sprintf("/api/v1/recordings/%d/content", ts.recID)
	if code := ts.call(t, "GET", content, evidence.RoleOfficer, "", nil); code != http.StatusOK {
		t.Fatalf("content before revocation: %d", code)
	}

	for _, c := range []struct {
		name string
		role evidence.Role
		body string
		want int
	}{
		{"ErrForbidden", evidence.RoleOfficer, `{"reason":"不再需要"}`, http.StatusForbidden},
		{"ErrNoReason", evidence.RoleCustodian, ``, http.StatusBadRequest},
		{"ErrBlankReason", evidence.RoleCustodian, `{"reason":"  "}`, http.StatusBadRequest},
		{"ErrControlCharacters", evidence.RoleCustodian, `{"reason":"案件\u0007已结"}`, http.StatusBadRequest},
		{"ErrLongReason", evidence.RoleCustodian, `{"reason":"` + strings.Repeat("长", 501) + `"}`, http.StatusBadRequest},
		{"OK", evidence.RoleCustodian, `{"reason":"案件已移送检察院，无需继续查阅"}`, http.StatusOK},
		{"ErrConflict", evidence.RoleLeader, `{"reason":"再次收回"}`, http.StatusConflict},
	} {
		t.Run(c.name, func(t *testing.T) {
			if code := ts.call(t, "POST", path, c.role, c.body, nil); code != c.want {
				t.Errorf("status %d, want %d", code, c.want)
			}
		})
	}

	if code := ts.call(t, "GET", content, evidence.RoleOfficer, "", nil); code != http.StatusForbidden {
		t.Errorf("content after revocation: %d, want 403", code)
	}
	live := ts.page(t, evidence.RoleCustodian, "/grants/all").Body.String()
	if strings.Contains(live, fmt.Sprintf(`data-grant="%d"`, g.ID)) {
		t.Error("the revoked grant is still among the grants in force")
	}
	row := rowOf(ts.page(t, evidence.RoleCustodian, "/grants/all?state=ended").Body.String(), fmt.Sprintf(`data-grant="%d"`, g.ID))
	if !strings.Contains(row, "已撤销") || !strings.Contains(row, "u-custodian") || strings.Contains(row, "rv-revoke") {
		t.Errorf("ended grants: revoked row %q", row)
	}

	var entry map[string]string
	for _, e := range ts.custodyOf(t, app.ObjRecording(ts.recID)) {
		if e.Action == "grant.revoke" {
			entry = e.Details
			if e.Actor != "u-custodian" {
				t.Errorf("revoked by %q", e.Actor)
			}
		}
	}
	if entry["reason"] != "案件已移送检察院，无需继续查阅" || entry["grant"] != fmt.Sprint(g.ID) || entry["grantee"] != "u-officer" {
		t.Errorf("custody entry of the revocation: %v", entry)
	}
	for _, c := range []struct{ lang, label string }{{"zh", "撤销授权"}, {"en", "Grant revoked"}} {
		body := ts.page(t, evidence.RoleCustodian, fmt.Sprintf("/recordings/%d?lang=%s", ts.recID, c.lang)).Body.String()
		if !regexp.MustCompile(`<strong>` + c.label + `</strong>[^·]*· u-custodian`).MatchString(body) {
			t.Errorf("%s: custody timeline shows no %q by u-custodian", c.lang, c.label)
		}
	}
}

// R-VIEW-1: on 我的申请 the requester's pending request has 撤回 and the
// decided ones do not; the withdrawal (the dialog's call) is the
// requester's alone, only while pending, leaves the row 已撤回 and is on
// the custody timeline of each recording named.
func TestWithdrawRequestFromPage(t *testing.T) {
	ts := newTestServer(t)
	var req evidence.AccessRequest
	body := fmt.Sprintf(`{"recording_ids":[%d],"purpose":"litigation","reason":"行政诉讼举证需要","until":%q}`, ts.recID, time.Now().Add(48*time.Hour).UTC().Format(time.RFC3339))
	if code := ts.call(t, "POST", "/api/v1/access-requests", evidence.RoleOfficer, body, &req); code != http.StatusCreated {
		t.Fatalf("request: %d", code)
	}
	approved := ts.grantOf(t, evidence.RoleOfficer).RequestID
	withdrawButton := func(id int64) string { return fmt.Sprintf(`data-action="rv-withdraw" data-id="%d"`, id) }

	for _, c := range []struct{ lang, button string }{{"zh", ">撤回<"}, {"en", ">Withdraw<"}} {
		page := ts.page(t, evidence.RoleOfficer, "/requests?lang="+c.lang).Body.String()
		if row := rowOf(page, fmt.Sprintf(`data-request="%d"`, req.ID)); !strings.Contains(row, withdrawButton(req.ID)) || !strings.Contains(row, c.button) {
			t.Errorf("%s: pending request without 撤回:\n%s", c.lang, row)
		}
		if strings.Contains(page, withdrawButton(approved)) {
			t.Errorf("%s: an approved request has 撤回", c.lang)
		}
		if !strings.Contains(page, `id="withdraw-dialog"`) || !strings.Contains(page, "revoke.js") {
			t.Errorf("%s: no withdraw dialog or script", c.lang)
		}
	}

	path := fmt.Sprintf("/api/v1/access-requests/%d/withdraw", req.ID)
	for _, c := range []struct {
		name string
		role evidence.Role
		path string
		want int
	}{
		// Someone else's request is not theirs to withdraw, leader included.
		{"ErrNotFoundOther", evidence.RoleLeader, path, http.StatusNotFound},
		{"ErrNotFoundCustodian", evidence.RoleCustodian, path, http.StatusNotFound},
		{"ErrForbiddenRole", evidence.RoleAuditor, path, http.StatusForbidden},
		{"ErrConflictApproved", evidence.RoleOfficer, fmt.Sprintf("/api/v1/access-requests/%d/withdraw", approved), http.StatusConflict},
		{"OK", evidence.RoleOfficer, path, http.StatusOK},
		{"ErrConflictTwice", evidence.RoleOfficer, path, http.StatusConflict},
	} {
		t.Run(c.name, func(t *testing.T) {
			var got evidence.AccessRequest
			if code := ts.call(t, "POST", c.path, c.role, "", &got); code != c.want {
				t.Errorf("status %d, want %d", code, c.want)
			}
			if c.want == http.StatusOK && (got.Status != evidence.RequestWithdrawn || got.DecidedBy != "u-officer" || got.DecidedAt == nil || got.GrantID != 0) {
				t.Errorf("withdrawn request: %+v", got)
			}
		})
	}

	// The leader may no longer decide it.
	if code := ts.call(t, "POST", fmt.Sprintf("/api/v1/access-requests/%d/approve", req.ID), evidence.RoleLeader, "", nil); code == http.StatusOK {
		t.Error("a withdrawn request was approved")
	}
	for _, c := range []struct{ lang, status string }{{"zh", "已撤回"}, {"en", "Withdrawn"}} {
		row := rowOf(ts.page(t, evidence.RoleOfficer, "/requests?lang="+c.lang).Body.String(), fmt.Sprintf(`data-request="%d"`, req.ID))
		if !strings.Contains(row, ">"+c.status+"<") || !strings.Contains(row, "tag-muted") || strings.Contains(row, "rv-withdraw") {
			t.Errorf("%s: withdrawn row:\n%s", c.lang, row)
		}
	}
	found := false
	for _, e := range ts.custodyOf(t, app.ObjRecording(ts.recID)) {
		if e.Action == "access.withdraw" {
			found = e.Actor == "u-officer" && e.Details["request"] == fmt.Sprint(req.ID) && e.Details["purpose"] == "litigation"
		}
	}
	if !found {
		t.Error("no custody entry of the withdrawal by u-officer")
	}
	for _, c := range []struct{ lang, label string }{{"zh", "<strong>撤回申请</strong>"}, {"en", "<strong>Request withdrawn</strong>"}} {
		if body := ts.page(t, evidence.RoleOfficer, fmt.Sprintf("/recordings/%d?lang=%s", ts.recID, c.lang)).Body.String(); !strings.Contains(body, c.label) {
			t.Errorf("%s: custody timeline lacks %s", c.lang, c.label)
		}
	}
}

// R-VIEW-1: from a recording's page, who may revoke is one click from its
// grants; others see no such link.
func TestRecordingLinksToItsGrants(t *testing.T) {
	ts := newTestServer(t)
	path := fmt.Sprintf("/recordings/%d", ts.recID)
	link := fmt.Sprintf(`href="/grants/all?recording=%d"`, ts.recID)
	for role, want := range map[evidence.Role]bool{evidence.RoleCustodian: true, evidence.RoleLeader: true, evidence.RoleOfficer: false} {
		if got := strings.Contains(ts.page(t, role, path).Body.String(), link); got != want {
			t.Errorf("%s: link to the recording's grants shown %v, want %v", role, got, want)
		}
	}
}
