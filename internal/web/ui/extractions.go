package ui

import (
	"context"
	"net/http"

	"shilu/internal/app"
	"shilu/internal/evidence"
	"shilu/internal/store"
	"shilu/internal/web/httpx"
)

// extractionsView is the extraction register (提取登记): the extractions
// the reader may see, with their recordings' names.
type extractionsView struct {
	Extractions []evidence.Extraction
	Names       map[int64]string
}

// extractionRecordings lists the recordings the extractions name.
func extractionRecordings(list []evidence.Extraction) []int64 {
	var ids []int64
	for _, x := range list {
		ids = append(ids, x.RecordingIDs()...)
	}
	return ids
}

// ExtractionsPage is the extraction register: recipient, receipt, the
// package's digest and state (issue 10 point 4), as app.SeeExtractions
// scopes it.
func (h *Handler) ExtractionsPage(w http.ResponseWriter, r *http.Request) error {
	u, ctx := httpx.User(r), r.Context()
	var v extractionsView
	err := h.DB.View(ctx, func(tx *store.Tx) error {
		var err error
		if v.Extractions, err = tx.Extractions(ctx, store.ExtractionFilter{Scope: app.SeeExtractions(u)}); err != nil {
			return err
		}
		v.Names, err = recordingNames(ctx, tx, extractionRecordings(v.Extractions))
		return err
	})
	if err != nil {
		return err
	}
	p := h.newPage(w, r, "/extractions", "menu.access", "menu.extractions")
	p.Data, p.Scripts = v, []string{"extractions.js"}
	return h.render(w, http.StatusOK, "extractions", p)
}

// pendingExtractions are the pending extractions leader u decides: those
// of the people u leads, never u's own (app.DecideExtraction).
func pendingExtractions(ctx context.Context, tx *store.Tx, u evidence.User) ([]evidence.Extraction, error) {
	if u.Role != evidence.RoleLeader {
		return nil, nil
	}
	list, err := tx.Extractions(ctx, store.ExtractionFilter{Scope: store.Scope{LedBy: u.ID}, Status: evidence.ExtractionPending})
	if err != nil {
		return nil, err
	}
	var out []evidence.Extraction
	for _, x := range list {
		if x.RequesterID != u.ID {
			out = append(out, x)
		}
	}
	return out, nil
}
