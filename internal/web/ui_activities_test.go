package web

import (
	"encoding/csv"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"shilu/internal/evidence"
	"shilu/internal/web/ui"
)

// R-ACT-1, R-ACT-4, R-ACT-6, R-UPL-1: the activity pages render for every
// role that may list recordings, in both languages, and are refused to the
// others; the picture shows an interruption as open until it is explained
// through the API, then as explained, and the findings page follows.
var (
	gapRect     = regexp.MustCompile(`<rect class="gap (gap-open|gap-explained)"[^>]*data-officer="([^"]*)" data-start="([^"]*)"`)
	missingKey  = regexp.MustCompile(`>[a-z_]+\.[a-z_.]+<|<no value>`)
	findingRowR = regexp.MustCompile(`<tr data-id="(\d+)" data-rule="coverage_gap" data-status="([a-z]+)"`)
)

func TestActivityPages(t *testing.T) {
	ts := newTestServer(t)
	ts.officers(t, "000123", "000124", "000125")
	arr := daysAgo(3)
	a1 := ts.addRecording(t, "DSJ0A12_000123_0001.MP4", "000123", "DSJ0A12", arr, arr.Add(10*time.Minute))
	a2 := ts.addRecording(t, "DSJ0A12_000123_0002.MP4", "000123", "DSJ0A12", arr.Add(10*time.Minute+40*time.Second), arr.Add(30*time.Minute))
	b := ts.addRecording(t, "DSJ0B34_000124_0001.MP4", "000124", "DSJ0B34", arr, arr.Add(30*time.Minute))
	var act evidence.Activity
	body := fmt.Sprintf(`{"type":"inspection","place":{"address":"丰南区<某>药房"},"officers":["000123","000124"],"devices":["DSJ0A12"],
		"arrival":%q,"end":%q,"notice_given":true,"case_number":"丰医保〔2026〕7号"}`, rfc(arr), rfc(arr.Add(30*time.Minute)))
	if code := ts.call(t, "POST", "/api/v1/activities", evidence.RoleOfficer, body, &act); code != 201 {
		t.Fatalf("create: %d", code)
	}
	path := fmt.Sprintf("/activities/%d", act.ID)

	// Before linking: the three recordings are proposed, with a checkbox
	// and the link button for those who may link.
	page := ts.page(t, evidence.RoleOfficer, path).Body.String()
	for _, id := range []int64{a1, a2, b} {
		if !strings.Contains(page, fmt.Sprintf(`<input type="checkbox" name="proposal" value="%d"`, id)) {
			t.Errorf("recording %d not proposed", id)
		}
	}
	if !strings.Contains(page, `id="link-selected"`) {
		t.Error("no link button for the officer")
	}
	if ts.call(t, "POST", "/api/v1"+path+"/recordings", evidence.RoleOfficer, fmt.Sprintf(`{"recording_ids":[%d,%d,%d]}`, a1, a2, b), nil) != 200 {
		t.Fatal("link")
	}

	listPaths := []string{"/activities", "/activities?officer=000123&type=inspection&from=" + arr.Format("2006-01-02") + "&to=" + arr.Format("2006-01-02"),
		path, "/findings", "/findings?status=open&rule=coverage_gap&officer=000123"}
	for _, p := range listPaths {
		for _, role := range evidence.Roles {
			w := ts.page(t, role, p)
			if !role.Can(evidence.PermActivitiesRead) {
				if w.Code != http.StatusForbidden {
					t.Errorf("%s as %s: %d, want 403", p, role, w.Code)
				}
				continue
			}
			for _, l := range []string{"zh", "en"} {
				w := ts.page(t, role, p+map[bool]string{true: "&", false: "?"}[strings.Contains(p, "?")]+"lang="+l)
				body := w.Body.String()
				if w.Code != http.StatusOK {
					t.Fatalf("%s %s as %s: %d\n%s", l, p, role, w.Code, body)
				}
				if m := missingKey.FindString(body); m != "" {
					t.Errorf("%s %s as %s: missing message or value %q", l, p, role, m)
				}
				if strings.Contains(body, "<某>") {
					t.Errorf("%s %s: the address is not escaped", l, p)
				}
			}
		}
	}

	// The list: Beijing arrival time, the type in each language, the
	// coverage and the open findings of the row.
	zh := ts.page(t, evidence.RoleLeader, "/activities?lang=zh").Body.String()
	en := ts.page(t, evidence.RoleLeader, "/activities?lang=en").Body.String()
	if !strings.Contains(zh, arr.Format("2006-01-02")+" 09:00:00") || !strings.Contains(zh, "日常检查") || !strings.Contains(zh, `id="activities-table"`) {
		t.Error("zh list: no Beijing arrival time, type or table")
	}
	if !strings.Contains(en, "Routine inspection") || !strings.Contains(en, "New activity") {
		t.Error("en list: no English type or toolbar")
	}
	if !strings.Contains(zh, `data-col="coverage">98.9%`) {
		t.Errorf("list coverage: %s", regexp.MustCompile(`data-col="coverage">[^<]*`).FindString(zh))
	}
	if strings.Contains(ts.page(t, evidence.RoleStation, "/activities").Body.String(), `id="activity-new"`) {
		t.Error("the station, which may not create activities, has the new-activity button")
	}

	gapsOf := func(role evidence.Role) [][]string {
		t.Helper()
		var out [][]string
		for _, m := range gapRect.FindAllStringSubmatch(ts.page(t, role, path).Body.String(), -1) {
			out = append(out, m[1:])
		}
		return out
	}
	gapStart := arr.Add(10 * time.Minute).UTC().Format(time.RFC3339)
	if diff := cmp.Diff([][]string{{"gap-open", "000123", gapStart}}, gapsOf(evidence.RoleOfficer)); diff != "" {
		t.Fatalf("gaps before the explanation (-want +got):\n%s", diff)
	}
	page = ts.page(t, evidence.RoleOfficer, path).Body.String()
	for _, want := range []string{`id="notice-panel"`, `id="coverage-timeline"`, `class="span"`, `id="explain-dialog"`, `id="interruptions-table"`, `data-state="late"`} {
		if !strings.Contains(page, want) {
			t.Errorf("activity page lacks %s", want)
		}
	}
	// R-UPL-1: ingested three days after the deadline.
	if !strings.Contains(page, "迟交 3天") && !strings.Contains(page, "迟交 2天") {
		t.Errorf("upload status: %s", regexp.MustCompile(`data-state="late"><span[^>]*>[^<]*`).FindString(page))
	}
	findingStatus := func() string {
		t.Helper()
		m := findingRowR.FindStringSubmatch(ts.page(t, evidence.RoleLeader, "/findings?rule=coverage_gap").Body.String())
		if m == nil {
			t.Fatal("no coverage_gap row on the findings page")
		}
		return m[2]
	}
	if st := findingStatus(); st != "open" {
		t.Errorf("finding status %s before the explanation, want open", st)
	}

	// R-ACT-6: explained through the API, the gap turns explained.
	explain := fmt.Sprintf(`{"officer":"000123","start":%q,"end":%q,"cause":"battery_storage","note":"更换电池","voice_recording_id":%d,"voice_point_ms":5000}`,
		gapStart, rfc(arr.Add(10*time.Minute+40*time.Second)), a2)
	if code := ts.call(t, "POST", "/api/v1"+path+"/interruptions", evidence.RoleOfficer, explain, nil); code != 201 {
		t.Fatalf("explain: %d", code)
	}
	if diff := cmp.Diff([][]string{{"gap-explained", "000123", gapStart}}, gapsOf(evidence.RoleOfficer)); diff != "" {
		t.Errorf("gaps after the explanation (-want +got):\n%s", diff)
	}
	page = ts.page(t, evidence.RoleOfficer, path+"?lang=zh").Body.String()
	for _, want := range []string{"电量、存储空间不足", "更换电池", "0:05", `data-status="explained"`} {
		if !strings.Contains(page, want) {
			t.Errorf("activity page after the explanation lacks %q", want)
		}
	}
	if st := findingStatus(); st != "explained" {
		t.Errorf("finding status %s after the explanation, want explained", st)
	}
	// The leader may accept it, from either page; the officer may not.
	if body := ts.page(t, evidence.RoleLeader, "/findings").Body.String(); !strings.Contains(body, `data-action="act-accept"`) || !strings.Contains(body, `id="accept-dialog"`) {
		t.Error("findings page: no accept button or dialog for the leader")
	}
	if body := ts.page(t, evidence.RoleOfficer, "/findings").Body.String(); strings.Contains(body, `data-action="act-accept"`) {
		t.Error("findings page: accept button for the officer")
	}
	// R-ACT-2: a submitted exemption waits for the leader, who alone gets
	// the acknowledge button.
	if code := ts.call(t, "POST", "/api/v1"+path+"/exemptions", evidence.RoleOfficer, `{"category":"secret_privacy","reason":"涉及患者隐私","basis":"第七条第一项"}`, nil); code != 201 {
		t.Fatalf("exemption: %d", code)
	}
	if body := ts.page(t, evidence.RoleLeader, path).Body.String(); !strings.Contains(body, `data-action="act-acknowledge"`) || !strings.Contains(body, "涉及国家秘密、商业秘密或者个人隐私") {
		t.Error("activity page: no exemption or acknowledge button for the leader")
	}
	if body := ts.page(t, evidence.RoleOfficer, path).Body.String(); strings.Contains(body, `data-action="act-acknowledge"`) {
		t.Error("activity page: acknowledge button for the officer")
	}
	if w := ts.page(t, evidence.RoleOfficer, "/findings?status=bogus"); w.Code != http.StatusBadRequest {
		t.Errorf("bad status filter: %d", w.Code)
	}
	if w := ts.page(t, evidence.RoleOfficer, "/activities/999999"); w.Code != http.StatusNotFound {
		t.Errorf("missing activity: %d", w.Code)
	}
}

