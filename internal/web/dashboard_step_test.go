package web

import (
	"net/http"
	"strings"
	"testing"

	"shilu/internal/evidence"
)

// R-RPT-1 (issue 8): over a long period the dashboard's trend charts group by week
// or month, say so in their titles and a note, and let the user choose the
// chart period; per-person groupings have no trend and no choice.
func TestDashboardChartStep(t *testing.T) {
	ts := newTestServer(t)
	columns := func(body string) int { return strings.Count(body, `<g class="column">`) / 2 } // rate and coverage
	for _, tt := range []struct {
		name, query string
		columns     int
		title, note string
	}{
		{"MonthByDay", "by=day&from=2026-11-01&to=2026-11-30", 30, "录制率 · 按日", ""},
		{"SeventyDaysByWeek", "by=day&from=2026-09-01&to=2026-11-09", 11, "录制率 · 按周", "趋势图已按周汇总"},
		{"YearByMonth", "by=day&from=2025-12-01&to=2026-11-30", 12, "录制率 · 按月", "趋势图已按月汇总"},
		{"ChosenDays", "by=day&from=2026-09-01&to=2026-11-09&step=day", 70, "录制率 · 按日", ""},
		{"ChosenMonthsForAMonth", "by=day&from=2026-11-01&to=2026-11-30&step=month", 1, "录制率 · 按月", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := ts.page(t, evidence.RoleLeader, "/dashboard?"+tt.query)
			body := w.Body.String()
			if w.Code != http.StatusOK {
				t.Fatalf("%d %s", w.Code, body)
			}
			if n := columns(body); n != tt.columns {
				t.Errorf("%d columns a chart, want %d", n, tt.columns)
			}
			if !strings.Contains(body, tt.title) || !strings.Contains(body, `id="d-step"`) {
				t.Errorf("no chart titled %q or no chart period to choose", tt.title)
			}
			if tt.note != "" && !strings.Contains(body, tt.note) || tt.note == "" && strings.Contains(body, `id="step-note"`) {
				t.Errorf("note: want %q", tt.note)
			}
		})
	}
	if body := ts.page(t, evidence.RoleLeader, "/dashboard?by=officer&from=2025-12-01&to=2026-11-30").Body.String(); strings.Contains(body, `id="d-step"`) {
		t.Errorf("by officer: a chart period to choose, but there is no trend")
	}
	if w := ts.page(t, evidence.RoleLeader, "/dashboard?by=day&step=year"); w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "图表周期只能是") {
		t.Errorf("step=year: %d, want 400 with the catalogue's message", w.Code)
	}
}
