package ui

import (
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"shilu/internal/app"
	"shilu/internal/audit"
	"shilu/internal/chart"
	"shilu/internal/evidence"
	"shilu/internal/store"
	"shilu/internal/web/httpx"
)

// The annual figures of accountability (R-RPT-1, X-RPT-1): per officer and
// department and year, the findings that stand, the accountability cases by
// item of Art. 20 and the decisions of Art. 21 — on the dashboard and as
// the export for 法治政府建设考评 (CSV and XLSX). Each reader sees the
// officers whose cases they may read (app.SeeAccountability).

// figuresPanel is the dashboard's section of the year's figures.
type figuresPanel struct {
	Year      int
	Title     string
	Chart     template.HTML
	Rows      []figureLine
	CSV, XLSX string
}

// figureLine is a department's line: its counts, the items and decisions
// written out.
type figureLine struct {
	Department       string
	Findings, Cases  int
	Items, Decisions string
}

// figuresYear reads ?year=, the current year in Asia/Shanghai by default.
func figuresYear(r *http.Request) (int, error) {
	v := r.URL.Query().Get("year")
	if v == "" {
		return time.Now().In(evidence.Zone).Year(), nil
	}
	y, err := strconv.Atoi(v)
	if err != nil || y < 2000 || y > 2100 {
		return 0, evidence.Errorf(evidence.EInvalid, "err.query.range", "year", 2000, 2100)
	}
	return y, nil
}

func (h *Handler) figures(r *http.Request, year int) (store.Figures, error) {
	var fig store.Figures
	err := h.DB.View(r.Context(), func(tx *store.Tx) (err error) {
		fig, err = tx.AnnualFigures(r.Context(), year, app.SeeAccountability(httpx.User(r)))
		return err
	})
	return fig, err
}

// itemsText writes the cases by item, e.g. （三）2、（七）1.
func (p *page) itemsText(c store.FigureCounts) string {
	var parts []string
	for i, it := range evidence.Art20Items {
		if n := c.ByItem[it]; n > 0 {
			parts = append(parts, p.T("fig.item_count", p.T("fig.item."+strconv.Itoa(i+1)), n))
		}
	}
	if len(parts) == 0 {
		return "—"
	}
	return strings.Join(parts, p.T("spot.sep"))
}

// decisionsText writes the decisions, e.g. 书面检查 1、通报批评 1.
func (p *page) decisionsText(c store.FigureCounts) string {
	var parts []string
	for _, d := range evidence.AccDecisions {
		if n := c.ByDecision[d]; n > 0 {
			parts = append(parts, p.T("fig.item_count", p.T("acc.decision_short."+string(d)), n))
		}
	}
	if len(parts) == 0 {
		return "—"
	}
	return strings.Join(parts, p.T("spot.sep"))
}

// figuresPanel builds the dashboard's section for the year in which the
// dashboard's period ends; nil for those who read no accountability.
func (h *Handler) figuresPanel(r *http.Request, p *page, end time.Time) (*figuresPanel, error) {
	if !p.User.Role.Can(evidence.PermAccountabilityRead) {
		return nil, nil
	}
	year := end.Add(-time.Nanosecond).In(evidence.Zone).Year()
	fig, err := h.figures(r, year)
	if err != nil {
		return nil, err
	}
	q := "?year=" + strconv.Itoa(year)
	v := &figuresPanel{Year: year, Title: p.T("fig.chart", year), CSV: "/figures.csv" + q, XLSX: "/figures.xlsx" + q}
	var bars []chart.Bar
	for _, d := range fig.Departments {
		name := d.Department
		if d.DepartmentID == 0 {
			name = p.T("dashboard.no_department")
		}
		v.Rows = append(v.Rows, figureLine{Department: name, Findings: d.Findings, Cases: d.Cases, Items: p.itemsText(d.FigureCounts),
			Decisions: p.decisionsText(d.FigureCounts)})
		bars = append(bars, chart.Bar{Label: name, Value: float64(d.Cases), Text: p.T("fig.cases_of", d.Cases, d.Findings)})
	}
	v.Chart = chart.HBar(chart.Bars{Label: v.Title, Empty: p.T("fig.none"), Bars: bars})
	return v, nil
}

// figureHead is the header of the export: the row's scope, then its
// counts, the cases by item and the decisions.
func figureHead(p *page) []string {
	head := []string{p.T("fig.year"), p.T("fig.scope"), p.T("spot.department"), p.T("fig.officer_no"), p.T("dashboard.col_name"),
		p.T("fig.findings"), p.T("fig.cases")}
	for i := range evidence.Art20Items {
		head = append(head, p.T("fig.col_item", p.T("fig.item."+strconv.Itoa(i+1))))
	}
	for _, d := range evidence.AccDecisions {
		head = append(head, p.T("acc.decision_short."+string(d)))
	}
	return head
}

