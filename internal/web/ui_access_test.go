package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"shilu/internal/app"
	"shilu/internal/audit"
	"shilu/internal/evidence"
	"shilu/internal/store"
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
	// Open findings are counted for those who review them.
	ctx := context.Background()
	err := ts.cfg.DB.Update(ctx, func(tx *store.Tx) error {
		return tx.SyncRecordingFindings(ctx, ts.recID, []evidence.Finding{{Key: "test:1", Rule: "late_upload", Article: "Art. 12", RecordingIDs: []int64{ts.recID},
			Evidence: evidence.Msg("finding.late_upload"), Status: evidence.FindingOpen, Severity: "warning"}})
	})
	if err != nil {
		t.Fatal(err)
	}
	findings := func(role evidence.Role) bool {
		body := ts.page(t, role, "/recordings").Body.String()
		i := strings.Index(body, `href="/findings"`)
		return i >= 0 && strings.Contains(body[i:i+strings.Index(body[i:], "</a>")], `class="menu-count"`)
	}
	if !findings(evidence.RoleLeader) || findings(evidence.RoleOfficer) {
		t.Errorf("open findings counted for the leader %v, for the officer %v; want only the leader", findings(evidence.RoleLeader), findings(evidence.RoleOfficer))
	}
}

// R-AUD-1: the custody log page reads a page at a time (older/newer
// links by index, not by offset), filters by action and by Beijing dates
// as well as by actor and object, names objects in words and links them
// to their pages.
func TestCustodyLogPaging(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	// 120 entries by one actor; one about an activity.
	err := ts.cfg.DB.Update(ctx, func(tx *store.Tx) error {
		for i := range 120 {
			e := audit.Entry{Actor: "u-officer", Action: evidence.ActionRecordingRead, Object: app.ObjRecording(ts.recID), Outcome: audit.OutcomeOK}
			if i == 60 {
				e.Action, e.Object = evidence.ActionActivityCreate, "activity:3"
			}
			if _, err := tx.Audit(ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	rows := func(body string) []string {
		var out []string
		for _, part := range strings.Split(body, `<tr data-index="`)[1:] {
			out = append(out, part[:strings.Index(part, `"`)])
		}
		return out
	}
	link := func(body, id string) string {
		i := strings.Index(body, `id="`+id+`"`)
		if i < 0 {
			return ""
		}
		j := strings.LastIndex(body[:i], `href="`)
		return strings.ReplaceAll(body[j+6:j+6+strings.Index(body[j+6:], `"`)], "&amp;", "&")
	}
	first := ts.page(t, evidence.RoleAuditor, "/custody?actor=u-officer").Body.String()
	r1 := rows(first)
	if len(r1) != 50 || link(first, "custody-newer") != "" {
		t.Fatalf("first page: %d rows, newer link %q", len(r1), link(first, "custody-newer"))
	}
	older := link(first, "custody-older")
	if !strings.Contains(older, "before=") || !strings.Contains(older, "actor=u-officer") || strings.Contains(older, "page=") {
		t.Fatalf("older link %q: want a cursor that keeps the filter", older)
	}
	second := ts.page(t, evidence.RoleAuditor, older).Body.String()
	r2 := rows(second)
	if len(r2) != 50 || r2[0] >= r1[49] && len(r2[0]) >= len(r1[49]) {
		t.Errorf("second page starts at %v after %v", r2[:1], r1[49])
	}
	back := rows(ts.page(t, evidence.RoleAuditor, link(second, "custody-newer")).Body.String())
	if strings.Join(back, ",") != strings.Join(r1, ",") {
		t.Errorf("newer page of the second is not the first:\n%v\n%v", back, r1)
	}
	// By action: the one activity entry, named, and linked to its page
	// for the custodian, who may open it, not for the auditor, who may not.
	body := ts.page(t, evidence.RoleAuditor, "/custody?action=activity.create").Body.String()
	if got := rows(body); len(got) != 1 || !strings.Contains(body, "执法活动 3") || strings.Contains(body, `href="/activities/3"`) {
		t.Errorf("action filter as auditor: rows %v, or the activity not named, or linked", got)
	}
	if body := ts.page(t, evidence.RoleCustodian, "/custody?action=activity.create").Body.String(); !strings.Contains(body, `href="/activities/3">执法活动 3</a>`) {
		t.Errorf("custodian: no link to the activity:\n%s", rowOf(body, `data-index=`))
	}
	if !strings.Contains(body, `<option value="activity.create" selected>`) {
		t.Error("action select does not keep the choice")
	}
	// By Beijing dates: today has them, yesterday none.
	today := time.Now().In(evidence.Zone).Format("2006-01-02")
	yesterday := time.Now().In(evidence.Zone).AddDate(0, 0, -1).Format("2006-01-02")
	if got := rows(ts.page(t, evidence.RoleAuditor, "/custody?actor=u-officer&from="+today+"&to="+today).Body.String()); len(got) != 50 {
		t.Errorf("today: %d rows", len(got))
	}
	if got := rows(ts.page(t, evidence.RoleAuditor, "/custody?from="+yesterday+"&to="+yesterday).Body.String()); len(got) != 0 {
		t.Errorf("yesterday: %d rows", len(got))
	}
	if w := ts.page(t, evidence.RoleAuditor, "/custody?action=nonsense"); w.Code != http.StatusBadRequest {
		t.Errorf("unknown action: %d", w.Code)
	}
}

// R-AUD-1: the custody CSV gives the details in words and in Beijing time
// (用途：办案；期限：… 至 …), the header's 北京时间 true of every time, and
// keeps the details as logged in a last column for tools.
func TestCustodyCSVDetailsInWords(t *testing.T) {
	ts := newTestServer(t)
	start := time.Date(2030, 1, 2, 7, 0, 0, 0, time.UTC) // 15:00 in Beijing
	req := ts.requestAccess(t, evidence.RoleLegal, "复核执法过程是否规范", start, start.Add(24*time.Hour))
	w := ts.page(t, evidence.RoleAuditor, "/custody.csv?action=access.request")
	csv := w.Body.String()
	for _, want := range []string{"用途：办案", "期限：2030-01-02 15:00 至 2030-01-03 15:00", fmt.Sprintf("申请编号：%d", req.ID), "理由：复核执法过程是否规范",
		"详情（原始记录，UTC）", "from=2030-01-02T07:00:00Z"} {
		if !strings.Contains(csv, want) {
			t.Errorf("custody.csv lacks %q:\n%s", want, csv)
		}
	}
	// The rows end at the empty row before the signed checkpoint
	// (TestExportsCarryCheckpoint).
	if rows, _, _ := strings.Cut(csv, "\n\n"); strings.Count(rows, "\n") != 1 {
		t.Errorf("custody.csv: want the header and the one request entry:\n%s", csv)
	}
}
