package web

import (
	"encoding/csv"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"shilu/internal/audit"
	"shilu/internal/chart"
	"shilu/internal/compliance"
	"shilu/internal/evidence"
	"shilu/internal/store"
)

// dashboardRoutes are the compliance dashboard: page, CSV and JSON (R-RPT-1).
// They need PermRecordingsList like the findings they summarize: whoever
// may list recordings may see how completely the work was recorded.
var dashboardRoutes = []route{
	{"GET", "/dashboard", evidence.PermRecordingsList, (*Server).dashboardPage},
	{"GET", "/dashboard.csv", evidence.PermRecordingsList, (*Server).dashboardCSV},
	{"GET", "/api/v1/compliance/summary", evidence.PermRecordingsList, (*Server).complianceSummaryAPI},
}

// Status thresholds of a recording rate or coverage, in percent. Art. 4
// asks for the whole of every activity, so anything short of full is worth
// a look (warning); below dangerPercent one activity or minute in five is
// missing, which is a habit rather than an incident (danger).
const (
	fullPercent   = 100.0
	dangerPercent = 80.0
)

// percentStatus is the tag colour of a percentage; "" when it has no
// denominator (a group of orphans only has no rate to judge).
func percentStatus(v float64, defined bool) string {
	switch {
	case !defined:
		return ""
	case v >= fullPercent:
		return "success"
	case v >= dangerPercent:
		return "warning"
	}
	return "danger"
}

// groupings are the dimensions in the order the form offers them.
var groupings = []compliance.GroupBy{compliance.ByOfficer, compliance.ByDepartment, compliance.ByDay, compliance.ByWeek, compliance.ByMonth}

func parseGroupBy(v string) (compliance.GroupBy, error) {
	if v == "" {
		return compliance.ByOfficer, nil
	}
	if g := compliance.GroupBy(v); slices.Contains(groupings, g) {
		return g, nil
	}
	return "", evidence.Errorf(evidence.EInvalid, "by: want officer, department, day, week or month")
}

// perPerson reports whether rows of by count an activity once per officer
// or department on it rather than once.
func perPerson(by compliance.GroupBy) bool {
	return by == compliance.ByOfficer || by == compliance.ByDepartment
}

// totals adds rows up: counts are summed and the percentages computed
// again from the sums, because an average of percentages would weigh a
// group of one activity like a group of a hundred.
func totals(rows []compliance.SummaryRow) compliance.SummaryRow {
	var t compliance.SummaryRow
	for _, r := range rows {
		t.Activities += r.Activities
		t.Recorded += r.Recorded
		t.Exempted += r.Exempted
		t.CoveredMS += r.CoveredMS
		t.RequiredMS += r.RequiredMS
		t.Interruptions += r.Interruptions
		t.Explained += r.Explained
		t.Recordings += r.Recordings
		t.LateUploads += r.LateUploads
		t.Orphans += r.Orphans
		t.Findings += r.Findings
		t.OpenFindings += r.OpenFindings
	}
	t.RecordingRate = percent(int64(t.Recorded+t.Exempted), int64(t.Activities))
	t.Coverage = percent(t.CoveredMS, t.RequiredMS)
	return t
}

// percent is n/d in percent rounded to 0.1, as compliance.Summary rounds
// the rows; 0 when d is 0.
func percent(n, d int64) float64 {
	if d == 0 {
		return 0
	}
	return math.Round(float64(n)/float64(d)*1000) / 10
}

// dashboardQuery is what the page and the CSV were asked for.
type dashboardQuery struct {
	From, To time.Time // [From, To) in UTC
	FromDay  string    // the dates as the form holds them, To inclusive
	ToDay    string
	By       compliance.GroupBy
}

// parseDashboardQuery reads ?from=&to= (local dates, the last 30 days by
// default, "to" inclusive) and ?by=.
func parseDashboardQuery(r *http.Request) (dashboardQuery, error) {
	var q dashboardQuery
	var err error
	if q.By, err = parseGroupBy(r.URL.Query().Get("by")); err != nil {
		return q, err
	}
	if q.From, q.To, q.FromDay, q.ToDay, err = registerPeriod(r); err != nil {
		return q, err
	}
	if !q.From.Before(q.To) {
		return q, evidence.Errorf(evidence.EInvalid, "to: want a date on or after from")
	}
	return q, nil
}

