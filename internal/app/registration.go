package app

import (
	"context"
	"strconv"
	"time"

	"shilu/internal/audit"
	"shilu/internal/evidence"
	"shilu/internal/store"
)

// The custodian's registration (Art. 16: 经保管人登记后方可查阅; issue 14
// point 2): a grant the leader approved serves no content until a
// custodian of the recordings' department registers it, or the bureau's
// policy registers every grant when it is approved. The register of
// viewings shows who registered each viewing's grant, and when.

// RegisterGrant registers grant id on behalf of custodian who. The route
// table lets only custodians call it (PermGrantRegister); here the
// custodian must keep every recording of the grant (their department and
// those under it, as a leader decides by department), and the grant must
// still be in force.
func (a *App) RegisterGrant(ctx context.Context, who Actor, id int64) (evidence.Grant, error) {
	var g evidence.Grant
	err := a.update(ctx, who, func(c *change) error {
		var err error
		if g, err = c.Grant(ctx, id); err != nil {
			return err
		}
		if g.Registered() {
			return evidence.Errorf(evidence.EConflict, "err.grant.registered_already", id)
		}
		if g.State.Ended() {
			return evidence.Errorf(evidence.EConflict, "err.grant.register_ended", id)
		}
		if who.User.ID != 0 {
			kept, err := c.GrantKeptBy(ctx, id, who.User.ID)
			if err != nil {
				return err
			}
			if !kept {
				return evidence.Errorf(evidence.EForbidden, "err.grant.not_kept", id)
			}
		}
		if g, err = c.Tx.RegisterGrant(ctx, id, who.User.ID, evidence.RegisteredByCustodian); err != nil {
			return err
		}
		return c.logRegistration(g)
	})
	return g, err
}

// logRegistration writes the registration of g on the trail of each of
// its recordings.
func (c *change) logRegistration(g evidence.Grant) error {
	for _, rid := range g.RecordingIDs {
		if err := c.log(evidence.ActionGrantRegister, objRecording(rid), map[string]string{
			"grant": itoa(g.ID), "grantee": g.Grantee, "how": g.RegisteredHow}); err != nil {
			return err
		}
	}
	return nil
}

// registerByPolicy registers the grant an approval just made when the
// bureau's policy says so; the entry's actor is the approving leader, its
// "how" the policy.
func (c *change) registerByPolicy(ctx context.Context, grantID int64) (bool, error) {
	s, err := c.ViewingSettings(ctx)
	if err != nil || !s.AutoRegister {
		return false, err
	}
	g, err := c.Tx.RegisterGrant(ctx, grantID, 0, evidence.RegisteredByPolicy)
	if err != nil {
		return false, err
	}
	return true, c.logRegistration(g)
}

// ViewingSettings returns the bureau's viewing policy.
func (a *App) ViewingSettings(ctx context.Context) (store.ViewingSettings, error) {
	var s store.ViewingSettings
	err := a.view(ctx, func(tx *store.Tx) error {
		var err error
		s, err = tx.ViewingSettings(ctx)
		return err
	})
	return s, err
}

// SetViewingSettings changes the bureau's viewing policy (the security
// administrator, PermPolicyManage), with a custody entry naming the values
// before and after. Turning automatic registration on registers the
// grants approved from then on; those waiting stay on the custodians'
// list.
func (a *App) SetViewingSettings(ctx context.Context, who Actor, s store.ViewingSettings) error {
	return a.update(ctx, who, func(c *change) error {
		old, err := c.ViewingSettings(ctx)
		if err != nil {
			return err
		}
		if old == s {
			return nil
		}
		if err := c.Tx.SetViewingSettings(ctx, s); err != nil {
			return err
		}
		return c.log(evidence.ActionViewingSettings, "viewing", map[string]string{
			"auto_register_before": strconv.FormatBool(old.AutoRegister), "auto_register": strconv.FormatBool(s.AutoRegister)})
	})
}

