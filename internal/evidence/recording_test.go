package evidence

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// R-DEV-2: the clock offset travels in JSON as whole milliseconds
// (clock_offset_ms), absent when not measured; the corrected times take
// the offset off the recorded ones.
func TestRecordingClockJSONAndCorrection(t *testing.T) {
	start := time.Date(2026, 11, 26, 2, 1, 30, 0, time.UTC)
	end := start.Add(time.Minute)
	at := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	ahead := 90 * time.Second
	r := Recording{ID: 7, Filename: "a.mp4", RecordedStart: &start, RecordedEnd: &end, ClockOffset: &ahead, ClockMeasuredAt: &at}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"clock_offset_ms":90000`) || !strings.Contains(string(b), `"clock_measured_at":"2026-11-26T10:00:00Z"`) {
		t.Errorf("JSON %s lacks the offset in ms or its time", b)
	}
	var back Recording
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(r, back); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if got := *r.CorrectedStart(); !got.Equal(start.Add(-90 * time.Second)) {
		t.Errorf("corrected start %v, want 90 s before %v", got, start)
	}
	if got := *r.CorrectedEnd(); !got.Equal(end.Add(-90 * time.Second)) {
		t.Errorf("corrected end %v, want 90 s before %v", got, end)
	}

	none := Recording{ID: 8, RecordedStart: &start}
	b, _ = json.Marshal(none)
	if strings.Contains(string(b), "clock_") {
		t.Errorf("not measured, yet JSON %s has clock fields", b)
	}
	if err := json.Unmarshal(b, &back); err != nil || back.ClockOffset != nil {
		t.Errorf("not measured read back as %v, %v", back.ClockOffset, err)
	}
	if got := none.CorrectedStart(); got == nil || !got.Equal(start) {
		t.Errorf("uncorrected start %v, want %v", got, start)
	}
	if none.CorrectedEnd() != nil {
		t.Errorf("no recorded end, yet a corrected one")
	}
}

// TestCursor: a cursor read back from its URL form is the same
// position, and what a cursor never looks like is refused.
func TestCursor(t *testing.T) {
	at := time.Date(2026, 11, 26, 1, 2, 3, 456789000, time.UTC)
	for _, c := range []Cursor{{Start: &at, ID: 42}, {ID: 7}, {Start: ptrTo(time.UnixMicro(-5).UTC()), ID: 1}} {
		got, err := ParseCursor(c.String())
		if err != nil || got.ID != c.ID || (got.Start == nil) != (c.Start == nil) || got.Start != nil && !got.Start.Equal(*c.Start) {
			t.Errorf("%v read back as %v, %v", c, got, err)
		}
	}
	for _, s := range []string{"", "42", ".42", "1.", "1.0", "1.-3", "1.+3", "1.03", "x.1", "-.", "--.1", "01.1", "1.1.1", " 1.1", "1e3.1", "9223372036854775808.1"} {
		if _, err := ParseCursor(s); ErrorCode(err) != EInvalid {
			t.Errorf("ParseCursor(%q) = %v, want invalid", s, err)
		}
	}
}

// FuzzCursor: any text in a URL's after= or before= is a cursor
// that reads back to itself, or an invalid-input error; never a panic.
func FuzzCursor(f *testing.F) {
	for _, s := range []string{"1767225600000000.42", "-.7", "", "1.0", "-1.1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCursor(s)
		if err != nil {
			if ErrorCode(err) != EInvalid {
				t.Fatalf("%q: %v", s, err)
			}
			return
		}
		if c.String() != s {
			t.Fatalf("%q read as %v, written %q", s, c, c.String())
		}
	})
}

func ptrTo[T any](v T) *T { return &v }
