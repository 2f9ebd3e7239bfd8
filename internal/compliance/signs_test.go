package compliance

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"shilu/internal/evidence"
	"shilu/internal/locale"
	"shilu/internal/media"
)

// R-ACT-8: signs of selective, after-the-fact or edited recording.
func TestSigns(t *testing.T) {
	p := DefaultParams(shanghai(t))
	arr := local(t, 2026, 11, 26, 9, 0, 0)
	a := &evidence.Activity{ID: 1, Officers: []string{"000123"}, Arrival: arr, End: arr.Add(time.Hour)}
	base := rec(1, "000123", "DSJ0A12", arr, 30*time.Minute, arr.Add(3*time.Hour))
	base.Size = 450_000_000 // 2 Mbit/s for 30 min
	camera := media.Facts{Kind: evidence.KindVideo, Container: "mp4", Encoder: "ZFY V2.1", CreatedAt: arr.UTC(), Duration: 30 * time.Minute, Bitrate: 2_000_000,
		Tags: map[string]string{"major_brand": "mp41", "minor_version": "0", "compatible_brands": "mp41isom"}}
	tests := []struct {
		name       string
		mutateRec  func(*evidence.Recording)
		mutateFact func(*media.Facts)
		activity   *evidence.Activity
		sameDevice []evidence.Recording
		want       []string
	}{
		{name: "CleanCameraFile", activity: a, want: []string{}},
		{name: "NoActivityNoTimeSign", activity: nil, mutateRec: func(r *evidence.Recording) { r.RecordedStart = ptr(arr.Add(5 * time.Hour)) }, want: []string{}},
		// R-ACT-8: re-muxed by ffmpeg with the creation time lost.
		{name: "RemuxedLavfNoCreationTime", activity: a, mutateFact: func(f *media.Facts) {
			f.Encoder, f.CreatedAt = "Lavf61.7.100", time.Time{}
		}, want: []string{RuleCreationTimeMissing + "/000123/open", RuleRemuxed + "/000123/open"}},
		// R-ACT-8: inserted segments and non-monotonic timestamps.
		{name: "Spliced", activity: a, mutateFact: func(f *media.Facts) { f.Splices = 2 }, want: []string{RuleSpliced + "/000123/open"}},
		{name: "TimestampsStall", activity: a, mutateFact: func(f *media.Facts) { f.StalledSamples = 12 }, want: []string{RuleTimestamps + "/000123/open"}},
		{name: "HandBrake", activity: a, mutateFact: func(f *media.Facts) { f.Encoder = "HandBrake 1.8.0 2024061300" }, want: []string{RuleRemuxed + "/000123/open"}},
		{name: "FfmpegBrandsWithoutEncoder", activity: a, mutateFact: func(f *media.Facts) {
			f.Encoder, f.Tags = "", map[string]string{"major_brand": "isom", "minor_version": "512", "compatible_brands": "isomiso2avc1mp41"}
		}, want: []string{RuleRemuxed + "/000123/open"}},
		{name: "EncoderWordInsideNotMatched", activity: a, mutateFact: func(f *media.Facts) { f.Encoder = "Ravegas cam 1.0" }, want: []string{}},
		{name: "CreationTimeDisagreesWithName", activity: a, mutateFact: func(f *media.Facts) { f.CreatedAt = arr.Add(20 * time.Minute) }, want: []string{RuleCreationTimeMismatch + "/000123/open"}},
		// Cameras that write local wall time into the UTC field are 8 h off: a habit, not an edit.
		{name: "LocalTimeAsUTCTolerated", activity: a, mutateFact: func(f *media.Facts) { f.CreatedAt = arr.Add(8 * time.Hour) }, want: []string{}},
		// R-ACT-8: recorded after the activity ended: possible 补录.
		{name: "RecordedAfterActivity", activity: a, mutateRec: func(r *evidence.Recording) {
			r.RecordedStart, r.RecordedEnd = ptr(arr.Add(3*time.Hour)), ptr(arr.Add(3*time.Hour+30*time.Minute))
		}, mutateFact: func(f *media.Facts) { f.CreatedAt = time.Time{} }, want: []string{RuleCreationTimeMissing + "/000123/open", RuleOutsideActivity + "/000123/open"}},
		{name: "RecordedBeforeActivity", activity: a, mutateRec: func(r *evidence.Recording) {
			r.RecordedStart, r.RecordedEnd = ptr(arr.Add(-3*time.Hour)), ptr(arr.Add(-2*time.Hour))
		}, mutateFact: func(f *media.Facts) { f.CreatedAt = time.Time{} }, want: []string{RuleCreationTimeMissing + "/000123/open", RuleOutsideActivity + "/000123/open"}},
		{name: "StartedInSlackOK", activity: a, mutateRec: func(r *evidence.Recording) { r.RecordedStart = ptr(arr.Add(-10 * time.Minute)) }, want: []string{}},
		// R-ACT-8: one device cannot record two files at the same time.
		{name: "OverlapSameDevice", activity: a, sameDevice: []evidence.Recording{
			rec(2, "000123", "DSJ0A12", arr.Add(20*time.Minute), 30*time.Minute, arr),
			rec(3, "000123", "DSJ0A12", arr.Add(30*time.Minute), 30*time.Minute, arr), // touches, no overlap
			{ID: 4, Device: "DSJ0A12", Kind: evidence.KindPhoto, RecordedStart: ptr(arr.Add(time.Minute)), RecordedEnd: ptr(arr.Add(2 * time.Minute))},
			base, // itself
		}, want: []string{RuleDeviceOverlap + "/000123/open"}},
		{name: "SizeDoesNotFitBitrate", activity: a, mutateRec: func(r *evidence.Recording) { r.Size = 200_000_000 }, want: []string{RuleSizeMismatch + "/000123/open"}},
		// R-DEV-2: a device clock off by more than the tolerance at docking
		// is a finding of its own (Art. 5); within it, none.
		{name: "ClockAheadBeyondTolerance", activity: a, mutateRec: func(r *evidence.Recording) { setClock(r, 90*time.Second, arr) }, want: []string{RuleClockDrift + "/000123/open"}},
		{name: "ClockBehindBeyondTolerance", activity: a, mutateRec: func(r *evidence.Recording) { setClock(r, -61*time.Second, arr) }, want: []string{RuleClockDrift + "/000123/open"}},
		{name: "ClockWithinTolerance", activity: a, mutateRec: func(r *evidence.Recording) { setClock(r, -60*time.Second, arr) }, want: []string{}},
		{name: "ClockNotMeasuredNoFinding", activity: nil, want: []string{}},
		{name: "ClockDriftWithoutActivity", activity: nil, mutateRec: func(r *evidence.Recording) { setClock(r, 2*time.Hour, arr) }, want: []string{RuleClockDrift + "/000123/open"}},
		// R-DEV-2: times are judged on the server's clock: a device 2 h fast
		// recorded "after the activity", but in fact during it.
		{name: "FastClockNotOutsideActivity", activity: a, mutateRec: func(r *evidence.Recording) {
			r.RecordedStart, r.RecordedEnd = ptr(arr.Add(2*time.Hour)), ptr(arr.Add(2*time.Hour+30*time.Minute))
			setClock(r, 2*time.Hour, arr)
		}, mutateFact: func(f *media.Facts) { f.CreatedAt = time.Time{} }, want: []string{RuleClockDrift + "/000123/open", RuleCreationTimeMissing + "/000123/open"}},
		{name: "PhotoNoCreationTimeNotFlagged", activity: a, mutateRec: func(r *evidence.Recording) {
			r.Kind, r.RecordedEnd = evidence.KindPhoto, r.RecordedStart
		}, mutateFact: func(f *media.Facts) {
			*f = media.Facts{Kind: evidence.KindPhoto, Container: "jpeg"}
		}, want: []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, f := base, camera
			if tt.mutateRec != nil {
				tt.mutateRec(&r)
			}
			if tt.mutateFact != nil {
				tt.mutateFact(&f)
			}
			got := Signs(r, f, tt.activity, tt.sameDevice, p)
			if diff := cmp.Diff(tt.want, ruleKeys(got)); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
			for _, fd := range got {
				article := "Art. 11"
				if fd.Rule == RuleClockDrift {
					article = "Art. 5"
					text := render(t, fd.Evidence)
					if fd.Severity != evidence.SeverityWarning || !strings.Contains(text, "DSJ0A12") || !strings.Contains(text, locale.New(locale.Chinese).Duration(r.ClockOffset.Abs())) {
						t.Errorf("clock drift finding %+v: want a warning naming the device and the offset", fd)
					}
				}
				if fd.Evidence.Key != "finding."+fd.Rule && !strings.HasPrefix(fd.Evidence.Key, "finding."+fd.Rule+"_") || fd.Article != article || len(fd.RecordingIDs) == 0 || fd.Key == "" {
					t.Errorf("incomplete finding %+v", fd)
				}
				render(t, fd.Evidence)
			}
		})
	}
}

// setClock records a measured device clock offset on r.
func setClock(r *evidence.Recording, off time.Duration, at time.Time) {
	r.ClockOffset, r.ClockMeasuredAt = &off, &at
}
