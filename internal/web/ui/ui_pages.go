package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"shilu/internal/app"
	"shilu/internal/audit"
	"shilu/internal/evidence"
	"shilu/internal/media"
	"shilu/internal/store"
	"shilu/internal/web/httpx"
)

// PageSize is how many rows a list page shows.
const PageSize = 20

// recordingsByID reads the recordings of ids (at most 500, each once), for
// lists that name recordings by id; unknown ids are left out.
func recordingsByID(ctx context.Context, tx *store.Tx, ids []int64) (map[int64]evidence.Recording, error) {
	out := map[int64]evidence.Recording{}
	for _, id := range ids {
		if _, ok := out[id]; ok || len(out) >= 500 {
			continue
		}
		rec, err := tx.Recording(ctx, id)
		if evidence.ErrorCode(err) == evidence.ENotFound {
			continue
		}
		if err != nil {
			return nil, err
		}
		out[id] = rec
	}
	return out, nil
}

// recordingNames returns the file names of the recordings (recordingsByID).
func recordingNames(ctx context.Context, tx *store.Tx, ids []int64) (map[int64]string, error) {
	recs, err := recordingsByID(ctx, tx, ids)
	names := make(map[int64]string, len(recs))
	for id, rec := range recs {
		names[id] = rec.Filename
	}
	return names, err
}

func requestRecordings(list []evidence.AccessRequest) []int64 {
	var ids []int64
	for _, r := range list {
		ids = append(ids, r.RecordingIDs...)
	}
	return ids
}

func (h *Handler) LoginPage(w http.ResponseWriter, r *http.Request) error {
	p := h.newPage(w, r, "", "login.title")
	p.Data = map[string]string{"Next": localPath(r.URL.Query().Get("next"))}
	return h.render(w, http.StatusOK, "login", p)
}

// localPath is next if it is a path of this server, else "/": the sign-in
// page must not send anyone elsewhere. Browsers read a backslash as a
// slash and drop tabs and newlines, so "/\\host" and "/\t/host" lead to
// another host as "//host" does; such paths are refused, not repaired.
func localPath(next string) string {
	u, err := url.Parse(next)
	if err != nil || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || u.Host != "" || u.Scheme != "" ||
		strings.ContainsFunc(next, func(c rune) bool { return c == '\\' || unicode.IsControl(c) || unicode.IsSpace(c) }) {
		return "/"
	}
	return next
}

func (h *Handler) LogoutPage(w http.ResponseWriter, r *http.Request) error {
	return h.render(w, http.StatusOK, "logout", h.newPage(w, r, "", "logout.title"))
}

// recordingsView is the data of the recordings list.
type recordingsView struct {
	Officer    string
	Device     string
	Kind       string
	Orphan     bool   // only recordings linked to no activity (R-USE-1)
	From, To   string // dates in Asia/Shanghai, as the date inputs hold them
	Recordings []recordingRow
	Pager
}

// Pager is the paging of a list page (the "pager" partial): by page
// number, or by position when Page is 0 (keyset paging: the list's total
// may be counted only up to a limit, Over).
type Pager struct {
	Total      int
	Over       bool // more than Total rows match
	Page       int
	Pages      int
	Prev, Next string // URLs of the neighbouring pages; "" at the ends
	First, End int    // the rows shown, 1-based
}

// pagerData is what the pager partial receives.
type pagerData struct {
	P *page
	Pager
}

// pageOf reads ?page= (1 when absent or nonsense) and returns it with the
// offset of its first row.
func pageOf(r *http.Request) (page, offset int) {
	page = 1
	if n, err := strconv.Atoi(r.URL.Query().Get("page")); err == nil && n > 0 && n < 1<<20 {
		page = n
	}
	return page, (page - 1) * PageSize
}

