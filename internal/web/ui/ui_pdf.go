package ui

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"shilu/internal/app"
	"shilu/internal/audit"
	"shilu/internal/evidence"
	"shilu/internal/report"
	"shilu/internal/store"
	"shilu/internal/web/httpx"
)

// The custody log as PDF (R-AUD-1, X-AUD-1): the same entries as the CSV
// exports, laid out as an A4 table a reader can print, with the checkpoint
// that verifies every row. Each export is itself a custody entry
// (custody.export), committed before any byte is sent.

// pdfMaxEntries bounds one PDF: the rows held in memory and laid out (the
// whole document is built before it is written, ~30 rows a page). A
// report of more matching entries lists the oldest pdfMaxEntries and says
// so; narrow the time range to export the rest.
const pdfMaxEntries = 5000

// errEnough ends a walk of the log that has read what it needs.
var errEnough = errors.New("ui: enough entries")

// pdfFontPath is where the Chinese font is looked for (Debian
// fonts-wqy-microhei).
func (h *Handler) pdfFontPath() string { return report.DefaultFontPath }

// custodyPDF exports the custody log as PDF, with the filters of
// /custody.csv (?actor=, ?object=) and a time range (?from=, ?to=, dates
// in Asia/Shanghai, both inclusive).
func (h *Handler) CustodyPDF(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	actor, object, action := q.Get("actor"), q.Get("object"), q.Get("action")
	p := h.newPage(w, r, "/custody")
	doc := report.CustodyLog{Title: "保管链记录"}
	actorText, objectText, actionText := "", "", ""
	if actor != "" {
		actorText = p.Person(actor)
	}
	if object != "" {
		objectText = p.Object(object)
	}
	if action != "" {
		actionText = p.Action(evidence.Action(action))
	}
	doc.Scope = []report.Field{{Label: "操作人", Value: orAll(actorText)}, {Label: "对象", Value: orAll(objectText)}, {Label: "操作", Value: orAll(actionText)},
		{Label: "时间范围", Value: rangeText(q.Get("from"), q.Get("to"))}}
	size, err := h.custodyEntries(r, func(e audit.Entry) error {
		doc.Matched++
		if len(doc.Rows) == pdfMaxEntries {
			return errEnough // one beyond the limit says the report is cut
		}
		doc.Rows = append(doc.Rows, pdfRow(p, e))
		return nil
	})
	if err != nil && !errors.Is(err, errEnough) {
		return err
	}
	exported := audit.Entry{Action: evidence.ActionCustodyExport, Details: map[string]string{"format": "pdf", "entries": strconv.Itoa(len(doc.Rows))}}
	for k, v := range map[string]string{"actor": actor, "object": object, "action": action, "from": q.Get("from"), "to": q.Get("to")} {
		if v != "" {
			exported.Details[k] = v
		}
	}
	if id, ok := strings.CutPrefix(object, "recording:"); ok {
		if _, err := strconv.ParseInt(id, 10, 64); err == nil {
			exported.Object = object // the export shows in the recording's trail
		}
	}
	return h.writeCustodyPDF(w, r, doc, size, exported, "custody-log.pdf")
}

// recordingCustodyPDF exports one recording's custody trail as PDF.
func (h *Handler) RecordingCustodyPDF(w http.ResponseWriter, r *http.Request) error {
	rec, err := httpx.Recording(r, h.DB)
	if err != nil {
		return err
	}
	p := h.newPage(w, r, "/recordings")
	doc := report.CustodyLog{Title: "音像记录保管链"}
	doc.Scope = []report.Field{
		{Label: "记录编号", Value: strconv.FormatInt(rec.ID, 10)},
		{Label: "文件名", Value: rec.Filename},
		{Label: "内容摘要", Value: rec.Digest.String()},
		{Label: "大小", Value: fmt.Sprintf("%d 字节", rec.Size)},
	}
	var size uint64
	err = h.DB.View(r.Context(), func(tx *store.Tx) error {
		ctx := r.Context()
		var err error
		if size, _, err = tx.LogState(ctx); err != nil {
			return err
		}
		if err := retentionFields(ctx, tx, p, rec, &doc); err != nil {
			return err
		}
		raw, err := tx.AuditTrail(ctx, app.ObjRecording(rec.ID), pdfMaxEntries+1)
		if err != nil {
			return err
		}
		doc.Matched = len(raw)
		for _, data := range raw[:min(len(raw), pdfMaxEntries)] {
			e, err := audit.Decode(data)
			if err != nil {
				return fmt.Errorf("web: custody of recording %d: %w", rec.ID, err)
			}
			e, _ = app.Redact(p.User, e)
			doc.Rows = append(doc.Rows, pdfRow(p, e))
		}
		return nil
	})
	if err != nil {
		return err
	}
	exported := audit.Entry{Action: evidence.ActionCustodyExport, Object: app.ObjRecording(rec.ID),
		Details: map[string]string{"format": "pdf", "entries": strconv.Itoa(len(doc.Rows))}}
	return h.writeCustodyPDF(w, r, doc, size, exported, fmt.Sprintf("custody-recording-%d.pdf", rec.ID))
}

