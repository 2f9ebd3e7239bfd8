package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"shilu/internal/audit"
	"shilu/internal/blob"
	"shilu/internal/evidence"
	"shilu/internal/locale"
	"shilu/internal/media"
	"shilu/internal/store"
)

// bookmarkRoutes are the key moments (重点摄录) marked inside recordings
// (Art. 10; R-ACT-5). Reading them is reading the recording's metadata.
// Marking and taking back need PermAccessRequest, the permission of the
// people who record or handle evidence, and on top of it a reason to be
// touching this recording (bookmarkBasis): the route table cannot express
// that, so the handlers check it.
var bookmarkRoutes = []route{
	{"GET", "/api/v1/recordings/{id}/bookmarks", evidence.PermRecordingsRead, (*Server).listBookmarks},
	{"POST", "/api/v1/recordings/{id}/bookmarks", evidence.PermAccessRequest, (*Server).addBookmark},
	{"DELETE", "/api/v1/recordings/{id}/bookmarks/{bookmark}", evidence.PermAccessRequest, (*Server).removeBookmark},
}

// mediaDuration is the length of the media that bookmark offsets count
// in: the probed duration, which is the player's clock, or else the
// recorded span; 0 when neither is known.
func mediaDuration(rec evidence.Recording) time.Duration {
	var f media.Facts
	if len(rec.Media) > 0 && json.Unmarshal(rec.Media, &f) == nil && f.Duration > 0 {
		return f.Duration
	}
	return max(recordingDuration(rec), 0)
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
		return "", evidence.Errorf(evidence.EForbidden, "bookmarks in recording %d are made by its officer or by someone holding a live grant for it", rec.ID)
	}
	return "", err
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
	return "", evidence.Errorf(evidence.EForbidden, "a bookmark is removed by the one who made it or by their leader")
}

func bookmarkDetails(ctx context.Context, b evidence.Bookmark) map[string]string {
	d := map[string]string{"request_id": requestID(ctx), "bookmark": strconv.FormatInt(b.ID, 10),
		"offset_ms": strconv.FormatInt(b.OffsetMS, 10), "offset": mediaTime(b.OffsetMS), "kind": string(b.Kind), "label": b.Label}
	if b.EndMS != nil {
		d["end_ms"], d["end"] = strconv.FormatInt(*b.EndMS, 10), mediaTime(*b.EndMS)
	}
	return d
}

// denyBookmark logs a refused attempt on a recording (R-ACC-1), as wrap
// does for refusals by role: who tried what, and why not.
func (s *Server) denyBookmark(r *http.Request, rec evidence.Recording, err error) error {
	if evidence.ErrorCode(err) != evidence.EForbidden {
		return err
	}
	details := map[string]string{"route": r.Pattern, "reason": locale.New(locale.Default).Error(err)}
	if b := r.PathValue("bookmark"); b != "" {
		details["bookmark"] = printable(b)
	}
	if aerr := s.audit(r.Context(), audit.Entry{Actor: userOf(r).Name, Action: "access.denied", Object: objRecording(rec.ID),
		Outcome: audit.OutcomeDenied, Digests: []blob.Digest{rec.Digest}, Details: details}); aerr != nil {
		return aerr
	}
	return err
}

// bookmarkList is the answer of GET /api/v1/recordings/{id}/bookmarks.
type bookmarkList struct {
	RecordingID int64               `json:"recording_id"`
	DurationMS  int64               `json:"duration_ms"` // 0 when unknown
	Bookmarks   []evidence.Bookmark `json:"bookmarks"`
}

