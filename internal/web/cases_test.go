package web

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"shilu/internal/app"
	"shilu/internal/evidence"
)

// R-RET-2, R-EXP-1, R-AUD-1: a case (案件) is opened by its handling
// officer, recordings and activities are attached to its file (附卷) and
// taken out only with a reason, each an entry in the item's custody trail
// naming the case; the case moves forward one step at a time and an
// archived file takes no change; another officer cannot touch it.
func TestCaseFile(t *testing.T) {
	ts := newTestServer(t)
	act := ts.createActivity(t, daysAgo(1), "某药房", testOfficerNo)
	other := ts.person(t, "o-other", evidence.RoleOfficer, "", "000777")
	const number = "丰医保罚〔2026〕7号"
	body := fmt.Sprintf(`{"number":%q,"title":"某药房违规销售案","parties":"某某大药房","officers":[%q],"retention_years":30}`, number, testOfficerNo)
	var k evidence.Case
	if code := ts.call(t, "POST", "/api/v1/cases", evidence.RoleOfficer, body, &k); code != http.StatusCreated || k.Status != evidence.CaseFiled || k.CreatedBy != "u-officer" {
		t.Fatalf("open case: %d %+v", code, k)
	}
	for _, c := range []struct {
		name, body string
		code       int
		key        string
	}{
		{"ErrNumberTaken", body, http.StatusConflict, "err.case.number_taken"},
		{"ErrNotHandled", `{"number":"另案","title":"他人承办","officers":["000777"]}`, http.StatusForbidden, "err.case.not_yours"},
		{"ErrUnknownOfficer", `{"number":"另案","title":"无此人","officers":["999999"]}`, http.StatusBadRequest, "err.activity.officer_unknown"},
		{"ErrRetention", `{"number":"另案","title":"期限","officers":["000123"],"retention_years":101}`, http.StatusBadRequest, "err.case.retention"},
		// Limits count characters: 200 Chinese characters are a title, 201 are not.
		{"ErrTitleTooLong", fmt.Sprintf(`{"number":"另案","title":%q,"officers":["000123"]}`, strings.Repeat("案", 201)), http.StatusBadRequest, "err.text_too_long"},
	} {
		if code, e := ts.callErr(t, "POST", "/api/v1/cases", evidence.RoleOfficer, c.body); code != c.code || e.Key != c.key {
			t.Errorf("%s: %d %+v", c.name, code, e)
		}
	}
	if code := ts.call(t, "POST", "/api/v1/cases", evidence.RoleOfficer,
		fmt.Sprintf(`{"number":"长标题","title":%q,"officers":["000123"]}`, strings.Repeat("案", 200)), nil); code != http.StatusCreated {
		t.Errorf("a title of 200 characters: %d", code)
	}

	base := fmt.Sprintf("/api/v1/cases/%d", k.ID)
	attach := fmt.Sprintf(`{"items":[{"kind":"recording","id":%d},{"kind":"activity","id":%d}]}`, ts.recID, act.ID)
	if code, key, b := ts.as(t, other, "POST", base+"/items", attach); code != http.StatusForbidden || key != "err.case.not_yours" {
		t.Errorf("another officer attaches: %d %s %s", code, key, b)
	}
	var v app.CaseView
	if code := ts.call(t, "POST", base+"/items", evidence.RoleOfficer, attach, &v); code != http.StatusOK || len(v.Items) != 2 || v.Case.Recordings != 1 || v.Case.Activities != 1 {
		t.Fatalf("attach: %d %+v", code, v)
	}
	if code, e := ts.callErr(t, "POST", base+"/items", evidence.RoleOfficer, attach); code != http.StatusConflict || e.Key != "err.case.attached" {
		t.Errorf("attach twice: %d %+v", code, e)
	}
	detach := fmt.Sprintf(`{"kind":"recording","id":%d,"reason":%%q}`, ts.recID)
	if code, e := ts.callErr(t, "POST", base+"/detach", evidence.RoleOfficer, fmt.Sprintf(detach, " ")); code != http.StatusBadRequest || e.Key != "err.case.detach_reason" {
		t.Errorf("detach without a reason: %d %+v", code, e)
	}
	if code, key, _ := ts.as(t, other, "POST", base+"/detach", fmt.Sprintf(detach, "与本案无关")); code != http.StatusForbidden || key != "err.case.not_yours" {
		t.Errorf("another officer detaches: %d %s", code, key)
	}
	if code := ts.call(t, "POST", base+"/detach", evidence.RoleOfficer, fmt.Sprintf(detach, "误附卷，与本案无关"), &v); code != http.StatusOK || v.Case.Recordings != 0 {
		t.Fatalf("detach: %d %+v", code, v)
	}
	var actions []string
	for _, e := range ts.custodyOf(t, fmt.Sprintf("recording:%d", ts.recID)) {
		if e.Action == evidence.ActionCaseAttach || e.Action == evidence.ActionCaseDetach {
			actions = append(actions, string(e.Action)+"/"+e.Details["case_number"]+"/"+e.Details["reason"])
		}
	}
	if want := []string{"case.attach/" + number + "/", "case.detach/" + number + "/误附卷，与本案无关"}; fmt.Sprint(actions) != fmt.Sprint(want) {
		t.Errorf("recording's trail: %v, want %v", actions, want)
	}
	// The activity stays: a request by case asks for its recordings.
	if code := ts.call(t, "GET", base, evidence.RoleLegal, "", &v); code != http.StatusOK || len(v.Items) != 1 || v.Items[0].Kind != "activity" {
		t.Errorf("case file: %d %+v", code, v)
	}

	if code := ts.call(t, "PATCH", base, evidence.RoleOfficer, `{"title":"某大药房违规销售案"}`, nil); code != http.StatusOK {
		t.Errorf("change title: %d", code)
	}
	if code, e := ts.callErr(t, "PATCH", base, evidence.RoleOfficer, `{"number":"改号"}`); code != http.StatusBadRequest || e.Key != "err.json" {
		t.Errorf("change the number: %d %+v", code, e)
	}
	status := func(s evidence.CaseStatus) (int, string) {
		code, e := ts.callErr(t, "POST", base+"/status", evidence.RoleOfficer, fmt.Sprintf(`{"status":%q}`, s))
		return code, e.Key
	}
	if code, key := status(evidence.CaseDecided); code != http.StatusConflict || key != "err.case.status_step" {
		t.Errorf("skip a step: %d %s", code, key)
	}
	for _, s := range evidence.CaseStatuses[1:] {
		if code, key := status(s); code != http.StatusOK {
			t.Fatalf("to %s: %d %s", s, code, key)
		}
	}
	if code, e := ts.callErr(t, "POST", base+"/items", evidence.RoleOfficer, attach); code != http.StatusConflict || e.Key != "err.case.archived" {
		t.Errorf("attach to an archived case: %d %+v", code, e)
	}
	var trail []string
	for _, e := range ts.custodyOf(t, fmt.Sprintf("case:%d", k.ID)) {
		trail = append(trail, string(e.Action))
		if e.Action == evidence.ActionCaseUpdate && (e.Details["title_before"] != `"某药房违规销售案"` || e.Details["title"] != `"某大药房违规销售案"`) {
			t.Errorf("case.update details: %v", e.Details)
		}
	}
	if want := "[case.create case.update case.status case.status case.status case.status]"; fmt.Sprint(trail) != want {
		t.Errorf("case's trail: %v, want %s", trail, want)
	}
}

