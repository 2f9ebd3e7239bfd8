package ui

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"shilu/internal/app"
	"shilu/internal/audit"
	"shilu/internal/evidence"
	"shilu/internal/locale"
	"shilu/internal/store"
	"shilu/internal/web/httpx"
)

// The custody log page (R-AUD-1): the log a page at a time from an index
// (store.AuditEntries: keyset paging, never OFFSET, for a log of millions
// of entries), filtered by actor, object, action and Beijing dates; its
// CSV and PDF exports with the details in words and in Beijing time.

// custodyPageSize is how many entries a page of the log shows.
const custodyPageSize = 50

// custodyView is the data of the custody log page.
type custodyView struct {
	Size                  uint64
	Actor, Object, Action string
	From, To              string // Beijing dates, as the date inputs hold them
	Actions               []evidence.Action
	Entries               []audit.Entry
	Newer, Older, Newest  string // links to the neighbouring pages; "" at the ends
	CSV, PDF              string
	MayOpenRecordings     bool
	MayOpenActivities     bool
	filterQuery           url.Values
	filter                store.AuditFilter
}

// custodyFilter reads the page's filters: ?actor=, ?object=, ?action=
// (one of evidence.Actions), ?from=&to= (dates in Beijing time, both
// inclusive).
func custodyFilter(r *http.Request) (custodyView, error) {
	q := r.URL.Query()
	v := custodyView{Actor: strings.TrimSpace(q.Get("actor")), Object: strings.TrimSpace(q.Get("object")), Action: q.Get("action"),
		From: q.Get("from"), To: q.Get("to"), Actions: evidence.Actions}
	v.filter = store.AuditFilter{Actor: v.Actor, Object: v.Object}
	if v.Action != "" {
		if !evidence.Action(v.Action).Known() {
			return v, evidence.Errorf(evidence.EInvalid, "err.custody.action_unknown", v.Action)
		}
		v.filter.Action = evidence.Action(v.Action)
	}
	var err error
	if v.filter.From, v.filter.To, err = pdfRange(v.From, v.To); err != nil {
		return v, err
	}
	v.filterQuery = url.Values{}
	for k, x := range map[string]string{"actor": v.Actor, "object": v.Object, "action": v.Action, "from": v.From, "to": v.To} {
		if x != "" {
			v.filterQuery.Set(k, x)
		}
	}
	return v, nil
}