// newPager is the paging of page (1-based) of a list of total rows, shown
// rows of them on this page; the links keep the search's keys.
func newPager(r *http.Request, keys []string, page, total, shown int) Pager {
	pg := Pager{Total: total, Page: page, Pages: max(1, (total+PageSize-1)/PageSize)}
	offset := (page - 1) * PageSize
	pg.First, pg.End = min(offset+1, total), min(offset+shown, total)
	link := func(n int) string {
		q := url.Values{}
		for _, k := range keys {
			if x := r.URL.Query().Get(k); x != "" {
				q.Set(k, x)
			}
		}
		q.Set("page", strconv.Itoa(n))
		return r.URL.Path + "?" + q.Encode()
	}
	if page > 1 {
		pg.Prev = link(page - 1)
	}
	if page < pg.Pages {
		pg.Next = link(page + 1)
	}
	return pg
}

// cursorPager is the paging of a list paged by position: the links keep
// the search's keys and ask for the rows after the page's last (next) or
// before its first (prev); nil cursors at the list's ends.
func cursorPager(r *http.Request, keys []string, total int, over bool, prev, next *evidence.Cursor) Pager {
	pg := Pager{Total: total, Over: over}
	link := func(dir string, c *evidence.Cursor) string {
		q := url.Values{}
		for _, k := range keys {
			if x := r.URL.Query().Get(k); x != "" {
				q.Set(k, x)
			}
		}
		q.Set(dir, c.String())
		return r.URL.Path + "?" + q.Encode()
	}
	if prev != nil {
		pg.Prev = link("before", prev)
	}
	if next != nil {
		pg.Next = link("after", next)
	}
	return pg
}

type recordingRow struct {
	evidence.Recording
	Duration time.Duration
}

// parseDay reads a YYYY-MM-DD date as the start of that day in Shanghai.
func parseDay(v string) (time.Time, error) {
	t, err := time.ParseInLocation("2006-01-02", v, shanghai)
	if err != nil {
		return t, evidence.Errorf(evidence.EInvalid, "err.date", v)
	}
	return t, nil
}

// parseDays reads the from and to dates of a search form (either may be
// empty: no bound) as the UTC bounds [start of from, end of to) of days in
// Shanghai.
func parseDays(from, to string) (start, end time.Time, err error) {
	if from != "" {
		if start, err = parseDay(from); err != nil {
			return
		}
		start = start.UTC()
	}
	if to != "" {
		if end, err = parseDay(to); err != nil {
			return
		}
		end = end.AddDate(0, 0, 1).UTC() // the whole "to" day
	}
	return
}

func (h *Handler) RecordingsPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	v := recordingsView{Officer: q.Get("officer"), Device: q.Get("device"), Kind: q.Get("kind"), Orphan: q.Get("orphan") == "1", From: q.Get("from"), To: q.Get("to")}
	f := evidence.RecordingFilter{Officer: v.Officer, Device: v.Device, Kind: evidence.Kind(v.Kind), Orphan: v.Orphan, Limit: PageSize}
	if f.Kind != "" && !f.Kind.Valid() {
		return evidence.Errorf(evidence.EInvalid, "err.recording.kind_unknown", v.Kind)
	}
	from, to, err := parseDays(v.From, v.To)
	if err != nil {
		return err
	}
	f.From, f.To = from, to
	if err := httpx.Cursors(r.URL.Query(), &f.After, &f.Before); err != nil {
		return err
	}
	var list store.RecordingPage
	err = h.DB.View(r.Context(), func(tx *store.Tx) error {
		var err error
		if f.Officers, err = tx.OfficerNumbers(r.Context(), f.Officer); err != nil { // 警号或姓名
			return err
		}
		list, err = tx.Recordings(r.Context(), f)
		return err
	})
	if err != nil {
		return err
	}
	for _, rec := range list.Recordings {
		v.Recordings = append(v.Recordings, recordingRow{rec, recordingDuration(rec)})
	}
	v.Pager = cursorPager(r, []string{"officer", "device", "kind", "orphan", "from", "to"}, list.Total, list.Over, list.Prev, list.Next)
	p := h.newPage(w, r, "/recordings", "menu.recordings", "menu.recording_list")
	p.Data = v
	return h.render(w, http.StatusOK, "recordings", p)
}

