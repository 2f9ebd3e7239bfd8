package compliance

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"shilu/internal/evidence"
)

type gapWant struct {
	Officer string
	From    time.Duration // offset from arrival
	Length  time.Duration
	Pos     GapPosition
}

// R-ACT-4, R-ACT-6: per-officer timelines from arrival to end, gaps above
// the tolerance as interruptions, edges included.
func TestCoverage(t *testing.T) {
	arr := local(t, 2026, 11, 26, 9, 0, 0)
	act := evidence.Activity{ID: 1, Type: evidence.ActivityInspection, Officers: []string{"000123", "000124"}, Arrival: arr, End: arr.Add(30 * time.Minute)}
	seg := func(id int64, officer string, from, to time.Duration) Segment {
		return Segment{RecordingID: id, Officer: officer, Device: "D" + officer, Start: arr.Add(from), End: arr.Add(to)}
	}
	full := func(id int64, officer string) Segment { return seg(id, officer, 0, 30*time.Minute) }
	tests := []struct {
		name     string
		segs     []Segment
		gaps     []gapWant
		percents []float64 // per officer
		overall  float64
	}{
		{
			// R-ACT-4: contiguous segments (camera splits files) give full coverage.
			name:     "ContiguousFull",
			segs:     []Segment{seg(1, "000123", 0, 10*time.Minute), seg(2, "000123", 10*time.Minute, 30*time.Minute), full(3, "000124")},
			gaps:     nil,
			percents: []float64{100, 100}, overall: 100,
		},
		{
			// R-ACT-6: a 40 s gap is one interruption.
			name:     "Gap40s",
			segs:     []Segment{seg(1, "000123", 0, 10*time.Minute), seg(2, "000123", 10*time.Minute+40*time.Second, 30*time.Minute), full(3, "000124")},
			gaps:     []gapWant{{"000123", 10 * time.Minute, 40 * time.Second, GapInner}},
			percents: []float64{97.8, 100}, overall: 98.9,
		},
		{
			name:     "GapWithinToleranceIgnored",
			segs:     []Segment{seg(1, "000123", 0, 10*time.Minute), seg(2, "000123", 10*time.Minute+5*time.Second, 30*time.Minute), full(3, "000124")},
			percents: []float64{99.7, 100}, overall: 99.9,
		},
		{
			name:     "OverlapsMerged",
			segs:     []Segment{seg(2, "000123", 5*time.Minute, 30*time.Minute), seg(1, "000123", 0, 20*time.Minute), full(3, "000124")},
			percents: []float64{100, 100}, overall: 100,
		},
		{
			// Art. 9: from arrival to end, so late start and early stop count.
			name: "LeadingAndTrailing",
			segs: []Segment{seg(1, "000123", 2*time.Minute, 25*time.Minute), full(3, "000124")},
			gaps: []gapWant{
				{"000123", 0, 2 * time.Minute, GapLeading},
				{"000123", 25 * time.Minute, 5 * time.Minute, GapTrailing},
			},
			percents: []float64{76.7, 100}, overall: 88.3,
		},
		{
			name:     "OfficerRecordedNothing",
			segs:     []Segment{full(3, "000124")},
			gaps:     []gapWant{{"000123", 0, 30 * time.Minute, GapWhole}},
			percents: []float64{0, 100}, overall: 50,
		},
		{
			name:     "ClippedToWindowAndForeignIgnored",
			segs:     []Segment{seg(1, "000123", -10*time.Minute, 40*time.Minute), full(3, "000124"), full(4, "999999")},
			percents: []float64{100, 100}, overall: 100,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := Coverage(act, tt.segs, 10*time.Second)
			var got []gapWant
			for _, g := range rep.Gaps() {
				got = append(got, gapWant{g.Officer, g.Start.Sub(arr), g.End.Sub(g.Start), g.Position})
				if g.Length != g.End.Sub(g.Start) || g.LengthMS != g.Length.Milliseconds() {
					t.Errorf("gap length %v / %d ms for %v–%v", g.Length, g.LengthMS, g.Start, g.End)
				}
			}
			if diff := cmp.Diff(tt.gaps, got); diff != "" {
				t.Errorf("gaps (-want +got):\n%s", diff)
			}
			var pct []float64
			for _, o := range rep.Officers {
				pct = append(pct, o.Percent)
			}
			if diff := cmp.Diff(tt.percents, pct); diff != "" {
				t.Errorf("officer percents (-want +got):\n%s", diff)
			}
			if rep.Percent != tt.overall {
				t.Errorf("overall = %v, want %v", rep.Percent, tt.overall)
			}
		})
	}
}