// The case list pages by id (keyset, never OFFSET) and filters by status,
// officer and text.
func TestCaseList(t *testing.T) {
	ts := newTestServer(t)
	ts.officers(t, testOfficerNo)
	for i := range 5 {
		body := fmt.Sprintf(`{"number":"丰医保〔2026〕%d号","title":"案件%d","officers":[%q]}`, i+1, i+1, testOfficerNo)
		if code := ts.call(t, "POST", "/api/v1/cases", evidence.RoleOfficer, body, nil); code != http.StatusCreated {
			t.Fatalf("case %d: %d", i, code)
		}
	}
	var numbers []string
	path := "/api/v1/cases?limit=2"
	for range 4 {
		var page struct {
			Cases      []evidence.Case `json:"cases"`
			NextBefore int64           `json:"next_before"`
		}
		if code := ts.call(t, "GET", path, evidence.RoleLeader, "", &page); code != http.StatusOK {
			t.Fatalf("%s: %d", path, code)
		}
		for _, c := range page.Cases {
			numbers = append(numbers, c.Number)
		}
		if page.NextBefore == 0 {
			break
		}
		path = fmt.Sprintf("/api/v1/cases?limit=2&before=%d", page.NextBefore)
	}
	if want := "[丰医保〔2026〕5号 丰医保〔2026〕4号 丰医保〔2026〕3号 丰医保〔2026〕2号 丰医保〔2026〕1号]"; fmt.Sprint(numbers) != want {
		t.Errorf("pages: %v", numbers)
	}
	var list struct{ Cases []evidence.Case }
	for _, c := range []struct {
		query string
		n     int
	}{{"status=filed", 5}, {"status=closed", 0}, {"officer=000123", 5}, {"officer=000777", 0}, {"q=案件3", 1}, {"q=%25", 0}} {
		list.Cases = nil
		if code := ts.call(t, "GET", "/api/v1/cases?"+c.query, evidence.RoleOfficer, "", &list); code != http.StatusOK || len(list.Cases) != c.n {
			t.Errorf("%s: %d, %d cases, want %d", c.query, code, len(list.Cases), c.n)
		}
	}
	if code, e := ts.callErr(t, "GET", "/api/v1/cases?status=open", evidence.RoleOfficer, ""); code != http.StatusBadRequest || e.Key != "err.case.status_unknown" {
		t.Errorf("bad status: %d %+v", code, e)
	}
}

