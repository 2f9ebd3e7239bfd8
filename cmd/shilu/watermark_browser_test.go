package main

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"shilu/internal/evidence"
)

// R-VIEW-1, R-SEC-2 (issue 14 points 2-3), in a real browser: the leader
// approves, the officer's page says 待保管人登记 and the player is not
// there; the custodian registers the grant with one click on 待登记; the
// officer plays, and the player carries a drawn watermark that comes back
// when a script removes it or a style hides it.
func TestBrowserRegistrationAndWatermark(t *testing.T) {
	needChromium(t)
	shots := os.Getenv("SHILU_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	}
	data := t.TempDir()
	mustCLI(t, "dept", "add", "--data", data, "--name", "交警一大队")
	lihua := newPerson(t, data, "lihua", "officer", "--dept", "交警一大队", "--officer-no", "000123")
	zhangwei := newPerson(t, data, "zhangwei", "leader", "--dept", "交警一大队")
	wangfang := newPerson(t, data, "wangfang", "custodian", "--dept", "交警一大队")
	station := newStation(t, data, "station-01")
	srv := startServer(t, data, "127.0.0.1:0")
	officerTok, leader := srv.signIn(t, lihua), srv.signIn(t, zhangwei)
	video := makeVideo(t, t.TempDir(), "DSJ0A12_000123_20261126093015_0001.MP4", 8, time.Date(2026, 11, 26, 1, 30, 15, 0, time.UTC))
	id := uploadedID(t, mustCLI(t, "upload", "--server", srv.URL, "--token", station, "--quiet", "--state", t.TempDir(), video))
	var req evidence.AccessRequest
	body := fmt.Sprintf(`{"recording_ids":[%d],"purpose":"case_work","reason":"办理交通肇事案件","until":%q}`, id, time.Now().Add(24*time.Hour).UTC().Format(time.RFC3339))
	if resp, b := apiBody(t, "POST", srv.URL+"/api/v1/access-requests", officerTok, nil, body, &req); resp.StatusCode != 201 {
		t.Fatalf("access request: %s %s", resp.Status, b)
	}
	if resp, b := apiBody(t, "POST", fmt.Sprintf("%s/api/v1/access-requests/%d/approve", srv.URL, req.ID), leader, nil, `{"comment":"同意"}`, &req); resp.StatusCode != 200 || req.GrantID == 0 {
		t.Fatalf("approve: %s %s", resp.Status, b)
	}

	open := startBrowser(t, srv.URL)
	officer := open("lihua")
	officer.signIn(lihua.password, "")
	recPath := fmt.Sprintf("%s/recordings/%d", srv.URL, id)
	officer.do("open the recording", chromedp.Navigate(recPath), chromedp.WaitVisible(chromedp.ID("awaits-registration")))
	if eval[bool](officer, "player", `!!document.getElementById('player')`) {
		t.Error("a player before the custodian's registration")
	}
	officer.shot(shots, "wm-1-awaits-registration")

	custodian := open("wangfang")
	custodian.signIn(wangfang.password, "")
	row := fmt.Sprintf(`#register-grants-table tr[data-grant="%d"]`, req.GrantID)
	custodian.do("open 待登记 from the menu", chromedp.Click(chromedp.CSS(`.sidebar a[href="/grants/register"]`)), chromedp.WaitVisible(chromedp.CSS(row)))
	if txt := eval[string](custodian, "row", fmt.Sprintf(`document.querySelector('%s').innerText`, row)); !strings.Contains(txt, "lihua") || !strings.Contains(txt, "办案") || !strings.Contains(txt, "zhangwei") {
		t.Errorf("待登记 row: %q", txt)
	}
	custodian.shot(shots, "wm-2-to-register")
	custodian.do("register", chromedp.Click(chromedp.CSS(row+" [data-action=register-grant]")))
	custodian.waitFor("the row says 已登记", fmt.Sprintf(`!!document.querySelector('%s .reg-done')`, row))

	officer.do("open the player", chromedp.Navigate(recPath), chromedp.WaitVisible(chromedp.ID("player")), chromedp.WaitReady(chromedp.ID("wm-layer")))
	eval[bool](officer, "play", `document.getElementById('player').play().then(() => true)`, chromedp.EvalAwaitPromise)
	officer.waitFor("playback", `document.getElementById('player').currentTime > 1`)
	inked := `(c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; })(document.getElementById('wm-layer'))`
	if n := eval[int](officer, "inked pixels", inked); n < 2000 {
		t.Errorf("the watermark has %d drawn pixels", n)
	}
	shown := `(c => !!c && getComputedStyle(c).display !== 'none' && getComputedStyle(c).visibility === 'visible' && getComputedStyle(c).opacity === '1' && c.parentNode === document.getElementById('player-box'))(document.getElementById('wm-layer'))`
	if !eval[bool](officer, "shown", shown) {
		t.Fatal("the watermark is not shown over the player")
	}
	officer.shot(shots, "wm-3-player-watermark")

	// Taking it away: removed from the page, hidden by its style, hidden
	// by a style sheet. It comes back, or wins.
	eval[bool](officer, "remove it", `(document.getElementById('wm-layer').remove(), true)`)
	officer.waitFor("it comes back", shown+` && Number(document.getElementById('player-box').dataset.wmRestored) >= 1`)
	eval[bool](officer, "hide it by its style", `(document.getElementById('wm-layer').style.setProperty('display', 'none', 'important'), true)`)
	officer.waitFor("it shows again", shown)
	eval[bool](officer, "hide it by a style sheet", `(s => (s.replaceSync('canvas, .wm-layer, #wm-layer { display: none !important; visibility: hidden !important; opacity: 0 !important }'), document.adoptedStyleSheets = [s], true))(new CSSStyleSheet())`)
	officer.waitFor("it stays shown", shown)
	if n := eval[int](officer, "inked pixels after", inked); n < 2000 {
		t.Errorf("the restored watermark has %d drawn pixels", n)
	}

	// The register names the custodian who registered the viewing's grant,
	// and fits its card at 1366 px.
	custodian.do("open the register", chromedp.Navigate(srv.URL+"/register"), chromedp.WaitVisible(chromedp.CSS(`#register-table .registrar`)))
	if txt := eval[string](custodian, "registrar", `document.querySelector('#register-table .registrar').textContent`); !strings.Contains(txt, "王芳") && !strings.Contains(txt, "wangfang") {
		t.Errorf("register row's registrar: %q", txt)
	}
	if !eval[bool](custodian, "fits", `(t => t.scrollWidth <= t.closest('.table-wrap').clientWidth + 1)(document.getElementById('register-table'))`) {
		t.Error("the register's table is wider than its card")
	}
	custodian.shot(shots, "wm-4-register")
}