// link is the page's URL with the filters and extra.
func (v custodyView) link(path string, extra ...string) string {
	q := maps.Clone(v.filterQuery)
	for i := 0; i+1 < len(extra); i += 2 {
		q.Set(extra[i], extra[i+1])
	}
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// CustodyPage shows a page of the log, newest first: the newest page, the
// page older than ?before= or the page newer than ?after=.
func (h *Handler) CustodyPage(w http.ResponseWriter, r *http.Request) error {
	v, err := custodyFilter(r)
	if err != nil {
		return err
	}
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	after, errAfter := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	ctx := r.Context()
	err = h.DB.View(ctx, func(tx *store.Tx) error {
		var err error
		if v.Size, _, err = tx.LogState(ctx); err != nil {
			return err
		}
		var more bool
		if errAfter == nil && after >= 0 && r.URL.Query().Get("before") == "" {
			// A page newer than after: read it oldest first, then turn it.
			if v.Entries, _, more, err = tx.AuditEntries(ctx, v.filter, after, false, custodyPageSize); err != nil {
				return err
			}
			slices.Reverse(v.Entries)
			if more {
				v.Newer = v.link("/custody", "after", strconv.FormatUint(v.Entries[0].Index, 10))
			}
			if len(v.Entries) > 0 {
				v.Older = v.link("/custody", "before", strconv.FormatUint(v.Entries[len(v.Entries)-1].Index, 10))
			}
			return nil
		}
		var last int64
		if v.Entries, last, more, err = tx.AuditEntries(ctx, v.filter, max(before, 0), true, custodyPageSize); err != nil {
			return err
		}
		if more {
			v.Older = v.link("/custody", "before", strconv.FormatInt(last, 10))
		}
		if before > 0 && len(v.Entries) > 0 {
			v.Newer = v.link("/custody", "after", strconv.FormatUint(v.Entries[0].Index, 10))
		}
		return nil
	})
	if err != nil {
		return err
	}
	if v.Newer != "" {
		v.Newest = v.link("/custody")
	}
	v.CSV, v.PDF = v.link("/custody.csv"), v.link("/custody.pdf")
	u := httpx.User(r)
	v.MayOpenRecordings, v.MayOpenActivities = u.Role.Can(evidence.PermRecordingsRead), u.Role.Can(evidence.PermActivitiesRead)
	p := h.newPage(w, r, "/custody", "menu.logs", "menu.custody")
	p.Data = v
	return h.render(w, http.StatusOK, "custody", p)
}

// custodyEntries calls fn with each entry of the log that matches r's
// filters, oldest first, reading the log a batch at a time.
func (h *Handler) custodyEntries(r *http.Request, fn func(audit.Entry) error) (size uint64, err error) {
	v, err := custodyFilter(r)
	if err != nil {
		return 0, err
	}
	ctx := r.Context()
	err = h.DB.View(ctx, func(tx *store.Tx) error {
		if size, _, err = tx.LogState(ctx); err != nil {
			return err
		}
		cursor := int64(-1)
		for {
			list, last, more, err := tx.AuditEntries(ctx, v.filter, cursor, false, 1000)
			if err != nil {
				return err
			}
			for _, e := range list {
				if err := fn(e); err != nil {
					return err
				}
			}
			if !more {
				return nil
			}
			cursor = last
		}
	})
	return size, err
}

// CustodyCSV exports the matching entries, oldest first (UTF-8 with a byte
// order mark for spreadsheet programs): times in Beijing time, actors and
// actions and details in words, and the details as logged (key=value, UTC)
// in a last column for tools that read them.
func (h *Handler) CustodyCSV(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if _, err := custodyFilter(r); err != nil {
		return err
	}
	details := map[string]string{"format": "csv"}
	for _, k := range []string{"actor", "object", "action", "from", "to"} {
		if x := q.Get(k); x != "" || k == "actor" || k == "object" {
			details[k] = app.Printable(x)
		}
	}
	if err := httpx.Audit(r.Context(), h.App, audit.Entry{Actor: httpx.User(r).Name, Action: evidence.ActionCustodyExport, Outcome: audit.OutcomeOK,
		Details: details}); err != nil {
		return err
	}
	p := h.newPage(w, r, "/custody")
	cw := httpx.CSV(w, "custody-log.csv")
	cw.Write([]string{p.T("custody.index"), p.T("custody.time"), p.T("custody.actor"), p.T("custody.action"), p.T("custody.object"), p.T("custody.outcome"),
		p.T("custody.details"), p.T("custody.details_raw")})
	_, err := h.custodyEntries(r, func(e audit.Entry) error {
		cw.Write([]string{strconv.FormatUint(e.Index, 10), localTime(e.Time), p.Person(e.Actor), p.Action(e.Action), e.Object,
			p.T("outcome." + e.Outcome), p.Details(e.Details), rawDetails(e.Details)})
		return cw.Error()
	})
	if err != nil {
		return err
	}
	if err := h.writeCheckpoint(r.Context(), cw, p); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

// rawDetails writes details as logged: key=value, sorted by key.
func rawDetails(d map[string]string) string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(d)) {
		out = append(out, k+"="+d[k])
	}
	return strings.Join(out, "; ")
}

// detailPairs are the details that read as one period: 期限：A 至 B.
var detailPairs = [][3]string{{"from", "until", "period"}, {"grant_from", "grant_until", "grant_period"}, {"from", "to", "span"}}

