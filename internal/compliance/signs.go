package compliance

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"shilu/internal/evidence"
	"shilu/internal/media"
)

// RemuxEncoders returns the encoder tags of general-purpose tools that rewrite
// containers. A body-worn camera writes its firmware name; one of these
// means the file passed through a computer after recording (Art. 11: 不得
// 进行任意删改和编辑; R-ACT-8). Some camera firmwares embed libavformat and
// write Lavf too, which is why this is a sign for review, not a verdict.
// Matched case-insensitively as a prefix of a word in the tag. Each call
// returns a fresh slice.
func RemuxEncoders() []string { return slices.Clone(remuxEncoders) }

var remuxEncoders = []string{
	"lavf", // ffmpeg / libavformat, and everything built on it
	"ffmpeg",
	"handbrake",
	"mp4box", // GPAC
	"gpac",
	"mkvmerge", // MKVToolNix
	"avidemux",
	"adobe", // Premiere, Media Encoder
	"premiere",
	"final cut",
	"imovie",
	"davinci", // DaVinci Resolve
	"kdenlive",
	"shotcut",
	"openshot",
	"vegas",
	"camtasia",
	"formatfactory", // 格式工厂
	"format factory",
	"格式工厂",
	"capcut", // 剪映
	"剪映",
	"videoproc",
	"bandicut",
}

// RemuxBrands returns the compatible_brands lists that libavformat's MP4 muxer
// writes by default together with major brand "isom", minor version 512.
// Cameras write their own brand lists (often "mp41", "avc1" or a vendor
// brand), so this triple is a fingerprint of re-muxing by ffmpeg even when
// the encoder tag was stripped (-map_metadata -1, -fflags +bitexact).
func RemuxBrands() []string { return slices.Clone(remuxBrands) }

var remuxBrands = []string{"isomiso2avc1mp41", "isomiso2mp41"}

// sizeRatioMin and sizeRatioMax bound size ÷ (bitrate × duration). Container
// overhead and variable bitrates stay well inside; a cut, spliced or
// truncated file whose header still claims the old duration does not.
const (
	sizeRatioMin = 0.8
	sizeRatioMax = 1.25
)

