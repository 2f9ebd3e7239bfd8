package ingest

import (
	"context"
	"encoding/base64"
	"net/http"
	"strings"

	"shilu/internal/apierr"
	"shilu/internal/evidence"
)

// withChecksum adds the tus checksum extension, which tusd v2 does not
// implement: a PATCH may carry "Upload-Checksum: <algorithm> <base64>" for
// its body; WriteChunk verifies it and discards a mismatching chunk (460).
func withChecksum(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodOptions {
			next.ServeHTTP(&extensionWriter{ResponseWriter: w}, r)
			return
		}
		if v := r.Header.Get("Upload-Checksum"); v != "" && r.Method == http.MethodPatch {
			alg, sum, _ := strings.Cut(v, " ")
			newHash, ok := checksumAlgorithms[alg]
			b, err := base64.StdEncoding.DecodeString(sum)
			if !ok || err != nil || len(b) != newHash().Size() {
				w.Header().Set("Tus-Resumable", "1.0.0")
				apierr.Write(w, r, evidence.Errorf(evidence.EInvalid, "err.upload.checksum_header"), "")
				return
			}
			r = r.WithContext(context.WithValue(r.Context(), chunkChecksumKey{}, &chunkChecksum{newHash: newHash, sum: b}))
		}
		next.ServeHTTP(w, r)
	})
}

// extensionWriter announces the checksum extension in OPTIONS answers.
type extensionWriter struct {
	http.ResponseWriter
}

func (w *extensionWriter) WriteHeader(code int) {
	h := w.Header()
	if ext := h.Get("Tus-Extension"); ext != "" {
		h.Set("Tus-Extension", ext+",checksum")
		h.Set("Tus-Checksum-Algorithm", "sha1,sha256,md5")
	}
	w.ResponseWriter.WriteHeader(code)
}
