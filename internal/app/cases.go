package app

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"

	"shilu/internal/blob"
	"shilu/internal/evidence"
	"shilu/internal/store"
)

// objCase names a case in custody entries.
func objCase(id int64) string { return "case:" + strconv.FormatInt(id, 10) }

// checkCase checks what a person enters about a case, counting characters.
func checkCase(x *evidence.Case) error {
	x.Number, x.Title, x.Parties = strings.TrimSpace(x.Number), strings.TrimSpace(x.Title), strings.TrimSpace(x.Parties)
	slices.Sort(x.Officers)
	x.Officers = slices.Compact(x.Officers)
	return firstErr(checkLine("case_number", x.Number, 64), checkLine("case_title", x.Title, 200),
		checkText("case_parties", x.Parties, 1000), x.Validate())
}

// mayHandle reports whether u may change case x's file: one of its handling
// officers, their leaders (by department), the custodian, who keeps the
// case files, and the server's operator — as for activities (issue 9 point
// 4): another officer could otherwise take evidence out of a case file.
func (c *change) mayHandle(ctx context.Context, u evidence.User, x evidence.Case) error {
	if u.ID == 0 || u.Role == evidence.RoleCustodian {
		return nil
	}
	ok, err := c.onOrLeadsOfficers(ctx, u, x.Officers)
	if err != nil {
		return err
	}
	if !ok {
		return evidence.Errorf(evidence.EForbidden, "err.case.not_yours", x.Number)
	}
	return nil
}

// openCase returns case id for a change by u: in u's hands and not archived.
func (c *change) openCase(ctx context.Context, u evidence.User, id int64) (evidence.Case, error) {
	x, err := c.Case(ctx, id)
	if err != nil {
		return x, err
	}
	if err := c.mayHandle(ctx, u, x); err != nil {
		return x, err
	}
	if x.Status == evidence.CaseArchived {
		return x, evidence.Errorf(evidence.EConflict, "err.case.archived", x.Number)
	}
	return x, nil
}

// CreateCase opens a case (立案) with its handling officers, who must hold
// accounts; an officer opens only cases they handle.
func (a *App) CreateCase(ctx context.Context, who Actor, x evidence.Case) (evidence.Case, error) {
	x.ID, x.Status = 0, evidence.CaseFiled
	if err := checkCase(&x); err != nil {
		return x, err
	}
	err := a.update(ctx, who, func(c *change) error {
		if err := c.checkOfficers(ctx, x.Officers, nil); err != nil {
			return err
		}
		if err := c.mayHandle(ctx, who.User, x); err != nil {
			return err
		}
		if x.DepartmentID != nil {
			if _, err := c.Department(ctx, *x.DepartmentID); err != nil {
				return err
			}
		}
		var err error
		if x, err = c.Tx.CreateCase(ctx, x, who.User.ID); err != nil {
			return err
		}
		return c.log(evidence.ActionCaseCreate, objCase(x.ID), map[string]string{"number": x.Number, "title": x.Title,
			"officers": strings.Join(x.Officers, ","), "retention_years": strconv.Itoa(x.RetentionYears)})
	})
	return x, err
}

// caseChange is what a PATCH may change of a case; its number and status
// are not (AdvanceCase moves the status).
type caseChange struct {
	Title          *string   `json:"title"`
	Parties        *string   `json:"parties"`
	Officers       *[]string `json:"officers"`
	DepartmentID   *int64    `json:"department_id"`
	RetentionYears *int      `json:"retention_years"`
}

