package chart

import (
	"encoding/xml"
	"errors"
	"fmt"
	"html/template"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// node is a parsed SVG element, enough to check the geometry and texts.
type node struct {
	Name  string
	Attr  map[string]string
	Text  string
	Kids  []*node
	Title string // the text of a <title> child
}

// parse reads the SVG as XML: the output must be well formed, which also
// proves that no label broke out of its element.
func parse(t *testing.T, h template.HTML) *node {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(string(h)))
	var stack []*node
	var root *node
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed SVG: %v\n%s", err, h)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			n := &node{Name: tok.Name.Local, Attr: map[string]string{}}
			for _, a := range tok.Attr {
				n.Attr[a.Name.Local] = a.Value
			}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.Kids = append(p.Kids, n)
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			n := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if n.Name == "title" && len(stack) > 0 {
				stack[len(stack)-1].Title = n.Text
			}
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].Text += string(tok)
			}
		}
	}
	if root == nil || root.Name != "svg" {
		t.Fatalf("no svg root:\n%s", h)
	}
	return root
}

// all returns the elements under n (n included) for which keep is true.
func (n *node) all(keep func(*node) bool) []*node {
	var out []*node
	if keep(n) {
		out = append(out, n)
	}
	for _, k := range n.Kids {
		out = append(out, k.all(keep)...)
	}
	return out
}

func hasClass(class string) func(*node) bool {
	return func(n *node) bool {
		for _, c := range strings.Fields(n.Attr["class"]) {
			if c == class {
				return true
			}
		}
		return false
	}
}

func attrs(t *testing.T, ns []*node, name string) []float64 {
	t.Helper()
	var out []float64
	for _, n := range ns {
		v, err := strconv.ParseFloat(n.Attr[name], 64)
		if err != nil {
			t.Fatalf("%s=%q: %v", name, n.Attr[name], err)
		}
		out = append(out, v)
	}
	return out
}

// checkAccessible holds for every chart: role="img", an accessible name,
// and no style attribute (the CSP allows style sheets only).
func checkAccessible(t *testing.T, h template.HTML, label string) *node {
	t.Helper()
	root := parse(t, h)
	if root.Attr["role"] != "img" || root.Attr["aria-label"] != label || root.Title != label {
		t.Errorf("root: role=%q aria-label=%q title=%q, want img and %q", root.Attr["role"], root.Attr["aria-label"], root.Title, label)
	}
	if strings.Contains(string(h), "style=") || strings.Contains(string(h), "<style") {
		t.Error("inline style in the SVG; the CSP forbids it")
	}
	return root
}

// R-RPT-1: a bar's length is its value's share of the scale, the scale is
// Max or else the largest value, and values that cannot be drawn are 0.
func TestHBarLengths(t *testing.T) {
	for _, c := range []struct {
		name   string
		max    float64
		values []float64
		want   []float64
	}{
		{"PercentScale", 100, []float64{100, 50, 0, 97.8}, []float64{250, 125, 0, 244.5}},
		{"LargestIsFull", 0, []float64{4, 2, 1}, []float64{250, 125, 62.5}},
		{"AboveMaxIsFull", 100, []float64{150}, []float64{250}},
		{"AllZero", 0, []float64{0, 0}, []float64{0, 0}},
		{"NegativeNaNInf", 0, []float64{-5, math.NaN(), math.Inf(1), 10}, []float64{0, 0, 0, 250}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var bars []Bar
			for i, v := range c.values {
				bars = append(bars, Bar{Label: "g" + strconv.Itoa(i), Value: v, Class: "ok"})
			}
			h := HBar(Bars{Label: "录制率", Unit: "%", Max: c.max, Bars: bars})
			root := checkAccessible(t, h, "录制率")
			got := attrs(t, root.all(hasClass("bar")), "width")
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("widths (-want +got):\n%s", diff)
			}
			rows := root.all(hasClass("row"))
			if len(rows) != len(c.values) {
				t.Fatalf("%d rows, want %d", len(rows), len(c.values))
			}
			// Every bar says what it shows when hovered.
			if rows[0].Title != "g0: "+format(clean(c.values[0]))+"%" {
				t.Errorf("title %q", rows[0].Title)
			}
		})
	}
}

