package web

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"shilu/internal/evidence"
)

// R-EXP-1, R-VIEW-3, R-SEC-2: over HTTP, an officer of the case asks to
// extract a recording of its file; the officer cannot approve (route
// table), the leader can; an officer of another department neither sees
// the extraction nor finds it; the pages show it (the case page, the
// leader's queue, the register) and the recording's custody trail holds
// the request and the approval.
func TestExtractionRoutes(t *testing.T) {
	ts := newTestServer(t)
	ts.officers(t, testOfficerNo)
	other := ts.person(t, "o-other", evidence.RoleOfficer, "二科", "000777")
	var k evidence.Case
	if code := ts.call(t, "POST", "/api/v1/cases", evidence.RoleOfficer,
		fmt.Sprintf(`{"number":"丰医保罚〔2026〕9号","title":"某药房案","officers":[%q]}`, testOfficerNo), &k); code != http.StatusCreated {
		t.Fatalf("open case: %d", code)
	}
	if code := ts.call(t, "POST", fmt.Sprintf("/api/v1/cases/%d/items", k.ID), evidence.RoleOfficer,
		fmt.Sprintf(`{"items":[{"kind":"recording","id":%d}]}`, ts.recID), nil); code != http.StatusOK {
		t.Fatalf("attach: %d", code)
	}
	ask := fmt.Sprintf(`{"case_id":%d,"purpose":"court","recipient":"丰南区人民法院","proves":"销售过期药品的事实","items":[{"recording_id":%d,"start_ms":1000,"end_ms":3000}]}`, k.ID, ts.recID)
	if code, e := ts.callErr(t, "POST", "/api/v1/extractions", evidence.RoleOfficer, strings.Replace(ask, `"recipient":"丰南区人民法院",`, "", 1)); code != http.StatusBadRequest || e.Key != "err.extract.recipient" {
		t.Errorf("without a recipient: %d %+v", code, e)
	}
	var x evidence.Extraction
	if code := ts.call(t, "POST", "/api/v1/extractions", evidence.RoleOfficer, ask, &x); code != http.StatusCreated || x.Status != evidence.ExtractionPending ||
		!x.Items[0].HasSpan() || *x.Items[0].EndMS != 3000 {
		t.Fatalf("ask: %d %+v", code, x)
	}
	base := fmt.Sprintf("/api/v1/extractions/%d", x.ID)
	if code, key, _ := ts.as(t, other, "GET", base, ""); code != http.StatusNotFound || key != "err.extract.not_found" {
		t.Errorf("another department's officer reads it: %d %s", code, key)
	}
	if _, _, b := ts.as(t, other, "GET", "/api/v1/extractions", ""); strings.Contains(b, "丰医保罚") {
		t.Errorf("another department's officer lists it: %s", b)
	}
	if code := ts.call(t, "POST", base+"/approve", evidence.RoleOfficer, "", nil); code != http.StatusForbidden {
		t.Errorf("the officer approves: %d", code)
	}
	if w := ts.page(t, evidence.RoleLeader, "/approvals"); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `data-action="ext-decide"`) {
		t.Errorf("the leader's queue lacks the extraction: %d", w.Code)
	}
	body := ts.page(t, evidence.RoleLeader, "/recordings").Body.String()
	if i := strings.Index(body, `href="/approvals"`); i < 0 || !strings.Contains(body[i:i+strings.Index(body[i:], "</a>")], `class="menu-count"`) {
		t.Errorf("the menu does not count the extraction among the decisions waiting")
	}
	if code := ts.call(t, "POST", base+"/approve", evidence.RoleLeader, `{"comment":"同意"}`, &x); code != http.StatusOK || x.Status != evidence.ExtractionApproved {
		t.Fatalf("the leader approves: %d %+v", code, x)
	}
	if code, e := ts.callErr(t, "GET", base+"/package.iso", evidence.RoleOfficer, ""); code != http.StatusNotFound || e.Key != "err.extract.no_package" {
		t.Errorf("image before the package: %d %+v", code, e)
	}
	for _, path := range []string{"/extractions", fmt.Sprintf("/cases/%d", k.ID)} {
		if w := ts.page(t, evidence.RoleOfficer, path); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "丰南区人民法院") {
			t.Errorf("%s lacks the extraction: %d", path, w.Code)
		}
	}
	var got []string
	for _, e := range ts.custodyOf(t, fmt.Sprintf("recording:%d", ts.recID)) {
		if e.Details["extraction"] == fmt.Sprint(x.ID) {
			got = append(got, string(e.Action))
		}
	}
	if strings.Join(got, ",") != "extraction.request,extraction.approve" {
		t.Errorf("custody trail: %v", got)
	}
}