// Details writes a custody entry's details in words, in the page's
// language: 申请编号：12；用途：办案；期限：2026-12-05 15:00 至 2026-12-12 15:00.
// Labels come from the catalogue (detail.<key>); times are in Beijing
// time; purposes, people and yes/no in words; a key without a label shows
// as logged.
func (p *page) Details(d map[string]string) string {
	loc := locale.New(p.Lang)
	done := map[string]bool{}
	var out []string
	label := func(k string) string {
		if m, ok := loc.Lookup("detail." + k); ok {
			return m
		}
		return k
	}
	for _, k := range slices.Sorted(maps.Keys(d)) {
		if done[k] {
			continue
		}
		for _, pair := range detailPairs {
			if k == pair[0] || k == pair[1] {
				if a, ok := d[pair[0]]; ok {
					if b, ok := d[pair[1]]; ok {
						out = append(out, p.T("detail.item", label(pair[2]), p.T("req.period_range", p.detailValue(pair[0], a), p.detailValue(pair[1], b))))
						done[pair[0]], done[pair[1]] = true, true
						break
					}
				}
			}
		}
		if done[k] {
			continue
		}
		done[k] = true
		out = append(out, p.T("detail.item", label(k), p.detailValue(k, d[k])))
	}
	return strings.Join(out, p.T("detail.sep"))
}

// detailCodes are the catalogue prefixes that name the coded values of a
// detail (an activity's type, a role, a cause): the first that has the
// value names it.
var detailCodes = map[string][]string{
	"type": {"act.type.", "bm.kind."}, "kind": {"kind.", "bm.kind."}, "category": {"act.category."}, "cause": {"act.cause."},
	"role": {"role."}, "status": {"status."}, "work_mode": {"act.mode."}, "outcome": {"outcome."},
	"stated": {"notice.item."}, "missing": {"notice.item."},
}

// detailValue is one detail's value in words.
func (p *page) detailValue(k, v string) string {
	switch k {
	case "purpose":
		return p.PurposeText(v)
	case "grantee", "actor", "by", "user", "submitted_by":
		return p.Person(v)
	case "officer":
		return p.Officer(v)
	case "officers":
		var out []string
		for _, no := range strings.Split(v, ",") {
			out = append(out, p.Officer(no))
		}
		return strings.Join(out, "、")
	case "stated", "missing":
		// Lists of the items of the notice.
		var out []string
		for _, x := range strings.Split(v, ",") {
			out = append(out, p.detailCode(k, x))
		}
		return strings.Join(out, "、")
	}
	if _, ok := detailCodes[k]; ok {
		return p.detailCode(k, v)
	}
	switch v {
	case "true":
		return p.T("detail.yes")
	case "false":
		return p.T("detail.no")
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		t = t.In(shanghai)
		if t.Second() == 0 && t.Nanosecond() == 0 {
			return t.Format("2006-01-02 15:04")
		}
		return t.Format("2006-01-02 15:04:05")
	}
	return v
}

// detailCode names a coded value by the catalogue, or leaves it as logged.
func (p *page) detailCode(k, v string) string {
	for _, prefix := range detailCodes[k] {
		if m, ok := locale.New(p.Lang).Lookup(prefix + v); ok {
			return m
		}
	}
	return v
}

// ObjectLink is where an object of the log is shown, when the viewer may
// open it: 执法活动 3 → /activities/3, 记录 7 → /recordings/7, 案件 2 →
// /cases/2 (cases are read with activities); "" otherwise.
func (p *page) ObjectLink(obj string, recordings, activities bool) string {
	kind, id, ok := strings.Cut(obj, ":")
	if !ok {
		return ""
	}
	if kind == "device" && activities {
		// Devices are named by serial, the name recordings carry.
		return "/devices?q=" + url.QueryEscape(id)
	}
	if _, err := strconv.ParseInt(id, 10, 64); err != nil {
		return ""
	}
	switch {
	case kind == "recording" && recordings:
		return "/recordings/" + id
	case kind == "activity" && activities:
		return "/activities/" + id
	case kind == "case" && activities:
		return "/cases/" + id
	// Accountability cases for those who read them all (the auditor, the
	// legal office): anyone else's link would often be refused.
	case kind == "accountability" && p.User.Role.Can(evidence.PermAccountabilityRead) && app.SeeAccountability(p.User) == store.Scope{}:
		return "/accountability/" + id
	case kind == "spotcheck" && p.User.Role.Can(evidence.PermSpotCheckRead):
		return "/spotchecks/" + id
	}
	return ""
}
