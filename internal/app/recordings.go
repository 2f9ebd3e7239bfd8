package app

import (
	"context"
	"maps"
	"slices"
	"strings"
	"time"

	"shilu/internal/audit"
	"shilu/internal/evidence"
	"shilu/internal/store"
)

// RecordingChange corrects whom a recording is attributed to; nil fields
// stay as they are. Reason says why, for the custody entry: a correction of
// evidence's description must be explained to whoever reads the trail.
type RecordingChange struct {
	Device  *string
	Officer *string
	Reason  string
}

// UpdateRecording corrects which device and officer recording id is
// attributed to. The change and its before/after values commit together
// with a custody entry (R-AUD-1: change of metadata), and the rules that
// read them run again; the original's bytes are untouched.
func (a *App) UpdateRecording(ctx context.Context, who Actor, id int64, ch RecordingChange) (evidence.Recording, error) {
	for _, v := range []*string{ch.Device, ch.Officer} {
		if v != nil {
			if err := checkLine("device_officer", *v, 64); err != nil {
				return evidence.Recording{}, err
			}
		}
	}
	if strings.TrimSpace(ch.Reason) == "" {
		return evidence.Recording{}, evidence.Errorf(evidence.EInvalid, "err.recording.correction_reason")
	}
	if err := checkLine("correction_reason", ch.Reason, 500); err != nil {
		return evidence.Recording{}, err
	}
	var rec evidence.Recording
	err := a.update(ctx, who, func(c *change) error {
		old, err := c.Recording(ctx, id)
		if err != nil {
			return err
		}
		rec = old
		details := map[string]string{}
		if ch.Device != nil && *ch.Device != old.Device {
			details["device_before"], details["device"] = old.Device, *ch.Device
			rec.Device = *ch.Device
		}
		if ch.Officer != nil && *ch.Officer != old.Officer {
			details["officer_before"], details["officer"] = old.Officer, *ch.Officer
			rec.Officer = *ch.Officer
		}
		if len(details) == 0 {
			return nil // nothing changes, nothing to record
		}
		details["reason"] = ch.Reason
		if err := c.UpdateRecordingIdentity(ctx, id, rec.Device, rec.Officer); err != nil {
			return err
		}
		// The officer and device decide whose coverage a recording is, and
		// whom its own findings name.
		c.recheck(id)
		acts, err := c.ActivitiesOfRecording(ctx, id)
		if err != nil {
			return err
		}
		for _, x := range acts {
			c.reevaluate(x)
		}
		return c.log(evidence.ActionRecordingUpdate, objRecording(id), details, old.Digest)
	})
	return rec, err
}

// Viewing is one request for a recording's bytes.
type Viewing struct {
	RecordingID int64
	// WithoutApproval lists the roles that may view without a grant (the
	// bureau's policy; by default none, as Art. 16 says).
	WithoutApproval []evidence.Role
	// Details are the request's facts for the custody entry (remote
	// address, range).
	Details map[string]string
}

// Viewed is an authorized viewing: the grant it rests on (ID 0 for a
// viewing by policy) and when that grant ends.
type Viewed struct {
	GrantID int64
	Until   time.Time
}

// Access is a request for a recording's bytes that AuthorizeViewing let
// through: the recording and the grant, as one snapshot saw them.
// Recording's links and signs may be older than that snapshot (the access
// cache keeps what the content route reads, grantcache.go).
type Access struct {
	Recording evidence.Recording
	Viewed
	v   Viewing
	now time.Time
}

// AuthorizeViewing finds the recording a content request asks for and
// authorizes the request against a live grant of the viewer (Art. 16: only
// with the leader's approval, R-VIEW-1), or the policy. A refusal is
// logged as access.denied. RecordViewing then registers it.
//
// Every request is authorized, each range request of a playback too, in
// one read transaction and most often one query: the recording and the
// live grant come from the access cache when the access generation, read
// in the request's snapshot, has not moved since the cache read them
// (grantcache.go: a revocation takes effect at the next request).
func (a *App) AuthorizeViewing(ctx context.Context, who Actor, v Viewing) (Access, error) {
	acc := Access{v: v}
	var live bool
	var unregistered int64 // a live grant that waits for the custodian
	// Not cancelled with the request: the read takes microseconds, and
	// modernc's SQLite watches a cancellable context with a goroutine per
	// statement, which cost playback latency (issue 15).
	rctx := context.WithoutCancel(ctx)
	err := a.view(rctx, func(tx *store.Tx) error {
		acc.now = tx.Now()
		gen, err := tx.AccessGeneration(rctx)
		if err != nil {
			return err
		}
		var ok bool
		if acc.Recording, ok = a.access.recording(gen, v.RecordingID); !ok {
			if acc.Recording, err = tx.Recording(rctx, v.RecordingID); err != nil {
				return err
			}
			a.access.putRecording(gen, acc.Recording)
		}
		g, ok := a.access.grant(gen, who.User.ID, v.RecordingID, acc.now)
		if !ok {
			lg, err := tx.LiveGrant(rctx, who.User.ID, v.RecordingID)
			if evidence.ErrorCode(err) == evidence.EForbidden {
				return nil
			}
			if err != nil {
				return err
			}
			g = cachedGrant{id: lg.ID, from: lg.From, until: lg.Until, registered: lg.Registered()}
			a.access.putGrant(gen, who.User.ID, v.RecordingID, g)
		}
		if !g.registered {
			unregistered = g.id
			return nil
		}
		acc.Viewed, live = Viewed{GrantID: g.id, Until: g.until}, true
		return nil
	})
	if err != nil {
		return acc, err
	}
	switch {
	case live || slices.Contains(v.WithoutApproval, who.User.Role):
		return acc, nil
	case unregistered != 0:
		return acc, a.refuseUnregistered(ctx, who, acc.Recording, unregistered, v.Details)
	}
	return acc, a.refuseViewing(ctx, who, acc.Recording, v.Details)
}