// R-RPT-1: the value shown is the caller's text when given, and the bar
// carries the caller's status class.
func TestHBarTextAndClass(t *testing.T) {
	h := HBar(Bars{Label: "x", Max: 100, Bars: []Bar{{Label: "000123", Value: 75, Text: "75.0% (3/4)", Class: "danger"}}})
	root := parse(t, h)
	bar := root.all(hasClass("bar"))[0]
	if bar.Attr["class"] != "bar danger" {
		t.Errorf("class %q", bar.Attr["class"])
	}
	if v := root.all(hasClass("value"))[0].Text; v != "75.0% (3/4)" {
		t.Errorf("value %q", v)
	}
	// A class cannot close the attribute.
	h = HBar(Bars{Label: "x", Bars: []Bar{{Label: "a", Value: 1, Class: `ok" onclick="x`}}})
	if c := parse(t, h).all(hasClass("bar"))[0].Attr; c["onclick"] != "" || c["class"] != "bar ok onclickx" {
		t.Errorf("class attribute escaped its quotes: %v", c)
	}
}

// Empty input gives a small chart that says so, not an empty or broken
// element.
func TestEmpty(t *testing.T) {
	for name, h := range map[string]template.HTML{
		"HBar":    HBar(Bars{Label: "l", Empty: "暂无数据"}),
		"Columns": Columns(Bars{Label: "l", Empty: "暂无数据"}),
		"Stacked": Stacked(Stacks{Label: "l", Empty: "暂无数据", Series: []Series{{"a", "a"}}}),
	} {
		t.Run(name, func(t *testing.T) {
			root := checkAccessible(t, h, "l")
			if e := root.all(hasClass("empty")); len(e) != 1 || e[0].Text != "暂无数据" {
				t.Errorf("no empty message:\n%s", h)
			}
			if len(root.all(hasClass("bar"))) != 0 || len(root.all(hasClass("seg"))) != 0 {
				t.Error("bars in an empty chart")
			}
		})
	}
}

// Labels come from user data (officer numbers, department names): hostile
// ones stay text everywhere they appear.
func TestHostileLabelsAreEscaped(t *testing.T) {
	evil := `<script>alert("x")</script>&"'` + "\x00\x1b"
	want := `<script>alert("x")</script>&"'`
	for name, h := range map[string]template.HTML{
		"HBar":    HBar(Bars{Label: evil, Bars: []Bar{{Label: evil, Value: 1, Text: evil}}}),
		"Columns": Columns(Bars{Label: evil, Bars: []Bar{{Label: evil, Value: 1, Text: evil}}}),
		"Stacked": Stacked(Stacks{Label: evil, Series: []Series{{Name: evil, Class: "a"}}, Stacks: []Stack{{Label: evil, Values: []float64{1}, Text: evil}}}),
		"Empty":   HBar(Bars{Label: evil, Empty: evil}),
	} {
		t.Run(name, func(t *testing.T) {
			if strings.Contains(string(h), "<script") || strings.Contains(string(h), "\x00") {
				t.Fatalf("raw markup or control character in output:\n%s", h)
			}
			root := checkAccessible(t, h, want)
			texts := root.all(func(n *node) bool { return n.Name == "text" || n.Name == "title" })
			found := false
			for _, n := range texts {
				found = found || strings.Contains(n.Text, want)
			}
			if !found {
				t.Errorf("the label does not read back as text:\n%s", h)
			}
		})
	}
}

// Long labels are cut for the axis and kept whole in the title.
func TestLongLabelsTruncated(t *testing.T) {
	long := "唐山市丰南区市场监督管理局综合行政执法大队第三中队"
	root := parse(t, HBar(Bars{Label: "x", Bars: []Bar{{Label: long, Value: 1}}}))
	lbl := root.all(hasClass("label"))[0].Text
	if !strings.HasSuffix(lbl, "…") || width16(lbl) > labelRoom || !strings.HasPrefix(long, strings.TrimSuffix(lbl, "…")) {
		t.Errorf("label %q (width %d)", lbl, width16(lbl))
	}
	if title := root.all(hasClass("row"))[0].Title; !strings.HasPrefix(title, long+":") {
		t.Errorf("title %q lost the full label", title)
	}
	if got := truncate("000123", labelRoom); got != "000123" {
		t.Errorf("short label changed: %q", got)
	}
}

