// Package chart renders small bar charts as SVG on the server. The
// workbench runs on an intranet under a strict content security policy
// (no CDN, no inline styles, no chart library), so charts are markup: each
// bar carries a <title> for hover and screen readers, the chart a
// role="img" with an accessible name, and colours come from CSS classes.
//
// The functions are pure: the same input gives the same bytes, and every
// text is escaped, so labels taken from user data cannot inject markup.
package chart

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Bar is one value of a bar or column chart.
type Bar struct {
	Label string
	Value float64
	// Text is the value as shown beside the bar and in its title; empty
	// means Value followed by the chart's Unit.
	Text string
	// Class is added to the bar's class list ("bar <Class>"), to colour it
	// by status.
	Class string
	// Short is the label under a column when Label is too long for the
	// axis (a date without its year); empty means Label.
	Short string
	// NoData marks a group without a value, such as a period without
	// activities: a column leaves its slot empty (only the title says
	// so), which is not the same as a value of zero.
	NoData bool
}

// Bars is a bar chart: horizontal (HBar) or vertical (Columns).
type Bars struct {
	Label string // the accessible name of the chart
	Unit  string // appended to values shown without a Text, e.g. "%"
	// Max is the value of a full-length bar; 0 means the largest value.
	// Values above Max are drawn full length.
	Max   float64
	Empty string // shown when there are no bars
	Bars  []Bar
}

// Series is one layer of a stacked chart.
type Series struct {
	Name  string
	Class string // CSS class of the layer's segments and legend swatch
}

// Stack is one row of a stacked chart: a value per series, in order.
type Stack struct {
	Label  string
	Values []float64
	Text   string // shown beside the row; empty means the sum
}

// Stacks is a horizontal stacked bar chart; the longest row is full length.
type Stacks struct {
	Label  string
	Empty  string
	Series []Series
	Stacks []Stack
}

// Width is every chart's width in SVG user units, and FontSize the size
// of its texts in the same units. A page must give a chart at least Width
// pixels (the dashboard's grid does, dashboard.css) so that it is never
// scaled down: then its labels are FontSize pixels or more on screen
// (issue 8: chart labels of 12 px at 1366×768 and 1920×1080). The size is
// an attribute of the root, not left to the style sheet, so that the
// chart's markup carries it.
const (
	Width    = 480
	FontSize = 12
)

// Geometry of the horizontal charts, in SVG user units (pixels at 100%).
const (
	width     = Width
	labelW    = 150 // left column for the group labels
	valueW    = 80  // right column for the values
	barMax    = width - labelW - valueW
	rowH      = 26
	barH      = 16
	legendH   = 24
	emptyH    = 40
	labelRoom = 21 // label width in half-width characters before truncation
)

// Geometry of the column chart.
const (
	colPlotH   = 160
	colTop     = 20 // room for the value above the highest column
	colMinH    = 2  // a zero is a measurement, drawn as a sliver unlike NoData
	colBottom  = 30 // room for the period labels
	colLeft    = 8
	colMaxW    = 40
	colLabels  = 12 // at most this many period labels; others are skipped
	colValues  = 16 // above this many columns, values are left to the titles
	columnsH   = colTop + colPlotH + colBottom
	columnPlot = width - 2*colLeft
)

