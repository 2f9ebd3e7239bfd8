package evidence

import (
	"encoding/json"
	"time"

	"shilu/internal/blob"
)

// Recording is one original file from a device (音像记录), as catalogued.
// Its bytes are the blob named by Digest and never change (R-STORE-2).
type Recording struct {
	ID       int64       `json:"id"`
	Digest   blob.Digest `json:"-"`
	SHA256   string      `json:"sha256"` // hex, filled from Digest for API answers
	Size     int64       `json:"size"`
	Filename string      `json:"filename"`
	Kind     Kind        `json:"kind"`
	Device   string      `json:"device,omitempty"`
	Officer  string      `json:"officer,omitempty"`
	// RecordedStart and RecordedEnd come from the media's own creation time
	// and duration, or else from the file name; nil when neither knows.
	RecordedStart *time.Time `json:"recorded_start,omitempty"`
	RecordedEnd   *time.Time `json:"recorded_end,omitempty"`
	IngestedAt    time.Time  `json:"ingested_at"`
	Uploader      string     `json:"uploader"`
	// Media holds the probed facts as JSON (media.Facts); ProbeError is set
	// when the file could not be parsed: such files are archived all the same.
	Media      json.RawMessage `json:"media,omitempty"`
	ProbeError string          `json:"probe_error,omitempty"`
	// ClockOffset is the device's clock minus the server's, measured when
	// the collection station docked the device (R-DEV-2; Art. 5): positive
	// when the device is ahead, so a device 90 s fast that says 10:01:30
	// means 10:00:00 server time. nil when it was not measured.
	// ClockMeasuredAt is the docking moment on the server's clock. In JSON
	// the offset is clock_offset_ms, whole milliseconds, as stored.
	ClockOffset     *time.Duration `json:"-"`
	ClockMeasuredAt *time.Time     `json:"clock_measured_at,omitempty"`
	// Links counts the activities the recording is linked to; 0 makes it
	// an orphan, tied to no work purpose (Art. 4; R-USE-1).
	Links int `json:"links"`
	// Important is the device's "important" (重要文件) or locked mark,
	// declared by the station and kept through ingest (X-DEV-3); such a
	// recording never expires by default.
	Important bool `json:"important,omitempty"`
}

type recordingJSON struct {
	recordingAlias
	ClockOffsetMS *int64 `json:"clock_offset_ms,omitempty"`
}

type recordingAlias Recording

// MarshalJSON writes ClockOffset as whole milliseconds (clock_offset_ms),
// as Interruption does for its voice point.
func (r Recording) MarshalJSON() ([]byte, error) {
	j := recordingJSON{recordingAlias: recordingAlias(r)}
	if r.ClockOffset != nil {
		ms := r.ClockOffset.Milliseconds()
		j.ClockOffsetMS = &ms
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads what MarshalJSON writes.
func (r *Recording) UnmarshalJSON(b []byte) error {
	var j recordingJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*r = Recording(j.recordingAlias)
	if j.ClockOffsetMS != nil {
		d := time.Duration(*j.ClockOffsetMS) * time.Millisecond
		r.ClockOffset = &d
	}
	return nil
}

// CorrectedStart and CorrectedEnd are the recorded times on the server's
// clock: the measured offset taken off what the device wrote (DESIGN.md
// "Time": the server's clock is the reference). Without a measurement they
// are the recorded times; nil when those are unknown.
func (r Recording) CorrectedStart() *time.Time { return r.corrected(r.RecordedStart) }

// CorrectedEnd: see CorrectedStart.
func (r Recording) CorrectedEnd() *time.Time { return r.corrected(r.RecordedEnd) }

func (r Recording) corrected(t *time.Time) *time.Time {
	if t == nil || r.ClockOffset == nil {
		return t
	}
	c := t.Add(-*r.ClockOffset)
	return &c
}

// RecordingFilter selects recordings. Zero fields do not filter.
type RecordingFilter struct {
	Officer string
	// Officers, when given, selects recordings of any of these numbers
	// instead of Officer: what a name typed in the search resolves to.
	Officers []string
	Device   string
	Kind     Kind
	From     time.Time // recorded start at or after
	To       time.Time // recorded start before
	Digest   blob.Digest
	// Orphan keeps only recordings linked to no activity (R-USE-1).
	Orphan bool
	Limit  int
	Offset int
}