// recordingDuration is the recording's length from its probed facts, or
// from its recorded start and end.
func recordingDuration(rec evidence.Recording) time.Duration {
	if rec.RecordedStart != nil && rec.RecordedEnd != nil {
		return rec.RecordedEnd.Sub(*rec.RecordedStart)
	}
	var f media.Facts
	if len(rec.Media) > 0 && json.Unmarshal(rec.Media, &f) == nil {
		return f.Duration
	}
	return 0
}

// recordingView is the data of a recording's page.
type recordingView struct {
	Rec        evidence.Recording
	Facts      media.Facts
	Duration   time.Duration
	CanPlay    bool // a live grant, or the policy lets the role view without one
	MayRequest bool
	Until      time.Time // the grant's end
	// Grant is the live grant played under (0 for a viewing by policy);
	// AwaitsRegistration: the viewer's live grant waits for the
	// custodian's registration (Art. 16), so nothing plays yet.
	Grant              int64
	AwaitsRegistration bool
	// Copy: the grant allows the download of a watermarked copy (下载副本).
	Copy bool
	// Watermark is what the player's overlay writes over the picture
	// (R-SEC-2): the viewer, their number, the grant.
	Watermark watermark
	Trail     []trailItem
	// ClockTolerance is how far the device clock may be off before it is a
	// finding; ClockWarn is set when the measured offset is beyond it.
	ClockTolerance time.Duration
	ClockWarn      bool
	// Bookmarks are the key moments under the player (R-ACT-5).
	Bookmarks bookmarkPanel
	// Cases are the cases whose file holds the recording (附卷), for those
	// who read activities and cases.
	Cases []evidence.Case
	// Retention is its retain-until, class, holds and disposals (issue 11).
	Retention retentionPanel
}

// trailItem is one step of the custody timeline; consecutive reads of the
// content by one user (the range requests of a playback) are one step.
type trailItem struct {
	audit.Entry
	Count int
	Last  time.Time
}

func (h *Handler) RecordingPage(w http.ResponseWriter, r *http.Request) error {
	rec, err := httpx.Recording(r, h.DB)
	if err != nil {
		return err
	}
	u, ctx := httpx.User(r), r.Context()
	// A disposed recording's bytes are gone: only its tombstone is shown.
	v := recordingView{Rec: rec, Duration: recordingDuration(rec), MayRequest: u.Role.Can(evidence.PermAccessRequest) && rec.DisposedAt == nil}
	v.ClockTolerance = h.App.Params().DriftTolerance
	v.ClockWarn = rec.ClockOffset != nil && rec.ClockOffset.Abs() > v.ClockTolerance
	if len(rec.Media) > 0 {
		if err := json.Unmarshal(rec.Media, &v.Facts); err != nil {
			v.Facts = media.Facts{} // facts are informative; a bad blob shows none
		}
	}
	err = h.DB.View(ctx, func(tx *store.Tx) error {
		if u.Role.Can(evidence.PermContentRead) && rec.DisposedAt == nil {
			g, err := tx.LiveGrant(ctx, u.ID, rec.ID)
			switch {
			case err == nil && !g.Registered():
				v.AwaitsRegistration = true
				v.CanPlay = slices.Contains(h.ViewWithoutApproval, u.Role)
			case err == nil:
				v.CanPlay, v.Until, v.Grant, v.Copy = true, g.Until, g.ID, g.Download
			case evidence.ErrorCode(err) == evidence.EForbidden || evidence.ErrorCode(err) == evidence.ENotFound:
				v.CanPlay = slices.Contains(h.ViewWithoutApproval, u.Role)
			default:
				return err
			}
		}
		var err error
		if v.Bookmarks, err = loadBookmarkPanel(ctx, tx, u, rec); err != nil {
			return err
		}
		if v.Retention, err = loadRetentionPanel(r, tx, rec); err != nil {
			return err
		}
		if u.Role.Can(evidence.PermActivitiesRead) {
			ids, err := tx.CasesOf(ctx, evidence.CaseItemRecording, rec.ID)
			if err != nil {
				return err
			}
			for _, id := range ids {
				c, err := tx.Case(ctx, id)
				if err != nil {
					return err
				}
				v.Cases = append(v.Cases, c)
			}
		}
		raw, err := tx.AuditTrail(ctx, app.ObjRecording(rec.ID), 10000)
		if err != nil {
			return err
		}
		for _, data := range raw {
			e, err := audit.Decode(data)
			if err != nil {
				return fmt.Errorf("web: custody of recording %d: %w", rec.ID, err)
			}
			e, _ = app.Redact(u, e)
			if n := len(v.Trail); n > 0 && e.Action == "recording.content" && v.Trail[n-1].Action == e.Action && v.Trail[n-1].Actor == e.Actor && v.Trail[n-1].Outcome == e.Outcome {
				v.Trail[n-1].Count++
				v.Trail[n-1].Last = e.Time
				continue
			}
			v.Trail = append(v.Trail, trailItem{Entry: e, Count: 1, Last: e.Time})
		}
		return nil
	})
	if err != nil {
		return err
	}
	v.Watermark = watermark{Name: u.Label(), Number: u.OfficerNo, Account: u.Name, Grant: v.Grant}
	slices.Reverse(v.Trail) // newest first
	p := h.newPage(w, r, "/recordings", "menu.recordings", "menu.recording_list", "="+rec.Filename)
	// watermark.js first: it gives the player its source, which the
	// bookmarks' seeking needs.
	p.Data, p.Scripts, p.Styles = v, []string{"watermark.js", "bookmarks.js"}, []string{"bookmarks.css", "watermark.css"}
	if u.Role.Can(evidence.PermRecordingsEdit) {
		p.Scripts = append(p.Scripts, "recording.js")
	}
	if u.Role.Can(evidence.PermRetentionStop) || u.Role.Can(evidence.PermRetentionManage) {
		p.Scripts = append(p.Scripts, "retention.js")
	}
	return h.render(w, http.StatusOK, "recording", p)
}

