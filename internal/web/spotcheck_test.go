package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"shilu/internal/evidence"
	"shilu/internal/store"
)

// X-RPT-2: over HTTP, the legal office draws a department's monthly sample
// with a seed it chooses, which the report shows; an officer cannot draw;
// the assigned reviewer reviews an item with the form and a "no" is a
// finding in the findings list; someone else is refused; the report's CSV
// export is a custody entry.
func TestSpotCheckHTTP(t *testing.T) {
	ts := newTestServer(t)
	ts.person(t, "o-spot", evidence.RoleOfficer, "抽查科", "000888")
	arr := daysAgo(1)
	month := arr.In(evidence.Zone).Format("2006-01")
	act := ts.createActivity(t, arr, "某药房", testOfficerNo, "000888")
	rec := ts.addRecording(t, "spot.mp4", "000888", "DSJ-9", arr, arr.Add(10*time.Minute))
	var dept, legal int64
	err := ts.cfg.DB.View(context.Background(), func(tx *store.Tx) error {
		deps, err := tx.Departments(context.Background())
		for _, d := range deps {
			if d.Name == "抽查科" {
				dept = d.ID
			}
		}
		u, _, err2 := tx.UserByName(context.Background(), "u-legal")
		legal = u.ID
		return firstError(err, err2)
	})
	if err != nil {
		t.Fatal(err)
	}
	body := fmt.Sprintf(`{"department_id":%d,"month":%q,"size":3,"seed":777,"reviewers":[%d]}`, dept, month, legal)
	if code, e := ts.callErr(t, "POST", "/api/v1/spot-checks", evidence.RoleOfficer, body); code != http.StatusForbidden {
		t.Fatalf("officer draws: %d %+v", code, e)
	}
	var s evidence.SpotCheck
	if code := ts.call(t, "POST", "/api/v1/spot-checks", evidence.RoleLegal, body, &s); code != http.StatusCreated || s.Seed != 777 || len(s.Items) != 2 {
		t.Fatalf("draw: %d %+v", code, s)
	}
	if s.Items[0].Kind != evidence.SpotActivity || s.Items[0].ObjectID != act.ID || s.Items[1].ObjectID != rec {
		t.Fatalf("items %+v, want activity %d and recording %d", s.Items, act.ID, rec)
	}
	if code, e := ts.callErr(t, "POST", "/api/v1/spot-checks", evidence.RoleSecAdmin, body); code != http.StatusConflict || e.Key != "err.spot.drawn" {
		t.Fatalf("a second draw of the month: %d %+v", code, e)
	}

	review := `{"answers":{"recorded":true,"notice":false,"coverage":true,"key_moments":true,"findings_agreed":true},"note":"未见告知"}`
	path := fmt.Sprintf("/api/v1/spot-check-items/%d/review", s.Items[0].ID)
	if code, e := ts.callErr(t, "POST", path, evidence.RoleDeptHead, review); code != http.StatusForbidden || e.Key != "err.spot.not_reviewer" {
		t.Fatalf("a reviewer not assigned: %d %+v", code, e)
	}
	if code, e := ts.callErr(t, "POST", path, evidence.RoleOfficer, review); code != http.StatusForbidden {
		t.Fatalf("an officer reviews: %d %+v", code, e)
	}
	var it evidence.SpotItem
	if code := ts.call(t, "POST", path, evidence.RoleLegal, review, &it); code != http.StatusOK || it.ReviewedAt == nil || it.Answers[evidence.SpotNotice] {
		t.Fatalf("review: %d %+v", code, it)
	}
	var fl findingList
	if code := ts.call(t, "GET", fmt.Sprintf("/api/v1/findings?rule=spot_check&activity=%d", act.ID), evidence.RoleLeader, "", &fl); code != http.StatusOK ||
		len(fl.Findings) != 1 || fl.Findings[0].Article != "X-RPT-2" {
		t.Fatalf("findings: %d %+v", code, fl)
	}

	// The report and its export.
	w := ts.page(t, evidence.RoleAuditor, fmt.Sprintf("/spotchecks/%d", s.ID))
	for _, want := range []string{`id="spot-seed">777<`, "不符合：告知", "未见告知", "待评查"} {
		if !strings.Contains(w.Body.String(), want) {
			t.Errorf("report lacks %q", want)
		}
	}
	for _, l := range []string{"zh", "en"} {
		for _, path := range []string{fmt.Sprintf("/spotchecks/%d", s.ID), "/spotchecks"} {
			w := ts.page(t, evidence.RoleLegal, path+"?lang="+l)
			if m := missingKey.FindString(w.Body.String()); w.Code != http.StatusOK || m != "" {
				t.Errorf("%s %s: %d %q", l, path, w.Code, m)
			}
		}
	}
	w = ts.page(t, evidence.RoleLegal, "/spotchecks")
	if !strings.Contains(w.Body.String(), `id="spot-draw-form"`) || !strings.Contains(w.Body.String(), fmt.Sprintf(`href="/spotchecks/%d"`, s.ID)) {
		t.Errorf("the list lacks the form or the spot check")
	}
	w = ts.page(t, evidence.RoleAuditor, fmt.Sprintf("/spotchecks/%d/report.csv", s.ID))
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "未见告知") {
		t.Fatalf("csv: %d %s", w.Code, w.Body.String())
	}
	var actions []string
	for _, e := range ts.custodyOf(t, fmt.Sprintf("spotcheck:%d", s.ID)) {
		actions = append(actions, string(e.Action)+" "+e.Actor)
	}
	if want := "[spotcheck.draw u-legal spotcheck.review u-legal spotcheck.export u-auditor]"; fmt.Sprint(actions) != want {
		t.Errorf("custody %v, want %s", actions, want)
	}
}

func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
