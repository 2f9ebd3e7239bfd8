package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// R-EXP-1, R-VIEW-3, R-SEC-2 (issue 10, acceptance) in a real browser: the
// officer attaches the clips to the case and asks, from the case's page, to
// extract one whole and a span of the other for a court; the leader
// approves in the approvals page; the officer downloads the ISO image from
// the extraction register, where the extraction stands packaged with its
// recipient, and the recording's custody timeline shows the package and the
// download.
func TestBrowserExtraction(t *testing.T) {
	needChromium(t)
	ec := newExtractionCase(t, false)
	open := startBrowser(t, ec.srv.URL)
	off := open("lihua")
	off.signIn(ec.lihua.password, "")
	casePage := fmt.Sprintf("%s/cases/%d", ec.srv.URL, ec.caseID)
	off.do("attach the clips", chromedp.Navigate(casePage), chromedp.WaitVisible(chromedp.ID("attach-form")),
		chromedp.SendKeys(chromedp.ID("at-ids"), fmt.Sprintf("%d, %d", ec.recs[0], ec.recs[1])), chromedp.Click(chromedp.ID("attach-submit")))
	off.waitFor("the extraction form", `!!document.getElementById('extract-form') && document.readyState === 'complete'`)
	span := fmt.Sprintf("#extract-form input[name=start-%d]", ec.recs[1])
	off.do("ask for the extraction",
		chromedp.Click(chromedp.ID(fmt.Sprintf("ex-rec-%d", ec.recs[0]))), chromedp.Click(chromedp.ID(fmt.Sprintf("ex-rec-%d", ec.recs[1]))),
		chromedp.SendKeys(span, "0:01"), chromedp.SendKeys(strings.Replace(span, "start-", "end-", 1), "0:03"),
		chromedp.SetValue(chromedp.ID("ex-purpose"), "court"), chromedp.SendKeys(chromedp.ID("ex-recipient"), "丰南区人民法院"),
		chromedp.SendKeys(chromedp.ID("ex-proves"), "当事人无证经营的事实"), chromedp.Click(chromedp.ID("extract-submit")))
	off.waitFor("the pending extraction on the case page", `(document.querySelector('#extractions-table tbody')?.innerText || '').includes('待审批')`)

	lead := open("zhangwei")
	lead.signIn(ec.zhang.password, "")
	lead.do("approve", chromedp.Navigate(ec.srv.URL+"/approvals"), chromedp.WaitVisible(chromedp.CSS(`[data-action=ext-decide][data-decision=approve]`)),
		chromedp.Click(chromedp.CSS(`[data-action=ext-decide][data-decision=approve]`)), chromedp.WaitVisible(chromedp.ID("ext-dialog")),
		chromedp.SendKeys(chromedp.ID("ext-dialog-text"), "同意提交法院"), chromedp.Click(chromedp.ID("ext-dialog-submit")))
	lead.waitFor("the queue emptied", `document.readyState === 'complete' && !document.querySelector('[data-action=ext-decide]')`)
	ec.wait(t)

	off.do("open the register", chromedp.Navigate(ec.srv.URL+"/extractions"), chromedp.WaitVisible(chromedp.CSS(`[data-action=download-iso]`)))
	row := eval[string](off, "the register's row", `document.querySelector('#extractions-table tbody tr').innerText`)
	for _, want := range []string{"丰医保罚〔2026〕12号", "丰南区人民法院", "证据包已制作", "片段 0:01–0:03"} {
		if !strings.Contains(row, want) {
			t.Errorf("register row lacks %q: %q", want, row)
		}
	}
	var x struct {
		ISOSize int64 `json:"iso_size"`
	}
	api(t, "GET", fmt.Sprintf("%s/api/v1/extractions/%d", ec.srv.URL, ec.id), ec.officer, nil, &x)
	got := eval[float64](off, "download the image", `fetch(document.querySelector('[data-action=download-iso]').href)
		.then(r => r.ok ? r.arrayBuffer() : Promise.reject(new Error('HTTP ' + r.status))).then(b => b.byteLength)`,
		chromedp.EvalAwaitPromise)
	if int64(got) != x.ISOSize || got == 0 {
		t.Errorf("downloaded %v bytes, the register says %d", got, x.ISOSize)
	}
	off.do("open the recording", chromedp.Navigate(fmt.Sprintf("%s/recordings/%d", ec.srv.URL, ec.recs[1])), chromedp.WaitVisible(chromedp.ID("custody")))
	trail := eval[string](off, "custody timeline", `document.getElementById('custody').innerText`)
	for _, want := range []string{"申请提取", "批准提取", "制作证据包", "截取片段", "下载证据包"} {
		if !strings.Contains(trail, want) {
			t.Errorf("custody timeline lacks %s:\n%s", want, trail)
		}
	}
}