// refuseUnregistered logs a content request under a grant no custodian
// has registered yet as access.denied and returns the refusal (Art. 16).
func (a *App) refuseUnregistered(ctx context.Context, who Actor, rec evidence.Recording, grantID int64, details map[string]string) error {
	details["reason"], details["grant"] = "grant not registered", itoa(grantID)
	if err := a.Record(ctx, who, evidence.ActionAccessDenied, objRecording(rec.ID), audit.OutcomeDenied, details, rec.Digest); err != nil {
		return err
	}
	return evidence.Errorf(evidence.EForbidden, "err.grant.unregistered", rec.ID, grantID)
}

// Copy is a watermarked copy (下载副本) StartCopy authorized and
// registered: the recording, the grant it rests on, its row in the
// register and the moment its watermark names.
type Copy struct {
	Recording evidence.Recording
	Grant     evidence.Grant
	Viewing   int64
	At        time.Time
}

// StartCopy authorizes and registers the download of a watermarked copy
// of recording id by who (R-SEC-2; issue 14 point 3): a live grant that a
// custodian registered and that allows download (the request asked for
// it and the leader approved it). Before the first byte, in one
// transaction, the register gets a row of kind copy (下载, told apart from
// viewing) and the recording's trail a recording.copy entry naming the
// grant and what the watermark says. A refusal is an access.denied entry.
// The original is only read; FinishCopy records the bytes sent.
func (a *App) StartCopy(ctx context.Context, who Actor, id int64, kindOK func(evidence.Kind) bool, details map[string]string) (Copy, error) {
	var cp Copy
	var refused error
	err := a.update(ctx, who, func(c *change) error {
		rec, err := c.Recording(ctx, id)
		if err != nil {
			return err
		}
		cp.Recording = rec
		if rec.DisposedAt != nil {
			return evidence.Errorf(evidence.EConflict, "err.recording.disposed", rec.ID)
		}
		if !kindOK(rec.Kind) {
			return evidence.Errorf(evidence.EInvalid, "err.copy.kind", rec.ID)
		}
		g, err := c.LiveGrant(ctx, who.User.ID, id)
		switch {
		case evidence.ErrorCode(err) == evidence.EForbidden:
			refused = err
			details["reason"] = "no live grant"
			return err
		case err != nil:
			return err
		case !g.Registered():
			refused = evidence.Errorf(evidence.EForbidden, "err.grant.unregistered", rec.ID, g.ID)
			details["reason"], details["grant"] = "grant not registered", itoa(g.ID)
			return refused
		case !g.Download:
			refused = evidence.Errorf(evidence.EForbidden, "err.copy.not_granted", rec.ID, g.ID)
			details["reason"], details["grant"] = "copy not granted", itoa(g.ID)
			return refused
		}
		cp.Grant, cp.At = g, c.Now()
		if cp.Viewing, err = c.OpenCopy(ctx, g.ID, who.User.ID, id); err != nil {
			return err
		}
		details["grant"], details[detailViewing], details[detailBytes] = itoa(g.ID), itoa(cp.Viewing), "0"
		details["watermark"] = who.User.Label() + " " + who.User.OfficerNo + " " + cp.At.In(evidence.Zone).Format(time.DateTime)
		return c.log(evidence.ActionRecordingCopy, objRecording(id), details, rec.Digest)
	})
	if refused != nil {
		details["attempt"] = "copy"
		if err := a.Record(ctx, who, evidence.ActionAccessDenied, objRecording(id), audit.OutcomeDenied, details, cp.Recording.Digest); err != nil {
			return cp, err
		}
		return cp, refused
	}
	return cp, err
}

// FinishCopy records in the register how many bytes of copy viewing were
// sent (all, or as many as left before the download failed or ended).
func (a *App) FinishCopy(ctx context.Context, viewing, bytes int64) error {
	return a.db.Update(ctx, func(tx *store.Tx) error { return tx.FinishCopy(ctx, viewing, bytes) })
}
