package ui

import (
	"context"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"shilu/internal/app"
	"shilu/internal/audit"
	"shilu/internal/chart"
	"shilu/internal/compliance"
	"shilu/internal/evidence"
	"shilu/internal/store"
	"shilu/internal/web/httpx"
)

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
	return "", evidence.Errorf(evidence.EInvalid, "err.query.value", "by", v)
}

// steps are the periods a trend chart may be drawn in, finest first.
var steps = []compliance.GroupBy{compliance.ByDay, compliance.ByWeek, compliance.ByMonth}

// Periods over which a trend is drawn by week or by month unless the user
// asks otherwise: a day's column is readable up to about a month, a
// week's up to half a year (26 columns); beyond, months.
const (
	weeksAfter  = 31 * 24 * time.Hour
	monthsAfter = 183 * 24 * time.Hour
)

// parseStep reads ?step=, the period of the trend charts: "" is automatic.
func parseStep(v string) (compliance.GroupBy, error) {
	if v == "" || slices.Contains(steps, compliance.GroupBy(v)) {
		return compliance.GroupBy(v), nil
	}
	return "", evidence.Errorf(evidence.EInvalid, "err.dashboard.step")
}

// autoStep is the period of a trend over [from, to): days for a month or
// less, weeks up to half a year, months beyond; never finer than by, a
// period grouping the user chose for the table.
func autoStep(by compliance.GroupBy, from, to time.Time) compliance.GroupBy {
	step := compliance.ByDay
	switch d := to.Sub(from); {
	case d > monthsAfter:
		step = compliance.ByMonth
	case d > weeksAfter:
		step = compliance.ByWeek
	}
	if slices.Index(steps, by) > slices.Index(steps, step) {
		return by
	}
	return step
}

// perPerson reports whether rows of by count an activity once per officer
// or department on it rather than once.
func perPerson(by compliance.GroupBy) bool {
	return by == compliance.ByOfficer || by == compliance.ByDepartment
}

// DashboardRow is one line of the dashboard: the activity figures of
// compliance.Summary and what people did with the archive in the group —
// the viewings of the register and the exports of the custody log
// (R-RPT-1). These are not activity data, so they are kept here rather
// than in compliance.Summary, which reads evaluations only.
type DashboardRow struct {
	compliance.SummaryRow
	// Views counts the viewings (查阅登记) that started in the period;
	// ViewSeconds adds up their durations, each rounded to the second as
	// the register's CSV shows it, so the two agree.
	Views       int   `json:"views"`
	ViewSeconds int64 `json:"view_seconds"`
	// Exports counts the custody entries of evidence.ExportActions in the period.
	Exports int `json:"exports"`
}

// totals adds rows up: counts are summed and the percentages computed
// again from the sums, because an average of percentages would weigh a
// group of one activity like a group of a hundred.
func totals(rows []DashboardRow) DashboardRow {
	var t DashboardRow
	for _, r := range rows {
		t.Views += r.Views
		t.ViewSeconds += r.ViewSeconds
		t.Exports += r.Exports
		t.Activities += r.Activities
		t.Recorded += r.Recorded
		t.Exempted += r.Exempted
		t.CoveredMS += r.CoveredMS
		t.RequiredMS += r.RequiredMS
		t.Interruptions += r.Interruptions
		t.Explained += r.Explained
		t.Recordings += r.Recordings
		t.UploadDelayMS += r.UploadDelayMS
		t.LateUploads += r.LateUploads
		t.Orphans += r.Orphans
		t.Findings += r.Findings
		t.OpenFindings += r.OpenFindings
	}
	t.RecordingRate = compliance.Rate(int64(t.Recorded+t.Exempted), int64(t.Activities))
	t.Coverage = compliance.Rate(t.CoveredMS, t.RequiredMS)
	t.AvgUploadDelayMS = compliance.AvgDelay(t.UploadDelayMS, t.Recordings)
	return t
}

// usage is what people did with the archive in one group of the dashboard.
type usage struct {
	views, exports int
	seconds        int64
}

// accountKey is the key, by officer, of an account without an officer
// number: "@" and its sign-in name, which no officer number can be (they
// are letters, digits and '-', evidence.ValidateOfficerNo). Custodians,
// legal staff and auditors carry no number, yet they are the ones who view
// and export most, so each gets a row of their own rather than being left
// out or lumped together.
func accountKey(name string) string { return "@" + name }

