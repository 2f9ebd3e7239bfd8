package app

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"shilu/internal/blob"
	"shilu/internal/evidence"
	"shilu/internal/store"
	"shilu/internal/store/storetest"
)

// activityFixture is a bureau with two departments: 张伟 (000123) and 李娜
// (000124) in 一科 under leader 刘洋, 王强 (000125) in 二科 under leader
// 陈静; the server's clock stands at now.
type activityFixture struct {
	app *App
	db  *store.DB
	now time.Time
	// who by sign-in name
	who map[string]Actor
}

func newActivityFixture(t *testing.T) *activityFixture {
	t.Helper()
	ctx := context.Background()
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, evidence.Zone)
	clock := storetest.NewClock(now)
	db, _ := storetest.OpenClock(t, clock.Now)
	f := &activityFixture{app: New(Config{DB: db, Argon2: fastHash}), db: db, now: now, who: map[string]Actor{}}
	err := db.Update(ctx, func(tx *store.Tx) error {
		d1, err := tx.CreateDepartment(ctx, "一科", nil)
		if err != nil {
			return err
		}
		d2, err := tx.CreateDepartment(ctx, "二科", nil)
		if err != nil {
			return err
		}
		for _, p := range []struct {
			name, display, no string
			role              evidence.Role
			dept              int64
		}{
			{"zhangwei", "张伟", "000123", evidence.RoleOfficer, d1.ID},
			{"lina", "李娜", "000124", evidence.RoleOfficer, d1.ID},
			{"wangqiang", "王强", "000125", evidence.RoleOfficer, d2.ID},
			{"liuyang", "刘洋", "", evidence.RoleLeader, d1.ID},
			{"chenjing", "陈静", "", evidence.RoleLeader, d2.ID},
		} {
			a, err := tx.CreateAccount(ctx, store.NewAccount{Name: p.name, DisplayName: p.display, OfficerNo: p.no, Role: p.role, DepartmentID: &p.dept})
			if err != nil {
				return err
			}
			f.who[p.name] = Actor{User: a.User}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// activity is a valid inspection by 张伟 and 李娜 that ended an hour ago.
func (f *activityFixture) activity() evidence.Activity {
	arr := f.now.Add(-2 * time.Hour)
	return evidence.Activity{Type: evidence.ActivityInspection, Place: evidence.Place{Address: "丰南区某药房"}, Officers: []string{"000123", "000124"},
		Devices: []string{"DSJ0A12"}, Arrival: arr, End: arr.Add(time.Hour), NoticeGiven: true}
}

func (f *activityFixture) create(t *testing.T) evidence.Activity {
	t.Helper()
	x, err := f.app.CreateActivity(context.Background(), f.who["zhangwei"], f.activity())
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func wantCode(t *testing.T, err error, want evidence.Code, key string) {
	t.Helper()
	if got := evidence.ErrorCode(err); got != want {
		t.Fatalf("err = %v, want code %q", err, want)
	}
	if key != "" && evidence.ErrorMessage(err).Key != key {
		t.Fatalf("err = %v, want message %s", err, key)
	}
}

// R-ACT-1, issue 9 item 9: an activity names people who hold an account
// and recorders whose id is well formed; "abc" and "999999" do not become
// people on the dashboard.
func TestActivityOfficersAndDevices(t *testing.T) {
	f := newActivityFixture(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		change  func(x *evidence.Activity)
		code    evidence.Code
		message string
	}{
		{"OK", func(x *evidence.Activity) {}, "", ""},
		{"ErrInvalidLetters", func(x *evidence.Activity) { x.Officers = []string{"000123", "abc"} }, evidence.EInvalid, "err.activity.officer_unknown"},
		{"ErrInvalidNobody", func(x *evidence.Activity) { x.Officers = []string{"999999"} }, evidence.EInvalid, "err.activity.officer_unknown"},
		{"ErrInvalidDevice", func(x *evidence.Activity) { x.Devices = []string{"DSJ 0A12"} }, evidence.EInvalid, "err.activity.device_format"},
		{"ErrInvalidDeviceSign", func(x *evidence.Activity) { x.Devices = []string{"-DSJ"} }, evidence.EInvalid, "err.activity.device_format"},
		{"OKDeviceDashes", func(x *evidence.Activity) { x.Devices = []string{"ZFY-2024_07.1"} }, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := f.activity()
			tc.change(&x)
			_, err := f.app.CreateActivity(ctx, f.who["zhangwei"], x)
			wantCode(t, err, tc.code, tc.message)
		})
	}
	t.Run("ErrInvalidOnUpdate", func(t *testing.T) {
		x := f.create(t)
		_, err := f.app.UpdateActivity(ctx, f.who["zhangwei"], x.ID, map[string]json.RawMessage{"officers": json.RawMessage(`["000123","999999"]`)})
		wantCode(t, err, evidence.EInvalid, "err.activity.officer_unknown")
	})
	t.Run("OKKeepsStoredNumber", func(t *testing.T) {
		// A number stored before its account went away stays valid on edit.
		var x evidence.Activity
		err := f.db.Update(ctx, func(tx *store.Tx) error {
			var err error
			a := f.activity()
			a.Officers = []string{"000123", "000999"}
			x, err = tx.CreateActivity(ctx, a, f.who["zhangwei"].User.ID)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.app.UpdateActivity(ctx, f.who["zhangwei"], x.ID, map[string]json.RawMessage{"party": json.RawMessage(`"某药房"`)}); err != nil {
			t.Fatal(err)
		}
	})
}

// R-ACT-1, issue 9 item 9: times lie between 2000-01-01 and a day past the
// server's clock, an activity ends after it starts and within a week, and
// device checks and interruptions keep to the same window.
func TestActivityTimesPlausible(t *testing.T) {
	f := newActivityFixture(t)
	ctx := context.Background()
	year := func(y int) time.Time { return time.Date(y, 11, 26, 9, 0, 0, 0, evidence.Zone) }
	for _, tc := range []struct {
		name    string
		change  func(x *evidence.Activity)
		code    evidence.Code
		message string
	}{
		{"OK", func(x *evidence.Activity) {}, "", ""},
		{"OKLaterToday", func(x *evidence.Activity) { x.Arrival, x.End = f.now.Add(time.Hour), f.now.Add(2*time.Hour) }, "", ""},
		{"ErrInvalid1900", func(x *evidence.Activity) { x.Arrival = year(1900) }, evidence.EInvalid, "err.time_out_of_range"},
		{"ErrInvalid9999", func(x *evidence.Activity) { x.Arrival, x.End = year(9999), year(9999).Add(time.Hour) }, evidence.EInvalid, "err.time_out_of_range"},
		{"ErrInvalidTwoDaysAhead", func(x *evidence.Activity) { x.Arrival, x.End = f.now.Add(47*time.Hour), f.now.Add(48*time.Hour) }, evidence.EInvalid, "err.time_out_of_range"},
		{"ErrInvalidEndBeforeArrival", func(x *evidence.Activity) { x.End = x.Arrival.Add(-time.Minute) }, evidence.EInvalid, "err.activity.end_before_arrival"},
		{"ErrInvalidTooLong", func(x *evidence.Activity) { x.Arrival = x.End.Add(-8 * 24 * time.Hour) }, evidence.EInvalid, "err.activity.too_long"},
		{"ErrInvalidReturn9999", func(x *evidence.Activity) {
			x.WorkMode, x.ReturnAt = evidence.WorkAway, new(time.Time)
			*x.ReturnAt = year(9999)
		}, evidence.EInvalid, "err.time_out_of_range"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := f.activity()
			tc.change(&x)
			_, err := f.app.CreateActivity(ctx, f.who["zhangwei"], x)
			wantCode(t, err, tc.code, tc.message)
		})
	}
	x := f.create(t)
	t.Run("ErrInvalidUpdate1900", func(t *testing.T) {
		_, err := f.app.UpdateActivity(ctx, f.who["zhangwei"], x.ID, map[string]json.RawMessage{"arrival": json.RawMessage(`"1900-01-01T09:00:00+08:00"`)})
		wantCode(t, err, evidence.EInvalid, "err.time_out_of_range")
	})
	t.Run("ErrInvalidDeviceCheck9999", func(t *testing.T) {
		_, err := f.app.AddDeviceCheck(ctx, f.who["zhangwei"], x.ID, evidence.DeviceCheck{Officer: "000123", Device: "DSJ0A12", BatteryOK: true,
			StorageOK: true, ClockOK: true, CheckedAt: year(9999)})
		wantCode(t, err, evidence.EInvalid, "err.time_out_of_range")
	})
	t.Run("ErrInvalidInterruption1900", func(t *testing.T) {
		_, err := f.app.ExplainInterruption(ctx, f.who["zhangwei"], x.ID, evidence.Interruption{Officer: "000123", Start: year(1900),
			End: year(1900).Add(time.Minute), Cause: evidence.CauseWeather, VoiceRecordingID: 1})
		wantCode(t, err, evidence.EInvalid, "err.time_out_of_range")
	})
}

// linkClips links to x two clips of 张伟 with a 10-minute gap between them
// (the second resumes it) and one of 李娜 that covers the hour, and returns
// their ids.
func (f *activityFixture) linkClips(t *testing.T, x evidence.Activity) (first, resumed, other int64) {
	t.Helper()
	ctx := context.Background()
	var ids []int64
	err := f.db.Update(ctx, func(tx *store.Tx) error {
		for i, c := range []struct {
			officer    string
			start, end time.Duration
		}{{"000123", 0, 20 * time.Minute}, {"000123", 30 * time.Minute, 60 * time.Minute}, {"000124", 0, 60 * time.Minute}} {
			s, e := x.Arrival.Add(c.start), x.Arrival.Add(c.end)
			r, err := tx.CreateRecording(ctx, evidence.Recording{Digest: blob.Sum([]byte{byte(i), byte(x.ID)}), Size: 1, Filename: "clip.mp4",
				Kind: evidence.KindVideo, Officer: c.officer, RecordedStart: &s, RecordedEnd: &e}, f.who["zhangwei"].User.ID)
			if err != nil {
				return err
			}
			ids = append(ids, r.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.app.Link(ctx, f.who["zhangwei"], x.ID, ids); err != nil {
		t.Fatal(err)
	}
	return ids[0], ids[1], ids[2]
}

// R-ACT-6, issue 9 item 9: the spoken explanation of an interruption lies
// in the recording that resumed it, and within that recording.
func TestExplainInterruptionVoice(t *testing.T) {
	f := newActivityFixture(t)
	ctx := context.Background()
	x := f.create(t)
	first, resumed, other := f.linkClips(t, x)
	gapStart, gapEnd := x.Arrival.Add(20*time.Minute), x.Arrival.Add(30*time.Minute)
	for _, tc := range []struct {
		name    string
		voice   int64
		point   time.Duration
		code    evidence.Code
		message string
	}{
		{"OK", resumed, 5 * time.Second, "", ""},
		{"OKAtTheEnd", resumed, 30 * time.Minute, "", ""},
		{"ErrInvalidPastEnd", resumed, 31 * time.Minute, evidence.EInvalid, "err.interruption.voice_point_past_end"},
		{"ErrInvalidBeforeGap", first, 5 * time.Second, evidence.EInvalid, "err.interruption.voice_not_resumed"},
		{"ErrInvalidOtherOfficer", other, 5 * time.Second, evidence.EInvalid, "err.interruption.voice_not_resumed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.app.ExplainInterruption(ctx, f.who["zhangwei"], x.ID, evidence.Interruption{Officer: "000123", Start: gapStart, End: gapEnd,
				Cause: evidence.CauseBatteryStorage, VoiceRecordingID: tc.voice, VoicePoint: tc.point})
			wantCode(t, err, tc.code, tc.message)
		})
	}
}

// R-ACT-1, R-AUD-1: an activity entered by mistake is voided with a reason
// by one of its officers or their leader; it keeps its recordings, drops
// out of the findings and the dashboard, and is closed to changes.
func TestVoidActivity(t *testing.T) {
	f := newActivityFixture(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name, who, reason string
		code              evidence.Code
		message           string
	}{
		{"OKOwnOfficer", "lina", "重复登记", "", ""},
		{"OKLeader", "liuyang", "重复登记", "", ""},
		{"ErrForbiddenOtherOfficer", "wangqiang", "重复登记", evidence.EForbidden, "err.activity.void_forbidden"},
		{"ErrForbiddenOtherLeader", "chenjing", "重复登记", evidence.EForbidden, "err.activity.void_forbidden"},
		{"ErrInvalidNoReason", "zhangwei", "  ", evidence.EInvalid, "err.activity.void_reason"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := f.create(t)
			v, err := f.app.VoidActivity(ctx, f.who[tc.who], x.ID, tc.reason)
			wantCode(t, err, tc.code, tc.message)
			if err == nil && (v.Void == nil || v.Void.By != tc.who || v.Void.Reason != tc.reason || !v.Void.At.Equal(f.now)) {
				t.Errorf("void = %+v", v.Void)
			}
		})
	}

	x := f.create(t)
	f.linkClips(t, x)
	open := func() int {
		var n int
		err := f.db.View(ctx, func(tx *store.Tx) error {
			fs, err := tx.Findings(ctx, store.FindingFilter{ActivityID: x.ID})
			n = len(fs)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	evaluated := func() bool {
		var recs map[int64][]byte
		err := f.db.View(ctx, func(tx *store.Tx) error {
			var err error
			recs, err = tx.EvaluationRecordsOf(ctx, []int64{x.ID})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return recs[x.ID] != nil
	}
	if open() == 0 || !evaluated() {
		t.Fatalf("before voiding: %d findings, evaluated %v; want the gap's finding and an evaluation", open(), evaluated())
	}
	if _, err := f.app.VoidActivity(ctx, f.who["zhangwei"], x.ID, "录入错误"); err != nil {
		t.Fatal(err)
	}
	if n := open(); n != 0 {
		t.Errorf("%d findings still open after voiding", n)
	}
	if evaluated() {
		t.Error("the dashboard still counts the void activity")
	}
	err := f.db.View(ctx, func(tx *store.Tx) error {
		recs, err := tx.ActivityRecordings(ctx, x.ID)
		if len(recs) != 3 {
			t.Errorf("%d recordings linked after voiding, want 3 (they stay linked)", len(recs))
		}
		if err != nil {
			return err
		}
		due, err := tx.ActivitiesToEvaluate(ctx, 0, 100)
		for _, id := range due {
			if id == x.ID {
				t.Error("the evaluator would evaluate the void activity again")
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("ErrConflictVoidAgain", func(t *testing.T) {
		_, err := f.app.VoidActivity(ctx, f.who["zhangwei"], x.ID, "再次")
		wantCode(t, err, evidence.EConflict, "err.activity.voided")
	})
	t.Run("ErrConflictUpdate", func(t *testing.T) {
		_, err := f.app.UpdateActivity(ctx, f.who["zhangwei"], x.ID, map[string]json.RawMessage{"party": json.RawMessage(`"某药房"`)})
		wantCode(t, err, evidence.EConflict, "err.activity.voided")
	})
	t.Run("ErrConflictUnlink", func(t *testing.T) {
		recs, _, _ := f.linkedIDs(t, x.ID)
		err := f.app.Unlink(ctx, f.who["zhangwei"], x.ID, recs)
		wantCode(t, err, evidence.EConflict, "err.activity.voided")
	})
	t.Run("ErrInvalidVoidByPatch", func(t *testing.T) {
		y := f.create(t)
		_, err := f.app.UpdateActivity(ctx, f.who["zhangwei"], y.ID, map[string]json.RawMessage{"void": json.RawMessage(`{"by":"x","reason":"y"}`)})
		wantCode(t, err, evidence.EInvalid, "err.activity.void_not_patch")
	})
}

func (f *activityFixture) linkedIDs(t *testing.T, id int64) (int64, int, error) {
	t.Helper()
	var recs []evidence.Recording
	err := f.db.View(context.Background(), func(tx *store.Tx) error {
		var err error
		recs, err = tx.ActivityRecordings(context.Background(), id)
		return err
	})
	if err != nil || len(recs) == 0 {
		t.Fatalf("linked recordings: %v", err)
	}
	return recs[0].ID, len(recs), nil
}
