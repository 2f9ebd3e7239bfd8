package store

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"shilu/internal/blob"
	"shilu/internal/evidence"
)

// R-DEV-2: the device clock offset measured at docking and its time are
// stored with the recording and come back from every read path; a
// recording without a measurement reads back as not measured (NULL, not 0).
func TestRecordingClockRoundTrip(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	measured := time.Date(2026, 11, 26, 10, 0, 0, 123456000, time.UTC)
	dur := func(d time.Duration) *time.Duration { return &d }
	tests := []struct {
		name   string
		offset *time.Duration
		at     *time.Time
		want   *time.Duration
	}{
		{"Ahead", dur(90 * time.Second), &measured, dur(90 * time.Second)},
		{"Behind", dur(-12*time.Second - 345*time.Millisecond), &measured, dur(-12*time.Second - 345*time.Millisecond)},
		{"SubMillisecondDropped", dur(1500 * time.Microsecond), &measured, dur(time.Millisecond)},
		{"Zero", dur(0), &measured, dur(0)},
		{"NotMeasured", nil, nil, nil},
	}
	var uploader evidence.User
	if err := db.Update(ctx, func(tx *Tx) (err error) {
		uploader, err = tx.CreateUser(ctx, "station-01", evidence.RoleStation, "")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := evidence.Recording{Digest: blob.Sum([]byte(tt.name)), Size: 1, Filename: tt.name + ".mp4", Kind: evidence.KindVideo,
				Device: "DSJ0A12", ClockOffset: tt.offset, ClockMeasuredAt: tt.at}
			var created evidence.Recording
			err := db.Update(ctx, func(tx *Tx) (err error) {
				created, err = tx.CreateRecording(ctx, in, uploader.ID)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			var byID, byDigest evidence.Recording
			var list []evidence.Recording
			check(t, db.View(ctx, func(tx *Tx) error {
				byID, _ = tx.Recording(ctx, created.ID)
				byDigest, _ = tx.RecordingByDigest(ctx, in.Digest)
				page, _ := tx.Recordings(ctx, evidence.RecordingFilter{Digest: in.Digest})
				list = page.Recordings
				return nil
			}))
			if len(list) != 1 {
				t.Fatalf("listed %d recordings, want 1", len(list))
			}
			for what, got := range map[string]evidence.Recording{"created": created, "by id": byID, "by digest": byDigest, "listed": list[0]} {
				if diff := cmp.Diff(tt.want, got.ClockOffset); diff != "" {
					t.Errorf("%s: offset (-want +got):\n%s", what, diff)
				}
				if diff := cmp.Diff(tt.at, got.ClockMeasuredAt); diff != "" {
					t.Errorf("%s: measured at (-want +got):\n%s", what, diff)
				}
			}
		})
	}
	t.Run("ErrInvalidOffsetWithoutTime", func(t *testing.T) {
		err := db.Update(ctx, func(tx *Tx) error {
			_, err := tx.CreateRecording(ctx, evidence.Recording{Digest: blob.Sum([]byte("no time")), Size: 1, Filename: "x", Kind: evidence.KindVideo,
				ClockOffset: dur(time.Second)}, uploader.ID)
			return err
		})
		if evidence.ErrorCode(err) != evidence.EInvalid {
			t.Fatalf("err = %v, want invalid", err)
		}
	})
}