// R-ACT-1, X-ACT-3: the activity page carries the correction dialog filled
// with the stored facts (Shanghai times in the inputs), shows 先行登记保存
// with its decision due, and lets people who record work unlink.
func TestActivityEditForm(t *testing.T) {
	ts := newTestServer(t)
	ts.officers(t, "000123", "000124", "000125")
	arr := time.Date(2026, 11, 26, 9, 0, 0, 0, evidence.Zone)
	body := fmt.Sprintf(`{"type":"investigation","place":{"address":"丰南区<某>药房"},"officers":["000123","000124"],"arrival":%q,"end":%q,
		"work_mode":"continuous","return_at":%q,"preservation":{"approved_by":"刘洋","approved_at":%q}}`,
		rfc(arr), rfc(arr.Add(time.Hour)), rfc(arr.Add(30*time.Hour)), rfc(arr.Add(2*time.Hour)))
	var act evidence.Activity
	if code := ts.call(t, "POST", "/api/v1/activities", evidence.RoleOfficer, body, &act); code != 201 {
		t.Fatalf("create: %d", code)
	}
	if code := ts.call(t, "POST", fmt.Sprintf("/api/v1/activities/%d/recordings", act.ID), evidence.RoleOfficer, fmt.Sprintf(`{"recording_ids":[%d]}`, ts.recID), nil); code != 200 {
		t.Fatalf("link: %d", code)
	}
	page := ts.page(t, evidence.RoleOfficer, fmt.Sprintf("/activities/%d", act.ID)).Body.String()
	for _, want := range []string{
		fmt.Sprintf(`data-activity="%d"`, act.ID),
		`value="丰南区&lt;某&gt;药房"`,
		`name="officers" value="000123" checked`, `name="officers" value="000124" checked`,
		`name="arrival" type="datetime-local" step="1" min="2000-01-01T00:00" max="`, `value="2026-11-26T09:00:00"`,
		`value="2026-11-27T15:00:00"`, // the return, 30 h after the arrival
		`<option value="investigation" selected>`,
		`name="preserved" checked`,
		ui.Msg("zh", "act.preservation_due", "2026-12-03 11:00:00"),
		`data-action="act-unlink"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("activity page lacks %s", want)
		}
	}
	// Legal staff read the work, they do not record it: they see neither.
	reader := ts.page(t, evidence.RoleLegal, fmt.Sprintf("/activities/%d", act.ID))
	if reader.Code != 200 || strings.Contains(reader.Body.String(), `id="activity-form"`) || strings.Contains(reader.Body.String(), `data-action="act-unlink"`) {
		t.Errorf("a reader: status %d, or the correction dialog or the unlink button shown", reader.Code)
	}
}

// The activities list pages like the other lists (RuoYi layout): 20 rows a
// page, the total, and links by position that keep the search.
func TestActivitiesPaged(t *testing.T) {
	ts := newTestServer(t)
	ts.officers(t, "000123", "000124", "000125")
	arr := time.Date(2026, 11, 2, 9, 0, 0, 0, evidence.Zone)
	for i := range 25 {
		a := arr.Add(time.Duration(i) * time.Hour)
		body := fmt.Sprintf(`{"type":"service","place":{"address":"第%d处"},"officers":["000123"],"arrival":%q,"end":%q}`, i, rfc(a), rfc(a.Add(30*time.Minute)))
		if code := ts.call(t, "POST", "/api/v1/activities", evidence.RoleOfficer, body, nil); code != 201 {
			t.Fatalf("create %d: %d", i, code)
		}
	}
	rows := regexp.MustCompile(`<tr data-id="\d+">`)
	first := ts.page(t, evidence.RoleLeader, "/activities?officer=000123").Body.String()
	if n := len(rows.FindAllString(first, -1)); n != 20 {
		t.Errorf("page 1: %d rows, want 20", n)
	}
	next := regexp.MustCompile(`href="(/activities\?after=[^"]+&amp;officer=000123)" rel="next"`).FindStringSubmatch(first)
	if !strings.Contains(first, ui.Msg("zh", "list.total", 25)) || next == nil {
		t.Fatalf("page 1 lacks the total or a next link by position keeping the search")
	}
	second := ts.page(t, evidence.RoleLeader, html.UnescapeString(next[1])).Body.String()
	if n := len(rows.FindAllString(second, -1)); n != 5 || !strings.Contains(second, "第0处") || strings.Contains(second, "第24处") {
		t.Errorf("page 2: %d rows, want the 5 oldest", n)
	}
}

