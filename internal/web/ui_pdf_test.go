package web

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"shilu/internal/app"
	"shilu/internal/audit"
	"shilu/internal/evidence"
	"shilu/internal/report"
	"shilu/internal/store"
)

// needPDFTools skips when the font or pdftotext is missing, unless
// SHILU_TEST_DISALLOW_SKIP=1 (CI), which makes that a failure.
func needPDFTools(t *testing.T) {
	t.Helper()
	var missing []string
	if _, err := os.Stat(report.DefaultFontPath); err != nil {
		missing = append(missing, report.FontPackage)
	}
	if _, err := exec.LookPath("pdftotext"); err != nil {
		missing = append(missing, "poppler-utils")
	}
	if len(missing) == 0 {
		return
	}
	if os.Getenv("SHILU_TEST_DISALLOW_SKIP") == "1" {
		t.Fatalf("not installed: %v", missing)
	}
	t.Skipf("not installed: %v", missing)
}

// pdfToText runs pdftotext over a PDF; pdftotext drops the spaces between
// Chinese characters, so the text is compared without spaces.
func pdfToText(t *testing.T, pdf []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "out.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return strings.Join(strings.Fields(string(out)), "")
}

// The custody log and a recording's trail export as PDF with their Chinese
// text, and each export is itself in the log.
func TestCustodyPDF(t *testing.T) {
	needPDFTools(t)
	ts := newTestServer(t)
	ctx := context.Background()
	obj := app.ObjRecording(ts.recID)
	err := ts.cfg.DB.Update(ctx, func(tx *store.Tx) error {
		_, err := tx.Audit(ctx, audit.Entry{Actor: "张警官", Action: "recording.update", Object: obj, Outcome: audit.OutcomeOK,
			Details: map[string]string{"reason": "更正执法记录仪编号，原登记有误"}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	w := ts.page(t, evidence.RoleAuditor, "/custody.pdf?actor=张警官&from=2000-01-01&to=2999-12-31")
	if w.Code != 200 || w.Header().Get("Content-Type") != "application/pdf" {
		t.Fatalf("custody.pdf: %d %s", w.Code, w.Body.String())
	}
	text := pdfToText(t, w.Body.Bytes())
	for _, want := range []string{"保管链记录", "张警官", "更正执法记录仪编号", "第1页/共1页", "根哈希", "u-auditor", ts.cfg.Verifier.Name()} {
		if !strings.Contains(text, want) {
			t.Errorf("custody.pdf lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "u-station") {
		t.Error("custody.pdf?actor=张警官 shows entries of u-station")
	}
	if w := ts.page(t, evidence.RoleAuditor, "/custody.pdf?from=2999-01-01"); !strings.Contains(pdfToText(t, w.Body.Bytes()), "无符合条件的记录") {
		t.Error("a range with no entries: no empty note")
	}
	if w := ts.page(t, evidence.RoleAuditor, "/custody.pdf?from=yesterday"); w.Code != 400 {
		t.Errorf("bad date: %d", w.Code)
	}

	w = ts.page(t, evidence.RoleLeader, "/recordings/"+strconv.FormatInt(ts.recID, 10)+"/custody.pdf")
	if w.Code != 200 {
		t.Fatalf("recording custody.pdf: %d %s", w.Code, w.Body.String())
	}
	if dir := os.Getenv("SHILU_REPORT_OUT"); dir != "" { // to look at it
		if err := os.WriteFile(filepath.Join(dir, "recording-custody.pdf"), w.Body.Bytes(), 0o644); err != nil {
			t.Error(err)
		}
	}
	text = pdfToText(t, w.Body.Bytes())
	for _, want := range []string{"音像记录保管链", "a.mp4", "u-station", "张警官", "入库"} {
		if !strings.Contains(text, want) {
			t.Errorf("recording custody.pdf lacks %q:\n%s", want, text)
		}
	}

	// The exports are custody entries, the recording's in its trail.
	var exports []audit.Entry
	err = ts.cfg.DB.View(ctx, func(tx *store.Tx) error {
		return tx.Entries(ctx, 0, func(_ uint64, data, _ []byte) error {
			if e, _ := audit.Decode(data); e.Action == "custody.export" {
				exports = append(exports, e)
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(exports) != 3 {
		t.Fatalf("%d custody.export entries, want 3", len(exports))
	}
	if e := exports[0]; e.Actor != "u-auditor" || e.Outcome != audit.OutcomeOK || e.Details["actor"] != "张警官" || e.Details["format"] != "pdf" {
		t.Errorf("first export entry %+v", e)
	}
	if e := exports[2]; e.Actor != "u-leader" || e.Object != obj {
		t.Errorf("recording export entry %+v", e)
	}
}
