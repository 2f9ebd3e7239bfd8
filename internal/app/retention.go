package app

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"shilu/internal/blob"
	"shilu/internal/evidence"
	"shilu/internal/store"
)

// Retention (issue 11; Art. 14, 18; R-RET-1/2/3, X-RET-1): the bureau's
// classes, each recording's retain-until (store.Tx.Retain, recomputed by
// change.retain in every change of its facts), holds, and disposal:
// proposed by the custodian, approved by a leader who is not the proposer,
// carried out after a grace period that cannot be switched off, leaving a
// tombstone in the catalogue and the custody log.

func objClass(id int64) string { return "retention_class:" + strconv.FormatInt(id, 10) }

// reasonText checks a reason given for a retention decision: one line, two
// characters at least (a decision the custody log must explain).
func reasonText(field, reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	if err := checkLine(field, reason, 500); err != nil {
		return "", err
	}
	if len([]rune(reason)) < 2 {
		return "", evidence.Errorf(evidence.EInvalid, "err.retention.reason", evidence.Msg("field."+field))
	}
	return reason, nil
}

// PutRetentionClass creates (ID 0) or changes a retention class; the
// recordings it governs are recomputed in the same transaction. A base
// period is never below one year (R-RET-1).
func (a *App) PutRetentionClass(ctx context.Context, who Actor, x evidence.RetentionClass) (evidence.RetentionClass, error) {
	x.Name = strings.TrimSpace(x.Name)
	if x.Kind != evidence.ClassYears {
		x.Years = 0
	}
	if err := firstErr(checkLine("class_name", x.Name, 64), x.Validate()); err != nil {
		return x, err
	}
	err := a.update(ctx, who, func(c *change) error {
		details := map[string]string{"name": x.Name, "kind": string(x.Kind), "years": strconv.Itoa(x.Years)}
		if x.ID != 0 {
			old, err := c.RetentionClass(ctx, x.ID)
			if err != nil {
				return err
			}
			details["name_before"], details["kind_before"], details["years_before"] = old.Name, string(old.Kind), strconv.Itoa(old.Years)
		}
		var err error
		if x, err = c.Tx.PutRetentionClass(ctx, x); err != nil {
			return err
		}
		if err := c.retainAll(ctx); err != nil {
			return err
		}
		return c.log(evidence.ActionRetentionClass, objClass(x.ID), details)
	})
	return x, err
}

// retainAll recomputes every recording not disposed of, now: a class or a
// setting may touch any of them.
func (c *change) retainAll(ctx context.Context) error {
	_, err := c.RetainAll(ctx, "")
	return err
}

// SetRetentionSettings sets the default class, the class of files the
// device marked important (X-DEV-3) and the grace period of disposals
// (at least MinGraceDays: it cannot be switched off).
func (a *App) SetRetentionSettings(ctx context.Context, who Actor, s evidence.RetentionSettings) error {
	if s.GraceDays < evidence.MinGraceDays || s.GraceDays > evidence.MaxGraceDays {
		return evidence.Errorf(evidence.EInvalid, "err.retention.grace", evidence.MinGraceDays, evidence.MaxGraceDays)
	}
	return a.update(ctx, who, func(c *change) error {
		old, err := c.RetentionSettings(ctx)
		if err != nil {
			return err
		}
		for _, id := range []int64{s.DefaultClass, s.ImportantClass} {
			if _, err := c.RetentionClass(ctx, id); err != nil {
				return err
			}
		}
		if err := c.Tx.SetRetentionSettings(ctx, s); err != nil {
			return err
		}
		if err := c.retainAll(ctx); err != nil {
			return err
		}
		return c.log(evidence.ActionRetentionSettings, "retention", map[string]string{
			"default_class_before": itoa(old.DefaultClass), "default_class": itoa(s.DefaultClass),
			"important_class_before": itoa(old.ImportantClass), "important_class": itoa(s.ImportantClass),
			"grace_days_before": strconv.Itoa(old.GraceDays), "grace_days": strconv.Itoa(s.GraceDays)})
	})
}

