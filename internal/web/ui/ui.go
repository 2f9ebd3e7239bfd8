package ui

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"shilu/internal/audit"
	"shilu/internal/evidence"
	"shilu/internal/locale"
	"shilu/internal/media"
	"shilu/internal/web/httpx"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// shanghai is the zone every page shows times in (DESIGN: store UTC, show
// Asia/Shanghai). China has kept UTC+8 without daylight saving since 1991,
// so a fixed zone is exact and needs no tz database on the host.
var shanghai = evidence.Zone

// staticAsset is one embedded file with its checksummed URL.
type staticAsset struct {
	body  []byte
	ctype string
	url   string // /static/name?v=<hash>
}

// assets and pages are built once from the embedded files and never change.
var assets = loadAssets()

func loadAssets() map[string]staticAsset {
	out := map[string]staticAsset{}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		name := path.Base(p)
		out[name] = staticAsset{body: b, ctype: mime.TypeByExtension(path.Ext(name)), url: "/static/" + name + "?v=" + hex.EncodeToString(sum[:6])}
		return nil
	})
	if err != nil {
		panic(err)
	}
	return out
}

var uiFuncs = template.FuncMap{
	"asset": func(name string) string { return assets[name].url },
	"join":  strings.Join,
	"add":   func(a, b int) int { return a + b },
	// pagerOf gives the pager partial the page (for messages) and the paging.
	"pagerOf": func(p *page, pg Pager) pagerData { return pagerData{p, pg} },
	// inputTime is a time as a datetime-local input holds it: Shanghai,
	// to the second; "" for a nil time.
	"inputTime": func(t any) string {
		switch v := t.(type) {
		case time.Time:
			return v.In(shanghai).Format("2006-01-02T15:04:05")
		case *time.Time:
			if v != nil {
				return v.In(shanghai).Format("2006-01-02T15:04:05")
			}
		}
		return ""
	},
	// activityForm gives the activity-form partial its data; a is nil for
	// a new activity, else the evidence.Activity being corrected.
	"activityForm": func(p *page, a any, types []evidence.ActivityType, modes []evidence.WorkMode) activityFormData {
		d := activityFormData{P: p, Types: types, Modes: modes}
		if act, ok := a.(evidence.Activity); ok {
			d.A = &act
		}
		return d
	},
	"time":       localTime,
	"grantClass": grantClass,
	"fileName":   fileName,
	"size":       humanSize,
	// span writes an extraction item's span, m:ss–m:ss.
	"span": func(it evidence.ExtractionItem) string {
		if !it.HasSpan() {
			return ""
		}
		f := func(d time.Duration) string { return fmt.Sprintf("%d:%02d", int(d.Minutes()), int(d.Seconds())%60) }
		return f(*it.Start) + "–" + f(*it.End)
	},
	"short": func(s string) string {
		if len(s) > 12 {
			return s[:12] + "…"
		}
		return s
	},
	"json": func(v any) (template.JS, error) {
		b, err := json.Marshal(v)
		return template.JS(b), err
	},
	"kinds": func() []evidence.Kind {
		return []evidence.Kind{evidence.KindVideo, evidence.KindAudio, evidence.KindPhoto, evidence.KindUnknown}
	},
	"purposes": func() []evidence.Purpose { return purposes },
	"extractClass": func(st evidence.ExtractionStatus) string {
		return map[evidence.ExtractionStatus]string{evidence.ExtractionPending: "warning", evidence.ExtractionApproved: "info",
			evidence.ExtractionPackaged: "success", evidence.ExtractionRejected: "danger", evidence.ExtractionFailed: "danger"}[st]
	},
	"statusClass": func(st evidence.RequestStatus) string {
		return map[evidence.RequestStatus]string{evidence.RequestPending: "warning", evidence.RequestApproved: "success", evidence.RequestRejected: "danger", evidence.RequestWithdrawn: "muted"}[st]
	},
	"outcomeClass": func(o string) string {
		return map[string]string{audit.OutcomeOK: "success", audit.OutcomeDenied: "danger", audit.OutcomeFailed: "warning"}[o]
	},
	// actionClass groups custody actions for the timeline's colours.
	"actionClass": func(a evidence.Action) string { c, _, _ := strings.Cut(string(a), "."); return c },
	"userName": func(obj string) string {
		name, ok := strings.CutPrefix(obj, "user:")
		if !ok {
			return ""
		}
		return name
	},
	"recordingID": func(obj string) string {
		id, _ := strings.CutPrefix(obj, "recording:")
		if id == obj {
			return ""
		}
		return id
	},
}

