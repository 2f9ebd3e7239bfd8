package ui

import (
	"time"

	"shilu/internal/locale"
)

// spanText writes a duration for people, in the catalogue's units
// (locale.Printer.Duration): 1天4小时56分, 3分52秒, 0秒 — the one way the
// workbench writes lengths of time, from a recording's length to a day's
// viewing time. From an hour up the seconds are left out (rounded to the
// minute): nobody reads 1天4小时56分12秒 for its seconds, and a table of
// such figures is easier to compare without them.
func spanText(lang string, d time.Duration) string {
	d = max(d, 0).Round(time.Second)
	if d >= time.Hour {
		d = d.Round(time.Minute)
	}
	return locale.New(lang).Duration(d)
}