// ClassifyRecording gives recording id a retention class (nil: the
// bureau's default), with a reason; its retain-until is recomputed.
func (a *App) ClassifyRecording(ctx context.Context, who Actor, id int64, classID *int64, reason string) (evidence.Recording, error) {
	reason, err := reasonText("classify_reason", reason)
	if err != nil {
		return evidence.Recording{}, err
	}
	var rec evidence.Recording
	err = a.update(ctx, who, func(c *change) error {
		old, err := c.liveRecording(ctx, id)
		if err != nil {
			return err
		}
		details := map[string]string{"reason": reason, "class_before": "", "class": ""}
		if old.ClassID != nil {
			details["class_before"] = itoa(*old.ClassID)
		}
		if classID != nil {
			cl, err := c.RetentionClass(ctx, *classID)
			if err != nil {
				return err
			}
			details["class"], details["class_name"] = itoa(cl.ID), cl.Name
		}
		if err := c.SetRecordingClass(ctx, id, classID); err != nil {
			return err
		}
		c.retain(id)
		return c.log(evidence.ActionRecordingClassify, objRecording(id), details, old.Digest)
	})
	if err != nil {
		return rec, err
	}
	err = a.view(ctx, func(tx *store.Tx) (err error) { rec, err = tx.Recording(ctx, id); return err })
	return rec, err
}

// liveRecording returns recording id, refusing one disposed of.
func (c *change) liveRecording(ctx context.Context, id int64) (evidence.Recording, error) {
	rec, err := c.Recording(ctx, id)
	if err != nil {
		return rec, err
	}
	if rec.DisposedAt != nil {
		return rec, evidence.Errorf(evidence.EConflict, "err.recording.disposed", id)
	}
	return rec, nil
}

// mayKeep reports whether u may place or lift a hold on rec, or approve
// or cancel its disposal: the custodian and the server's operator for any
// recording, a leader for the recordings of the people they lead (a
// recording naming no officer: any leader).
func (c *change) mayKeep(ctx context.Context, u evidence.User, rec evidence.Recording) error {
	if u.ID == 0 || u.Role == evidence.RoleCustodian {
		return nil
	}
	if u.Role == evidence.RoleLeader {
		if rec.Officer == "" {
			return nil
		}
		ok, err := c.onOrLeadsOfficers(ctx, u, []string{rec.Officer})
		if err != nil || ok {
			return err
		}
	}
	return evidence.Errorf(evidence.EForbidden, "err.retention.not_yours", rec.ID)
}

// PlaceHold holds recording id (诉讼保全, 复议, 信访): while a hold is in
// force it is never disposed of (Art. 18, R-RET-3). A disposal under way
// is cancelled in the same transaction.
func (a *App) PlaceHold(ctx context.Context, who Actor, id int64, kind evidence.HoldKind, reason string) (evidence.Hold, error) {
	if !kind.Valid() {
		return evidence.Hold{}, evidence.Errorf(evidence.EInvalid, "err.hold.kind", string(kind))
	}
	reason, err := reasonText("hold_reason", reason)
	if err != nil {
		return evidence.Hold{}, err
	}
	var h evidence.Hold
	err = a.update(ctx, who, func(c *change) error {
		rec, err := c.liveRecording(ctx, id)
		if err != nil {
			return err
		}
		if err := c.mayKeep(ctx, who.User, rec); err != nil {
			return err
		}
		if h, err = c.Tx.PlaceHold(ctx, evidence.Hold{RecordingID: id, Kind: kind, Reason: reason}, who.User.ID); err != nil {
			return err
		}
		c.retain(id)
		if err := c.log(evidence.ActionHoldPlace, objRecording(id), map[string]string{"hold": itoa(h.ID), "kind": string(kind), "reason": reason}, rec.Digest); err != nil {
			return err
		}
		return c.cancelUnderWay(ctx, rec, "hold:"+itoa(h.ID))
	})
	return h, err
}

// cancelUnderWay cancels a disposal of rec proposed or in its grace
// period, because of what (a hold).
func (c *change) cancelUnderWay(ctx context.Context, rec evidence.Recording, what string) error {
	list, err := c.Disposals(ctx, store.DisposalFilter{RecordingID: rec.ID})
	if err != nil {
		return err
	}
	for _, d := range list {
		if d.Status != evidence.DisposalProposed && d.Status != evidence.DisposalApproved {
			continue
		}
		if err := c.CancelDisposal(ctx, d.ID, d.Status, c.who.User.ID, what); err != nil {
			return err
		}
		if err := c.log(evidence.ActionDisposalCancel, objRecording(rec.ID), map[string]string{"disposal": itoa(d.ID), "reason": what}, rec.Digest); err != nil {
			return err
		}
	}
	return nil
}

