package ui

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"shilu/internal/audit"
	"shilu/internal/evidence"
	"shilu/internal/report"
	"shilu/internal/store"
	"shilu/internal/web/api"
	"shilu/internal/web/httpx"
)

// disposalsView is the page 保存与销毁 (issue 11): what is due for
// disposal, the holds in force, and the disposals with their tombstones.
type disposalsView struct {
	Status    string
	Statuses  []evidence.DisposalStatus
	Due       []evidence.Recording
	Holds     []evidence.Hold
	Disposals []evidence.Disposal
	// Names are the file names of the held recordings, by id.
	Names map[int64]string
	CSV   string
	// Next is the link to the next page of disposals, "" on the last.
	Next string
}

func (h *Handler) disposals(r *http.Request) (disposalsView, store.DisposalFilter, error) {
	v := disposalsView{Status: r.URL.Query().Get("status"), Statuses: evidence.DisposalStatuses, Names: map[int64]string{}}
	f, err := api.ParseDisposalFilter(r)
	if err != nil {
		return v, f, err
	}
	ctx := r.Context()
	err = h.DB.View(ctx, func(tx *store.Tx) error {
		var err error
		if v.Disposals, err = tx.Disposals(ctx, f); err != nil {
			return err
		}
		if v.Due, err = tx.DueForDisposal(ctx, PageSize); err != nil {
			return err
		}
		if v.Holds, err = tx.HoldsInForce(ctx); err != nil {
			return err
		}
		for _, hd := range v.Holds {
			rec, err := tx.Recording(ctx, hd.RecordingID)
			if err != nil {
				return err
			}
			v.Names[hd.RecordingID] = rec.Filename
		}
		return nil
	})
	v.CSV = "/disposals.csv"
	if v.Status != "" {
		v.CSV += "?status=" + v.Status
	}
	if len(v.Disposals) == f.Limit {
		v.Next = "/disposals?before=" + strconv.FormatInt(v.Disposals[len(v.Disposals)-1].ID, 10)
		if v.Status != "" {
			v.Next += "&status=" + v.Status
		}
	}
	return v, f, err
}

// DisposalsPage shows what is due, the holds and the disposals (?status=,
// ?before=).
func (h *Handler) DisposalsPage(w http.ResponseWriter, r *http.Request) error {
	v, _, err := h.disposals(r)
	if err != nil {
		return err
	}
	p := h.newPage(w, r, "/disposals", "menu.logs", "menu.disposals")
	p.Data, p.Scripts = v, []string{"retention.js"}
	return h.render(w, http.StatusOK, "disposals", p)
}

// DisposalsCSV exports the disposals and tombstones as CSV; the export is
// logged before the first byte leaves.
func (h *Handler) DisposalsCSV(w http.ResponseWriter, r *http.Request) error {
	v, _, err := h.disposals(r)
	if err != nil {
		return err
	}
	if err := httpx.Audit(r.Context(), h.App, audit.Entry{Actor: httpx.User(r).Name, Action: evidence.ActionDisposalsExport, Outcome: audit.OutcomeOK,
		Details: map[string]string{"format": "csv", "status": v.Status, "disposals": strconv.Itoa(len(v.Disposals))}}); err != nil {
		return err
	}
	p := h.newPage(w, r, "/disposals")
	cw := httpx.CSV(w, "disposals.csv")
	cw.Write([]string{p.T("disp.id"), p.T("disp.recording"), p.T("rec.filename"), p.T("rec.digest"), p.T("disp.size_bytes"), p.T("rec.device"), p.T("rec.officer"),
		p.T("disp.status"), p.T("disp.reason"), p.T("disp.proposed_by"), p.T("disp.proposed_at"), p.T("disp.approved_by"), p.T("disp.approved_at"),
		p.T("disp.due"), p.T("disp.cancelled_by"), p.T("disp.cancelled_at"), p.T("disp.cancel_reason"), p.T("disp.disposed_at"), p.T("disp.erased_at")})
	for _, d := range v.Disposals {
		cw.Write([]string{strconv.FormatInt(d.ID, 10), strconv.FormatInt(d.RecordingID, 10), d.Filename, d.SHA256, strconv.FormatInt(d.Size, 10), d.Device, d.Officer,
			p.T("disposal.status." + string(d.Status)), d.Reason, d.ProposedBy, localTime(d.ProposedAt), d.ApprovedBy, csvTime(d.ApprovedAt),
			csvTime(d.Due), d.CancelledBy, csvTime(d.CancelledAt), d.CancelReason, csvTime(d.DisposedAt), csvTime(d.Erased)})
	}
	cw.Flush()
	return cw.Error()
}

// retentionPanel is what the recording page shows of its retention: the
// retain-until and its basis, the class, the holds and the disposals
// (the tombstone once disposed of).
type retentionPanel struct {
	Classes   []evidence.RetentionClass
	Class     evidence.RetentionClass
	Holds     []evidence.Hold
	Disposals []evidence.Disposal
	// Tomb is the carried-out disposal, nil while the recording is kept.
	Tomb *evidence.Disposal
	// Due is set when the retention has ended (on the server's clock) and
	// no hold or disposal is in the way: the custodian may propose.
	Due bool
}

