package web

import (
	"context"
	"encoding/csv"
	"net/http"
	"strings"
	"testing"

	"shilu/internal/audit"
	"shilu/internal/evidence"
	"shilu/internal/store"
	"shilu/internal/store/storetest"
)

// Issue 9 point 7, R-AUD-1: every CSV export ends with a signed checkpoint
// of the custody log, in one cell, exactly the note `shilu audit verify
// --checkpoint FILE` reads, covering every row exported and the export's
// own entry; the log extends it (cmd/shilu TestAuditRollbackFoundByHeldCheckpoint
// shows a rolled-back log failing against such a note).
func TestExportsCarryCheckpoint(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	for _, tt := range []struct {
		role evidence.Role
		path string
	}{
		{evidence.RoleAuditor, "/custody.csv"},
		{evidence.RoleCustodian, "/register.csv"},
	} {
		t.Run(strings.TrimPrefix(tt.path, "/"), func(t *testing.T) {
			w := ts.page(t, tt.role, tt.path)
			if w.Code != http.StatusOK {
				t.Fatalf("%s: %d", tt.path, w.Code)
			}
			r := csv.NewReader(strings.NewReader(strings.TrimPrefix(w.Body.String(), "\uFEFF")))
			r.FieldsPerRecord = -1
			recs, err := r.ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			last := recs[len(recs)-1]
			if len(last) != 2 {
				t.Fatalf("last row %q, want a label and the checkpoint", last)
			}
			cp, err := audit.ParseCheckpoint(last[1], ts.cfg.Verifier, storetest.Origin)
			if err != nil {
				t.Fatalf("checkpoint cell %q: %v", last[1], err)
			}
			err = ts.cfg.DB.View(ctx, func(tx *store.Tx) error {
				size, _, err := tx.LogState(ctx)
				if err != nil {
					return err
				}
				if cp.Size != size {
					t.Errorf("checkpoint of %d entries, the log has %d (the export's entry included)", cp.Size, size)
				}
				rep, err := audit.Verify(ctx, tx, ts.cfg.Verifier, storetest.Origin)
				if err != nil {
					return err
				}
				return audit.Extends(ctx, tx, rep.Entries, rep.Root, cp)
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}