// UpdateCase applies patch (a JSON object of the fields to change) to case
// id; the custody entry has each field's value before and after.
func (a *App) UpdateCase(ctx context.Context, who Actor, id int64, patch map[string]json.RawMessage) (evidence.Case, error) {
	if len(patch) == 0 {
		return evidence.Case{}, evidence.Errorf(evidence.EInvalid, "err.nothing_to_change")
	}
	raw, err := json.Marshal(patch)
	if err != nil {
		return evidence.Case{}, err
	}
	var ch caseChange
	if err := decodeStrict(raw, &ch); err != nil {
		return evidence.Case{}, err
	}
	fields := slices.Sorted(maps.Keys(patch))
	var x evidence.Case
	err = a.update(ctx, who, func(c *change) error {
		var err error
		if x, err = c.openCase(ctx, who.User, id); err != nil {
			return err
		}
		before, err := fieldValues(x, fields)
		if err != nil {
			return err
		}
		was := x.Officers
		if ch.Title != nil {
			x.Title = *ch.Title
		}
		if ch.Parties != nil {
			x.Parties = *ch.Parties
		}
		if ch.Officers != nil {
			x.Officers = slices.Clone(*ch.Officers)
		}
		if _, ok := patch["department_id"]; ok {
			x.DepartmentID = ch.DepartmentID
		}
		if ch.RetentionYears != nil {
			x.RetentionYears = *ch.RetentionYears
		}
		if err := checkCase(&x); err != nil {
			return err
		}
		if err := c.checkOfficers(ctx, x.Officers, was); err != nil {
			return err
		}
		if x.DepartmentID != nil {
			if _, err := c.Department(ctx, *x.DepartmentID); err != nil {
				return err
			}
		}
		if x, err = c.Tx.UpdateCase(ctx, x); err != nil {
			return err
		}
		after, err := fieldValues(x, fields)
		if err != nil {
			return err
		}
		if ch.RetentionYears != nil {
			if err := c.retainCase(ctx, id); err != nil {
				return err
			}
		}
		details := map[string]string{"fields": strings.Join(fields, ",")}
		for _, f := range fields {
			details[f+"_before"], details[f] = before[f], after[f]
		}
		return c.log(evidence.ActionCaseUpdate, objCase(id), details)
	})
	return x, err
}

// AdvanceCase moves case id one step forward, to status (立案 → 调查 → 决定
// → 结案 → 归档); any other move is refused, so the file's history reads in
// order.
func (a *App) AdvanceCase(ctx context.Context, who Actor, id int64, status evidence.CaseStatus) (evidence.Case, error) {
	var x evidence.Case
	err := a.update(ctx, who, func(c *change) error {
		var err error
		if x, err = c.openCase(ctx, who.User, id); err != nil {
			return err
		}
		next, _ := x.Status.Next()
		if status != next {
			return evidence.Errorf(evidence.EConflict, "err.case.status_step", evidence.Msg("case.status."+string(x.Status)),
				evidence.Msg("case.status."+string(next)))
		}
		if err := c.SetCaseStatus(ctx, id, status); err != nil {
			return err
		}
		// Archiving starts the file's retention (R-RET-2).
		if err := c.retainCase(ctx, id); err != nil {
			return err
		}
		from := x.Status
		x.Status = status
		return c.log(evidence.ActionCaseStatus, objCase(id), map[string]string{"from": string(from), "to": string(status)})
	})
	return x, err
}

// CaseItemRef names a recording or an activity to attach or detach.
type CaseItemRef struct {
	Kind string `json:"kind"` // evidence.CaseItemRecording, CaseItemActivity
	ID   int64  `json:"id"`
}

// caseItem checks that ref names an existing recording or activity and
// returns the object custody entries name it by, with its digest for a
// recording.
func (c *change) caseItem(ctx context.Context, ref CaseItemRef) (string, []blob.Digest, error) {
	switch ref.Kind {
	case evidence.CaseItemRecording:
		rec, err := c.Recording(ctx, ref.ID)
		if err != nil {
			return "", nil, err
		}
		return objRecording(ref.ID), []blob.Digest{rec.Digest}, nil
	case evidence.CaseItemActivity:
		if _, err := c.Activity(ctx, ref.ID); err != nil {
			return "", nil, err
		}
		return objActivity(ref.ID), nil, nil
	}
	return "", nil, evidence.Errorf(evidence.EInvalid, "err.case.item_kind", ref.Kind)
}