// R-RPT-1: stacked rows are as long as their sum against the largest sum,
// each segment its value's share; zero segments are left out.
func TestStackedLengths(t *testing.T) {
	h := Stacked(Stacks{Label: "中断", Series: []Series{{"已说明", "explained"}, {"未说明", "open"}},
		Stacks: []Stack{{Label: "000123", Values: []float64{3, 1}}, {Label: "000124", Values: []float64{0, 2}, Text: "0/2"}, {Label: "000125", Values: []float64{0, 0}}}})
	root := checkAccessible(t, h, "中断")
	rows := root.all(hasClass("row"))
	if len(rows) != 3 {
		t.Fatalf("%d rows", len(rows))
	}
	type seg struct {
		Class string
		X, W  float64
		Title string
	}
	var got [][]seg
	for _, r := range rows {
		var segs []seg
		for _, n := range r.all(hasClass("seg")) {
			x, _ := strconv.ParseFloat(n.Attr["x"], 64)
			w, _ := strconv.ParseFloat(n.Attr["width"], 64)
			segs = append(segs, seg{n.Attr["class"], x, w, n.Title})
		}
		got = append(got, segs)
	}
	want := [][]seg{
		{{"seg explained", 150, 187.5, "000123 · 已说明: 3"}, {"seg open", 337.5, 62.5, "000123 · 未说明: 1"}},
		{{"seg open", 150, 125, "000124 · 未说明: 2"}},
		nil,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("segments (-want +got):\n%s", diff)
	}
	if v := rows[1].all(hasClass("value"))[0].Text; v != "0/2" {
		t.Errorf("row text %q", v)
	}
	if v := rows[0].all(hasClass("value"))[0].Text; v != "4" {
		t.Errorf("default row text %q, want the sum", v)
	}
	legend := root.all(hasClass("legend-text"))
	if len(legend) != 2 || legend[0].Text != "已说明" || legend[1].Text != "未说明" {
		t.Errorf("legend %+v", legend)
	}
}

// R-RPT-1: columns rise from one baseline with heights proportional to
// their values; with many columns only some labels show, every column
// keeps its title.
func TestColumns(t *testing.T) {
	h := Columns(Bars{Label: "按日", Unit: "%", Max: 100, Bars: []Bar{{Label: "11-01", Value: 100}, {Label: "11-02", Value: 25}, {Label: "11-03", Value: 0},
		{Label: "11-04", NoData: true, Text: "—"}}})
	root := checkAccessible(t, h, "按日")
	bars := root.all(hasClass("bar"))
	hs := attrs(t, bars, "height")
	// A zero is a sliver; a period without data has no bar at all.
	if diff := cmp.Diff([]float64{160, 40, colMinH}, hs); diff != "" {
		t.Errorf("heights (-want +got):\n%s", diff)
	}
	ys := attrs(t, bars, "y")
	for i := range ys {
		if ys[i]+hs[i] != colTop+colPlotH {
			t.Errorf("column %d does not stand on the baseline: y=%v h=%v", i, ys[i], hs[i])
		}
	}
	if cols := root.all(hasClass("column")); len(cols) != 4 || cols[1].Title != "11-02: 25%" || cols[3].Title != "11-04: —" {
		t.Errorf("columns %d, titles %q %q", len(cols), cols[1].Title, cols[3].Title)
	}

	// A month of dates: the labels under the columns keep apart, and the
	// short form is used when given.
	var days []Bar
	for d := 1; d <= 31; d++ {
		days = append(days, Bar{Label: fmt.Sprintf("2026-10-%02d", d), Value: 1})
	}
	for _, short := range []bool{false, true} {
		bars := slices.Clone(days)
		if short {
			for i := range bars {
				bars[i].Short = bars[i].Label[5:]
			}
		}
		root := parse(t, Columns(Bars{Label: "x", Bars: bars}))
		labels := root.all(hasClass("label"))
		xs := attrs(t, labels, "x")
		for i := 1; i < len(xs); i++ {
			if gap, need := xs[i]-xs[i-1], float64(width16(labels[i].Text)*7); gap < need {
				t.Errorf("short=%v: labels %q and %q overlap (%v apart, %v wide)", short, labels[i-1].Text, labels[i].Text, gap, need)
			}
		}
		if short && (len(labels) < 8 || labels[0].Text != "10-01") {
			t.Errorf("short labels: %d, first %q", len(labels), labels[0].Text)
		}
		if !short && len(labels) < 4 {
			t.Errorf("only %d full date labels for a month", len(labels))
		}
	}

	var many []Bar
	for i := range 60 {
		many = append(many, Bar{Label: strconv.Itoa(i), Value: float64(i)})
	}
	root = parse(t, Columns(Bars{Label: "x", Bars: many}))
	if n := len(root.all(hasClass("label"))); n > colLabels || n < colLabels/2 {
		t.Errorf("%d labels for 60 columns, want at most %d", n, colLabels)
	}
	if n := len(root.all(hasClass("column"))); n != 60 {
		t.Errorf("%d columns", n)
	}
	if n := len(root.all(hasClass("value"))); n != 0 {
		t.Errorf("%d value texts crowd 60 columns", n)
	}
	w := attrs(t, root.all(hasClass("bar")), "width")[0]
	if w <= 0 || w*60 > columnPlot {
		t.Errorf("column width %v does not fit 60 columns", w)
	}
}

