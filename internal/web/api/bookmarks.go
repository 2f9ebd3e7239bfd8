package api

import (
	"net/http"

	"shilu/internal/app"
	"shilu/internal/evidence"
	"shilu/internal/store"
	"shilu/internal/web/httpx"
)

// BookmarkList is the answer of GET /api/v1/recordings/{id}/bookmarks.
type BookmarkList struct {
	RecordingID int64               `json:"recording_id"`
	DurationMS  int64               `json:"duration_ms"` // 0 when unknown
	Bookmarks   []evidence.Bookmark `json:"bookmarks"`
}

func (h *Handler) ListBookmarks(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	var out BookmarkList
	err = h.DB.View(ctx, func(tx *store.Tx) error {
		rec, err := tx.Recording(ctx, id)
		if err != nil {
			return err
		}
		out.RecordingID, out.DurationMS = rec.ID, app.MediaDuration(rec).Milliseconds()
		out.Bookmarks, err = tx.Bookmarks(ctx, rec.ID)
		return err
	})
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, out)
}

// bookmarkBody is the body of POST /api/v1/recordings/{id}/bookmarks.
type bookmarkBody struct {
	OffsetMS *int64                `json:"offset_ms"`
	EndMS    *int64                `json:"end_ms"`
	Kind     evidence.BookmarkKind `json:"kind"`
	Label    string                `json:"label"`
}

// addBookmark marks a moment (app.AddBookmark).
func (h *Handler) AddBookmark(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var body bookmarkBody
	if err := httpx.DecodeJSON(r, &body); err != nil {
		return err
	}
	if body.OffsetMS == nil {
		return evidence.Errorf(evidence.EInvalid, "err.bookmark.offset")
	}
	b, err := h.App.AddBookmark(r.Context(), httpx.Actor(r), evidence.Bookmark{RecordingID: id, OffsetMS: *body.OffsetMS, EndMS: body.EndMS,
		Kind: body.Kind, Label: body.Label})
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusCreated, b)
}

// removeBookmark takes a bookmark back (app.RemoveBookmark).
func (h *Handler) RemoveBookmark(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	bid, err := httpx.PathID(r, "bookmark")
	if err != nil {
		return err
	}
	b, err := h.App.RemoveBookmark(r.Context(), httpx.Actor(r), id, bid)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, b)
}
