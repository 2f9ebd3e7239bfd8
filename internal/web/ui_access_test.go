package web

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"shilu/internal/evidence"
)

// requestAccess files a request for the test recording as role, for the
// period [from, until), and returns it.
func (ts *testServer) requestAccess(t *testing.T, role evidence.Role, reason string, from, until time.Time) evidence.AccessRequest {
	t.Helper()
	var req evidence.AccessRequest
	body := fmt.Sprintf(`{"recording_ids":[%d],"purpose":"case_work","reason":%q,"from":%q,"until":%q}`,
		ts.recID, reason, from.Format(time.RFC3339), until.Format(time.RFC3339))
	if code := ts.call(t, "POST", "/api/v1/access-requests", role, body, &req); code != http.StatusCreated {
		t.Fatalf("request: %d", code)
	}
	return req
}

// R-VIEW-1: a grant whose period starts later reads 未开始，HH:MM 生效 (with
// the date when not today), among the grants to come and not the ended
// ones, on the officer's requests and grants, the leader's approvals and
// the grants overview, and as state "upcoming" in the API; the leader's
// shortened period shows beside the one asked.
func TestUpcomingGrantReadsRight(t *testing.T) {
	ts := newTestServer(t)
	start := time.Now().Add(48 * time.Hour).Truncate(time.Minute)
	req := ts.requestAccess(t, evidence.RoleLegal, "下周开庭举证需要", start, start.Add(72*time.Hour))
	until := start.Add(24 * time.Hour)
	var decided evidence.AccessRequest
	if code := ts.call(t, "POST", fmt.Sprintf("/api/v1/access-requests/%d/approve", req.ID), evidence.RoleLeader,
		fmt.Sprintf(`{"comment":"只批一天","until":%q}`, until.Format(time.RFC3339)), &decided); code != http.StatusOK {
		t.Fatalf("approve: %d", code)
	}
	if decided.GrantState != evidence.GrantUpcoming || !decided.GrantUntil.Equal(until) {
		t.Errorf("approved request: grant %s until %v, want upcoming until %v", decided.GrantState, decided.GrantUntil, until)
	}
	var grants struct{ Grants []evidence.Grant }
	ts.call(t, "GET", "/api/v1/grants?mine=1", evidence.RoleLegal, "", &grants)
	states := map[int64]evidence.GrantState{}
	for _, g := range grants.Grants {
		states[g.ID] = g.State
	}
	if states[decided.GrantID] != evidence.GrantUpcoming {
		t.Errorf("API grant %d state %q, want upcoming (all: %v)", decided.GrantID, states[decided.GrantID], states)
	}
	bj := start.In(evidence.Zone)
	when := fmt.Sprintf("未开始，%d月%d日 %s 生效", bj.Month(), bj.Day(), bj.Format("15:04"))
	if bj.Year() != time.Now().In(evidence.Zone).Year() {
		when = "未开始，" + bj.Format("2006-01-02 15:04") + " 生效"
	}
	for _, c := range []struct {
		role       evidence.Role
		path, attr string
	}{
		{evidence.RoleLegal, "/requests", fmt.Sprintf(`data-request="%d"`, req.ID)},
		{evidence.RoleLeader, "/approvals?status=all", fmt.Sprintf(`data-request="%d"`, req.ID)},
		{evidence.RoleLegal, "/grants", fmt.Sprintf(`data-grant="%d"`, decided.GrantID)},
		{evidence.RoleCustodian, "/grants/all", fmt.Sprintf(`data-grant="%d"`, decided.GrantID)},
	} {
		body := ts.page(t, c.role, c.path).Body.String()
		row := rowOf(body, c.attr)
		if !strings.Contains(row, when) {
			t.Errorf("%s: row lacks %q:\n%s", c.path, when, row)
		}
		// Comments are in the lists, shortened, with the full text on hover.
		if c.path != "/grants/all" && !strings.Contains(row, `title="只批一天"`) || !strings.Contains(row, `title="下周开庭举证需要"`) {
			t.Errorf("%s: row lacks the reason or the leader's note:\n%s", c.path, row)
		}
	}
	if body := ts.page(t, evidence.RoleLegal, "/requests").Body.String(); !strings.Contains(rowOf(body, fmt.Sprintf(`data-request="%d"`, req.ID)), "批准期限") {
		t.Error("/requests: the shortened period is not shown")
	}
	// Among the grants to come, not the ended ones.
	body := ts.page(t, evidence.RoleLegal, "/grants").Body.String()
	if i, j := strings.Index(body, fmt.Sprintf(`data-grant="%d"`, decided.GrantID)), strings.Index(body, "已结束的授权"); i < 0 || j >= 0 && j < i {
		t.Errorf("/grants: the upcoming grant is listed among the ended ones (%d, %d)", i, j)
	}
}

