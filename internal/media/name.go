package media

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// NamePattern recognises one file naming scheme. Regexp is matched against
// the base name and may use these named groups:
//
//	serial   device product serial
//	officer  officer (police) number
//	ts       start time as YYYYMMDDhhmmss
//	date     start date as YYYYMMDD, with time
//	time     start time as hhmmss, with date
//	seq      file sequence number within a recording
//	marks    marker suffixes, each after an underscore (_IMP: the
//	         device's important mark, X-DEV-3)
//
// A pattern must yield a start time: either ts, or both date and time.
type NamePattern struct {
	Name   string
	Regexp *regexp.Regexp
}

// CompileNamePattern compiles expr and checks that its groups can give a
// start time.
func CompileNamePattern(name, expr string) (NamePattern, error) {
	re, err := regexp.Compile(expr)
	if err != nil {
		return NamePattern{}, fmt.Errorf("media: name pattern %q: %w", name, err)
	}
	groups := map[string]bool{}
	for _, g := range re.SubexpNames() {
		switch g {
		case "":
		case "serial", "officer", "ts", "date", "time", "seq", "marks":
			groups[g] = true
		default:
			return NamePattern{}, fmt.Errorf("media: name pattern %q: unknown group %q", name, g)
		}
	}
	if !groups["ts"] && !(groups["date"] && groups["time"]) {
		return NamePattern{}, fmt.Errorf("media: name pattern %q: needs a ts group or date and time groups", name)
	}
	return NamePattern{Name: name, Regexp: re}, nil
}

// DefaultNamePatterns returns the naming schemes of common body-worn
// cameras and phones, most specific first. Each call returns fresh values,
// so callers may append to or reorder the slice.
//
//   - "zfy": DSJ0A12_000123_20261126093015_0001.MP4, the body-worn camera
//     scheme (GA/T 947 ZFY_INFO): a 7-character product serial, a
//     6-character officer number, the start time, an optional sequence
//     number and optional marker suffixes such as "_IMP".
//   - "date_time": 20261126_093015.mp4, VID_20261126_093015.mp4,
//     IMG_20261126_093015_1.jpg, REC20261126_093015.wav.
//   - "timestamp": 20261126093015.mp4, VID_20261126093015_2.mp4.
func DefaultNamePatterns() []NamePattern {
	const ext = `\.[0-9A-Za-z]{1,5}$`
	const prefix = `(?i:(?:VID|IMG|AUD|REC|MOV|PIC|PHOTO|VIDEO|AUDIO)_?)?`
	defs := []struct{ name, expr string }{
		{"zfy", `^(?P<serial>[0-9A-Za-z]{7})_(?P<officer>[0-9A-Za-z]{6})_(?P<ts>\d{14})(?:_(?P<seq>\d{1,6}))?(?P<marks>(?:_[0-9A-Za-z]{1,8})*)` + ext},
		{"date_time", `^` + prefix + `(?P<date>\d{8})_(?P<time>\d{6})(?:_(?P<seq>\d{1,6}))?` + ext},
		{"timestamp", `^` + prefix + `(?P<ts>\d{14})(?:_(?P<seq>\d{1,6}))?` + ext},
	}
	out := make([]NamePattern, 0, len(defs))
	for _, d := range defs {
		p, err := CompileNamePattern(d.name, d.expr)
		if err != nil {
			panic(err) // the expressions above are constants
		}
		out = append(out, p)
	}
	return out
}

// NameFacts is what a file name says about a recording.
type NameFacts struct {
	// Pattern is the Name of the pattern that matched.
	Pattern string
	// DeviceSerial and Officer are as written in the name; "" when the
	// pattern has no such group.
	DeviceSerial string
	Officer      string
	// Start is the start time in UTC.
	Start time.Time
	// Seq is the sequence number; 0 when the pattern has none.
	Seq int
	// Important is the device's important (重要) or locked mark, written as
	// a marker suffix _IMP or _LOCK (X-DEV-3: kept through ingest).
	Important bool
}

// ParseName matches the base name of name (after the last / or \, since
// names come from Windows collection stations too) against patterns in
// order. Times in names are the device's wall clock and are read in loc
// (nil means UTC). A pattern whose match gives an impossible time (month
// 13, 30 February) or sequence number counts as not matching, and the next
// pattern is tried. The first pattern that matches wins.
func ParseName(patterns []NamePattern, name string, loc *time.Location) (NameFacts, bool) {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	if loc == nil {
		loc = time.UTC
	}
	for _, p := range patterns {
		if p.Regexp == nil {
			continue
		}
		m := p.Regexp.FindStringSubmatch(name)
		if m == nil {
			continue
		}
		g := map[string]string{}
		for i, n := range p.Regexp.SubexpNames() {
			if n != "" && m[i] != "" {
				g[n] = m[i]
			}
		}
		ts := g["ts"]
		if ts == "" {
			ts = g["date"] + g["time"]
		}
		start, err := time.ParseInLocation("20060102150405", ts, loc)
		if err != nil || len(ts) != 14 {
			continue
		}
		nf := NameFacts{Pattern: p.Name, DeviceSerial: g["serial"], Officer: g["officer"], Start: start.UTC()}
		for _, m := range strings.Split(g["marks"], "_") {
			if m := strings.ToUpper(m); m == "IMP" || m == "LOCK" {
				nf.Important = true
			}
		}
		if s, ok := g["seq"]; ok {
			if nf.Seq, err = strconv.Atoi(s); err != nil || nf.Seq < 0 {
				continue
			}
		}
		return nf, true
	}
	return NameFacts{}, false
}