var purposes = []evidence.Purpose{evidence.PurposeCaseWork, evidence.PurposeLitigation, evidence.PurposeSupervision, evidence.PurposeCaseAnalysis, evidence.PurposeOther}

var pages = parsePages()

// parsePages parses each page template together with the layout and the
// partials (templates/_*.html: blocks shared by several pages).
func parsePages() map[string]*template.Template {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	out := map[string]*template.Template{}
	for _, n := range names {
		base := strings.TrimSuffix(path.Base(n), ".html")
		if base == "layout" || strings.HasPrefix(base, "_") {
			continue
		}
		out[base] = template.Must(template.New(base).Funcs(uiFuncs).ParseFS(templateFS, "templates/layout.html", "templates/_*.html", n))
	}
	return out
}

func localTime(t any) string {
	switch v := t.(type) {
	case time.Time:
		if v.IsZero() {
			return "—"
		}
		return v.In(shanghai).Format("2006-01-02 15:04:05")
	case *time.Time:
		if v == nil {
			return "—"
		}
		return v.In(shanghai).Format("2006-01-02 15:04:05")
	}
	return fmt.Sprint(t)
}

func humanSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

func (h *Handler) Static(w http.ResponseWriter, r *http.Request) error {
	a, ok := assets[r.PathValue("name")]
	if !ok {
		return evidence.Errorf(evidence.ENotFound, "err.file_not_found")
	}
	w.Header().Set("Content-Type", a.ctype)
	// The URL carries the content's hash, so the file can be cached for good.
	if r.URL.Query().Get("v") != "" {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	}
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, err := w.Write(a.body)
	return err
}

// home sends the user to the first page their role may use; a role with
// no workbench page would get a page that says so.
func (h *Handler) Home(w http.ResponseWriter, r *http.Request) error {
	if m := MenuFor(httpx.User(r).Role); len(m) > 0 {
		http.Redirect(w, r, startPage(m), http.StatusSeeOther)
		return nil
	}
	return h.render(w, http.StatusOK, "home", h.newPage(w, r, "", "home.title"))
}

// MenuItem is one entry of the left menu.
type MenuItem struct {
	Key, Href string
	// Perm is the page's permission in the route table (TestMenuPerms).
	Perm evidence.Permission
}

type MenuGroup struct {
	Key, Icon string
	Items     []MenuItem
}

// menu is the whole left menu, grouped by business area; a user sees the
// items their role may use.
var menu = []MenuGroup{
	{"menu.recordings", "rec", []MenuItem{
		{"menu.recording_list", "/recordings", evidence.PermRecordingsList},
		{"menu.upload", "/upload", evidence.PermUpload},
	}},
	{"menu.activities", "act", []MenuItem{
		{"menu.activity_list", "/activities", evidence.PermActivitiesRead},
		{"menu.findings", "/findings", evidence.PermActivitiesRead},
		{"menu.cases", "/cases", evidence.PermActivitiesRead},
		{"menu.devices", "/devices", evidence.PermActivitiesRead},
		{"dashboard.title", "/dashboard", evidence.PermActivitiesRead},
	}},
	{"menu.access", "key", []MenuItem{
		{"menu.my_requests", "/requests", evidence.PermAccessRequest},
		{"menu.approvals", "/approvals", evidence.PermAccessApprove},
		{"menu.grants", "/grants", evidence.PermAccessRequest},
		{"reg.menu", "/grants/register", evidence.PermGrantRegister},
		{"rv.menu", "/grants/all", evidence.PermGrantRevoke},
		{"menu.register", "/register", evidence.PermRegisterRead},
		{"menu.extractions", "/extractions", evidence.PermAccessRequest},
	}},
	{"menu.logs", "log", []MenuItem{
		{"menu.custody", "/custody", evidence.PermAuditRead},
		{"menu.disposals", "/disposals", evidence.PermDisposalRead},
		{"menu.fixity", "/fixity", evidence.PermFixityRead},
	}},
	{"menu.system", "sys", []MenuItem{
		{"menu.users", "/admin/users", evidence.PermUsersManage},
		{"menu.departments", "/admin/departments", evidence.PermUsersManage},
		{"menu.stations", "/admin/stations", evidence.PermUsersManage},
		{"menu.roles", "/admin/roles", evidence.PermPolicyManage},
	}},
	// Supervision (监督考评, Art. 20-21, X-RPT-2) comes last: no role signs
	// in for it, so it never becomes anyone's start page.
	{"menu.supervision", "log", []MenuItem{
		{"menu.accountability", "/accountability", evidence.PermAccountabilityRead},
		{"menu.spotchecks", "/spotchecks", evidence.PermSpotCheckRead},
	}},
}

