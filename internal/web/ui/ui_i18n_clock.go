package ui

import (
	"strings"
	"time"
)

// Messages of the device clock offset on a recording's page (R-DEV-2).
func init() {
	addMessages(map[string]map[string]string{
		"zh": {
			"clock.offset":          "设备时钟偏差",
			"clock.not_measured":    "未测量",
			"clock.measured_at":     "测量于 %s",
			"clock.beyond":          "超出允许偏差 %s",
			"clock.corrected_start": "按服务器时间校正：%s",
			"clock.ahead":           "快 %s",
			"clock.behind":          "慢 %s",
			"clock.in_step":         "无偏差",
			"clock.unit.d":          "%d 天",
			"clock.unit.h":          "%d 小时",
			"clock.unit.min":        "%d 分",
			"clock.unit.s":          "%d 秒",
			"clock.unit.ms":         "%d 毫秒",
			"act.rule.clock_drift":  "设备时钟偏差",
		},
		"en": {
			"clock.offset":          "Device clock offset",
			"clock.not_measured":    "Not measured",
			"clock.measured_at":     "measured %s",
			"clock.beyond":          "beyond the %s tolerance",
			"clock.corrected_start": "on the server's clock: %s",
			"clock.ahead":           "ahead %s",
			"clock.behind":          "behind %s",
			"clock.in_step":         "in step",
			"clock.unit.d":          "%d d",
			"clock.unit.h":          "%d h",
			"clock.unit.min":        "%d min",
			"clock.unit.s":          "%d s",
			"clock.unit.ms":         "%d ms",
			"act.rule.clock_drift":  "Device clock off",
		},
	})
}

// ClockOffset says how far a device's clock was off the server's, signed
// in words (快/慢, ahead/behind) because a bare "+90 s" leaves readers
// guessing which clock was ahead: "快 1 分 30 秒", "behind 12 s". nil is
// "not measured".
func (p *page) ClockOffset(d *time.Duration) string {
	if d == nil {
		return p.T("clock.not_measured")
	}
	switch {
	case *d > 0:
		return p.T("clock.ahead", p.ClockSpan(*d))
	case *d < 0:
		return p.T("clock.behind", p.ClockSpan(-*d))
	}
	return p.T("clock.in_step")
}

// ClockSpan writes a non-negative span in days, hours, minutes and seconds,
// leaving out zero units; under a second, in milliseconds.
func (p *page) ClockSpan(d time.Duration) string {
	if d < time.Second {
		return p.T("clock.unit.ms", d.Milliseconds())
	}
	d = d.Round(time.Second)
	var parts []string
	for _, u := range []struct {
		key  string
		size time.Duration
	}{{"clock.unit.d", 24 * time.Hour}, {"clock.unit.h", time.Hour}, {"clock.unit.min", time.Minute}, {"clock.unit.s", time.Second}} {
		if n := d / u.size; n > 0 {
			parts = append(parts, p.T(u.key, int64(n)))
			d -= n * u.size
		}
	}
	return strings.Join(parts, " ")
}
