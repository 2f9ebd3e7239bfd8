package app

import (
	"context"
	"testing"

	"shilu/internal/evidence"
	"shilu/internal/store"
)

// accFixture adds to the activity fixture a finding about 张伟 (000123) and
// the legal office's and the auditor's accounts.
func accFixture(t *testing.T) (*activityFixture, int64) {
	t.Helper()
	f := newActivityFixture(t)
	ctx := context.Background()
	var id int64
	err := f.db.Update(ctx, func(tx *store.Tx) error {
		for _, p := range []struct {
			name string
			role evidence.Role
		}{{"fazhi", evidence.RoleLegal}, {"shenji", evidence.RoleAuditor}} {
			a, err := tx.CreateAccount(ctx, store.NewAccount{Name: p.name, Role: p.role})
			if err != nil {
				return err
			}
			f.who[p.name] = Actor{User: a.User}
		}
		if _, err := tx.RaiseFindings(ctx, []evidence.Finding{{Key: "test:1", Rule: "upload_late", Article: "Art. 13", Officer: "000123",
			Evidence: evidence.Msg("finding.notice_missing"), Status: evidence.FindingOpen, Severity: evidence.SeverityWarning}}); err != nil {
			return err
		}
		fs, err := tx.Findings(ctx, store.FindingFilter{})
		if err != nil {
			return err
		}
		id = fs[0].ID
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return f, id
}

// R-ACC-1, R-ACC-2: a case is opened from a finding by a leader of the
// officer only, the statement is the officer's own, the decision of Art.
// 21 comes after it from the officer's leader, and each step is a custody
// entry.
func TestAccountabilityLifecycle(t *testing.T) {
	f, finding := accFixture(t)
	ctx := context.Background()
	open := func(who string, mod func(*evidence.AccountabilityCase)) (evidence.AccountabilityCase, error) {
		x := evidence.AccountabilityCase{FindingID: finding, Officer: "000123", Item: "3", Facts: "未按规定记录，导致投诉",
			Consequence: evidence.ConsequenceComplaint}
		if mod != nil {
			mod(&x)
		}
		return f.app.OpenAccountability(ctx, f.who[who], x)
	}
	for _, tc := range []struct {
		name, who string
		mod       func(*evidence.AccountabilityCase)
		code      evidence.Code
		key       string
	}{
		{"ErrForbiddenOtherDepartment", "chenjing", nil, evidence.EForbidden, "err.acc.not_led"},
		{"ErrForbiddenOwn", "zhangwei", nil, evidence.EForbidden, "err.acc.own"},
		{"ErrInvalidOfficerNotNamed", "liuyang", func(x *evidence.AccountabilityCase) { x.Officer = "000124" }, evidence.EInvalid, "err.acc.officer_not_named"},
		{"ErrInvalidItem", "liuyang", func(x *evidence.AccountabilityCase) { x.Item = "9" }, evidence.EInvalid, "err.acc.item"},
		{"ErrInvalidNoFacts", "liuyang", func(x *evidence.AccountabilityCase) { x.Facts = "  " }, evidence.EInvalid, "err.acc.no_facts"},
		{"ErrInvalidConsequence", "liuyang", func(x *evidence.AccountabilityCase) { x.Consequence = "rumour" }, evidence.EInvalid, "err.acc.consequence"},
		{"ErrNotFoundFinding", "liuyang", func(x *evidence.AccountabilityCase) { x.FindingID = 999 }, evidence.ENotFound, "err.finding.not_found"},
	} {
		t.Run("Open"+tc.name, func(t *testing.T) {
			_, err := open(tc.who, tc.mod)
			wantCode(t, err, tc.code, tc.key)
		})
	}
	x, err := open("liuyang", nil)
	if err != nil {
		t.Fatal(err)
	}
	if x.Status != evidence.AccOpened || x.OfficerID != f.who["zhangwei"].User.ID || x.Department != "一科" || x.OpenedBy != "liuyang" {
		t.Fatalf("opened %+v", x)
	}
	if _, err := open("liuyang", nil); evidence.ErrorCode(err) != evidence.EConflict {
		t.Fatalf("second case on the same finding and officer: %v", err)
	}

	decision := AccDecisionInput{Decisions: []evidence.AccDecision{evidence.DecisionSelfCriticism, evidence.DecisionCirculated},
		DecidedOn: f.now.Format("2006-01-02"), Note: "局务会研究决定"}
	_, err = f.app.DecideAccountability(ctx, f.who["liuyang"], x.ID, decision)
	wantCode(t, err, evidence.EConflict, "err.acc.awaiting_statement")

	for _, tc := range []struct{ name, who, key string }{
		{"ErrForbiddenColleague", "lina", "err.acc.not_own_statement"},
		{"ErrForbiddenLeader", "liuyang", "err.acc.not_own_statement"},
	} {
		t.Run("Statement"+tc.name, func(t *testing.T) {
			_, err := f.app.AnswerAccountability(ctx, f.who[tc.who], x.ID, "不是我写的")
			wantCode(t, err, evidence.EForbidden, tc.key)
		})
	}
	if x, err = f.app.AnswerAccountability(ctx, f.who["zhangwei"], x.ID, "当天设备电量不足，已认识到问题"); err != nil {
		t.Fatal(err)
	}
	if x.Status != evidence.AccStatement || x.StatementAt == nil {
		t.Fatalf("after the statement: %+v", x)
	}

	for _, tc := range []struct {
		name, who string
		in        AccDecisionInput
		code      evidence.Code
		key       string
	}{
		{"ErrForbiddenOtherDepartment", "chenjing", decision, evidence.EForbidden, "err.acc.not_led"},
		{"ErrInvalidNone", "liuyang", AccDecisionInput{DecidedOn: decision.DecidedOn}, evidence.EInvalid, "err.acc.no_decision"},
		{"ErrInvalidUnknown", "liuyang", AccDecisionInput{Decisions: []evidence.AccDecision{"fine"}, DecidedOn: decision.DecidedOn}, evidence.EInvalid, "err.acc.decision"},
		{"ErrInvalidFuture", "liuyang", AccDecisionInput{Decisions: decision.Decisions, DecidedOn: f.now.AddDate(0, 0, 2).Format("2006-01-02")},
			evidence.EInvalid, "err.acc.decided_on_range"},
		{"ErrInvalidDate", "liuyang", AccDecisionInput{Decisions: decision.Decisions, DecidedOn: "2026/11/26"}, evidence.EInvalid, "err.acc.decided_on"},
	} {
		t.Run("Decide"+tc.name, func(t *testing.T) {
			_, err := f.app.DecideAccountability(ctx, f.who[tc.who], x.ID, tc.in)
			wantCode(t, err, tc.code, tc.key)
		})
	}
	if x, err = f.app.DecideAccountability(ctx, f.who["liuyang"], x.ID, decision); err != nil {
		t.Fatal(err)
	}
	if x.Status != evidence.AccDecided || x.DecidedBy != "liuyang" || len(x.Decisions) != 2 || x.DecidedOn != decision.DecidedOn {
		t.Fatalf("decided %+v", x)
	}
	_, err = f.app.AnswerAccountability(ctx, f.who["zhangwei"], x.ID, "补充陈述")
	wantCode(t, err, evidence.EConflict, "err.acc.state")
	_, err = f.app.DecideAccountability(ctx, f.who["liuyang"], x.ID, decision)
	wantCode(t, err, evidence.EConflict, "err.acc.state")
	_, err = f.app.CloseAccountability(ctx, f.who["chenjing"], x.ID)
	wantCode(t, err, evidence.EForbidden, "err.acc.not_led")
	if x, err = f.app.CloseAccountability(ctx, f.who["liuyang"], x.ID); err != nil || x.Status != evidence.AccClosed || x.ClosedBy != "liuyang" {
		t.Fatalf("closed %+v, %v", x, err)
	}

	// Every step is an entry about the case, by its actor.
	var got []string
	err = f.db.View(ctx, func(tx *store.Tx) error {
		list, _, _, err := tx.AuditEntries(ctx, store.AuditFilter{Object: objAccountability(x.ID)}, -1, false, 100)
		for _, e := range list {
			got = append(got, string(e.Action)+" "+e.Actor)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"accountability.open liuyang", "accountability.statement zhangwei", "accountability.decide liuyang", "accountability.close liuyang"}
	if len(got) != len(want) {
		t.Fatalf("entries %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("entries %q, want %q", got, want)
		}
	}

	// Who reads the case: the officer, their leader, the legal office and
	// the auditor; not a colleague nor another department's leader.
	for _, tc := range []struct {
		who string
		ok  bool
	}{{"zhangwei", true}, {"liuyang", true}, {"fazhi", true}, {"shenji", true}, {"lina", false}, {"chenjing", false}, {"wangqiang", false}} {
		t.Run("Read"+tc.who, func(t *testing.T) {
			err := f.db.View(ctx, func(tx *store.Tx) error {
				_, err := LoadAccountability(ctx, tx, f.who[tc.who].User, x.ID)
				return err
			})
			if (err == nil) != tc.ok {
				t.Fatalf("read by %s: %v, want ok=%v", tc.who, err, tc.ok)
			}
			var list []evidence.AccountabilityCase
			err = f.db.View(ctx, func(tx *store.Tx) (err error) {
				list, err = tx.AccountabilityCases(ctx, store.AccFilter{Scope: SeeAccountability(f.who[tc.who].User)})
				return err
			})
			if err != nil || (len(list) == 1) != tc.ok {
				t.Fatalf("list for %s: %d cases, %v; want ok=%v", tc.who, len(list), err, tc.ok)
			}
		})
	}
}