// usageStats counts, per group of by, the viewings that started in
// [from, to) and the exports made then: by officer under the viewer's or
// exporter's officer number (accountKey without one), by department under
// their department ("" without one), by period in the local day, ISO week
// or month of the viewing's start or of the export. Each viewing and export
// lands in exactly one group, so the groups add up to the period's whole
// whatever the grouping. labels names the accountKey groups.
func (h *Handler) usageStats(ctx context.Context, from, to time.Time, by compliance.GroupBy) (use map[string]usage, labels map[string]string, err error) {
	var users []store.StatUser
	var views []store.ViewingStat
	var exports []store.ActionStat
	err = h.DB.View(ctx, func(tx *store.Tx) error {
		var err error
		if users, err = tx.StatUsers(ctx); err != nil {
			return err
		}
		if views, err = tx.ViewingStats(ctx, from, to); err != nil {
			return err
		}
		exports, err = tx.ActionStats(ctx, evidence.ExportActions, from, to)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	byID := make(map[int64]store.StatUser, len(users))
	byName := make(map[string]store.StatUser, len(users))
	for _, u := range users {
		byID[u.ID], byName[u.Name] = u, u
	}
	loc := evidence.Zone
	use, labels = map[string]usage{}, map[string]string{}
	key := func(u store.StatUser, t time.Time) string {
		switch by {
		case compliance.ByOfficer:
			if u.OfficerNo != "" {
				return u.OfficerNo
			}
			k := accountKey(u.Name)
			labels[k] = u.Label
			return k
		case compliance.ByDepartment:
			return u.Department
		}
		return compliance.PeriodKey(by, t.In(loc))
	}
	for _, v := range views {
		k := key(byID[v.UserID], v.StartedAt)
		g := use[k]
		g.views++
		g.seconds += int64(math.Round(v.Duration.Seconds()))
		use[k] = g
	}
	for _, e := range exports {
		u, ok := byName[e.Actor]
		if !ok {
			// The server ("system") and the command line ("cli:…") act
			// without an account.
			u = store.StatUser{Name: e.Actor, Label: e.Actor}
		}
		k := key(u, e.Time)
		g := use[k]
		g.exports++
		use[k] = g
	}
	return use, labels, nil
}

// withUsage joins the activity rows and the usage of the same grouping: a
// group that only viewed or exported (a custodian, a day without
// activities) becomes a row with no activities. Rows stay sorted by key.
func withUsage(rows []compliance.SummaryRow, use map[string]usage) []DashboardRow {
	out := make([]DashboardRow, 0, len(rows)+len(use))
	seen := make(map[string]bool, len(rows))
	for _, r := range rows {
		seen[r.Key] = true
		u := use[r.Key]
		out = append(out, DashboardRow{SummaryRow: r, Views: u.views, ViewSeconds: u.seconds, Exports: u.exports})
	}
	for k, u := range use {
		if !seen[k] {
			out = append(out, DashboardRow{SummaryRow: compliance.SummaryRow{Key: k}, Views: u.views, ViewSeconds: u.seconds, Exports: u.exports})
		}
	}
	slices.SortFunc(out, func(x, y DashboardRow) int { return strings.Compare(x.Key, y.Key) })
	return out
}

// dashboardRows are the dashboard's rows of d for [from, to) grouped by
// by, and the labels of the accountKey groups.
func (h *Handler) dashboardRows(ctx context.Context, d app.ComplianceData, from, to time.Time, by compliance.GroupBy) ([]DashboardRow, map[string]string, error) {
	use, labels, err := h.usageStats(ctx, from, to, by)
	if err != nil {
		return nil, nil, err
	}
	return withUsage(d.Summary(by), use), labels, nil
}

// dashboardQuery is what the page and the CSV were asked for.
type dashboardQuery struct {
	From, To time.Time // [From, To) in UTC
	FromDay  string    // the dates as the form holds them, To inclusive
	ToDay    string
	By       compliance.GroupBy
	// Step is the period the trend charts were asked for ("" automatic,
	// autoStep); only the period groupings draw trends.
	Step compliance.GroupBy
}

// chartStep is the period the trend charts are drawn in.
func (q dashboardQuery) chartStep() compliance.GroupBy {
	if q.Step != "" {
		return q.Step
	}
	return autoStep(q.By, q.From, q.To)
}

// parseDashboardQuery reads ?from=&to= (local dates, the last 30 days by
// default, "to" inclusive) and ?by=.
func parseDashboardQuery(r *http.Request) (dashboardQuery, error) {
	var q dashboardQuery
	var err error
	if q.By, err = parseGroupBy(r.URL.Query().Get("by")); err != nil {
		return q, err
	}
	if q.Step, err = parseStep(r.URL.Query().Get("step")); err != nil {
		return q, err
	}
	if q.From, q.To, q.FromDay, q.ToDay, err = registerPeriod(r); err != nil {
		return q, err
	}
	if !q.From.Before(q.To) {
		return q, evidence.Errorf(evidence.EInvalid, "err.query.to_before_from")
	}
	return q, nil
}

// dashboardData is the rows asked for, their totals, and the officers'
// names for showing officer numbers.
type dashboardData struct {
	dashboardQuery
	Rows   []DashboardRow
	Totals DashboardRow
	// Overall counts each activity once whatever the grouping; it equals
	// Totals for the period groupings.
	Overall  DashboardRow
	Officers map[string]store.Officer
	// Accounts names the groups of accounts without an officer number, by
	// officer (accountKey).
	Accounts map[string]string
	// comp is the period's compliance data, which the trend charts group
	// by their own step.
	comp app.ComplianceData
}

func (h *Handler) dashboardData(r *http.Request) (dashboardData, error) {
	q, err := parseDashboardQuery(r)
	d := dashboardData{dashboardQuery: q}
	if err != nil {
		return d, err
	}
	ctx := r.Context()
	data, err := h.App.LoadCompliance(ctx, q.From, q.To)
	if err != nil {
		return d, err
	}
	d.comp = data
	if d.Rows, d.Accounts, err = h.dashboardRows(ctx, data, q.From, q.To, q.By); err != nil {
		return d, err
	}
	d.Totals, d.Overall = totals(d.Rows), totals(d.Rows)
	if perPerson(q.By) {
		// An activity of two officers is two rows' worth by officer; the
		// summary cards count it once, from a period grouping. Views and
		// exports are in one group each, so their totals are already whole.
		byMonth := data.Summary(compliance.ByMonth)
		months := make([]DashboardRow, len(byMonth))
		for i, r := range byMonth {
			months[i].SummaryRow = r
		}
		d.Overall = totals(months)
		d.Overall.Views, d.Overall.ViewSeconds, d.Overall.Exports = d.Totals.Views, d.Totals.ViewSeconds, d.Totals.Exports
	}
	if q.By == compliance.ByOfficer {
		err = h.DB.View(ctx, func(tx *store.Tx) error {
			d.Officers, err = tx.OfficerDirectory(ctx)
			return err
		})
	}
	return d, err
}

// dashColumn is one figure column of the table and the CSV; name is the
// JSON field of DashboardRow, which the table's cells carry as data-col.
type dashColumn struct {
	name, key string
	value     func(DashboardRow) float64
	pct       bool // a percentage, with a status colour
	defined   func(DashboardRow) bool
	// seconds: a duration in seconds, shown in words (spanText); the CSV
	// keeps the seconds, which a spreadsheet can add up.
	seconds bool
}

func intCol(f func(DashboardRow) int) func(DashboardRow) float64 {
	return func(r DashboardRow) float64 { return float64(f(r)) }
}

var dashColumns = []dashColumn{
	{name: "activities", key: "dashboard.activities", value: intCol(func(r DashboardRow) int { return r.Activities })},
	{name: "recorded", key: "dashboard.recorded", value: intCol(func(r DashboardRow) int { return r.Recorded })},
	{name: "exempted", key: "dashboard.exempted", value: intCol(func(r DashboardRow) int { return r.Exempted })},
	{name: "recording_rate", key: "dashboard.recording_rate", pct: true, value: func(r DashboardRow) float64 { return r.RecordingRate },
		defined: func(r DashboardRow) bool { return r.Activities > 0 }},
	{name: "coverage", key: "dashboard.coverage", pct: true, value: func(r DashboardRow) float64 { return r.Coverage },
		defined: func(r DashboardRow) bool { return r.RequiredMS > 0 }},
	{name: "interruptions", key: "dashboard.interruptions", value: intCol(func(r DashboardRow) int { return r.Interruptions })},
	{name: "explained", key: "dashboard.explained", value: intCol(func(r DashboardRow) int { return r.Explained })},
	{name: "recordings", key: "dashboard.recordings", value: intCol(func(r DashboardRow) int { return r.Recordings })},
	{name: "late_uploads", key: "dashboard.late_uploads", value: intCol(func(r DashboardRow) int { return r.LateUploads })},
	{name: "avg_upload_delay", key: "dashboard.avg_upload_delay", seconds: true, value: func(r DashboardRow) float64 { return float64(r.AvgUploadDelayMS / 1000) }},
	{name: "orphans", key: "dashboard.orphans", value: intCol(func(r DashboardRow) int { return r.Orphans })},
	{name: "findings", key: "dashboard.findings", value: intCol(func(r DashboardRow) int { return r.Findings })},
	{name: "open_findings", key: "dashboard.open_findings", value: intCol(func(r DashboardRow) int { return r.OpenFindings })},
	{name: "views", key: "dashboard.views", value: intCol(func(r DashboardRow) int { return r.Views })},
	{name: "view_seconds", key: "dashboard.view_time", seconds: true, value: func(r DashboardRow) float64 { return float64(r.ViewSeconds) }},
	{name: "exports", key: "dashboard.exports", value: intCol(func(r DashboardRow) int { return r.Exports })},
}

// dashCell is one figure as the table shows it.
type dashCell struct {
	Col    string // data-col
	Value  string // the number, for data-value and the CSV
	Text   string // as shown: "97.8%", "—" for a rate without a base
	Status string // tag colour of a percentage
}

// cells are r's figures; durations are written in lang (spanText).
func cells(lang string, r DashboardRow) []dashCell {
	out := make([]dashCell, 0, len(dashColumns))
	for _, c := range dashColumns {
		v := c.value(r)
		cell := dashCell{Col: c.name, Value: strconv.FormatFloat(v, 'f', -1, 64)}
		switch {
		case c.seconds:
			cell.Text = spanText(lang, time.Duration(v)*time.Second)
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
	Orphans   string // the recordings list narrowed to the period's orphans (R-USE-1)
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
	// Trend: the charts are columns over periods (a period grouping);
	// Step is what the step select holds ("" automatic), Steps its
	// choices, StepNote says when a long period made the step coarser
	// than the table's grouping.
	Trend    bool
	Step     string
	StepAuto string
	Steps    []stepChoice
	StepNote string
	// Figures are the year's accountability figures (figures.go), for
	// those who read accountability cases.
	Figures *figuresPanel
	// ToRegister is the number of grants waiting for the custodian's
	// registration (Art. 16), -1 for those who register none.
	ToRegister int
}

// stepChoice is one option of the trend charts' period.
type stepChoice struct{ Value, Label string }

// dashCards are the figures above the charts, each activity counted once.
type dashCards struct {
	Activities, Exempted, LateUploads, Orphans, OpenFindings int
	Interruptions, Explained                                 int
	Views, Exports                                           int
	ViewTime                                                 string
	Rate, Coverage                                           string
	RateStatus, CoverageStatus                               string
}

type dashChart struct {
	Title string
	SVG   template.HTML
}

// groupLabel is a group key as shown: officer-less recordings and officers
// without a department are named rather than blank, and an account without
// an officer number by its sign-in name.
func groupLabel(p *page, by compliance.GroupBy, key string) string {
	if name, ok := strings.CutPrefix(key, "@"); ok && by == compliance.ByOfficer {
		return p.T("dashboard.account", name)
	}
	switch {
	case key != "":
		return key
	case by == compliance.ByDepartment:
		return p.T("dashboard.no_department")
	}
	return p.T("dashboard.no_officer")
}

func keyHead(by compliance.GroupBy) string { return "dashboard.col_" + string(by) }

func (h *Handler) DashboardPage(w http.ResponseWriter, r *http.Request) error {
	d, err := h.dashboardData(r)
	if err != nil {
		return err
	}
	p := h.newPage(w, r, "/dashboard", "menu.activities", "dashboard.title")
	p.Styles = []string{"dashboard.css"}
	v := dashboardView{From: d.FromDay, To: d.ToDay, By: string(d.By), PerPerson: perPerson(d.By), KeyHead: p.T(keyHead(d.By)), Names: d.By == compliance.ByOfficer,
		Span:    1 + len(dashColumns),
		CSV:     "/dashboard.csv?" + url.Values{"from": {d.FromDay}, "to": {d.ToDay}, "by": {string(d.By)}}.Encode(),
		Orphans: "/recordings?" + url.Values{"orphan": {"1"}, "from": {d.FromDay}, "to": {d.ToDay}}.Encode()}
	if v.Names {
		v.Span++
	}
	for _, c := range dashColumns {
		v.Heads = append(v.Heads, p.T(c.key))
	}
	for _, row := range d.Rows {
		dr := dashRow{Key: row.Key, Label: groupLabel(p, d.By, row.Key), Cells: cells(p.Lang, row)}
		if name, ok := d.Accounts[row.Key]; ok {
			// No officer number, so no findings of theirs to link.
			dr.Name = name
		} else if d.By == compliance.ByOfficer && row.Key != "" {
			dr.Name = d.Officers[row.Key].Name
			// The same period, so that the findings listed are the ones counted.
			dr.Findings = "/findings?" + url.Values{"officer": {row.Key}, "from": {d.FromDay}, "to": {d.ToDay}}.Encode()
		}
		v.Rows = append(v.Rows, dr)
	}
	v.Total = dashRow{Label: p.T("dashboard.total"), Cells: cells(p.Lang, d.Totals)}
	o := d.Overall
	v.Cards = dashCards{Activities: o.Activities, Exempted: o.Exempted, LateUploads: o.LateUploads, Orphans: o.Orphans, OpenFindings: o.OpenFindings,
		Interruptions: o.Interruptions, Explained: o.Explained, Views: o.Views, Exports: o.Exports, ViewTime: spanText(p.Lang, time.Duration(o.ViewSeconds)*time.Second),
		Rate: "—", Coverage: "—"}
	if o.Activities > 0 {
		v.Cards.Rate, v.Cards.RateStatus = strconv.FormatFloat(o.RecordingRate, 'f', 1, 64)+"%", percentStatus(o.RecordingRate, true)
	}
	if o.RequiredMS > 0 {
		v.Cards.Coverage, v.Cards.CoverageStatus = strconv.FormatFloat(o.Coverage, 'f', 1, 64)+"%", percentStatus(o.Coverage, true)
	}
	v.Charts = dashCharts(p, d)
	if v.Trend = !perPerson(d.By); v.Trend {
		step := d.chartStep()
		v.Step, v.StepAuto = string(d.Step), p.T("dashboard.step_auto", p.T("dashboard.by_"+string(autoStep(d.By, d.From, d.To))))
		for _, s := range steps {
			v.Steps = append(v.Steps, stepChoice{string(s), p.T("dashboard.by_" + string(s))})
		}
		if d.Step == "" && step != d.By {
			v.StepNote = p.T("dashboard.step_note", p.T("dashboard.by_"+string(step)))
		}
	}
	if v.Figures, err = h.figuresPanel(r, p, d.To); err != nil {
		return err
	}
	v.ToRegister = -1
	if u := httpx.User(r); u.Role.Can(evidence.PermGrantRegister) {
		if err := h.DB.View(r.Context(), func(tx *store.Tx) error {
			v.ToRegister, err = pendingRegistrations(r, tx, u)
			return err
		}); err != nil {
			return err
		}
	}
	p.Data = v
	return h.render(w, http.StatusOK, "dashboard", p)
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
	byKey := map[string]DashboardRow{}
	keys := make([]string, 0, len(d.Rows))
	by := d.By
	if perPerson(by) {
		for _, r := range d.Rows {
			byKey[r.Key] = r
			keys = append(keys, r.Key)
		}
	} else {
		// A trend: the periods of the chart's step, with the empty ones, so
		// that gaps show; a long period in weeks or months (autoStep).
		by = d.chartStep()
		for _, r := range d.comp.Summary(by) {
			byKey[r.Key] = DashboardRow{SummaryRow: r}
		}
		keys = periods(by, d.From, d.To)
	}
	// Percentages show as in the table, with one decimal.
	pct := func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) + "%" }
	var rate, cov []chart.Bar
	var gaps, finds []chart.Stack
	for _, k := range keys {
		r, ok := byKey[k]
		short := shortPeriod(by, k)
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
	// title names a trend's period, so the grouping is visible on the
	// chart: 录制率（按周）.
	title := func(key string) string { return p.T(key) }
	if !perPerson(d.By) {
		bars = chart.Columns
		title = func(key string) string { return p.T("dashboard.chart_step", p.T(key), p.T("dashboard.by_"+string(by))) }
	}
	rateT, covT, gapsT, findsT := title("dashboard.chart_rate"), title("dashboard.chart_coverage"), title("dashboard.chart_interruptions"), title("dashboard.chart_findings")
	return []dashChart{
		{rateT, bars(chart.Bars{Label: rateT, Unit: "%", Max: 100, Empty: p.T("dashboard.no_rate"), Bars: rate})},
		{covT, bars(chart.Bars{Label: covT, Unit: "%", Max: 100, Empty: p.T("dashboard.no_coverage"), Bars: cov})},
		{gapsT, chart.Stacked(chart.Stacks{Label: gapsT, Empty: p.T("dashboard.no_interruptions"),
			Series: []chart.Series{{Name: p.T("dashboard.series_explained"), Class: "explained"}, {Name: p.T("dashboard.series_unexplained"), Class: "open"}}, Stacks: gaps})},
		{findsT, chart.Stacked(chart.Stacks{Label: findsT, Empty: p.T("dashboard.no_findings"),
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
		k := compliance.PeriodKey(by, t)
		if len(out) == 0 || out[len(out)-1] != k {
			out = append(out, k)
		}
	}
	return out
}

// dashboardCSV exports the table: a row per group and the totals, headings
// in the page's language, UTF-8 with a byte order mark (Excel on Chinese
// Windows reads it as GBK otherwise).
func (h *Handler) DashboardCSV(w http.ResponseWriter, r *http.Request) error {
	d, err := h.dashboardData(r)
	if err != nil {
		return err
	}
	// Compliance figures per officer leave the archive with the file: the
	// export is a custody entry, written before any byte is sent.
	if err := httpx.Audit(r.Context(), h.App, audit.Entry{Actor: httpx.User(r).Name, Action: evidence.ActionComplianceExport, Outcome: audit.OutcomeOK,
		Details: map[string]string{"format": "csv", "from": d.FromDay, "to": d.ToDay, "by": string(d.By), "rows": strconv.Itoa(len(d.Rows))}}); err != nil {
		return err
	}
	p := h.newPage(w, r, "/dashboard")
	cw := httpx.CSV(w, fmt.Sprintf("compliance-%s-%s-%s.csv", d.By, d.FromDay, d.ToDay))
	head := []string{p.T(keyHead(d.By))}
	if d.By == compliance.ByOfficer {
		head = append(head, p.T("dashboard.col_name"))
	}
	for _, c := range dashColumns {
		h := p.T(c.key)
		switch {
		case c.pct:
			h += " (%)"
		case c.seconds:
			h += p.T("dashboard.in_seconds")
		}
		head = append(head, h)
	}
	cw.Write(head)
	line := func(key, name string, r DashboardRow) {
		rec := []string{key}
		if d.By == compliance.ByOfficer {
			rec = append(rec, name)
		}
		for _, c := range cells(p.Lang, r) {
			rec = append(rec, c.Value)
		}
		cw.Write(rec)
	}
	for _, row := range d.Rows {
		name, ok := d.Accounts[row.Key]
		if !ok {
			name = d.Officers[row.Key].Name
		}
		line(groupLabel(p, d.By, row.Key), name, row)
	}
	line(p.T("dashboard.total"), "", d.Totals)
	cw.Flush()
	return cw.Error()
}

// complianceSummaryAPI is GET /api/v1/compliance/summary: the rows of the
// activities that arrived in [?from, ?to) (RFC 3339; default the 30 local
// days up to today) grouped by ?by=, with the viewings and exports of the
// same period, and their totals.
func (h *Handler) ComplianceSummaryAPI(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	by, err := parseGroupBy(q.Get("by"))
	if err != nil {
		return err
	}
	now := time.Now().In(shanghai)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, shanghai)
	from, to := today.AddDate(0, 0, -30).UTC(), today.AddDate(0, 0, 1).UTC()
	if err := httpx.Times(q, map[string]*time.Time{"from": &from, "to": &to}); err != nil {
		return err
	}
	if !from.Before(to) {
		return evidence.Errorf(evidence.EInvalid, "err.query.to_before_from")
	}
	data, err := h.App.LoadCompliance(r.Context(), from, to)
	if err != nil {
		return err
	}
	rows, _, err := h.dashboardRows(r.Context(), data, from, to, by)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, map[string]any{"from": from, "to": to, "by": by, "rows": rows, "totals": totals(rows)})
}

// Column names a column of the dashboard's table and CSV, with the
// catalogue key of its heading.
type Column struct{ Name, Key string }

// Columns are the dashboard's columns in order.
func Columns() []Column {
	out := make([]Column, len(dashColumns))
	for i, c := range dashColumns {
		out[i] = Column{c.name, c.key}
	}
	return out
}
