package compliance

import (
	"slices"
	"time"

	"shilu/internal/evidence"
)

// Segment is the span one recording covers, attributed to an officer and a
// device. It is the unit of coverage (Art. 9).
type Segment struct {
	RecordingID int64     `json:"recording_id"`
	Officer     string    `json:"officer"`
	Device      string    `json:"device"`
	Start       time.Time `json:"start"`
	End         time.Time `json:"end"`
}

// SegmentsOf turns recordings into segments on the server's clock: a
// device's measured clock offset is taken off its recorded times (R-DEV-2),
// so a camera 90 s fast that wrote 10:01:30 covers 10:00:00. Recordings
// without a known start and end are left out: a span nobody knows covers
// nothing, and the signs rules report the missing times.
func SegmentsOf(recs []evidence.Recording) []Segment {
	out := make([]Segment, 0, len(recs))
	for _, r := range recs {
		start, end := r.CorrectedStart(), r.CorrectedEnd()
		if start == nil || end == nil || !end.After(*start) {
			continue
		}
		out = append(out, Segment{RecordingID: r.ID, Officer: r.Officer, Device: r.Device, Start: *start, End: *end})
	}
	return out
}

// GapPosition says where in the activity an uncovered span lies. Art. 9
// wants recording from arrival to end, so time missing at either edge is an
// interruption too.
type GapPosition string

// The gap positions.
const (
	GapLeading  GapPosition = "leading"  // from the arrival to the first recording
	GapInner    GapPosition = "inner"    // between two recordings
	GapTrailing GapPosition = "trailing" // from the last recording to the end
	GapWhole    GapPosition = "whole"    // the officer recorded nothing
)

// Gap is an uncovered span in one officer's timeline longer than the
// tolerance: an interruption that Art. 11 requires to be explained.
type Gap struct {
	Officer  string        `json:"officer"`
	Start    time.Time     `json:"start"`
	End      time.Time     `json:"end"`
	Length   time.Duration `json:"-"`
	LengthMS int64         `json:"length_ms"`
	Position GapPosition   `json:"position"`
}

// Span is a covered stretch of a timeline after overlapping segments are
// merged, with the recordings that make it up.
type Span struct {
	Start        time.Time `json:"start"`
	End          time.Time `json:"end"`
	RecordingIDs []int64   `json:"recording_ids"`
}

// OfficerCoverage is one officer's timeline over the activity.
type OfficerCoverage struct {
	Officer   string        `json:"officer"`
	Spans     []Span        `json:"spans"`
	Gaps      []Gap         `json:"gaps"`
	Covered   time.Duration `json:"-"`
	CoveredMS int64         `json:"covered_ms"`
	Percent   float64       `json:"percent"`
}

// CoverageReport is the coverage of one activity (R-ACT-4): per officer and
// overall, where overall is covered officer-time over officers × window.
type CoverageReport struct {
	ActivityID int64             `json:"activity_id"`
	Start      time.Time         `json:"start"`
	End        time.Time         `json:"end"`
	Officers   []OfficerCoverage `json:"officers"`
	Percent    float64           `json:"percent"`
	// Recorded is true when any segment touches the window at all.
	Recorded bool `json:"recorded"`
}

// Gaps returns every officer's gaps in officer order.
func (r CoverageReport) Gaps() []Gap {
	var out []Gap
	for _, o := range r.Officers {
		out = append(out, o.Gaps...)
	}
	return out
}

// Coverage measures how completely the activity's officers recorded it from
// arrival to end (Art. 9) and finds the interruptions (Art. 11; R-ACT-4,
// R-ACT-6). Each officer's segments, clipped to the window, are merged where
// they overlap or touch; every uncovered span longer than tolerance —
// including at the start and the end — is a Gap. Segments of people not on
// the activity are ignored: they cannot show what its officers did.
func Coverage(a evidence.Activity, segments []Segment, tolerance time.Duration) CoverageReport {
	rep := CoverageReport{ActivityID: a.ID, Start: a.Arrival, End: a.End, Officers: make([]OfficerCoverage, 0, len(a.Officers))}
	window := a.End.Sub(a.Arrival)
	if window <= 0 {
		return rep
	}
	var total time.Duration
	for _, officer := range a.Officers {
		var mine []Segment
		for _, s := range segments {
			if s.Officer != officer || !s.End.After(a.Arrival) || !s.Start.Before(a.End) {
				continue
			}
			s.Start, s.End = maxTime(s.Start, a.Arrival), minTime(s.End, a.End)
			mine = append(mine, s)
		}
		oc := officerCoverage(a, officer, mine, tolerance)
		if len(mine) > 0 {
			rep.Recorded = true
		}
		total += oc.Covered
		rep.Officers = append(rep.Officers, oc)
	}
	if n := len(a.Officers); n > 0 {
		rep.Percent = percent(total, window*time.Duration(n))
	}
	return rep
}

func officerCoverage(a evidence.Activity, officer string, mine []Segment, tolerance time.Duration) OfficerCoverage {
	slices.SortFunc(mine, func(x, y Segment) int {
		if c := x.Start.Compare(y.Start); c != 0 {
			return c
		}
		return x.End.Compare(y.End)
	})
	oc := OfficerCoverage{Officer: officer, Spans: []Span{}, Gaps: []Gap{}}
	for _, s := range mine {
		if n := len(oc.Spans); n > 0 && !s.Start.After(oc.Spans[n-1].End) {
			last := &oc.Spans[n-1]
			last.End = maxTime(last.End, s.End)
			last.RecordingIDs = append(last.RecordingIDs, s.RecordingID)
			continue
		}
		oc.Spans = append(oc.Spans, Span{Start: s.Start, End: s.End, RecordingIDs: []int64{s.RecordingID}})
	}
	addGap := func(start, end time.Time, pos GapPosition) {
		if l := end.Sub(start); l > tolerance {
			oc.Gaps = append(oc.Gaps, Gap{Officer: officer, Start: start, End: end, Length: l, LengthMS: l.Milliseconds(), Position: pos})
		}
	}
	if len(oc.Spans) == 0 {
		addGap(a.Arrival, a.End, GapWhole)
	} else {
		addGap(a.Arrival, oc.Spans[0].Start, GapLeading)
		for i := 1; i < len(oc.Spans); i++ {
			addGap(oc.Spans[i-1].End, oc.Spans[i].Start, GapInner)
		}
		addGap(oc.Spans[len(oc.Spans)-1].End, a.End, GapTrailing)
	}
	for _, sp := range oc.Spans {
		oc.Covered += sp.End.Sub(sp.Start)
	}
	oc.CoveredMS = oc.Covered.Milliseconds()
	oc.Percent = percent(oc.Covered, a.End.Sub(a.Arrival))
	return oc
}

// percent is part/whole as a percentage rounded to 0.1, so reports and
// tests agree on the figure shown.
func percent(part, whole time.Duration) float64 {
	if whole <= 0 {
		return 0
	}
	p := float64(part) / float64(whole) * 100
	return float64(int64(p*10+0.5)) / 10
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
