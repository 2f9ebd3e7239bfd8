package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"shilu/internal/evidence"
	"shilu/internal/store"
)

// raiseFinding stores a finding about officer no and returns its id.
func (ts *testServer) raiseFinding(t *testing.T, key, no string) int64 {
	t.Helper()
	ctx := context.Background()
	var id int64
	err := ts.cfg.DB.Update(ctx, func(tx *store.Tx) error {
		if _, err := tx.RaiseFindings(ctx, []evidence.Finding{{Key: key, Rule: "upload_late", Article: "Art. 13", Officer: no,
			Evidence: evidence.Msg("finding.notice_missing"), Status: evidence.FindingOpen, Severity: evidence.SeverityWarning}}); err != nil {
			return err
		}
		fs, err := tx.Findings(ctx, store.FindingFilter{Officer: no})
		for _, f := range fs {
			if f.Key == key {
				id = f.ID
			}
		}
		return err
	})
	if err != nil || id == 0 {
		t.Fatalf("finding %s: %d %v", key, id, err)
	}
	return id
}

// R-ACC-1, R-ACC-2: over HTTP, a leader opens a case from a finding about
// an officer they lead, the officer writes their statement, the leader
// decides (Art. 21) and closes; an officer cannot open a case (route), a
// leader of another department cannot open or decide (scope), nobody but
// the officer writes the statement, a colleague cannot read the case, the
// auditor reads it and cannot change it. The pages show each step.
func TestAccountabilityHTTP(t *testing.T) {
	ts := newTestServer(t)
	ts.officers(t, testOfficerNo)
	finding := ts.raiseFinding(t, "test:acc", testOfficerNo)
	otherLeader := ts.person(t, "l-other", evidence.RoleLeader, "二科", "")
	colleague := ts.person(t, "o-colleague", evidence.RoleOfficer, "", "000777")

	open := fmt.Sprintf(`{"finding_id":%d,"officer":%q,"item":"3","facts":"未按规定全程记录，当事人投诉","consequence":"complaint"}`, finding, testOfficerNo)
	if code, e := ts.callErr(t, "POST", "/api/v1/accountability", evidence.RoleOfficer, open); code != http.StatusForbidden {
		t.Fatalf("officer opens: %d %+v", code, e)
	}
	if code, key, _ := ts.as(t, otherLeader, "POST", "/api/v1/accountability", open); code != http.StatusForbidden || key != "err.acc.not_led" {
		t.Fatalf("leader of another department opens: %d %s", code, key)
	}
	var x evidence.AccountabilityCase
	if code := ts.call(t, "POST", "/api/v1/accountability", evidence.RoleLeader, open, &x); code != http.StatusCreated || x.Status != evidence.AccOpened {
		t.Fatalf("open: %d %+v", code, x)
	}
	base := fmt.Sprintf("/api/v1/accountability/%d", x.ID)

	// Before the statement, no decision; the statement is the officer's own.
	decide := fmt.Sprintf(`{"decisions":["self_criticism","no_awards"],"decided_on":%q,"note":"经集体研究"}`, x.OpenedAt.In(evidence.Zone).Format("2006-01-02"))
	if code, e := ts.callErr(t, "POST", base+"/decision", evidence.RoleLeader, decide); code != http.StatusConflict || e.Key != "err.acc.awaiting_statement" {
		t.Fatalf("decide before the statement: %d %+v", code, e)
	}
	if code, key, _ := ts.as(t, colleague, "POST", base+"/statement", `{"statement":"代写"}`); code != http.StatusForbidden || key != "err.acc.not_own_statement" {
		t.Fatalf("colleague writes the statement: %d %s", code, key)
	}
	if code, e := ts.callErr(t, "POST", base+"/statement", evidence.RoleLeader, `{"statement":"代写"}`); code != http.StatusForbidden || e.Key != "err.acc.not_own_statement" {
		t.Fatalf("leader writes the statement: %d %+v", code, e)
	}
	if code := ts.call(t, "POST", base+"/statement", evidence.RoleOfficer, `{"statement":"当天记录仪电量不足，未及时更换"}`, &x); code != http.StatusOK || x.Status != evidence.AccStatement {
		t.Fatalf("statement: %d %+v", code, x)
	}
	if code, key, _ := ts.as(t, otherLeader, "POST", base+"/decision", decide); code != http.StatusForbidden || key != "err.acc.not_led" {
		t.Fatalf("leader of another department decides: %d %s", code, key)
	}
	if code, e := ts.callErr(t, "POST", base+"/decision", evidence.RoleAuditor, decide); code != http.StatusForbidden {
		t.Fatalf("auditor decides: %d %+v", code, e)
	}
	if code := ts.call(t, "POST", base+"/decision", evidence.RoleLeader, decide, &x); code != http.StatusOK || x.Status != evidence.AccDecided || x.DecidedBy != "u-leader" {
		t.Fatalf("decide: %d %+v", code, x)
	}
	if code := ts.call(t, "POST", base+"/close", evidence.RoleLeader, `{}`, &x); code != http.StatusOK || x.Status != evidence.AccClosed {
		t.Fatalf("close: %d %+v", code, x)
	}

	// Who reads it.
	for _, c := range []struct {
		name  string
		role  evidence.Role
		token string
		code  int
	}{
		{"Officer", evidence.RoleOfficer, "", http.StatusOK},
		{"Leader", evidence.RoleLeader, "", http.StatusOK},
		{"Legal", evidence.RoleLegal, "", http.StatusOK},
		{"Auditor", evidence.RoleAuditor, "", http.StatusOK},
		{"ErrColleague", "", colleague, http.StatusForbidden},
		{"ErrOtherLeader", "", otherLeader, http.StatusForbidden},
		{"ErrSysAdmin", evidence.RoleSysAdmin, "", http.StatusForbidden},
	} {
		t.Run("Read"+c.name, func(t *testing.T) {
			var code int
			if c.token != "" {
				code, _, _ = ts.as(t, c.token, "GET", base, "")
			} else {
				code = ts.call(t, "GET", base, c.role, "", nil)
			}
			if code != c.code {
				t.Fatalf("GET %s: %d, want %d", base, code, c.code)
			}
		})
	}

	// The custody log has every step.
	var actions []string
	for _, e := range ts.custodyOf(t, fmt.Sprintf("accountability:%d", x.ID)) {
		actions = append(actions, string(e.Action)+" "+e.Actor)
	}
	if want := "[accountability.open u-leader accountability.statement u-officer accountability.decide u-leader accountability.close u-leader]"; fmt.Sprint(actions) != want {
		t.Errorf("custody: %v, want %s", actions, want)
	}

	// The pages: the list with the case, the case with its decision, the
	// open form from the finding for the leader, the link from the
	// findings list.
	for _, c := range []struct {
		role evidence.Role
		path string
		want []string
	}{
		{evidence.RoleOfficer, "/accountability", []string{fmt.Sprintf(`href="/accountability/%d"`, x.ID), "（三）未按规定记录", "已结案"}},
		{evidence.RoleAuditor, fmt.Sprintf("/accountability/%d", x.ID), []string{"当天记录仪电量不足", "（一）责令作出书面检查", "（四）取消当年评优评先资格"}},
		{evidence.RoleLeader, fmt.Sprintf("/accountability?finding=%d", finding), []string{`id="acc-open-form"`, "（八）有其他严重违反"}},
		{evidence.RoleLeader, "/findings", []string{fmt.Sprintf(`href="/accountability?finding=%d"`, finding)}},
		{evidence.RoleAuditor, "/custody", []string{fmt.Sprintf(`href="/accountability/%d"`, x.ID), "问责决定"}},
	} {
		w := ts.page(t, c.role, c.path)
		if w.Code != http.StatusOK {
			t.Fatalf("%s %s: %d", c.role, c.path, w.Code)
		}
		for _, s := range c.want {
			if !strings.Contains(w.Body.String(), s) {
				t.Errorf("%s %s lacks %q", c.role, c.path, s)
			}
		}
	}
	// Both languages, every text from the catalogue.
	for _, l := range []string{"zh", "en"} {
		for _, path := range []string{fmt.Sprintf("/accountability/%d", x.ID), fmt.Sprintf("/accountability?finding=%d", finding), "/accountability"} {
			sep := "?"
			if strings.Contains(path, "?") {
				sep = "&"
			}
			w := ts.page(t, evidence.RoleLeader, path+sep+"lang="+l)
			if m := missingKey.FindString(w.Body.String()); w.Code != http.StatusOK || m != "" {
				t.Errorf("%s %s: %d %q", l, path, w.Code, m)
			}
		}
	}
	if w := ts.page(t, evidence.RoleAuditor, fmt.Sprintf("/accountability/%d", x.ID)); strings.Contains(w.Body.String(), `id="acc-decision-form"`) ||
		strings.Contains(w.Body.String(), `id="acc-statement-form"`) {
		t.Errorf("the auditor's page has a form")
	}
}
