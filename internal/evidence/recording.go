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
}

// RecordingFilter selects recordings. Zero fields do not filter.
type RecordingFilter struct {
	Officer string
	Device  string
	Kind    Kind
	From    time.Time // recorded start at or after
	To      time.Time // recorded start before
	Digest  blob.Digest
	Limit   int
	Offset  int
}
