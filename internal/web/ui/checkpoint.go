package ui

import (
	"context"

	"shilu/internal/web/httpx"
)

// writeCheckpoint ends a CSV export with the custody log's signed
// checkpoint, signing the head first if its newest entries wait for their
// signature (the log signs per batch), so that it covers every row the
// export holds and the export's own entry: an empty row, then a row of a
// label and the signed note in one cell, exactly as `shilu audit verify
// --checkpoint FILE` reads it. An export so witnesses the log: a later
// rollback of the log's tail no longer extends it (issue 9 point 7).
func (h *Handler) writeCheckpoint(ctx context.Context, cw *httpx.CSVWriter, p *page) error {
	cp, err := h.DB.SignHead(ctx)
	if err != nil || cp.Size == 0 {
		return err
	}
	cw.Write(nil)
	cw.Write([]string{p.T("export.checkpoint"), cp.Note})
	return nil
}
