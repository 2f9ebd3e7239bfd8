package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"shilu/internal/app"
	"shilu/internal/audit"
	"shilu/internal/evidence"
	"shilu/internal/report"
	"shilu/internal/store"
	"shilu/internal/store/storetest"
)

// R-RET-1, R-RET-3 (Art. 14, 18), over HTTP with the server's clock moved
// by hand: the recording's retention is in the API; it cannot be proposed
// for disposal before its date or under a hold; only a leader approves, not
// the custodian who proposed; nothing happens during the grace period;
// after it the bytes are refused as disposed of, and the recording page,
// the disposals page and their CSV show the tombstone.
func TestDisposalOverHTTP(t *testing.T) {
	ctx := context.Background()
	clock := storetest.NewClock(time.Date(2026, 11, 5, 8, 0, 0, 0, evidence.Zone))
	ts := newUsageServer(t, clock)
	rec := fmt.Sprintf("/api/v1/recordings/%d", ts.recID)
	var got evidence.Recording
	if code := ts.call(t, "GET", rec, evidence.RoleOfficer, "", &got); code != 200 || got.Retention == nil ||
		got.Retention.Kind != evidence.RetainDate || got.Retention.Basis != evidence.BasisFloor {
		t.Fatalf("GET recording: %d, retention %+v", code, got.Retention)
	}
	propose := fmt.Sprintf(`{"recording_id":%d,"reason":"保存期满"}`, ts.recID)
	if code, e := ts.callErr(t, "POST", "/api/v1/disposals", evidence.RoleCustodian, propose); code != 409 || e.Key != "err.disposal.not_due" {
		t.Fatalf("early proposal: %d %s", code, e.Key)
	}
	clock.Set(got.Retention.Until.Add(time.Hour))
	var hold evidence.Hold
	if code := ts.call(t, "POST", rec+"/holds", evidence.RoleLeader, `{"kind":"litigation","reason":"诉讼保全"}`, &hold); code != 201 {
		t.Fatalf("hold: %d", code)
	}
	if code, e := ts.callErr(t, "POST", "/api/v1/disposals", evidence.RoleCustodian, propose); code != 409 || e.Key != "err.disposal.held" {
		t.Fatalf("proposal under a hold: %d %s", code, e.Key)
	}
	if code := ts.call(t, "POST", fmt.Sprintf("/api/v1/holds/%d/lift", hold.ID), evidence.RoleCustodian, `{"reason":"判决生效"}`, nil); code != 200 {
		t.Fatalf("lift: %d", code)
	}
	var d evidence.Disposal
	if code := ts.call(t, "POST", "/api/v1/disposals", evidence.RoleCustodian, propose, &d); code != 201 {
		t.Fatalf("propose: %d", code)
	}
	approve := fmt.Sprintf("/api/v1/disposals/%d/approve", d.ID)
	for _, role := range []evidence.Role{evidence.RoleCustodian, evidence.RoleOfficer, evidence.RoleAuditor} {
		if code := ts.call(t, "POST", approve, role, "", nil); code != 403 {
			t.Errorf("approval by %s: %d, want 403", role, code)
		}
	}
	if code := ts.call(t, "POST", approve, evidence.RoleLeader, "", &d); code != 200 || d.Due == nil {
		t.Fatalf("approve: %d %+v", code, d)
	}
	clock.Set(d.Due.Add(-time.Hour))
	if n, err := ts.cfg.App.RunDisposals(ctx, ts.cfg.Blobs); err != nil || n != 0 {
		t.Fatalf("during the grace period: %d disposed, %v", n, err)
	}
	clock.Set(d.Due.Add(time.Hour))
	if n, err := ts.cfg.App.RunDisposals(ctx, ts.cfg.Blobs); err != nil || n != 1 {
		t.Fatalf("after the grace period: %d disposed, %v", n, err)
	}
	if code, e := ts.callErr(t, "GET", rec+"/content", evidence.RoleCustodian, ""); code != 409 || e.Key != "err.recording.disposed" {
		t.Errorf("content of a disposed recording: %d %s", code, e.Key)
	}
	if code := ts.call(t, "GET", rec, evidence.RoleOfficer, "", &got); code != 200 || got.DisposedAt == nil {
		t.Errorf("recording after disposal: %d disposed_at %v", code, got.DisposedAt)
	}
	page := ts.page(t, evidence.RoleCustodian, fmt.Sprintf("/recordings/%d", ts.recID)).Body.String()
	if !strings.Contains(page, `id="tombstone"`) || !strings.Contains(page, got.SHA256) || strings.Contains(page, `id="player"`) {
		t.Errorf("recording page shows no tombstone, or a player")
	}
	for _, tc := range []struct {
		role evidence.Role
		want int
	}{{evidence.RoleCustodian, 200}, {evidence.RoleLeader, 200}, {evidence.RoleAuditor, 200}, {evidence.RoleLegal, 200}, {evidence.RoleOfficer, 403}} {
		w := ts.page(t, tc.role, "/disposals")
		if w.Code != tc.want {
			t.Errorf("/disposals as %s: %d, want %d", tc.role, w.Code, tc.want)
		}
		if w.Code == 200 && !strings.Contains(w.Body.String(), `data-status="disposed"`) {
			t.Errorf("/disposals as %s shows no carried-out disposal", tc.role)
		}
	}
	if pdf := ts.page(t, evidence.RoleCustodian, fmt.Sprintf("/recordings/%d/custody.pdf", ts.recID)); pdf.Code != 200 {
		t.Errorf("custody PDF: %d", pdf.Code)
	} else if _, err := os.Stat(report.DefaultFontPath); err == nil {
		if _, err := exec.LookPath("pdftotext"); err == nil {
			text := pdfToText(t, pdf.Body.Bytes())
			for _, want := range []string{"销毁登记", "u-custodian", "u-leader", "保存期满", "销毁记录"} {
				if !strings.Contains(text, want) {
					t.Errorf("custody PDF lacks %q", want)
				}
			}
		}
	}
	w := ts.page(t, evidence.RoleAuditor, "/disposals.csv")
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), got.SHA256) || !strings.Contains(w.Body.String(), "保存期满") {
		t.Errorf("CSV: %d %s", w.Code, w.Body.String())
	}
	exports := 0
	err := ts.cfg.DB.View(ctx, func(tx *store.Tx) error {
		return tx.Entries(ctx, 0, func(_ uint64, data, _ []byte) error {
			e, err := audit.Decode(data)
			if err == nil && e.Action == evidence.ActionDisposalsExport && e.Actor == "u-auditor" {
				exports++
			}
			return err
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if exports != 1 {
		t.Errorf("%d disposals.export entries, want 1", exports)
	}
}

// Issue 11 point 4: the fixity page shows the last pass and a missing
// original to the system administrator, the custodian and the auditor
// (an officer is refused), and the metric counts it.
func TestFixityPage(t *testing.T) {
	ctx := context.Background()
	clock := storetest.NewClock(time.Date(2026, 11, 5, 8, 0, 0, 0, evidence.Zone))
	ts := newUsageServer(t, clock)
	var rec evidence.Recording
	if err := ts.cfg.DB.View(ctx, func(tx *store.Tx) (err error) { rec, err = tx.Recording(ctx, ts.recID); return err }); err != nil {
		t.Fatal(err)
	}
	if err := ts.cfg.Blobs.Delete(ctx, rec.Digest); err != nil {
		t.Fatal(err)
	}
	if err := ts.cfg.App.ScrubPass(ctx, ts.cfg.Blobs, app.NewScrubLimiter(1<<30)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		role evidence.Role
		want int
	}{{evidence.RoleSysAdmin, 200}, {evidence.RoleCustodian, 200}, {evidence.RoleAuditor, 200}, {evidence.RoleOfficer, 403}} {
		w := ts.page(t, tc.role, "/fixity")
		if w.Code != tc.want {
			t.Errorf("/fixity as %s: %d, want %d %s", tc.role, w.Code, tc.want, w.Body.String())
			continue
		}
		if body := w.Body.String(); w.Code == 200 && (!strings.Contains(body, `<span class="tag tag-danger" id="fixity-open">1</span>`) || !strings.Contains(body, "丢失")) {
			t.Errorf("/fixity as %s does not show the missing original", tc.role)
		}
	}
	mw := httptest.NewRecorder()
	ts.Metrics().ServeHTTP(mw, httptest.NewRequest("GET", "/metrics", nil))
	if !strings.Contains(mw.Body.String(), "shilu_fixity_problems 1") {
		t.Errorf("metrics lack shilu_fixity_problems 1")
	}
}