// startPage is the first item of a menu, passing over 授权管理: ending a
// grant early is an occasional task, not the work a role signs in for (the
// security administrator, whose menu begins with it, starts at 角色管理),
// nor over 原始文件校验, which the system administrator looks at now and then.
func startPage(m []MenuGroup) string {
	for _, g := range m {
		for _, it := range g.Items {
			if it.Href != "/grants/all" && it.Href != "/fixity" {
				return it.Href
			}
		}
	}
	return m[0].Items[0].Href
}

func MenuFor(role evidence.Role) []MenuGroup {
	var out []MenuGroup
	for _, g := range menu {
		var items []MenuItem
		for _, it := range g.Items {
			if role.Can(it.Perm) {
				items = append(items, it)
			}
		}
		if len(items) > 0 {
			out = append(out, MenuGroup{g.Key, g.Icon, items})
		}
	}
	return out
}

// page is what every template receives: the locale, the signed-in user, the
// menu and breadcrumb, and the page's own data.
type page struct {
	Lang   string
	User   evidence.User
	Menu   []MenuGroup
	Active string   // href of the current menu item
	Crumbs []string // catalogue keys, or literal text prefixed with "="
	Title  string
	Path   string // the current URL, for the language switch
	Data   any
	// Scripts and Styles are a page's own static files, loaded after
	// app.js (which exposes window.Shilu to them) and app.css.
	Scripts, Styles []string
	now             time.Time
	// people finds accounts by sign-in name and officer number, loaded
	// the first time a page shows a person (people.go).
	people func() *directory
	// Counts are the numbers of items waiting, by menu href (menuCounts).
	Counts map[string]int
}

// T looks a message up in the page's locale; args fill %s-style verbs.
func (p *page) T(key string, args ...any) string { return msg(p.Lang, key, args...) }

// Crumb renders one breadcrumb element.
func (p *page) Crumb(c string) string {
	if lit, ok := strings.CutPrefix(c, "="); ok {
		return lit
	}
	return p.T(c)
}

// Role is the role's name in the page's language.
func (p *page) Role(r evidence.Role) string { return p.T("role." + string(r)) }

// Purpose is a purpose's name in the page's language.
func (p *page) Purpose(x evidence.Purpose) string { return p.T("purpose." + string(x)) }

// PurposeText names a purpose given as text (custody entry details).
func (p *page) PurposeText(x string) string {
	if evidence.Purpose(x).Valid() {
		return p.Purpose(evidence.Purpose(x))
	}
	return x
}

// Action names a custody action; unknown actions show as they are logged.
func (p *page) Action(a evidence.Action) string {
	if m, ok := locale.New(p.Lang).Lookup("action." + string(a)); ok {
		return m
	}
	return string(a)
}

// HasQuery reports whether Path carries a query.
func (p *page) HasQuery() bool { return strings.Contains(p.Path, "?") }

// Initial is the first letter of the user's name, for the avatar.
func (p *page) Initial() string {
	for _, r := range p.User.Name {
		return strings.ToUpper(string(r))
	}
	return ""
}

