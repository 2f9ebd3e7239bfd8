package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"shilu/internal/app"
	"shilu/internal/auth"
	"shilu/internal/blob"
	"shilu/internal/blob/disk"
	"shilu/internal/evidence"
	"shilu/internal/store"
	"shilu/internal/store/storetest"
	"shilu/internal/web"
)

// R-RET-3 in a real browser, on a server whose clock the test moves (the
// store's clock: every transaction's time): a year and a day after its
// ingest the custodian finds the recording under 保存期满待处置 and proposes
// its disposal with a reason; the custodian has no 批准; the leader approves
// it (已批准，等待期中); thirty-one days later the disposal run carries it
// out, and the recording's page shows the tombstone (reason, who proposed
// and approved, the digest) instead of the player.
func TestBrowserDisposal(t *testing.T) {
	needChromium(t)
	shots := os.Getenv("SHILU_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	clock := storetest.NewClock(time.Date(2026, 1, 5, 10, 0, 0, 0, evidence.Zone))
	db, verifier := storetest.OpenClock(t, clock.Now)
	blobs, err := disk.Open(filepath.Join(t.TempDir(), "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	// Sessions and passwords outlive the clock's jumps.
	long := 20 * 365 * 24 * time.Hour
	a := app.New(app.Config{DB: db, Argon2: auth.Params{Time: 1, Memory: 1024, Threads: 1}, SessionTTL: long,
		Policy: auth.Policy{IdleTimeout: long, MaxAge: long}})
	var dept store.Department
	if err := db.Update(ctx, func(tx *store.Tx) (err error) {
		dept, err = tx.CreateDepartment(ctx, "交警一大队", nil)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	passwords := map[string]string{}
	for _, p := range []struct {
		name, display string
		role          evidence.Role
	}{{"wangfang", "王芳", evidence.RoleCustodian}, {"zhangwei", "张伟", evidence.RoleLeader}} {
		_, pw, err := a.CreateUser(ctx, app.System("cli:test"), app.NewUser{Name: p.name, DisplayName: p.display, Role: p.role, DepartmentID: &dept.ID, KeepPassword: true})
		if err != nil {
			t.Fatal(err)
		}
		passwords[p.name] = pw
	}
	content := []byte("a recording kept a year")
	d := blob.Sum(content)
	if err := blobs.Put(ctx, d, bytes.NewReader(content), int64(len(content))); err != nil {
		t.Fatal(err)
	}
	var rec evidence.Recording
	if err := db.Update(ctx, func(tx *store.Tx) error {
		u, _, err := tx.UserByName(ctx, "wangfang")
		if err != nil {
			return err
		}
		rec, err = tx.CreateRecording(ctx, evidence.Recording{Digest: d, Size: int64(len(content)), Filename: "DSJ0A12_000123_20260105100000_0001.MP4",
			Kind: evidence.KindVideo}, u.ID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(web.New(web.Config{App: a, DB: db, Blobs: blobs, Verifier: verifier, Origin: storetest.Origin}))
	t.Cleanup(srv.Close)
	clock.Set(rec.Retention.Until.Add(24 * time.Hour))

	open := startBrowser(t, srv.URL)
	custodian := open("wangfang")
	custodian.signIn(passwords["wangfang"], "")
	dueRow := fmt.Sprintf(`#due-table tr[data-recording="%d"]`, rec.ID)
	custodian.do("open 保存与销毁", chromedp.Navigate(srv.URL+"/disposals"), chromedp.WaitVisible(chromedp.CSS(dueRow+" [data-action=propose-disposal]")))
	custodian.shot(shots, "ret-1-due")
	custodian.do("propose", chromedp.Click(chromedp.CSS(dueRow+" [data-action=propose-disposal]")), chromedp.WaitVisible(chromedp.ID("reason-dialog")))
	custodian.do("submit without a reason", chromedp.Click(chromedp.CSS("#reason-form button[type=submit]")))
	custodian.waitFor("the dialog asks for a reason", `!document.querySelector('#reason-form .form-error').hidden && document.getElementById('reason-dialog').open`)
	custodian.do("give the reason", chromedp.SendKeys(chromedp.ID("reason-text"), "保存期满一年，无案卷、无保全"),
		chromedp.Click(chromedp.CSS("#reason-form button[type=submit]")))
	custodian.waitFor("the disposal is proposed", `!!document.querySelector('#disposals-table tr[data-status=proposed]')`)
	if n := eval[int](custodian, "approve buttons", `document.querySelectorAll('[data-action=approve-disposal]').length`); n != 0 {
		t.Errorf("the custodian who proposed sees %d 批准 buttons", n)
	}

	leader := open("zhangwei")
	leader.signIn(passwords["zhangwei"], "")
	leader.do("open 保存与销毁", chromedp.Navigate(srv.URL+"/disposals"), chromedp.WaitVisible(chromedp.CSS("#disposals-table [data-action=approve-disposal]")))
	leader.shot(shots, "ret-2-proposed")
	leader.do("approve", chromedp.Click(chromedp.CSS("#disposals-table [data-action=approve-disposal]")))
	leader.waitFor("the disposal is in its grace period", `(r => !!r && r.innerText.includes('已批准，等待期中') && r.innerText.includes('等待期至'))(document.querySelector('#disposals-table tr[data-status=approved]'))`)
	leader.shot(shots, "ret-3-grace")

	// During the grace period nothing happens.
	clock.Set(clock.Now().AddDate(0, 0, 29))
	if n, err := a.RunDisposals(ctx, blobs); err != nil || n != 0 {
		t.Fatalf("during the grace period: %d, %v", n, err)
	}
	clock.Set(clock.Now().AddDate(0, 0, 2))
	if n, err := a.RunDisposals(ctx, blobs); err != nil || n != 1 {
		t.Fatalf("after the grace period: %d, %v", n, err)
	}
	custodian.do("open the recording", chromedp.Navigate(fmt.Sprintf("%s/recordings/%d", srv.URL, rec.ID)), chromedp.WaitVisible(chromedp.ID("tombstone")))
	tomb := eval[string](custodian, "tombstone", `document.getElementById('tombstone').innerText`)
	for _, want := range []string{"已销毁", "保存期满一年，无案卷、无保全", "王芳", "张伟", d.Hex()} {
		if !strings.Contains(tomb, want) {
			t.Errorf("tombstone %q lacks %q", tomb, want)
		}
	}
	if eval[bool](custodian, "player", `!!document.getElementById('player')`) || !eval[bool](custodian, "disposed notice", `!!document.getElementById('disposed')`) {
		t.Error("a disposed recording's page shows a player, or no notice")
	}
	custodian.shot(shots, "ret-4-tombstone")
}
