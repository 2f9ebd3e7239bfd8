package api

import (
	"net/http"
	"strconv"

	"shilu/internal/audit"
	"shilu/internal/evidence"
	"shilu/internal/store"
	"shilu/internal/web/httpx"
)

// AuditCheckpoint returns a signed checkpoint of the whole log and the key
// that verifies it. The log signs per batch (audit.CheckpointEvery), so the
// head is signed now if its newest entries still wait for a signature: an
// auditor who keeps the answer holds every entry there is.
func (h *Handler) AuditCheckpoint(w http.ResponseWriter, r *http.Request) error {
	cp, err := h.DB.SignHead(r.Context())
	if err != nil {
		return err
	}
	if cp.Size == 0 {
		return evidence.Errorf(evidence.ENotFound, "err.audit.empty")
	}
	return httpx.JSON(w, http.StatusOK, map[string]any{"size": cp.Size, "root": cp.Root, "note": cp.Note, "key": h.Verifier.Name()})
}

// auditEntryAnswer carries one entry with its inclusion proof against the
// signed checkpoint of the requested size (default: the whole log, whose
// head is signed if it is not yet).
type auditEntryAnswer struct {
	Entry      audit.Entry `json:"entry"`
	Data       []byte      `json:"data"` // the canonical encoding, base64
	Size       uint64      `json:"size"`
	Root       []byte      `json:"root"`
	Checkpoint string      `json:"checkpoint"`
	Proof      [][]byte    `json:"proof"`
}

func (h *Handler) AuditEntry(w http.ResponseWriter, r *http.Request) error {
	idx, err := strconv.ParseUint(r.PathValue("index"), 10, 63)
	if err != nil {
		return evidence.Errorf(evidence.EInvalid, "err.audit.index")
	}
	var a auditEntryAnswer
	// A write transaction only to sign an unsigned head (rare: auditors
	// ask for proofs, the log is signed within a minute anyway).
	err = h.DB.Update(r.Context(), func(tx *store.Tx) error {
		ctx := r.Context()
		latest, _, err := tx.LogState(ctx)
		if err != nil {
			return err
		}
		a.Size = latest
		if v := r.URL.Query().Get("size"); v != "" {
			if a.Size, err = strconv.ParseUint(v, 10, 63); err != nil || a.Size > latest {
				return evidence.Errorf(evidence.EInvalid, "err.audit.size", latest)
			}
		}
		if idx >= a.Size {
			return evidence.Errorf(evidence.ENotFound, "err.audit.no_entry", idx, a.Size)
		}
		if a.Data, err = tx.AuditEntry(ctx, idx); err != nil {
			return err
		}
		if a.Entry, err = audit.Decode(a.Data); err != nil {
			return err
		}
		var cp audit.Checkpoint
		if a.Size == latest {
			cp, err = tx.SignHead(ctx)
		} else {
			cp, err = tx.Checkpoint(ctx, a.Size)
		}
		if err != nil {
			return err
		}
		a.Root, a.Checkpoint = cp.Root, cp.Note
		a.Proof, err = audit.InclusionProof(ctx, tx, idx, a.Size)
		return err
	})
	if err != nil {
		return err
	}
	return httpx.JSON(w, http.StatusOK, a)
}
