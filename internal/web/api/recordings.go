package api

import (
	"fmt"
	"io"
	"math"
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

// RecordingList is the answer of GET /api/v1/recordings. Total counts the
// matching recordings up to store.CountLimit; Over says more match. Next
// and Prev are the cursors to ask the neighbouring pages with (after=,
// before=), absent at the ends.
type RecordingList struct {
	Recordings []evidence.Recording `json:"recordings"`
	Total      int                  `json:"total"`
	Over       bool                 `json:"total_over,omitempty"`
	Limit      int                  `json:"limit"`
	Next       string               `json:"next,omitempty"`
	Prev       string               `json:"prev,omitempty"`
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
	if v := q.Get("limit"); v != "" {
		i, err := strconv.Atoi(v)
		if err != nil || i < 0 || i > 1000 {
			return f, evidence.Errorf(evidence.EInvalid, "err.query.range", "limit", 0, 1000)
		}
		f.Limit = i
	}
	if f.Limit == 0 {
		f.Limit = 100
	}
	if q.Has("offset") {
		// Pages are positions, not offsets (store.Recordings): an old
		// client's offset must not silently answer with the first page.
		return f, evidence.Errorf(evidence.EInvalid, "err.query.offset")
	}
	return f, httpx.Cursors(q, &f.After, &f.Before)
}

// cursorString is c's URL form, "" for none.
func cursorString(c *evidence.Cursor) string {
	if c == nil {
		return ""
	}
	return c.String()
}

func (h *Handler) ListRecordings(w http.ResponseWriter, r *http.Request) error {
	f, err := parseFilter(r.URL.Query())
	if err != nil {
		return err
	}
	var p store.RecordingPage
	err = h.DB.View(r.Context(), func(tx *store.Tx) error {
		p, err = tx.Recordings(r.Context(), f)
		return err
	})
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, RecordingList{Recordings: p.Recordings, Total: p.Total, Over: p.Over, Limit: f.Limit,
		Next: cursorString(p.Next), Prev: cursorString(p.Prev)})
}

func (h *Handler) GetRecording(w http.ResponseWriter, r *http.Request) error {
	rec, err := httpx.Recording(r, h.DB)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, rec)
}

