package api

import (
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"shilu/internal/app"
	"shilu/internal/audit"
	"shilu/internal/blob"
	"shilu/internal/evidence"
	"shilu/internal/store"
	"shilu/internal/web/httpx"
)

// RecordingList is the answer of GET /api/v1/recordings.
type RecordingList struct {
	Recordings []evidence.Recording `json:"recordings"`
	Total      int                  `json:"total"`
	Limit      int                  `json:"limit"`
	Offset     int                  `json:"offset"`
}

func parseFilter(q url.Values) (evidence.RecordingFilter, error) {
	f := evidence.RecordingFilter{Officer: q.Get("officer"), Device: q.Get("device"), Kind: evidence.Kind(q.Get("kind"))}
	if f.Kind != "" && !f.Kind.Valid() {
		return f, evidence.Errorf(evidence.EInvalid, "err.recording.kind_unknown", string(f.Kind))
	}
	switch q.Get("orphan") {
	case "", "0":
	case "1":
		f.Orphan = true
	default:
		return f, evidence.Errorf(evidence.EInvalid, "err.recording.orphan")
	}
	if err := httpx.Times(q, map[string]*time.Time{"from": &f.From, "to": &f.To}); err != nil {
		return f, err
	}
	if v := q.Get("sha256"); v != "" {
		d, err := blob.ParseDigest(v)
		if err != nil {
			return f, evidence.Errorf(evidence.EInvalid, "err.recording.sha256")
		}
		f.Digest = d
	}
	for _, n := range []struct {
		key string
		dst *int
		max int
	}{{"limit", &f.Limit, 1000}, {"offset", &f.Offset, 1 << 30}} {
		if v := q.Get(n.key); v != "" {
			i, err := strconv.Atoi(v)
			if err != nil || i < 0 || i > n.max {
				return f, evidence.Errorf(evidence.EInvalid, "err.query.range", n.key, 0, n.max)
			}
			*n.dst = i
		}
	}
	if f.Limit == 0 {
		f.Limit = 100
	}
	return f, nil
}

func (h *Handler) ListRecordings(w http.ResponseWriter, r *http.Request) error {
	f, err := parseFilter(r.URL.Query())
	if err != nil {
		return err
	}
	var out RecordingList
	err = h.DB.View(r.Context(), func(tx *store.Tx) error {
		out.Recordings, out.Total, err = tx.Recordings(r.Context(), f)
		return err
	})
	if err != nil {
		return err
	}
	out.Limit, out.Offset = f.Limit, f.Offset
	return httpx.JSON(w, http.StatusOK, out)
}

func (h *Handler) recording(r *http.Request) (evidence.Recording, error) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return evidence.Recording{}, err
	}
	var rec evidence.Recording
	err = h.DB.View(r.Context(), func(tx *store.Tx) error {
		rec, err = tx.Recording(r.Context(), id)
		return err
	})
	return rec, err
}

func (h *Handler) GetRecording(w http.ResponseWriter, r *http.Request) error {
	rec, err := h.recording(r)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, rec)
}

