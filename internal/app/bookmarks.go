package app

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"shilu/internal/audit"
	"shilu/internal/evidence"
	"shilu/internal/media"
	"shilu/internal/store"
)

// MediaDuration is the length of the media that bookmark offsets count
// in: the probed duration, which is the player's clock, or else the
// recorded span; 0 when neither is known.
func MediaDuration(rec evidence.Recording) time.Duration {
	var f media.Facts
	if len(rec.Media) > 0 && json.Unmarshal(rec.Media, &f) == nil && f.Duration > 0 {
		return f.Duration
	}
	if rec.RecordedStart != nil && rec.RecordedEnd != nil {
		return max(rec.RecordedEnd.Sub(*rec.RecordedStart), 0)
	}
	return 0
}

// bookmarkBasis says why u may mark moments in rec: it is u's own
// recording (the recording's officer is u's officer number) or u holds a
// live grant for it, i.e. u may watch it by the leader's approval. Anyone
// else would annotate evidence they have no business with: EForbidden.
// The officer number is read from the account, since a caller signed in
// by API token carries none.
func bookmarkBasis(ctx context.Context, tx *store.Tx, u evidence.User, rec evidence.Recording) (string, error) {
	acct, err := tx.Account(ctx, u.ID)
	if err != nil {
		return "", err
	}
	if acct.OfficerNo != "" && rec.Officer == acct.OfficerNo {
		return "own", nil
	}
	g, err := tx.LiveGrant(ctx, u.ID, rec.ID)
	if err == nil {
		return "grant:" + strconv.FormatInt(g.ID, 10), nil
	}
	if evidence.ErrorCode(err) == evidence.EForbidden {
		return "", evidence.Errorf(evidence.EForbidden, "err.bookmark.no_basis", rec.ID)
	}
	return "", err
}

// MayBookmark reports whether u may mark moments in rec (bookmarkBasis).
func MayBookmark(ctx context.Context, tx *store.Tx, u evidence.User, rec evidence.Recording) (bool, error) {
	_, err := bookmarkBasis(ctx, tx, u, rec)
	if evidence.ErrorCode(err) == evidence.EForbidden {
		return false, nil
	}
	return err == nil, err
}

// mayRemoveBookmark says why u may take b back: u made it, or u is a
// leader (PermAccessApprove) of the department of the one who did, as for
// approvals (Art. 16); never a leader on their own behalf.
func mayRemoveBookmark(ctx context.Context, tx *store.Tx, u evidence.User, b evidence.Bookmark) (string, error) {
	if b.CreatedByID == u.ID {
		return "author", nil
	}
	if u.Role.Can(evidence.PermAccessApprove) {
		leads, err := tx.IsLeaderOf(ctx, u.ID, b.CreatedByID)
		if err != nil {
			return "", err
		}
		if leads {
			return "leader", nil
		}
	}
	return "", evidence.Errorf(evidence.EForbidden, "err.bookmark.not_yours")
}

func bookmarkDetails(b evidence.Bookmark) map[string]string {
	d := map[string]string{"bookmark": strconv.FormatInt(b.ID, 10),
		"offset_ms": strconv.FormatInt(b.OffsetMS, 10), "offset": MediaTime(b.OffsetMS), "kind": string(b.Kind), "label": b.Label}
	if b.EndMS != nil {
		d["end_ms"], d["end"] = strconv.FormatInt(*b.EndMS, 10), MediaTime(*b.EndMS)
	}
	return d
}

// MediaTime formats an offset in the media as m:ss, or h:mm:ss from an
// hour on, as players show it.
func MediaTime(ms int64) string {
	s := max(ms, 0) / 1000
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// AddBookmark marks a moment in recording b.RecordingID (Art. 10, R-ACT-5);
// the bookmark and its custody entry (bookmark.add on the recording) commit
// together. The original is not touched. A refusal is logged.
func (a *App) AddBookmark(ctx context.Context, who Actor, b evidence.Bookmark) (evidence.Bookmark, error) {
	b.Label, b.CreatedByID = strings.TrimSpace(b.Label), who.User.ID
	if err := checkLine("bookmark_label", b.Label, 200); err != nil {
		return b, err
	}
	var rec evidence.Recording
	err := a.update(ctx, who, func(c *change) error {
		var err error
		if rec, err = c.Recording(ctx, b.RecordingID); err != nil {
			return err
		}
		basis, err := bookmarkBasis(ctx, c.Tx, who.User, rec)
		if err != nil {
			return err
		}
		if err := b.Validate(MediaDuration(rec)); err != nil {
			return err
		}
		if b, err = c.Tx.AddBookmark(ctx, b); err != nil {
			return err
		}
		details := bookmarkDetails(b)
		details["basis"] = basis
		return c.log(evidence.ActionBookmarkAdd, objRecording(rec.ID), details, rec.Digest)
	})
	return b, a.denied(ctx, who, rec, err, map[string]string{"route": "bookmark.add"})
}

// RemoveBookmark takes bookmark id of recording recID back (a soft delete,
// see store.RemoveBookmark) with its custody entry bookmark.remove. It
// needs the same reason to touch the recording as marking, and authorship
// or leadership of the author.
func (a *App) RemoveBookmark(ctx context.Context, who Actor, recID, id int64) (evidence.Bookmark, error) {
	var rec evidence.Recording
	var b evidence.Bookmark
	err := a.update(ctx, who, func(c *change) error {
		var err error
		if rec, err = c.Recording(ctx, recID); err != nil {
			return err
		}
		if b, err = c.Bookmark(ctx, id); err != nil {
			return err
		}
		if b.RecordingID != rec.ID {
			return evidence.Errorf(evidence.ENotFound, "err.bookmark.not_found", id)
		}
		basis, err := bookmarkBasis(ctx, c.Tx, who.User, rec)
		if err != nil {
			return err
		}
		as, err := mayRemoveBookmark(ctx, c.Tx, who.User, b)
		if err != nil {
			return err
		}
		if b, err = c.Tx.RemoveBookmark(ctx, b.ID, who.User.ID); err != nil {
			return err
		}
		details := bookmarkDetails(b)
		details["basis"], details["as"], details["author"] = basis, as, b.CreatedBy
		return c.log(evidence.ActionBookmarkRemove, objRecording(rec.ID), details, rec.Digest)
	})
	return b, a.denied(ctx, who, rec, err, map[string]string{"route": "bookmark.remove", "bookmark": strconv.FormatInt(id, 10)})
}

// denied logs a refused attempt on rec (R-ACC-1) — who tried what, and why
// not — and returns err; other errors pass through.
func (a *App) denied(ctx context.Context, who Actor, rec evidence.Recording, err error, details map[string]string) error {
	if evidence.ErrorCode(err) != evidence.EForbidden {
		return err
	}
	details["reason"] = err.Error()
	if aerr := a.Record(ctx, who, evidence.ActionAccessDenied, objRecording(rec.ID), audit.OutcomeDenied, details, rec.Digest); aerr != nil {
		return aerr
	}
	return err
}

// MayRemoveBookmark reports whether u may take b back (mayRemoveBookmark).
func MayRemoveBookmark(ctx context.Context, tx *store.Tx, u evidence.User, b evidence.Bookmark) (bool, error) {
	_, err := mayRemoveBookmark(ctx, tx, u, b)
	if evidence.ErrorCode(err) == evidence.EForbidden {
		return false, nil
	}
	return err == nil, err
}
