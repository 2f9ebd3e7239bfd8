package ui

import (
	"encoding/json"
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
	"shilu/internal/compliance"
	"shilu/internal/evidence"
	"shilu/internal/locale"
	"shilu/internal/store"
	"shilu/internal/web/httpx"
)

// activityRow is one line of the activities list.
type activityRow struct {
	evidence.Activity
	Coverage float64
	Recorded bool
	Exempt   bool
	Open     int // open findings
}

// activityFormData is what the activity-form partial receives: the page
// (for messages), the activity being corrected (nil: a new one), and the
// choices.
type activityFormData struct {
	P     *page
	A     *evidence.Activity
	Types []evidence.ActivityType
	Modes []evidence.WorkMode
}

// officerChoice is one officer the activity form offers: 张伟（000123）,
// sending the number.
type officerChoice struct {
	Number, Text string
	Checked      bool
}

// OfficerChoices lists the bureau's officers (the accounts holding an
// officer number) for the activity form's picker, by number; those a names
// come checked, with any number a names that no account holds any more.
func (p *page) OfficerChoices(a *evidence.Activity) []officerChoice {
	var named []string
	if a != nil {
		named = a.Officers
	}
	var out []officerChoice
	seen := map[string]bool{}
	if p.people != nil {
		for no := range p.people().byNumber {
			out = append(out, officerChoice{Number: no, Text: p.Officer(no), Checked: slices.Contains(named, no)})
			seen[no] = true
		}
	}
	for _, no := range named {
		if !seen[no] {
			out = append(out, officerChoice{Number: no, Text: no, Checked: true})
		}
	}
	slices.SortFunc(out, func(x, y officerChoice) int { return strings.Compare(x.Number, y.Number) })
	return out
}

// inputMinute is the datetime-local form of a time in Beijing time.
const inputMinute = "2006-01-02T15:04"

// TimeMin and TimeMax bound the time inputs of the activity forms as the
// server does (evidence.EarliestTime, evidence.FutureSlack).
func (p *page) TimeMin() string { return evidence.EarliestTime.In(evidence.Zone).Format(inputMinute) }

// TimeMax is the latest time the activity forms take.
func (p *page) TimeMax() string {
	return p.now.Add(evidence.FutureSlack).In(evidence.Zone).Format(inputMinute)
}

// activitiesView is the data of the activities list.
type activitiesView struct {
	Officer, Type, From, To string
	Rows                    []activityRow
	Types                   []evidence.ActivityType
	Modes                   []evidence.WorkMode
	Pager
}

func (h *Handler) ActivitiesPage(w http.ResponseWriter, r *http.Request) error {
	q, ctx, p := r.URL.Query(), r.Context(), h.App.Params()
	v := activitiesView{Officer: strings.TrimSpace(q.Get("officer")), Type: q.Get("type"), From: q.Get("from"), To: q.Get("to"),
		Types: evidence.ActivityTypes(), Modes: []evidence.WorkMode{evidence.WorkNormal, evidence.WorkContinuous, evidence.WorkAway, evidence.WorkRemote}}
	f := store.ActivityFilter{Officer: v.Officer, Type: evidence.ActivityType(v.Type), Limit: PageSize}
	if err := httpx.Cursors(r.URL.Query(), &f.After, &f.Before); err != nil {
		return err
	}
	if f.Type != "" && !f.Type.Valid() {
		return evidence.Errorf(evidence.EInvalid, "err.query.value", "type", v.Type)
	}
	from, to, err := parseDays(v.From, v.To)
	if err != nil {
		return err
	}
	f.From, f.To = from, to
	err = h.DB.View(ctx, func(tx *store.Tx) error {
		var err error
		if f.Officers, err = tx.OfficerNumbers(ctx, f.Officer); err != nil { // 警号或姓名
			return err
		}
		list, err := tx.ActivitiesPage(ctx, f)
		if err != nil {
			return err
		}
		acts := list.Activities
		v.Pager = cursorPager(r, []string{"officer", "type", "from", "to"}, list.Total, list.Over, list.Prev, list.Next)
		// Rows come from the stored evaluations and findings (kept by
		// reevaluate and the evaluator); an activity not evaluated yet —
		// stored before evaluations were kept, until the evaluator's first
		// run — is evaluated here.
		ids := make([]int64, len(acts))
		for i, a := range acts {
			ids[i] = a.ID
		}
		recs, err := tx.EvaluationRecordsOf(ctx, ids)
		if err != nil {
			return err
		}
		open, err := tx.OpenFindingCounts(ctx, ids)
		if err != nil {
			return err
		}
		for _, a := range acts {
			var rec compliance.Record
			if b, ok := recs[a.ID]; ok {
				if err := json.Unmarshal(b, &rec); err != nil {
					return fmt.Errorf("evaluation of activity %d: %w", a.ID, err)
				}
			} else if !a.Voided() { // no rule judges a void activity
				in, err := app.ActivityInput(ctx, tx, a, p)
				if err != nil {
					return err
				}
				rec = app.Evaluate(in, tx.Now(), p).Record()
			}
			v.Rows = append(v.Rows, activityRow{Activity: a, Coverage: rec.Percent(), Recorded: rec.Recorded, Exempt: rec.Exempt, Open: open[a.ID]})
		}
		return nil
	})
	if err != nil {
		return err
	}
	pg := h.newPage(w, r, "/activities", "menu.activities", "menu.activity_list")
	pg.Data, pg.Scripts, pg.Styles = v, []string{"activities.js"}, []string{"activities.css"}
	return h.render(w, http.StatusOK, "activities", pg)
}

