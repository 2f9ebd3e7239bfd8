package main

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// R-ACT-3, X-ACT-2 in a real browser: the officer on an activity opens its
// page, finds the notice of Art. 8 with their name, ticks the preamble
// items stated and confirms; notice.js posts it, the page shows who
// confirmed, and the API agrees.
func TestBrowserNotice(t *testing.T) {
	needChromium(t)
	data := t.TempDir()
	out := mustCLI(t, "user", "add", "--data", data, "--name", "lihua", "--role", "officer", "--display-name", "李华", "--officer-no", "000123", "--must-change=false")
	m := initialPassword.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no initial password in %q", out)
	}
	keeper := newPerson(t, data, "feeder", "custodian")
	mustCLI(t, "user", "add", "--data", data, "--name", "wangfang", "--role", "officer", "--display-name", "王芳", "--officer-no", "000124")
	srv := startServer(t, data, "127.0.0.1:0")
	feeder := srv.signIn(t, keeper)
	arr := time.Date(2026, 11, 26, 1, 30, 0, 0, time.UTC)
	var act struct {
		ID int64 `json:"id"`
	}
	body := fmt.Sprintf(`{"type":"inspection","place":{"address":"丰南区某药房"},"officers":["000123","000124"],"party":"某某大药房","arrival":%q,"end":%q}`,
		arr.Format(time.RFC3339), arr.Add(time.Hour).Format(time.RFC3339))
	if resp, b := apiBody(t, "POST", srv.URL+"/api/v1/activities", feeder, nil, body, &act); resp.StatusCode != 201 {
		t.Fatalf("create activity: %s %s", resp.Status, b)
	}

	b := startBrowser(t, srv.URL)("lihua")
	b.signIn(m[1], "")
	b.do("open the activity", chromedp.Navigate(fmt.Sprintf("%s/activities/%d", srv.URL, act.ID)), chromedp.WaitVisible(chromedp.ID("notice-panel")))
	if txt := eval[string](b, "notice text", `document.getElementById('notice-text').innerText`); !strings.Contains(txt, "执法人员李华、王芳，") {
		t.Errorf("notice text %q lacks the officers' names", txt)
	}
	shots := os.Getenv("SHILU_SCREENSHOTS")
	if shots != "" {
		b.do("scroll to the notice", chromedp.ScrollIntoView(chromedp.ID("notice-panel")))
		b.shot(shots, "notice-panel")
	}
	b.do("tick and confirm", chromedp.Click(chromedp.CSS(`input[name=stated][value=time]`)), chromedp.Click(chromedp.CSS(`input[name=stated][value=place]`)),
		chromedp.Click(chromedp.CSS(`[data-action="notice-confirm"]`)))
	b.waitFor("the confirmation on the reloaded page", `!!document.querySelector('#notice-panel .notice-state') && document.readyState === 'complete'`)
	if txt := eval[string](b, "confirmation", `document.querySelector('#notice-panel .notice-state').innerText`); !strings.Contains(txt, "李华 于 ") {
		t.Errorf("confirmation shows %q", txt)
	}
	if shots != "" {
		b.do("scroll to the notice", chromedp.ScrollIntoView(chromedp.ID("notice-panel")))
		b.shot(shots, "notice-panel-confirmed")
	}

	var notice struct {
		Confirmed   bool     `json:"confirmed"`
		ConfirmedBy string   `json:"confirmed_by"`
		Stated      []string `json:"stated"`
	}
	api(t, "GET", fmt.Sprintf("%s/api/v1/activities/%d/notice", srv.URL, act.ID), feeder, nil, &notice)
	if !notice.Confirmed || notice.ConfirmedBy != "lihua" || !slices.Equal(notice.Stated, []string{"time", "place"}) {
		t.Errorf("notice after the confirmation in the browser: %+v", notice)
	}
}