// The same input gives the same bytes: pages and tests can compare them.
func TestStableOutput(t *testing.T) {
	in := Bars{Label: "录制率", Unit: "%", Max: 100, Bars: []Bar{{Label: "b", Value: 33.333333}, {Label: "a", Value: 66.666667, Class: "warning"}}}
	first := HBar(in)
	for range 5 {
		if again := HBar(in); again != first {
			t.Fatalf("output changed between runs:\n%s\n%s", first, again)
		}
	}
	// Coordinates are rounded, so float noise cannot reach the output.
	if !strings.Contains(string(first), `width="83.33"`) || !strings.Contains(string(first), ">33.3%<") {
		t.Errorf("rounding:\n%s", first)
	}
}

// R-RPT-1 (issue 8): chart labels are at least 12 px. Every chart says its text size
// on its root (FontSize user units, no text smaller) and is Width units
// wide, the width the dashboard's grid never goes under (ui's
// TestChartsNeverShrink), so a unit is at least a pixel on screen. The
// labels fit their room at that size: a label of labelRoom half-width
// characters, about 0.55 em each (digits; a CJK character is two), within
// the label column.
func TestLabelSize(t *testing.T) {
	bars := Bars{Label: "录制率", Unit: "%", Bars: []Bar{{Label: "000123 张伟", Value: 50}, {Label: "2026-W49", Short: "W49", Value: 10}}}
	for _, c := range []struct {
		name string
		svg  template.HTML
	}{
		{"HBar", HBar(bars)},
		{"Columns", Columns(bars)},
		{"Stacked", Stacked(Stacks{Label: "中断", Series: []Series{{Name: "已说明"}, {Name: "未说明"}}, Stacks: []Stack{{Label: "000123", Values: []float64{1, 2}}}})},
		{"Empty", HBar(Bars{Label: "录制率", Empty: "无数据"})},
	} {
		t.Run(c.name, func(t *testing.T) {
			root := parse(t, c.svg)
			if fs, _ := strconv.Atoi(root.Attr["font-size"]); fs < 12 || fs != FontSize {
				t.Errorf("root font-size %q, want %d (≥ 12)", root.Attr["font-size"], FontSize)
			}
			if root.Attr["viewBox"] != fmt.Sprintf("0 0 %d %s", Width, root.Attr["height"]) || root.Attr["width"] != strconv.Itoa(Width) {
				t.Errorf("viewBox %q width %q, want %d units wide", root.Attr["viewBox"], root.Attr["width"], Width)
			}
			texts := root.all(func(n *node) bool { return n.Name == "text" })
			if len(texts) == 0 {
				t.Fatal("no texts")
			}
			for _, n := range texts {
				if fs, ok := n.Attr["font-size"]; ok {
					if v, _ := strconv.ParseFloat(fs, 64); v < 12 {
						t.Errorf("text %q at font-size %s", n.Text, fs)
					}
				}
			}
		})
	}
	if room := float64(labelRoom) * 0.55 * FontSize; room > labelW-8 {
		t.Errorf("a label of %d half-width characters needs %.0f units, the column has %d", labelRoom, room, labelW-8)
	}
}
