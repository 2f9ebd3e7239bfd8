package ui

import (
	"time"

	"shilu/internal/locale"
)

// ClockOffset says how far a device's clock was off the server's, signed
// in words (快/慢, ahead/behind) because a bare "+90 s" leaves readers
// guessing which clock was ahead: "快 1分30秒", "behind 12 s". nil is
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

// ClockSpan writes a span in words, to the second (under a second in
// milliseconds): locale's Duration, as every message writes durations.
func (p *page) ClockSpan(d time.Duration) string { return locale.New(p.Lang).Duration(d) }