// dashboardData is the rows asked for, their totals, and the officers'
// names for showing officer numbers.
type dashboardData struct {
	dashboardQuery
	Rows   []compliance.SummaryRow
	Totals compliance.SummaryRow
	// Overall counts each activity once whatever the grouping; it equals
	// Totals for the period groupings.
	Overall  compliance.SummaryRow
	Officers map[string]store.Officer
}

func (s *Server) dashboardData(r *http.Request) (dashboardData, error) {
	q, err := parseDashboardQuery(r)
	d := dashboardData{dashboardQuery: q}
	if err != nil {
		return d, err
	}
	ctx := r.Context()
	if d.Rows, err = s.complianceSummary(ctx, q.From, q.To, q.By); err != nil {
		return d, err
	}
	d.Totals, d.Overall = totals(d.Rows), totals(d.Rows)
	if perPerson(q.By) {
		// An activity of two officers is two rows' worth by officer; the
		// summary cards count it once, from a period grouping.
		byMonth, err := s.complianceSummary(ctx, q.From, q.To, compliance.ByMonth)
		if err != nil {
			return d, err
		}
		d.Overall = totals(byMonth)
	}
	if q.By == compliance.ByOfficer {
		err = s.cfg.DB.View(ctx, func(tx *store.Tx) error {
			d.Officers, err = tx.OfficerDirectory(ctx)
			return err
		})
	}
	return d, err
}

// dashColumn is one figure column of the table and the CSV; name is the
// JSON field of compliance.SummaryRow, which the table's cells carry as
// data-col.
type dashColumn struct {
	name, key string
	value     func(compliance.SummaryRow) float64
	pct       bool // a percentage, with a status colour
	defined   func(compliance.SummaryRow) bool
}

func intCol(f func(compliance.SummaryRow) int) func(compliance.SummaryRow) float64 {
	return func(r compliance.SummaryRow) float64 { return float64(f(r)) }
}

var dashColumns = []dashColumn{
	{name: "activities", key: "dashboard.activities", value: intCol(func(r compliance.SummaryRow) int { return r.Activities })},
	{name: "recorded", key: "dashboard.recorded", value: intCol(func(r compliance.SummaryRow) int { return r.Recorded })},
	{name: "exempted", key: "dashboard.exempted", value: intCol(func(r compliance.SummaryRow) int { return r.Exempted })},
	{name: "recording_rate", key: "dashboard.recording_rate", pct: true, value: func(r compliance.SummaryRow) float64 { return r.RecordingRate },
		defined: func(r compliance.SummaryRow) bool { return r.Activities > 0 }},
	{name: "coverage", key: "dashboard.coverage", pct: true, value: func(r compliance.SummaryRow) float64 { return r.Coverage },
		defined: func(r compliance.SummaryRow) bool { return r.RequiredMS > 0 }},
	{name: "interruptions", key: "dashboard.interruptions", value: intCol(func(r compliance.SummaryRow) int { return r.Interruptions })},
	{name: "explained", key: "dashboard.explained", value: intCol(func(r compliance.SummaryRow) int { return r.Explained })},
	{name: "recordings", key: "dashboard.recordings", value: intCol(func(r compliance.SummaryRow) int { return r.Recordings })},
	{name: "late_uploads", key: "dashboard.late_uploads", value: intCol(func(r compliance.SummaryRow) int { return r.LateUploads })},
	{name: "orphans", key: "dashboard.orphans", value: intCol(func(r compliance.SummaryRow) int { return r.Orphans })},
	{name: "findings", key: "dashboard.findings", value: intCol(func(r compliance.SummaryRow) int { return r.Findings })},
	{name: "open_findings", key: "dashboard.open_findings", value: intCol(func(r compliance.SummaryRow) int { return r.OpenFindings })},
}

// dashCell is one figure as the table shows it.
type dashCell struct {
	Col    string // data-col
	Value  string // the number, for data-value and the CSV
	Text   string // as shown: "97.8%", "—" for a rate without a base
	Status string // tag colour of a percentage
}