func (h *Handler) UploadPage(w http.ResponseWriter, r *http.Request) error {
	p := h.newPage(w, r, "/upload", "menu.recordings", "menu.upload")
	return h.render(w, http.StatusOK, "upload", p)
}

// requestsView is the data of the requests and approvals pages.
type requestsView struct {
	Requests []evidence.AccessRequest
	// Exemptions are the work records of unrecorded activities awaiting
	// this leader's acknowledgement (approvals page only; Art. 7).
	Exemptions []pendingExemption
	Names      map[int64]string
	// Recs are the recordings the requests name, for the approval dialog.
	Recs map[int64]approvalRecording
	// Extractions are the pending extractions this leader decides
	// (approvals page only; Art. 15, 18).
	Extractions []evidence.Extraction
	Recording   int64 // prefill of the new-request dialog
	Pending     bool
	DefaultEnd  string
	DefaultBeg  string
}

func (h *Handler) RequestsPage(w http.ResponseWriter, r *http.Request) error {
	u, ctx := httpx.User(r), r.Context()
	v := requestsView{}
	if id, err := strconv.ParseInt(r.URL.Query().Get("recording"), 10, 64); err == nil && id > 0 {
		v.Recording = id
	}
	err := h.DB.View(ctx, func(tx *store.Tx) error {
		var err error
		if v.Requests, err = tx.AccessRequests(ctx, store.AccessRequestFilter{RequesterID: u.ID}); err != nil {
			return err
		}
		v.Names, err = recordingNames(ctx, tx, requestRecordings(v.Requests))
		return err
	})
	if err != nil {
		return err
	}
	now := time.Now().In(shanghai)
	v.DefaultBeg, v.DefaultEnd = now.Format("2006-01-02T15:04"), now.AddDate(0, 0, 7).Format("2006-01-02T15:04")
	p := h.newPage(w, r, "/requests", "menu.access", "menu.my_requests")
	p.Data, p.Scripts = v, []string{"revoke.js"}
	return h.render(w, http.StatusOK, "requests", p)
}