// RecordViewing registers an authorized content request of bytes bytes in
// the register of viewings (查阅登记) and the custody log before its first
// byte is sent (R-VIEW-1, R-AUD-1, R-SEC-2), and returns the grant, which
// the response under way checks again (GrantLive).
//
// Only the first range of a viewing writes: its row in the register and
// one custody entry, in one transaction that authorizes it again. The
// later ranges of the same viewing (viewer, recording and grant, within
// evidence.ViewingGap) add their requests and bytes to the register in
// batches (viewings.go, which states the crash window).
func (a *App) RecordViewing(ctx context.Context, who Actor, acc Access, bytes int64) (out Viewed, err error) {
	rec, details, out := acc.Recording, acc.v.Details, acc.Viewed
	if a.viewings.extend(viewingKey{who.User.ID, rec.ID, out.GrantID}, acc.now, bytes) {
		return out, nil
	}
	var key viewingKey
	var id int64
	var now time.Time
	var unregistered int64
	err = a.update(ctx, who, func(c *change) error {
		var grantID int64
		g, err := c.LiveGrant(ctx, who.User.ID, rec.ID)
		if err == nil && !g.Registered() {
			unregistered = g.ID
			err = evidence.Errorf(evidence.EForbidden, "err.grant.unregistered", rec.ID, g.ID)
		}
		switch {
		case err == nil:
			grantID, out = g.ID, Viewed{GrantID: g.ID, Until: g.Until}
			details["grant"] = itoa(g.ID)
		case evidence.ErrorCode(err) == evidence.EForbidden && slices.Contains(acc.v.WithoutApproval, who.User.Role):
			out = Viewed{}
			details["grant"] = "policy:" + string(who.User.Role)
		default:
			return err
		}
		key, now = viewingKey{who.User.ID, rec.ID, grantID}, c.Now()
		var started bool
		if id, started, err = c.OpenViewing(ctx, grantID, who.User.ID, rec.ID, bytes); err != nil || !started {
			// Not started: an earlier request (another instance's, or one
			// before a restart) registered and logged the viewing.
			return err
		}
		// The viewing this entry registers, with its first range's bytes:
		// the state check rebuilds the register's rows from these (issue
		// 9 point 6); the later ranges' counts are not logged.
		details[detailViewing], details[detailBytes] = itoa(id), itoa(bytes)
		return c.log(evidence.ActionRecordingContent, objRecording(rec.ID), details, rec.Digest)
	})
	if evidence.ErrorCode(err) == evidence.EForbidden {
		if unregistered != 0 {
			return out, a.refuseUnregistered(ctx, who, rec, unregistered, details)
		}
		return out, a.refuseViewing(ctx, who, rec, details)
	}
	if err == nil {
		a.viewings.opened(key, id, now)
	}
	return out, err
}

// refuseViewing logs a content request without a live grant as
// access.denied and returns the refusal.
func (a *App) refuseViewing(ctx context.Context, who Actor, rec evidence.Recording, details map[string]string) error {
	details["reason"] = "no live grant"
	if err := a.Record(ctx, who, evidence.ActionAccessDenied, objRecording(rec.ID), audit.OutcomeDenied, details, rec.Digest); err != nil {
		return err
	}
	return evidence.Errorf(evidence.EForbidden, "err.grant.none", rec.ID)
}

// GrantLive reports whether grant id still allows viewing now: a response
// under way asks it now and then, so that a revocation ends a download
// already running (issue 9 point 5), not only the next request.
func (a *App) GrantLive(ctx context.Context, id int64) error {
	return a.view(ctx, func(tx *store.Tx) error {
		g, err := tx.Grant(ctx, id)
		if err != nil {
			return err
		}
		if !g.Live(tx.Now()) {
			return evidence.Errorf(evidence.EForbidden, "err.grant.ended")
		}
		return nil
	})
}

// ContentFailed logs a viewing whose original could not be opened.
func (a *App) ContentFailed(ctx context.Context, who Actor, rec evidence.Recording, details map[string]string) error {
	return a.Record(ctx, who, evidence.ActionRecordingContent, objRecording(rec.ID), audit.OutcomeFailed, details, rec.Digest)
}

// RefuseDeletion answers an attempt to delete recording rec: originals are
// never deleted by a request (Art. 20(一) names deleting them as a breach;
// disposal after the retention period is its own procedure), and the
// attempt is a fact for the custody log (R-ACC-1), like any refusal.
func (a *App) RefuseDeletion(ctx context.Context, who Actor, rec evidence.Recording, details map[string]string) error {
	details = maps.Clone(details)
	if details == nil {
		details = map[string]string{}
	}
	details["attempt"] = "delete"
	if err := a.Record(ctx, who, evidence.ActionAccessDenied, objRecording(rec.ID), audit.OutcomeDenied, details, rec.Digest); err != nil {
		return err
	}
	return evidence.Errorf(evidence.EForbidden, "err.recording.no_delete")
}