func cells(r compliance.SummaryRow) []dashCell {
	out := make([]dashCell, 0, len(dashColumns))
	for _, c := range dashColumns {
		v := c.value(r)
		cell := dashCell{Col: c.name, Value: strconv.FormatFloat(v, 'f', -1, 64)}
		switch {
		case !c.pct:
			cell.Text = cell.Value
		case c.defined(r):
			cell.Value = strconv.FormatFloat(v, 'f', 1, 64)
			cell.Text, cell.Status = cell.Value+"%", percentStatus(v, true)
		default:
			cell.Value, cell.Text = "", "—"
		}
		out = append(out, cell)
	}
	return out
}

// dashRow is one line of the table.
type dashRow struct {
	Key      string // the group's key, as data-key
	Label    string // the key as shown
	Name     string // the officer's name, by officer
	Findings string // link to the officer's findings in the period, by officer
	Cells    []dashCell
}

// dashboardView is the data of the dashboard page.
type dashboardView struct {
	From, To  string
	By        string
	PerPerson bool
	KeyHead   string // heading of the key column
	Names     bool   // the table has a name column
	Span      int    // the table's columns
	Heads     []string
	Rows      []dashRow
	Total     dashRow
	Cards     dashCards
	Charts    []dashChart
	CSV       string
}

// dashCards are the figures above the charts, each activity counted once.
type dashCards struct {
	Activities, Exempted, LateUploads, Orphans, OpenFindings int
	Interruptions, Explained                                 int
	Rate, Coverage                                           string
	RateStatus, CoverageStatus                               string
}

type dashChart struct {
	Title string
	SVG   template.HTML
}

// groupLabel is a group key as shown: officer-less recordings and officers
// without a department are named rather than blank.
func groupLabel(p *page, by compliance.GroupBy, key string) string {
	switch {
	case key != "":
		return key
	case by == compliance.ByDepartment:
		return p.T("dashboard.no_department")
	}
	return p.T("dashboard.no_officer")
}

func keyHead(by compliance.GroupBy) string { return "dashboard.col_" + string(by) }

func (s *Server) dashboardPage(w http.ResponseWriter, r *http.Request) error {
	d, err := s.dashboardData(r)
	if err != nil {
		return err
	}
	p := newPage(w, r, "/dashboard", "dashboard.crumb", "dashboard.title")
	p.Styles = []string{"dashboard.css"}
	v := dashboardView{From: d.FromDay, To: d.ToDay, By: string(d.By), PerPerson: perPerson(d.By), KeyHead: p.T(keyHead(d.By)), Names: d.By == compliance.ByOfficer,
		Span: 1 + len(dashColumns),
		CSV:  "/dashboard.csv?" + url.Values{"from": {d.FromDay}, "to": {d.ToDay}, "by": {string(d.By)}}.Encode()}
	if v.Names {
		v.Span++
	}
	for _, c := range dashColumns {
		v.Heads = append(v.Heads, p.T(c.key))
	}
	for _, row := range d.Rows {
		dr := dashRow{Key: row.Key, Label: groupLabel(p, d.By, row.Key), Cells: cells(row)}
		if d.By == compliance.ByOfficer && row.Key != "" {
			dr.Name = d.Officers[row.Key].Name
			// The same period, so that the findings listed are the ones counted.
			dr.Findings = "/findings?" + url.Values{"officer": {row.Key}, "from": {d.FromDay}, "to": {d.ToDay}}.Encode()
		}
		v.Rows = append(v.Rows, dr)
	}
	v.Total = dashRow{Label: p.T("dashboard.total"), Cells: cells(d.Totals)}
	o := d.Overall
	v.Cards = dashCards{Activities: o.Activities, Exempted: o.Exempted, LateUploads: o.LateUploads, Orphans: o.Orphans, OpenFindings: o.OpenFindings,
		Interruptions: o.Interruptions, Explained: o.Explained, Rate: "—", Coverage: "—"}
	if o.Activities > 0 {
		v.Cards.Rate, v.Cards.RateStatus = strconv.FormatFloat(o.RecordingRate, 'f', 1, 64)+"%", percentStatus(o.RecordingRate, true)
	}
	if o.RequiredMS > 0 {
		v.Cards.Coverage, v.Cards.CoverageStatus = strconv.FormatFloat(o.Coverage, 'f', 1, 64)+"%", percentStatus(o.Coverage, true)
	}
	v.Charts = dashCharts(p, d)
	p.Data = v
	return s.render(w, http.StatusOK, "dashboard", p)
}