// R-ACC-1, R-RPT-1: the findings list exports as CSV — every page of the
// selection, the page's filters kept, Chinese headings, a BOM for Excel —
// and the export is a custody entry.
func TestFindingsCSV(t *testing.T) {
	ts := newTestServer(t)
	ts.officers(t, "000123", "000124", "000125")
	arr := time.Date(2026, 11, 26, 9, 0, 0, 0, evidence.Zone)
	for i := range ui.PageSize + 5 {
		a := arr.Add(time.Duration(i) * time.Hour)
		// One officer on an inspection: too_few_officers (X-ACT-1).
		body := fmt.Sprintf(`{"type":"inspection","place":{"address":"丰南区某药房"},"officers":["000123"],"arrival":%q,"end":%q,"notice_given":true}`,
			rfc(a), rfc(a.Add(30*time.Minute)))
		if code := ts.call(t, "POST", "/api/v1/activities", evidence.RoleOfficer, body, nil); code != 201 {
			t.Fatalf("create %d: %d", i, code)
		}
	}
	page := ts.page(t, evidence.RoleLeader, "/findings?rule=too_few_officers").Body.String()
	if !strings.Contains(page, `href="/findings.csv?rule=too_few_officers"`) {
		t.Fatalf("the findings page has no export of its selection")
	}
	w := ts.page(t, evidence.RoleLeader, "/findings.csv?rule=too_few_officers")
	body := w.Body.String()
	if w.Code != 200 || !strings.HasPrefix(body, "\uFEFF") || !strings.Contains(w.Header().Get("Content-Disposition"), "findings.csv") {
		t.Fatalf("export: %d, BOM %v, %q", w.Code, strings.HasPrefix(body, "\uFEFF"), w.Header().Get("Content-Disposition"))
	}
	records, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != 1+ui.PageSize+5 || records[0][1] != ui.Msg("zh", "act.rule") || records[1][1] != ui.Msg("zh", "act.rule.too_few_officers") {
		t.Errorf("%d records (want all %d findings and the heading), heading %v, first %v", len(records), ui.PageSize+5, records[0], records[1])
	}
	if e := lastEntry(t, ts); e.Action != "findings.export" || e.Actor != "u-leader" || e.Details["rule"] != "too_few_officers" || e.Details["rows"] != strconv.Itoa(ui.PageSize+5) {
		t.Errorf("custody entry %+v", e)
	}
}