func (s *Server) listBookmarks(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	var out bookmarkList
	err = s.cfg.DB.View(ctx, func(tx *store.Tx) error {
		rec, err := tx.Recording(ctx, id)
		if err != nil {
			return err
		}
		out.RecordingID, out.DurationMS = rec.ID, mediaDuration(rec).Milliseconds()
		out.Bookmarks, err = tx.Bookmarks(ctx, rec.ID)
		return err
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, out)
}

// bookmarkBody is the body of POST /api/v1/recordings/{id}/bookmarks.
type bookmarkBody struct {
	OffsetMS *int64                `json:"offset_ms"`
	EndMS    *int64                `json:"end_ms"`
	Kind     evidence.BookmarkKind `json:"kind"`
	Label    string                `json:"label"`
}

// addBookmark marks a moment; the bookmark and its custody entry
// (bookmark.add on the recording) commit together. The original is not
// touched.
func (s *Server) addBookmark(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var body bookmarkBody
	if err := decodeJSON(r, &body); err != nil {
		return err
	}
	if body.OffsetMS == nil {
		return evidence.Errorf(evidence.EInvalid, "offset_ms: required")
	}
	u, ctx := userOf(r), r.Context()
	b := evidence.Bookmark{RecordingID: id, OffsetMS: *body.OffsetMS, EndMS: body.EndMS, Kind: body.Kind, Label: strings.TrimSpace(body.Label), CreatedByID: u.ID}
	var rec evidence.Recording
	err = s.cfg.DB.Update(ctx, func(tx *store.Tx) error {
		if rec, err = tx.Recording(ctx, id); err != nil {
			return err
		}
		basis, err := bookmarkBasis(ctx, tx, u, rec)
		if err != nil {
			return err
		}
		if err := b.Validate(mediaDuration(rec)); err != nil {
			return err
		}
		if b, err = tx.AddBookmark(ctx, b); err != nil {
			return err
		}
		details := bookmarkDetails(ctx, b)
		details["basis"] = basis
		_, err = tx.Audit(ctx, audit.Entry{Actor: u.Name, Action: "bookmark.add", Object: objRecording(rec.ID), Outcome: audit.OutcomeOK,
			Digests: []blob.Digest{rec.Digest}, Details: details})
		return err
	})
	if err != nil {
		return s.denyBookmark(r, rec, err)
	}
	return writeJSON(w, http.StatusCreated, b)
}

// removeBookmark takes a bookmark back (a soft delete, see
// store.RemoveBookmark) with its custody entry bookmark.remove. It needs
// the same reason to touch the recording as marking, and authorship or
// leadership of the author.
func (s *Server) removeBookmark(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	bid, err := pathID(r, "bookmark")
	if err != nil {
		return err
	}
	u, ctx := userOf(r), r.Context()
	var rec evidence.Recording
	var b evidence.Bookmark
	err = s.cfg.DB.Update(ctx, func(tx *store.Tx) error {
		if rec, err = tx.Recording(ctx, id); err != nil {
			return err
		}
		if b, err = tx.Bookmark(ctx, bid); err != nil {
			return err
		}
		if b.RecordingID != rec.ID {
			return evidence.Errorf(evidence.ENotFound, "bookmark %d not found in recording %d", bid, rec.ID)
		}
		basis, err := bookmarkBasis(ctx, tx, u, rec)
		if err != nil {
			return err
		}
		as, err := mayRemoveBookmark(ctx, tx, u, b)
		if err != nil {
			return err
		}
		if b, err = tx.RemoveBookmark(ctx, b.ID, u.ID); err != nil {
			return err
		}
		details := bookmarkDetails(ctx, b)
		details["basis"], details["as"], details["author"] = basis, as, b.CreatedBy
		_, err = tx.Audit(ctx, audit.Entry{Actor: u.Name, Action: "bookmark.remove", Object: objRecording(rec.ID), Outcome: audit.OutcomeOK,
			Digests: []blob.Digest{rec.Digest}, Details: details})
		return err
	})
	if err != nil {
		return s.denyBookmark(r, rec, err)
	}
	return writeJSON(w, http.StatusOK, b)
}

// mediaTime formats an offset in the media as m:ss, or h:mm:ss from an
// hour on, as players show it.
func mediaTime(ms int64) string {
	s := max(ms, 0) / 1000
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// bookmarkPanel is the bookmark strip and list under a recording's player.
type bookmarkPanel struct {
	// DurationMS scales the strip: the media's length, or when unknown a
	// little beyond the last bookmark (the script rescales to the
	// player's duration once it knows it).
	DurationMS int64
	Known      bool // DurationMS is the media's length
	CanAdd     bool
	Items      []bookmarkItem
	Kinds      []evidence.BookmarkKind
}

// bookmarkItem is one bookmark as the page shows it: X and W place it on
// the strip in percent of DurationMS (SVG attributes: the CSP allows no
// inline styles).
type bookmarkItem struct {
	evidence.Bookmark
	CanRemove bool
	X, W      string
	When      string // m:ss, or m:ss–m:ss for a span
	EndAt     int64  // end offset in ms, 0 for a point
}

func newBookmarkItem(b evidence.Bookmark, pct func(int64) string) bookmarkItem {
	it := bookmarkItem{Bookmark: b, X: pct(b.OffsetMS), W: pct(b.End().Milliseconds() - b.OffsetMS), When: mediaTime(b.OffsetMS)}
	if b.EndMS != nil {
		it.EndAt = *b.EndMS
		it.When += "–" + mediaTime(*b.EndMS)
	}
	return it
}

// loadBookmarkPanel reads what the recording page shows of its bookmarks
// for u: the same rules as the API decide the add and remove buttons.
func loadBookmarkPanel(ctx context.Context, tx *store.Tx, u evidence.User, rec evidence.Recording) (bookmarkPanel, error) {
	p := bookmarkPanel{Kinds: evidence.BookmarkKinds()}
	list, err := tx.Bookmarks(ctx, rec.ID)
	if err != nil {
		return p, err
	}
	p.DurationMS = mediaDuration(rec).Milliseconds()
	p.Known = p.DurationMS > 0
	if !p.Known {
		p.DurationMS = 60_000
		for _, b := range list {
			p.DurationMS = max(p.DurationMS, b.End().Milliseconds()*11/10)
		}
	}
	if u.Role.Can(evidence.PermAccessRequest) {
		_, err := bookmarkBasis(ctx, tx, u, rec)
		switch {
		case err == nil:
			p.CanAdd = true
		case evidence.ErrorCode(err) != evidence.EForbidden:
			return p, err
		}
	}
	leads := map[int64]bool{}
	pct := func(ms int64) string {
		return strconv.FormatFloat(min(100, float64(ms)*100/float64(p.DurationMS)), 'f', 3, 64) + "%"
	}
	for _, b := range list {
		it := newBookmarkItem(b, pct)
		if p.CanAdd {
			if _, ok := leads[b.CreatedByID]; !ok {
				_, err := mayRemoveBookmark(ctx, tx, u, b)
				if err != nil && evidence.ErrorCode(err) != evidence.EForbidden {
					return p, err
				}
				leads[b.CreatedByID] = err == nil
			}
			it.CanRemove = leads[b.CreatedByID]
		}
		p.Items = append(p.Items, it)
	}
	return p, nil
}

// BMTime formats a bookmark offset for a page (m:ss).
func (p *page) BMTime(ms int64) string { return mediaTime(ms) }

// BMSeconds is an offset in seconds for a #t= link to the player.
func (p *page) BMSeconds(ms int64) string { return strconv.FormatFloat(float64(ms)/1000, 'f', -1, 64) }

// BMKind names a bookmark kind in the page's language.
func (p *page) BMKind(k evidence.BookmarkKind) string { return p.T("bm.kind." + string(k)) }

// activityBookmarks lists the bookmarks of an activity's linked recordings
// for its page, each linking to its moment in the player (#t=).
func activityBookmarks(ctx context.Context, tx *store.Tx, activityID int64) ([]bookmarkItem, error) {
	list, err := tx.ActivityBookmarks(ctx, activityID)
	if err != nil {
		return nil, err
	}
	items := make([]bookmarkItem, 0, len(list))
	for _, b := range list {
		items = append(items, newBookmarkItem(b, func(int64) string { return "0%" }))
	}
	return items, nil
}
