package compliance

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"shilu/internal/evidence"
)

// R-USE-1, Art. 4, 9: proposals by officer or device and time overlap, best first.
func TestPropose(t *testing.T) {
	arr := local(t, 2026, 11, 26, 9, 0, 0)
	a := evidence.Activity{ID: 1, Officers: []string{"000123", "000124"}, Devices: []string{"DSJ0A12"}, Arrival: arr, End: arr.Add(time.Hour)}
	photo := evidence.Recording{ID: 6, Officer: "000124", Kind: evidence.KindPhoto, RecordedStart: ptr(arr.Add(10 * time.Minute))}
	cands := []evidence.Recording{
		rec(1, "000123", "DSJ0A12", arr, time.Hour, arr),                          // officer and device, fully inside
		rec(2, "000124", "DSJ0B34", arr.Add(30*time.Minute), time.Hour, arr),      // officer, half inside
		rec(3, "999999", "DSJ0A12", arr.Add(-10*time.Minute), 5*time.Minute, arr), // device only, in slack before
		rec(4, "000123", "DSJ0A12", arr.Add(3*time.Hour), time.Hour, arr),         // too late
		rec(5, "999999", "DSJ9999", arr, time.Hour, arr),                          // nobody of ours
		photo,
		{ID: 7, Officer: "000123"}, // no recorded time
		// R-DEV-2: a camera 2 h fast; on the server's clock it recorded
		// the first half hour.
		withOffset(rec(8, "000124", "DSJ0B34", arr.Add(2*time.Hour), 30*time.Minute, arr), 2*time.Hour),
		// and one 3 h slow whose file times look right: on the server's
		// clock it recorded hours after the end.
		withOffset(rec(9, "000124", "DSJ0B34", arr, 30*time.Minute, arr), -3*time.Hour),
	}
	got := Propose(a, cands)
	type row struct {
		ID    int64
		Score float64
	}
	var rows []row
	for _, p := range got {
		rows = append(rows, row{p.RecordingID, p.Score})
		if p.Reason.IsZero() {
			t.Errorf("proposal %d has no reason", p.RecordingID)
		}
		render(t, p.Reason)
	}
	want := []row{{1, 1}, {6, 0.8}, {8, 0.8}, {2, 0.6}, {3, 0.2}}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("proposals (-want +got):\n%s", diff)
	}
}

func withOffset(r evidence.Recording, d time.Duration) evidence.Recording {
	r.ClockOffset = &d
	return r
}