// Signs looks for signs of selective, after-the-fact or edited recording in
// one recording (Art. 11: 不得任意选择取舍或者事后补录，不得插入其他画面，不
// 得进行任意删改和编辑; R-ACT-8). a is the activity it is linked to, if any;
// sameDevice are other recordings from the same device around the same
// time. Each sign is a Finding carrying its evidence; nothing here touches
// the original. The signs:
//
//   - recording times outside the activity (beyond p.Slack): after the end
//     suggests 补录;
//   - a container rewritten by a general-purpose tool (RemuxEncoders,
//     RemuxBrands);
//   - no creation time in the container, or one that disagrees with the
//     time in the file name by more than p.ClockTolerance;
//   - another recording from the same device overlapping this one: one
//     camera records one file at a time, so one of them was made elsewhere
//     or its times were altered;
//   - a file size that does not fit the claimed duration and bitrate;
//   - an edit list that joins pieces of media: a cut, an inserted segment
//     or a reordering (media.Facts.Splices);
//   - decoding timestamps that do not increase (media.Facts.StalledSamples);
//   - a device clock off the server's by more than p.DriftTolerance when
//     the station docked it (Art. 5; R-DEV-2).
//
// Recording times are judged on the server's clock: the measured device
// offset is taken off them first.
//
// The timeline signs come from the MP4/MOV sample tables; other containers
// are not judged on them.
func Signs(rec evidence.Recording, facts media.Facts, a *evidence.Activity, sameDevice []evidence.Recording, p Params) []evidence.Finding {
	var out []evidence.Finding
	var actID int64
	if a != nil {
		actID = a.ID
	}
	ids := []int64{rec.ID}
	add := func(rule string, sev evidence.Severity, key, text string, recs []int64) {
		out = append(out, finding(rule, "Art. 11", sev, actID, rec.Officer, recs, key, text))
	}
	photo := rec.Kind == evidence.KindPhoto || facts.Kind == evidence.KindPhoto

	if a != nil && rec.RecordedStart != nil {
		start := *rec.CorrectedStart()
		end := start
		if rec.RecordedEnd != nil {
			end = *rec.CorrectedEnd()
		}
		from, to := a.Arrival.Add(-p.Slack), a.End.Add(p.Slack)
		switch {
		case start.After(a.End.Add(p.Slack)):
			add(RuleOutsideActivity, evidence.SeveritySerious, "after", fmt.Sprintf("recorded from %s, %s after the activity ended at %s: possible 补录",
				fmtTime(start, p.Location), start.Sub(a.End).Round(time.Second), fmtTime(a.End, p.Location)), ids)
		case end.Before(from):
			add(RuleOutsideActivity, evidence.SeverityWarning, "before", fmt.Sprintf("recorded until %s, %s before the arrival at %s",
				fmtTime(end, p.Location), a.Arrival.Sub(end).Round(time.Second), fmtTime(a.Arrival, p.Location)), ids)
		case start.Before(from) || end.After(to):
			add(RuleOutsideActivity, evidence.SeverityInfo, "partly", fmt.Sprintf("recorded %s–%s, partly outside the activity %s–%s",
				fmtTime(start, p.Location), fmtTime(end, p.Location), fmtTime(a.Arrival, p.Location), fmtTime(a.End, p.Location)), ids)
		}
	}

	if tool := remuxTool(facts.Encoder); tool != "" {
		add(RuleRemuxed, evidence.SeveritySerious, "encoder", fmt.Sprintf("encoder tag %q names %s, a general-purpose tool that rewrites containers", facts.Encoder, tool), ids)
	} else if b := facts.Tags["compatible_brands"]; facts.Tags["major_brand"] == "isom" && facts.Tags["minor_version"] == "512" && isRemuxBrand(b) {
		add(RuleRemuxed, evidence.SeverityWarning, "brands", fmt.Sprintf("brands isom/512/%s are libavformat's defaults, not a camera's", b), ids)
	}

	if facts.CreatedAt.IsZero() {
		if facts.Container != "" && !photo {
			add(RuleCreationTimeMissing, evidence.SeverityWarning, "", fmt.Sprintf("the %s container holds no creation time; cameras always write one, re-muxing often drops it", facts.Container), ids)
		}
	} else if nf, ok := media.ParseName(media.DefaultNamePatterns(), rec.Filename, p.Location); ok {
		if d := facts.CreatedAt.Sub(nf.Start); abs(d) > p.ClockTolerance && !localAsUTC(d, nf.Start, p) {
			add(RuleCreationTimeMismatch, evidence.SeverityWarning, "", fmt.Sprintf("container creation time %s differs by %s from the file name time %s",
				fmtTime(facts.CreatedAt, p.Location), d.Round(time.Second), fmtTime(nf.Start, p.Location)), ids)
		}
	}

	if rec.RecordedStart != nil && rec.RecordedEnd != nil && !photo {
		for _, o := range sameDevice {
			if o.ID == rec.ID || o.Device != rec.Device || o.Kind == evidence.KindPhoto || o.RecordedStart == nil || o.RecordedEnd == nil {
				continue
			}
			s, e := maxTime(*rec.RecordedStart, *o.RecordedStart), minTime(*rec.RecordedEnd, *o.RecordedEnd)
			// One second of overlap is the rounding of file-name times.
			if e.Sub(s) > time.Second {
				add(RuleDeviceOverlap, evidence.SeverityWarning, "r"+strconv.FormatInt(o.ID, 10), fmt.Sprintf("device %s also recorded %q for %s of the same time (%s–%s)",
					rec.Device, o.Filename, e.Sub(s).Round(time.Second), fmtTime(s, p.Location), fmtTime(e, p.Location)), []int64{rec.ID, o.ID})
			}
		}
	}

	if off := rec.ClockOffset; off != nil && abs(*off) > p.DriftTolerance {
		device, dir := rec.Device, "ahead of"
		if device == "" {
			device = "(unknown)"
		}
		if *off < 0 {
			dir = "behind"
		}
		at := "at docking"
		if rec.ClockMeasuredAt != nil {
			at = "when docked at " + fmtTime(*rec.ClockMeasuredAt, p.Location)
		}
		out = append(out, finding(RuleClockDrift, "Art. 5", evidence.SeverityWarning, actID, rec.Officer, ids, "",
			fmt.Sprintf("the clock of device %s was %s %s the server's %s (tolerance %s); its recording times are corrected by that offset",
				device, abs(*off).Round(time.Millisecond), dir, at, p.DriftTolerance)))
	}

	if facts.Splices > 0 {
		add(RuleSpliced, evidence.SeveritySerious, "", fmt.Sprintf("the edit list joins %d pieces of the media into one presentation; a recorder writes one: parts were cut out, put in or reordered",
			facts.Splices+1), ids)
	}
	if facts.StalledSamples > 0 {
		add(RuleTimestamps, evidence.SeverityWarning, "", fmt.Sprintf("%d samples decode no later than the sample after them: the timestamps do not increase, as a recorder writes them",
			facts.StalledSamples), ids)
	}

	if !photo && facts.Bitrate > 0 && facts.Duration > 0 && rec.Size > 0 {
		want := float64(facts.Bitrate) / 8 * facts.Duration.Seconds()
		if r := float64(rec.Size) / want; r < sizeRatioMin || r > sizeRatioMax {
			add(RuleSizeMismatch, evidence.SeverityWarning, "", fmt.Sprintf("%d bytes, but %s at %d bit/s means about %.0f bytes (ratio %.2f)",
				rec.Size, facts.Duration.Round(time.Second), facts.Bitrate, want, r), ids)
		}
	}
	return out
}

// localAsUTC reports whether d is the zone offset: many cameras write their
// local wall clock into the container's UTC field. That is a firmware habit,
// not a sign of editing.
func localAsUTC(d time.Duration, at time.Time, p Params) bool {
	if p.Location == nil {
		return false
	}
	_, off := at.In(p.Location).Zone()
	return abs(d-time.Duration(off)*time.Second) <= p.ClockTolerance
}

func remuxTool(encoder string) string {
	e := strings.ToLower(encoder)
	for _, t := range remuxEncoders {
		if i := strings.Index(e, t); i >= 0 && (i == 0 || !isLetter(e[i-1])) {
			return t
		}
	}
	return ""
}

func isLetter(b byte) bool { return b >= 'a' && b <= 'z' }

func isRemuxBrand(b string) bool { return slices.Contains(remuxBrands, b) }

func abs(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}
