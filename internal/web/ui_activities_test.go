package web

import (
	"encoding/csv"
	"encoding/xml"
	"fmt"
	"math"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"shilu/internal/compliance"
	"shilu/internal/evidence"
	"shilu/internal/locale"
)

// svgNode is any element of the timeline, parsed back for the test.
type svgNode struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Nodes   []svgNode  `xml:",any"`
	Text    string     `xml:",chardata"`
}

func (n svgNode) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func (n svgNode) num(t *testing.T, name string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(n.attr(name), 64)
	if err != nil {
		t.Fatalf("<%s class=%q> %s=%q: %v", n.XMLName.Local, n.attr("class"), name, n.attr(name), err)
	}
	return f
}

// title is the text of the element's <title> child.
func (n svgNode) title() string {
	for _, c := range n.Nodes {
		if c.XMLName.Local == "title" {
			return c.Text
		}
	}
	return ""
}

// find returns the elements, in document order, whose class list has cls.
func (n svgNode) find(cls string) []svgNode {
	var out []svgNode
	if slices.Contains(strings.Fields(n.attr("class")), cls) {
		out = append(out, n)
	}
	for _, c := range n.Nodes {
		out = append(out, c.find(cls)...)
	}
	return out
}

// R-ACT-4, R-ACT-6: the coverage picture puts spans and gaps where their
// times fall, colours gaps by explanation, labels the axis in Asia/Shanghai
// and escapes every text.
func TestCoverageTimeline(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	at := func(h, m int) time.Time { return time.Date(2026, 11, 26, h, m, 0, 0, cst) }
	type box struct {
		cls      string
		x, width float64
	}
	xOf := func(from, to, t time.Time) float64 {
		return tlLeft + tlPlot*float64(t.Sub(from))/float64(to.Sub(from))
	}
	labels := timelineLabels{Title: "时间轴", Covered: "已记录", Open: "待说明", Explained: "已说明", Uncovered: "未记录",
		Gap: "%s 中断 %s–%s（%s）", Span: "%s（%s–%s）", Clickable: true}
	for _, c := range []struct {
		name       string
		from, to   time.Time
		officers   []string
		segments   []compliance.Segment
		explained  map[string]bool // officer → the gap is explained
		names      map[int64]string
		wantBoxes  []box
		wantTicks  []string
		wantStarts []string // data-start of the gaps
	}{
		{
			name: "InnerGapOpen", from: at(9, 0), to: at(9, 10), officers: []string{"000123"},
			segments: []compliance.Segment{{RecordingID: 1, Officer: "000123", Start: at(9, 0), End: at(9, 4)}, {RecordingID: 2, Officer: "000123", Start: at(9, 5), End: at(9, 10)}},
			names:    map[int64]string{1: "A1.MP4", 2: "A2.MP4"},
			wantBoxes: []box{{"span", tlLeft, tlPlot * 0.4}, {"span", tlLeft + tlPlot*0.5, tlPlot * 0.5},
				{"gap-open", tlLeft + tlPlot*0.4, tlPlot * 0.1}},
			// Ten minutes: 2-minute ticks, in Beijing time (01:00 UTC).
			wantTicks:  []string{"09:00", "09:02", "09:04", "09:06", "09:08", "09:10"},
			wantStarts: []string{"2026-11-26T01:04:00Z"},
		},
		{
			name: "LeadingAndTrailingExplained", from: at(7, 30), to: at(8, 30), officers: []string{"000124"},
			segments:  []compliance.Segment{{RecordingID: 7, Officer: "000124", Start: at(7, 45), End: at(8, 15)}},
			explained: map[string]bool{"000124": true},
			wantBoxes: []box{{"span", xOf(at(7, 30), at(8, 30), at(7, 45)), tlPlot * 0.5},
				{"gap-explained", tlLeft, tlPlot * 0.25}, {"gap-explained", xOf(at(7, 30), at(8, 30), at(8, 15)), tlPlot * 0.25}},
			// 07:30 in Beijing is 23:30 the day before in UTC.
			wantTicks:  []string{"07:30", "07:40", "07:50", "08:00", "08:10", "08:20", "08:30"},
			wantStarts: []string{"2026-11-25T23:30:00Z", "2026-11-26T00:15:00Z"},
		},
		{
			name: "HourTicksTwoOfficers", from: at(8, 0), to: at(14, 0), officers: []string{"000123", "000124"},
			segments:   []compliance.Segment{{RecordingID: 3, Officer: "000123", Start: at(8, 0), End: at(14, 0)}},
			wantBoxes:  []box{{"span", tlLeft, tlPlot}, {"gap-open", tlLeft, tlPlot}},
			wantTicks:  []string{"08:00", "09:00", "10:00", "11:00", "12:00", "13:00", "14:00"},
			wantStarts: []string{"2026-11-26T00:00:00Z"},
		},
		{
			name: "TextEscaped", from: at(9, 0), to: at(9, 1), officers: []string{`<b>&"x"`},
			segments:   []compliance.Segment{{RecordingID: 5, Officer: `<b>&"x"`, Start: at(9, 0), End: at(9, 0).Add(30 * time.Second)}},
			names:      map[int64]string{5: `<script>alert(1)</script>.mp4`},
			wantBoxes:  []box{{"span", tlLeft, tlPlot / 2}, {"gap-open", tlLeft + tlPlot/2, tlPlot / 2}},
			wantTicks:  []string{"09:00:00", "09:00:10", "09:00:20", "09:00:30", "09:00:40", "09:00:50", "09:01:00"},
			wantStarts: []string{"2026-11-26T01:00:30Z"},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := evidence.Activity{ID: 1, Officers: c.officers, Arrival: c.from.UTC(), End: c.to.UTC()}
			rep := compliance.Coverage(a, c.segments, 10*time.Second)
			var gaps []interruptionView
			for _, g := range rep.Gaps() {
				st := evidence.FindingOpen
				if c.explained[g.Officer] {
					st = evidence.FindingExplained
				}
				gaps = append(gaps, interruptionView{Gap: g, Status: st})
			}
			out := string(coverageTimeline(rep, gaps, c.names, labels))
			var root svgNode
			if err := xml.Unmarshal([]byte(out), &root); err != nil {
				t.Fatalf("not well-formed: %v\n%s", err, out)
			}
			if root.XMLName.Local != "svg" || root.attr("id") != "coverage-timeline" {
				t.Fatalf("root <%s id=%q>", root.XMLName.Local, root.attr("id"))
			}
			var got []box
			for _, cls := range []string{"span", "gap-open", "gap-explained"} {
				for _, n := range root.find(cls) {
					got = append(got, box{cls, n.num(t, "x"), n.num(t, "width")})
				}
			}
			approx := cmp.Comparer(func(x, y float64) bool { return math.Abs(x-y) < 0.01 })
			if diff := cmp.Diff(c.wantBoxes, got, approx, cmp.AllowUnexported(box{})); diff != "" {
				t.Errorf("boxes (-want +got):\n%s", diff)
			}
			var ticks []string
			for _, n := range root.find("tl-tick-label") {
				ticks = append(ticks, n.Text)
			}
			if diff := cmp.Diff(c.wantTicks, ticks); diff != "" {
				t.Errorf("tick labels (-want +got):\n%s", diff)
			}
			// Each tick label stands where its time falls.
			for _, n := range root.find("tl-tick-label") {
				layout := "15:04"
				if len(n.Text) == 8 {
					layout = "15:04:05"
				}
				hm, _ := time.ParseInLocation(layout, n.Text, cst)
				tt := time.Date(2026, 11, 26, hm.Hour(), hm.Minute(), hm.Second(), 0, cst)
				if want := xOf(c.from, c.to, tt); math.Abs(n.num(t, "x")-want) > 0.01 {
					t.Errorf("tick %s at x=%v, want %v", n.Text, n.num(t, "x"), want)
				}
			}
			var starts []string
			for _, n := range root.find("gap") {
				starts = append(starts, n.attr("data-start"))
				if n.attr("data-action") != "act-explain" || n.attr("tabindex") != "0" {
					t.Errorf("gap %s is not a button for the explain dialog", n.attr("data-start"))
				}
				if !slices.Contains(c.officers, n.attr("data-officer")) {
					t.Errorf("gap data-officer %q", n.attr("data-officer"))
				}
			}
			if diff := cmp.Diff(c.wantStarts, starts); diff != "" {
				t.Errorf("gap starts (-want +got):\n%s", diff)
			}
			// Spans link to their first recording and name them all.
			for _, n := range root.find("span") {
				ids := strings.Split(n.attr("data-recordings"), ",")
				if name := c.names[mustInt(t, ids[0])]; name != "" && !strings.Contains(n.title(), name) {
					t.Errorf("span title %q does not name %q", n.title(), name)
				}
			}
			// One row label per officer, the text as given.
			var officers []string
			for _, n := range root.find("tl-officer") {
				officers = append(officers, n.Text)
			}
			if diff := cmp.Diff(c.officers, officers); diff != "" {
				t.Errorf("officer labels (-want +got):\n%s", diff)
			}
			for _, raw := range []string{"<script", "<b>", `&"x"`} {
				if strings.Contains(out, raw) {
					t.Errorf("unescaped %q in the SVG", raw)
				}
			}
		})
	}
	t.Run("NotClickableWithoutPermission", func(t *testing.T) {
		a := evidence.Activity{ID: 1, Officers: []string{"000123"}, Arrival: at(9, 0), End: at(9, 10)}
		rep := compliance.Coverage(a, nil, 10*time.Second)
		l := labels
		l.Clickable = false
		out := string(coverageTimeline(rep, []interruptionView{{Gap: rep.Gaps()[0], Status: evidence.FindingOpen}}, nil, l))
		if !strings.Contains(out, `class="gap gap-open"`) || strings.Contains(out, "data-action") {
			t.Errorf("a gap for a role that may not explain: %s", out)
		}
	})
}