// writeCustodyPDF completes doc with a signed checkpoint that covers the
// rows read (the log's head after this export's entry), records the export in the custody log and renders
// the PDF in that transaction (a failed rendering records nothing), then
// writes it. Without the font the answer is 503 naming the package, never
// a PDF with missing glyphs.
func (h *Handler) writeCustodyPDF(w http.ResponseWriter, r *http.Request, doc report.CustodyLog, size uint64, exported audit.Entry, filename string) error {
	font, ok, err := h.pdfFont(w, h.pdfFontPath())
	if !ok {
		return err
	}
	u := httpx.User(r)
	doc.KeyName, doc.Size, doc.GeneratedBy, doc.Zone = h.Verifier.Name(), size, u.Name, shanghai
	var out *report.CustodyPDF
	err = h.DB.Update(r.Context(), func(tx *store.Tx) error {
		ctx := r.Context()
		exported.Actor, exported.Outcome = u.Name, audit.OutcomeOK
		e, err := tx.Audit(ctx, exported)
		if err != nil {
			return err
		}
		// The log signs per batch: the head, with this export's entry,
		// is signed now, so the report carries a checkpoint over every
		// row it shows (issue 9 point 7).
		cp, err := tx.SignHead(ctx)
		if err != nil {
			return err
		}
		doc.Size, doc.Root, doc.Checkpoint = cp.Size, cp.Root, cp.Note
		doc.GeneratedAt, doc.ExportIndex, doc.HasExport = e.Time, e.Index, true
		out, err = report.RenderCustody(doc, font)
		return err
	})
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, filename))
	w.Header().Set("Cache-Control", "no-store")
	if err := out.Output(w); err != nil {
		h.Logger.Error("pdf export: write", "err", err, "user", u.Name)
	}
	return nil
}

// pdfFont loads the font at path. When it is missing, pdfFont answers 503
// with a message naming the Debian package and reports !ok with a nil
// error: the answer is given.
func (h *Handler) pdfFont(w http.ResponseWriter, path string) (font []byte, ok bool, err error) {
	font, err = report.LoadFont(path)
	if errors.Is(err, report.ErrNoFont) {
		h.Logger.Error("pdf export unavailable", "err", err)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write(fmt.Appendf(nil, "PDF 导出暂不可用：服务器未安装中文字体（Debian 软件包 %s，%s）。\nPDF export unavailable: the Chinese font is not installed (Debian package %s, %s).\n",
			report.FontPackage, path, report.FontPackage, path))
		return nil, false, nil
	}
	return font, err == nil, err
}

// pdfRow is one entry as the report shows it, in the page's language:
// people by name, objects and details in words, times in Beijing time.
func pdfRow(p *page, e audit.Entry) report.Row {
	row := report.Row{Index: e.Index, Time: e.Time, Actor: p.Person(e.Actor), Action: p.Action(e.Action), Object: p.Object(e.Object),
		Outcome: p.T("outcome." + e.Outcome), Failed: e.Outcome != audit.OutcomeOK, Details: p.Details(e.Details)}
	for _, d := range e.Digests {
		row.Digests = append(row.Digests, d.String())
	}
	return row
}

// pdfRange parses the dates of a time range in Asia/Shanghai: from its
// first instant to the end of its last day. An empty bound is open.
func pdfRange(from, to string) (time.Time, time.Time, error) {
	var a, b time.Time
	var err error
	if from != "" {
		if a, err = time.ParseInLocation("2006-01-02", from, shanghai); err != nil {
			return a, b, evidence.Errorf(evidence.EInvalid, "err.date", from)
		}
	}
	if to != "" {
		if b, err = time.ParseInLocation("2006-01-02", to, shanghai); err != nil {
			return a, b, evidence.Errorf(evidence.EInvalid, "err.date", to)
		}
		b = b.AddDate(0, 0, 1)
	}
	return a, b, nil
}

func orAll(s string) string {
	if s == "" {
		return "全部"
	}
	return s
}

func rangeText(from, to string) string {
	if from == "" && to == "" {
		return "全部"
	}
	bound := func(s string) string {
		if s == "" {
			return "不限"
		}
		return s
	}
	return bound(from) + " 至 " + bound(to)
}