// R-VIEW-1: the approval dialog shows what is approved — the recordings
// with file name, requester, purpose, reason and period — and takes a
// shortened period; one outside the period asked is refused and leaves the
// request pending.
func TestApprovalDialog(t *testing.T) {
	ts := newTestServer(t)
	start := time.Now().Add(time.Hour).Truncate(time.Minute)
	req := ts.requestAccess(t, evidence.RoleLegal, "复核执法过程是否规范", start, start.Add(5*time.Hour))
	body := ts.page(t, evidence.RoleLeader, "/approvals").Body.String()
	i := strings.Index(body, fmt.Sprintf(`<template id="req-detail-%d"`, req.ID))
	if i < 0 {
		t.Fatalf("/approvals: no details of request %d", req.ID)
	}
	detail := body[i : i+strings.Index(body[i:], "</template>")]
	for _, want := range []string{"a.mp4", fmt.Sprintf(`href="/recordings/%d"`, ts.recID), "u-legal", "办案", "复核执法过程是否规范",
		`data-until="` + start.Add(5*time.Hour).In(evidence.Zone).Format("2006-01-02T15:04:05") + `"`} {
		if !strings.Contains(detail, want) {
			t.Errorf("approval details lack %q:\n%s", want, detail)
		}
	}
	if !strings.Contains(body, `id="decide-until"`) || !strings.Contains(body, "approvals.js") {
		t.Error("/approvals: no period inputs or script")
	}
	longer := start.Add(6 * time.Hour).Format(time.RFC3339)
	if code := ts.call(t, "POST", fmt.Sprintf("/api/v1/access-requests/%d/approve", req.ID), evidence.RoleLeader,
		fmt.Sprintf(`{"until":%q}`, longer), nil); code != http.StatusBadRequest {
		t.Errorf("approve with a longer period: %d, want 400", code)
	}
	var got evidence.AccessRequest
	ts.call(t, "GET", fmt.Sprintf("/api/v1/access-requests/%d", req.ID), evidence.RoleLegal, "", &got)
	if got.Status != evidence.RequestPending {
		t.Errorf("refused approval left the request %s", got.Status)
	}
}

// R-VIEW-1: the menu shows the leader how many requests wait for their
// decision, next to 查阅审批, and nothing once none wait; others see no
// count.
func TestMenuPendingCount(t *testing.T) {
	ts := newTestServer(t)
	count := func(role evidence.Role) string {
		body := ts.page(t, role, "/recordings").Body.String()
		i := strings.Index(body, `href="/approvals"`)
		if i < 0 {
			return "-"
		}
		item := body[i : i+strings.Index(body[i:], "</a>")]
		if j := strings.Index(item, `class="menu-count"`); j >= 0 {
			k := strings.Index(item[j:], ">")
			return item[j+k+1 : strings.LastIndex(item, "</span>")]
		}
		return ""
	}
	if got := count(evidence.RoleLeader); got != "" {
		t.Errorf("no request waits, menu count %q", got)
	}
	start := time.Now().Add(time.Hour)
	req := ts.requestAccess(t, evidence.RoleLegal, "复核执法过程是否规范", start, start.Add(time.Hour))
	ts.requestAccess(t, evidence.RoleOfficer, "案件调查取证需要", start, start.Add(time.Hour))
	if got := count(evidence.RoleLeader); got != "2" {
		t.Errorf("two requests wait, menu count %q", got)
	}
	if got := count(evidence.RoleOfficer); got != "-" {
		t.Errorf("officer's menu: approvals item %q", got)
	}
	ts.call(t, "POST", fmt.Sprintf("/api/v1/access-requests/%d/reject", req.ID), evidence.RoleLeader, `{"comment":"理由不足"}`, nil)
	if got := count(evidence.RoleLeader); got != "1" {
		t.Errorf("one request waits, menu count %q", got)
	}
}