func mustInt(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return n
}

var (
	gapRect     = regexp.MustCompile(`<rect class="gap (gap-open|gap-explained)"[^>]*data-officer="([^"]*)" data-start="([^"]*)"`)
	missingKey  = regexp.MustCompile(`>[a-z_]+\.[a-z_.]+<|<no value>|%!`) // a key shown as itself, an unset value, a text filled wrongly
	findingRowR = regexp.MustCompile(`<tr data-id="(\d+)" data-rule="coverage_gap" data-status="([a-z]+)"`)
)

// R-ACT-1, R-ACT-4, R-ACT-6, R-UPL-1: the activity pages render for every
// role that may list recordings, in both languages, and are refused to the
// others; the picture shows an interruption as open until it is explained
// through the API, then as explained, and the findings page follows.
func TestActivityPages(t *testing.T) {
	ts := newTestServer(t)
	arr := daysAgo(3)
	a1 := ts.addRecording(t, "DSJ0A12_000123_0001.MP4", "000123", "DSJ0A12", arr, arr.Add(10*time.Minute))
	a2 := ts.addRecording(t, "DSJ0A12_000123_0002.MP4", "000123", "DSJ0A12", arr.Add(10*time.Minute+40*time.Second), arr.Add(30*time.Minute))
	b := ts.addRecording(t, "DSJ0B34_000124_0001.MP4", "000124", "DSJ0B34", arr, arr.Add(30*time.Minute))
	var act evidence.Activity
	body := fmt.Sprintf(`{"type":"inspection","place":{"address":"丰南区<某>药房"},"officers":["000123","000124"],"devices":["DSJ0A12"],
		"arrival":%q,"end":%q,"notice_given":true,"case_number":"丰医保〔2026〕7号"}`, rfc(arr), rfc(arr.Add(30*time.Minute)))
	if code := ts.call(t, "POST", "/api/v1/activities", evidence.RoleOfficer, body, &act); code != 201 {
		t.Fatalf("create: %d", code)
	}
	path := fmt.Sprintf("/activities/%d", act.ID)

	// Before linking: the three recordings are proposed, with a checkbox
	// and the link button for those who may link.
	page := ts.page(t, evidence.RoleOfficer, path).Body.String()
	for _, id := range []int64{a1, a2, b} {
		if !strings.Contains(page, fmt.Sprintf(`<input type="checkbox" name="proposal" value="%d"`, id)) {
			t.Errorf("recording %d not proposed", id)
		}
	}
	if !strings.Contains(page, `id="link-selected"`) {
		t.Error("no link button for the officer")
	}
	if ts.call(t, "POST", "/api/v1"+path+"/recordings", evidence.RoleOfficer, fmt.Sprintf(`{"recording_ids":[%d,%d,%d]}`, a1, a2, b), nil) != 200 {
		t.Fatal("link")
	}

	listPaths := []string{"/activities", "/activities?officer=000123&type=inspection&from=" + arr.Format("2006-01-02") + "&to=" + arr.Format("2006-01-02"),
		path, "/findings", "/findings?status=open&rule=coverage_gap&officer=000123"}
	for _, p := range listPaths {
		for _, role := range evidence.Roles {
			w := ts.page(t, role, p)
			if !role.Can(evidence.PermRecordingsList) {
				if w.Code != http.StatusForbidden {
					t.Errorf("%s as %s: %d, want 403", p, role, w.Code)
				}
				continue
			}
			for _, l := range []string{"zh", "en"} {
				w := ts.page(t, role, p+map[bool]string{true: "&", false: "?"}[strings.Contains(p, "?")]+"lang="+l)
				body := w.Body.String()
				if w.Code != http.StatusOK {
					t.Fatalf("%s %s as %s: %d\n%s", l, p, role, w.Code, body)
				}
				if m := missingKey.FindString(body); m != "" {
					t.Errorf("%s %s as %s: missing message or value %q", l, p, role, m)
				}
				if strings.Contains(body, "<某>") {
					t.Errorf("%s %s: the address is not escaped", l, p)
				}
			}
		}
	}

	// The list: Beijing arrival time, the type in each language, the
	// coverage and the open findings of the row.
	zh := ts.page(t, evidence.RoleLeader, "/activities?lang=zh").Body.String()
	en := ts.page(t, evidence.RoleLeader, "/activities?lang=en").Body.String()
	if !strings.Contains(zh, arr.Format("2006-01-02")+" 09:00:00") || !strings.Contains(zh, "日常检查") || !strings.Contains(zh, `id="activities-table"`) {
		t.Error("zh list: no Beijing arrival time, type or table")
	}
	if !strings.Contains(en, "Routine inspection") || !strings.Contains(en, "New activity") {
		t.Error("en list: no English type or toolbar")
	}
	if !strings.Contains(zh, `data-col="coverage">98.9%`) {
		t.Errorf("list coverage: %s", regexp.MustCompile(`data-col="coverage">[^<]*`).FindString(zh))
	}
	if strings.Contains(ts.page(t, evidence.RoleStation, "/activities").Body.String(), `id="activity-new"`) {
		t.Error("the station, which may not create activities, has the new-activity button")
	}

	gapsOf := func(role evidence.Role) [][]string {
		t.Helper()
		var out [][]string
		for _, m := range gapRect.FindAllStringSubmatch(ts.page(t, role, path).Body.String(), -1) {
			out = append(out, m[1:])
		}
		return out
	}
	gapStart := arr.Add(10 * time.Minute).UTC().Format(time.RFC3339)
	if diff := cmp.Diff([][]string{{"gap-open", "000123", gapStart}}, gapsOf(evidence.RoleOfficer)); diff != "" {
		t.Fatalf("gaps before the explanation (-want +got):\n%s", diff)
	}
	page = ts.page(t, evidence.RoleOfficer, path).Body.String()
	for _, want := range []string{`id="notice-panel"`, `id="coverage-timeline"`, `class="span"`, `id="explain-dialog"`, `id="interruptions-table"`, `data-state="late"`} {
		if !strings.Contains(page, want) {
			t.Errorf("activity page lacks %s", want)
		}
	}
	// R-UPL-1: ingested three days after the deadline.
	if !strings.Contains(page, "迟交 3天") && !strings.Contains(page, "迟交 2天") {
		t.Errorf("upload status: %s", regexp.MustCompile(`data-state="late"><span[^>]*>[^<]*`).FindString(page))
	}
	findingStatus := func() string {
		t.Helper()
		m := findingRowR.FindStringSubmatch(ts.page(t, evidence.RoleLeader, "/findings?rule=coverage_gap").Body.String())
		if m == nil {
			t.Fatal("no coverage_gap row on the findings page")
		}
		return m[2]
	}
	if st := findingStatus(); st != "open" {
		t.Errorf("finding status %s before the explanation, want open", st)
	}

	// R-ACT-6: explained through the API, the gap turns explained.
	explain := fmt.Sprintf(`{"officer":"000123","start":%q,"end":%q,"cause":"battery_storage","note":"更换电池","voice_recording_id":%d,"voice_point_ms":5000}`,
		gapStart, rfc(arr.Add(10*time.Minute+40*time.Second)), a2)
	if code := ts.call(t, "POST", "/api/v1"+path+"/interruptions", evidence.RoleOfficer, explain, nil); code != 201 {
		t.Fatalf("explain: %d", code)
	}
	if diff := cmp.Diff([][]string{{"gap-explained", "000123", gapStart}}, gapsOf(evidence.RoleOfficer)); diff != "" {
		t.Errorf("gaps after the explanation (-want +got):\n%s", diff)
	}
	page = ts.page(t, evidence.RoleOfficer, path+"?lang=zh").Body.String()
	for _, want := range []string{"电量、存储空间不足", "更换电池", "0:05", `data-status="explained"`} {
		if !strings.Contains(page, want) {
			t.Errorf("activity page after the explanation lacks %q", want)
		}
	}
	if st := findingStatus(); st != "explained" {
		t.Errorf("finding status %s after the explanation, want explained", st)
	}
	// The leader may accept it, from either page; the officer may not.
	if body := ts.page(t, evidence.RoleLeader, "/findings").Body.String(); !strings.Contains(body, `data-action="act-accept"`) || !strings.Contains(body, `id="accept-dialog"`) {
		t.Error("findings page: no accept button or dialog for the leader")
	}
	if body := ts.page(t, evidence.RoleOfficer, "/findings").Body.String(); strings.Contains(body, `data-action="act-accept"`) {
		t.Error("findings page: accept button for the officer")
	}
	// R-ACT-2: a submitted exemption waits for the leader, who alone gets
	// the acknowledge button.
	if code := ts.call(t, "POST", "/api/v1"+path+"/exemptions", evidence.RoleOfficer, `{"category":"secret_privacy","reason":"涉及患者隐私","basis":"第七条第一项"}`, nil); code != 201 {
		t.Fatalf("exemption: %d", code)
	}
	if body := ts.page(t, evidence.RoleLeader, path).Body.String(); !strings.Contains(body, `data-action="act-acknowledge"`) || !strings.Contains(body, "涉及国家秘密、商业秘密或者个人隐私") {
		t.Error("activity page: no exemption or acknowledge button for the leader")
	}
	if body := ts.page(t, evidence.RoleOfficer, path).Body.String(); strings.Contains(body, `data-action="act-acknowledge"`) {
		t.Error("activity page: acknowledge button for the officer")
	}
	if w := ts.page(t, evidence.RoleOfficer, "/findings?status=bogus"); w.Code != http.StatusBadRequest {
		t.Errorf("bad status filter: %d", w.Code)
	}
	if w := ts.page(t, evidence.RoleOfficer, "/activities/999999"); w.Code != http.StatusNotFound {
		t.Errorf("missing activity: %d", w.Code)
	}
}