// recordingContent serves the original bytes, with range requests for
// players (206) and the digest as the strong ETag. Every request, each range
// request of a playback included, needs a live grant (R-VIEW-1) unless the
// policy lets the caller's role view without approval, is registered in the
// register of viewings and is in the custody log before the first byte
// leaves (R-AUD-1, R-SEC-2); if that cannot be written, nothing is served.
func (h *Handler) RecordingContent(w http.ResponseWriter, r *http.Request) error {
	rec, err := h.recording(r)
	if err != nil {
		return err
	}
	who, ctx := httpx.Actor(r), r.Context()
	details := map[string]string{"remote": r.RemoteAddr}
	if rg := r.Header.Get("Range"); rg != "" {
		details["range"] = app.Printable(rg)
	}
	f, err := h.Blobs.Open(ctx, rec.Digest)
	if err != nil {
		if aerr := h.App.ContentFailed(ctx, who, rec, details); aerr != nil {
			h.Logger.Error("custody entry of a failed viewing", "recording", rec.ID, "err", aerr)
		}
		return fmt.Errorf("web: content of recording %d: %w", rec.ID, err)
	}
	defer func() {
		// A reader's Close loses no data; a failing one is the store's
		// trouble to look into, not the viewer's.
		if cerr := f.Close(); cerr != nil {
			h.Logger.Warn("close recording content", "recording", rec.ID, "err", cerr)
		}
	}()
	until, err := h.App.RecordViewing(ctx, who, app.Viewing{Recording: rec, Bytes: rangeLength(r.Header.Get("Range"), rec.Size),
		WithoutApproval: h.ViewWithoutApproval, Details: details})
	if err != nil {
		return err
	}
	var body io.ReadSeeker = f
	if !until.IsZero() {
		body = &grantReader{ReadSeeker: f, until: until}
	}
	w.Header().Set("ETag", `"`+rec.Digest.String()+`"`)
	w.Header().Set("Content-Type", contentType(rec))
	w.Header().Set("Content-Disposition", mime.FormatMediaType("inline", map[string]string{"filename": rec.Filename}))
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, r, "", time.Time{}, body)
	return nil
}

// grantReader ends a long download when its grant expires, so a grant's end
// is its end for a response already under way too.
type grantReader struct {
	io.ReadSeeker
	until time.Time
}

func (g *grantReader) Read(p []byte) (int, error) {
	if !time.Now().Before(g.until) {
		return 0, evidence.Errorf(evidence.EForbidden, "err.grant.expired")
	}
	return g.ReadSeeker.Read(p)
}

// rangeLength is how many bytes a Range header asks of a size-byte file, for
// the register; anything but one well-formed range counts as the whole file.
func rangeLength(h string, size int64) int64 {
	spec, ok := strings.CutPrefix(h, "bytes=")
	if !ok || strings.Contains(spec, ",") {
		return size
	}
	a, b, _ := strings.Cut(spec, "-")
	start, err1 := strconv.ParseInt(a, 10, 64)
	end, err2 := strconv.ParseInt(b, 10, 64)
	switch {
	case a == "" && err2 == nil: // the last n bytes
		return min(end, size)
	case err1 == nil && b == "" && start < size:
		return size - start
	case err1 == nil && err2 == nil && start <= end && start < size:
		return min(end, size-1) - start + 1
	}
	return size
}

func contentType(rec evidence.Recording) string {
	if t := mime.TypeByExtension(path.Ext(rec.Filename)); t != "" {
		return t
	}
	return "application/octet-stream"
}

// recordingCustody returns the recording's custody trail: every log entry
// about it, oldest first, with each entry's index for inclusion proofs.
func (h *Handler) RecordingCustody(w http.ResponseWriter, r *http.Request) error {
	rec, err := h.recording(r)
	if err != nil {
		return err
	}
	var entries []audit.Entry
	err = h.DB.View(r.Context(), func(tx *store.Tx) error {
		raw, err := tx.AuditTrail(r.Context(), app.ObjRecording(rec.ID), 10000)
		if err != nil {
			return err
		}
		for _, data := range raw {
			e, err := audit.Decode(data)
			if err != nil {
				return fmt.Errorf("web: custody of recording %d: %w", rec.ID, err)
			}
			entries = append(entries, e)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, map[string]any{"recording_id": rec.ID, "entries": entries})
}

// identityChange is the body of PATCH /api/v1/recordings/{id}; absent fields
// stay as they are.
type identityChange struct {
	Device  *string `json:"device"`
	Officer *string `json:"officer"`
}

// updateRecording corrects which device and officer a recording is
// attributed to (app.UpdateRecording).
func (h *Handler) UpdateRecording(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var c identityChange
	if err := httpx.DecodeJSON(r, &c); err != nil {
		return err
	}
	rec, err := h.App.UpdateRecording(r.Context(), httpx.Actor(r), id, app.RecordingChange{Device: c.Device, Officer: c.Officer})
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, rec)
}