// dashCharts draws the rate and coverage per group (columns over time for
// the period groupings, with empty periods kept so gaps show), and the
// interruptions and findings of the groups that have any.
func dashCharts(p *page, d dashboardData) []dashChart {
	label := func(key string) string {
		l := groupLabel(p, d.By, key)
		if o, ok := d.Officers[key]; ok && o.Name != "" && o.Name != key {
			l += " " + o.Name
		}
		return l
	}
	byKey := map[string]compliance.SummaryRow{}
	for _, r := range d.Rows {
		byKey[r.Key] = r
	}
	keys := make([]string, 0, len(d.Rows))
	for _, r := range d.Rows {
		keys = append(keys, r.Key)
	}
	if !perPerson(d.By) {
		keys = periods(d.By, d.From, d.To)
	}
	// Percentages show as in the table, with one decimal.
	pct := func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) + "%" }
	var rate, cov []chart.Bar
	var gaps, finds []chart.Stack
	for _, k := range keys {
		r, ok := byKey[k]
		short := shortPeriod(d.By, k)
		switch {
		case r.Activities > 0:
			rate = append(rate, chart.Bar{Label: label(k), Short: short, Value: r.RecordingRate, Text: pct(r.RecordingRate), Class: percentStatus(r.RecordingRate, true)})
		case !perPerson(d.By):
			rate = append(rate, chart.Bar{Label: k, Short: short, Text: "—", NoData: true})
		}
		switch {
		case r.RequiredMS > 0:
			cov = append(cov, chart.Bar{Label: label(k), Short: short, Value: r.Coverage, Text: pct(r.Coverage), Class: percentStatus(r.Coverage, true)})
		case !perPerson(d.By):
			cov = append(cov, chart.Bar{Label: k, Short: short, Text: "—", NoData: true})
		}
		if ok && r.Interruptions > 0 {
			gaps = append(gaps, chart.Stack{Label: label(k), Values: []float64{float64(r.Explained), float64(r.Interruptions - r.Explained)},
				Text: fmt.Sprintf("%d/%d", r.Explained, r.Interruptions)})
		}
		if ok && r.Findings > 0 {
			finds = append(finds, chart.Stack{Label: label(k), Values: []float64{float64(r.Findings - r.OpenFindings), float64(r.OpenFindings)},
				Text: fmt.Sprintf("%d/%d", r.OpenFindings, r.Findings)})
		}
	}
	bars := chart.HBar
	if !perPerson(d.By) {
		bars = chart.Columns
	}
	return []dashChart{
		{p.T("dashboard.chart_rate"), bars(chart.Bars{Label: p.T("dashboard.chart_rate"), Unit: "%", Max: 100, Empty: p.T("dashboard.no_rate"), Bars: rate})},
		{p.T("dashboard.chart_coverage"), bars(chart.Bars{Label: p.T("dashboard.chart_coverage"), Unit: "%", Max: 100, Empty: p.T("dashboard.no_coverage"), Bars: cov})},
		{p.T("dashboard.chart_interruptions"), chart.Stacked(chart.Stacks{Label: p.T("dashboard.chart_interruptions"), Empty: p.T("dashboard.no_interruptions"),
			Series: []chart.Series{{Name: p.T("dashboard.series_explained"), Class: "explained"}, {Name: p.T("dashboard.series_unexplained"), Class: "open"}}, Stacks: gaps})},
		{p.T("dashboard.chart_findings"), chart.Stacked(chart.Stacks{Label: p.T("dashboard.chart_findings"), Empty: p.T("dashboard.no_findings"),
			Series: []chart.Series{{Name: p.T("dashboard.series_closed"), Class: "explained"}, {Name: p.T("dashboard.series_open"), Class: "open"}}, Stacks: finds})},
	}
}