// Every rule of the compliance package is offered by the findings filter
// and named in both languages: a new rule must not show as its id.
func TestFindingRulesNamed(t *testing.T) {
	src, err := os.ReadFile("../compliance/compliance.go")
	if err != nil {
		t.Fatal(err)
	}
	rules := regexp.MustCompile(`(?m)^\s*Rule[A-Za-z]+\s*=\s*"([a-z_]+)"`).FindAllStringSubmatch(string(src), -1)
	if len(rules) < 10 {
		t.Fatalf("found %d rules in compliance.go: is the pattern out of date?", len(rules))
	}
	for _, m := range rules {
		if !slices.Contains(findingRules, m[1]) {
			t.Errorf("rule %s is not in findingRules", m[1])
		}
		for _, l := range []string{"zh", "en"} {
			if _, ok := locale.New(l).Lookup("act.rule." + m[1]); !ok {
				t.Errorf("no %s name for rule %s", l, m[1])
			}
		}
	}
}

// R-ACT-1, X-ACT-3: the activity page carries the correction dialog filled
// with the stored facts (Shanghai times in the inputs), shows 先行登记保存
// with its decision due, and lets people who record work unlink.
func TestActivityEditForm(t *testing.T) {
	ts := newTestServer(t)
	arr := time.Date(2026, 11, 26, 9, 0, 0, 0, shanghai)
	body := fmt.Sprintf(`{"type":"investigation","place":{"address":"丰南区<某>药房"},"officers":["000123","000124"],"arrival":%q,"end":%q,
		"work_mode":"continuous","return_at":%q,"preservation":{"approved_by":"刘洋","approved_at":%q}}`,
		rfc(arr), rfc(arr.Add(time.Hour)), rfc(arr.Add(30*time.Hour)), rfc(arr.Add(2*time.Hour)))
	var act evidence.Activity
	if code := ts.call(t, "POST", "/api/v1/activities", evidence.RoleOfficer, body, &act); code != 201 {
		t.Fatalf("create: %d", code)
	}
	if code := ts.call(t, "POST", fmt.Sprintf("/api/v1/activities/%d/recordings", act.ID), evidence.RoleOfficer, fmt.Sprintf(`{"recording_ids":[%d]}`, ts.recID), nil); code != 200 {
		t.Fatalf("link: %d", code)
	}
	page := ts.page(t, evidence.RoleOfficer, fmt.Sprintf("/activities/%d", act.ID)).Body.String()
	for _, want := range []string{
		fmt.Sprintf(`data-activity="%d"`, act.ID),
		`value="丰南区&lt;某&gt;药房"`,
		`value="000123、000124"`,
		`name="arrival" type="datetime-local" step="1" required value="2026-11-26T09:00:00"`,
		`value="2026-11-27T15:00:00"`, // the return, 30 h after the arrival
		`<option value="investigation" selected>`,
		`name="preserved" checked`,
		msg("zh", "act.preservation_due", "2026-12-03 11:00:00"),
		`data-action="act-unlink"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("activity page lacks %s", want)
		}
	}
	// A station may list, not record work: it sees neither.
	reader := ts.page(t, evidence.RoleStation, fmt.Sprintf("/activities/%d", act.ID))
	if reader.Code != 200 || strings.Contains(reader.Body.String(), `id="activity-form"`) || strings.Contains(reader.Body.String(), `data-action="act-unlink"`) {
		t.Errorf("a reader: status %d, or the correction dialog or the unlink button shown", reader.Code)
	}
}

// The activities list pages like the other lists (RuoYi layout): 20 rows a
// page, the total, and page links that keep the search.
func TestActivitiesPaged(t *testing.T) {
	ts := newTestServer(t)
	arr := time.Date(2026, 11, 2, 9, 0, 0, 0, shanghai)
	for i := range 25 {
		a := arr.Add(time.Duration(i) * time.Hour)
		body := fmt.Sprintf(`{"type":"service","place":{"address":"第%d处"},"officers":["000123"],"arrival":%q,"end":%q}`, i, rfc(a), rfc(a.Add(30*time.Minute)))
		if code := ts.call(t, "POST", "/api/v1/activities", evidence.RoleOfficer, body, nil); code != 201 {
			t.Fatalf("create %d: %d", i, code)
		}
	}
	rows := regexp.MustCompile(`<tr data-id="\d+">`)
	first := ts.page(t, evidence.RoleLeader, "/activities?officer=000123").Body.String()
	if n := len(rows.FindAllString(first, -1)); n != 20 {
		t.Errorf("page 1: %d rows, want 20", n)
	}
	if !strings.Contains(first, msg("zh", "list.total", 25)) || !strings.Contains(first, `href="/activities?officer=000123&amp;page=2" rel="next"`) {
		t.Errorf("page 1 lacks the total or a next link keeping the search")
	}
	second := ts.page(t, evidence.RoleLeader, "/activities?officer=000123&page=2").Body.String()
	if n := len(rows.FindAllString(second, -1)); n != 5 || !strings.Contains(second, "第0处") || strings.Contains(second, "第24处") {
		t.Errorf("page 2: %d rows, want the 5 oldest", n)
	}
}

// R-ACC-1, R-RPT-1: the findings list exports as CSV — every page of the
// selection, the page's filters kept, Chinese headings, a BOM for Excel —
// and the export is a custody entry.
func TestFindingsCSV(t *testing.T) {
	ts := newTestServer(t)
	arr := time.Date(2026, 11, 26, 9, 0, 0, 0, shanghai)
	for i := range pageSize + 5 {
		a := arr.Add(time.Duration(i) * time.Hour)
		// One officer on an inspection: too_few_officers (X-ACT-1).
		body := fmt.Sprintf(`{"type":"inspection","place":{"address":"丰南区某药房"},"officers":["000123"],"arrival":%q,"end":%q,"notice_given":true}`,
			rfc(a), rfc(a.Add(30*time.Minute)))
		if code := ts.call(t, "POST", "/api/v1/activities", evidence.RoleOfficer, body, nil); code != 201 {
			t.Fatalf("create %d: %d", i, code)
		}
	}
	page := ts.page(t, evidence.RoleLeader, "/findings?rule=too_few_officers").Body.String()
	if !strings.Contains(page, `href="/findings.csv?rule=too_few_officers"`) {
		t.Fatalf("the findings page has no export of its selection")
	}
	w := ts.page(t, evidence.RoleLeader, "/findings.csv?rule=too_few_officers")
	body := w.Body.String()
	if w.Code != 200 || !strings.HasPrefix(body, "\uFEFF") || !strings.Contains(w.Header().Get("Content-Disposition"), "findings.csv") {
		t.Fatalf("export: %d, BOM %v, %q", w.Code, strings.HasPrefix(body, "\uFEFF"), w.Header().Get("Content-Disposition"))
	}
	records, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != 1+pageSize+5 || records[0][1] != msg("zh", "act.rule") || records[1][1] != msg("zh", "act.rule.too_few_officers") {
		t.Errorf("%d records (want all %d findings and the heading), heading %v, first %v", len(records), pageSize+5, records[0], records[1])
	}
	if e := lastEntry(t, ts); e.Action != "findings.export" || e.Actor != "u-leader" || e.Details["rule"] != "too_few_officers" || e.Details["rows"] != strconv.Itoa(pageSize+5) {
		t.Errorf("custody entry %+v", e)
	}
}

// R-ACT-2 (Art. 7): a leader finds the exemptions waiting for them on
// their to-do page (待我审批) beside the access requests, one click from
// acknowledging; once acknowledged they leave the list.
func TestApprovalsListExemptions(t *testing.T) {
	ts := newTestServer(t)
	arr := daysAgo(2)
	body := fmt.Sprintf(`{"type":"service","place":{"address":"丰南区某卫生站"},"officers":["000124"],"arrival":%q,"end":%q}`, rfc(arr), rfc(arr.Add(time.Hour)))
	var act evidence.Activity
	if code := ts.call(t, "POST", "/api/v1/activities", evidence.RoleOfficer, body, &act); code != 201 {
		t.Fatalf("create: %d", code)
	}
	var ex evidence.Exemption
	if code := ts.call(t, "POST", fmt.Sprintf("/api/v1/activities/%d/exemptions", act.ID), evidence.RoleOfficer,
		`{"category":"objective","reason":"记录仪进水损坏","basis":"第七条第三项"}`, &ex); code != 201 {
		t.Fatalf("exemption: %d", code)
	}
	page := ts.page(t, evidence.RoleLeader, "/approvals").Body.String()
	button := fmt.Sprintf(`data-action="act-acknowledge" data-id="%d"`, ex.ID)
	if !strings.Contains(page, button) || !strings.Contains(page, fmt.Sprintf(`href="/activities/%d"`, act.ID)) || !strings.Contains(page, "记录仪进水损坏") {
		t.Fatalf("the leader's approvals page does not list the exemption")
	}
	if code := ts.call(t, "POST", fmt.Sprintf("/api/v1/exemptions/%d/acknowledge", ex.ID), evidence.RoleLeader, "", nil); code != 200 {
		t.Fatalf("acknowledge: %d", code)
	}
	if page := ts.page(t, evidence.RoleLeader, "/approvals").Body.String(); strings.Contains(page, button) || !strings.Contains(page, msg("zh", "appr.exemptions_empty")) {
		t.Errorf("an acknowledged exemption is still listed")
	}
}
