package app

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"shilu/internal/audit"
	"shilu/internal/auth"
	"shilu/internal/blob"
	"shilu/internal/evidence"
	"shilu/internal/store"
	"shilu/internal/store/storetest"
)

// stateArchive is a fresh archive in which the application made one of
// every kind of state change: accounts (created, reset, disabled, their
// password changed, TOTP enabled, a role changed), recordings, an activity
// (created, changed, its notice confirmed, a recording linked), an
// exemption acknowledged, a finding accepted, access requests approved,
// rejected and withdrawn, a grant revoked and viewings registered.
type stateArchive struct {
	app  *App
	db   *store.DB
	path string
	now  time.Time
	ids  map[string]int64 // what the cases change, by a name
}

// openStoreAt opens a store at path, as storetest.OpenClock does, so that
// the test can change the file with SQL behind the application's back.
func openStoreAt(t *testing.T, path string, clock func() time.Time) *store.DB {
	t.Helper()
	skey, _, err := audit.GenerateKey(storetest.Origin)
	if err != nil {
		t.Fatal(err)
	}
	log, _, err := audit.NewLog(storetest.Origin, skey)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.OpenSQLite(context.Background(), path, store.Options{Log: log, Clock: clock, Secrets: storetest.SecretBox(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return db
}

// ingestFixture stores a recording with its ingest entry, as ingest does.
func ingestFixture(t *testing.T, db *store.DB, uploader evidence.User, name, officer string, start time.Time) int64 {
	t.Helper()
	ctx := context.Background()
	var id int64
	err := db.Update(ctx, func(tx *store.Tx) error {
		end := start.Add(20 * time.Minute)
		rec, err := tx.CreateRecording(ctx, evidence.Recording{Digest: blob.Sum([]byte(name)), Size: int64(len(name)), Filename: name,
			Kind: evidence.KindVideo, Officer: officer, Device: "DSJ0A12", RecordedStart: &start, RecordedEnd: &end}, uploader.ID)
		if err != nil {
			return err
		}
		id = rec.ID
		_, err = tx.Audit(ctx, audit.Entry{Actor: uploader.Name, Action: evidence.ActionRecordingIngest, Object: objRecording(rec.ID),
			Outcome: audit.OutcomeOK, Digests: []blob.Digest{rec.Digest}, Details: map[string]string{"size": itoa(rec.Size)}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func newStateArchive(t *testing.T) *stateArchive {
	t.Helper()
	ctx := context.Background()
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, evidence.Zone)
	clock := storetest.NewClock(now)
	path := filepath.Join(t.TempDir(), "shilu.db")
	db := openStoreAt(t, path, clock.Now)
	a := New(Config{DB: db, Argon2: fastHash})
	s := &stateArchive{app: a, db: db, path: path, now: now, ids: map[string]int64{}}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	op := System("cli:root")
	d1, err := a.CreateDepartment(ctx, op, "一科", nil)
	must(err)
	d2, err := a.CreateDepartment(ctx, op, "二科", nil)
	must(err)
	s.ids["dept2"] = d2.ID
	who := map[string]Actor{}
	passwords := map[string]string{}
	for _, nu := range []NewUser{
		{Name: "zhangwei", Role: evidence.RoleOfficer, DepartmentID: &d1.ID, DisplayName: "张伟", OfficerNo: "000123", KeepPassword: true},
		{Name: "lina", Role: evidence.RoleOfficer, DepartmentID: &d1.ID, DisplayName: "李娜", OfficerNo: "000124"},
		{Name: "liuyang", Role: evidence.RoleLeader, DepartmentID: &d1.ID, DisplayName: "刘洋"},
		{Name: "chenjing", Role: evidence.RoleOfficer, DepartmentID: &d2.ID},
		{Name: "station-01", Role: evidence.RoleStation},
		{Name: "wangfang", Role: evidence.RoleCustodian, DepartmentID: &d1.ID, DisplayName: "王芳"},
	} {
		acc, pw, err := a.CreateUser(ctx, op, nu)
		must(err)
		who[nu.Name], passwords[nu.Name] = Actor{User: acc.User}, pw
		s.ids[nu.Name] = acc.ID
	}
	officer, leader := who["zhangwei"], who["liuyang"]

	// Credentials: a password changed, one reset, an account disabled, a
	// role changed, TOTP enabled.
	must(a.ChangePassword(ctx, officer, 0, passwords["zhangwei"], "Neu-Passwort-2026"))
	_, _, err = a.UpdateUser(ctx, op, s.ids["lina"], UserChange{ResetPassword: true})
	must(err)
	yes := true
	_, _, err = a.UpdateUser(ctx, op, s.ids["lina"], UserChange{Disabled: &yes})
	must(err)
	_, err = a.Assign(ctx, op, s.ids["chenjing"], Assignment{Role: evidence.RoleLeader, SetDepartment: true, DepartmentID: &d1.ID})
	must(err)
	secretText, _, err := a.SetupTOTP(ctx, leader)
	must(err)
	code, err := auth.TOTPCode(secretText, auth.TOTPStep(clock.Now()))
	must(err)
	must(a.EnableTOTP(ctx, leader, code))

	// Recordings, an activity with its changes, a link, an exemption.
	station := who["station-01"].User
	arrival := now.Add(-3 * time.Hour)
	s.ids["rec1"] = ingestFixture(t, db, station, "one.mp4", "000123", arrival.Add(5*time.Minute))
	s.ids["rec2"] = ingestFixture(t, db, station, "two.mp4", "000123", arrival.Add(40*time.Minute))
	x, err := a.CreateActivity(ctx, officer, evidence.Activity{Type: evidence.ActivityInspection, Place: evidence.Place{Address: "丰南区某药房"},
		Officers: []string{"000123", "000124"}, Devices: []string{"DSJ0A12"}, Arrival: arrival, End: arrival.Add(time.Hour)})
	must(err)
	s.ids["activity"] = x.ID
	_, err = a.UpdateActivity(ctx, officer, x.ID, map[string]json.RawMessage{"party": json.RawMessage(`"某药房"`)})
	must(err)
	_, err = a.ConfirmNotice(ctx, officer, x.ID, PreambleKeys)
	must(err)
	_, _, err = a.Link(ctx, officer, x.ID, []int64{s.ids["rec1"]})
	must(err)
	ex, err := a.SubmitExemption(ctx, officer, x.ID, evidence.ExemptSecretPrivacy, "涉及个人隐私", "第七条")
	must(err)
	_, err = a.AcknowledgeExemption(ctx, leader, ex.ID)
	must(err)
	s.ids["exemption"] = ex.ID

	// A finding accepted, another left open.
	var fs []store.StoredFinding
	must(db.View(ctx, func(tx *store.Tx) error {
		var err error
		fs, err = tx.Findings(ctx, store.FindingFilter{Resolved: true})
		return err
	}))
	if len(fs) < 2 {
		t.Fatalf("the archive has %d findings, want two to accept one and forge the other", len(fs))
	}
	_, err = a.AcceptFinding(ctx, leader, fs[0].ID, "已核实")
	must(err)
	s.ids["accepted"], s.ids["open"] = fs[0].ID, fs[1].ID

	// Access: approved and viewed, rejected, withdrawn, revoked.
	ask := func(recs ...int64) int64 {
		t.Helper()
		req, err := a.RequestAccess(ctx, officer, AccessAsk{RecordingIDs: recs, Purpose: evidence.PurposeCaseWork, Reason: "案件调查需要", Until: now.Add(48 * time.Hour)})
		must(err)
		return req.ID
	}
	approved := ask(s.ids["rec1"])
	req, err := a.Decide(ctx, leader, approved, Decision{Approve: true, Comment: "同意"})
	must(err)
	s.ids["approved"], s.ids["grant"] = approved, req.GrantID
	_, err = a.RegisterGrant(ctx, op, req.GrantID) // Art. 16: before the first playback
	must(err)
	rec, err := func() (evidence.Recording, error) {
		var r evidence.Recording
		err := db.View(ctx, func(tx *store.Tx) error { var err error; r, err = tx.Recording(ctx, s.ids["rec1"]); return err })
		return r, err
	}()
	must(err)
	for _, n := range []int64{1000, 500} { // one viewing of two ranges
		acc, err := a.AuthorizeViewing(ctx, officer, Viewing{RecordingID: rec.ID, Details: map[string]string{"remote": "10.0.0.1"}})
		must(err)
		_, err = a.RecordViewing(ctx, officer, acc, n)
		must(err)
		clock.Add(time.Second)
	}
	must(a.FlushViewings(ctx))
	rejected := ask(s.ids["rec2"])
	_, err = a.Decide(ctx, leader, rejected, Decision{Comment: "理由不足"})
	must(err)
	s.ids["rejected"] = rejected
	_, err = a.Withdraw(ctx, officer, ask(s.ids["rec2"]))
	must(err)
	revoked := ask(s.ids["rec1"], s.ids["rec2"])
	req, err = a.Decide(ctx, leader, revoked, Decision{Approve: true})
	must(err)
	_, err = a.RevokeGrant(ctx, leader, req.GrantID, "案件已办结")
	must(err)
	s.ids["revoked"] = req.GrantID

	// Retention: a hold placed and lifted; two years on, a disposal
	// approved, one cancelled by a hold placed (in force), one proposed.
	custodian := who["wangfang"]
	s.ids["rec3"] = ingestFixture(t, db, station, "three.mp4", "000123", arrival.Add(50*time.Minute))
	h, err := a.PlaceHold(ctx, custodian, s.ids["rec1"], evidence.HoldPetition, "信访人要求保全")
	must(err)
	must(a.LiftHold(ctx, custodian, h.ID, "信访已办结"))
	s.ids["liftedHold"] = h.ID
	clock.Add(2 * 366 * 24 * time.Hour)
	propose := func(rec int64) int64 {
		t.Helper()
		d, err := a.ProposeDisposal(ctx, custodian, rec, "保存期限已满")
		must(err)
		return d.ID
	}
	s.ids["approvedDisposal"] = propose(s.ids["rec1"])
	_, err = a.ApproveDisposal(ctx, leader, s.ids["approvedDisposal"])
	must(err)
	s.ids["cancelledDisposal"] = propose(s.ids["rec2"])
	h, err = a.PlaceHold(ctx, custodian, s.ids["rec2"], evidence.HoldLitigation, "诉讼保全")
	must(err)
	s.ids["hold"] = h.ID
	s.ids["proposedDisposal"] = propose(s.ids["rec3"])
	return s
}

// tamper changes the archive's file with SQL, as someone with the disk
// and sqlite3 would.
func (s *stateArchive) tamper(t *testing.T, stmts ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+s.path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	}()
	for _, q := range append([]string{"PRAGMA foreign_keys = OFF"}, stmts...) {
		for k, v := range s.ids {
			q = strings.ReplaceAll(q, "{"+k+"}", itoa(v))
		}
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// X-SEC-3, R-AUD-1 (issue 9 point 6): an archive in which the application
// made every kind of change matches its custody log, without a note.
func TestCheckStateUntouched(t *testing.T) {
	s := newStateArchive(t)
	problems, err := s.app.CheckState(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("untouched archive: %v", p)
	}
}

// X-SEC-3, R-AUD-1 (issue 9 point 6): a security-relevant row changed,
// added or deleted with SQL behind the application's back is named by
// CheckState: grants (a forged grant would show content), access requests,
// the register of viewings, accounts' credentials and rights, findings,
// activities, links, exemptions, holds and disposals.
func TestCheckStateFindsTampering(t *testing.T) {
	for _, tc := range []struct {
		name  string
		stmts []string
		want  string // the start of a problem's String
	}{
		{"ForgedGrant", []string{`INSERT INTO grants (id, request_id, grantee_id, valid_from, valid_until, created_at)
			SELECT 99, {rejected}, {zhangwei}, valid_from, valid_until, created_at FROM access_requests WHERE id = {rejected}`}, "grant:99 unlogged"},
		{"GrantLonger", []string{`UPDATE grants SET valid_until = valid_until + 86400000000 WHERE id = {grant}`}, "grant:{grant} differs: period"},
		{"GrantToAnother", []string{`UPDATE grants SET grantee_id = {chenjing} WHERE id = {grant}`}, "grant:{grant} differs: grantee"},
		{"GrantMoreRecordings", []string{`INSERT INTO access_request_recordings (request_id, recording_id) VALUES ({approved}, {rec2})`}, "grant:{grant} differs: recordings"},
		{"RevocationUndone", []string{`UPDATE grants SET revoked_at = NULL, revoked_by = NULL WHERE id = {revoked}`}, "grant:{revoked} differs: revoked at none"},
		{"GrantDeleted", []string{`DELETE FROM grants WHERE id = {revoked}`}, "grant:{revoked} missing"},
		// R-VIEW-1 (Art. 16): a registration written behind the log.
		{"RegisteredBehindTheLog", []string{`UPDATE grants SET registered_at = created_at, registered_how = 'custodian', registered_by = {liuyang} WHERE id = {revoked}`}, "grant:{revoked} differs: registered at"},
		{"RequestApproved", []string{`UPDATE access_requests SET status = 'approved' WHERE id = {rejected}`}, "request:{rejected} differs: status"},
		{"RequestDecider", []string{`UPDATE access_requests SET decided_by = {chenjing} WHERE id = {approved}`}, "request:{approved} differs: decided by"},
		{"RequestReason", []string{`UPDATE access_requests SET reason = '另一个理由' WHERE id = {approved}`}, "request:{approved} differs: purpose or reason"},
		{"RequestForged", []string{`INSERT INTO access_requests (id, requester_id, purpose, reason, valid_from, valid_until, status, created_at)
			SELECT 99, requester_id, purpose, reason, valid_from, valid_until, 'pending', created_at FROM access_requests WHERE id = {approved}`}, "request:99 unlogged"},
		{"ViewingDeleted", []string{`DELETE FROM viewings`}, "viewing:1 missing"},
		{"ViewingFewerBytes", []string{`UPDATE viewings SET bytes = 10`}, "viewing:1 differs: 2 requests, 10 bytes"},
		{"ViewingForged", []string{`INSERT INTO viewings (id, grant_id, user_id, recording_id, started_at, last_at, requests, bytes)
			SELECT 99, grant_id, {chenjing}, recording_id, started_at, last_at, 1, 5 FROM viewings WHERE id = 1`}, "viewing:99 unlogged"},
		{"PasswordHashSwapped", []string{`UPDATE users SET password_hash = (SELECT password_hash FROM users WHERE name = 'zhangwei') WHERE name = 'liuyang'`},
			"user:liuyang differs: password hash"},
		{"TOTPOff", []string{`UPDATE users SET totp_enabled = 0 WHERE name = 'liuyang'`}, "user:liuyang differs: second factor enabled false"},
		{"TOTPSecretSwapped", []string{`UPDATE users SET totp_secret = 'sealed-by-someone-else' WHERE name = 'liuyang'`}, "user:liuyang differs: second factor's secret"},
		{"Reenabled", []string{`UPDATE users SET disabled = 0 WHERE name = 'lina'`}, "user:lina differs: disabled false"},
		{"OtherDepartment", []string{`UPDATE users SET department_id = {dept2} WHERE name = 'liuyang'`}, "user:liuyang differs: department"},
		{"OfficerNumber", []string{`UPDATE users SET officer_no = '000999' WHERE name = 'zhangwei'`}, "user:zhangwei differs: officer number"},
		{"FindingAccepted", []string{`UPDATE findings SET status = 'accepted', accepted_by = 'liuyang', accepted_at = last_seen WHERE id = {open}`},
			"finding:{open} unlogged"},
		{"FindingReopened", []string{`UPDATE findings SET status = 'open' WHERE id = {accepted}`}, "finding:{accepted} differs: status open"},
		{"FindingAcceptedBy", []string{`UPDATE findings SET accepted_by = 'chenjing' WHERE id = {accepted}`}, "finding:{accepted} differs"},
		{"ActivityField", []string{`UPDATE activities SET notice_given = 0 WHERE id = {activity}`}, "activity:{activity} differs"},
		{"ActivityOfficer", []string{`DELETE FROM activity_officers WHERE activity_id = {activity} AND officer = '000124'`}, "activity:{activity} differs"},
		{"ActivityDeleted", []string{`DELETE FROM activities WHERE id = {activity}`}, "activity:{activity} missing"},
		{"Unlinked", []string{`DELETE FROM activity_recordings WHERE recording_id = {rec1}`}, "recording:{rec1} missing: linked to activity"},
		{"Linked", []string{`INSERT INTO activity_recordings (activity_id, recording_id, linked_by, linked_at) VALUES ({activity}, {rec2}, 1, 0)`},
			"recording:{rec2} unlogged: linked to activity"},
		{"ExemptionAcknowledgedBy", []string{`UPDATE exemptions SET acknowledged_by = 'chenjing' WHERE id = {exemption}`}, "exemption:{exemption} differs: acknowledged"},
		{"RecordingDeleted", []string{`DELETE FROM recordings WHERE id = {rec2}`}, "recording:{rec2} missing"},
		// R-RET-2/3: a hold removed or lifted, or a disposal approved or
		// revived behind the log, would have an original destroyed.
		{"HoldDeleted", []string{`DELETE FROM holds WHERE id = {hold}`}, "hold:{hold} missing"},
		{"HoldLifted", []string{`UPDATE holds SET lifted_at = placed_at, lifted_by = {liuyang} WHERE id = {hold}`}, "hold:{hold} differs: lifted"},
		{"HoldForged", []string{`INSERT INTO holds (id, recording_id, kind, reason, placed_by, placed_at) SELECT 99, recording_id, kind, reason, placed_by, placed_at FROM holds WHERE id = {hold}`},
			"hold:99 unlogged"},
		{"DisposalApproved", []string{`UPDATE disposals SET status = 'approved', approved_by = {liuyang}, approved_at = proposed_at WHERE id = {proposedDisposal}`},
			"disposal:{proposedDisposal} differs: status approved"},
		{"DisposalRevived", []string{`UPDATE disposals SET status = 'approved' WHERE id = {cancelledDisposal}`}, "disposal:{cancelledDisposal} differs: status approved"},
		{"DisposalApprover", []string{`UPDATE disposals SET approved_by = {wangfang} WHERE id = {approvedDisposal}`}, "disposal:{approvedDisposal} differs: approved by"},
		{"DisposalForged", []string{`INSERT INTO disposals (id, recording_id, status, reason, proposed_by, proposed_at, approved_by, approved_at, due_at)
			SELECT 99, {rec2}, 'approved', reason, proposed_by, proposed_at, approved_by, approved_at, due_at FROM disposals WHERE id = {approvedDisposal}`},
			"disposal:99 unlogged"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStateArchive(t)
			s.tamper(t, tc.stmts...)
			problems, err := s.app.CheckState(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			want := tc.want
			for k, v := range s.ids {
				want = strings.ReplaceAll(want, "{"+k+"}", itoa(v))
			}
			var got []string
			found := false
			for _, p := range problems {
				got = append(got, p.String())
				found = found || strings.HasPrefix(p.String(), want) && p.Tampering()
			}
			if !found {
				t.Errorf("no problem %q among:\n%s", want, strings.Join(got, "\n"))
			}
		})
	}
}

// The entries of fresh archives carry every detail CheckState needs; a
// log written before they did is reported as unlogged detail, never as
// tampering (TestCheckStateUntouched shows none on fresh data).
func TestCheckStateOldEntries(t *testing.T) {
	p := StateProblem{Object: "viewings", Kind: StateUnloggedDetail, Detail: fmt.Sprint(3)}
	if p.Tampering() {
		t.Error("unlogged detail counted as tampering")
	}
}

// BenchmarkCheckState measures CheckState over a generated archive of
// SHILU_BENCH_RECORDINGS recordings (default 10 000), each with its ingest
// entry and, for every second one, a viewing of three content requests,
// against the floor of reading the same log without looking at it. It
// reports entries per second and the peak heap.
//
//	SHILU_BENCH_RECORDINGS=100000 go test ./internal/app -run '^$' -bench CheckState -benchtime 3x
func BenchmarkCheckState(b *testing.B) {
	n := 10000
	if v := os.Getenv("SHILU_BENCH_RECORDINGS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			b.Fatal(err)
		}
	}
	ctx := context.Background()
	db, _ := storetest.Open(b)
	a := New(Config{DB: db, Argon2: fastHash})
	acc, _, err := a.CreateUser(ctx, System("cli:root"), NewUser{Name: "station-01", Role: evidence.RoleStation})
	if err != nil {
		b.Fatal(err)
	}
	viewer, _, err := a.CreateUser(ctx, System("cli:root"), NewUser{Name: "zhangwei", Role: evidence.RoleOfficer, OfficerNo: "000123"})
	if err != nil {
		b.Fatal(err)
	}
	const batch = 1000
	for start := 0; start < n; start += batch {
		err := db.Update(ctx, func(tx *store.Tx) error {
			for i := start; i < min(start+batch, n); i++ {
				name := fmt.Sprintf("clip-%07d.mp4", i)
				rec, err := tx.CreateRecording(ctx, evidence.Recording{Digest: blob.Sum([]byte(name)), Size: int64(i + 1), Filename: name,
					Kind: evidence.KindVideo, Officer: "000123"}, acc.ID)
				if err != nil {
					return err
				}
				if _, err := tx.Audit(ctx, audit.Entry{Actor: acc.Name, Action: evidence.ActionRecordingIngest, Object: objRecording(rec.ID),
					Outcome: audit.OutcomeOK, Digests: []blob.Digest{rec.Digest}, Details: map[string]string{"size": itoa(rec.Size)}}); err != nil {
					return err
				}
				if i%2 == 1 {
					continue
				}
				for range 3 {
					v, err := tx.RecordViewing(ctx, 0, viewer.ID, rec.ID, 1<<20)
					if err != nil {
						return err
					}
					if _, err := tx.Audit(ctx, audit.Entry{Actor: viewer.Name, Action: evidence.ActionRecordingContent, Object: objRecording(rec.ID),
						Outcome: audit.OutcomeOK, Digests: []blob.Digest{rec.Digest},
						Details: map[string]string{"grant": "policy:officer", detailViewing: itoa(v), detailBytes: itoa(1 << 20), "remote": "10.0.0.1"}}); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	// The floor: the same read transaction over the log, each entry
	// read and dropped (testing.Benchmark cannot run inside a benchmark).
	var entries int
	t0 := time.Now()
	err = db.View(ctx, func(tx *store.Tx) error {
		return tx.Entries(ctx, 0, func(uint64, []byte, []byte) error { entries++; return nil })
	})
	if err != nil {
		b.Fatal(err)
	}
	floor := time.Since(t0)
	var peak atomic.Uint64
	stop := make(chan struct{})
	go func() {
		var m runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
				runtime.ReadMemStats(&m)
				if m.HeapAlloc > peak.Load() {
					peak.Store(m.HeapAlloc)
				}
			}
		}
	}()
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	b.ResetTimer()
	for range b.N {
		problems, err := a.CheckState(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if len(problems) > 0 {
			b.Fatalf("generated archive: %v", problems[0])
		}
	}
	b.StopTimer()
	close(stop)
	perOp := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(float64(entries)/perOp.Seconds(), "entries/s")
	b.ReportMetric(float64(perOp)/float64(floor), "x-log-read")
	b.ReportMetric(float64(peak.Load()-min(peak.Load(), base.HeapAlloc))/(1<<20), "peak-heap-MiB")
}

// R-AUD-1, X-SEC-3 (issue 9 point 6): the server's scheduled check raises
// a serious state_tampered finding for a forged grant, and raises it once:
// the next check finds the same problem and the same finding.
func TestRunStateCheckRaisesFinding(t *testing.T) {
	s := newStateArchive(t)
	s.tamper(t, `INSERT INTO grants (id, request_id, grantee_id, valid_from, valid_until, created_at)
		SELECT 99, {rejected}, {zhangwei}, valid_from, valid_until, created_at FROM access_requests WHERE id = {rejected}`)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	checks := make(chan StateCheck)
	go s.app.RunStateCheck(ctx, 0, time.Millisecond, func(c StateCheck) { checks <- c })
	first, second := <-checks, <-checks
	cancel()
	if first.Err != nil || first.Tampered != 1 || first.Raised != 1 {
		t.Errorf("first check %+v, want one problem and one new finding", first)
	}
	if second.Err != nil || second.Tampered != 1 || second.Raised != 0 {
		t.Errorf("second check %+v, want the same problem and no new finding", second)
	}
	var fs []store.StoredFinding
	err := s.db.View(context.Background(), func(tx *store.Tx) error {
		var err error
		fs, err = tx.Findings(context.Background(), store.FindingFilter{Rule: "state_tampered"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || fs[0].Severity != evidence.SeveritySerious || fs[0].Key != "state_tampered:grant:99:unlogged" {
		t.Fatalf("findings %+v, want one serious state_tampered about grant:99", fs)
	}
	// The finding it raised is no problem of its own.
	problems, err := s.app.CheckState(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != 1 {
		t.Errorf("problems after raising: %v", problems)
	}
}
