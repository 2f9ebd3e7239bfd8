package main

import (
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// R-ACT-5 in a real browser: an officer whose viewing of her own recording
// the leader approved plays it, pauses, marks the moment with 添加重点, sees
// the marker on the strip and in the list, clicks the marker and the video
// goes back there; a #t= link (as the activity page gives) opens the player
// at a moment. The API and the custody log agree.
func TestBrowserBookmark(t *testing.T) {
	needChromium(t)
	data := t.TempDir()
	mustCLI(t, "dept", "add", "--data", data, "--name", "交警一大队")
	lihua := newPerson(t, data, "lihua", "officer", "--dept", "交警一大队", "--officer-no", "000123")
	zhangwei := newPerson(t, data, "zhangwei", "leader", "--dept", "交警一大队")
	wangfang := newPerson(t, data, "wangfang", "custodian", "--dept", "交警一大队")
	station := newStation(t, data, "station-01")
	srv := startServer(t, data, "127.0.0.1:0")
	officerTok, leader := srv.signIn(t, lihua), srv.signIn(t, zhangwei)
	video := makeVideo(t, t.TempDir(), "DSJ0A12_000123_20261126093015_0001.MP4", 8, time.Date(2026, 11, 26, 1, 30, 15, 0, time.UTC))
	out := mustCLI(t, "upload", "--server", srv.URL, "--token", station, "--quiet", "--state", t.TempDir(), video)
	id := uploadedID(t, out)

	// Playing needs the leader's approval (Art. 16), her own recording or not.
	var req struct {
		ID      int64 `json:"id"`
		GrantID int64 `json:"grant_id"`
	}
	body := fmt.Sprintf(`{"recording_ids":[%d],"purpose":"case_work","reason":"标记重点摄录","until":%q}`, id, time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
	if resp, b := apiBody(t, "POST", srv.URL+"/api/v1/access-requests", officerTok, nil, body, &req); resp.StatusCode != 201 {
		t.Fatalf("access request: %s %s", resp.Status, b)
	}
	if resp, b := apiBody(t, "POST", fmt.Sprintf("%s/api/v1/access-requests/%d/approve", srv.URL, req.ID), leader, nil, `{"comment":"同意"}`, &req); resp.StatusCode != 200 {
		t.Fatalf("approve: %s %s", resp.Status, b)
	}
	registerGrant(t, srv.URL, srv.signIn(t, wangfang), req.GrantID)

	b := startBrowser(t, srv.URL)("lihua")
	b.signIn(lihua.password, "")
	recPath := fmt.Sprintf("%s/recordings/%d", srv.URL, id)
	b.do("open the player", chromedp.Navigate(recPath), chromedp.WaitVisible(chromedp.ID("player")), chromedp.WaitVisible(chromedp.ID("bm-add")))
	eval[bool](b, "play", `document.getElementById('player').play().then(() => true)`, chromedp.EvalAwaitPromise)
	b.waitFor("playback past 3 s", `document.getElementById('player').currentTime > 3`)
	b.do("add a key moment", chromedp.Click(chromedp.ID("bm-add")), chromedp.WaitVisible(chromedp.ID("bm-dialog")))
	// The dialog takes the paused player's time.
	at := eval[float64](b, "paused time", `document.getElementById('player').currentTime`)
	start := eval[string](b, "start field", `document.getElementById('bm-start').value`)
	if want := fmt.Sprintf("0:%02d.%d", int(at), int(at*10)%10); start != want {
		t.Errorf("start field %q, want the player's time %q", start, want)
	}
	b.do("describe it", chromedp.SetValue(chromedp.ID("bm-kind"), "violation"), chromedp.SendKeys(chromedp.ID("bm-label"), "当事人承认无证经营"),
		chromedp.Click(chromedp.ID("bm-submit")))
	b.waitFor("the marker on the reloaded page", `!!document.querySelector('#bm-strip .bm-marker.bm-kind-violation') && document.readyState === 'complete'`)
	if txt := eval[string](b, "list", `document.querySelector('#bm-table tbody').innerText`); !strings.Contains(txt, "违法行为") || !strings.Contains(txt, "当事人承认无证经营") || !strings.Contains(txt, "lihua") {
		t.Errorf("bookmark list: %q", txt)
	}
	if title := eval[string](b, "marker title", `document.querySelector('#bm-strip .bm-marker title').textContent`); !strings.Contains(title, "违法行为：当事人承认无证经营") {
		t.Errorf("marker title %q", title)
	}
	if shots := os.Getenv("SHILU_SCREENSHOTS"); shots != "" {
		b.shot(shots, "bookmarks")
	}

	// Back to the start, then the marker seeks to the moment.
	marked := math.Floor(at*10) / 10
	eval[bool](b, "rewind", `(p => (p.pause(), p.currentTime = 0, true))(document.getElementById('player'))`)
	b.waitFor("the rewind", `document.getElementById('player').currentTime < 0.5`)
	b.do("click the marker", chromedp.Click(chromedp.CSS(`#bm-strip .bm-marker .bm-pin`)))
	b.waitFor("the seek to the marker", fmt.Sprintf(`Math.abs(document.getElementById('player').currentTime - %g) < 0.3`, marked))

	// A #t= link opens the player at its moment.
	b.do("open a #t= link", chromedp.Navigate(recPath+"#t=6.5"), chromedp.WaitVisible(chromedp.ID("player")))
	b.do("reload at #t=", chromedp.Reload())
	b.waitFor("the player at 6.5 s", `document.getElementById('player').currentTime > 6.2 && document.getElementById('player').currentTime < 6.8`)

	var list struct {
		Bookmarks []struct {
			OffsetMS int64  `json:"offset_ms"`
			Kind     string `json:"kind"`
			Label    string `json:"label"`
		} `json:"bookmarks"`
	}
	api(t, "GET", fmt.Sprintf("%s/api/v1/recordings/%d/bookmarks", srv.URL, id), leader, nil, &list)
	if len(list.Bookmarks) != 1 || list.Bookmarks[0].Kind != "violation" || math.Abs(float64(list.Bookmarks[0].OffsetMS)/1000-marked) > 0.001 {
		t.Errorf("bookmarks by the API: %+v, want one violation at %g s", list.Bookmarks, marked)
	}
	var custody struct {
		Entries []struct {
			Action  string            `json:"action"`
			Actor   string            `json:"actor"`
			Details map[string]string `json:"details"`
		} `json:"entries"`
	}
	api(t, "GET", fmt.Sprintf("%s/api/v1/recordings/%d/custody", srv.URL, id), leader, nil, &custody)
	found := false
	for _, e := range custody.Entries {
		found = found || e.Action == "bookmark.add" && e.Actor == "lihua" && e.Details["kind"] == "violation" && e.Details["label"] == "当事人承认无证经营"
	}
	if !found {
		t.Errorf("no bookmark.add entry by lihua in the custody trail: %+v", custody.Entries)
	}
}
