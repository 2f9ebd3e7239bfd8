package main

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// dashboardFigure reads one cell of the dashboard's table (by officer):
// the row's data-key is the officer number, the cell's data-col the field
// of compliance.SummaryRow. "" when there is no such cell.
func dashboardFigure(b *browser, officer, col string) string {
	b.t.Helper()
	b.do("open the dashboard", chromedp.Navigate(b.base+"/dashboard?by=officer"), chromedp.WaitVisible(chromedp.ID("dashboard-table")))
	return eval[string](b, "dashboard figure", fmt.Sprintf(
		`(c => c ? (c.dataset.value || c.textContent.trim()) : '')(document.querySelector('#dashboard-table tbody tr[data-key=%q] td[data-col=%q]'))`, officer, col))
}

// The activity workbench in a real browser (issue 4, acceptance): an
// officer registers an inspection in the dialog, links the two proposed
// clips of officer 000123 (40 s apart) and the one of 000124, sees the
// interruption as a red gap on the coverage timeline, explains it in the
// dialog opened from the gap, and sees the gap turn explained, the
// coverage_gap finding explained on the activity and findings pages, and
// the dashboard's count of explained interruptions go up.
func TestBrowserActivity(t *testing.T) {
	shots := os.Getenv("SHILU_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	data, media := t.TempDir(), t.TempDir()
	mustCLI(t, "dept", "add", "--data", data, "--name", "稽查科")
	officerPW := addPerson(t, data, "wangfang", "officer", "稽查科", false, "--display-name", "王芳", "--officer-no", "000123")
	leaderPW := addPerson(t, data, "zhangwei", "leader", "稽查科", false)
	// The officers on the inspection hold accounts: the dialog offers only
	// the bureau's officers.
	mustCLI(t, "user", "add", "--data", data, "--name", "zhaoqiang", "--role", "officer", "--dept", "稽查科", "--display-name", "赵强", "--officer-no", "000124")
	station := newStation(t, data, "station-01")
	keeper := newPerson(t, data, "custodian", "custodian")
	srv := startServer(t, data, "127.0.0.1:0")
	// X-DEV-1: the recorders are in the registry; a device check picks
	// from it (Art. 5).
	keeperTok := srv.signIn(t, keeper)
	for _, serial := range []string{"DSJ0A12", "DSJ0B34"} {
		if resp, b := apiBody(t, "POST", srv.URL+"/api/v1/devices", keeperTok, nil, `{"serial":"`+serial+`"}`, nil); resp.StatusCode != 201 {
			t.Fatalf("register %s: %d %s", serial, resp.StatusCode, b)
		}
	}

	// Two days ago at 09:00 in Beijing: the export deadline has passed, so
	// the page shows the uploads as late (R-UPL-1).
	cst := time.FixedZone("CST", 8*3600)
	now := time.Now().In(cst)
	arrival := time.Date(now.Year(), now.Month(), now.Day()-2, 9, 0, 0, 0, cst)
	end := arrival.Add(60 * time.Second)
	clips := []struct {
		device, officer string
		start           time.Time
		seconds, seq    int
	}{
		{"DSJ0A12", "000123", arrival, 10, 1},
		{"DSJ0A12", "000123", arrival.Add(50 * time.Second), 10, 2}, // resumed 40 s after the first ended
		{"DSJ0B34", "000124", arrival, 60, 1},
	}
	var files []string
	for _, c := range clips {
		name := fmt.Sprintf("%s_%s_%s_%04d.MP4", c.device, c.officer, c.start.Format("20060102150405"), c.seq)
		files = append(files, makeVideo(t, media, name, c.seconds, c.start))
	}
	out := mustCLI(t, append([]string{"upload", "--server", srv.URL, "--token", station, "--quiet", "--state", t.TempDir()}, files...)...)
	if n := strings.Count(strings.TrimSpace(out), "\n") + 1; n != len(files) {
		t.Fatalf("upload printed %q", out)
	}

	open := startBrowser(t, srv.URL)
	officer := open("wangfang")
	officer.signIn(officerPW, "")

	// R-ACT-1: the officer registers the inspection in the dialog; times
	// are typed in Beijing time.
	officer.do("open the activities", chromedp.Navigate(srv.URL+"/activities"), chromedp.WaitVisible(chromedp.ID("activities-table")),
		chromedp.Click(chromedp.ID("activity-new")), chromedp.WaitVisible(chromedp.ID("activity-dialog")),
		chromedp.SetValue(chromedp.ID("na-type"), "inspection"),
		chromedp.SendKeys(chromedp.ID("na-address"), "丰南区惠民大药房"),
		chromedp.SendKeys(chromedp.ID("na-officer-filter"), "王芳"))
	// Issue 8: the picker narrows to the name typed.
	if v := eval[string](officer, "officers offered for 王芳", `[...document.querySelectorAll('#na-officers label')].filter(l => !l.hidden).map(l => l.innerText.trim()).join(',')`); v != "王芳（000123）" {
		t.Errorf("officers offered for 王芳: %q", v)
	}
	officer.do("pick the officers", chromedp.Click(chromedp.CSS(`#na-officers input[value="000123"]`)),
		chromedp.SendKeys(chromedp.ID("na-officer-filter"), "\b\b赵强"),
		chromedp.Click(chromedp.CSS(`#na-officers input[value="000124"]`)),
		chromedp.SendKeys(chromedp.ID("na-devices"), "DSJ0A12, DSJ0B34"),
		chromedp.SendKeys(chromedp.ID("na-party"), "丰南区惠民大药房"),
		chromedp.SetValue(chromedp.ID("na-arrival"), arrival.Format("2006-01-02T15:04")),
		chromedp.SetValue(chromedp.ID("na-end"), end.Format("2006-01-02T15:04")),
		chromedp.SendKeys(chromedp.ID("na-case"), "丰医保稽〔2026〕12号"),
		chromedp.SendKeys(chromedp.ID("na-scene"), "药房营业中，店员在岗"))
	officer.shot(shots, "activity-new")
	// Issue 8: the save bar stays in view at 1366×768 however long the form.
	if !eval[bool](officer, "save bar in view", `(r => r.bottom <= innerHeight && r.top >= 0)(document.getElementById('activity-submit').getBoundingClientRect())`) {
		t.Error("the activity dialog's save button is below the fold")
	}
	officer.do("save the activity", chromedp.Click(chromedp.ID("activity-submit")), chromedp.WaitVisible(chromedp.ID("coverage-timeline")))
	path := eval[string](officer, "location", `location.pathname`)
	if !strings.HasPrefix(path, "/activities/") {
		t.Fatalf("after saving: at %s", path)
	}
	if txt := eval[string](officer, "facts", `document.querySelector('.facts').innerText`); !strings.Contains(txt, arrival.Format("2006-01-02")+" 09:00:00") {
		t.Errorf("the arrival is not shown in Beijing time: %q", txt)
	}
	// R-ACT-3: the notice to read out names the officers.
	if txt := eval[string](officer, "notice", `document.getElementById('notice-text').textContent`); !strings.Contains(txt, "王芳、赵强") {
		t.Errorf("notice text: %q", txt)
	}

	// Art. 4, 9: the three clips are proposed; the officer confirms them.
	officer.waitFor("three proposals", `document.querySelectorAll('#proposals-table input[name=proposal]').length === 3`)
	officer.do("link the proposals", chromedp.Click(chromedp.CSS(`#proposals-table [data-action=act-check-all]`)), chromedp.Click(chromedp.ID("link-selected")))
	officer.waitFor("the linked recordings", `document.querySelectorAll('#linked-table tbody tr[data-id]').length === 3 && !!document.getElementById('coverage-timeline')`)

	// R-ACT-4, R-ACT-6: the 40 s interruption of 000123 is a red gap.
	gap := eval[string](officer, "the gaps", `[...document.querySelectorAll('#coverage-timeline .gap')].map(g => g.getAttribute('class') + ' ' + g.dataset.officer + ' ' + getComputedStyle(g).fill).join('; ')`)
	if gap != "gap gap-open 000123 rgb(255, 77, 79)" {
		t.Fatalf("gaps on the timeline: %q, want one red open gap of 000123", gap)
	}
	if n := eval[int](officer, "spans", `document.querySelectorAll('#coverage-timeline .span').length`); n != 3 {
		t.Errorf("%d covered spans, want 3 (two of 000123, one of 000124)", n)
	}
	if st := eval[string](officer, "finding", `(r => r ? r.dataset.status : '')(document.querySelector('#activity-findings tr[data-rule=coverage_gap]'))`); st != "open" {
		t.Errorf("coverage_gap finding %q before the explanation, want open", st)
	}
	officer.do("show the timeline", chromedp.ScrollIntoView(chromedp.ID("coverage-timeline")))
	officer.shot(shots, "activity-timeline")

	leader := open("zhangwei")
	leader.signIn(leaderPW, "")
	// R-RPT-1: the dashboard counts 000123's interruption, not yet explained.
	before := dashboardFigure(leader, "000123", "explained")
	if got := dashboardFigure(leader, "000123", "interruptions"); got != "1" {
		t.Errorf("dashboard interruptions of 000123: %q, want 1", got)
	}

	// R-ACT-6: the gap opens the explain dialog; nothing is chosen for the
	// officer (issue 8: no voice recording saved at 0:00 unasked), and only
	// the officer's own recordings are offered.
	officer.do("open the explain dialog from the gap", chromedp.Click(chromedp.CSS(`#coverage-timeline .gap-open`)), chromedp.WaitVisible(chromedp.ID("explain-dialog")))
	if v := eval[string](officer, "voice recording", `document.getElementById('ex-voice').value + '|' + document.getElementById('ex-point').value`); v != "|" {
		t.Errorf("voice recording and point preset to %q, want nothing chosen", v)
	}
	if n := eval[int](officer, "offered recordings", `[...document.getElementById('ex-voice').options].filter(o => o.value && !o.hidden).length`); n != 2 {
		t.Errorf("%d recordings offered for the voice, want the 2 of 000123", n)
	}
	officer.do("submit without a voice recording", chromedp.SetValue(chromedp.ID("ex-cause"), "battery_storage"), chromedp.Click(chromedp.ID("explain-submit")))
	if txt := eval[string](officer, "form error", `document.querySelector('#explain-form .form-error').textContent`); txt != "请选择语音说明所在的记录" {
		t.Errorf("error without a voice recording: %q", txt)
	}
	if v := eval[string](officer, "choose the resumed clip", `(s => (s.value = [...s.options].find(o => o.text.includes('_0002.MP4')).value))(document.getElementById('ex-voice'))`); v == "" {
		t.Fatal("the resumed clip is not offered")
	}
	officer.do("explain",
		chromedp.SendKeys(chromedp.ID("ex-note"), "记录仪电量耗尽，更换电池"),
		chromedp.SendKeys(chromedp.ID("ex-point"), "0:03"))
	officer.shot(shots, "activity-explain")
	officer.do("submit the explanation", chromedp.Click(chromedp.ID("explain-submit")))
	officer.waitFor("the gap explained", `!!document.querySelector('#coverage-timeline .gap-explained') && !document.querySelector('#coverage-timeline .gap-open')`)
	if fill := eval[string](officer, "explained colour", `getComputedStyle(document.querySelector('#coverage-timeline .gap-explained')).fill`); fill != "rgb(250, 173, 20)" {
		t.Errorf("explained gap painted %s, want amber", fill)
	}
	if st := eval[string](officer, "finding", `(r => r ? r.dataset.status + ' ' + r.innerText : '')(document.querySelector('#activity-findings tr[data-rule=coverage_gap]'))`); !strings.HasPrefix(st, "explained") || !strings.Contains(st, "已说明") {
		t.Errorf("coverage_gap finding after the explanation: %q", st)
	}
	if txt := eval[string](officer, "interruptions", `document.querySelector('#interruptions-table tbody').innerText`); !strings.Contains(txt, "电量、存储空间不足") || !strings.Contains(txt, "0:03") {
		t.Errorf("interruptions table: %q", txt)
	}
	officer.do("show the timeline", chromedp.ScrollIntoView(chromedp.ID("coverage-timeline")))
	officer.shot(shots, "activity-timeline-explained")

	// R-DEV-1: the officer logs the check of the recorder made ten minutes
	// before the arrival; 000123's device_check_missing finding goes away.
	missing := `!!document.querySelector('#activity-findings tr[data-rule=device_check_missing][data-officer="000123"]')`
	if !eval[bool](officer, "device check finding", missing) {
		t.Error("no device_check_missing finding for 000123 before the check")
	}
	officer.do("log a device check", chromedp.Click(chromedp.ID("check-new")), chromedp.WaitVisible(chromedp.ID("check-dialog")),
		chromedp.SetValue(chromedp.ID("dc-officer"), "000123"),
		chromedp.SetValue(chromedp.ID("dc-at"), arrival.Add(-10*time.Minute).Format("2006-01-02T15:04")),
		chromedp.Click(chromedp.CSS("#check-form button[type=submit]")))
	officer.waitFor("the device check", `document.querySelectorAll('#checks-table tbody tr td').length > 1`)
	if eval[bool](officer, "device check finding", missing) {
		t.Error("device_check_missing of 000123 still shown after the check")
	}

	// R-ACT-1: the case file is opened later; the officer corrects the
	// activity in the same dialog, filled with what is stored.
	officer.do("open the correction dialog", chromedp.Click(chromedp.ID("activity-edit")), chromedp.WaitVisible(chromedp.ID("activity-dialog")))
	if v := eval[string](officer, "prefilled officers", `[...document.querySelectorAll('#na-officers input:checked')].map(b => b.value).join('、')`); v != "000123、000124" {
		t.Errorf("correction dialog officers %q", v)
	}
	officer.do("give the case number", chromedp.SendKeys(chromedp.ID("na-case"), "丰医保稽〔2026〕7号"), chromedp.Click(chromedp.ID("activity-submit")))
	officer.waitFor("the corrected facts", `document.querySelector('.facts').innerText.includes('丰医保稽〔2026〕7号')`)

	// The findings page lists it as explained for the leader, who may accept it.
	leader.do("open the findings", chromedp.Navigate(srv.URL+"/findings?rule=coverage_gap"), chromedp.WaitVisible(chromedp.ID("findings-table")))
	if st := eval[string](leader, "findings", `[...document.querySelectorAll('#findings-table tbody tr[data-rule=coverage_gap]')].map(r => r.dataset.status).join(',')`); st != "explained" {
		t.Errorf("findings page: coverage_gap statuses %q, want explained", st)
	}
	leader.shot(shots, "findings")
	// The leader accepts it after review.
	leader.do("accept the finding", chromedp.Click(chromedp.CSS(`#findings-table tr[data-rule=coverage_gap] [data-action=act-accept]`)),
		chromedp.WaitVisible(chromedp.ID("accept-dialog")), chromedp.SendKeys(chromedp.ID("ac-comment"), "已核实，电池耗尽属实"),
		chromedp.Click(chromedp.ID("accept-submit")))
	leader.waitFor("the finding accepted", `!!document.querySelector('#findings-table tr[data-rule=coverage_gap][data-status=accepted]')`)
	if after := dashboardFigure(leader, "000123", "explained"); before != "0" || after != "1" {
		t.Errorf("dashboard explained interruptions of 000123: %q before, %q after; want 0 then 1", before, after)
	}
	leader.shot(shots, "dashboard-after-explanation")
	leader.do("the list", chromedp.Navigate(srv.URL+"/activities"), chromedp.WaitVisible(chromedp.ID("activities-table")))
	leader.shot(shots, "activities")

	// R-ACT-2: the officer files a work record in the exemption dialog;
	// the leader acknowledges it on the activity's page. (Last: an
	// acknowledged exemption excuses the coverage rules checked above.)
	officer.do("submit an exemption", chromedp.Click(chromedp.ID("exemption-new")), chromedp.WaitVisible(chromedp.ID("exemption-dialog")),
		chromedp.SetValue(chromedp.ID("em-category"), "objective"),
		chromedp.SendKeys(chromedp.ID("em-reason"), "记录仪电量耗尽，中途未能记录"),
		chromedp.SendKeys(chromedp.ID("em-basis"), "第七条第三项"),
		chromedp.Click(chromedp.CSS("#exemption-form button[type=submit]")))
	officer.waitFor("the exemption", `!!document.querySelector('#exemptions-table tbody tr[data-id]')`)
	leader.do("acknowledge", chromedp.Navigate(srv.URL+path), chromedp.WaitVisible(chromedp.CSS(`#exemptions-table [data-action=act-acknowledge]`)),
		chromedp.Click(chromedp.CSS(`#exemptions-table [data-action=act-acknowledge]`)))
	leader.waitFor("the acknowledgement", `!document.querySelector('#exemptions-table [data-action=act-acknowledge]') && document.querySelector('#exemptions-table tbody').innerText.includes('zhangwei')`)
	// Issue 8: the leader voids the activity, entered twice by mistake say,
	// with a reason; the page shows it void and offers no more changes.
	leader.do("void", chromedp.Click(chromedp.ID("activity-void-btn")), chromedp.WaitVisible(chromedp.ID("void-dialog")),
		chromedp.SendKeys(chromedp.ID("vd-reason"), "重复登记"), chromedp.Click(chromedp.ID("void-submit")))
	leader.waitFor("the void", `!!document.getElementById('activity-void') && !document.getElementById('activity-edit')`)
	if txt := eval[string](leader, "void banner", `document.getElementById('activity-void').innerText`); !strings.Contains(txt, "重复登记") || !strings.Contains(txt, "zhangwei") {
		t.Errorf("void banner: %q", txt)
	}
	leader.shot(shots, "activity-void")
	leader.do("the page in English", chromedp.Navigate(srv.URL+path+"?lang=en"), chromedp.WaitVisible(chromedp.ID("coverage-timeline")))
	if txt := eval[string](leader, "English page", `document.body.innerText`); !strings.Contains(txt, "Coverage timeline") || !strings.Contains(txt, "Routine inspection") {
		t.Errorf("English activity page: %q", txt)
	}
	leader.shot(shots, "activity-en")
}
