// Package api is Shilu's JSON API under /api/v1/ (described in
// openapi.yaml): it translates HTTP to the use cases of internal/app and
// their answers back, and reads the catalogue for lists. Who may call each
// route is the route table's (internal/web); errors are answered by the
// server's one error mapping.
package api

import (
	_ "embed"
	"log/slog"
	"net/http"

	"golang.org/x/mod/sumdb/note"

	"shilu/internal/app"
	"shilu/internal/blob"
	"shilu/internal/evidence"
	"shilu/internal/store"
)

// Handler serves the API's routes.
type Handler struct {
	App      *app.App
	DB       *store.DB
	Blobs    blob.Store
	Verifier note.Verifier // the custody log's checkpoint key
	Origin   string        // the custody log's origin line
	Logger   *slog.Logger
	// ViewWithoutApproval lists the roles that may play and download
	// without a grant (Art. 16 policy; by default none).
	ViewWithoutApproval []evidence.Role
	// FFmpeg makes watermarked copies ("" = ffmpeg from PATH);
	// WatermarkFont is the Chinese font their text is drawn in.
	FFmpeg, WatermarkFont string
}

//go:embed openapi.yaml
var openAPIDoc []byte

// OpenAPI serves the API's description.
func (h *Handler) OpenAPI(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/yaml; charset=utf-8")
	_, err := w.Write(openAPIDoc)
	return err
}
