package web

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"shilu/internal/evidence"
	"shilu/internal/store"
)

// R-RPT-1, X-RPT-1: the year's accountability figures are on the
// dashboard (a chart and a table by department) and export for
// 法治政府建设考评 as CSV and as an XLSX workbook with a sheet of
// departments and one of officers; each export is a custody entry; the
// auditor, who reads accountability, exports them too.
func TestFiguresHTTP(t *testing.T) {
	ts := newTestServer(t)
	ts.officers(t, testOfficerNo)
	finding := ts.raiseFinding(t, "test:fig", testOfficerNo)
	open := fmt.Sprintf(`{"finding_id":%d,"officer":%q,"item":"7","facts":"记录仪遗失","consequence":"none"}`, finding, testOfficerNo)
	if code := ts.call(t, "POST", "/api/v1/accountability", evidence.RoleLeader, open, nil); code != http.StatusCreated {
		t.Fatalf("open: %d", code)
	}
	year := time.Now().In(evidence.Zone).Year()

	w := ts.page(t, evidence.RoleLeader, "/dashboard")
	for _, want := range []string{`id="figures"`, "（七） 1", fmt.Sprintf(`href="/figures.xlsx?year=%d"`, year)} {
		if !strings.Contains(w.Body.String(), want) {
			t.Errorf("dashboard lacks %q", want)
		}
	}

	w = ts.page(t, evidence.RoleAuditor, fmt.Sprintf("/figures.csv?year=%d", year))
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), testOfficerNo) || !strings.Contains(w.Body.String(), "第二十条（七）") {
		t.Fatalf("csv: %d %s", w.Code, w.Body.String())
	}
	w = ts.page(t, evidence.RoleLegal, fmt.Sprintf("/figures.xlsx?year=%d", year))
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		t.Fatalf("xlsx: %d %s", w.Code, w.Header().Get("Content-Type"))
	}
	f, err := excelize.OpenReader(bytes.NewReader(w.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := f.Close(); err != nil {
			t.Error(err)
		}
	}()
	if got := f.GetSheetList(); fmt.Sprint(got) != "[按部门 按执法人员]" {
		t.Errorf("sheets %v", got)
	}
	rows, err := f.GetRows("按执法人员")
	if err != nil || len(rows) != 2 {
		t.Fatalf("officers' sheet: %v %v", rows, err)
	}
	col := map[string]string{}
	for i, h := range rows[0] {
		col[h] = rows[1][i]
	}
	if col["警号"] != testOfficerNo || col["问题数"] != "1" || col["问责案件数"] != "1" || col["第二十条（七）"] != "1" || col["年度"] != fmt.Sprint(year) {
		t.Errorf("officer's row %v", col)
	}
	if w := ts.page(t, evidence.RoleLegal, "/figures.xlsx?year=1999"); w.Code != http.StatusBadRequest {
		t.Errorf("year 1999: %d", w.Code)
	}
	if w := ts.page(t, evidence.RoleSysAdmin, "/figures.csv"); w.Code != http.StatusForbidden {
		t.Errorf("the system administrator exports: %d", w.Code)
	}

	var formats []string
	err = ts.cfg.DB.View(context.Background(), func(tx *store.Tx) error {
		list, _, _, err := tx.AuditEntries(context.Background(), store.AuditFilter{Action: evidence.ActionFiguresExport}, -1, false, 10)
		for _, e := range list {
			formats = append(formats, e.Actor+" "+e.Details["format"])
		}
		return err
	})
	if err != nil || fmt.Sprint(formats) != "[u-auditor csv u-legal xlsx]" {
		t.Errorf("custody %v %v", formats, err)
	}
}