// Attach puts recordings or activities into case id's file (附卷). Each is
// an entry in the custody trail of the recording or activity, naming the
// case, where the evidence's history is read.
func (a *App) Attach(ctx context.Context, who Actor, id int64, refs []CaseItemRef) error {
	if len(refs) == 0 || len(refs) > 500 {
		return evidence.Errorf(evidence.EInvalid, "err.case.item_count", 500)
	}
	return a.update(ctx, who, func(c *change) error {
		x, err := c.openCase(ctx, who.User, id)
		if err != nil {
			return err
		}
		for _, ref := range refs {
			obj, digests, err := c.caseItem(ctx, ref)
			if err != nil {
				return err
			}
			if err := c.AttachToCase(ctx, id, ref.Kind, ref.ID, who.User.ID); err != nil {
				return err
			}
			if err := c.retainItem(ctx, ref); err != nil {
				return err
			}
			if err := c.log(evidence.ActionCaseAttach, obj, map[string]string{"case": strconv.FormatInt(id, 10), "case_number": x.Number}, digests...); err != nil {
				return err
			}
		}
		return nil
	})
}

// Detach takes a recording or an activity out of case id's file, with a
// reason: taking evidence out of a case file is a decision the custody log
// must explain.
func (a *App) Detach(ctx context.Context, who Actor, id int64, ref CaseItemRef, reason string) error {
	reason = strings.TrimSpace(reason)
	if err := checkLine("detach_reason", reason, 500); err != nil {
		return err
	}
	if len([]rune(reason)) < 2 {
		return evidence.Errorf(evidence.EInvalid, "err.case.detach_reason")
	}
	return a.update(ctx, who, func(c *change) error {
		x, err := c.openCase(ctx, who.User, id)
		if err != nil {
			return err
		}
		obj, digests, err := c.caseItem(ctx, ref)
		if err != nil {
			return err
		}
		if err := c.DetachFromCase(ctx, id, ref.Kind, ref.ID); err != nil {
			return err
		}
		if err := c.retainItem(ctx, ref); err != nil {
			return err
		}
		return c.log(evidence.ActionCaseDetach, obj, map[string]string{"case": strconv.FormatInt(id, 10), "case_number": x.Number, "reason": reason}, digests...)
	})
}

// CaseView is a case with what its file holds.
type CaseView struct {
	Case  evidence.Case    `json:"case"`
	Items []store.CaseItem `json:"items"`
	// Recordings are the recordings of the file: attached, or linked to
	// an attached activity (what a request by case asks to view).
	Recordings []int64 `json:"recording_ids"`
}

// LoadCase reads case id and its file.
func LoadCase(ctx context.Context, tx *store.Tx, id int64) (CaseView, error) {
	var v CaseView
	var err error
	if v.Case, err = tx.Case(ctx, id); err != nil {
		return v, err
	}
	if v.Items, err = tx.CaseItems(ctx, id); err != nil {
		return v, err
	}
	if v.Recordings, err = tx.CaseRecordingIDs(ctx, id); err != nil {
		return v, err
	}
	if v.Recordings == nil {
		v.Recordings = []int64{}
	}
	return v, nil
}

// retainCase marks every recording of case id's file for its retention to
// be recomputed.
func (c *change) retainCase(ctx context.Context, id int64) error {
	ids, err := c.CaseRecordingIDs(ctx, id)
	if err != nil {
		return err
	}
	c.retain(ids...)
	return nil
}

// retainItem marks the recordings a case item brings into (or takes out
// of) a case file: the recording, or the activity's recordings.
func (c *change) retainItem(ctx context.Context, ref CaseItemRef) error {
	if ref.Kind == evidence.CaseItemRecording {
		c.retain(ref.ID)
		return nil
	}
	ids, err := c.RecordingsOfActivity(ctx, ref.ID)
	if err != nil {
		return err
	}
	c.retain(ids...)
	return nil
}
