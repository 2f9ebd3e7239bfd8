package ui

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"shilu/internal/audit"
	"shilu/internal/evidence"
	"shilu/internal/store"
	"shilu/internal/web/httpx"
)

// spotChecksView is the list of monthly spot checks (抽查, X-RPT-2) and, for
// those who draw them, the form.
type spotChecksView struct {
	Checks      []evidence.SpotCheck
	MayDraw     bool
	Departments []deptRow
	Reviewers   []store.SpotReviewer
	// Month is the month the form proposes: the last one that has ended.
	Month, MaxMonth string
	DefaultSize     int
	MaxSize         int
}

// SpotChecksPage lists the spot checks, the latest month first.
func (h *Handler) SpotChecksPage(w http.ResponseWriter, r *http.Request) error {
	ctx, u := r.Context(), httpx.User(r)
	now := time.Now().In(evidence.Zone)
	v := spotChecksView{MayDraw: u.Role.Can(evidence.PermSpotCheckDraw), Month: now.AddDate(0, -1, 0).Format("2006-01"), MaxMonth: now.Format("2006-01"),
		DefaultSize: evidence.DefaultSpotSize, MaxSize: evidence.MaxSpotSize}
	err := h.DB.View(ctx, func(tx *store.Tx) error {
		var err error
		if v.Checks, err = tx.SpotChecks(ctx, 200); err != nil {
			return err
		}
		if !v.MayDraw {
			return nil
		}
		deps, err := tx.Departments(ctx)
		if err != nil {
			return err
		}
		v.Departments = deptTree(deps)
		v.Reviewers, err = tx.SpotReviewers(ctx)
		return err
	})
	if err != nil {
		return err
	}
	p := h.newPage(w, r, "/spotchecks", "menu.supervision", "menu.spotchecks")
	p.Data, p.Scripts, p.Styles = v, []string{"spotcheck.js"}, []string{"activities.css"}
	return h.render(w, http.StatusOK, "spotchecks", p)
}

// spotCheckView is one month's report: the sample, the reviews, the "no"
// answers by question.
type spotCheckView struct {
	Check     evidence.SpotCheck
	Questions []evidence.SpotQuestion
	Reviewed  int
	// Noes counts the "no" answers by question.
	Noes map[evidence.SpotQuestion]int
	// Links: whether the reader may open activities and recordings.
	Links bool
	CSV   string
}

func (h *Handler) spotCheck(r *http.Request) (spotCheckView, error) {
	v := spotCheckView{Questions: evidence.SpotQuestions, Noes: map[evidence.SpotQuestion]int{},
		Links: httpx.User(r).Role.Can(evidence.PermActivitiesRead)}
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return v, err
	}
	err = h.DB.View(r.Context(), func(tx *store.Tx) (err error) {
		v.Check, err = tx.SpotCheck(r.Context(), id)
		return err
	})
	for _, it := range v.Check.Items {
		if it.ReviewedAt != nil {
			v.Reviewed++
		}
		for _, q := range it.Noes() {
			v.Noes[q]++
		}
	}
	v.CSV = "/spotchecks/" + strconv.FormatInt(id, 10) + "/report.csv"
	return v, err
}

// SpotCheckPage is one month's spot check with the review form for the
// items assigned to the reader.
func (h *Handler) SpotCheckPage(w http.ResponseWriter, r *http.Request) error {
	v, err := h.spotCheck(r)
	if err != nil {
		return err
	}
	p := h.newPage(w, r, "/spotchecks", "menu.supervision", "menu.spotchecks")
	p.Title = p.T("spot.title", v.Check.Department, v.Check.Month)
	p.Data, p.Scripts, p.Styles = v, []string{"spotcheck.js"}, []string{"activities.css"}
	return h.render(w, http.StatusOK, "spotcheck", p)
}

// SpotCheckCSV exports a month's report, one row per item with each
// answer; an export is a custody entry, written before the first byte.
func (h *Handler) SpotCheckCSV(w http.ResponseWriter, r *http.Request) error {
	v, err := h.spotCheck(r)
	if err != nil {
		return err
	}
	if err := httpx.Audit(r.Context(), h.App, audit.Entry{Actor: httpx.User(r).Name, Action: evidence.ActionSpotCheckExport,
		Object: "spotcheck:" + strconv.FormatInt(v.Check.ID, 10), Outcome: audit.OutcomeOK,
		Details: map[string]string{"format": "csv", "rows": strconv.Itoa(len(v.Check.Items))}}); err != nil {
		return err
	}
	p := h.newPage(w, r, "/spotchecks")
	cw := httpx.CSV(w, "spotcheck-"+v.Check.Month+".csv")
	head := []string{p.T("spot.department"), p.T("spot.month"), p.T("spot.seed"), p.T("spot.kind"), p.T("spot.object"), p.T("spot.reviewer")}
	for _, q := range v.Questions {
		head = append(head, p.T("spot.q."+string(q)))
	}
	cw.Write(append(head, p.T("field.spot_note"), p.T("spot.reviewed_at")))
	for _, it := range v.Check.Items {
		row := []string{v.Check.Department, v.Check.Month, strconv.FormatInt(v.Check.Seed, 10), p.T("case.item." + it.Kind),
			strconv.FormatInt(it.ObjectID, 10), p.Person(it.Reviewer)}
		for _, q := range v.Questions {
			row = append(row, p.Answer(it, q))
		}
		at := ""
		if it.ReviewedAt != nil {
			at = localTime(*it.ReviewedAt)
		}
		cw.Write(append(row, it.Note, at))
	}
	cw.Flush()
	return cw.Error()
}

// Answer writes an item's answer to question q: 是, 否, or — before the
// review.
func (p *page) Answer(it evidence.SpotItem, q evidence.SpotQuestion) string {
	v, ok := it.Answers[q]
	switch {
	case !ok:
		return "—"
	case v:
		return p.T("spot.yes")
	}
	return p.T("spot.no")
}

// Verdict sums up an item's review: every answer yes, or the questions
// answered no.
func (p *page) Verdict(it evidence.SpotItem) string {
	if it.ReviewedAt == nil {
		return p.T("spot.pending")
	}
	noes := it.Noes()
	if len(noes) == 0 {
		return p.T("spot.all_yes")
	}
	names := make([]string, len(noes))
	for i, q := range noes {
		names[i] = p.T("spot.q_short." + string(q))
	}
	return p.T("spot.noes", strings.Join(names, p.T("spot.sep")))
}

// SpotReviewerLabel names a reviewer with their role.
func (p *page) SpotReviewerLabel(r store.SpotReviewer) string {
	return r.Label + " · " + p.Role(r.Role)
}

// SpotReviewed counts the reviewed items of s.
func (p *page) SpotReviewed(s evidence.SpotCheck) int {
	n := 0
	for _, it := range s.Items {
		if it.ReviewedAt != nil {
			n++
		}
	}
	return n
}