// HBar renders c as horizontal bars, one row per bar, labels on the left
// and values on the right.
func HBar(c Bars) template.HTML {
	if len(c.Bars) == 0 {
		return empty(c.Label, c.Empty)
	}
	max := scaleMax(c.Max, c.Bars)
	var b strings.Builder
	h := len(c.Bars)*rowH + 8
	open(&b, "chart chart-hbar", c.Label, h)
	for i, bar := range c.Bars {
		v := clean(bar.Value)
		text := valueText(bar, c.Unit)
		y := 4 + i*rowH
		fmt.Fprintf(&b, `<g class="row"><title>%s: %s</title>`, esc(bar.Label), esc(text))
		label(&b, bar.Label, y)
		fmt.Fprintf(&b, `<rect class="track" x="%d" y="%d" width="%d" height="%d" rx="2"></rect>`, labelW, y+(rowH-barH)/2, barMax, barH)
		fmt.Fprintf(&b, `<rect class="%s" x="%d" y="%d" width="%s" height="%d" rx="2"></rect>`, classes("bar", bar.Class), labelW, y+(rowH-barH)/2, num(length(v, max, barMax)), barH)
		fmt.Fprintf(&b, `<text class="value" x="%d" y="%d">%s</text></g>`, labelW+barMax+6, y+rowH/2+4, esc(text))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// Columns renders c as vertical columns in order, for values over periods.
// With many columns only some labels are shown, spaced so that they do not
// overlap; every column keeps its title. A zero is drawn as a sliver on the
// baseline so that it differs from a bar marked NoData.
func Columns(c Bars) template.HTML {
	n := len(c.Bars)
	if n == 0 {
		return empty(c.Label, c.Empty)
	}
	top := scaleMax(c.Max, c.Bars)
	slot := float64(columnPlot) / float64(n)
	colW := math.Min(slot*0.7, colMaxW)
	// Labels must not overlap: skip enough of them for the longest to fit.
	longest := 0
	for _, bar := range c.Bars {
		longest = max(longest, width16(axisLabel(bar)))
	}
	every := max((n+colLabels-1)/colLabels, int(math.Ceil(float64(longest*7+6)/slot)))
	var b strings.Builder
	open(&b, "chart chart-columns", c.Label, columnsH)
	base := colTop + colPlotH
	// The full-scale line gives the columns a reference without an axis.
	fmt.Fprintf(&b, `<line class="grid" x1="%d" y1="%d" x2="%d" y2="%d"></line>`, colLeft, colTop, width-colLeft, colTop)
	fmt.Fprintf(&b, `<line class="axis" x1="%d" y1="%d" x2="%d" y2="%d"></line>`, colLeft, base, width-colLeft, base)
	for i, bar := range c.Bars {
		text := valueText(bar, c.Unit)
		mid := colLeft + slot*float64(i) + slot/2
		fmt.Fprintf(&b, `<g class="column"><title>%s: %s</title>`, esc(bar.Label), esc(text))
		if !bar.NoData {
			hgt := math.Max(length(clean(bar.Value), top, colPlotH), colMinH)
			x := colLeft + slot*float64(i) + (slot-colW)/2
			fmt.Fprintf(&b, `<rect class="%s" x="%s" y="%s" width="%s" height="%s"></rect>`, classes("bar", bar.Class), num(x), num(float64(base)-hgt), num(colW), num(hgt))
			if n <= colValues {
				fmt.Fprintf(&b, `<text class="value" x="%s" y="%s" text-anchor="middle">%s</text>`, num(mid), num(float64(base)-hgt-4), esc(text))
			}
		}
		if i%every == 0 {
			fmt.Fprintf(&b, `<text class="label" x="%s" y="%d" text-anchor="middle">%s</text>`, num(mid), base+18, esc(axisLabel(bar)))
		}
		b.WriteString(`</g>`)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// Stacked renders c as horizontal stacked bars with a legend below; a
// row's length is its sum against the largest sum.
func Stacked(c Stacks) template.HTML {
	if len(c.Stacks) == 0 {
		return empty(c.Label, c.Empty)
	}
	sums := make([]float64, len(c.Stacks))
	var max float64
	for i, s := range c.Stacks {
		for _, v := range s.Values {
			sums[i] += clean(v)
		}
		max = math.Max(max, sums[i])
	}
	var b strings.Builder
	h := len(c.Stacks)*rowH + 8 + legendH
	open(&b, "chart chart-stacked", c.Label, h)
	for i, s := range c.Stacks {
		y := 4 + i*rowH
		text := s.Text
		if text == "" {
			text = format(sums[i])
		}
		fmt.Fprintf(&b, `<g class="row"><title>%s: %s</title>`, esc(s.Label), esc(text))
		label(&b, s.Label, y)
		fmt.Fprintf(&b, `<rect class="track" x="%d" y="%d" width="%d" height="%d" rx="2"></rect>`, labelW, y+(rowH-barH)/2, barMax, barH)
		x := float64(labelW)
		for j, v := range s.Values {
			if j >= len(c.Series) {
				break // a value without a series has no name to show
			}
			w := length(clean(v), max, barMax)
			if w == 0 {
				continue
			}
			fmt.Fprintf(&b, `<rect class="%s" x="%s" y="%d" width="%s" height="%d"><title>%s · %s: %s</title></rect>`,
				classes("seg", c.Series[j].Class), num(x), y+(rowH-barH)/2, num(w), barH, esc(s.Label), esc(c.Series[j].Name), esc(format(clean(v))))
			x += w
		}
		fmt.Fprintf(&b, `<text class="value" x="%d" y="%d">%s</text></g>`, labelW+barMax+6, y+rowH/2+4, esc(text))
	}
	y := len(c.Stacks)*rowH + 8
	x := labelW
	for _, s := range c.Series {
		fmt.Fprintf(&b, `<g class="legend"><rect class="%s" x="%d" y="%d" width="12" height="12" rx="2"></rect><text class="legend-text" x="%d" y="%d">%s</text></g>`,
			classes("seg", s.Class), x, y+4, x+16, y+14, esc(s.Name))
		x += 16 + 12*width16(s.Name)/2 + 20
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// open writes the root element with the chart's accessible name, both as
// aria-label and as the <title> that browsers show and some readers prefer.
func open(b *strings.Builder, class, label string, h int) {
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" class="%s" viewBox="0 0 %d %d" width="%d" height="%d" font-size="%d" role="img" aria-label="%s"><title>%s</title>`,
		class, width, h, width, h, FontSize, esc(label), esc(label))
}

func empty(label, text string) template.HTML {
	var b strings.Builder
	open(&b, "chart chart-empty", label, emptyH)
	fmt.Fprintf(&b, `<text class="empty" x="%d" y="%d" text-anchor="middle">%s</text></svg>`, width/2, emptyH/2+5, esc(text))
	return template.HTML(b.String())
}

func label(b *strings.Builder, s string, y int) {
	fmt.Fprintf(b, `<text class="label" x="%d" y="%d" text-anchor="end">%s</text>`, labelW-8, y+rowH/2+4, esc(truncate(s, labelRoom)))
}

// scaleMax is the value of a full bar: the chart's Max, or the largest
// value when Max is not set.
func scaleMax(max float64, bars []Bar) float64 {
	if m := clean(max); m > 0 {
		return m
	}
	var m float64
	for _, b := range bars {
		m = math.Max(m, clean(b.Value))
	}
	return m
}

// length is v's share of full, v clamped to [0, max]; 0 when max is 0.
func length(v, max float64, full int) float64 {
	if max <= 0 {
		return 0
	}
	return math.Min(v, max) / max * float64(full)
}

// clean maps values that cannot be drawn (negative, NaN, infinite) to 0.
func clean(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return 0
	}
	return v
}

// axisLabel is the text under a column, cut to what a column label can
// hold.
func axisLabel(b Bar) string {
	l := b.Short
	if l == "" {
		l = b.Label
	}
	return truncate(l, 12)
}

func valueText(b Bar, unit string) string {
	if b.Text != "" {
		return b.Text
	}
	return format(clean(b.Value)) + unit
}

// format shows whole numbers without decimals and others with one.
func format(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

// num formats a coordinate with at most two decimals, so that output does
// not depend on float noise in the last digits.
func num(v float64) string {
	s := strconv.FormatFloat(v, 'f', 2, 64)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// classes joins a base class and the caller's; characters that could end
// the attribute are dropped (classes come from code, but cheaply so).
func classes(base, extra string) string {
	extra = strings.TrimSpace(strings.Map(func(r rune) rune {
		if r == '-' || r == '_' || r == ' ' || unicode.IsLetter(r) || unicode.IsDigit(r) {
			return r
		}
		return -1
	}, extra))
	if extra == "" {
		return base
	}
	return base + " " + extra
}

// esc makes s safe as SVG text or attribute value inside HTML: control
// characters and broken UTF-8 are dropped, markup characters escaped.
func esc(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == utf8.RuneError || unicode.IsControl(r) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, ""))
	return html.EscapeString(s)
}

// truncate shortens s to room half-width characters (a CJK character
// counts two), ending with "…" when it cut; the full text stays in the
// title.
func truncate(s string, room int) string {
	if width16(s) <= room {
		return s
	}
	used := 0
	for i, r := range s {
		w := runeWidth(r)
		if used+w > room-1 {
			return s[:i] + "…"
		}
		used += w
	}
	return s
}

func width16(s string) int {
	n := 0
	for _, r := range s {
		n += runeWidth(r)
	}
	return n
}

func runeWidth(r rune) int {
	if r >= 0x1100 && (unicode.Is(unicode.Han, r) || unicode.In(r, unicode.Hangul, unicode.Hiragana, unicode.Katakana) || r >= 0xFF00 && r <= 0xFFEF || r >= 0x3000 && r <= 0x303F) {
		return 2
	}
	return 1
}
