package compliance

import (
	"cmp"
	"slices"
	"time"

	"shilu/internal/evidence"
)

// ProposeSlack widens the activity window when proposing recordings:
// officers often switch on before arrival or stop a little after the end,
// and device clocks drift (R-DEV-2).
const ProposeSlack = 15 * time.Minute

// Proposal is a recording suggested for linking to an activity, with why.
// Linking happens only when an officer confirms (Art. 4: every recording
// has a work purpose, and a person decides which).
type Proposal struct {
	RecordingID  int64            `json:"recording_id"`
	Score        float64          `json:"score"`
	Reason       evidence.Message `json:"reason"`
	OfficerMatch bool             `json:"officer_match"`
	DeviceMatch  bool             `json:"device_match"`
	Overlap      time.Duration    `json:"-"`
	OverlapMS    int64            `json:"overlap_ms"`
}

// Propose returns the candidates that plausibly belong to activity a,
// best first (Art. 4, 9): the recording's officer is one of a's officers or
// its device one of a's devices, and its recorded span overlaps
// [arrival−ProposeSlack, end+ProposeSlack]. The score in [0, 1] weighs an
// officer match 0.4, a device match 0.2 and the share of the recording that
// falls inside the activity proper 0.4. Recordings without a recorded start
// cannot be placed in time and are not proposed. Times are corrected by
// the device's measured clock offset (R-DEV-2), as coverage is.
func Propose(a evidence.Activity, candidates []evidence.Recording) []Proposal {
	from, to := a.Arrival.Add(-ProposeSlack), a.End.Add(ProposeSlack)
	var out []Proposal
	for _, r := range candidates {
		if r.RecordedStart == nil {
			continue
		}
		start, end := *r.CorrectedStart(), *r.CorrectedStart()
		if e := r.CorrectedEnd(); e != nil && e.After(start) {
			end = *e
		}
		// A photo is an instant: it overlaps when it falls inside.
		if end.Before(from) || start.After(to) {
			continue
		}
		officer := r.Officer != "" && a.HasOfficer(r.Officer)
		device := r.Device != "" && slices.Contains(a.Devices, r.Device)
		if !officer && !device {
			continue
		}
		p := Proposal{RecordingID: r.ID, OfficerMatch: officer, DeviceMatch: device}
		var why []evidence.Message
		if officer {
			p.Score += 0.4
			why = append(why, evidence.Msg("proposal.officer", r.Officer))
		}
		if device {
			p.Score += 0.2
			why = append(why, evidence.Msg("proposal.device", r.Device))
		}
		in0, in1 := maxTime(start, a.Arrival), minTime(end, a.End)
		if in1.After(in0) {
			p.Overlap = in1.Sub(in0)
		}
		if l := end.Sub(start); l > 0 {
			p.Score += 0.4 * float64(p.Overlap) / float64(l)
			why = append(why, evidence.Msg("proposal.overlap", p.Overlap.Round(time.Second), l.Round(time.Second)))
		} else if !start.Before(a.Arrival) && !start.After(a.End) {
			p.Score += 0.4
			why = append(why, evidence.Msg("proposal.taken_during"))
		} else {
			why = append(why, evidence.Msg("proposal.taken_outside"))
		}
		p.Score = float64(int64(p.Score*1000+0.5)) / 1000
		p.OverlapMS = p.Overlap.Milliseconds()
		p.Reason = list(why)
		out = append(out, p)
	}
	slices.SortStableFunc(out, func(x, y Proposal) int {
		if c := cmp.Compare(y.Score, x.Score); c != 0 {
			return c
		}
		return cmp.Compare(x.RecordingID, y.RecordingID)
	})
	return out
}
