package app

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"shilu/internal/evidence"
	"shilu/internal/store"
)

// objAccountability names an accountability case in custody entries.
func objAccountability(id int64) string { return "accountability:" + strconv.FormatInt(id, 10) }

// SeeAccountability is the scope of the accountability cases u may read
// (Art. 20–21): the legal office and the auditor all of them, read-only; a
// leader those of the people they lead (by department, as every leader's
// decision); everyone else their own.
func SeeAccountability(u evidence.User) store.Scope {
	switch {
	case u.ID == 0 || u.Role == evidence.RoleLegal || u.Role == evidence.RoleAuditor:
		return store.Scope{}
	case u.Role.Can(evidence.PermAccountabilityDecide):
		return store.Scope{LedBy: u.ID}
	}
	return store.Scope{Only: u.ID}
}

// MaySeeAccountability reports whether u may read case x.
func MaySeeAccountability(ctx context.Context, tx *store.Tx, u evidence.User, x evidence.AccountabilityCase) (bool, error) {
	s := SeeAccountability(u)
	switch {
	case s == store.Scope{} || x.OfficerID == u.ID:
		return true, nil
	case s.LedBy != 0:
		return tx.IsLeaderOf(ctx, u.ID, x.OfficerID)
	}
	return false, nil
}

// mayDecide checks that leader u may decide about the officer whose
// account is officerID: u leads them and is not them (nobody decides about
// themselves). The server's operator (ID 0) may.
func (c *change) mayDecide(ctx context.Context, u evidence.User, officerID int64, officer string) error {
	if u.ID == 0 {
		return nil
	}
	if u.ID == officerID {
		return evidence.Errorf(evidence.EForbidden, "err.acc.own", officer)
	}
	leads, err := c.IsLeaderOf(ctx, u.ID, officerID)
	if err != nil {
		return err
	}
	if !leads {
		return evidence.Errorf(evidence.EForbidden, "err.acc.not_led", officer)
	}
	return nil
}

// OpenAccountability opens an accountability case from a finding (Art. 20;
// R-ACC-1): the leader names the officer — the finding's, one of its
// activity's officers, or, for a finding that names nobody, any officer
// with an account — the item of Art. 20, the facts and the consequence. A
// leader opens cases only about the people they lead, never about
// themselves; one case per finding and officer.
func (a *App) OpenAccountability(ctx context.Context, who Actor, x evidence.AccountabilityCase) (evidence.AccountabilityCase, error) {
	x.Facts, x.Officer = strings.TrimSpace(x.Facts), strings.TrimSpace(x.Officer)
	if x.Consequence == "" {
		x.Consequence = evidence.ConsequenceNone
	}
	if err := firstErr(checkText("acc_facts", x.Facts, evidence.MaxAccFacts), x.ValidateOpening()); err != nil {
		return x, err
	}
	err := a.update(ctx, who, func(c *change) error {
		f, err := c.Finding(ctx, x.FindingID)
		if err != nil {
			return err
		}
		named := []string{}
		switch {
		case f.Officer != "":
			named = []string{f.Officer}
		case f.ActivityID != 0:
			act, err := c.Activity(ctx, f.ActivityID)
			if err != nil {
				return err
			}
			named = act.Officers
		}
		if len(named) > 0 && !slices.Contains(named, x.Officer) {
			return evidence.Errorf(evidence.EInvalid, "err.acc.officer_not_named", x.FindingID, x.Officer)
		}
		dir, err := c.OfficerDirectory(ctx)
		if err != nil {
			return err
		}
		o, ok := dir[x.Officer]
		if !ok {
			return evidence.Errorf(evidence.EInvalid, "err.acc.officer_unknown", x.Officer)
		}
		if err := c.mayDecide(ctx, who.User, o.UserID, x.Officer); err != nil {
			return err
		}
		x.OfficerID, x.DepartmentID = o.UserID, nil
		if o.DepartmentID != 0 {
			d := o.DepartmentID
			x.DepartmentID = &d
		}
		if x, err = c.CreateAccountabilityCase(ctx, x, who.User.ID); err != nil {
			return err
		}
		return c.log(evidence.ActionAccountabilityOpen, objAccountability(x.ID), map[string]string{"finding": itoa(x.FindingID),
			"rule": f.Rule, "officer": x.Officer, "item": string(x.Item), "consequence": string(x.Consequence), "facts": x.Facts})
	})
	return x, err
}