// activityPageView is the data of an activity's page.
type activityPageView struct {
	app.ActivityView
	Timeline  template.HTML
	Proposals []app.ProposalView // not linked yet
	Rows      []app.FindingRow
	Names     map[int64]string
	Script    activityScript
	Types     []evidence.ActivityType
	Modes     []evidence.WorkMode
	// Notice is the notice to the party and the preamble checklist
	// (Art. 8; R-ACT-3, X-ACT-2), shown by the notice-panel partial.
	Notice app.Notice
	// Bookmarks are the key moments marked in the linked recordings
	// (Art. 10; R-ACT-5), beside the activity's facts.
	Bookmarks []bookmarkItem
	// Devices are the registered devices in service a device check picks
	// from (Art. 5, X-DEV-1): the activity's own first.
	Devices []evidence.Device
}

// activityScript is what static/activities.js needs about the activity, in
// a JSON block (the CSP allows no inline script).
type activityScript struct {
	ID            int64                  `json:"id"`
	Interruptions []app.InterruptionView `json:"interruptions"`
	Recordings    []scriptRecording      `json:"recordings"`
}

type scriptRecording struct {
	ID      int64      `json:"id"`
	Name    string     `json:"name"`
	Officer string     `json:"officer"`
	Start   *time.Time `json:"start,omitempty"`
}