// RecordingContent serves the original bytes, with range requests for
// players (206) and the digest as the strong ETag. Every request, each range
// request of a playback included, needs a live grant (R-VIEW-1) unless the
// policy lets the caller's role view without approval; each viewing (the
// ranges of one playback) is in the register of viewings and the custody
// log before its first byte leaves (R-AUD-1, R-SEC-2), and if that cannot
// be written, nothing is served (app.AuthorizeViewing, app.RecordViewing).
// The body goes out by sendfile, piece by piece, its grant checked between
// pieces (contentWriter): issue 15 asks playback at a plain file server's
// speed.
func (h *Handler) RecordingContent(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	who, ctx := httpx.Actor(r), r.Context()
	details := map[string]string{"remote": r.RemoteAddr}
	if rg := r.Header.Get("Range"); rg != "" {
		details["range"] = app.Printable(rg)
	}
	acc, err := h.App.AuthorizeViewing(ctx, who, app.Viewing{RecordingID: id, WithoutApproval: h.ViewWithoutApproval, Details: details})
	if err != nil {
		return err
	}
	rec := acc.Recording
	if rec.DisposedAt != nil {
		return evidence.Errorf(evidence.EConflict, "err.recording.disposed", rec.ID) // R-RET-3: only the tombstone stays
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
	etag := `"` + rec.Digest.String() + `"`
	r, sent := plan(r, rec.Size, etag)
	viewed, err := h.App.RecordViewing(ctx, who, acc, sent)
	if err != nil {
		return err
	}
	cw := &contentWriter{ResponseWriter: w}
	if viewed.GrantID != 0 {
		cw.until, cw.checked = viewed.Until, time.Now()
		cw.live = func() error { return h.App.GrantLive(ctx, viewed.GrantID) }
	}
	typ, disposition := contentType(rec)
	hd := w.Header()
	hd.Set("ETag", etag)
	hd.Set("Content-Type", typ)
	hd.Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": rec.Filename}))
	hd.Set("Cache-Control", "private, no-store")
	// Content bytes are evidence, not pages of the workbench: whatever an
	// upload holds, it runs in an opaque origin without scripts (sandbox)
	// and is never sniffed into something else (X-SEC-1).
	hd.Set("Content-Security-Policy", "sandbox")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Cross-Origin-Resource-Policy", "same-origin")
	http.ServeContent(cw, r, "", time.Time{}, f)
	return nil
}

// contentWriter sends a recording's bytes and ends a long download when
// its grant ends: at its expiry, and when it is revoked, which it checks
// every grantCheckEvery (issue 9 point 5: a revocation used to take effect
// only at the next request). It checks between pieces of at most
// contentPiece bytes, each of which the connection sends straight from the
// file (sendfile) as a plain file server does (issue 15): wrapping the
// file in a checking reader made every byte pass through a buffer.
type contentWriter struct {
	http.ResponseWriter
	until   time.Time    // zero: a viewing by policy, without a grant
	live    func() error // whether the grant still holds
	checked time.Time
}

const (
	grantCheckEvery = time.Second
	contentPiece    = 256 << 10
)

func (w *contentWriter) check() error {
	if w.live == nil {
		return nil
	}
	now := time.Now()
	if !now.Before(w.until) {
		return evidence.Errorf(evidence.EForbidden, "err.grant.ended")
	}
	if now.Sub(w.checked) >= grantCheckEvery {
		if err := w.live(); err != nil {
			return err
		}
		w.checked = now
	}
	return nil
}

func (w *contentWriter) Write(p []byte) (int, error) {
	if err := w.check(); err != nil {
		return 0, err
	}
	return w.ResponseWriter.Write(p)
}

// ReadFrom is how http.ServeContent sends the body (io.CopyN): piece by
// piece, each checked, through the connection's own ReadFrom, which the
// server's wrappers hide and Unwrap reveals.
func (w *contentWriter) ReadFrom(src io.Reader) (int64, error) {
	var dst io.Writer = w.ResponseWriter
	for rw := w.ResponseWriter; ; {
		if rf, ok := rw.(io.ReaderFrom); ok {
			dst = rf.(io.Writer)
			break
		}
		u, ok := rw.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			break
		}
		rw = u.Unwrap()
	}
	// The connection sends from a file only through one *io.LimitedReader
	// around it, so the pieces are cut from the file, not from src.
	left := int64(math.MaxInt64)
	if lr, ok := src.(*io.LimitedReader); ok {
		src, left = lr.R, lr.N
	}
	var sent int64
	for left > 0 {
		if err := w.check(); err != nil {
			return sent, err
		}
		piece := min(left, contentPiece)
		n, err := io.Copy(dst, &io.LimitedReader{R: src, N: piece})
		sent, left = sent+n, left-n
		if err != nil || n < piece {
			return sent, err
		}
	}
	return sent, nil
}

// plan decides what a content request will be sent, so that the register
// holds the bytes that leave, counted before the first one does: it returns
// the request as http.ServeContent should see it and the body's length.
// Conditional requests are answered in full (the answer is never cached:
// no-store), an If-Range that does not match the digest drops the range,
// several ranges are answered with the whole file (RFC 9110 lets a server
// ignore Range; players ask for one), an unsatisfiable range sends nothing
// (416), and HEAD sends no body.
func plan(r *http.Request, size int64, etag string) (*http.Request, int64) {
	r = r.Clone(r.Context())
	for _, h := range []string{"If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since"} {
		r.Header.Del(h)
	}
	if ir := r.Header.Get("If-Range"); ir != "" && ir != etag {
		r.Header.Del("Range")
	}
	r.Header.Del("If-Range")
	rg := r.Header.Get("Range")
	n, ok := rangeLength(rg, size)
	if rg != "" && !ok {
		r.Header.Del("Range")
	}
	if r.Method == http.MethodHead {
		return r, 0
	}
	return r, n
}