// approvalsPage lists the requests of the leader's people: pending ones
// first to decide, then the decided ones (?status=all).
func (h *Handler) ApprovalsPage(w http.ResponseWriter, r *http.Request) error {
	u, ctx := httpx.User(r), r.Context()
	v := requestsView{Pending: r.URL.Query().Get("status") != "all"}
	f := store.AccessRequestFilter{}
	if v.Pending {
		f.Status = evidence.RequestPending
	}
	err := h.DB.View(ctx, func(tx *store.Tx) error {
		list, err := tx.AccessRequests(ctx, f)
		if err != nil {
			return err
		}
		for _, req := range list {
			if req.RequesterID == u.ID {
				continue
			}
			leads, err := tx.IsLeaderOf(ctx, u.ID, req.RequesterID)
			if err != nil {
				return err
			}
			if leads {
				v.Requests = append(v.Requests, req)
			}
		}
		if v.Extractions, err = pendingExtractions(ctx, tx, u); err != nil {
			return err
		}
		if v.Names, err = recordingNames(ctx, tx, append(requestRecordings(v.Requests), extractionRecordings(v.Extractions)...)); err != nil {
			return err
		}
		var pending []evidence.AccessRequest
		for _, req := range v.Requests {
			if req.Status == evidence.RequestPending {
				pending = append(pending, req)
			}
		}
		if v.Recs, err = requestDetails(ctx, tx, pending); err != nil {
			return err
		}
		v.Exemptions, err = exemptionsToAcknowledge(ctx, tx, u.ID)
		return err
	})
	if err != nil {
		return err
	}
	p := h.newPage(w, r, "/approvals", "menu.access", "menu.approvals")
	p.Data, p.Scripts, p.Styles = v, []string{"activities.js", "approvals.js", "extractions.js"}, []string{"activities.css"}
	return h.render(w, http.StatusOK, "approvals", p)
}

// pendingExemption is an exemption awaiting acknowledgement, with its
// activity.
type pendingExemption struct {
	evidence.Exemption
	Activity evidence.Activity
}

// exemptionsToAcknowledge lists the exemptions that leader may acknowledge:
// submitted by someone they lead, never their own (Art. 7: reported to the
// leader, who acknowledges it; the API decides the same way).
func exemptionsToAcknowledge(ctx context.Context, tx *store.Tx, leader int64) ([]pendingExemption, error) {
	pending, err := tx.PendingExemptions(ctx)
	if err != nil {
		return nil, err
	}
	var out []pendingExemption
	for _, e := range pending {
		if e.SubmitterID == leader {
			continue
		}
		leads, err := tx.IsLeaderOf(ctx, leader, e.SubmitterID)
		if err != nil {
			return nil, err
		}
		if !leads {
			continue
		}
		a, err := tx.Activity(ctx, e.ActivityID)
		if err != nil {
			return nil, err
		}
		out = append(out, pendingExemption{e.Exemption, a})
	}
	return out, nil
}

// grantsView is the data of the grants page: the grants still to come or
// in force, and those that ended (run out or revoked), with the requests
// they were granted on (their reason and the leader's note).
type grantsView struct {
	Live, Past []evidence.Grant
	Requests   map[int64]evidence.AccessRequest
	Names      map[int64]string
}

func (h *Handler) GrantsPage(w http.ResponseWriter, r *http.Request) error {
	u, ctx := httpx.User(r), r.Context()
	v := grantsView{Requests: map[int64]evidence.AccessRequest{}}
	err := h.DB.View(ctx, func(tx *store.Tx) error {
		list, err := tx.Grants(ctx, store.Scope{Only: u.ID})
		if err != nil {
			return err
		}
		reqs, err := tx.AccessRequests(ctx, store.AccessRequestFilter{RequesterID: u.ID, Status: evidence.RequestApproved})
		if err != nil {
			return err
		}
		for _, req := range reqs {
			v.Requests[req.ID] = req
		}
		var ids []int64
		for _, g := range list {
			if g.State.Ended() {
				v.Past = append(v.Past, g)
			} else {
				v.Live = append(v.Live, g)
				ids = append(ids, g.RecordingIDs...)
			}
		}
		v.Names, err = recordingNames(ctx, tx, ids)
		return err
	})
	if err != nil {
		return err
	}
	p := h.newPage(w, r, "/grants", "menu.access", "menu.grants")
	p.Data = v
	return h.render(w, http.StatusOK, "grants", p)
}

