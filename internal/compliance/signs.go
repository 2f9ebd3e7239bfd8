package compliance

import (
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
	add := func(rule string, sev evidence.Severity, key string, text evidence.Message, recs []int64) {
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
			add(RuleOutsideActivity, evidence.SeveritySerious, "after", evidence.Msg("finding.outside_activity_after", start, start.Sub(a.End).Round(time.Second), a.End), ids)
		case end.Before(from):
			add(RuleOutsideActivity, evidence.SeverityWarning, "before", evidence.Msg("finding.outside_activity_before", end, a.Arrival.Sub(end).Round(time.Second), a.Arrival), ids)
		case start.Before(from) || end.After(to):
			add(RuleOutsideActivity, evidence.SeverityInfo, "partly", evidence.Msg("finding.outside_activity_partly", start, end, a.Arrival, a.End), ids)
		}
	}

	if tool := remuxTool(facts.Encoder); tool != "" {
		add(RuleRemuxed, evidence.SeveritySerious, "encoder", evidence.Msg("finding.remuxed_encoder", facts.Encoder, tool), ids)
	} else if b := facts.Tags["compatible_brands"]; facts.Tags["major_brand"] == "isom" && facts.Tags["minor_version"] == "512" && isRemuxBrand(b) {
		add(RuleRemuxed, evidence.SeverityWarning, "brands", evidence.Msg("finding.remuxed_brands", b), ids)
	}

	if facts.CreatedAt.IsZero() {
		if facts.Container != "" && !photo {
			add(RuleCreationTimeMissing, evidence.SeverityWarning, "", evidence.Msg("finding.creation_time_missing", facts.Container), ids)
		}
	} else if nf, ok := media.ParseName(media.DefaultNamePatterns(), rec.Filename, p.Location); ok {
		if d := facts.CreatedAt.Sub(nf.Start); abs(d) > p.ClockTolerance && !localAsUTC(d, nf.Start, p) {
			add(RuleCreationTimeMismatch, evidence.SeverityWarning, "", evidence.Msg("finding.creation_time_mismatch", facts.CreatedAt, abs(d).Round(time.Second), nf.Start), ids)
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
				add(RuleDeviceOverlap, evidence.SeverityWarning, "r"+strconv.FormatInt(o.ID, 10), evidence.Msg("finding.device_overlap",
					rec.Device, o.Filename, e.Sub(s).Round(time.Second), s, e), []int64{rec.ID, o.ID})
			}
		}
	}

	if off := rec.ClockOffset; off != nil && abs(*off) > p.DriftTolerance {
		device := evidence.Msg("finding.part.device_unknown")
		if rec.Device != "" {
			device = evidence.Msg("finding.part.device", rec.Device)
		}
		key := "finding.clock_drift_ahead"
		if *off < 0 {
			key = "finding.clock_drift_behind"
		}
		at := evidence.Msg("finding.part.at_docking")
		if rec.ClockMeasuredAt != nil {
			at = evidence.Msg("finding.part.docked_at", *rec.ClockMeasuredAt)
		}
		out = append(out, finding(RuleClockDrift, "Art. 5", evidence.SeverityWarning, actID, rec.Officer, ids, "",
			evidence.Msg(key, device, abs(*off).Round(time.Millisecond), at, p.DriftTolerance)))
	}

	if facts.Splices > 0 {
		add(RuleSpliced, evidence.SeveritySerious, "", evidence.Msg("finding.spliced", facts.Splices+1), ids)
	}
	if facts.StalledSamples > 0 {
		add(RuleTimestamps, evidence.SeverityWarning, "", evidence.Msg("finding.timestamps", facts.StalledSamples), ids)
	}

	if !photo && facts.Bitrate > 0 && facts.Duration > 0 && rec.Size > 0 {
		want := float64(facts.Bitrate) / 8 * facts.Duration.Seconds()
		if r := float64(rec.Size) / want; r < sizeRatioMin || r > sizeRatioMax {
			add(RuleSizeMismatch, evidence.SeverityWarning, "", evidence.Msg("finding.size_mismatch",
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