// figureCells are a row's values in figureHead's order.
func figureCells(p *page, year int, r store.FigureRow) []any {
	scope, dept := p.T("fig.scope_officer"), r.Department
	if r.Officer == "" {
		scope = p.T("fig.scope_department")
	}
	if r.DepartmentID == 0 {
		dept = p.T("dashboard.no_department")
	}
	out := []any{year, scope, dept, r.Officer, r.Name, r.Findings, r.Cases}
	for _, it := range evidence.Art20Items {
		out = append(out, r.ByItem[it])
	}
	for _, d := range evidence.AccDecisions {
		out = append(out, r.ByDecision[d])
	}
	return out
}

// logFigures writes the export's custody entry before its first byte.
func (h *Handler) logFigures(r *http.Request, format string, fig store.Figures) error {
	return httpx.Audit(r.Context(), h.App, audit.Entry{Actor: httpx.User(r).Name, Action: evidence.ActionFiguresExport, Outcome: audit.OutcomeOK,
		Details: map[string]string{"format": format, "year": strconv.Itoa(fig.Year), "officers": strconv.Itoa(len(fig.Officers)),
			"departments": strconv.Itoa(len(fig.Departments))}})
}

// FiguresCSV exports ?year='s figures as CSV: the departments' rows, then
// the officers'.
func (h *Handler) FiguresCSV(w http.ResponseWriter, r *http.Request) error {
	year, err := figuresYear(r)
	if err != nil {
		return err
	}
	fig, err := h.figures(r, year)
	if err != nil {
		return err
	}
	if err := h.logFigures(r, "csv", fig); err != nil {
		return err
	}
	p := h.newPage(w, r, "/dashboard")
	cw := httpx.CSV(w, fmt.Sprintf("figures-%d.csv", year))
	cw.Write(figureHead(p))
	for _, rows := range [][]store.FigureRow{fig.Departments, fig.Officers} {
		for _, row := range rows {
			cells := figureCells(p, year, row)
			out := make([]string, len(cells))
			for i, c := range cells {
				out[i] = fmt.Sprint(c)
			}
			cw.Write(out)
		}
	}
	cw.Flush()
	return cw.Error()
}

// FiguresXLSX exports ?year='s figures as an XLSX workbook for
// 法治政府建设考评: a sheet of departments and one of officers, each
// written through excelize's StreamWriter (rows go to a temporary file,
// not a DOM of cells) and the workbook streamed to the answer.
func (h *Handler) FiguresXLSX(w http.ResponseWriter, r *http.Request) error {
	year, err := figuresYear(r)
	if err != nil {
		return err
	}
	fig, err := h.figures(r, year)
	if err != nil {
		return err
	}
	p := h.newPage(w, r, "/dashboard")
	f := excelize.NewFile()
	// Close removes the stream writers' temporary files; the answer is
	// written by then, so its error can only be logged.
	defer func() {
		if err := f.Close(); err != nil && h.Logger != nil {
			h.Logger.Warn("ui: close workbook", "err", err, "request_id", httpx.RequestID(r.Context()))
		}
	}()
	head := figureHead(p)
	hrow := make([]any, len(head))
	for i, s := range head {
		hrow[i] = s
	}
	for i, part := range []struct {
		sheet string
		rows  []store.FigureRow
	}{{p.T("fig.sheet_departments"), fig.Departments}, {p.T("fig.sheet_officers"), fig.Officers}} {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", part.sheet); err != nil {
				return err
			}
		} else if _, err := f.NewSheet(part.sheet); err != nil {
			return err
		}
		sw, err := f.NewStreamWriter(part.sheet)
		if err != nil {
			return err
		}
		if err := sw.SetRow("A1", hrow); err != nil {
			return err
		}
		for j, row := range part.rows {
			cell, _ := excelize.CoordinatesToCellName(1, j+2)
			if err := sw.SetRow(cell, figureCells(p, year, row)); err != nil {
				return err
			}
		}
		if err := sw.Flush(); err != nil {
			return err
		}
	}
	if err := h.logFigures(r, "xlsx", fig); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="figures-%d.xlsx"`, year))
	w.Header().Set("Cache-Control", "no-store")
	_, err = f.WriteTo(w)
	return err
}

// FiguresAPI answers ?year='s figures as JSON.
func (h *Handler) FiguresAPI(w http.ResponseWriter, r *http.Request) error {
	year, err := figuresYear(r)
	if err != nil {
		return err
	}
	fig, err := h.figures(r, year)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, fig)
}