// grantAdminRow is one grant of the grants overview with what its request
// said and who approved it, with what note.
type grantAdminRow struct {
	evidence.Grant
	Purpose  evidence.Purpose
	Reason   string
	Approver string
	Comment  string
}

// Revocable reports whether the grant can still be ended: it is neither
// revoked nor over (a grant that has not started yet can be ended too).
func (g grantAdminRow) Revocable() bool { return !g.State.Ended() }

// grantsAdminView is the data of the grants overview (授权管理).
type grantsAdminView struct {
	Grantee, Recording, Purpose, State string // the search
	Rows                               []grantAdminRow
	Names                              map[int64]string
	Pager                              Pager
}

// grantsAdminPage is the grants overview (授权管理) for those who may end
// grants: the custodian, leaders and the security administrator. It lives
// under 查阅管理 beside the requests and approvals, rather than on the
// approvals page, because the custodian and the security administrator
// revoke too and decide nothing. It shows what GET /api/v1/grants shows
// them, all grants, and by default those still in force (?state=ended,
// ?state=all), searchable by grantee, recording and purpose.
func (h *Handler) GrantsAdminPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	v := grantsAdminView{Grantee: strings.TrimSpace(q.Get("grantee")), Recording: strings.TrimSpace(q.Get("recording")), Purpose: q.Get("purpose"), State: q.Get("state")}
	if v.State != "ended" && v.State != "all" {
		v.State = "active"
	}
	var recID int64
	if v.Recording != "" {
		n, err := strconv.ParseInt(strings.TrimPrefix(v.Recording, "#"), 10, 64)
		if err != nil || n <= 0 {
			return evidence.Errorf(evidence.EInvalid, "err.query.id", "recording")
		}
		recID = n
	}
	page, offset := pageOf(r)
	ctx := r.Context()
	err := h.DB.View(ctx, func(tx *store.Tx) error {
		grants, err := tx.Grants(ctx, app.Oversees(httpx.User(r)))
		if err != nil {
			return err
		}
		// The approved requests in one query; a grant whose request is
		// older than that list reaches is looked up on its own.
		reqs, err := tx.AccessRequests(ctx, store.AccessRequestFilter{Status: evidence.RequestApproved})
		if err != nil {
			return err
		}
		byID := make(map[int64]evidence.AccessRequest, len(reqs))
		for _, req := range reqs {
			byID[req.ID] = req
		}
		var rows []grantAdminRow
		for _, g := range grants {
			row := grantAdminRow{Grant: g}
			if v.State == "active" && !row.Revocable() || v.State == "ended" && row.Revocable() {
				continue
			}
			if v.Grantee != "" && !strings.Contains(strings.ToLower(g.Grantee), strings.ToLower(v.Grantee)) {
				continue
			}
			if recID != 0 && !slices.Contains(g.RecordingIDs, recID) {
				continue
			}
			req, ok := byID[g.RequestID]
			if !ok {
				if req, err = tx.AccessRequest(ctx, g.RequestID); err != nil {
					return err
				}
			}
			if v.Purpose != "" && string(req.Purpose) != v.Purpose {
				continue
			}
			row.Purpose, row.Reason, row.Approver, row.Comment = req.Purpose, req.Reason, req.DecidedBy, req.Comment
			rows = append(rows, row)
		}
		total := len(rows)
		v.Rows = rows[min(offset, total):min(offset+PageSize, total)]
		v.Pager = newPager(r, []string{"grantee", "recording", "purpose", "state"}, page, total, len(v.Rows))
		var ids []int64
		for _, row := range v.Rows {
			ids = append(ids, row.RecordingIDs...)
		}
		v.Names, err = recordingNames(ctx, tx, ids)
		return err
	})
	if err != nil {
		return err
	}
	p := h.newPage(w, r, "/grants/all", "menu.access", "rv.menu")
	p.Data, p.Scripts = v, []string{"revoke.js"}
	return h.render(w, http.StatusOK, "grants_all", p)
}

