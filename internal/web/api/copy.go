package api

import (
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"

	"shilu/internal/app"
	"shilu/internal/evidence"
	"shilu/internal/locale"
	"shilu/internal/media"
	"shilu/internal/web/httpx"
)

// RecordingCopy streams a watermarked copy (下载副本) of a recording to a
// grant holder whose grant allows it (R-SEC-2; issue 14 point 3): made by
// ffmpeg as it is sent, with the viewer's name and number, the time and
// the grant burned into the pictures (an audio recording carries them in
// its metadata). The copy is registered (下载) and logged before its first
// byte (app.StartCopy); a grant that ends or is revoked stops it, as it
// stops a playback. The original is only read; the evidence itself leaves
// the archive only through extraction (Art. 18).
func (h *Handler) RecordingCopy(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	who, ctx := httpx.Actor(r), r.Context()
	details := map[string]string{"remote": r.RemoteAddr}
	cp, err := h.App.StartCopy(ctx, who, id, func(k evidence.Kind) bool { _, _, ok := media.CopyFormat(string(k)); return ok }, details)
	if err != nil {
		return err
	}
	rec := cp.Recording
	f, err := h.Blobs.Open(ctx, rec.Digest)
	if err != nil {
		h.finishCopy(ctx, cp, 0)
		return fmt.Errorf("web: copy of recording %d: %w", rec.ID, err)
	}
	defer func() {
		// A reader's Close loses no data, as for a playback.
		if cerr := f.Close(); cerr != nil {
			h.Logger.Warn("close recording content", "recording", rec.ID, "err", cerr)
		}
	}()
	typ, ext, _ := media.CopyFormat(string(rec.Kind))
	// The watermark reads in Chinese whatever the viewer's language: it is
	// meant for whoever finds the copy, in the bureau's language.
	tr := locale.New("zh-CN")
	u := who.User
	number := u.OfficerNo
	if number == "" {
		number = u.Name
	}
	at := cp.At.In(evidence.Zone).Format(time.DateTime)
	wm := media.Watermark{FFmpeg: h.FFmpeg, Font: h.WatermarkFont,
		Lines:   []string{tr.T("copy.wm_who", u.Label(), number), tr.T("copy.wm_when", at), tr.T("copy.wm_grant", cp.Grant.ID, rec.ID)},
		Comment: tr.T("copy.wm_comment", u.Label(), number, at, cp.Grant.ID, rec.ID, rec.Digest.String())}
	name := strings.TrimSuffix(rec.Filename, path.Ext(rec.Filename)) + "-" + tr.T("copy.suffix") + ext
	hd := w.Header()
	hd.Set("Content-Type", typ)
	hd.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	hd.Set("Cache-Control", "private, no-store")
	hd.Set("Content-Security-Policy", "sandbox")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Cross-Origin-Resource-Policy", "same-origin")
	cw := &contentWriter{ResponseWriter: w, until: cp.Grant.Until, checked: time.Now(),
		live: func() error { return h.App.GrantLive(ctx, cp.Grant.ID) }}
	n := &countingWriter{w: cw}
	err = media.Copy(ctx, f, string(rec.Kind), n, wm)
	h.finishCopy(ctx, cp, n.n)
	if err != nil {
		h.Logger.Error("watermarked copy", "recording", rec.ID, "user", u.Name, "request_id", who.RequestID, "bytes", n.n, "err", err)
		if n.n == 0 && ctx.Err() == nil {
			return fmt.Errorf("web: copy of recording %d: %w", rec.ID, err)
		}
		// Part of the copy left: break the connection, so that the
		// client does not take a cut stream for the whole file.
		panic(http.ErrAbortHandler)
	}
	return nil
}

func (h *Handler) finishCopy(ctx context.Context, cp app.Copy, n int64) {
	if err := h.App.FinishCopy(context.WithoutCancel(ctx), cp.Viewing, n); err != nil {
		h.Logger.Error("register the bytes of a copy", "recording", cp.Recording.ID, "err", err)
	}
}

// countingWriter counts the bytes that reached w.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	k, err := c.w.Write(p)
	c.n += int64(k)
	return k, err
}