func TestCoverageMergedSpanKeepsRecordings(t *testing.T) {
	arr := local(t, 2026, 11, 26, 9, 0, 0)
	act := evidence.Activity{ID: 1, Officers: []string{"000123"}, Arrival: arr, End: arr.Add(time.Hour)}
	rep := Coverage(act, []Segment{
		{RecordingID: 1, Officer: "000123", Start: arr, End: arr.Add(40 * time.Minute)},
		{RecordingID: 2, Officer: "000123", Start: arr.Add(40 * time.Minute), End: arr.Add(time.Hour)},
	}, 0)
	want := []Span{{Start: arr, End: arr.Add(time.Hour), RecordingIDs: []int64{1, 2}}}
	if diff := cmp.Diff(want, rep.Officers[0].Spans); diff != "" {
		t.Errorf("spans (-want +got):\n%s", diff)
	}
}

// R-DEV-2: segments are on the server's clock: a device's measured offset
// is taken off the times it recorded, so a camera 90 s fast that wrote
// 10:01:30 at 10:00:00 server time covers from 10:00:00.
func TestSegmentsOfCorrectsClock(t *testing.T) {
	at := local(t, 2026, 11, 26, 10, 0, 0)
	dur := func(d time.Duration) *time.Duration { return &d }
	withOffset := func(r evidence.Recording, d *time.Duration) evidence.Recording {
		r.ClockOffset, r.ClockMeasuredAt = d, ptr(at.Add(8*time.Hour))
		return r
	}
	tests := []struct {
		name string
		rec  evidence.Recording
		want []Segment
	}{
		{"NotMeasured", rec(1, "000123", "D1", at, 10*time.Minute, at),
			[]Segment{{RecordingID: 1, Officer: "000123", Device: "D1", Start: at, End: at.Add(10 * time.Minute)}}},
		{"DeviceAhead90s", withOffset(rec(2, "000123", "D1", at.Add(90*time.Second), 10*time.Minute, at), dur(90*time.Second)),
			[]Segment{{RecordingID: 2, Officer: "000123", Device: "D1", Start: at, End: at.Add(10 * time.Minute)}}},
		{"DeviceBehind12s", withOffset(rec(3, "000123", "D1", at.Add(-12*time.Second), 10*time.Minute, at), dur(-12*time.Second)),
			[]Segment{{RecordingID: 3, Officer: "000123", Device: "D1", Start: at, End: at.Add(10 * time.Minute)}}},
		{"MeasuredZero", withOffset(rec(4, "000123", "D1", at, time.Minute, at), dur(0)),
			[]Segment{{RecordingID: 4, Officer: "000123", Device: "D1", Start: at, End: at.Add(time.Minute)}}},
		{"NoEndLeftOut", func() evidence.Recording {
			r := withOffset(rec(5, "000123", "D1", at, time.Minute, at), dur(time.Second))
			r.RecordedEnd = nil
			return r
		}(), []Segment{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := SegmentsOf([]evidence.Recording{tt.rec})
			if diff := cmp.Diff(tt.want, got, cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })); diff != "" {
				t.Errorf("segments (-want +got):\n%s", diff)
			}
		})
	}
}
