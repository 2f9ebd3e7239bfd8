package web

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"shilu/internal/audit"
	"shilu/internal/compliance"
	"shilu/internal/evidence"
	"shilu/internal/store"
)

// dashboardScenario builds three activities and an orphan:
//
//   - A1, an inspection three days ago, 09:00-09:30, by 000123 and 000124:
//     000123 recorded 0-10 min and 10:40-30 min (a 40 s interruption,
//     then explained), 000124 the whole 30 min; all three recordings are
//     ingested now, after the deadline (late);
//   - A2, a service yesterday by 000123, nothing recorded (unrecorded);
//   - A3, a service two days ago by 000124, excused by an acknowledged
//     exemption;
//   - O, a recording by 000125 two days ago linked to nothing (orphan),
//     besides the test server's own recording without an officer.
//
// 000123 is the account of 张伟 in 稽查科; no account carries the others.
//
// No device checks were made, so every officer on every activity has a
// device_check_missing finding.
func dashboardScenario(t *testing.T, ts *testServer) {
	t.Helper()
	create := func(body string) evidence.Activity {
		t.Helper()
		var a evidence.Activity
		if code := ts.call(t, "POST", "/api/v1/activities", evidence.RoleOfficer, body, &a); code != 201 {
			t.Fatalf("create activity: %d", code)
		}
		return a
	}
	ctx := context.Background()
	err := ts.cfg.DB.Update(ctx, func(tx *store.Tx) error {
		d, err := tx.CreateDepartment(ctx, "稽查科", nil)
		if err != nil {
			return err
		}
		_, err = tx.CreateAccount(ctx, store.NewAccount{Name: "zhangwei", Role: evidence.RoleOfficer, DisplayName: "张伟", OfficerNo: "000123", DepartmentID: &d.ID})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	arr := daysAgo(3)
	r1 := ts.addRecording(t, "R1.MP4", "000123", "DSJ0A12", arr, arr.Add(10*time.Minute))
	r2 := ts.addRecording(t, "R2.MP4", "000123", "DSJ0A12", arr.Add(10*time.Minute+40*time.Second), arr.Add(30*time.Minute))
	r3 := ts.addRecording(t, "R3.MP4", "000124", "DSJ0B34", arr, arr.Add(30*time.Minute))
	ts.addRecording(t, "O.MP4", "000125", "DSJ0C56", daysAgo(2).Add(-time.Hour), daysAgo(2).Add(-50*time.Minute))

	a1 := create(fmt.Sprintf(`{"type":"inspection","place":{"address":"丰南区某药房"},"officers":["000123","000124"],"devices":["DSJ0A12"],"arrival":%q,"end":%q,"notice_given":true}`,
		rfc(arr), rfc(arr.Add(30*time.Minute))))
	base := fmt.Sprintf("/api/v1/activities/%d", a1.ID)
	if code := ts.call(t, "POST", base+"/recordings", evidence.RoleOfficer, fmt.Sprintf(`{"recording_ids":[%d,%d,%d]}`, r1, r2, r3), nil); code != 200 {
		t.Fatalf("link: %d", code)
	}
	explain := fmt.Sprintf(`{"officer":"000123","start":%q,"end":%q,"cause":"battery_storage","voice_recording_id":%d,"voice_point_ms":3000}`,
		rfc(arr.Add(10*time.Minute+5*time.Second)), rfc(arr.Add(10*time.Minute+35*time.Second)), r2)
	if code := ts.call(t, "POST", base+"/interruptions", evidence.RoleOfficer, explain, nil); code != 201 {
		t.Fatalf("explain: %d", code)
	}

	a2 := daysAgo(1).Add(time.Hour)
	create(fmt.Sprintf(`{"type":"service","place":{"address":"某诊所"},"officers":["000123"],"arrival":%q,"end":%q,"notice_given":true}`, rfc(a2), rfc(a2.Add(20*time.Minute))))

	a3t := daysAgo(2).Add(5 * time.Hour)
	a3 := create(fmt.Sprintf(`{"type":"service","place":{"address":"某卫生院"},"officers":["000124"],"arrival":%q,"end":%q,"notice_given":true}`, rfc(a3t), rfc(a3t.Add(30*time.Minute))))
	var e evidence.Exemption
	if code := ts.call(t, "POST", fmt.Sprintf("/api/v1/activities/%d/exemptions", a3.ID), evidence.RoleOfficer,
		`{"category":"emergency","reason":"现场冲突，来不及开启","basis":"第七条第二项"}`, &e); code != 201 {
		t.Fatalf("exemption: %d", code)
	}
	if code := ts.call(t, "POST", fmt.Sprintf("/api/v1/exemptions/%d/acknowledge", e.ID), evidence.RoleLeader, "", nil); code != 200 {
		t.Fatalf("acknowledge: %d", code)
	}

	// The scenario's orphans are O and the test server's recording.
	var orphans struct {
		Recordings []evidence.Recording `json:"recordings"`
	}
	if ts.call(t, "GET", "/api/v1/recordings/orphans", evidence.RoleOfficer, "", &orphans); len(orphans.Recordings) != 2 {
		t.Fatalf("precondition: %d orphans, want 2", len(orphans.Recordings))
	}
}

// row is a SummaryRow's counts as the page, the CSV and the JSON show
// them: the JSON field names with the figures as text; rates without a
// base are "".
type row map[string]string

func want(activities, recorded, exempted int, rate, coverage string, interruptions, explained, recordings, late, orphans, findings, open int) row {
	n := func(v int) string { return fmt.Sprint(v) }
	return row{"activities": n(activities), "recorded": n(recorded), "exempted": n(exempted), "recording_rate": rate, "coverage": coverage,
		"interruptions": n(interruptions), "explained": n(explained), "recordings": n(recordings), "late_uploads": n(late), "orphans": n(orphans),
		"findings": n(findings), "open_findings": n(open)}
}

// The hand-computed figures of dashboardScenario.
//
// By officer: 000123 has A1 (recorded) and A2 (not): rate 1/2; coverage
// 29:20 of 30:00 = 97.8%; one interruption, explained; R1 and R2 late;
// findings: the gap (explained), two late uploads, the device check of A1,
// and on A2 unrecorded and the device check — 6, 5 open. 000124 has A1
// (recorded) and A3 (exempted): rate 2/2, coverage 100%; R3 late; findings:
// late upload and device check on A1, device check on A3. Totals sum the
// counts: rate (2+1)/4 = 75%, coverage 3560 s of 3600 s = 98.9%.
var (
	wantByOfficer = map[string]row{
		"":       want(0, 0, 0, "", "", 0, 0, 0, 0, 1, 0, 0),
		"000123": want(2, 1, 0, "50.0", "97.8", 1, 1, 2, 2, 0, 6, 5),
		"000124": want(2, 1, 1, "100.0", "100.0", 0, 0, 1, 1, 0, 3, 3),
		"000125": want(0, 0, 0, "", "", 0, 0, 0, 0, 1, 0, 0),
	}
	wantOfficerTotals = want(4, 2, 1, "75.0", "98.9", 1, 1, 3, 3, 2, 9, 8)
	// By department: 稽查科 is 000123's; the rest have no department.
	wantByDepartment = map[string]row{
		"稽查科": want(2, 1, 0, "50.0", "97.8", 1, 1, 2, 2, 0, 6, 5),
		"":    want(2, 1, 1, "100.0", "100.0", 0, 0, 1, 1, 2, 3, 3),
	}
	// Each activity once: A1, A2, A3 with 1 recorded and 1 exempted.
	wantOverall = want(3, 1, 1, "66.7", "98.9", 1, 1, 3, 3, 2, 9, 8)
)

func wantByDay() map[string]row {
	day := func(n int) string { return daysAgo(n).Format("2006-01-02") }
	return map[string]row{
		day(3): want(1, 1, 0, "100.0", "98.9", 1, 1, 3, 3, 0, 6, 5),
		day(2): want(1, 0, 1, "100.0", "", 0, 0, 0, 0, 1, 1, 1),
		day(1): want(1, 0, 0, "0.0", "", 0, 0, 0, 0, 0, 2, 2),
		day(0): want(0, 0, 0, "", "", 0, 0, 0, 0, 1, 0, 0),
	}
}

var (
	rowRE   = regexp.MustCompile(`(?s)<tr data-key="([^"]*)">(.*?)</tr>`)
	totalRE = regexp.MustCompile(`(?s)<tr class="total-row" data-total="1">(.*?)</tr>`)
	cellRE  = regexp.MustCompile(`<td class="num" data-col="([a-z_]+)" data-value="([^"]*)">`)
	statRE  = regexp.MustCompile(`(?s)data-stat="([a-z_]+)">.*?<div class="stat-value[^"]*">([^<]*)</div>`)
)

func cellsOf(html string) row {
	out := row{}
	for _, m := range cellRE.FindAllStringSubmatch(html, -1) {
		out[m[1]] = m[2]
	}
	return out
}

// tableRows reads the dashboard table: its rows by data-key and the totals.
func tableRows(t *testing.T, body string) (map[string]row, row) {
	t.Helper()
	i := strings.Index(body, `id="dashboard-table"`)
	if i < 0 {
		t.Fatalf("no dashboard table:\n%s", body)
	}
	body = body[i:]
	rows := map[string]row{}
	for _, m := range rowRE.FindAllStringSubmatch(body, -1) {
		rows[m[1]] = cellsOf(m[2])
	}
	var tot row
	if m := totalRE.FindStringSubmatch(body); m != nil {
		tot = cellsOf(m[1])
	}
	return rows, tot
}

func jsonRow(r compliance.SummaryRow) row {
	pct := func(v float64, ok bool) string {
		if !ok {
			return ""
		}
		return fmt.Sprintf("%.1f", v)
	}
	out := want(r.Activities, r.Recorded, r.Exempted, pct(r.RecordingRate, r.Activities > 0), pct(r.Coverage, r.RequiredMS > 0),
		r.Interruptions, r.Explained, r.Recordings, r.LateUploads, r.Orphans, r.Findings, r.OpenFindings)
	return out
}

// R-RPT-1: the page, the CSV and the JSON API show the same hand-computed
// figures per officer and per period, totals from the counts, summary
// cards counting each activity once, and status colours.
func TestDashboardFigures(t *testing.T) {
	ts := newTestServer(t)
	dashboardScenario(t, ts)

	t.Run("PageByOfficer", func(t *testing.T) {
		w := ts.page(t, evidence.RoleLeader, "/dashboard")
		body := w.Body.String()
		if w.Code != http.StatusOK {
			t.Fatalf("status %d\n%s", w.Code, body)
		}
		rows, tot := tableRows(t, body)
		if diff := cmp.Diff(wantByOfficer, rows); diff != "" {
			t.Errorf("rows (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(wantOfficerTotals, tot); diff != "" {
			t.Errorf("totals (-want +got):\n%s", diff)
		}
		stats := map[string]string{}
		for _, m := range statRE.FindAllStringSubmatch(body, -1) {
			stats[m[1]] = m[2]
		}
		wantStats := map[string]string{"activities": "3", "recording_rate": "66.7%", "coverage": "98.9%", "interruptions": "1 / 1",
			"exempted": "1", "late_uploads": "3", "orphans": "2", "open_findings": "8"}
		if diff := cmp.Diff(wantStats, stats); diff != "" {
			t.Errorf("summary cards (-want +got):\n%s", diff)
		}
		// Below 80 is danger, below 100 warning, 100 success.
		for _, s := range []string{`data-col="recording_rate" data-value="50.0"><span class="tag tag-danger">50.0%</span>`,
			`data-col="coverage" data-value="97.8"><span class="tag tag-warning">97.8%</span>`,
			`data-col="recording_rate" data-value="100.0"><span class="tag tag-success">100.0%</span>`,
			`<a class="link" href="/findings?from=` + daysAgo(30).Format("2006-01-02") + `&amp;officer=000123&amp;to=` + daysAgo(0).Format("2006-01-02") + `"`, `href="/dashboard.csv?by=officer&amp;from=`,
			"<td>张伟</td>", `<td>—</td>`, "未标注警号", "多人参与的执法活动", "<title>000123 张伟: 50.0%</title>"} {
			if !strings.Contains(body, s) {
				t.Errorf("page lacks %s", s)
			}
		}
		if n := strings.Count(body, `role="img"`); n != 4 {
			t.Errorf("%d charts, want 4", n)
		}
		// The interruption chart has 000123's row: 1 explained of 1.
		if !strings.Contains(body, "<title>000123 张伟 · 已说明: 1</title>") {
			t.Error("interruption chart lacks 000123's explained segment")
		}
	})

	t.Run("PageByDay", func(t *testing.T) {
		body := ts.page(t, evidence.RoleOfficer, "/dashboard?by=day").Body.String()
		rows, tot := tableRows(t, body)
		if diff := cmp.Diff(wantByDay(), rows); diff != "" {
			t.Errorf("rows (-want +got):\n%s", diff)
		}
		// By period each activity is counted once: totals are the overall.
		if diff := cmp.Diff(wantOverall, tot); diff != "" {
			t.Errorf("totals (-want +got):\n%s", diff)
		}
		// The trend has a column for every day of the default 31, with or
		// without activities.
		if n := strings.Count(body, `<g class="column">`); n != 2*31 {
			t.Errorf("%d columns in the two trend charts, want 62", n)
		}
		// Yesterday's 0% is a value (a danger sliver), today's no value.
		yesterday, today := daysAgo(1).Format("2006-01-02"), daysAgo(0).Format("2006-01-02")
		for _, s := range []string{"<title>" + yesterday + ": 0.0%</title><rect class=\"bar danger\"", "<title>" + today + ": —</title><text class=\"label\""} {
			if !strings.Contains(body, s) && !strings.Contains(body, strings.TrimSuffix(s, "<text class=\"label\"")+"</g>") {
				t.Errorf("trend lacks %s", s)
			}
		}
		if strings.Contains(body, "多人参与的执法活动") {
			t.Error("the per-person note shows for a period grouping")
		}
	})

	t.Run("PageByDepartment", func(t *testing.T) {
		body := ts.page(t, evidence.RoleLeader, "/dashboard?by=department&lang=en").Body.String()
		rows, tot := tableRows(t, body)
		if diff := cmp.Diff(wantByDepartment, rows); diff != "" {
			t.Errorf("rows (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(wantOfficerTotals, tot); diff != "" {
			t.Errorf("totals (-want +got):\n%s", diff)
		}
		if !strings.Contains(body, "No department") || strings.Contains(body, "/findings?officer=") {
			t.Error("department rows: no label for the officers without one, or links to officers' findings")
		}
	})

	t.Run("PageByMonthAndWeek", func(t *testing.T) {
		for _, by := range []string{"month", "week"} {
			body := ts.page(t, evidence.RoleLeader, "/dashboard?by="+by).Body.String()
			_, tot := tableRows(t, body)
			if tot["activities"] != "3" || tot["recording_rate"] != "66.7" || tot["orphans"] != "2" {
				t.Errorf("by %s: totals %v", by, tot)
			}
		}
	})

	t.Run("JSON", func(t *testing.T) {
		var got struct {
			From, To time.Time
			By       string
			Rows     []compliance.SummaryRow
			Totals   compliance.SummaryRow
		}
		if code := ts.call(t, "GET", "/api/v1/compliance/summary", evidence.RoleLegal, "", &got); code != 200 {
			t.Fatalf("status %d", code)
		}
		rows := map[string]row{}
		for _, r := range got.Rows {
			rows[r.Key] = jsonRow(r)
		}
		if diff := cmp.Diff(wantByOfficer, rows); diff != "" {
			t.Errorf("rows (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(wantOfficerTotals, jsonRow(got.Totals)); diff != "" {
			t.Errorf("totals (-want +got):\n%s", diff)
		}
		if got.By != "officer" || got.To.Sub(got.From) != 31*24*time.Hour || got.Totals.CoveredMS != 3560000 || got.Totals.RequiredMS != 3600000 {
			t.Errorf("by %s, period %v – %v, covered %d of %d", got.By, got.From, got.To, got.Totals.CoveredMS, got.Totals.RequiredMS)
		}

		// A period that holds only A1 (arrival three days ago).
		q := "/api/v1/compliance/summary?by=month&from=" + rfc(daysAgo(3).Add(-time.Hour)) + "&to=" + rfc(daysAgo(3).Add(time.Hour))
		if code := ts.call(t, "GET", q, evidence.RoleLegal, "", &got); code != 200 {
			t.Fatalf("status %d", code)
		}
		if got.Totals.Activities != 1 || got.Totals.Recorded != 1 || got.Totals.Interruptions != 1 {
			t.Errorf("A1 alone: %+v", got.Totals)
		}
	})

	t.Run("CSV", func(t *testing.T) {
		for _, c := range []struct {
			lang, keyHead, total string
		}{{"zh", "警号", "合计"}, {"en", "Officer number", "Total"}} {
			w := ts.page(t, evidence.RoleLeader, "/dashboard.csv?lang="+c.lang)
			body := w.Body.String()
			if w.Code != http.StatusOK || !strings.HasPrefix(body, "\uFEFF") {
				t.Fatalf("%s: %d, BOM %v", c.lang, w.Code, strings.HasPrefix(body, "\uFEFF"))
			}
			cd := w.Header().Get("Content-Disposition")
			if !regexp.MustCompile(`^attachment; filename="compliance-officer-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv"$`).MatchString(cd) {
				t.Errorf("Content-Disposition %q", cd)
			}
			recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\uFEFF"))).ReadAll()
			if err != nil {
				t.Fatalf("%s: %v\n%s", c.lang, err, body)
			}
			if len(recs) != 1+len(wantByOfficer)+1 || recs[0][0] != c.keyHead || len(recs[0]) != 2+len(dashColumns) {
				t.Fatalf("%s: %d records, heading %v", c.lang, len(recs), recs[0])
			}
			for i, col := range dashColumns {
				if h := recs[0][2+i]; !strings.HasPrefix(h, msg(c.lang, col.key)) {
					t.Errorf("%s: heading %q of %s", c.lang, h, col.name)
				}
			}
			got := map[string]row{}
			for _, rec := range recs[1:] {
				r := row{}
				for i, col := range dashColumns {
					r[col.name] = rec[2+i]
				}
				got[rec[0]] = r
				if rec[0] == "000123" && rec[1] != "张伟" {
					t.Errorf("%s: name of 000123 %q", c.lang, rec[1])
				}
			}
			wantRows := map[string]row{msg(c.lang, "dashboard.no_officer"): wantByOfficer[""], "000123": wantByOfficer["000123"],
				"000124": wantByOfficer["000124"], "000125": wantByOfficer["000125"], c.total: wantOfficerTotals}
			if diff := cmp.Diff(wantRows, got); diff != "" {
				t.Errorf("%s rows (-want +got):\n%s", c.lang, diff)
			}
			if last := recs[len(recs)-1]; last[0] != c.total {
				t.Errorf("%s: last row %v, want the totals", c.lang, last)
			}
		}
	})
}

// lastEntry is the newest custody entry.
func lastEntry(t *testing.T, ts *testServer) audit.Entry {
	t.Helper()
	ctx := context.Background()
	var last audit.Entry
	err := ts.cfg.DB.View(ctx, func(tx *store.Tx) error {
		return tx.Entries(ctx, 0, func(_ uint64, data, _ []byte) error {
			e, err := audit.Decode(data)
			last = e
			return err
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return last
}

// R-RPT-1, R-AUD-1: exporting compliance figures is a custody entry naming
// who exported what; a refused export leaves none.
func TestDashboardExportIsLogged(t *testing.T) {
	ts := newTestServer(t)
	if w := ts.page(t, evidence.RoleDeptHead, "/dashboard.csv?by=month&from=2026-10-01&to=2026-10-31"); w.Code != http.StatusOK {
		t.Fatalf("export: %d", w.Code)
	}
	e := lastEntry(t, ts)
	want := map[string]string{"format": "csv", "from": "2026-10-01", "to": "2026-10-31", "by": "month", "rows": "0"}
	got := map[string]string{}
	for k := range want {
		got[k] = e.Details[k]
	}
	if e.Action != "compliance.export" || e.Actor != "u-dept_head" || e.Outcome != audit.OutcomeOK || !cmp.Equal(want, got) {
		t.Errorf("custody entry %+v", e)
	}
	if w := ts.page(t, evidence.RoleAuditor, "/custody?lang=zh"); !strings.Contains(w.Body.String(), "导出合规统计") {
		t.Error("the custody page does not name the export")
	}
	before := e.Index
	if w := ts.page(t, evidence.RoleDeptHead, "/dashboard.csv?by=year"); w.Code != http.StatusBadRequest {
		t.Errorf("bad export: %d", w.Code)
	}
	if after := lastEntry(t, ts); after.Index != before {
		t.Errorf("a refused export was logged: %+v", after)
	}
}

// R-RPT-1: the page renders in both languages for every grouping, without
// inline styles (the CSP forbids them) or missing messages; an empty
// period says so.
func TestDashboardRenders(t *testing.T) {
	ts := newTestServer(t)
	missing := regexp.MustCompile(`>[a-z_]+\.[a-z_.]+<|<no value>`)
	for _, l := range []string{"zh", "en"} {
		for _, by := range []string{"officer", "department", "day", "week", "month"} {
			w := ts.page(t, evidence.RoleOfficer, "/dashboard?by="+by+"&from=2026-01-01&to=2026-01-31&lang="+l)
			body := w.Body.String()
			if w.Code != http.StatusOK {
				t.Fatalf("%s %s: %d\n%s", l, by, w.Code, body)
			}
			if m := missing.FindString(body); m != "" {
				t.Errorf("%s %s: unrendered %s", l, by, m)
			}
			if strings.Contains(body, " style=") {
				t.Errorf("%s %s: inline style", l, by)
			}
			for _, s := range []string{msg(l, "dashboard.title"), msg(l, "dashboard.col_"+by), `<option value="` + by + `" selected>`, msg(l, "dashboard.empty"),
				`value="2026-01-01"`, `value="2026-01-31"`, "dashboard.css"} {
				if !strings.Contains(body, s) {
					t.Errorf("%s %s: page lacks %q", l, by, s)
				}
			}
		}
	}
	// The default is the last 30 days up to today, by officer.
	body := ts.page(t, evidence.RoleOfficer, "/dashboard").Body.String()
	today := time.Now().In(shanghai)
	for _, s := range []string{`value="` + today.Format("2006-01-02") + `"`, `value="` + today.AddDate(0, 0, -30).Format("2006-01-02") + `"`, `<option value="officer" selected>`} {
		if !strings.Contains(body, s) {
			t.Errorf("default page lacks %s", s)
		}
	}
}

// Bad parameters are refused with 400 on the page, the CSV and the API.
func TestDashboardBadParameters(t *testing.T) {
	ts := newTestServer(t)
	for _, c := range []struct{ name, path string }{
		{"ErrPageGroup", "/dashboard?by=year"},
		{"ErrPageDate", "/dashboard?from=2026-13-01"},
		{"ErrPageToBeforeFrom", "/dashboard?from=2026-11-02&to=2026-11-01"},
		{"ErrCSVDate", "/dashboard.csv?to=yesterday"},
		{"ErrAPIGroup", "/api/v1/compliance/summary?by=quarter"},
		{"ErrAPITime", "/api/v1/compliance/summary?from=2026-11-01"},
		{"ErrAPIEmptyPeriod", "/api/v1/compliance/summary?from=2026-11-02T00:00:00Z&to=2026-11-02T00:00:00Z"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if w := ts.page(t, evidence.RoleLeader, c.path); w.Code != http.StatusBadRequest {
				t.Errorf("%s: %d, want 400", c.path, w.Code)
			}
		})
	}
	// One day is a valid period: from and to are inclusive dates.
	if w := ts.page(t, evidence.RoleLeader, "/dashboard?from=2026-11-02&to=2026-11-02"); w.Code != http.StatusOK {
		t.Errorf("one-day period: %d", w.Code)
	}
}

// R-RPT-1: totals are recomputed from the counts, never averaged; rates
// without a base are 0 and are not judged.
func TestTotalsAndStatus(t *testing.T) {
	rows := []compliance.SummaryRow{
		{Key: "a", Activities: 1, Recorded: 0, RecordingRate: 0, CoveredMS: 0, RequiredMS: 0},
		{Key: "b", Activities: 99, Recorded: 98, Exempted: 1, RecordingRate: 100, CoveredMS: 900, RequiredMS: 1000, Coverage: 90, Orphans: 2, Findings: 3, OpenFindings: 1},
	}
	got := totals(rows)
	want := compliance.SummaryRow{Activities: 100, Recorded: 98, Exempted: 1, RecordingRate: 99, CoveredMS: 900, RequiredMS: 1000, Coverage: 90, Orphans: 2, Findings: 3, OpenFindings: 1}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("totals (-want +got):\n%s", diff)
	}
	if z := totals(nil); z != (compliance.SummaryRow{}) {
		t.Errorf("totals of nothing: %+v", z)
	}
	if p := percent(2, 3); p != 66.7 {
		t.Errorf("percent(2, 3) = %v", p)
	}
	for _, c := range []struct {
		v       float64
		defined bool
		want    string
	}{{100, true, "success"}, {99.9, true, "warning"}, {80, true, "warning"}, {79.9, true, "danger"}, {0, true, "danger"}, {0, false, ""}} {
		if got := percentStatus(c.v, c.defined); got != c.want {
			t.Errorf("percentStatus(%v, %v) = %q, want %q", c.v, c.defined, got, c.want)
		}
	}
}

// The trend keeps every day, ISO week or month of the period, across a
// year end, keyed as compliance.Summary keys them.
func TestPeriods(t *testing.T) {
	from := time.Date(2026, 12, 28, 0, 0, 0, 0, shanghai)
	to := time.Date(2027, 1, 5, 0, 0, 0, 0, shanghai)
	for _, c := range []struct {
		by   compliance.GroupBy
		want []string
	}{
		{compliance.ByDay, []string{"2026-12-28", "2026-12-29", "2026-12-30", "2026-12-31", "2027-01-01", "2027-01-02", "2027-01-03", "2027-01-04"}},
		{compliance.ByWeek, []string{"2026-W53", "2027-W01"}},
		{compliance.ByMonth, []string{"2026-12", "2027-01"}},
	} {
		if diff := cmp.Diff(c.want, periods(c.by, from.UTC(), to.UTC())); diff != "" {
			t.Errorf("%s (-want +got):\n%s", c.by, diff)
		}
	}
}
