package app

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"shilu/internal/blob"
	"shilu/internal/compliance"
	"shilu/internal/evidence"
	"shilu/internal/store"
	"shilu/internal/store/storetest"
)

// deviceFixture is the activity fixture with a custodian (王芳) who keeps
// the registry.
func newDeviceFixture(t *testing.T) *activityFixture {
	t.Helper()
	f := newActivityFixture(t)
	ctx := context.Background()
	err := f.db.Update(ctx, func(tx *store.Tx) error {
		a, err := tx.CreateAccount(ctx, store.NewAccount{Name: "wangfang", DisplayName: "王芳", Role: evidence.RoleCustodian})
		f.who["wangfang"] = Actor{User: a.User}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// recording stores a recording made on device by officer at start and
// runs the ingest's check on it, as the ingest hook does.
func (f *activityFixture) recording(t *testing.T, device, officer string, start time.Time) int64 {
	t.Helper()
	ctx := context.Background()
	var rec evidence.Recording
	err := f.db.Update(ctx, func(tx *store.Tx) error {
		end := start.Add(10 * time.Minute)
		var err error
		rec, err = tx.CreateRecording(ctx, evidence.Recording{Digest: blob.Sum([]byte(device + officer + start.String())), Size: 1,
			Filename: device + "_" + officer + ".MP4", Kind: evidence.KindVideo, Device: device, Officer: officer,
			RecordedStart: &start, RecordedEnd: &end}, f.who["zhangwei"].User.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	f.app.RecordingArchived(ctx, rec)
	return rec.ID
}

// rulesOf returns the rules of the open findings about recording id.
func (f *activityFixture) rulesOf(t *testing.T, id int64) []string {
	t.Helper()
	var rules []string
	err := f.db.View(context.Background(), func(tx *store.Tx) error {
		list, err := tx.Findings(context.Background(), store.FindingFilter{})
		for _, x := range list {
			if slices.Contains(x.RecordingIDs, id) {
				rules = append(rules, x.Rule)
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(rules)
	return rules
}

func (f *activityFixture) openKey(t *testing.T, key string) bool {
	t.Helper()
	found := false
	err := f.db.View(context.Background(), func(tx *store.Tx) error {
		list, err := tx.Findings(context.Background(), store.FindingFilter{})
		for _, x := range list {
			found = found || x.Key == key
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// R-ACC-1(二), X-DEV-1: a recording made on a device while it was assigned
// to officer A but named for officer B is lending (Art. 20(二)); one on an
// unregistered device is a finding until the device is registered; a
// correction of the assignment history is a custody entry with the span
// before and after, and it re-judges the recordings.
func TestDeviceLending(t *testing.T) {
	f := newDeviceFixture(t)
	ctx := context.Background()
	keeper := f.who["wangfang"]

	unknown := f.recording(t, "DSJ0A12", "000124", f.now.Add(-2*time.Hour))
	if got := f.rulesOf(t, unknown); !slices.Equal(got, []string{compliance.RuleDeviceUnknown}) {
		t.Fatalf("unregistered device: findings %v, want device_unknown", got)
	}
	d, err := f.app.RegisterDevice(ctx, keeper, evidence.Device{Serial: "DSJ0A12", Model: "DSJ-V9"})
	if err != nil {
		t.Fatal(err)
	}
	if got := f.rulesOf(t, unknown); !slices.Equal(got, []string{compliance.RuleDeviceUnassigned}) {
		t.Fatalf("registered, assigned to nobody: findings %v, want device_unassigned", got)
	}
	// 张伟 (000123) holds the device from ten days ago.
	as, err := f.app.AssignDevice(ctx, keeper, d.ID, "000123", f.now.Add(-10*24*time.Hour), "")
	if err != nil {
		t.Fatal(err)
	}
	if got := f.rulesOf(t, unknown); !slices.Equal(got, []string{compliance.RuleDeviceLent}) {
		t.Fatalf("device of 000123, recording of 000124: findings %v, want device_lent", got)
	}
	own := f.recording(t, "DSJ0A12", "000123", f.now.Add(-90*time.Minute))
	if got := f.rulesOf(t, own); len(got) != 0 {
		t.Fatalf("the holder's own recording: findings %v, want none", got)
	}
	lent := f.recording(t, "dsj0a12", "000124", f.now.Add(-time.Hour))
	if got := f.rulesOf(t, lent); !slices.Equal(got, []string{compliance.RuleDeviceLent}) {
		t.Fatalf("serial in other letter case: findings %v, want device_lent", got)
	}

	t.Run("ErrConflictOverlap", func(t *testing.T) {
		_, err := f.app.AssignDevice(ctx, keeper, d.ID, "000124", f.now.Add(-20*24*time.Hour), "")
		wantCode(t, err, evidence.EConflict, "err.device.assign_before_open")
	})
	t.Run("ErrInvalidUnknownOfficer", func(t *testing.T) {
		_, err := f.app.EditAssignment(ctx, keeper, as.ID, "999999", as.From, nil, "录入错误")
		wantCode(t, err, evidence.EInvalid, "err.activity.officer_unknown")
	})
	t.Run("ErrInvalidNoReason", func(t *testing.T) {
		_, err := f.app.EditAssignment(ctx, keeper, as.ID, "000124", as.From, nil, " ")
		wantCode(t, err, evidence.EInvalid, "err.device.edit_reason")
	})

	// The history was wrong: 李娜 had it. The edit is a custody entry and
	// turns the findings round.
	if _, err := f.app.EditAssignment(ctx, keeper, as.ID, "000124", as.From, nil, "领用登记录入错误"); err != nil {
		t.Fatal(err)
	}
	if got := f.rulesOf(t, unknown); len(got) != 0 {
		t.Fatalf("after the correction, 000124's recording: findings %v, want none", got)
	}
	if got := f.rulesOf(t, own); !slices.Equal(got, []string{compliance.RuleDeviceLent}) {
		t.Fatalf("after the correction, 000123's recording: findings %v, want device_lent", got)
	}
	var entries []evidence.Action
	var edit map[string]string
	err = f.db.View(ctx, func(tx *store.Tx) error {
		list, _, _, err := tx.AuditEntries(ctx, store.AuditFilter{Object: "device:DSJ0A12"}, -1, false, 100)
		for _, e := range list {
			entries = append(entries, evidence.Action(e.Action))
			if e.Action == evidence.ActionDeviceAssignmentEdit {
				edit = e.Details
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []evidence.Action{evidence.ActionDeviceRegister, evidence.ActionDeviceAssign, evidence.ActionDeviceAssignmentEdit}
	if !slices.Equal(entries, want) {
		t.Fatalf("custody entries of the device: %v, want %v", entries, want)
	}
	if edit["officer_before"] != "000123" || edit["officer_after"] != "000124" || edit["reason"] != "领用登记录入错误" {
		t.Fatalf("assignment_edit details = %v", edit)
	}
}

// R-ACC-1(七): a device reported lost is a finding, and so is a recording
// made on it after the loss; found again, both resolve.
func TestDeviceLost(t *testing.T) {
	f := newDeviceFixture(t)
	ctx := context.Background()
	keeper := f.who["wangfang"]
	d, err := f.app.RegisterDevice(ctx, keeper, evidence.Device{Serial: "DSJ0A12"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.AssignDevice(ctx, keeper, d.ID, "000123", f.now.Add(-10*24*time.Hour), ""); err != nil {
		t.Fatal(err)
	}
	before := f.recording(t, "DSJ0A12", "000123", f.now.Add(-5*time.Hour))
	after := f.recording(t, "DSJ0A12", "000123", f.now.Add(-time.Hour))
	lost := json.RawMessage(`"lost"`)
	since, _ := json.Marshal(f.now.Add(-3 * time.Hour))
	if _, err := f.app.UpdateDevice(ctx, keeper, d.ID, map[string]json.RawMessage{"status": lost, "status_since": since}); err != nil {
		t.Fatal(err)
	}
	if !f.openKey(t, compliance.DeviceLostKey(d.ID)) {
		t.Fatal("lost device: no finding")
	}
	if got := f.rulesOf(t, before); len(got) != 0 {
		t.Fatalf("recorded before the loss: findings %v, want none", got)
	}
	if got := f.rulesOf(t, after); !slices.Equal(got, []string{compliance.RuleDeviceLost}) {
		t.Fatalf("recorded after the loss: findings %v, want device_lost", got)
	}
	t.Run("ErrInvalidDeviceCheck", func(t *testing.T) {
		x := f.create(t)
		_, err := f.app.AddDeviceCheck(ctx, f.who["zhangwei"], x.ID, evidence.DeviceCheck{Officer: "000123", Device: "DSJ0A12", BatteryOK: true,
			StorageOK: true, ClockOK: true, CheckedAt: x.Arrival.Add(-time.Hour)})
		wantCode(t, err, evidence.EInvalid, "err.device_check.lost")
	})
	if _, err := f.app.UpdateDevice(ctx, keeper, d.ID, map[string]json.RawMessage{"status": json.RawMessage(`"in_service"`)}); err != nil {
		t.Fatal(err)
	}
	if f.openKey(t, compliance.DeviceLostKey(d.ID)) || len(f.rulesOf(t, after)) != 0 {
		t.Fatal("found again: findings still open")
	}
}

// Art. 5, X-DEV-1: a device check names a registered device, spelled as
// the registry spells it.
func TestDeviceCheckFromRegistry(t *testing.T) {
	f := newDeviceFixture(t)
	ctx := context.Background()
	x := f.create(t)
	check := evidence.DeviceCheck{Officer: "000123", Device: "dsj0a12", BatteryOK: true, StorageOK: true, ClockOK: true, CheckedAt: x.Arrival.Add(-time.Hour)}
	_, err := f.app.AddDeviceCheck(ctx, f.who["zhangwei"], x.ID, check)
	wantCode(t, err, evidence.EInvalid, "err.device_check.unregistered")
	if _, err := f.app.RegisterDevice(ctx, f.who["wangfang"], evidence.Device{Serial: "DSJ0A12"}); err != nil {
		t.Fatal(err)
	}
	dc, err := f.app.AddDeviceCheck(ctx, f.who["zhangwei"], x.ID, check)
	if err != nil {
		t.Fatal(err)
	}
	if dc.Device != "DSJ0A12" {
		t.Fatalf("device = %q, want the registry's DSJ0A12", dc.Device)
	}
}

// Art. 12, issue 13 point 3: a station silent longer than StationSilence
// is a finding; its next report resolves it.
func TestStationSilent(t *testing.T) {
	ctx := context.Background()
	clock := storetest.NewClock(time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC))
	db, _ := storetest.OpenClock(t, clock.Now)
	a := New(Config{DB: db, Argon2: fastHash})
	var st Actor
	err := db.Update(ctx, func(tx *store.Tx) error {
		acc, err := tx.CreateAccount(ctx, store.NewAccount{Name: "station-01", Role: evidence.RoleStation})
		st = Actor{User: acc.User}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	open := func() bool {
		var found bool
		err := db.View(ctx, func(tx *store.Tx) error {
			list, err := tx.Findings(ctx, store.FindingFilter{Rule: compliance.RuleStationSilent})
			found = len(list) == 1 && list[0].Key == compliance.StationSilentKey("station-01")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return found
	}
	if err := a.StationHeartbeat(ctx, st, evidence.StationReport{Queue: 2}); err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		name    string
		advance time.Duration
		report  bool
		want    bool
	}{
		{"OKWithinSilence", 14 * time.Minute, false, false},
		{"FindingWhenSilent", 2 * time.Minute, false, true},
		{"ResolvedByReport", 0, true, false},
	} {
		clock.Add(step.advance)
		if step.report {
			if err := a.StationHeartbeat(ctx, st, evidence.StationReport{}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := a.EvaluateDue(ctx); err != nil {
			t.Fatal(err)
		}
		if got := open(); got != step.want {
			t.Errorf("%s: finding open = %v, want %v", step.name, got, step.want)
		}
	}
	if err := a.StationHeartbeat(ctx, Actor{User: evidence.User{ID: 1, Name: "x", Role: evidence.RoleOfficer}}, evidence.StationReport{}); evidence.ErrorCode(err) != evidence.EForbidden {
		t.Errorf("officer's heartbeat: %v, want forbidden", err)
	}
}

// Art. 12, issue 13 point 3: a station that has never reported is silent
// since its account was made; a disabled (retired) station is no finding,
// and one it had is resolved. A report's error text is kept to its limit
// in characters, not cut at 128 bytes (43 Chinese characters).
func TestStationNeverReported(t *testing.T) {
	ctx := context.Background()
	clock := storetest.NewClock(time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC))
	db, _ := storetest.OpenClock(t, clock.Now)
	a := New(Config{DB: db, Argon2: fastHash})
	var never, retired Actor
	err := db.Update(ctx, func(tx *store.Tx) error {
		acc, err := tx.CreateAccount(ctx, store.NewAccount{Name: "station-01", Role: evidence.RoleStation})
		never = Actor{User: acc.User}
		if err != nil {
			return err
		}
		acc, err = tx.CreateAccount(ctx, store.NewAccount{Name: "station-02", Role: evidence.RoleStation})
		retired = Actor{User: acc.User}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	open := func() []string {
		var keys []string
		err := db.View(ctx, func(tx *store.Tx) error {
			list, err := tx.Findings(ctx, store.FindingFilter{Rule: compliance.RuleStationSilent, Status: evidence.FindingOpen})
			for _, f := range list {
				keys = append(keys, f.Key)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(keys)
		return keys
	}
	evaluate := func() {
		if _, err := a.EvaluateDue(ctx); err != nil {
			t.Fatal(err)
		}
	}
	evaluate()
	if got := open(); len(got) != 0 {
		t.Fatalf("new stations: findings %v, want none yet", got)
	}
	clock.Add(16 * time.Minute)
	evaluate()
	want := []string{compliance.StationSilentKey("station-01"), compliance.StationSilentKey("station-02")}
	if got := open(); !slices.Equal(got, want) {
		t.Fatalf("never reported after 16 min: findings %v, want %v", got, want)
	}
	if err := db.Update(ctx, func(tx *store.Tx) error { return tx.SetDisabled(ctx, retired.User.ID, true) }); err != nil {
		t.Fatal(err)
	}
	evaluate()
	if got := open(); !slices.Equal(got, want[:1]) {
		t.Fatalf("station-02 disabled: findings %v, want %v", got, want[:1])
	}

	text := strings.Repeat("磁盘空间不足", 50) // 300 characters, 900 bytes
	if err := a.StationHeartbeat(ctx, never, evidence.StationReport{Errors: []evidence.StationError{{Text: text + "\x00"}}}); err != nil {
		t.Fatal(err)
	}
	err = db.View(ctx, func(tx *store.Tx) error {
		list, err := tx.Stations(ctx)
		if err != nil {
			return err
		}
		if got := list[0].Report.Errors; len(got) != 1 || got[0].Text != text+"\uFFFD" {
			t.Errorf("stored error text %q, want the whole text with the control character replaced", got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	evaluate()
	if got := open(); len(got) != 0 {
		t.Errorf("after station-01 reported: findings %v, want none", got)
	}
}
