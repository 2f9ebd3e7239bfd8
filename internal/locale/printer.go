package locale

import (
	"fmt"
	"math"
	"strings"
	"time"

	"shilu/internal/evidence"
)

// Printer writes the catalogue's messages in one language. Printers are
// immutable and shared: New returns the same one for a language every time.
type Printer struct {
	lang language
	dict map[string]string
}

// printers holds one Printer per language, made once with the catalogue.
var printers = func() map[string]*Printer {
	m := make(map[string]*Printer, len(languages))
	for _, l := range languages {
		m[l.tag] = &Printer{lang: l, dict: catalogue[l.tag]}
	}
	return m
}()

// New returns the Printer for lang, any tag that Match understands; for
// others, Default's.
func New(lang string) *Printer {
	if l, ok := Match(lang); ok {
		return printers[l]
	}
	return printers[Default]
}

// Lang is the Printer's language tag, e.g. "zh-CN".
func (p *Printer) Lang() string { return p.lang.tag }

// T returns the text of key filled with args, which are rendered as by Msg.
// Every text is a fmt format, with or without args ("100%%" for 100%).
// A missing key shows as itself, so that a gap is visible rather than
// blank (and TestKeysInCodeExist fails); a "key" that holds fmt verbs is
// text not yet moved into the catalogue and is formatted as such.
func (p *Printer) T(key string, args ...any) string {
	s, ok := p.dict[key]
	if !ok {
		if len(args) == 0 || !strings.Contains(key, "%") {
			return key
		}
		s = key
	}
	if len(args) == 0 && !strings.Contains(s, "%") {
		return s
	}
	return fmt.Sprintf(s, p.args(args)...)
}

// Lookup returns the text of key as written in the catalogue, unformatted,
// and whether there is one.
func (p *Printer) Lookup(key string) (string, bool) {
	s, ok := p.dict[key]
	return s, ok
}

// Msg writes m. Its arguments are rendered for the reader: a Message is
// translated in turn (e.g. a field's name), a time.Duration reads as
// 1天4小时56分 or "1 d 4 h 56 min" (Duration), a time.Time in the bureau's
// zone (Time); others are left to the verb.
func (p *Printer) Msg(m evidence.Message) string {
	if m.IsZero() {
		return ""
	}
	return p.T(m.Key, m.Args...)
}

// Error writes the message of err for its reader: the application error's
// own, or for any other error the generic one, since its text is for the
// log and not for users.
func (p *Printer) Error(err error) string {
	if err == nil {
		return ""
	}
	return p.Msg(evidence.ErrorMessage(err))
}

func (p *Printer) args(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		switch x := a.(type) {
		case evidence.Message:
			out[i] = p.Msg(x)
		case time.Duration:
			out[i] = p.Duration(x)
		case time.Time:
			out[i] = p.Time(x)
		default:
			out[i] = a
		}
	}
	return out
}

// Duration writes d in words, largest unit first and zero units left out,
// to the second: 1天4小时56分, 3分52秒; "1 d 4 h 56 min", "3 min 52 s".
// Under a second it counts milliseconds. A caller that wants less
// precision rounds d first.
func (p *Printer) Duration(d time.Duration) string {
	if d < 0 {
		if d == math.MinInt64 {
			d++ // -d would overflow; a nanosecond is lost in the rounding anyway
		}
		return "-" + p.Duration(-d)
	}
	switch {
	case d == 0:
		return p.T("duration.s", 0)
	case d < time.Second:
		return p.T("duration.ms", d.Milliseconds())
	}
	d = d.Round(time.Second)
	var parts []string
	for _, u := range []struct {
		key  string
		size time.Duration
	}{{"duration.d", 24 * time.Hour}, {"duration.h", time.Hour}, {"duration.min", time.Minute}, {"duration.s", time.Second}} {
		if n := d / u.size; n > 0 {
			parts = append(parts, p.T(u.key, int64(n)))
			d -= n * u.size
		}
	}
	return strings.Join(parts, p.lang.sep)
}

// TimeLayout is how Time writes a moment: to the minute, which is what a
// reader of a message needs, unless the moment has seconds
// (TimeLayoutSeconds): a 40-second gap from 10:00:05 must not read as
// 10:00 to 10:00.
const (
	TimeLayout        = "2006-01-02 15:04"
	TimeLayoutSeconds = "2006-01-02 15:04:05"
)

// Time writes t in the bureau's zone (evidence.Zone), the same in every
// language.
func (p *Printer) Time(t time.Time) string {
	t = t.In(evidence.Zone)
	if t.Second() != 0 || t.Nanosecond() != 0 {
		return t.Format(TimeLayoutSeconds)
	}
	return t.Format(TimeLayout)
}

// WithPrefix returns the messages whose keys start with prefix, keyed
// without it: the "js." messages are the browser scripts' catalogue.
func (p *Printer) WithPrefix(prefix string) map[string]string {
	out := map[string]string{}
	for k, v := range p.dict {
		if rest, ok := strings.CutPrefix(k, prefix); ok {
			out[rest] = v
		}
	}
	return out
}