func loadRetentionPanel(r *http.Request, tx *store.Tx, rec evidence.Recording) (retentionPanel, error) {
	ctx := r.Context()
	var p retentionPanel
	var err error
	if p.Classes, err = tx.RetentionClasses(ctx); err != nil {
		return p, err
	}
	s, err := tx.RetentionSettings(ctx)
	if err != nil {
		return p, err
	}
	id := s.DefaultClass
	if rec.ClassID != nil {
		id = *rec.ClassID
	}
	for _, c := range p.Classes {
		if c.ID == id {
			p.Class = c
		}
	}
	if p.Holds, err = tx.HoldsOf(ctx, rec.ID); err != nil {
		return p, err
	}
	if p.Disposals, err = tx.Disposals(ctx, store.DisposalFilter{RecordingID: rec.ID, Limit: 20}); err != nil {
		return p, err
	}
	p.Due = rec.Retention != nil && rec.Retention.Due(tx.Now()) && rec.DisposedAt == nil
	for i, d := range p.Disposals {
		if d.Status == evidence.DisposalDone {
			p.Tomb = &p.Disposals[i]
		}
		if d.Status != evidence.DisposalCancelled {
			p.Due = false
		}
	}
	for _, hd := range p.Holds {
		if hd.LiftedAt == nil {
			p.Due = false
		}
	}
	return p, nil
}

// csvTime is t in Shanghai, "" for none.
func csvTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return localTime(t)
}

// RetentionBasis says in words what a retention rests on.
func (p *page) RetentionBasis(r evidence.Retention) string {
	if r.Basis == evidence.BasisFloor {
		return p.T("retention.basis.floor")
	}
	return p.T("retention.basis."+r.Basis, r.Ref)
}

// CancelReason is a disposal's cancel reason: a person's words, or the
// catalogue key of the rule that cancelled it (a hold, "hold:7", or a
// recording no longer due).
func (p *page) CancelReason(s string) string {
	if strings.HasPrefix(s, "hold:") {
		return p.T("disp.cancelled_by_hold", strings.TrimPrefix(s, "hold:"))
	}
	if strings.HasPrefix(s, "err.") {
		return p.T("disp.cancelled_not_due")
	}
	return s
}

// HoldKinds lists the kinds of hold for the hold dialog.
func (p *page) HoldKinds() []evidence.HoldKind { return evidence.HoldKinds }

// retentionFields adds the recording's retention to its custody PDF's
// heading and, once it is disposed of, its tombstone (R-RET-3: who
// proposed and approved, when and why, with the digest above).
func retentionFields(ctx context.Context, tx *store.Tx, p *page, rec evidence.Recording, doc *report.CustodyLog) error {
	if r := rec.Retention; r != nil && rec.DisposedAt == nil {
		v := p.T("retention.kind." + string(r.Kind))
		if r.Until != nil {
			v = localTime(r.Until)
		}
		doc.Scope = append(doc.Scope, report.Field{Label: p.T("ret.until"), Value: v + "（" + p.RetentionBasis(*r) + "）"})
	}
	list, err := tx.Disposals(ctx, store.DisposalFilter{RecordingID: rec.ID, Status: evidence.DisposalDone, Limit: 1})
	if err != nil || len(list) == 0 {
		return err
	}
	d := list[0]
	doc.Scope = append(doc.Scope, report.Field{Label: p.T("ret.tombstone"),
		Value: p.T("ret.tombstone_pdf", localTime(d.DisposedAt), d.ProposedBy, localTime(d.ProposedAt), d.ApprovedBy, localTime(d.ApprovedAt), d.Reason)})
	return nil
}

// fixityView is the page 原始文件校验 (issue 11 point 4): the pass under
// way, the last finished, and the originals found missing or changed.
type fixityView struct {
	State    store.FixityState
	Percent  int // of the bytes a pass covers, in the pass under way
	Problems []evidence.Recording
}

// FixityPage shows the fixity scrub's progress and findings.
func (h *Handler) FixityPage(w http.ResponseWriter, r *http.Request) error {
	var v fixityView
	ctx := r.Context()
	err := h.DB.View(ctx, func(tx *store.Tx) (err error) {
		if v.State, err = tx.FixityState(ctx); err != nil {
			return err
		}
		v.Problems, err = tx.FixityProblems(ctx, 500)
		return err
	})
	if err != nil {
		return err
	}
	if v.State.TotalBytes > 0 {
		v.Percent = int(min(100, v.State.Bytes*100/v.State.TotalBytes))
	}
	p := h.newPage(w, r, "/fixity", "menu.logs", "menu.fixity")
	p.Data = v
	return h.render(w, http.StatusOK, "admin_fixity", p)
}
