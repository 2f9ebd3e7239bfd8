package ui

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"shilu/internal/app"
	"shilu/internal/evidence"
	"shilu/internal/store"
	"shilu/internal/web/httpx"
)

// casesView is the case list (案件管理): a page of cases, newest first,
// paged by id (keyset: the 2 000th page costs what the first does).
type casesView struct {
	Status, Officer, Query string
	Statuses               []evidence.CaseStatus
	Cases                  []evidence.Case
	// Next is the link to the next page, "" on the last.
	Next string
}

// CasesPage lists cases by ?status=, ?officer= (警号或姓名) and ?q=.
func (h *Handler) CasesPage(w http.ResponseWriter, r *http.Request) error {
	q, ctx := r.URL.Query(), r.Context()
	v := casesView{Status: q.Get("status"), Officer: strings.TrimSpace(q.Get("officer")), Query: strings.TrimSpace(q.Get("q")),
		Statuses: evidence.CaseStatuses}
	f := store.CaseFilter{Status: evidence.CaseStatus(v.Status), Query: v.Query, Limit: PageSize}
	if f.Status != "" && !f.Status.Valid() {
		return evidence.Errorf(evidence.EInvalid, "err.case.status_unknown", v.Status)
	}
	if b := q.Get("before"); b != "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n < 1 {
			return evidence.Errorf(evidence.EInvalid, "err.query.id", "before")
		}
		f.Before = n
	}
	err := h.DB.View(ctx, func(tx *store.Tx) error {
		numbers := []string{""}
		if v.Officer != "" {
			var err error
			if numbers, err = tx.OfficerNumbers(ctx, v.Officer); err != nil { // 警号或姓名
				return err
			}
		}
		// A name may stand for several officers; each number is a keyset
		// query of its own, merged newest first.
		for _, no := range numbers {
			f.Officer = no
			list, err := tx.Cases(ctx, f)
			if err != nil {
				return err
			}
			v.Cases = mergeCases(v.Cases, list, f.Limit)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(v.Cases) == f.Limit {
		next := url.Values{}
		for k, val := range map[string]string{"status": v.Status, "officer": v.Officer, "q": v.Query} {
			if val != "" {
				next.Set(k, val)
			}
		}
		next.Set("before", strconv.FormatInt(v.Cases[len(v.Cases)-1].ID, 10))
		v.Next = "/cases?" + next.Encode()
	}
	p := h.newPage(w, r, "/cases", "menu.activities", "menu.cases")
	p.Data, p.Scripts, p.Styles = v, []string{"cases.js", "extractions.js"}, []string{"activities.css"}
	return h.render(w, http.StatusOK, "cases", p)
}

// mergeCases merges two lists of cases newest first, without repeats, up
// to limit.
func mergeCases(a, b []evidence.Case, limit int) []evidence.Case {
	out := make([]evidence.Case, 0, min(len(a)+len(b), limit))
	seen := map[int64]bool{}
	for len(out) < limit && (len(a) > 0 || len(b) > 0) {
		var c evidence.Case
		if len(b) == 0 || len(a) > 0 && a[0].ID > b[0].ID {
			c, a = a[0], a[1:]
		} else {
			c, b = b[0], b[1:]
		}
		if !seen[c.ID] {
			seen[c.ID] = true
			out = append(out, c)
		}
	}
	return out
}

// caseView is a case's page: the case, its status as steps, its file.
type caseView struct {
	app.CaseView
	Steps []caseStep
	Next  evidence.CaseStatus // "" when archived
	Rows  []caseRow
	// MayChange: the reader may change the file (the server decides; this
	// only hides buttons that would be refused).
	MayChange bool
	// Extractions are the case's extractions the reader may see;
	// MayExtract shows the form to ask for one (app.RequestExtraction
	// decides), with the file's recordings by name.
	Extractions []evidence.Extraction
	MayExtract  bool
	Names       map[int64]string
	Purposes    []evidence.ExtractionPurpose
}

type caseStep struct {
	Status       evidence.CaseStatus
	Done, Active bool
}

// caseRow is one item of the file, with what it is called.
type caseRow struct {
	store.CaseItem
	Name string // a recording's file name, an activity's type and place
}

// CasePage shows case id with its file.
func (h *Handler) CasePage(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	ctx, u := r.Context(), httpx.User(r)
	var v caseView
	err = h.DB.View(ctx, func(tx *store.Tx) error {
		var err error
		if v.CaseView, err = app.LoadCase(ctx, tx, id); err != nil {
			return err
		}
		if v.Extractions, err = tx.Extractions(ctx, store.ExtractionFilter{Scope: app.SeeExtractions(u), CaseID: id}); err != nil {
			return err
		}
		if v.Names, err = recordingNames(ctx, tx, append(extractionRecordings(v.Extractions), v.Recordings...)); err != nil {
			return err
		}
		return h.caseRows(ctx, tx, &v)
	})
	if err != nil {
		return err
	}
	reached := true
	for _, s := range evidence.CaseStatuses {
		active := s == v.Case.Status
		v.Steps = append(v.Steps, caseStep{Status: s, Done: reached && !active, Active: active})
		if active {
			reached = false
		}
	}
	v.Next, _ = v.Case.Status.Next()
	v.MayChange = u.Role.Can(evidence.PermActivitiesRecord) && v.Case.Status != evidence.CaseArchived
	v.MayExtract = u.Role.Can(evidence.PermAccessRequest) && u.Role.Can(evidence.PermActivitiesRecord) && len(v.Recordings) > 0
	v.Purposes = evidence.ExtractionPurposes
	p := h.newPage(w, r, "/cases", "menu.activities", "menu.cases")
	p.Title = v.Case.Number
	p.Data, p.Scripts, p.Styles = v, []string{"cases.js", "extractions.js"}, []string{"activities.css"}
	return h.render(w, http.StatusOK, "case", p)
}

func (h *Handler) caseRows(ctx context.Context, tx *store.Tx, v *caseView) error {
	var recIDs []int64
	for _, it := range v.Items {
		if it.Kind == evidence.CaseItemRecording {
			recIDs = append(recIDs, it.ID)
		}
	}
	names, err := recordingNames(ctx, tx, recIDs)
	if err != nil {
		return err
	}
	for _, it := range v.Items {
		row := caseRow{CaseItem: it, Name: names[it.ID]}
		if it.Kind == evidence.CaseItemActivity {
			a, err := tx.Activity(ctx, it.ID)
			if err != nil {
				return err
			}
			row.Name = a.Place.Address
		}
		v.Rows = append(v.Rows, row)
	}
	return nil
}