// Kind is a recording kind's name.
func (p *page) Kind(k evidence.Kind) string { return p.T("kind." + string(k)) }

// ProbeProblem is what a recording's probe error says to people: its kind
// (media.Problem), not its text, which names server paths.
func (p *page) ProbeProblem(probeError string) string { return p.Msg(media.Problem(probeError)) }

// Status is a request status's name.
func (p *page) Status(st evidence.RequestStatus) string { return p.T("status." + string(st)) }

// Duration writes a length that may be unknown (spanText); zero or less
// is "—".
func (p *page) Duration(d time.Duration) string {
	if d <= 0 {
		return "—"
	}
	return spanText(p.Lang, d)
}

// Span writes a measured length, zero included (spanText).
func (p *page) Span(d time.Duration) string { return spanText(p.Lang, d) }

// Left formats the time left until t.
func (p *page) Left(t time.Time) string {
	d := t.Sub(p.now)
	switch {
	case d <= 0:
		return p.T("grants.expired")
	case d >= 24*time.Hour:
		return p.T("grants.left_days", int(d.Hours())/24, int(d.Hours())%24)
	case d >= time.Hour:
		return p.T("grants.left_hours", int(d.Hours()), int(d.Minutes())%60)
	}
	return p.T("grants.left_minutes", max(1, int(d.Minutes())))
}

// Messages are the catalogue entries the browser scripts need.
func (p *page) Messages() map[string]string { return jsMessages(p.Lang) }

// lang picks the page's language (locale.Negotiate); a choice made with
// ?lang= is remembered in a cookie.
func lang(w http.ResponseWriter, r *http.Request) string {
	if l, ok := locale.Match(r.URL.Query().Get("lang")); ok {
		http.SetCookie(w, &http.Cookie{Name: locale.CookieName, Value: l, Path: "/", MaxAge: 365 * 24 * 3600, SameSite: http.SameSiteLaxMode})
		return l
	}
	return locale.Negotiate(r)
}

// newPage starts the data of a page.
func (h *Handler) newPage(w http.ResponseWriter, r *http.Request, active string, crumbs ...string) *page {
	u := httpx.User(r)
	p := &page{Lang: lang(w, r), User: u, Active: active, Crumbs: crumbs, now: time.Now()}
	p.people = h.directory(r.Context())
	if u.Role != "" {
		p.Menu = MenuFor(u.Role)
		h.menuCounts(r.Context(), p)
	}
	q := r.URL.Query()
	q.Del("lang")
	p.Path = r.URL.Path
	if len(q) > 0 {
		p.Path += "?" + q.Encode()
	}
	if len(crumbs) > 0 {
		p.Title = p.Crumb(crumbs[len(crumbs)-1])
	}
	return p
}