// shortPeriod is a period key for the axis under a column: a day without
// its year, a week without its year; months stay whole.
func shortPeriod(by compliance.GroupBy, key string) string {
	switch {
	case by == compliance.ByDay && len(key) == len("2006-01-02"):
		return key[5:]
	case by == compliance.ByWeek && len(key) == len("2006-W01"):
		return key[5:]
	}
	return ""
}

// periods lists the keys of the days, ISO weeks or months that [from, to)
// touches in Shanghai, formatted as compliance.Summary formats them, so a
// trend shows the periods without activities too.
func periods(by compliance.GroupBy, from, to time.Time) []string {
	var out []string
	for t := from.In(shanghai); t.Before(to) && len(out) < 3700; t = t.AddDate(0, 0, 1) {
		var k string
		switch by {
		case compliance.ByWeek:
			y, w := t.ISOWeek()
			k = fmt.Sprintf("%04d-W%02d", y, w)
		case compliance.ByMonth:
			k = t.Format("2006-01")
		default:
			k = t.Format("2006-01-02")
		}
		if len(out) == 0 || out[len(out)-1] != k {
			out = append(out, k)
		}
	}
	return out
}

// dashboardCSV exports the table: a row per group and the totals, headings
// in the page's language, UTF-8 with a byte order mark (Excel on Chinese
// Windows reads it as GBK otherwise).
func (s *Server) dashboardCSV(w http.ResponseWriter, r *http.Request) error {
	d, err := s.dashboardData(r)
	if err != nil {
		return err
	}
	// Compliance figures per officer leave the archive with the file: the
	// export is a custody entry, written before any byte is sent.
	if err := s.audit(r.Context(), audit.Entry{Actor: userOf(r).Name, Action: "compliance.export", Outcome: audit.OutcomeOK,
		Details: map[string]string{"format": "csv", "from": d.FromDay, "to": d.ToDay, "by": string(d.By), "rows": strconv.Itoa(len(d.Rows))}}); err != nil {
		return err
	}
	p := newPage(w, r, "/dashboard")
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="compliance-%s-%s-%s.csv"`, d.By, d.FromDay, d.ToDay))
	w.Header().Set("Cache-Control", "no-store")
	w.Write([]byte("\uFEFF"))
	cw := csv.NewWriter(w)
	head := []string{p.T(keyHead(d.By))}
	if d.By == compliance.ByOfficer {
		head = append(head, p.T("dashboard.col_name"))
	}
	for _, c := range dashColumns {
		h := p.T(c.key)
		if c.pct {
			h += " (%)"
		}
		head = append(head, h)
	}
	cw.Write(head)
	line := func(key, name string, r compliance.SummaryRow) {
		rec := []string{csvSafe(key)}
		if d.By == compliance.ByOfficer {
			rec = append(rec, csvSafe(name))
		}
		for _, c := range cells(r) {
			rec = append(rec, c.Value)
		}
		cw.Write(rec)
	}
	for _, row := range d.Rows {
		line(groupLabel(p, d.By, row.Key), d.Officers[row.Key].Name, row)
	}
	line(p.T("dashboard.total"), "", d.Totals)
	cw.Flush()
	return cw.Error()
}

// complianceSummaryAPI is GET /api/v1/compliance/summary: the rows of the
// activities that arrived in [?from, ?to) (RFC 3339; default the 30 local
// days up to today) grouped by ?by=, with their totals.
func (s *Server) complianceSummaryAPI(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	by, err := parseGroupBy(q.Get("by"))
	if err != nil {
		return err
	}
	now := time.Now().In(shanghai)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, shanghai)
	from, to := today.AddDate(0, 0, -30).UTC(), today.AddDate(0, 0, 1).UTC()
	if err := parseTimes(q, map[string]*time.Time{"from": &from, "to": &to}); err != nil {
		return err
	}
	if !from.Before(to) {
		return evidence.Errorf(evidence.EInvalid, "to: want a time after from")
	}
	rows, err := s.complianceSummary(r.Context(), from, to, by)
	if err != nil {
		return err
	}
	if rows == nil {
		rows = []compliance.SummaryRow{}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"from": from, "to": to, "by": by, "rows": rows, "totals": totals(rows)})
}
