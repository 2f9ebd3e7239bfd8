package web

import (
	"strings"
	"time"
)

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
