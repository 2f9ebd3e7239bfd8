package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"shilu/internal/app"
	"shilu/internal/evidence"
	"shilu/internal/store"
)

// person adds an account of role in a new department named dept ("" for
// none) with officer number no, and returns a credential that acts as it.
func (ts *testServer) person(t *testing.T, name string, role evidence.Role, dept, no string) string {
	t.Helper()
	ctx := context.Background()
	var tok string
	err := ts.cfg.DB.Update(ctx, func(tx *store.Tx) error {
		n := store.NewAccount{Name: name, Role: role, OfficerNo: no}
		if dept != "" {
			d, err := tx.CreateDepartment(ctx, dept, nil)
			if err != nil {
				return err
			}
			n.DepartmentID = &d.ID
		}
		a, err := tx.CreateAccount(ctx, n)
		if err != nil {
			return err
		}
		tok, err = actAs(ctx, tx, a.User)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// as sends a JSON request with token and returns the status, the error
// key of a refusal and the body.
func (ts *testServer) as(t *testing.T, token, method, path, body string) (int, string, string) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	w := httptest.NewRecorder()
	ts.ServeHTTP(w, req)
	var out struct {
		Error apiError `json:"error"`
	}
	_ = json.Unmarshal(w.Body.Bytes(), &out)
	return w.Code, out.Error.Key, w.Body.String()
}

// X-SEC-2, R-ACT-1, R-USE-1: an activity's record is changed only by its
// own officers, their leaders and the custodian. Another officer — who
// could otherwise unlink a recording and make a finding disappear — and a
// leader of another department are refused, and nothing changes.
func TestActivityChangedOnlyByItsPeople(t *testing.T) {
	ts := newTestServer(t)
	arr := daysAgo(1)
	act := ts.createActivity(t, arr, "某药房", testOfficerNo)
	rec := ts.addRecording(t, "act.mp4", testOfficerNo, "DSJ-1", arr, arr.Add(20*time.Minute))
	other := ts.person(t, "o-other", evidence.RoleOfficer, "", "000777")
	elsewhere := ts.person(t, "l-elsewhere", evidence.RoleLeader, "稽查大队", "")

	base := fmt.Sprintf("/api/v1/activities/%d", act.ID)
	link := fmt.Sprintf(`{"recording_ids":[%d]}`, rec)
	unlink := fmt.Sprintf("%s/recordings/%d", base, rec)
	if code := ts.call(t, "POST", base+"/recordings", evidence.RoleCustodian, link, nil); code != http.StatusOK {
		t.Fatalf("custodian links: %d", code)
	}
	for _, tok := range []string{other, elsewhere} {
		for _, c := range []struct{ method, path, body, key string }{
			{"PATCH", base, `{"party":"改过的当事人"}`, "err.activity.not_yours"},
			{"POST", base + "/recordings", link, "err.activity.not_yours"},
			{"DELETE", unlink, "", "err.activity.not_yours"},
			{"POST", base + "/exemptions", `{"category":"emergency","reason":"现场冲突，来不及开启","basis":"第七条第二项"}`, "err.activity.not_yours"},
			{"POST", base + "/void", `{"reason":"重复录入的活动"}`, "err.activity.void_forbidden"},
		} {
			if code, key, body := ts.as(t, tok, c.method, c.path, c.body); code != http.StatusForbidden || key != c.key {
				t.Errorf("%s %s by someone else: %d %s %s", c.method, c.path, code, key, body)
			}
		}
	}
	var v app.ActivityView
	ts.call(t, "GET", base, evidence.RoleOfficer, "", &v)
	if v.Activity.Party != "某药房" || len(v.Recordings) != 1 || len(v.Exemptions) != 0 || v.Activity.Void != nil {
		t.Errorf("activity after the refusals: party %q, %d recordings, %d exemptions, void %v", v.Activity.Party, len(v.Recordings), len(v.Exemptions), v.Activity.Void)
	}
	// The activity's own officer and their leader may.
	if code := ts.call(t, "DELETE", unlink, evidence.RoleOfficer, "", nil); code != http.StatusNoContent {
		t.Errorf("own officer unlinks: %d", code)
	}
	if code := ts.call(t, "PATCH", base, evidence.RoleLeader, `{"party":"某大药房"}`, nil); code != http.StatusOK {
		t.Errorf("leader of the officer changes: %d", code)
	}
}

// R-ACT-8, R-AUD-1: the notice of Art. 8 is given through its
// confirmation (with what was said), never by a PATCH; an activity change
// logs each field's value (as JSON) before and after.
func TestActivityChangeLogsBeforeAndAfter(t *testing.T) {
	ts := newTestServer(t)
	act := ts.createActivity(t, daysAgo(1), "某药房", testOfficerNo)
	base := fmt.Sprintf("/api/v1/activities/%d", act.ID)
	if code, e := ts.callErr(t, "PATCH", base, evidence.RoleOfficer, `{"notice_given":true}`); code != http.StatusBadRequest || e.Key != "err.activity.notice_by_confirmation" {
		t.Errorf("PATCH gives the notice: %d %+v", code, e)
	}
	if code := ts.call(t, "PATCH", base, evidence.RoleOfficer, `{"party":"某大药房"}`, nil); code != http.StatusOK {
		t.Fatalf("PATCH: %d", code)
	}
	var found bool
	for _, e := range ts.custodyOf(t, fmt.Sprintf("activity:%d", act.ID)) {
		if e.Action != evidence.ActionActivityUpdate {
			continue
		}
		found = true
		if e.Details["fields"] != "party" || e.Details["party_before"] != `"某药房"` || e.Details["party"] != `"某大药房"` {
			t.Errorf("activity.update details: %v", e.Details)
		}
	}
	if !found {
		t.Error("no activity.update entry")
	}
}

// R-VIEW-1, X-SEC-2: a leader accepts findings and revokes grants only for
// the people they lead, and sees only their grants and viewings; the
// custodian and the security administrator watch the whole archive.
func TestLeaderDecidesForThePeopleTheyLead(t *testing.T) {
	ts := newTestServer(t)
	act := ts.createActivity(t, daysAgo(1), "某药房", testOfficerNo)
	elsewhere := ts.person(t, "l-elsewhere", evidence.RoleLeader, "稽查大队", "")

	// A viewing by u-legal, who has no department, like u-leader.
	if w := ts.do("GET", fmt.Sprintf("/api/v1/recordings/%d/content", ts.recID), ts.tokens[evidence.RoleLegal]); w.Code != http.StatusOK {
		t.Fatalf("legal plays: %d", w.Code)
	}
	var grants struct{ Grants []evidence.Grant }
	var register struct{ Viewings []evidence.Viewing }
	for _, c := range []struct {
		who   string
		token string
		sees  bool
	}{
		{"leader elsewhere", elsewhere, false},
		{"the legal officer's leader", ts.tokens[evidence.RoleLeader], true},
		{"custodian", ts.tokens[evidence.RoleCustodian], true},
	} {
		_, _, body := ts.as(t, c.token, "GET", "/api/v1/grants", "")
		grants.Grants = nil
		_ = json.Unmarshal([]byte(body), &grants)
		if got := holds(grants.Grants, "u-legal"); got != c.sees {
			t.Errorf("%s sees the legal officer's grant: %v (%s)", c.who, got, body)
		}
		_, _, body = ts.as(t, c.token, "GET", "/api/v1/register", "")
		register.Viewings = nil
		_ = json.Unmarshal([]byte(body), &register)
		if got := len(register.Viewings) > 0; got != c.sees {
			t.Errorf("%s sees the legal officer's viewing: %v (%s)", c.who, got, body)
		}
	}
	req := httptest.NewRequest("GET", "/register", nil)
	req.Header.Set("Authorization", "Bearer "+elsewhere)
	w := httptest.NewRecorder()
	ts.ServeHTTP(w, req)
	if w.Code != http.StatusOK || strings.Contains(w.Body.String(), "u-legal") {
		t.Errorf("register page of a leader elsewhere: %d, names u-legal: %v", w.Code, strings.Contains(w.Body.String(), "u-legal"))
	}

	g := ts.grantOf(t, evidence.RoleLegal)
	revoke := fmt.Sprintf("/api/v1/grants/%d/revoke", g.ID)
	if code, key, body := ts.as(t, elsewhere, "POST", revoke, `{"reason":"查阅目的已达到"}`); code != http.StatusForbidden || key != "err.grant.not_led" {
		t.Errorf("leader elsewhere revokes: %d %s %s", code, key, body)
	}
	if code := ts.call(t, "POST", revoke, evidence.RoleSecAdmin, `{"reason":"查阅目的已达到"}`, nil); code != http.StatusOK {
		t.Errorf("security administrator revokes: %d", code)
	}

	var l findingList
	ts.call(t, "GET", fmt.Sprintf("/api/v1/findings?activity=%d", act.ID), evidence.RoleLeader, "", &l)
	if len(l.Findings) == 0 {
		t.Fatal("no finding to accept")
	}
	accept := fmt.Sprintf("/api/v1/findings/%d/accept", l.Findings[0].ID)
	if code, key, body := ts.as(t, elsewhere, "POST", accept, `{"comment":"已核实"}`); code != http.StatusForbidden || key != "err.finding.not_led" {
		t.Errorf("leader elsewhere accepts: %d %s %s", code, key, body)
	}
	if code := ts.call(t, "POST", accept, evidence.RoleLeader, `{"comment":"已核实"}`, nil); code != http.StatusOK {
		t.Errorf("the officer's leader accepts: %d", code)
	}
}

// holds reports whether one of grants is held by name.
func holds(grants []evidence.Grant, name string) bool {
	for _, g := range grants {
		if g.Grantee == name {
			return true
		}
	}
	return false
}