// R-RET-2: 案件管理 lists the cases with their officers by name and number
// and their status; a case's page shows its status as steps, its file with
// links to each item, and the forms to change the file only to those who
// may change it; both in Chinese and English.
func TestCasePages(t *testing.T) {
	ts := newTestServer(t)
	act := ts.createActivity(t, daysAgo(1), "某药房", testOfficerNo)
	ts.setIdentity(t, evidence.RoleOfficer, "张伟", testOfficerNo)
	var k evidence.Case
	body := fmt.Sprintf(`{"number":"丰医保罚〔2026〕9号","title":"某药房违规销售案","officers":[%q],"retention_years":0}`, testOfficerNo)
	if code := ts.call(t, "POST", "/api/v1/cases", evidence.RoleOfficer, body, &k); code != http.StatusCreated {
		t.Fatalf("open case: %d", code)
	}
	attach := fmt.Sprintf(`{"items":[{"kind":"recording","id":%d},{"kind":"activity","id":%d}]}`, ts.recID, act.ID)
	if code := ts.call(t, "POST", fmt.Sprintf("/api/v1/cases/%d/items", k.ID), evidence.RoleOfficer, attach, nil); code != http.StatusOK {
		t.Fatalf("attach: %d", code)
	}
	if code := ts.call(t, "POST", fmt.Sprintf("/api/v1/cases/%d/status", k.ID), evidence.RoleOfficer, `{"status":"investigating"}`, nil); code != http.StatusOK {
		t.Fatalf("advance: %d", code)
	}
	list := ts.page(t, evidence.RoleLeader, "/cases").Body.String()
	for _, want := range []string{"案件管理", "丰医保罚〔2026〕9号", "某药房违规销售案", "张伟（000123）", "调查", fmt.Sprintf(`href="/cases/%d"`, k.ID)} {
		if !strings.Contains(list, want) {
			t.Errorf("case list lacks %q", want)
		}
	}
	if strings.Contains(ts.page(t, evidence.RoleLegal, "/cases").Body.String(), `id="case-new"`) {
		t.Error("the legal officer's list offers to open a case; 法制 reviews the work, it does not record it")
	}
	path := fmt.Sprintf("/cases/%d", k.ID)
	own := ts.page(t, evidence.RoleOfficer, path).Body.String()
	for _, want := range []string{`class="case-step done"`, `class="case-step active" aria-current="step"`, "推进到“决定”", "永久",
		fmt.Sprintf(`href="/recordings/%d"`, ts.recID), fmt.Sprintf(`href="/activities/%d"`, act.ID), `id="attach-form"`, `data-action="case-detach"`} {
		if !strings.Contains(own, want) {
			t.Errorf("case page lacks %q", want)
		}
	}
	if rec := ts.page(t, evidence.RoleLegal, fmt.Sprintf("/recordings/%d", ts.recID)).Body.String(); !strings.Contains(rec, `<a class="link" href="/cases/`+fmt.Sprint(k.ID)+`">丰医保罚〔2026〕9号</a>`) {
		t.Error("the recording's page does not name its case file")
	}
	legal := ts.page(t, evidence.RoleLegal, path).Body.String()
	if strings.Contains(legal, `id="attach-form"`) || strings.Contains(legal, `data-action="case-detach"`) || !strings.Contains(legal, "某药房违规销售案") {
		t.Error("the legal officer's case page offers changes, or lacks the case")
	}
	en := ts.page(t, evidence.RoleOfficer, path+"?lang=en").Body.String()
	for _, want := range []string{"Under investigation", "Move to &#34;Decided&#34;", "Permanently", "Case file"} {
		if !strings.Contains(en, want) {
			t.Errorf("English case page lacks %q", want)
		}
	}
	for _, role := range evidence.Roles {
		for _, l := range []string{"zh", "en"} {
			w := ts.page(t, role, path+"?lang="+l)
			if !role.Can(evidence.PermActivitiesRead) {
				if w.Code != http.StatusForbidden {
					t.Errorf("%s %s as %s: %d, want 403", l, path, role, w.Code)
				}
				continue
			}
			if m := missingKey.FindString(w.Body.String()); w.Code != http.StatusOK || m != "" {
				t.Errorf("%s %s as %s: %d, missing key %q", l, path, role, w.Code, m)
			}
		}
	}
	if w := ts.page(t, evidence.RoleOfficer, "/cases?status=open"); w.Code != http.StatusBadRequest {
		t.Errorf("bad status filter: %d", w.Code)
	}
}