// registerView is the data of the register of viewings.
type registerView struct {
	From, To string
	Viewings []evidence.Viewing
	Names    map[int64]string
	CSV      string
}

// registerPeriod reads ?from=&to= (dates in Shanghai); the default is the
// last 30 days.
func registerPeriod(r *http.Request) (from, to time.Time, fs, ts string, err error) {
	now := time.Now().In(shanghai)
	fs, ts = r.URL.Query().Get("from"), r.URL.Query().Get("to")
	if fs == "" {
		fs = now.AddDate(0, 0, -30).Format("2006-01-02")
	}
	if ts == "" {
		ts = now.Format("2006-01-02")
	}
	if from, err = parseDay(fs); err != nil {
		return
	}
	if to, err = parseDay(ts); err != nil {
		return
	}
	return from.UTC(), to.AddDate(0, 0, 1).UTC(), fs, ts, nil
}

func (h *Handler) viewings(r *http.Request) (registerView, error) {
	from, to, fs, ts, err := registerPeriod(r)
	v := registerView{From: fs, To: ts}
	if err != nil {
		return v, err
	}
	v.CSV = "/register.csv?" + url.Values{"from": {fs}, "to": {ts}}.Encode()
	err = h.DB.View(r.Context(), func(tx *store.Tx) error {
		var err error
		if v.Viewings, err = tx.Register(r.Context(), from, to, app.Oversees(httpx.User(r))); err != nil {
			return err
		}
		var ids []int64
		for _, x := range v.Viewings {
			ids = append(ids, x.RecordingID)
		}
		v.Names, err = recordingNames(r.Context(), tx, ids)
		return err
	})
	return v, err
}

func (h *Handler) RegisterPage(w http.ResponseWriter, r *http.Request) error {
	v, err := h.viewings(r)
	if err != nil {
		return err
	}
	p := h.newPage(w, r, "/register", "menu.access", "menu.register")
	p.Data = v
	return h.render(w, http.StatusOK, "register", p)
}

// registerCSV exports the register as CSV (UTF-8 with a byte order mark,
// which spreadsheet programs need to read Chinese text).
func (h *Handler) RegisterCSV(w http.ResponseWriter, r *http.Request) error {
	v, err := h.viewings(r)
	if err != nil {
		return err
	}
	// An export leaves the archive's control: it is logged before any byte
	// is sent, like the PDF exports.
	if err := httpx.Audit(r.Context(), h.App, audit.Entry{Actor: httpx.User(r).Name, Action: evidence.ActionRegisterExport, Outcome: audit.OutcomeOK,
		Details: map[string]string{"format": "csv", "from": v.From, "to": v.To, "viewings": strconv.Itoa(len(v.Viewings))}}); err != nil {
		return err
	}
	p := h.newPage(w, r, "/register")
	cw := httpx.CSV(w, fmt.Sprintf("register-%s-%s.csv", v.From, v.To))
	cw.Write([]string{p.T("register.viewer"), p.T("register.recording"), p.T("register.purpose"), p.T("register.reason"), p.T("register.approver"),
		p.T("register.started"), p.T("register.last"), p.T("register.duration_s"), p.T("register.requests"), p.T("register.bytes"),
		p.T("register.kind"), p.T("register.registrar")})
	for _, x := range v.Viewings {
		purpose := ""
		if x.Purpose != "" {
			purpose = p.Purpose(x.Purpose)
		}
		cw.Write([]string{x.Viewer, strconv.FormatInt(x.RecordingID, 10), purpose, x.Reason, x.Approver,
			localTime(x.StartedAt), localTime(x.LastAt), strconv.FormatFloat(x.Seconds, 'f', 0, 64), strconv.FormatInt(x.Requests, 10), strconv.FormatInt(x.Bytes, 10),
			p.T("register.kind." + x.Kind), p.Registration(x)})
	}
	if err := h.writeCheckpoint(r.Context(), cw, p); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}