func (h *Handler) ActivityPage(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	ctx, p := r.Context(), h.App.Params()
	var v activityPageView
	err = h.DB.View(ctx, func(tx *store.Tx) error {
		in, err := app.LoadActivityInput(ctx, tx, id, p)
		if err != nil {
			return err
		}
		a := in.Activity
		v.ActivityView = app.NewActivityView(in, tx.Now(), p)
		stored, err := tx.Findings(ctx, store.FindingFilter{ActivityID: id})
		if err != nil {
			return err
		}
		v.Rows = app.MergeFindings(v.Findings, stored)
		if v.Notice, err = app.LoadNotice(ctx, tx, a); err != nil {
			return err
		}
		if v.Bookmarks, err = activityBookmarks(ctx, tx, id); err != nil {
			return err
		}
		if v.Devices, err = tx.Devices(ctx, store.DeviceFilter{Status: evidence.DeviceInService}); err != nil {
			return err
		}
		slices.SortStableFunc(v.Devices, func(x, y evidence.Device) int {
			return cmpBool(slices.Contains(a.Devices, y.Serial), slices.Contains(a.Devices, x.Serial))
		})
		// The proposals of GET .../proposals, less what is linked already.
		proposals, err := app.LoadProposals(ctx, tx, a)
		if err != nil {
			return err
		}
		for _, pr := range proposals {
			if !slices.ContainsFunc(in.Recordings, func(x evidence.Recording) bool { return x.ID == pr.RecordingID }) {
				v.Proposals = append(v.Proposals, pr)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	pg := h.newPage(w, r, "/activities", "menu.activities", "menu.activity_list", "="+fmt.Sprintf("#%d", id))
	v.Names = map[int64]string{}
	v.Script = activityScript{ID: id, Interruptions: v.Interruptions, Recordings: []scriptRecording{}}
	for _, rec := range v.Recordings {
		v.Names[rec.ID] = rec.Filename
		v.Script.Recordings = append(v.Script.Recordings, scriptRecording{ID: rec.ID, Name: rec.Filename, Officer: rec.Officer, Start: rec.RecordedStart})
	}
	v.Types, v.Modes = evidence.ActivityTypes(), []evidence.WorkMode{evidence.WorkNormal, evidence.WorkContinuous, evidence.WorkAway, evidence.WorkRemote}
	v.Timeline = coverageTimeline(v.Coverage, v.Interruptions, v.Names, timelineLabels{
		Title: pg.T("act.timeline"), Covered: pg.T("act.tl_covered"), Open: pg.T("act.tl_open"), Explained: pg.T("act.tl_explained"),
		Uncovered: pg.T("act.tl_uncovered"), Gap: pg.Text("act.tl_gap"), Span: pg.Text("act.tl_span"), Clickable: httpx.User(r).Role.Can(evidence.PermActivitiesRecord),
		Officer: pg.Officer})
	pg.Data, pg.Scripts, pg.Styles = v, []string{"activities.js", "notice.js"}, []string{"activities.css", "notice.css", "bookmarks.css"}
	return h.render(w, http.StatusOK, "activity", pg)
}

// findingsView is the data of the findings list.
type findingsView struct {
	Status, Rule, Officer, From, To string
	Rules                           []string
	Findings                        []store.StoredFinding
	Pager
	CSV string // the export of the same selection
}

// findingRules lists the rules in the order the filter offers them.
var findingRules = []string{compliance.RuleCoverageGap, compliance.RuleUnrecorded, compliance.RuleTooFewOfficers, compliance.RuleNoticeMissing,
	compliance.RulePreservationOverdue, compliance.RuleDeviceCheckMissing, compliance.RuleDeviceCheckFailed, compliance.RuleUploadLate,
	compliance.RuleOrphan, compliance.RuleOutsideActivity, compliance.RuleRemuxed, compliance.RuleCreationTimeMissing,
	compliance.RuleCreationTimeMismatch, compliance.RuleDeviceOverlap, compliance.RuleSizeMismatch, compliance.RuleClockDrift,
	compliance.RuleSpliced, compliance.RuleTimestamps, compliance.RuleStateTampered,
	compliance.RuleFixity, compliance.RuleDeviceLent, compliance.RuleDeviceUnknown,
	compliance.RuleDeviceUnassigned, compliance.RuleDeviceLost, compliance.RuleStationSilent, evidence.RuleSpotCheck}

// findingsPage lists the stored findings; they are recorded whenever an
// activity or what the rules read about it changes.
func (h *Handler) FindingsPage(w http.ResponseWriter, r *http.Request) error {
	v, err := h.findings(r, PageSize)
	if err != nil {
		return err
	}
	pg := h.newPage(w, r, "/findings", "menu.activities", "menu.findings")
	pg.Data, pg.Scripts, pg.Styles = v, []string{"activities.js"}, []string{"activities.css"}
	return h.render(w, http.StatusOK, "findings", pg)
}

// findingsCSVLimit caps a findings export; the filters narrow it.
const findingsCSVLimit = 20000

// findingsCSV exports the findings the page's filters select, all pages of
// them, as CSV (R-ACC-1, R-RPT-1: the list a review meeting works from).
// An export hands data out, so it is a custody entry, written before the
// first byte.
func (h *Handler) FindingsCSV(w http.ResponseWriter, r *http.Request) error {
	v, err := h.findings(r, findingsCSVLimit)
	if err != nil {
		return err
	}
	if err := httpx.Audit(r.Context(), h.App, audit.Entry{Actor: httpx.User(r).Name, Action: evidence.ActionFindingsExport, Outcome: audit.OutcomeOK,
		Details: map[string]string{"format": "csv", "status": v.Status, "rule": v.Rule, "officer": app.Printable(v.Officer), "from": v.From, "to": v.To,
			"rows": strconv.Itoa(len(v.Findings))}}); err != nil {
		return err
	}
	p := h.newPage(w, r, "/findings")
	cw := httpx.CSV(w, "findings.csv")
	cw.Write([]string{p.T("act.finding_id"), p.T("act.rule"), p.T("act.article"), p.T("act.officer"), p.T("act.activity"), p.T("act.recordings"),
		p.T("act.evidence"), p.T("act.status"), p.T("act.first_seen"), p.T("act.accepted_by")})
	for _, f := range v.Findings {
		act := ""
		if f.ActivityID != 0 {
			act = strconv.FormatInt(f.ActivityID, 10)
		}
		recs := make([]string, len(f.RecordingIDs))
		for i, id := range f.RecordingIDs {
			recs[i] = strconv.FormatInt(id, 10)
		}
		cw.Write([]string{strconv.FormatInt(f.ID, 10), p.ActRule(f.Rule), f.Article, f.Officer, act, strings.Join(recs, " "),
			p.Msg(f.Evidence), p.ActStatus(f.Status), localTime(f.FirstSeen), f.AcceptedBy})
	}
	cw.Flush()
	return cw.Error()
}

// findings reads the findings list's filters and up to limit findings of
// the page asked (?page=).
func (h *Handler) findings(r *http.Request, limit int) (findingsView, error) {
	q, ctx := r.URL.Query(), r.Context()
	v := findingsView{Status: q.Get("status"), Rule: q.Get("rule"), Officer: strings.TrimSpace(q.Get("officer")), From: q.Get("from"), To: q.Get("to"), Rules: findingRules}
	f := store.FindingFilter{Status: evidence.FindingStatus(v.Status), Rule: v.Rule, Officer: v.Officer}
	switch f.Status {
	case "", evidence.FindingOpen, evidence.FindingExplained, evidence.FindingAccepted:
	default:
		return v, evidence.Errorf(evidence.EInvalid, "err.query.value", "status", v.Status)
	}
	if v.Rule != "" && !slices.Contains(findingRules, v.Rule) {
		return v, evidence.Errorf(evidence.EInvalid, "err.query.value", "rule", v.Rule)
	}
	from, to, err := parseDays(v.From, v.To)
	if err != nil {
		return v, err
	}
	f.From, f.To = from, to
	page, offset := pageOf(r)
	f.Limit, f.Offset = limit, offset
	err = h.DB.View(ctx, func(tx *store.Tx) error {
		var err error
		if f.Officers, err = tx.OfficerNumbers(ctx, f.Officer); err != nil { // 警号或姓名
			return err
		}
		if v.Findings, err = tx.Findings(ctx, f); err != nil {
			return err
		}
		total, err := tx.CountFindings(ctx, f)
		v.Pager = newPager(r, []string{"status", "rule", "officer", "from", "to"}, page, total, len(v.Findings))
		return err
	})
	csvQuery := url.Values{}
	for k, x := range map[string]string{"status": v.Status, "rule": v.Rule, "officer": v.Officer, "from": v.From, "to": v.To} {
		if x != "" {
			csvQuery.Set(k, x)
		}
	}
	v.CSV = "/findings.csv?" + csvQuery.Encode()
	return v, err
}

// ---- texts of the activity pages (methods of page, named Act… so that
// other features' page helpers do not collide) ----------------------------

// ActType names an activity type: Art. 6's own words in Chinese.
func (p *page) ActType(t evidence.ActivityType) string { return p.T("act.type." + string(t)) }

// ActMode names a work mode (Art. 13).
func (p *page) ActMode(m evidence.WorkMode) string {
	if m == "" {
		m = evidence.WorkNormal
	}
	return p.T("act.mode." + string(m))
}

// ActRule names a compliance rule; an unknown one shows as it is stored.
func (p *page) ActRule(rule string) string {
	if m, ok := locale.New(p.Lang).Lookup("act.rule." + rule); ok {
		return m
	}
	return rule
}

// ActStatus names a finding status.
func (p *page) ActStatus(st evidence.FindingStatus) string { return p.T("act.status." + string(st)) }

// ActStatusClass is the tag colour of a finding status.
func (p *page) ActStatusClass(st evidence.FindingStatus) string {
	return map[evidence.FindingStatus]string{evidence.FindingOpen: "danger", evidence.FindingExplained: "warning", evidence.FindingAccepted: "success"}[st]
}

// ActCause names an interruption cause as Art. 11 does.
func (p *page) ActCause(c evidence.InterruptionCause) string { return p.T("act.cause." + string(c)) }

// ActCauses lists the causes of Art. 11 for the explain form.
func (p *page) ActCauses() []evidence.InterruptionCause {
	return []evidence.InterruptionCause{evidence.CauseDeviceFault, evidence.CauseWeather, evidence.CauseBatteryStorage, evidence.CausePlaceChange, evidence.CauseOther}
}

// ActCategory names an exemption category as Art. 7 does.
func (p *page) ActCategory(c evidence.ExemptionCategory) string {
	return p.T("act.category." + string(c))
}

// ActCategories lists the categories of Art. 7.
func (p *page) ActCategories() []evidence.ExemptionCategory {
	return []evidence.ExemptionCategory{evidence.ExemptSecretPrivacy, evidence.ExemptEmergency, evidence.ExemptObjective}
}

// ActPosition names where in the activity a gap lies.
func (p *page) ActPosition(g compliance.GapPosition) string { return p.T("act.pos." + string(g)) }

// ActLength formats a span given in milliseconds for people: the two
// largest units (2天3小时, 5分12秒).
func (p *page) ActLength(ms int64) string {
	d := time.Duration(max(ms, 0)) * time.Millisecond
	d = d.Round(time.Second)
	days, hours, mins, secs := int(d/(24*time.Hour)), int(d/time.Hour)%24, int(d/time.Minute)%60, int(d/time.Second)%60
	switch {
	case days > 0:
		return p.T("act.len_dh", days, hours)
	case hours > 0:
		return p.T("act.len_hm", hours, mins)
	case mins > 0:
		return p.T("act.len_ms", mins, secs)
	}
	return p.T("act.len_s", secs)
}

// ActUpload says where a recording stands against its export deadline
// (Art. 13; R-UPL-1).
func (p *page) ActUpload(u compliance.Upload) string {
	if u.State == compliance.UploadOnTime {
		return p.T("act.upload.on_time")
	}
	return p.T("act.upload."+string(u.State), p.ActLength(u.ByMS))
}

// ActUploadClass is the tag colour of an upload state.
func (p *page) ActUploadClass(u compliance.Upload) string {
	return map[compliance.UploadState]string{compliance.UploadOnTime: "success", compliance.UploadLate: "warning",
		compliance.UploadOverdue: "danger", compliance.UploadPending: "info"}[u.State]
}

// ActPoint formats a voice point as m:ss.
func (p *page) ActPoint(d time.Duration) string {
	d = d.Round(time.Second)
	return fmt.Sprintf("%d:%02d", int(d/time.Minute), int(d/time.Second)%60)
}

// ActRFC formats a time for data attributes and the API: RFC 3339 in UTC,
// with fractions of a second only when there are any.
func (p *page) ActRFC(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// ---- the coverage timeline (R-ACT-4, issue 4 item 10) --------------------

// timelineLabels are the texts of the picture in the page's language. Gap
// and Span are formats: Gap takes the officer, start, end and length; Span
// the recordings' names.
type timelineLabels struct {
	Title, Covered, Open, Explained, Uncovered string
	Gap, Span                                  string
	// Clickable marks gaps as buttons that open the explain dialog; only
	// for people who may explain (PermAccessRequest).
	Clickable bool
	// Officer names a row's officer (张伟（000123）); nil shows the number.
	Officer func(number string) string
}

func (l timelineLabels) officer(no string) string {
	if l.Officer == nil {
		return no
	}
	return l.Officer(no)
}

// The geometry of the picture in viewBox units: the officers' names on the
// left, the time axis on top, one row per officer, the legend below.
const (
	tlWidth  = 1000.0
	tlLeft   = 120.0 // x of the arrival
	tlRight  = 40.0  // room for half the last tick label
	tlAxis   = 28.0  // height of the time axis
	tlRow    = 34.0  // height of an officer's row
	tlBar    = 20.0  // height of the bars within a row
	tlLegend = 34.0
)

// tlPlot is the width of the time axis from the arrival to the end.
const tlPlot = tlWidth - tlLeft - tlRight

// tickSteps are the tick spacings the axis may use, smallest first.
var tickSteps = []time.Duration{time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 15 * time.Second, 30 * time.Second,
	time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour}

// timeTicks returns the tick times inside [start, end]: multiples of the
// smallest step that gives at most max ticks, counted in Asia/Shanghai so
// that hour and day ticks fall on local hours and midnights.
func timeTicks(start, end time.Time, maxTicks int) ([]time.Time, time.Duration) {
	window := end.Sub(start)
	step := tickSteps[len(tickSteps)-1]
	for _, s := range tickSteps {
		if int(window/s)+1 <= maxTicks {
			step = s
			break
		}
	}
	_, off := start.In(shanghai).Zone()
	shift := time.Duration(off) * time.Second
	// The first multiple of step (in local time) at or after start.
	first := start.Add(shift).Truncate(step).Add(-shift)
	if first.Before(start) {
		first = first.Add(step)
	}
	var out []time.Time
	for t := first; !t.After(end); t = t.Add(step) {
		out = append(out, t)
	}
	return out, step
}

// coverageTimeline draws the coverage of an activity as an SVG (R-ACT-4):
// the window from arrival to end along x with ticks in Asia/Shanghai, one
// row per officer, covered spans green and linked to their recordings,
// gaps red while open and amber once explained (R-ACT-6), each gap
// carrying data-officer, data-start and data-end (RFC 3339, UTC) and
// data-index (its place in gaps) for the explain dialog. All text is
// escaped; the result is safe to put into a page as it is.
func coverageTimeline(rep compliance.CoverageReport, gaps []app.InterruptionView, names map[int64]string, l timelineLabels) template.HTML {
	esc := template.HTMLEscapeString
	window := rep.End.Sub(rep.Start)
	x := func(t time.Time) float64 {
		if window <= 0 {
			return tlLeft
		}
		f := float64(t.Sub(rep.Start)) / float64(window)
		return tlLeft + tlPlot*math.Min(1, math.Max(0, f))
	}
	num := func(f float64) string { return strconv.FormatFloat(math.Round(f*100)/100, 'f', -1, 64) }
	rows := len(rep.Officers)
	height := tlAxis + float64(max(rows, 1))*tlRow + tlLegend
	var b strings.Builder
	fmt.Fprintf(&b, `<svg id="coverage-timeline" class="coverage-timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %s %s" role="img" aria-label="%s">`,
		num(tlWidth), num(height), esc(l.Title))
	fmt.Fprintf(&b, `<title>%s</title>`, esc(l.Title))

	// The time axis: a tick line through every row and its local time.
	ticks, step := timeTicks(rep.Start, rep.End, 9)
	layout := "15:04"
	switch {
	case step < time.Minute:
		layout = "15:04:05"
	case rep.Start.In(shanghai).YearDay() != rep.End.In(shanghai).YearDay() || window > 24*time.Hour:
		layout = "01-02 15:04"
	}
	bottom := tlAxis + float64(rows)*tlRow
	b.WriteString(`<g class="tl-axis">`)
	for _, t := range ticks {
		tx := num(x(t))
		fmt.Fprintf(&b, `<line class="tl-tick" x1="%s" y1="%s" x2="%s" y2="%s" stroke="#e5e6eb"/>`, tx, num(tlAxis-4), tx, num(bottom))
		fmt.Fprintf(&b, `<text class="tl-tick-label" x="%s" y="%s" text-anchor="middle" font-size="12" fill="#4e5969">%s</text>`,
			tx, num(tlAxis-9), esc(t.In(shanghai).Format(layout)))
	}
	b.WriteString(`</g>`)

	// Gaps by officer, so that each row finds its own.
	type indexed struct {
		i int
		g app.InterruptionView
	}
	byOfficer := map[string][]indexed{}
	for i, g := range gaps {
		byOfficer[g.Officer] = append(byOfficer[g.Officer], indexed{i, g})
	}
	for row, oc := range rep.Officers {
		y := tlAxis + float64(row)*tlRow
		barY := num(y + (tlRow-tlBar)/2)
		fmt.Fprintf(&b, `<g class="tl-row" data-officer="%s">`, esc(oc.Officer))
		fmt.Fprintf(&b, `<text class="tl-officer" x="%s" y="%s" text-anchor="end" font-size="13" fill="#1f2329">%s</text>`,
			num(tlLeft-10), num(y+tlRow/2+4), esc(l.officer(oc.Officer)))
		// The row's background is the time nobody recorded but that is
		// within the tolerance, so no gap.
		fmt.Fprintf(&b, `<rect class="tl-track" x="%s" y="%s" width="%s" height="%s" fill="#f2f3f5"><title>%s</title></rect>`,
			num(tlLeft), barY, num(tlPlot), num(tlBar), esc(l.Uncovered))
		for _, sp := range oc.Spans {
			var recs []string
			for _, id := range sp.RecordingIDs {
				n := names[id]
				if n == "" {
					n = "#" + strconv.FormatInt(id, 10)
				}
				recs = append(recs, n)
			}
			title := fmt.Sprintf(l.Span, strings.Join(recs, ", "), sp.Start.In(shanghai).Format("15:04:05"), sp.End.In(shanghai).Format("15:04:05"))
			rect := fmt.Sprintf(`<rect class="span" x="%s" y="%s" width="%s" height="%s" fill="#52c41a" data-recordings="%s"><title>%s</title></rect>`,
				num(x(sp.Start)), barY, num(x(sp.End)-x(sp.Start)), num(tlBar), esc(joinIDs(sp.RecordingIDs)), esc(title))
			if len(sp.RecordingIDs) > 0 {
				fmt.Fprintf(&b, `<a href="/recordings/%d">%s</a>`, sp.RecordingIDs[0], rect)
			} else {
				b.WriteString(rect)
			}
		}
		for _, ig := range byOfficer[oc.Officer] {
			g := ig.g
			cls, fill := "gap gap-open", "#ff4d4f"
			if g.Status == evidence.FindingExplained {
				cls, fill = "gap gap-explained", "#faad14"
			}
			extra := ""
			if l.Clickable {
				extra = ` tabindex="0" role="button" data-action="act-explain"`
			}
			title := fmt.Sprintf(l.Gap, g.Officer, g.Start.In(shanghai).Format("15:04:05"), g.End.In(shanghai).Format("15:04:05"),
				g.End.Sub(g.Start).Round(time.Second))
			fmt.Fprintf(&b, `<rect class="%s" x="%s" y="%s" width="%s" height="%s" fill="%s" data-officer="%s" data-start="%s" data-end="%s" data-index="%d"%s><title>%s</title></rect>`,
				cls, num(x(g.Start)), barY, num(math.Max(x(g.End)-x(g.Start), 1)), num(tlBar), fill, esc(g.Officer),
				g.Start.UTC().Format(time.RFC3339Nano), g.End.UTC().Format(time.RFC3339Nano), ig.i, extra, esc(title))
		}
		b.WriteString(`</g>`)
	}

	// The legend.
	ly := bottom + 14
	lx := tlLeft
	for _, it := range []struct{ cls, fill, text string }{{"legend-span", "#52c41a", l.Covered}, {"legend-open", "#ff4d4f", l.Open},
		{"legend-explained", "#faad14", l.Explained}, {"legend-track", "#f2f3f5", l.Uncovered}} {
		fmt.Fprintf(&b, `<rect class="%s" x="%s" y="%s" width="14" height="10" fill="%s"/>`, it.cls, num(lx), num(ly), it.fill)
		fmt.Fprintf(&b, `<text class="tl-legend" x="%s" y="%s" font-size="12" fill="#4e5969">%s</text>`, num(lx+20), num(ly+9), esc(it.text))
		lx += 40 + 13*float64(len([]rune(it.text)))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

func joinIDs(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(s, ",")
}

// ActScore formats a proposal's score in [0, 1] as a percentage.
func (p *page) ActScore(f float64) string { return fmt.Sprintf("%.0f%%", f*100) }

// cmpBool orders true before false.
func cmpBool(x, y bool) int {
	switch {
	case x == y:
		return 0
	case x:
		return 1
	}
	return -1
}