// rangeLength is how many bytes Range header h selects of a size-byte
// file: ok is false for anything but one well-formed range (the caller
// then sends the whole file), and an unsatisfiable range selects none.
func rangeLength(h string, size int64) (n int64, ok bool) {
	if h == "" {
		return size, true
	}
	spec, found := strings.CutPrefix(h, "bytes=")
	if !found || strings.Contains(spec, ",") {
		return size, false
	}
	a, b, _ := strings.Cut(strings.TrimSpace(spec), "-")
	start, err1 := strconv.ParseInt(a, 10, 64)
	end, err2 := strconv.ParseInt(b, 10, 64)
	switch {
	case a == "" && err2 == nil && end > 0: // the last n bytes
		return min(end, size), size > 0
	case err1 == nil && b == "" && start >= 0:
		return max(size-start, 0), true
	case err1 == nil && err2 == nil && start >= 0 && start <= end:
		if start >= size {
			return 0, true
		}
		return min(end, size-1) - start + 1, true
	}
	return size, false
}

func contentType(rec evidence.Recording) (typ, disposition string) {
	t, known := mediaTypes[strings.ToLower(path.Ext(rec.Filename))]
	if !known {
		return "application/octet-stream", "attachment"
	}
	major, _, _ := strings.Cut(t, "/")
	ok := false
	switch rec.Kind {
	case evidence.KindVideo:
		ok = major == "video"
	case evidence.KindAudio:
		ok = major == "audio"
	case evidence.KindPhoto:
		ok = major == "image"
	}
	if !ok {
		return "application/octet-stream", "attachment"
	}
	return t, "inline"
}

// mediaTypes are the types of the files recorders and cameras write, our
// own table rather than the system's mime.types (absent on a minimal
// server, and it maps .svg and .html to types that render). Only these
// are ever sent inline.
var mediaTypes = map[string]string{
	".mp4": "video/mp4", ".m4v": "video/mp4", ".mov": "video/quicktime", ".avi": "video/x-msvideo",
	".mkv": "video/x-matroska", ".webm": "video/webm", ".ts": "video/mp2t", ".3gp": "video/3gpp",
	".mp3": "audio/mpeg", ".m4a": "audio/mp4", ".aac": "audio/aac", ".wav": "audio/wav",
	".amr": "audio/amr", ".ogg": "audio/ogg", ".opus": "audio/ogg", ".flac": "audio/flac",
	".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".gif": "image/gif",
	".webp": "image/webp", ".bmp": "image/bmp",
}

// recordingCustody returns the recording's custody trail: every log entry
// about it, oldest first, with each entry's index for inclusion proofs.
func (h *Handler) RecordingCustody(w http.ResponseWriter, r *http.Request) error {
	rec, err := httpx.Recording(r, h.DB)
	if err != nil {
		return err
	}
	var entries []audit.Entry
	var redacted []uint64
	who := httpx.User(r)
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
			e, cut := app.Redact(who, e)
			if cut {
				redacted = append(redacted, e.Index)
			}
			entries = append(entries, e)
		}
		return nil
	})
	if err != nil {
		return err
	}
	out := map[string]any{"recording_id": rec.ID, "entries": entries}
	if len(redacted) > 0 {
		out["redacted"] = redacted
	}
	return httpx.JSON(w, http.StatusOK, out)
}

// DeleteRecording refuses to delete a recording, and logs that someone
// tried (app.RefuseDeletion).
func (h *Handler) DeleteRecording(w http.ResponseWriter, r *http.Request) error {
	rec, err := httpx.Recording(r, h.DB)
	if err != nil {
		return err
	}
	return h.App.RefuseDeletion(r.Context(), httpx.Actor(r), rec, map[string]string{"remote": r.RemoteAddr})
}

// identityChange is the body of PATCH /api/v1/recordings/{id}; absent fields
// stay as they are.
type identityChange struct {
	Device  *string `json:"device"`
	Officer *string `json:"officer"`
	Reason  string  `json:"reason"`
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
	rec, err := h.App.UpdateRecording(r.Context(), httpx.Actor(r), id, app.RecordingChange{Device: c.Device, Officer: c.Officer, Reason: c.Reason})
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, rec)
}
