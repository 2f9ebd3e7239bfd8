package ui

import (
	"encoding/xml"
	"math"
	"os"
	"regexp"
	"shilu/internal/app"
	"shilu/internal/compliance"
	"shilu/internal/evidence"
	"shilu/internal/locale"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

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
			var gaps []app.InterruptionView
			for _, g := range rep.Gaps() {
				st := evidence.FindingOpen
				if c.explained[g.Officer] {
					st = evidence.FindingExplained
				}
				gaps = append(gaps, app.InterruptionView{Gap: g, Status: st})
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
		out := string(coverageTimeline(rep, []app.InterruptionView{{Gap: rep.Gaps()[0], Status: evidence.FindingOpen}}, nil, l))
		if !strings.Contains(out, `class="gap gap-open"`) || strings.Contains(out, "data-action") {
			t.Errorf("a gap for a role that may not explain: %s", out)
		}
	})
	// Issue 8: the rows name their officers by name and number.
	t.Run("RowsNameOfficers", func(t *testing.T) {
		a := evidence.Activity{ID: 1, Officers: []string{"000123"}, Arrival: at(9, 0), End: at(9, 10)}
		l := labels
		l.Officer = func(no string) string { return "张伟（" + no + "）" }
		if out := string(coverageTimeline(compliance.Coverage(a, nil, 10*time.Second), nil, nil, l)); !strings.Contains(out, ">张伟（000123）</text>") {
			t.Errorf("row label: %s", out)
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

// Every rule of the compliance package is offered by the findings filter
// and named in both languages: a new rule must not show as its id.
func TestFindingRulesNamed(t *testing.T) {
	src, err := os.ReadFile("../../compliance/compliance.go")
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
