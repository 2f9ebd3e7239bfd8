package ui

import (
	"net/http"
	"strconv"
	"time"

	"shilu/internal/app"
	"shilu/internal/evidence"
	"shilu/internal/store"
	"shilu/internal/web/httpx"
)

// accListView is the list of accountability cases (问责) the reader may
// read and, for a leader who came from a finding (?finding=), the form to
// open a case from it.
type accListView struct {
	Status   string
	Statuses []evidence.AccStatus
	Cases    []evidence.AccountabilityCase
	Next     string
	// Open is the finding a leader opens a case from; Officers are the
	// officers it names (its own or its activity's), empty when it names
	// none and the leader types the number.
	Open         *store.StoredFinding
	Officers     []string
	Items        []evidence.Art20Item
	Consequences []evidence.Consequence
}

// AccountabilityListPage lists cases by ?status= and ?finding=; with
// ?finding= a leader also sees the form that opens a case from it.
func (h *Handler) AccountabilityListPage(w http.ResponseWriter, r *http.Request) error {
	q, ctx, u := r.URL.Query(), r.Context(), httpx.User(r)
	v := accListView{Status: q.Get("status"), Statuses: evidence.AccStatuses, Items: evidence.Art20Items, Consequences: evidence.Consequences}
	f := store.AccFilter{Scope: app.SeeAccountability(u), Status: evidence.AccStatus(v.Status), Limit: PageSize}
	if f.Status != "" && !f.Status.Valid() {
		return evidence.Errorf(evidence.EInvalid, "err.query.value", "status", v.Status)
	}
	for name, p := range map[string]*int64{"before": &f.Before, "finding": &f.FindingID} {
		if s := q.Get(name); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n < 1 {
				return evidence.Errorf(evidence.EInvalid, "err.query.id", name)
			}
			*p = n
		}
	}
	err := h.DB.View(ctx, func(tx *store.Tx) error {
		var err error
		if v.Cases, err = tx.AccountabilityCases(ctx, f); err != nil {
			return err
		}
		if f.FindingID == 0 || !u.Role.Can(evidence.PermAccountabilityDecide) {
			return nil
		}
		fd, err := tx.Finding(ctx, f.FindingID)
		if err != nil {
			return err
		}
		v.Open = &fd
		switch {
		case fd.Officer != "":
			v.Officers = []string{fd.Officer}
		case fd.ActivityID != 0:
			a, err := tx.Activity(ctx, fd.ActivityID)
			if err != nil {
				return err
			}
			v.Officers = a.Officers
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(v.Cases) == f.Limit {
		next := q
		next.Set("before", strconv.FormatInt(v.Cases[len(v.Cases)-1].ID, 10))
		v.Next = "/accountability?" + next.Encode()
	}
	p := h.newPage(w, r, "/accountability", "menu.supervision", "menu.accountability")
	p.Data, p.Scripts, p.Styles = v, []string{"accountability.js"}, []string{"activities.css"}
	return h.render(w, http.StatusOK, "accountability_list", p)
}

// accView is a case's page with what the reader may do in it (the server
// decides; these only show the forms that would not be refused).
type accView struct {
	app.AccountabilityView
	Steps                          []accStep
	MayAnswer, MayDecide, MayClose bool
	Decisions                      []evidence.AccDecision
	Today                          string
}

type accStep struct {
	Status       evidence.AccStatus
	Done, Active bool
}

// AccountabilityPage shows case id to those who may read it.
func (h *Handler) AccountabilityPage(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	ctx, u := r.Context(), httpx.User(r)
	var v accView
	err = h.DB.View(ctx, func(tx *store.Tx) error {
		var err error
		if v.AccountabilityView, err = app.LoadAccountability(ctx, tx, u, id); err != nil {
			return err
		}
		leads := false
		if u.Role.Can(evidence.PermAccountabilityDecide) && u.ID != v.Case.OfficerID {
			if leads, err = tx.IsLeaderOf(ctx, u.ID, v.Case.OfficerID); err != nil {
				return err
			}
		}
		st := v.Case.Status
		v.MayAnswer = u.ID == v.Case.OfficerID && (st == evidence.AccOpened || st == evidence.AccStatement)
		v.MayDecide = leads && st == evidence.AccStatement
		v.MayClose = leads && st == evidence.AccDecided
		return nil
	})
	if err != nil {
		return err
	}
	reached := true
	for _, s := range evidence.AccStatuses {
		active := s == v.Case.Status
		v.Steps = append(v.Steps, accStep{Status: s, Done: reached && !active, Active: active})
		if active {
			reached = false
		}
	}
	v.Decisions, v.Today = evidence.AccDecisions, time.Now().In(evidence.Zone).Format("2006-01-02")
	p := h.newPage(w, r, "/accountability", "menu.supervision", "menu.accountability")
	p.Title = p.T("acc.case_title", v.Case.ID)
	p.Data, p.Scripts, p.Styles = v, []string{"accountability.js"}, []string{"activities.css"}
	return h.render(w, http.StatusOK, "accountability", p)
}
