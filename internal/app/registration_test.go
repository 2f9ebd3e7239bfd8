package app

import (
	"context"
	"testing"
	"time"

	"shilu/internal/audit"
	"shilu/internal/blob"
	"shilu/internal/evidence"
	"shilu/internal/store"
	"shilu/internal/store/storetest"
)

// registrationEnv is a bureau with two sections: an officer of section A
// whose recording is asked for, the section's leader, a custodian of the
// bureau (keeps both sections), one of section A, one of section B and
// one without a department.
type registrationEnv struct {
	a                                            *App
	db                                           *store.DB
	clock                                        *storetest.Clock
	officer, leader                              evidence.User
	bureauKeeper, keeperA, keeperB, keeperNoDept evidence.User
	rec                                          evidence.Recording
}

func newRegistrationEnv(t *testing.T) *registrationEnv {
	t.Helper()
	ctx := context.Background()
	e := &registrationEnv{clock: storetest.NewClock(time.Date(2026, 12, 5, 2, 0, 0, 0, time.UTC))}
	e.db, _ = storetest.OpenClock(t, e.clock.Now)
	e.a = New(Config{DB: e.db, Argon2: fastHash})
	err := e.db.Update(ctx, func(tx *store.Tx) error {
		bureau, err := tx.CreateDepartment(ctx, "分局", nil)
		if err != nil {
			return err
		}
		secA, err := tx.CreateDepartment(ctx, "一科", &bureau.ID)
		if err != nil {
			return err
		}
		secB, err := tx.CreateDepartment(ctx, "二科", &bureau.ID)
		if err != nil {
			return err
		}
		mk := func(name string, role evidence.Role, dept *int64, number string) evidence.User {
			if err != nil {
				return evidence.User{}
			}
			var u evidence.User
			if u, err = tx.CreateUser(ctx, name, role, ""); err != nil {
				return u
			}
			if err = tx.SetDepartment(ctx, u.ID, dept); err != nil {
				return u
			}
			if number != "" {
				err = tx.SetIdentity(ctx, u.ID, "", number)
			}
			return u
		}
		e.officer = mk("zhangwei", evidence.RoleOfficer, &secA.ID, "000123")
		e.leader = mk("liuyang", evidence.RoleLeader, &secA.ID, "")
		e.bureauKeeper = mk("wangfang", evidence.RoleCustodian, &bureau.ID, "")
		e.keeperA = mk("lina", evidence.RoleCustodian, &secA.ID, "")
		e.keeperB = mk("zhaolei", evidence.RoleCustodian, &secB.ID, "")
		e.keeperNoDept = mk("sunli", evidence.RoleCustodian, nil, "")
		if err != nil {
			return err
		}
		e.rec, err = tx.CreateRecording(ctx, evidence.Recording{Digest: blob.Sum([]byte("a")), Size: 1, Filename: "a.mp4", Kind: evidence.KindVideo, Officer: "000123"}, e.officer.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// approved files a request of the officer for the recording and has the
// leader approve it; it returns the request as decided.
func (e *registrationEnv) approved(t *testing.T) evidence.AccessRequest {
	t.Helper()
	ctx := context.Background()
	req, err := e.a.RequestAccess(ctx, Actor{User: e.officer}, AccessAsk{RecordingIDs: []int64{e.rec.ID}, Purpose: evidence.PurposeCaseWork,
		Reason: "案件调查需要", Until: e.clock.Now().Add(24 * time.Hour), Download: true})
	if err != nil {
		t.Fatal(err)
	}
	if req, err = e.a.Decide(ctx, Actor{User: e.leader}, req.ID, Decision{Approve: true}); err != nil {
		t.Fatal(err)
	}
	return req
}

// play asks for the recording's first bytes as the officer, as the
// content route does.
func (e *registrationEnv) play(t *testing.T) error {
	t.Helper()
	ctx := context.Background()
	acc, err := e.a.AuthorizeViewing(ctx, Actor{User: e.officer}, Viewing{RecordingID: e.rec.ID, Details: map[string]string{}})
	if err != nil {
		return err
	}
	_, err = e.a.RecordViewing(ctx, Actor{User: e.officer}, acc, 1)
	return err
}

// trail returns the actions (with a "!" for a refusal) of the recording's
// custody entries, oldest first, and the last entry.
func (e *registrationEnv) trail(t *testing.T) ([]string, audit.Entry) {
	t.Helper()
	var out []string
	var last audit.Entry
	err := e.db.View(context.Background(), func(tx *store.Tx) error {
		raw, err := tx.AuditTrail(context.Background(), objRecording(e.rec.ID), 1000)
		if err != nil {
			return err
		}
		for _, b := range raw {
			x, err := audit.Decode(b)
			if err != nil {
				return err
			}
			s := string(x.Action)
			if x.Outcome != audit.OutcomeOK {
				s += "!"
			}
			out, last = append(out, s), x
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out, last
}

// R-VIEW-1 (Art. 16: 经保管人登记后方可查阅): a grant serves no content until
// a custodian who keeps the recording's department registers it; the
// refusal is a denial on the recording's trail, the registration an entry
// naming the grant, and the register shows who registered.
func TestRegisterGrant(t *testing.T) {
	for _, tc := range []struct {
		name   string
		keeper func(e *registrationEnv) evidence.User
		want   evidence.Code
	}{
		{"OKBureauCustodian", func(e *registrationEnv) evidence.User { return e.bureauKeeper }, ""},
		{"OKSectionCustodian", func(e *registrationEnv) evidence.User { return e.keeperA }, ""},
		{"ErrForbiddenOtherSection", func(e *registrationEnv) evidence.User { return e.keeperB }, evidence.EForbidden},
		{"ErrForbiddenNoDepartment", func(e *registrationEnv) evidence.User { return e.keeperNoDept }, evidence.EForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			e := newRegistrationEnv(t)
			req := e.approved(t)
			if req.GrantRegistered {
				t.Fatal("a grant registered by default; Art. 16 wants the custodian first")
			}
			if err := e.play(t); evidence.ErrorCode(err) != evidence.EForbidden || evidence.ErrorMessage(err).Key != "err.grant.unregistered" {
				t.Fatalf("playing before registration: %v, want err.grant.unregistered", err)
			}
			actions, last := e.trail(t)
			if got := actions[len(actions)-1]; got != "access.denied!" || last.Details["reason"] != "grant not registered" || last.Details["grant"] != itoa(req.GrantID) {
				t.Fatalf("last entry %s %v, want the denial naming the grant", got, last.Details)
			}
			keeper := tc.keeper(e)
			var waiting int
			if err := e.db.View(ctx, func(tx *store.Tx) (err error) { waiting, err = tx.CountUnregistered(ctx, keeper.ID); return }); err != nil {
				t.Fatal(err)
			}
			if want := map[evidence.Code]int{"": 1, evidence.EForbidden: 0}[tc.want]; waiting != want {
				t.Errorf("%s's list holds %d grants, want %d", keeper.Name, waiting, want)
			}
			g, err := e.a.RegisterGrant(ctx, Actor{User: keeper}, req.GrantID)
			if evidence.ErrorCode(err) != tc.want {
				t.Fatalf("register: %v, want code %q", err, tc.want)
			}
			if tc.want != "" {
				if err := e.play(t); evidence.ErrorCode(err) != evidence.EForbidden {
					t.Fatalf("playing after a refused registration: %v", err)
				}
				return
			}
			if g.RegisteredBy != keeper.Name || g.RegisteredHow != evidence.RegisteredByCustodian || g.RegisteredAt == nil {
				t.Errorf("grant after registration: %+v", g)
			}
			actions, last = e.trail(t)
			if actions[len(actions)-1] != "grant.register" || last.Actor != keeper.Name || last.Details["grant"] != itoa(req.GrantID) {
				t.Errorf("registration entry %v %+v", actions, last)
			}
			if err := e.play(t); err != nil {
				t.Fatalf("playing after registration: %v", err)
			}
			if _, err := e.a.RegisterGrant(ctx, Actor{User: keeper}, req.GrantID); evidence.ErrorCode(err) != evidence.EConflict {
				t.Errorf("registering twice: %v, want a conflict", err)
			}
			var reg []evidence.Viewing
			if err := e.db.View(ctx, func(tx *store.Tx) (err error) {
				reg, err = tx.Register(ctx, e.clock.Now().Add(-time.Hour), e.clock.Now().Add(time.Hour), store.Scope{})
				return
			}); err != nil {
				t.Fatal(err)
			}
			if len(reg) != 1 || reg[0].Registrar != keeper.Name || reg[0].RegisteredHow != evidence.RegisteredByCustodian || reg[0].Kind != evidence.ViewingView {
				t.Errorf("register %+v, want one viewing registered by %s", reg, keeper.Name)
			}
		})
	}
}

// R-VIEW-1: a recording of no department (its officer number is nobody's)
// is kept by the custodians at the top, of the bureau or of no department,
// not by a section's: its grant can always be registered, by them.
func TestRegisterRecordingOfNoDepartment(t *testing.T) {
	for _, tc := range []struct {
		name   string
		keeper func(e *registrationEnv) evidence.User
		want   evidence.Code
	}{
		{"OKBureauCustodian", func(e *registrationEnv) evidence.User { return e.bureauKeeper }, ""},
		{"OKNoDepartment", func(e *registrationEnv) evidence.User { return e.keeperNoDept }, ""},
		{"ErrForbiddenSectionCustodian", func(e *registrationEnv) evidence.User { return e.keeperA }, evidence.EForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			e := newRegistrationEnv(t)
			if err := e.db.Update(ctx, func(tx *store.Tx) error {
				return tx.UpdateRecordingIdentity(ctx, e.rec.ID, e.rec.Device, "999999")
			}); err != nil {
				t.Fatal(err)
			}
			req := e.approved(t)
			if _, err := e.a.RegisterGrant(ctx, Actor{User: tc.keeper(e)}, req.GrantID); evidence.ErrorCode(err) != tc.want {
				t.Fatalf("register: %v, want code %q", err, tc.want)
			}
		})
	}
}

// R-VIEW-1: the bureau may register every grant when it is approved; the
// change of policy is an entry, the registration is one too (its "how"
// the policy), and the register shows 自动登记, no custodian.
func TestRegisterByPolicy(t *testing.T) {
	ctx := context.Background()
	e := newRegistrationEnv(t)
	sec := evidence.User{ID: 0, Name: "secadmin", Role: evidence.RoleSecAdmin}
	if err := e.a.SetViewingSettings(ctx, Actor{User: sec}, store.ViewingSettings{AutoRegister: true}); err != nil {
		t.Fatal(err)
	}
	req := e.approved(t)
	if !req.GrantRegistered {
		t.Fatal("the policy did not register the grant")
	}
	actions, last := e.trail(t)
	if actions[len(actions)-1] != "grant.register" || last.Actor != e.leader.Name || last.Details["how"] != evidence.RegisteredByPolicy {
		t.Errorf("registration entry %v %+v", actions, last)
	}
	if err := e.play(t); err != nil {
		t.Fatalf("playing under a grant registered by policy: %v", err)
	}
	var reg []evidence.Viewing
	if err := e.db.View(ctx, func(tx *store.Tx) (err error) {
		reg, err = tx.Register(ctx, e.clock.Now().Add(-time.Hour), e.clock.Now().Add(time.Hour), store.Scope{})
		return
	}); err != nil {
		t.Fatal(err)
	}
	if len(reg) != 1 || reg[0].Registrar != "" || reg[0].RegisteredHow != evidence.RegisteredByPolicy {
		t.Errorf("register %+v, want one viewing registered automatically", reg)
	}
}
