package evidence

import (
	"encoding/json"
	"strconv"
	"strings"
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
	// Important is the device's important/locked mark (重要文件), kept
	// through ingest (X-DEV-3).
	Important bool `json:"important"`
	// ClassID is the retention class the custodian gave the recording; nil
	// means the bureau's default class.
	ClassID *int64 `json:"retention_class_id,omitempty"`
	// Retention is the recording's retain-until and the rule deciding it
	// (RetainUntil); nil only before it is first computed.
	Retention *Retention `json:"retention,omitempty"`
	// DisposedAt is when the recording was disposed of (销毁): its bytes are
	// gone, its row and its disposal stay as the tombstone (R-RET-3).
	DisposedAt *time.Time `json:"disposed_at,omitempty"`
	// FixityProblem is what the last fixity check of the original found:
	// "" (intact, or not checked yet), FixityMissing or FixityCorrupt
	// (Art. 20(七): loss or damage of material). FixityAt is that check.
	FixityProblem string     `json:"fixity_problem,omitempty"`
	FixityAt      *time.Time `json:"fixity_checked_at,omitempty"`
}

// What a fixity check finds wrong with an original.
const (
	FixityMissing = "missing"
	FixityCorrupt = "corrupt"
)

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
	// After and Before page through the list by position (keyset paging:
	// a page deep in a million recordings costs what the first one does,
	// where an offset made the database step over every row before it).
	// After selects the recordings listed after the cursor, Before those
	// listed before it (the previous page).
	After, Before *Cursor
}

// Cursor is a position in a list ordered by a time, newest first, and
// then by id, newest first: recordings by their recorded start (those
// whose recording time is unknown come last, by id), activities by their
// arrival. Lists page from cursors (keyset paging).
type Cursor struct {
	Start *time.Time // nil: the time is unknown
	ID    int64
}

// Cursor is the position of r in the list of recordings.
func (r Recording) Cursor() Cursor {
	return Cursor{Start: r.RecordedStart, ID: r.ID}
}

// String encodes c for a URL: the start in Unix microseconds and the id,
// "-" for an unknown start ("1767225600000000.42", "-.7").
func (c Cursor) String() string {
	start := "-"
	if c.Start != nil {
		start = strconv.FormatInt(c.Start.UnixMicro(), 10)
	}
	return start + "." + strconv.FormatInt(c.ID, 10)
}

// ParseCursor reads a cursor written by String. It is outside
// input (a URL's query), so anything else is an error.
func ParseCursor(s string) (Cursor, error) {
	start, id, ok := strings.Cut(s, ".")
	var c Cursor
	n, err := strconv.ParseInt(id, 10, 64)
	if !ok || err != nil || n <= 0 || id != strconv.FormatInt(n, 10) {
		return c, Errorf(EInvalid, "err.query.cursor")
	}
	c.ID = n
	if start != "-" {
		us, err := strconv.ParseInt(start, 10, 64)
		if err != nil || start != strconv.FormatInt(us, 10) {
			return c, Errorf(EInvalid, "err.query.cursor")
		}
		t := time.UnixMicro(us).UTC()
		c.Start = &t
	}
	return c, nil
}
