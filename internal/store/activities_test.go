package store

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"shilu/internal/blob"
	"shilu/internal/evidence"
)

// activityFixture stores a user, an inspection by 000123 and 000124 with
// device DSJ0A12 from 09:00 to 10:00 (UTC+8) on 26 Nov 2026, and recordings.
type activityFixture struct {
	user evidence.User
	act  evidence.Activity
	recs map[string]evidence.Recording
}

var cst = time.FixedZone("CST", 8*3600)

func newActivityFixture(t *testing.T, db *DB) activityFixture {
	t.Helper()
	ctx := context.Background()
	arr := time.Date(2026, 11, 26, 9, 0, 0, 0, cst)
	f := activityFixture{recs: map[string]evidence.Recording{}}
	rec := func(tx *Tx, name, officer, device string, from, to time.Duration) error {
		s, e := arr.Add(from), arr.Add(to)
		r, err := tx.CreateRecording(ctx, evidence.Recording{Digest: blob.Sum([]byte(name)), Size: 1, Filename: name, Kind: evidence.KindVideo,
			Officer: officer, Device: device, RecordedStart: &s, RecordedEnd: &e}, f.user.ID)
		f.recs[name] = r
		return err
	}
	err := db.Update(ctx, func(tx *Tx) error {
		var err error
		if f.user, err = tx.CreateUser(ctx, "zhangwei", evidence.RoleOfficer, ""); err != nil {
			return err
		}
		f.act, err = tx.CreateActivity(ctx, evidence.Activity{Type: evidence.ActivityInspection, Place: evidence.Place{Address: "丰南区某药房"},
			Officers: []string{"000123", "000124"}, Devices: []string{"DSJ0A12"}, Arrival: arr, End: arr.Add(time.Hour), WorkMode: evidence.WorkNormal}, f.user.ID)
		if err != nil {
			return err
		}
		for _, r := range []struct {
			name, officer, device string
			from, to              time.Duration
		}{
			{"mine", "000123", "DSJ0A12", 0, 30 * time.Minute},
			{"colleague", "000124", "DSJ0B34", 0, time.Hour},
			{"device-only", "999999", "DSJ0A12", 30 * time.Minute, time.Hour}, // officer field wrong, device right
			{"slack", "000123", "DSJ0A12", -20 * time.Minute, -10 * time.Minute},
			{"too-early", "000123", "DSJ0A12", -3 * time.Hour, -2 * time.Hour},
			{"stranger", "888888", "DSJ0Z99", 0, time.Hour},
		} {
			if err := rec(tx, r.name, r.officer, r.device, r.from, r.to); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// R-ACT-1: activities are stored with their officers, devices and facts,
// changed, and listed by officer, type and arrival.
func TestActivities(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	f := newActivityFixture(t, db)
	lat, lon := 39.57, 118.08
	ret := f.act.End.Add(2 * time.Hour).UTC()
	var second evidence.Activity
	err := db.Update(ctx, func(tx *Tx) error {
		got, err := tx.Activity(ctx, f.act.ID)
		if err != nil {
			return err
		}
		if diff := cmp.Diff(f.act, got); diff != "" {
			t.Errorf("activity round trip (-created +read):\n%s", diff)
		}
		if got.Arrival.Location() != time.UTC || !got.Arrival.Equal(time.Date(2026, 11, 26, 1, 0, 0, 0, time.UTC)) {
			t.Errorf("arrival %v: want UTC", got.Arrival)
		}
		second = evidence.Activity{Type: evidence.ActivityService, Place: evidence.Place{Address: "偏远乡镇卫生院", Lat: &lat, Lon: &lon},
			Officers: []string{"000125"}, Arrival: f.act.Arrival.Add(24 * time.Hour), End: f.act.End.Add(24 * time.Hour), WorkMode: evidence.WorkRemote,
			ReturnAt: &ret, NoticeGiven: true, Preservation: nil}
		second.ReturnAt = ptrTime(second.End.Add(time.Hour).UTC())
		if second, err = tx.CreateActivity(ctx, second, f.user.ID); err != nil {
			return err
		}
		got.Officers, got.Party = []string{"000124", "000126"}, "某药房"
		got.Preservation = nil
		upd, err := tx.UpdateActivity(ctx, got)
		if err != nil {
			return err
		}
		if diff := cmp.Diff(got, upd); diff != "" {
			t.Errorf("update (-want +got):\n%s", diff)
		}
		if _, err := tx.UpdateActivity(ctx, evidence.Activity{ID: 999, Type: evidence.ActivityOther}); evidence.ErrorCode(err) != evidence.ENotFound {
			t.Errorf("update of a missing activity: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		filter ActivityFilter
		want   []int64
	}{
		{"All", ActivityFilter{}, []int64{second.ID, f.act.ID}},
		{"ByOfficer", ActivityFilter{Officer: "000126"}, []int64{f.act.ID}},
		{"OfficerRemoved", ActivityFilter{Officer: "000123"}, nil},
		{"ByType", ActivityFilter{Type: evidence.ActivityService}, []int64{second.ID}},
		{"ByOfficerAndType", ActivityFilter{Officer: "000126", Type: evidence.ActivityInspection}, []int64{f.act.ID}},
		{"FromInclusive", ActivityFilter{From: second.Arrival}, []int64{second.ID}},
		{"ToExclusive", ActivityFilter{To: second.Arrival}, []int64{f.act.ID}},
		{"FirstPage", ActivityFilter{Limit: 1}, []int64{second.ID}},
		{"SecondPage", ActivityFilter{Limit: 1, After: &evidence.Cursor{Start: &second.Arrival, ID: second.ID}}, []int64{f.act.ID}},
		{"PastTheEnd", ActivityFilter{Limit: 1, After: &evidence.Cursor{Start: &f.act.Arrival, ID: f.act.ID}}, nil},
		{"Before", ActivityFilter{Limit: 1, Before: &evidence.Cursor{Start: &f.act.Arrival, ID: f.act.ID}}, []int64{second.ID}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			check(t, db.View(ctx, func(tx *Tx) error {
				list, err := tx.Activities(ctx, tt.filter)
				if err != nil {
					t.Fatal(err)
				}
				var ids []int64
				for _, a := range list {
					ids = append(ids, a.ID)
				}
				if diff := cmp.Diff(tt.want, ids); diff != "" {
					t.Errorf("ids (-want +got):\n%s", diff)
				}
				// The count is the whole selection, whatever the page.
				p, err := tx.ActivitiesPage(ctx, tt.filter)
				page := tt.filter
				page.Limit, page.After, page.Before = 0, nil, nil
				all, _ := tx.Activities(ctx, page)
				if err != nil || p.Total != len(all) || fmt.Sprint(activityIDs(p.Activities)) != fmt.Sprint(activityIDs(list)) {
					t.Errorf("page %v of %d (%v), want %v of %d", activityIDs(p.Activities), p.Total, err, activityIDs(list), len(all))
				}
				return nil
			}))
		})
	}
	check(t, db.View(ctx, func(tx *Tx) error {
		a, err := tx.Activity(ctx, second.ID)
		if err != nil || a.Place.Lat == nil || *a.Place.Lat != lat || a.ReturnAt == nil || a.WorkMode != evidence.WorkRemote {
			t.Errorf("second activity %+v, %v", a, err)
		}
		if _, err := tx.Activity(ctx, 999); evidence.ErrorCode(err) != evidence.ENotFound {
			t.Errorf("missing activity: %v", err)
		}
		return nil
	}))
}

func ptrTime(t time.Time) *time.Time { return &t }

// Art. 4, 9; R-USE-1: candidates by officer or device and time (with slack),
// confirmed links, and the orphans that remain.
func TestLinkingAndOrphans(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	f := newActivityFixture(t, db)
	names := func(recs []evidence.Recording) []string {
		out := []string{}
		byID := map[int64]string{}
		for n, r := range f.recs {
			byID[r.ID] = n
		}
		for _, r := range recs {
			out = append(out, byID[r.ID])
		}
		return out
	}
	err := db.Update(ctx, func(tx *Tx) error {
		cands, err := tx.RecordingsForProposal(ctx, f.act, 15*time.Minute)
		if err != nil {
			return err
		}
		if diff := cmp.Diff([]string{"slack", "mine", "colleague", "device-only"}, names(cands)); diff != "" {
			t.Errorf("candidates (-want +got):\n%s", diff)
		}
		for _, n := range []string{"mine", "colleague"} {
			if isNew, err := tx.LinkRecording(ctx, f.act.ID, f.recs[n].ID, f.user.ID); err != nil || !isNew {
				t.Errorf("link %s: %v %v", n, isNew, err)
			}
		}
		if isNew, err := tx.LinkRecording(ctx, f.act.ID, f.recs["mine"].ID, f.user.ID); err != nil || isNew {
			t.Errorf("second link: new=%v %v", isNew, err)
		}
		if _, err := tx.LinkRecording(ctx, f.act.ID, 999, f.user.ID); evidence.ErrorCode(err) != evidence.ENotFound {
			t.Errorf("link of a missing recording: %v", err)
		}
		if _, err := tx.LinkRecording(ctx, 999, f.recs["mine"].ID, f.user.ID); evidence.ErrorCode(err) != evidence.ENotFound {
			t.Errorf("link to a missing activity: %v", err)
		}
		cands, err = tx.RecordingsForProposal(ctx, f.act, 15*time.Minute)
		if err != nil {
			return err
		}
		if diff := cmp.Diff([]string{"slack", "device-only"}, names(cands)); diff != "" {
			t.Errorf("candidates after linking (-want +got):\n%s", diff)
		}
		linked, err := tx.ActivityRecordings(ctx, f.act.ID)
		if err != nil {
			return err
		}
		if diff := cmp.Diff([]string{"mine", "colleague"}, names(linked)); diff != "" {
			t.Errorf("linked (-want +got):\n%s", diff)
		}
		orphans, err := tx.OrphanRecordings(ctx, "000123", 0)
		if err != nil {
			return err
		}
		if diff := cmp.Diff([]string{"slack", "too-early"}, names(orphans)); diff != "" {
			t.Errorf("orphans of 000123 (-want +got):\n%s", diff)
		}
		if err := tx.UnlinkRecording(ctx, f.act.ID, f.recs["mine"].ID); err != nil {
			return err
		}
		if err := tx.UnlinkRecording(ctx, f.act.ID, f.recs["mine"].ID); evidence.ErrorCode(err) != evidence.ENotFound {
			t.Errorf("second unlink: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Art. 5, 7, 11; R-DEV-1, R-ACT-2, R-ACT-6: device checks in the window
// before the arrival, exemptions acknowledged once, and one explanation per
// gap that a later one replaces.
func TestChecksExemptionsInterruptions(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	f := newActivityFixture(t, db)
	a := f.act
	err := db.Update(ctx, func(tx *Tx) error {
		for _, c := range []evidence.DeviceCheck{
			{Officer: "000123", Device: "DSJ0A12", BatteryOK: true, StorageOK: true, ClockOK: true, CheckedAt: a.Arrival.Add(-time.Hour)},
			{Officer: "000124", Device: "DSJ0B34", BatteryOK: true, CheckedAt: a.Arrival.Add(-24 * time.Hour)}, // too early, not filed with it
			{ActivityID: a.ID, Officer: "000124", Device: "DSJ0B34", BatteryOK: true, CheckedAt: a.Arrival.Add(-48 * time.Hour)},
			{Officer: "000999", Device: "X", CheckedAt: a.Arrival.Add(-time.Minute)}, // not on the activity
		} {
			if _, err := tx.AddDeviceCheck(ctx, c, f.user.ID); err != nil {
				return err
			}
		}
		checks, err := tx.DeviceChecksFor(ctx, a, 12*time.Hour)
		if err != nil {
			return err
		}
		if len(checks) != 2 || checks[0].ActivityID != a.ID || checks[1].Officer != "000123" || !checks[1].OK() {
			t.Errorf("checks for the activity: %+v", checks)
		}

		e, err := tx.SubmitExemption(ctx, evidence.Exemption{ActivityID: a.ID, Category: evidence.ExemptEmergency, Reason: "现场冲突", Basis: "第七条第二项",
			SubmittedBy: "zhangwei"}, f.user.ID)
		if err != nil {
			return err
		}
		got, submitter, err := tx.Exemption(ctx, e.ID)
		if err != nil || submitter != f.user.ID || got.Acknowledged() || got.SubmittedAt != tx.Now() {
			t.Errorf("exemption %+v by %d: %v", got, submitter, err)
		}
		ack, err := tx.AcknowledgeExemption(ctx, e.ID, "liuyang")
		if err != nil || !ack.Acknowledged() || ack.AcknowledgedBy != "liuyang" {
			t.Errorf("acknowledged %+v: %v", ack, err)
		}
		if _, err := tx.AcknowledgeExemption(ctx, e.ID, "liuyang"); evidence.ErrorCode(err) != evidence.EConflict {
			t.Errorf("second acknowledgement: %v", err)
		}
		if _, err := tx.AcknowledgeExemption(ctx, 999, "liuyang"); evidence.ErrorCode(err) != evidence.ENotFound {
			t.Errorf("acknowledging a missing exemption: %v", err)
		}

		gap := a.Arrival.Add(30 * time.Minute)
		it := evidence.Interruption{ActivityID: a.ID, Officer: "000123", Start: gap, End: gap.Add(40 * time.Second), Cause: evidence.CauseBatteryStorage,
			CouldNotContinue: true, ReportedTo: "科长", ExplainedBy: "zhangwei"}
		if _, err := tx.ExplainInterruption(ctx, it); err != nil {
			return err
		}
		it.WrittenExplanation, it.VoicePoint = "电池耗尽，已书面说明", 0
		if _, err := tx.ExplainInterruption(ctx, it); err != nil {
			return err
		}
		its, err := tx.Interruptions(ctx, a.ID)
		if err != nil {
			return err
		}
		if len(its) != 1 || its[0].WrittenExplanation != "电池耗尽，已书面说明" || !its[0].Complete() || !its[0].Start.Equal(gap) {
			t.Errorf("interruptions %+v", its)
		}
		it.VoiceRecordingID = 999
		if _, err := tx.ExplainInterruption(ctx, it); evidence.ErrorCode(err) != evidence.ENotFound {
			t.Errorf("voice point in a missing recording: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Findings are upserted by key: status never moves back while the rule
// fires, a finding the rules no longer produce is resolved, and it comes
// back when it fires again.
func TestSyncFindings(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	f := newActivityFixture(t, db)
	gap := evidence.Finding{Key: "coverage_gap/a1/000123/x", Rule: "coverage_gap", Article: "Art. 11", Officer: "000123", ActivityID: f.act.ID,
		Evidence: evidence.Msg("finding.coverage_gap", 40*time.Second, evidence.Msg("act.pos.inner"), f.act.Arrival, f.act.Arrival.Add(40*time.Second)), Status: evidence.FindingOpen, Severity: evidence.SeverityWarning}
	few := evidence.Finding{Key: "too_few_officers/a1/", Rule: "too_few_officers", Article: "X-ACT-1", ActivityID: f.act.ID,
		RecordingIDs: []int64{f.recs["mine"].ID}, Evidence: evidence.Msg("finding.too_few_officers", 1, "000123"), Status: evidence.FindingOpen, Severity: evidence.SeverityWarning}
	explained := gap
	explained.Status = evidence.FindingExplained
	type want struct {
		Rule     string
		Status   evidence.FindingStatus
		Resolved bool
	}
	steps := []struct {
		name string
		run  []evidence.Finding
		want []want
	}{
		{"FirstRun", []evidence.Finding{gap, few}, []want{{"coverage_gap", "open", false}, {"too_few_officers", "open", false}}},
		{"Explained", []evidence.Finding{explained, few}, []want{{"coverage_gap", "explained", false}, {"too_few_officers", "open", false}}},
		{"NeverBackToOpen", []evidence.Finding{gap}, []want{{"coverage_gap", "explained", false}, {"too_few_officers", "open", true}}},
		{"FiresAgain", []evidence.Finding{gap, few}, []want{{"coverage_gap", "explained", false}, {"too_few_officers", "open", false}}},
		{"NothingFires", nil, []want{{"coverage_gap", "explained", true}, {"too_few_officers", "open", true}}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			err := db.Update(ctx, func(tx *Tx) error {
				if err := tx.SyncFindings(ctx, f.act.ID, st.run); err != nil {
					return err
				}
				list, err := tx.Findings(ctx, FindingFilter{Resolved: true})
				if err != nil {
					return err
				}
				var got []want
				for _, sf := range list {
					got = append(got, want{sf.Rule, sf.Status, sf.ResolvedAt != nil})
				}
				if diff := cmp.Diff(st.want, got); diff != "" {
					t.Errorf("findings (-want +got):\n%s", diff)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
	err := db.Update(ctx, func(tx *Tx) error {
		if err := tx.SyncFindings(ctx, f.act.ID, []evidence.Finding{gap, few}); err != nil {
			return err
		}
		list, err := tx.Findings(ctx, FindingFilter{Rule: "too_few_officers", Status: evidence.FindingOpen})
		if err != nil || len(list) != 1 || list[0].RecordingIDs[0] != f.recs["mine"].ID {
			t.Fatalf("filtered %+v: %v", list, err)
		}
		acc, err := tx.AcceptFinding(ctx, list[0].ID, "liuyang")
		if err != nil || acc.Status != evidence.FindingAccepted || acc.AcceptedBy != "liuyang" || acc.AcceptedAt == nil {
			t.Errorf("accepted %+v: %v", acc, err)
		}
		if _, err := tx.AcceptFinding(ctx, list[0].ID, "liuyang"); evidence.ErrorCode(err) != evidence.EConflict {
			t.Errorf("second accept: %v", err)
		}
		if _, err := tx.AcceptFinding(ctx, 999, "liuyang"); evidence.ErrorCode(err) != evidence.ENotFound {
			t.Errorf("accepting a missing finding: %v", err)
		}
		if err := tx.SyncFindings(ctx, f.act.ID, []evidence.Finding{gap, few}); err != nil {
			return err
		}
		if got, _ := tx.Finding(ctx, acc.ID); got.Status != evidence.FindingAccepted {
			t.Errorf("re-evaluation reopened an accepted finding: %s", got.Status)
		}
		if list, _ := tx.Findings(ctx, FindingFilter{Officer: "000123"}); len(list) != 1 || list[0].Rule != "coverage_gap" {
			t.Errorf("by officer: %+v", list)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// R-DEV-2: candidates are found on the server's clock: a camera 2 h fast
// recorded the activity although its file times say otherwise.
func TestProposalUsesCorrectedTimes(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	f := newActivityFixture(t, db)
	err := db.Update(ctx, func(tx *Tx) error {
		s, e := f.act.Arrival.Add(2*time.Hour), f.act.Arrival.Add(2*time.Hour+30*time.Minute)
		fast := 2 * time.Hour
		r, err := tx.CreateRecording(ctx, evidence.Recording{Digest: blob.Sum([]byte("fast")), Size: 1, Filename: "fast.mp4", Kind: evidence.KindVideo,
			Officer: "000124", RecordedStart: &s, RecordedEnd: &e, ClockOffset: &fast, ClockMeasuredAt: &e}, f.user.ID)
		if err != nil {
			return err
		}
		cands, err := tx.RecordingsForProposal(ctx, f.act, 15*time.Minute)
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(cands, func(c evidence.Recording) bool { return c.ID == r.ID }) {
			t.Errorf("the fast camera's recording is not a candidate")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A finding's evidence is kept as a Message with its argument types, so a
// stored finding reads as richly as a fresh one; a row written before
// findings were messages (English text) reads as that text.
func TestFindingEvidenceStored(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	f := newActivityFixture(t, db)
	m := evidence.Msg("finding.coverage_gap", 172*time.Second, evidence.Msg("act.pos.inner"), f.act.Arrival.UTC(), f.act.Arrival.Add(172*time.Second).UTC())
	fd := evidence.Finding{Key: "coverage_gap/a1/000123/x", Rule: "coverage_gap", Article: "Art. 11", Officer: "000123", ActivityID: f.act.ID,
		Evidence: m, Status: evidence.FindingOpen, Severity: evidence.SeverityWarning}
	err := db.Update(ctx, func(tx *Tx) error {
		if err := tx.SyncFindings(ctx, f.act.ID, []evidence.Finding{fd}); err != nil {
			return err
		}
		list, err := tx.Findings(ctx, FindingFilter{})
		if err != nil || len(list) != 1 {
			return fmt.Errorf("findings %v, %v", list, err)
		}
		if diff := cmp.Diff(m, list[0].Evidence); diff != "" {
			t.Errorf("evidence read back (-want +got):\n%s", diff)
		}
		if err := tx.exec(ctx, `UPDATE findings SET evidence = ? WHERE id = ?`, "2m52s uncovered (inner)", list[0].ID); err != nil {
			return err
		}
		list, err = tx.Findings(ctx, FindingFilter{})
		if err != nil {
			return err
		}
		if diff := cmp.Diff(evidence.Message{Key: "2m52s uncovered (inner)"}, list[0].Evidence); diff != "" {
			t.Errorf("legacy evidence read back (-want +got):\n%s", diff)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Issue 8 (警号或姓名): a name or part of one resolves to the numbers of
// the accounts it names, the text itself kept (a number nobody holds still
// selects its recordings); LIKE's wildcards are taken literally.
func TestOfficerNumbers(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	err := db.Update(ctx, func(tx *Tx) error {
		for _, a := range []NewAccount{
			{Name: "zhangwei", DisplayName: "张伟", OfficerNo: "000123", Role: evidence.RoleOfficer},
			{Name: "zhangsan", DisplayName: "张三", OfficerNo: "000125", Role: evidence.RoleOfficer},
			{Name: "lina", DisplayName: "李娜", OfficerNo: "000124", Role: evidence.RoleOfficer},
			{Name: "zhangke", DisplayName: "张科长", Role: evidence.RoleLeader}, // no number
		} {
			if _, err := tx.CreateAccount(ctx, a); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		q    string
		want []string
	}{
		{"张伟", []string{"张伟", "000123"}},
		{"张", []string{"张", "000123", "000125"}},
		{"lina", []string{"lina", "000124"}},
		{"000124", []string{"000124"}},
		{"999999", []string{"999999"}},
		{"%", []string{"%"}},
		{"_", []string{"_"}},
		{" ", nil},
	} {
		t.Run(tc.q, func(t *testing.T) {
			var got []string
			err := db.View(ctx, func(tx *Tx) error {
				var err error
				got, err = tx.OfficerNumbers(ctx, tc.q)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("OfficerNumbers(%q) (-want +got):\n%s", tc.q, diff)
			}
		})
	}
}

func activityIDs(list []evidence.Activity) []int64 {
	ids := []int64{}
	for _, a := range list {
		ids = append(ids, a.ID)
	}
	return ids
}