// R-ACT-2 (Art. 7): a leader finds the exemptions waiting for them on
// their to-do page (待我审批) beside the access requests, one click from
// acknowledging; once acknowledged they leave the list.
func TestApprovalsListExemptions(t *testing.T) {
	ts := newTestServer(t)
	ts.officers(t, "000123", "000124", "000125")
	arr := daysAgo(2)
	body := fmt.Sprintf(`{"type":"service","place":{"address":"丰南区某卫生站"},"officers":["000123"],"arrival":%q,"end":%q}`, rfc(arr), rfc(arr.Add(time.Hour)))
	var act evidence.Activity
	if code := ts.call(t, "POST", "/api/v1/activities", evidence.RoleOfficer, body, &act); code != 201 {
		t.Fatalf("create: %d", code)
	}
	var ex evidence.Exemption
	if code := ts.call(t, "POST", fmt.Sprintf("/api/v1/activities/%d/exemptions", act.ID), evidence.RoleOfficer,
		`{"category":"objective","reason":"记录仪进水损坏","basis":"第七条第三项"}`, &ex); code != 201 {
		t.Fatalf("exemption: %d", code)
	}
	page := ts.page(t, evidence.RoleLeader, "/approvals").Body.String()
	button := fmt.Sprintf(`data-action="act-acknowledge" data-id="%d"`, ex.ID)
	if !strings.Contains(page, button) || !strings.Contains(page, fmt.Sprintf(`href="/activities/%d"`, act.ID)) || !strings.Contains(page, "记录仪进水损坏") {
		t.Fatalf("the leader's approvals page does not list the exemption")
	}
	if code := ts.call(t, "POST", fmt.Sprintf("/api/v1/exemptions/%d/acknowledge", ex.ID), evidence.RoleLeader, "", nil); code != 200 {
		t.Fatalf("acknowledge: %d", code)
	}
	if page := ts.page(t, evidence.RoleLeader, "/approvals").Body.String(); strings.Contains(page, button) || !strings.Contains(page, ui.Msg("zh", "appr.exemptions_empty")) {
		t.Errorf("an acknowledged exemption is still listed")
	}
}
