package api

import (
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"

	"shilu/internal/app"
	"shilu/internal/evidence"
	"shilu/internal/store"
	"shilu/internal/web/httpx"
)

// CreateExtraction files a request to extract recordings of a case
// (app.RequestExtraction).
func (h *Handler) CreateExtraction(w http.ResponseWriter, r *http.Request) error {
	var ask app.ExtractionAsk
	if err := httpx.DecodeJSON(r, &ask); err != nil {
		return err
	}
	x, err := h.App.RequestExtraction(r.Context(), httpx.Actor(r), ask)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusCreated, x)
}

// ListExtractions lists the extractions the caller sees (app.SeeExtractions),
// by ?status=, ?case=, ?recording=; ?mine=1 one's own only.
func (h *Handler) ListExtractions(w http.ResponseWriter, r *http.Request) error {
	u, q := httpx.User(r), r.URL.Query()
	f := store.ExtractionFilter{Scope: app.SeeExtractions(u), Status: evidence.ExtractionStatus(q.Get("status"))}
	if q.Get("mine") == "1" {
		f.Scope = store.Scope{Only: u.ID}
	}
	for name, p := range map[string]*int64{"case": &f.CaseID, "recording": &f.RecordingID} {
		if v := q.Get(name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 1 {
				return evidence.Errorf(evidence.EInvalid, "err.query.id", name)
			}
			*p = n
		}
	}
	var list []evidence.Extraction
	err := h.DB.View(r.Context(), func(tx *store.Tx) (err error) {
		list, err = tx.Extractions(r.Context(), f)
		return err
	})
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, map[string]any{"extractions": list})
}

// extraction reads extraction {id} if the caller may see it; anyone
// else's is not found.
func (h *Handler) extraction(r *http.Request) (evidence.Extraction, error) {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return evidence.Extraction{}, err
	}
	var x evidence.Extraction
	err = h.DB.View(r.Context(), func(tx *store.Tx) error {
		if x, err = tx.Extraction(r.Context(), id); err != nil {
			return err
		}
		ok, err := app.MaySeeExtraction(r.Context(), tx, httpx.User(r), x)
		if err == nil && !ok {
			err = evidence.Errorf(evidence.ENotFound, "err.extract.not_found", id)
		}
		return err
	})
	return x, err
}

// GetExtraction answers one extraction.
func (h *Handler) GetExtraction(w http.ResponseWriter, r *http.Request) error {
	x, err := h.extraction(r)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, x)
}

func (h *Handler) ApproveExtraction(w http.ResponseWriter, r *http.Request) error {
	return h.decideExtraction(w, r, true)
}

func (h *Handler) RejectExtraction(w http.ResponseWriter, r *http.Request) error {
	return h.decideExtraction(w, r, false)
}

// decideExtraction records the leader's decision (app.DecideExtraction).
func (h *Handler) decideExtraction(w http.ResponseWriter, r *http.Request, approve bool) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var b decisionBody
	if r.ContentLength != 0 {
		if err := httpx.DecodeJSON(r, &b); err != nil {
			return err
		}
	}
	x, err := h.App.DecideExtraction(r.Context(), httpx.Actor(r), id, approve, b.Comment)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, x)
}

// ExtractionReceipt records the recipient's acknowledgement
// (app.RecordReceipt).
func (h *Handler) ExtractionReceipt(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var b struct {
		Receipt string `json:"receipt"`
	}
	if err := httpx.DecodeJSON(r, &b); err != nil {
		return err
	}
	x, err := h.App.RecordReceipt(r.Context(), httpx.Actor(r), id, b.Receipt)
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, x)
}

// ExtractionImage hands out the package's ISO image, entered on the custody
// trails first (app.RecordDownload; R-SEC-2).
func (h *Handler) ExtractionImage(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	x, err := h.App.RecordDownload(r.Context(), httpx.Actor(r), id)
	if err != nil {
		return err
	}
	f, err := os.Open(h.App.PackageFile(id))
	if err != nil {
		return err
	}
	defer f.Close() //nolint:errcheck // read-only: closing cannot lose data
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	name := strings.NewReplacer("/", "_", "\\", "_").Replace(x.CaseNumber) + "_提取" + strconv.FormatInt(x.ID, 10) + ".iso"
	w.Header().Set("Content-Type", "application/x-iso9660-image")
	w.Header().Set("Content-Disposition", `attachment; filename="extraction-`+strconv.FormatInt(x.ID, 10)+`.iso"; filename*=UTF-8''`+url.PathEscape(name))
	w.Header().Set("Shilu-SHA256", x.ISOSHA256)
	http.ServeContent(w, r, "", fi.ModTime(), f)
	return nil
}