// AnswerAccountability records the officer's own written statement (陈述)
// in case id: the officer the case names writes it, nobody else, until the
// decision; a later statement replaces the earlier, and both stay in the
// custody log.
func (a *App) AnswerAccountability(ctx context.Context, who Actor, id int64, statement string) (x evidence.AccountabilityCase, err error) {
	statement = strings.TrimSpace(statement)
	if err := checkText("acc_statement", statement, evidence.MaxAccStatement); err != nil {
		return x, err
	}
	if statement == "" {
		return x, evidence.Errorf(evidence.EInvalid, "err.acc.no_statement")
	}
	err = a.update(ctx, who, func(c *change) error {
		if x, err = c.AccountabilityCase(ctx, id); err != nil {
			return err
		}
		if x.OfficerID != who.User.ID {
			return evidence.Errorf(evidence.EForbidden, "err.acc.not_own_statement", id)
		}
		if err := c.SetAccStatement(ctx, id, statement); err != nil {
			return err
		}
		if x, err = c.AccountabilityCase(ctx, id); err != nil {
			return err
		}
		return c.log(evidence.ActionAccountabilityStatement, objAccountability(id), map[string]string{"officer": x.Officer, "statement": statement})
	})
	return x, err
}

// AccDecisionInput is a leader's decision in a case (Art. 21).
type AccDecisionInput struct {
	Decisions []evidence.AccDecision `json:"decisions"`
	// DecidedOn is the date of the decision, YYYY-MM-DD in Asia/Shanghai.
	DecidedOn string `json:"decided_on"`
	Note      string `json:"note"`
}

// DecideAccountability records the decision of Art. 21 in case id (R-ACC-2)
// once the officer has made their statement: the decisions, their date and
// the deciding leader, who leads the officer.
func (a *App) DecideAccountability(ctx context.Context, who Actor, id int64, in AccDecisionInput) (x evidence.AccountabilityCase, err error) {
	in.Note, in.DecidedOn = strings.TrimSpace(in.Note), strings.TrimSpace(in.DecidedOn)
	if err := checkText("acc_note", in.Note, evidence.MaxAccNote); err != nil {
		return x, err
	}
	err = a.update(ctx, who, func(c *change) error {
		if x, err = c.AccountabilityCase(ctx, id); err != nil {
			return err
		}
		if err := c.mayDecide(ctx, who.User, x.OfficerID, x.Officer); err != nil {
			return err
		}
		if x.Status == evidence.AccOpened {
			return evidence.Errorf(evidence.EConflict, "err.acc.awaiting_statement", x.Officer)
		}
		if err := evidence.ValidateDecision(in.Decisions, in.DecidedOn, x.OpenedAt, c.Now()); err != nil {
			return err
		}
		if err := c.DecideAcc(ctx, id, in.Decisions, in.DecidedOn, in.Note, who.User.ID); err != nil {
			return err
		}
		codes := make([]string, len(in.Decisions))
		for i, d := range in.Decisions {
			codes[i] = string(d)
		}
		if x, err = c.AccountabilityCase(ctx, id); err != nil {
			return err
		}
		return c.log(evidence.ActionAccountabilityDecide, objAccountability(id), map[string]string{"officer": x.Officer, "finding": itoa(x.FindingID),
			"decisions": strings.Join(codes, ","), "decided_on": in.DecidedOn, "note": in.Note})
	})
	return x, err
}

// CloseAccountability closes decided case id: the decision has been carried
// out. A leader of the officer closes it.
func (a *App) CloseAccountability(ctx context.Context, who Actor, id int64) (x evidence.AccountabilityCase, err error) {
	err = a.update(ctx, who, func(c *change) error {
		if x, err = c.AccountabilityCase(ctx, id); err != nil {
			return err
		}
		if err := c.mayDecide(ctx, who.User, x.OfficerID, x.Officer); err != nil {
			return err
		}
		if err := c.CloseAcc(ctx, id, who.User.ID); err != nil {
			return err
		}
		if x, err = c.AccountabilityCase(ctx, id); err != nil {
			return err
		}
		return c.log(evidence.ActionAccountabilityClose, objAccountability(id), map[string]string{"officer": x.Officer, "finding": itoa(x.FindingID)})
	})
	return x, err
}

// AccountabilityView is a case with the finding it was opened from.
type AccountabilityView struct {
	Case    evidence.AccountabilityCase `json:"case"`
	Finding store.StoredFinding         `json:"finding"`
}

// LoadAccountability reads case id for u: EForbidden when u may not see it.
func LoadAccountability(ctx context.Context, tx *store.Tx, u evidence.User, id int64) (AccountabilityView, error) {
	var v AccountabilityView
	var err error
	if v.Case, err = tx.AccountabilityCase(ctx, id); err != nil {
		return v, err
	}
	ok, err := MaySeeAccountability(ctx, tx, u, v.Case)
	if err != nil {
		return v, err
	}
	if !ok {
		return v, evidence.Errorf(evidence.EForbidden, "err.acc.not_visible", id)
	}
	v.Finding, err = tx.Finding(ctx, v.Case.FindingID)
	return v, err
}