// render writes a page; it renders into a buffer first so that a template
// error still becomes a proper error answer.
func (h *Handler) render(w http.ResponseWriter, code int, name string, p *page) error {
	t, ok := pages[name]
	if !ok {
		return fmt.Errorf("web: no page template %q", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, p); err != nil {
		return fmt.Errorf("web: render %s: %w", name, err)
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "same-origin")
	hd.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; media-src 'self'; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
	w.WriteHeader(code)
	_, err := w.Write(buf.Bytes())
	return err
}

// IsPage reports whether r is for a workbench page rather than the API or
// the operational endpoints.
func IsPage(r *http.Request) bool {
	_, p, _ := strings.Cut(r.Pattern, " ")
	return p != "" && !strings.HasPrefix(p, "/api/") && p != "/healthz" && !strings.HasPrefix(p, "/static/")
}

// ErrorPage answers a page request that failed: a browser that is not
// signed in goes to the sign-in page and comes back; other errors get a
// page in the workbench's frame. It reports false when the error is left
// to the API's answer.
func (h *Handler) ErrorPage(w http.ResponseWriter, r *http.Request, err error, rid string) bool {
	code := evidence.ErrorCode(err)
	if code == evidence.EUnauthorized || code == evidence.EPasswordChange {
		// Clients that are not browsers (tests, scripts) get the plain 401.
		if !strings.Contains(r.Header.Get("Accept"), "text/html") {
			return false
		}
		http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return true
	}
	status, key := http.StatusInternalServerError, "error.internal"
	switch code {
	case evidence.EForbidden:
		status, key = http.StatusForbidden, "error.forbidden"
	case evidence.ENotFound:
		status, key = http.StatusNotFound, "error.not_found"
	case evidence.EInvalid:
		status, key = http.StatusBadRequest, "error.invalid"
	}
	p := h.newPage(w, r, "", "error.title")
	// Only a bad request's message helps the user (it names the field);
	// the others are said in the user's language.
	detail := ""
	switch {
	case code == evidence.EInvalid:
		detail = locale.New(p.Lang).Error(err)
	case code == evidence.EForbidden && p.User.Role != "":
		detail = p.T("error.forbidden_hint", p.Role(p.User.Role))
	}
	p.Data = map[string]any{"Key": key, "Detail": detail, "RequestID": rid, "Status": status}
	if rerr := h.render(w, status, "error", p); rerr != nil {
		h.Logger.Error("render error page", "request_id", rid, "err", rerr)
	}
	return true
}

// MenuPages maps each page of the menu to the permission it is offered
// for, which must be the page's in the route table (web.TestMenuPerms).
func MenuPages() map[string]evidence.Permission {
	out := map[string]evidence.Permission{}
	for _, g := range menu {
		for _, it := range g.Items {
			out[it.Href] = it.Perm
		}
	}
	return out
}

// Menu is the whole menu, every item with its permission.
func Menu() []MenuGroup { return menu }

// Msg is the catalogue's text of key in lang, filled with args.
func Msg(lang, key string, args ...any) string { return msg(lang, key, args...) }

// Actor names who acted in a custody entry: the server itself, the demo
// seeding and the operator's command line in words, people by their
// account name.
func (p *page) Actor(name string) string {
	switch {
	case name == "system" || name == "demo" || name == "fixity" || name == "retention":
		// fixity and retention: the server's scrub and disposal runs.
		return p.T("actor." + name)
	case name == "cli" || strings.HasPrefix(name, "cli:"):
		return p.T("actor.cli", strings.TrimPrefix(strings.TrimPrefix(name, "cli"), ":"))
	}
	return name
}

// Object names what a custody entry concerns in words: "activity:3" is
// 执法活动 3. Kinds without a name show as logged.
func (p *page) Object(obj string) string {
	kind, id, ok := strings.Cut(obj, ":")
	if !ok {
		// Objects of their own kind alone: "fixity", "retention".
		if m, ok := locale.New(p.Lang).Lookup("object." + obj); ok && !strings.Contains(m, "%") {
			return m
		}
		return obj
	}
	if m, ok := locale.New(p.Lang).Lookup("object." + kind); ok {
		return fmt.Sprintf(m, id)
	}
	return obj
}

// Article writes the article a rule rests on: "Art. 11" reads 第十一条 in
// Chinese and "Art. 11" in English; codes of other sources (X-ACT-1) stay.
func (p *page) Article(a string) string {
	n, err := strconv.Atoi(strings.TrimPrefix(a, "Art. "))
	if err != nil || !strings.HasPrefix(a, "Art. ") || p.Lang == locale.English {
		return a
	}
	return "第" + chineseNumber(n) + "条"
}

// chineseNumber writes 1 to 99 in Chinese numerals (十一, 二十), the way
// articles are numbered; other numbers in digits.
func chineseNumber(n int) string {
	digits := []string{"零", "一", "二", "三", "四", "五", "六", "七", "八", "九"}
	switch {
	case n >= 1 && n < 10:
		return digits[n]
	case n == 10:
		return "十"
	case n > 10 && n < 20:
		return "十" + digits[n%10]
	case n >= 20 && n < 100 && n%10 == 0:
		return digits[n/10] + "十"
	case n > 20 && n < 100:
		return digits[n/10] + "十" + digits[n%10]
	}
	return strconv.Itoa(n)
}