// LiftHold ends hold id with a reason; the recording's retain-until is
// recomputed.
func (a *App) LiftHold(ctx context.Context, who Actor, id int64, reason string) error {
	reason, err := reasonText("lift_reason", reason)
	if err != nil {
		return err
	}
	return a.update(ctx, who, func(c *change) error {
		h, err := c.Hold(ctx, id)
		if err != nil {
			return err
		}
		rec, err := c.Recording(ctx, h.RecordingID)
		if err != nil {
			return err
		}
		if err := c.mayKeep(ctx, who.User, rec); err != nil {
			return err
		}
		if err := c.Tx.LiftHold(ctx, id, who.User.ID, reason); err != nil {
			return err
		}
		c.retain(rec.ID)
		return c.log(evidence.ActionHoldLift, objRecording(rec.ID), map[string]string{"hold": itoa(id), "kind": string(h.Kind), "reason": reason}, rec.Digest)
	})
}

// disposable refuses a disposal of rec at the transaction's time: before
// its retain-until, under a hold, or already disposed of (R-RET-3).
func (c *change) disposable(ctx context.Context, rec evidence.Recording) error {
	if rec.DisposedAt != nil {
		return evidence.Errorf(evidence.EConflict, "err.recording.disposed", rec.ID)
	}
	r, err := c.Retain(ctx, rec.ID) // never trust a stored value here
	if err != nil {
		return err
	}
	if r.Basis == evidence.BasisHold {
		return evidence.Errorf(evidence.EConflict, "err.disposal.held", rec.ID)
	}
	holds, err := c.HoldsOf(ctx, rec.ID)
	if err != nil {
		return err
	}
	for _, h := range holds {
		if h.LiftedAt == nil {
			return evidence.Errorf(evidence.EConflict, "err.disposal.held", rec.ID)
		}
	}
	if !r.Due(c.Now()) {
		return evidence.Errorf(evidence.EConflict, "err.disposal.not_due", rec.ID)
	}
	return nil
}

// ProposeDisposal proposes to dispose of recording id (the custodian): only
// after its retain-until and not under a hold.
func (a *App) ProposeDisposal(ctx context.Context, who Actor, id int64, reason string) (evidence.Disposal, error) {
	reason, err := reasonText("disposal_reason", reason)
	if err != nil {
		return evidence.Disposal{}, err
	}
	var d evidence.Disposal
	err = a.update(ctx, who, func(c *change) error {
		rec, err := c.Recording(ctx, id)
		if err != nil {
			return err
		}
		if err := c.disposable(ctx, rec); err != nil {
			return err
		}
		if d, err = c.Tx.ProposeDisposal(ctx, id, who.User.ID, reason); err != nil {
			return err
		}
		return c.log(evidence.ActionDisposalPropose, objRecording(id), map[string]string{"disposal": itoa(d.ID), "reason": reason}, rec.Digest)
	})
	return d, err
}

// ApproveDisposal approves proposed disposal id (a leader for the people
// they lead, never its proposer: two people, Art. 18). It is carried out
// after the grace period, during which it can be cancelled.
func (a *App) ApproveDisposal(ctx context.Context, who Actor, id int64) (evidence.Disposal, error) {
	var d evidence.Disposal
	err := a.update(ctx, who, func(c *change) error {
		var err error
		if d, err = c.Disposal(ctx, id); err != nil {
			return err
		}
		if d.ProposedBy == who.User.Name {
			return evidence.Errorf(evidence.EForbidden, "err.disposal.same_person")
		}
		rec, err := c.Recording(ctx, d.RecordingID)
		if err != nil {
			return err
		}
		if who.User.ID != 0 && who.User.Role != evidence.RoleLeader {
			return evidence.Errorf(evidence.EForbidden, "err.retention.not_yours", rec.ID)
		}
		if err := c.mayKeep(ctx, who.User, rec); err != nil {
			return err
		}
		if err := c.disposable(ctx, rec); err != nil {
			return err
		}
		s, err := c.RetentionSettings(ctx)
		if err != nil {
			return err
		}
		due := c.Now().AddDate(0, 0, max(s.GraceDays, evidence.MinGraceDays))
		if err := c.Tx.ApproveDisposal(ctx, id, who.User.ID, due); err != nil {
			return err
		}
		if d, err = c.Disposal(ctx, id); err != nil {
			return err
		}
		return c.log(evidence.ActionDisposalApprove, objRecording(rec.ID), map[string]string{"disposal": itoa(id),
			"due": due.Format(time.RFC3339), "proposed_by": d.ProposedBy}, rec.Digest)
	})
	return d, err
}

