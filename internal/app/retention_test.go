package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"shilu/internal/audit"
	"shilu/internal/blob"
	"shilu/internal/blob/disk"
	"shilu/internal/evidence"
	"shilu/internal/store"
	"shilu/internal/store/storetest"
)

// retentionFixture is a bureau with a custodian (guanli), 张伟 (000123) in
// 一科 under leader 刘洋 and 王强 (000125) in 二科 under leader 陈静, a blob
// store, and a clock the test moves.
type retentionFixture struct {
	app      *App
	db       *store.DB
	clock    *storetest.Clock
	blobs    *disk.Store
	verifier note.Verifier
	who      map[string]Actor
	n        int
}

func newRetentionFixture(t *testing.T) *retentionFixture {
	t.Helper()
	ctx := context.Background()
	clock := storetest.NewClock(time.Date(2026, 3, 1, 10, 0, 0, 0, evidence.Zone))
	db, verifier := storetest.OpenClock(t, clock.Now)
	blobs, err := disk.Open(filepath.Join(t.TempDir(), "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	f := &retentionFixture{app: New(Config{DB: db, Argon2: fastHash}), db: db, clock: clock, blobs: blobs, verifier: verifier, who: map[string]Actor{}}
	err = db.Update(ctx, func(tx *store.Tx) error {
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
			{"guanli", "管理员", "", evidence.RoleCustodian, d1.ID},
			{"zhangwei", "张伟", "000123", evidence.RoleOfficer, d1.ID},
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

// ingest archives a recording of officer with its blob and ingest entry,
// as the ingest path does.
func (f *retentionFixture) ingest(t *testing.T, officer string, important bool) evidence.Recording {
	t.Helper()
	ctx := context.Background()
	f.n++
	data := []byte(fmt.Sprintf("recording %d", f.n))
	d := blob.Sum(data)
	if err := f.blobs.Put(ctx, d, bytes.NewReader(data), int64(len(data))); err != nil {
		t.Fatal(err)
	}
	var rec evidence.Recording
	err := f.db.Update(ctx, func(tx *store.Tx) (err error) {
		rec, err = tx.CreateRecording(ctx, evidence.Recording{Digest: d, Size: int64(len(data)), Filename: fmt.Sprintf("clip%d.mp4", f.n),
			Kind: evidence.KindVideo, Officer: officer, Important: important}, f.who["guanli"].User.ID)
		if err != nil {
			return err
		}
		_, err = tx.Audit(ctx, audit.Entry{Actor: "guanli", Action: evidence.ActionRecordingIngest, Object: objRecording(rec.ID),
			Outcome: audit.OutcomeOK, Digests: []blob.Digest{d}, Details: map[string]string{"size": strconv.Itoa(len(data))}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

func (f *retentionFixture) recording(t *testing.T, id int64) evidence.Recording {
	t.Helper()
	var rec evidence.Recording
	if err := f.db.View(context.Background(), func(tx *store.Tx) (err error) { rec, err = tx.Recording(context.Background(), id); return err }); err != nil {
		t.Fatal(err)
	}
	return rec
}

// retention is the stored retention in short: kind, basis, ref and the
// date in Shanghai.
func (f *retentionFixture) retention(t *testing.T, id int64) string {
	t.Helper()
	r := f.recording(t, id).Retention
	if r == nil {
		return "none"
	}
	s := string(r.Kind) + " " + r.Basis
	if r.Ref != "" {
		s += " " + r.Ref
	}
	if r.Until != nil {
		s += " " + r.Until.In(evidence.Zone).Format("2006-01-02")
	}
	return s
}

func mustOK(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// R-RET-1, R-RET-2, X-RET-1, X-DEV-3: the stored retain-until follows every
// change of its rules' facts in the transaction that makes it: a case's
// attachment, its retention, its archiving, a detachment, a link through an
// attached activity, a class, the bureau's settings and a hold.
func TestRetentionRecomputed(t *testing.T) {
	f := newRetentionFixture(t)
	ctx := context.Background()
	custodian, leader := f.who["guanli"], f.who["liuyang"]
	rec := f.ingest(t, "000123", false)
	important := f.ingest(t, "000123", true)
	linked := f.ingest(t, "000123", false)
	five, err := f.app.PutRetentionClass(ctx, custodian, evidence.RetentionClass{Name: "五年", Kind: evidence.ClassYears, Years: 5})
	mustOK(t, err)
	caseA, err := f.app.CreateCase(ctx, custodian, evidence.Case{Number: "丰医保罚〔2026〕1号", Title: "甲", Officers: []string{"000123"}, RetentionYears: 10})
	mustOK(t, err)
	caseB, err := f.app.CreateCase(ctx, custodian, evidence.Case{Number: "丰医保罚〔2026〕2号", Title: "乙", Officers: []string{"000123"}, RetentionYears: 3})
	mustOK(t, err)
	x, err := f.app.CreateActivity(ctx, f.who["zhangwei"], evidence.Activity{Type: evidence.ActivityInspection, Place: evidence.Place{Address: "丰南区某药房"},
		Officers: []string{"000123"}, Devices: []string{"DSJ0A12"}, Arrival: f.clock.Now().Add(-2 * time.Hour), End: f.clock.Now().Add(-time.Hour), NoticeGiven: true})
	mustOK(t, err)
	ref := CaseItemRef{Kind: evidence.CaseItemRecording, ID: rec.ID}
	var hold evidence.Hold
	steps := []struct {
		name string
		do   func() error
		id   int64
		want string
	}{
		{"FloorAtIngest", func() error { return nil }, rec.ID, "date floor 2027-03-01"},
		{"ImportantPermanent", func() error { return nil }, important.ID, "permanent important 永久保存"},
		{"ImportantClassSetting", func() error {
			return f.app.SetRetentionSettings(ctx, custodian, evidence.RetentionSettings{DefaultClass: 1, ImportantClass: five.ID, GraceDays: 30})
		}, important.ID, "date important 五年 2031-03-01"},
		{"AttachOpenCase", func() error { return f.app.Attach(ctx, custodian, caseB.ID, []CaseItemRef{ref}) }, rec.ID, "open case_open 丰医保罚〔2026〕2号"},
		{"Detach", func() error { return f.app.Detach(ctx, custodian, caseB.ID, ref, "误附卷") }, rec.ID, "date floor 2027-03-01"},
		{"AttachCaseA", func() error { return f.app.Attach(ctx, custodian, caseA.ID, []CaseItemRef{ref}) }, rec.ID, "open case_open 丰医保罚〔2026〕1号"},
		{"CaseRetentionPermanent", func() error {
			_, err := f.app.UpdateCase(ctx, custodian, caseA.ID, map[string]json.RawMessage{"retention_years": json.RawMessage("0")})
			return err
		}, rec.ID, "open case_open 丰医保罚〔2026〕1号"},
		{"CaseRetentionTwenty", func() error {
			_, err := f.app.UpdateCase(ctx, custodian, caseA.ID, map[string]json.RawMessage{"retention_years": json.RawMessage("20")})
			return err
		}, rec.ID, "open case_open 丰医保罚〔2026〕1号"},
		{"CaseArchived", func() error {
			for _, s := range []evidence.CaseStatus{evidence.CaseInvestigating, evidence.CaseDecided, evidence.CaseClosed, evidence.CaseArchived} {
				if _, err := f.app.AdvanceCase(ctx, custodian, caseA.ID, s); err != nil {
					return err
				}
			}
			return nil
		}, rec.ID, "date case 丰医保罚〔2026〕1号 2046-03-01"},
		{"ActivityInOpenCase", func() error {
			return f.app.Attach(ctx, custodian, caseB.ID, []CaseItemRef{{Kind: evidence.CaseItemActivity, ID: x.ID}})
		}, linked.ID, "date floor 2027-03-01"},
		{"LinkedThroughActivity", func() error {
			_, _, err := f.app.Link(ctx, f.who["zhangwei"], x.ID, []int64{linked.ID})
			return err
		}, linked.ID, "open case_open 丰医保罚〔2026〕2号"},
		{"Unlinked", func() error { return f.app.Unlink(ctx, f.who["zhangwei"], x.ID, linked.ID) }, linked.ID, "date floor 2027-03-01"},
		{"Classified", func() error {
			_, err := f.app.ClassifyRecording(ctx, custodian, linked.ID, &five.ID, "重大事件")
			return err
		},
			linked.ID, "date class 五年 2031-03-01"},
		{"ClassChanged", func() error {
			_, err := f.app.PutRetentionClass(ctx, custodian, evidence.RetentionClass{ID: five.ID, Name: "七年", Kind: evidence.ClassYears, Years: 7})
			return err
		}, linked.ID, "date class 七年 2033-03-01"},
		{"DefaultClassChanged", func() error {
			return f.app.SetRetentionSettings(ctx, custodian, evidence.RetentionSettings{DefaultClass: 2, ImportantClass: 3, GraceDays: 30})
		}, important.ID, "permanent important 永久保存"},
		{"DefaultCaseClassWaits", func() error { return nil }, f.ingest(t, "000125", false).ID, "open case_pending 随案卷保存"},
		{"HoldPlaced", func() error {
			if err := f.app.SetRetentionSettings(ctx, custodian, evidence.RetentionSettings{DefaultClass: 1, ImportantClass: 3, GraceDays: 30}); err != nil {
				return err
			}
			_, err := f.app.ClassifyRecording(ctx, custodian, linked.ID, nil, "恢复默认")
			if err != nil {
				return err
			}
			hold, err = f.app.PlaceHold(ctx, leader, linked.ID, evidence.HoldPetition, "信访件")
			return err
		}, linked.ID, "open hold 1"},
		{"HoldLifted", func() error { return f.app.LiftHold(ctx, custodian, hold.ID, "信访办结") }, linked.ID, "date floor 2027-03-01"},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			mustOK(t, s.do())
			if got := f.retention(t, s.id); got != s.want {
				t.Errorf("retention %q, want %q", got, s.want)
			}
		})
	}
}

// R-RET-1: no class goes below a year, and the grace period cannot be
// switched off.
func TestRetentionFloors(t *testing.T) {
	f := newRetentionFixture(t)
	ctx := context.Background()
	_, err := f.app.PutRetentionClass(ctx, f.who["guanli"], evidence.RetentionClass{ID: 1, Name: "半年", Kind: evidence.ClassYears, Years: 0})
	wantCode(t, err, evidence.EInvalid, "err.retention.class_years")
	err = f.app.SetRetentionSettings(ctx, f.who["guanli"], evidence.RetentionSettings{DefaultClass: 1, ImportantClass: 3, GraceDays: 0})
	wantCode(t, err, evidence.EInvalid, "err.retention.grace")
}

// failingDeleter stands for a process killed after the tombstone committed
// and before the blob was removed.
type failingDeleter struct{}

func (failingDeleter) Delete(context.Context, blob.Digest) error { return errors.New("killed") }

// R-RET-3, Art. 18: a recording cannot be disposed of before its date, under
// a hold, by one person, or during the grace period; after it the blob is
// gone, the tombstone and the custody entries stay, the custody log
// verifies and the state check accepts the disposed recording's row.
func TestDisposal(t *testing.T) {
	f := newRetentionFixture(t)
	ctx := context.Background()
	custodian, leader, otherLeader := f.who["guanli"], f.who["liuyang"], f.who["chenjing"]
	rec := f.ingest(t, "000123", false)
	keep := f.ingest(t, "000123", false)

	_, err := f.app.ProposeDisposal(ctx, custodian, rec.ID, "保存期满")
	wantCode(t, err, evidence.EConflict, "err.disposal.not_due")

	f.clock.Set(time.Date(2027, 3, 2, 10, 0, 0, 0, evidence.Zone))
	hold, err := f.app.PlaceHold(ctx, custodian, rec.ID, evidence.HoldLitigation, "诉讼中")
	mustOK(t, err)
	_, err = f.app.ProposeDisposal(ctx, custodian, rec.ID, "保存期满")
	wantCode(t, err, evidence.EConflict, "err.disposal.held")
	_, err = f.app.PlaceHold(ctx, otherLeader, keep.ID, evidence.HoldPetition, "不是他领导的人")
	wantCode(t, err, evidence.EForbidden, "err.retention.not_yours")
	mustOK(t, f.app.LiftHold(ctx, leader, hold.ID, "判决生效"))

	d, err := f.app.ProposeDisposal(ctx, custodian, rec.ID, "保存期满")
	mustOK(t, err)
	_, err = f.app.ProposeDisposal(ctx, custodian, rec.ID, "再次")
	wantCode(t, err, evidence.EConflict, "err.disposal.exists")
	_, err = f.app.ApproveDisposal(ctx, custodian, d.ID)
	wantCode(t, err, evidence.EForbidden, "err.disposal.same_person")
	_, err = f.app.ApproveDisposal(ctx, otherLeader, d.ID)
	wantCode(t, err, evidence.EForbidden, "err.retention.not_yours")
	// A leader who proposed cannot approve either: two people, whatever
	// their roles.
	own, err := f.app.ProposeDisposal(ctx, leader, keep.ID, "保存期满")
	mustOK(t, err)
	_, err = f.app.ApproveDisposal(ctx, leader, own.ID)
	wantCode(t, err, evidence.EForbidden, "err.disposal.same_person")
	mustOK(t, f.app.CancelDisposal(ctx, custodian, own.ID, "不应由领导提出"))

	approved, err := f.app.ApproveDisposal(ctx, leader, d.ID)
	mustOK(t, err)
	if want := f.clock.Now().AddDate(0, 0, evidence.DefaultGraceDays); approved.Due == nil || !approved.Due.Equal(want) {
		t.Fatalf("due %v, want %v (30 days' grace)", approved.Due, want)
	}
	// During the grace period nothing happens, and it can be cancelled.
	f.clock.Set(approved.Due.Add(-time.Minute))
	n, err := f.app.RunDisposals(ctx, f.blobs)
	if mustOK(t, err); n != 0 {
		t.Fatalf("disposed of %d during the grace period", n)
	}
	mustOK(t, f.app.CancelDisposal(ctx, leader, d.ID, "复核后保留"))
	// A hold placed during the grace period cancels the disposal.
	d, err = f.app.ProposeDisposal(ctx, custodian, rec.ID, "保存期满")
	mustOK(t, err)
	_, err = f.app.ApproveDisposal(ctx, leader, d.ID)
	mustOK(t, err)
	hold, err = f.app.PlaceHold(ctx, custodian, rec.ID, evidence.HoldReconsideration, "复议申请")
	mustOK(t, err)
	f.clock.Set(f.clock.Now().AddDate(0, 0, 31))
	if n, err := f.app.RunDisposals(ctx, f.blobs); err != nil || n != 0 {
		t.Fatalf("disposed of %d under a hold, %v", n, err)
	}
	mustOK(t, f.app.LiftHold(ctx, custodian, hold.ID, "复议结束"))

	d, err = f.app.ProposeDisposal(ctx, custodian, rec.ID, "保存期满，按第十四条销毁")
	mustOK(t, err)
	_, err = f.app.ApproveDisposal(ctx, leader, d.ID)
	mustOK(t, err)
	f.clock.Set(f.clock.Now().AddDate(0, 0, 30))
	// Killed after the tombstone, before the blob's removal: the tombstone
	// stands, the blob is still there, and the next run finishes.
	if _, err := f.app.RunDisposals(ctx, failingDeleter{}); err == nil {
		t.Fatal("RunDisposals with a failing delete: no error")
	}
	if _, err := f.blobs.Stat(ctx, rec.Digest); err != nil {
		t.Fatalf("blob gone before its removal: %v", err)
	}
	if got := f.recording(t, rec.ID); got.DisposedAt == nil {
		t.Fatal("no tombstone after the first run")
	}
	if _, err := f.app.RunDisposals(ctx, f.blobs); err != nil {
		t.Fatal(err)
	}
	if _, err := f.blobs.Stat(ctx, rec.Digest); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("blob after disposal: %v, want ErrNotFound", err)
	}
	if _, err := f.blobs.Stat(ctx, keep.Digest); err != nil {
		t.Fatalf("other recording's blob: %v", err)
	}
	var tomb evidence.Disposal
	var trail [][]byte
	mustOK(t, f.db.View(ctx, func(tx *store.Tx) error {
		if tomb, err = tx.Disposal(ctx, d.ID); err != nil {
			return err
		}
		if trail, err = tx.AuditTrail(ctx, objRecording(rec.ID), 100); err != nil {
			return err
		}
		rep, err := audit.Verify(ctx, tx, f.verifier, storetest.Origin)
		if err != nil || len(rep.Problems) > 0 {
			t.Errorf("audit verify: %+v, %v", rep.Problems, err)
		}
		return nil
	}))
	if tomb.Status != evidence.DisposalDone || tomb.SHA256 != rec.Digest.Hex() || tomb.Size != rec.Size || tomb.Filename != rec.Filename ||
		tomb.ProposedBy != "guanli" || tomb.ApprovedBy != "liuyang" || tomb.DisposedAt == nil || tomb.Erased == nil || tomb.Reason != "保存期满，按第十四条销毁" {
		t.Errorf("tombstone %+v", tomb)
	}
	var actions []string
	for _, data := range trail {
		e, err := audit.Decode(data)
		mustOK(t, err)
		actions = append(actions, string(e.Action))
	}
	want := []string{"recording.ingest", "hold.place", "hold.lift", "disposal.propose", "disposal.approve", "disposal.cancel",
		"disposal.propose", "disposal.approve", "hold.place", "disposal.cancel", "hold.lift", "disposal.propose", "disposal.approve",
		"recording.dispose", "recording.erase"}
	if fmt.Sprint(actions) != fmt.Sprint(want) {
		t.Errorf("trail %v\nwant  %v", actions, want)
	}
	problems, err := f.app.CheckState(ctx)
	mustOK(t, err)
	for _, p := range problems {
		if p.Object == objRecording(rec.ID) { // the fixture's accounts have no user.create entries
			t.Errorf("state check of a disposed recording: %v", p)
		}
	}
	_, err = f.app.PlaceHold(ctx, custodian, rec.ID, evidence.HoldPetition, "已销毁")
	wantCode(t, err, evidence.EConflict, "err.recording.disposed")
	_, err = f.app.ProposeDisposal(ctx, custodian, rec.ID, "再次")
	wantCode(t, err, evidence.EConflict, "err.recording.disposed")
}
