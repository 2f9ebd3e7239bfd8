package ui

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"shilu/internal/chart"
	"shilu/internal/compliance"
	"shilu/internal/evidence"
)

// R-RPT-1 (issue 8): a long period's trend is drawn by week (over 31 days) or by
// month (over half a year), never finer than the table's grouping; the
// user may choose otherwise (?step=).
func TestAutoStep(t *testing.T) {
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, evidence.Zone) }
	from := day(2026, 1, 1)
	for _, tt := range []struct {
		name string
		by   compliance.GroupBy
		to   time.Time
		want compliance.GroupBy
	}{
		{"MonthByDay", compliance.ByDay, day(2026, 2, 1), compliance.ByDay},
		{"OverAMonthByWeek", compliance.ByDay, day(2026, 2, 2), compliance.ByWeek},
		{"HalfAYearByWeek", compliance.ByDay, day(2026, 7, 3), compliance.ByWeek},
		{"OverHalfAYearByMonth", compliance.ByDay, day(2026, 7, 4), compliance.ByMonth},
		{"NeverFinerThanTheTable", compliance.ByMonth, day(2026, 1, 8), compliance.ByMonth},
		{"WeeksStayWeeks", compliance.ByWeek, day(2026, 3, 1), compliance.ByWeek},
		{"YearOfWeeksByMonth", compliance.ByWeek, day(2027, 1, 1), compliance.ByMonth},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := autoStep(tt.by, from, tt.to); got != tt.want {
				t.Errorf("autoStep(%s, %s days) = %s, want %s", tt.by, strconv.Itoa(int(tt.to.Sub(from).Hours()/24)), got, tt.want)
			}
		})
	}
	for _, tt := range []struct {
		in      string
		want    compliance.GroupBy
		wantErr bool
	}{{"", "", false}, {"week", compliance.ByWeek, false}, {"officer", "", true}, {"year", "", true}} {
		got, err := parseStep(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("parseStep(%q) = %q, %v", tt.in, got, err)
		}
	}
}

// R-RPT-1 (issue 8): chart labels are at least 12 px. A chart's texts are
// chart.FontSize units (TestLabelSize); the dashboard's grid never gives a
// chart fewer pixels than its chart.Width units, so it is never scaled
// down.
func TestChartsNeverShrink(t *testing.T) {
	css := string(assets["dashboard.css"].body)
	col := regexp.MustCompile(`\.dash-charts \{[^}]*minmax\(min\(100%, (\d+)px\)`).FindStringSubmatch(css)
	minW := regexp.MustCompile(`\.chart \{[^}]*min-width: (\d+)px`).FindStringSubmatch(css)
	if col == nil || minW == nil {
		t.Fatalf("dashboard.css: no grid column minimum or chart min-width")
	}
	// A card's padding is 20 px a side (app.css .card).
	if n, _ := strconv.Atoi(col[1]); n-40 < chart.Width {
		t.Errorf("a chart column may be %d px, %d inside the card: under the chart's %d", n, n-40, chart.Width)
	}
	if n, _ := strconv.Atoi(minW[1]); n < chart.Width {
		t.Errorf(".chart min-width %d px, under the chart's %d units", n, chart.Width)
	}
	if strings.Contains(regexp.MustCompile(`\.chart text \{[^}]*\}`).FindString(css), "font-size") {
		t.Errorf("dashboard.css sets the charts' text size: it is the chart's (chart.FontSize)")
	}
}