// CancelDisposal cancels disposal id, proposed or in its grace period,
// with a reason: the custodian, or a leader for the people they lead.
func (a *App) CancelDisposal(ctx context.Context, who Actor, id int64, reason string) error {
	reason, err := reasonText("cancel_reason", reason)
	if err != nil {
		return err
	}
	return a.update(ctx, who, func(c *change) error {
		d, err := c.Disposal(ctx, id)
		if err != nil {
			return err
		}
		rec, err := c.Recording(ctx, d.RecordingID)
		if err != nil {
			return err
		}
		if err := c.mayKeep(ctx, who.User, rec); err != nil {
			return err
		}
		if d.Status != evidence.DisposalProposed && d.Status != evidence.DisposalApproved {
			return evidence.Errorf(evidence.EConflict, "err.disposal.state", id)
		}
		if err := c.Tx.CancelDisposal(ctx, id, d.Status, who.User.ID, reason); err != nil {
			return err
		}
		return c.log(evidence.ActionDisposalCancel, objRecording(rec.ID), map[string]string{"disposal": itoa(id), "reason": reason}, rec.Digest)
	})
}

// Deleter removes a blob: only disposal uses it (blob.Store.Delete).
type Deleter interface {
	Delete(ctx context.Context, d blob.Digest) error
}

// RunDisposals carries out the approved disposals whose grace period has
// ended, and finishes the blob removals a killed process left pending. The
// order makes a kill at any point safe: the tombstone (recording marked
// disposed of, disposal carried out, recording.dispose entry) commits
// first, then the blob is removed, then recording.erase is logged. A kill
// between leaves a tombstone whose blob may still be there; the next run
// removes it. It returns how many recordings were disposed of.
func (a *App) RunDisposals(ctx context.Context, blobs Deleter) (int, error) {
	var due []evidence.Disposal
	if err := a.view(ctx, func(tx *store.Tx) (err error) { due, err = tx.DueDisposals(ctx); return err }); err != nil {
		return 0, err
	}
	done := 0
	for _, d := range due {
		disposed := false
		err := a.update(ctx, System("retention"), func(c *change) error {
			rec, err := c.Recording(ctx, d.RecordingID)
			if err != nil {
				return err
			}
			// A hold placed since the approval cancelled it already; this
			// checks again, in the transaction that disposes: a recording
			// attached to a case file since is no longer due, and its
			// disposal ends here, logged.
			if err := c.disposable(ctx, rec); evidence.ErrorCode(err) == evidence.EConflict {
				if err := c.Tx.CancelDisposal(ctx, d.ID, d.Status, c.who.User.ID, evidence.ErrorMessage(err).Key); err != nil {
					return err
				}
				return c.log(evidence.ActionDisposalCancel, objRecording(rec.ID), map[string]string{"disposal": itoa(d.ID), "reason": evidence.ErrorMessage(err).Key}, rec.Digest)
			} else if err != nil {
				return err
			}
			disposed = true
			if err := c.MarkDisposed(ctx, d.ID, rec.ID); err != nil {
				return err
			}
			return c.log(evidence.ActionRecordingDispose, objRecording(rec.ID), map[string]string{
				"disposal": itoa(d.ID), "filename": printable(rec.Filename), "size": strconv.FormatInt(rec.Size, 10),
				"device": rec.Device, "officer": rec.Officer, "reason": d.Reason,
				"proposed_by": d.ProposedBy, "approved_by": d.ApprovedBy}, rec.Digest)
		})
		if err != nil {
			return done, err
		}
		if disposed {
			done++
		}
	}
	var pending []evidence.Disposal
	if err := a.view(ctx, func(tx *store.Tx) (err error) { pending, err = tx.PendingErasures(ctx); return err }); err != nil {
		return done, err
	}
	for _, d := range pending {
		digest, err := blob.ParseDigest(d.SHA256)
		if err != nil {
			return done, err
		}
		if err := blobs.Delete(ctx, digest); err != nil && !errors.Is(err, blob.ErrNotFound) {
			return done, fmt.Errorf("app: dispose of recording %d: %w", d.RecordingID, err)
		}
		err = a.update(ctx, System("retention"), func(c *change) error {
			if err := c.MarkErased(ctx, d.ID); err != nil {
				return err
			}
			return c.log(evidence.ActionRecordingErase, objRecording(d.RecordingID), map[string]string{"disposal": itoa(d.ID)}, digest)
		})
		if err != nil {
			return done, err
		}
		a.log.Info("disposed of", "recording", d.RecordingID, "digest", digest.String())
	}
	return done, nil
}

// RunDisposer runs RunDisposals now and every interval until ctx ends.
func (a *App) RunDisposer(ctx context.Context, blobs Deleter, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := a.RunDisposals(ctx, blobs); err != nil && ctx.Err() == nil {
			a.log.Error("disposal", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
